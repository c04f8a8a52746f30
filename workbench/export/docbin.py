"""spaCy training corpora: ``train.spacy`` and ``dev.spacy`` streamed, a config and a summary."""

from __future__ import annotations

import hashlib
import shutil
import struct
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, cast

import numpy as np
import numpy.typing as npt
import orjson

from workbench.errors import WorkbenchError
from workbench.export.output import StagedFiles, is_stdout
from workbench.export.sources import (
    ExportRecord,
    MergeReport,
    document_hashes,
    iter_records,
    resolve_source,
    ties_message,
)
from workbench.export.spacy_config import MAX_SUGGESTED_TOKENS, SPANS_KEY, spacy_config
from workbench.scheme import KINDS, Scheme
from workbench.store.bulk import span_topics

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

    from workbench.store import Store

TRAIN: Final = "train"
DEV: Final = "dev"
FILES: Final = ("train.spacy", "dev.spacy", "config.cfg", "summary.json")
DOCBIN_ATTRS: Final = ("ORTH", "SENT_START")
"""What each token stores besides its trailing space: its text and whether it starts a
sentence (a blank pipeline predicts nothing else, so nothing else is worth the bytes)."""
COPY_CHUNK: Final = 1 << 20


@dataclass
class SplitCounts:
    """Counts of one split: documents, records (Docs), spans, and labels."""

    documents: int = 0
    docs: int = 0
    spans: int = 0
    no_stance: int = 0
    claim_type: Counter[str] = field(default_factory=Counter)
    stance: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)
    span_stance: Counter[str] = field(default_factory=Counter)
    span_topics: Counter[str] = field(default_factory=Counter)

    def add(self, record: ExportRecord) -> None:
        """Count one record."""
        self.docs += 1
        self.spans += len(record.spans)
        if record.stance is None:
            self.no_stance += 1
        else:
            self.stance[record.stance] += 1
        self.topics.update(record.topics)
        for span in record.spans:
            self.claim_type[span[5]] += 1
            if span[6] is not None:
                self.span_stance[span[6]] += 1
            self.span_topics.update(span_topics(span[7]))

    def to_dict(self, scheme: Scheme) -> dict[str, Any]:
        """The counts as JSON, labels in scheme order (zero counts included)."""

        def ordered(counts: Counter[str], kind: Any) -> dict[str, int]:
            return {name: counts[name] for name in scheme.names(kind)}

        return {
            "documents": self.documents,
            "docs": self.docs,
            "spans": self.spans,
            "no_stance": self.no_stance,
            "claim_type": ordered(self.claim_type, "claim_type"),
            "stance": ordered(self.stance, "stance"),
            "topics": ordered(self.topics, "topics"),
            "span_stance": ordered(self.span_stance, "stance"),
            "span_topics": ordered(self.span_topics, "topics"),
        }


@dataclass
class SpacyExport:
    """What ``export spacy`` wrote, and anything the user should hear about."""

    folder: str
    summary: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


# -- the split ---------------------------------------------------------------------------------


def split_key(document_hash: str, seed: int) -> int:
    """A document's place in the shuffled order of a seed (from its content hash, so it does
    not depend on the other documents or on names)."""
    digest = hashlib.blake2b(f"{seed}:{document_hash}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def dev_threshold(hashes: Sequence[str], dev: float, seed: int) -> int:
    """The largest split key that goes to dev: the ``round(dev * n)`` documents with the
    smallest keys do (at least one and not all, when there are two or more); -1 for none."""
    count = round(dev * len(hashes))
    if dev > 0 and len(hashes) >= 2:
        count = min(max(count, 1), len(hashes) - 1)
    if count <= 0 or not hashes:
        return -1
    keys = np.fromiter((split_key(h, seed) for h in hashes), dtype=np.uint64, count=len(hashes))
    return int(np.partition(keys, count - 1)[count - 1])


# -- Docs --------------------------------------------------------------------------------------


def build_doc(vocab: Vocab, record: ExportRecord, scheme: Scheme) -> tuple[Doc, list[str]]:
    """The ``Doc`` of a record, from the stored tokens, and its token texts.

    ``doc.spans``: ``claim_type`` (each span by claim type), ``stance`` (the spans with a
    stance, by stance), ``topic`` (one span per span and topic); ``doc.cats``: the stance
    one-hot (only when the record has one) and every topic as 1.0 or 0.0; ``doc.user_data``:
    ``document`` and ``annotator``.
    """
    from spacy.attrs import SENT_START
    from spacy.tokens import Doc, Span

    tokens = record.document.tokens
    words = tokens.words(record.document.text)
    doc = Doc(vocab, words=words, spaces=tokens.spaces.tolist())
    # Setting sentence starts through from_array is twice as fast as Doc(sent_starts=...).
    starts = np.full((len(words), 1), -1, dtype=np.int64)
    starts[tokens.sent_starts, 0] = 1
    doc.from_array([SENT_START], cast(Any, starts.astype(np.uint64)))
    claims: list[Span] = []
    stances: list[Span] = []
    topics: list[Span] = []
    for _, _, _, token_start, token_end, label, stance, stored_topics in record.spans:
        claims.append(Span(doc, token_start, token_end, label))
        if stance is not None:
            stances.append(Span(doc, token_start, token_end, stance))
        topics.extend(
            Span(doc, token_start, token_end, topic) for topic in span_topics(stored_topics)
        )
    doc.spans[SPANS_KEY] = claims
    doc.spans["stance"] = stances
    doc.spans["topic"] = topics
    doc.cats = doc_cats(record, scheme)
    doc.user_data.update(user_data(record))
    return doc, words


def doc_cats(record: ExportRecord, scheme: Scheme) -> dict[str, float]:
    """``doc.cats``: the stance one-hot (only if the record has a stance; a missing stance is
    missing, not "none of them") and every topic as 1.0 or 0.0."""
    cats: dict[str, float] = {}
    if record.stance is not None:
        cats.update((name, float(name == record.stance)) for name in scheme.names("stance"))
    chosen = set(record.topics)
    cats.update((name, float(name in chosen)) for name in scheme.names("topics"))
    return cats


def user_data(record: ExportRecord) -> dict[str, str]:
    """``doc.user_data``: the document's name and the annotator."""
    return {"document": record.document.name, "annotator": record.annotator}


@dataclass(frozen=True)
class EncodedDoc:
    """One Doc's parts as ``DocBin`` stores them (msgpack where DocBin packs them)."""

    tokens: bytes
    spaces: bytes
    length: int
    cats: bytes
    flags: bytes
    span_groups: bytes
    user_data: bytes
    strings: Sequence[str]


class Msgpack:
    """msgpack as spaCy writes it (srsly's packer: str as str, bytes as bin).

    ``srsly.msgpack_dumps`` builds a new packer per call, which walks every registered
    function (about a millisecond with spaCy loaded); one packer, reused, does not.
    """

    def __init__(self) -> None:
        from srsly.msgpack import Packer  # type: ignore[import-untyped]

        self._packer = Packer(use_bin_type=True)

    def __call__(self, value: Any) -> bytes:
        """The packed bytes of ``value``."""
        packed: bytes = self._packer.pack(value)
        return packed


def encode_doc(doc: Doc, words: Sequence[str], pack: Msgpack) -> EncodedDoc:
    """A spaCy Doc's DocBin parts through spaCy's own serializers, as ``DocBin.add`` takes
    them."""
    from spacy.attrs import ORTH, SENT_START, SPACY

    array = doc.to_array([ORTH, SENT_START])
    labels = [span.label_ for group in doc.spans.values() for span in group]
    return EncodedDoc(
        tokens=np.ascontiguousarray(array, dtype=np.uint64).tobytes(),
        spaces=doc.to_array(SPACY).astype(np.bool_).tobytes(),
        length=len(doc),
        cats=pack(doc.cats),
        flags=pack({"has_unknown_spaces": doc.has_unknown_spaces}),
        span_groups=pack(doc.spans.to_bytes()),
        user_data=pack(pack(doc.user_data)),
        strings=[*words, *labels],
    )


_SPAN = struct.Struct(">QQQllll")
"""A span as spaCy's ``SpanGroup.to_bytes`` packs it: id, kb id, label, token start and end,
character start and end."""

GroupSpan = tuple[str, int, int, int, int]
"""Label, token start and end, character start and end."""


class RecordEncoder:
    """A record's DocBin parts computed from the stored tokens and spans directly, without a
    spaCy ``Doc``: the bytes :func:`encode_doc` gives for :func:`build_doc` (checked on the
    first record of every export), in a fraction of the time."""

    def __init__(self, vocab: Vocab, scheme: Scheme) -> None:
        self.vocab = vocab
        self.scheme = scheme
        self.pack = Msgpack()
        self._hashes: dict[str, int] = {}
        self._flags = self.pack({"has_unknown_spaces": False})
        self._checked = False

    def _orth(self, words: Sequence[str]) -> npt.NDArray[np.uint64]:
        """The string hashes of ``words`` (spaCy's ORTH), each new string added to the vocab."""
        hashes = self._hashes
        try:
            return np.fromiter(map(hashes.__getitem__, words), dtype=np.uint64, count=len(words))
        except KeyError:
            add = self.vocab.strings.add
            for word in set(words).difference(hashes):
                hashes[word] = add(word)
            return np.fromiter(map(hashes.__getitem__, words), dtype=np.uint64, count=len(words))

    def _group(self, name: str, spans: list[GroupSpan]) -> bytes:
        labels = self._orth([span[0] for span in spans]).tolist() if spans else []
        packed = [
            _SPAN.pack(0, 0, label, first, stop, start, end)
            for label, (_, first, stop, start, end) in zip(labels, spans, strict=True)
        ]
        return self.pack({"name": name, "attrs": {}, "spans": packed})

    def encode(self, record: ExportRecord) -> EncodedDoc:
        """The DocBin parts of the record's Doc (the Doc :func:`build_doc` builds)."""
        encoded = self._encode(record)
        if not self._checked:
            # A spaCy release that changed its Doc serialization must fail loudly, not
            # write corpora it cannot read back.
            doc, words = build_doc(self.vocab, record, self.scheme)
            if encoded != encode_doc(doc, words, self.pack):
                raise WorkbenchError(
                    "this spaCy version serializes Docs differently from what Workbench writes;"
                    " report it with the output of `python -m spacy info`"
                )
            self._checked = True
        return encoded

    def _encode(self, record: ExportRecord) -> EncodedDoc:
        tokens = record.document.tokens
        words = tokens.words(record.document.text)
        table = np.empty((len(words), 2), dtype=np.uint64)
        table[:, 0] = self._orth(words)
        table[:, 1] = np.uint64(2**64 - 1)  # spaCy's -1: not a sentence start
        table[tokens.sent_starts, 1] = 1
        claims: list[GroupSpan] = []
        stances: list[GroupSpan] = []
        topics: list[GroupSpan] = []
        for _, start, end, first, stop, label, stance, stored_topics in record.spans:
            claims.append((label, first, stop, start, end))
            if stance is not None:
                stances.append((stance, first, stop, start, end))
            if stored_topics is not None:
                topics.extend(
                    (topic, first, stop, start, end) for topic in span_topics(stored_topics)
                )
        groups: dict[bytes, list[str]] = {}
        for name, spans in ((SPANS_KEY, claims), ("stance", stances), ("topic", topics)):
            groups.setdefault(self._group(name, spans), []).append(name)
        labels = [span[0] for group in (claims, stances, topics) for span in group]
        return EncodedDoc(
            tokens=table.tobytes(),
            spaces=tokens.spaces.astype(np.bool_).tobytes(),
            length=len(words),
            cats=self.pack(doc_cats(record, self.scheme)),
            flags=self._flags,
            span_groups=self.pack(self.pack(groups)),
            user_data=self.pack(self.pack(user_data(record))),
            strings=[*words, *labels],
        )


class DocBinWriter:
    """Writes a spaCy ``DocBin`` file (``DocBin().from_disk`` reads it) as Docs arrive.

    spaCy's own ``DocBin`` keeps every Doc's arrays until ``to_disk``; this writer spills
    each part to a scratch file as it goes and assembles the zlib-compressed msgpack map at
    the end, so memory holds one Doc and the set of distinct strings, whatever the corpus
    size.
    """

    PARTS: Final = ("tokens", "spaces", "lengths", "cats", "flags", "span_groups", "user_data")

    def __init__(self, path: Path, strings: Iterable[str] = ()) -> None:
        from spacy.attrs import ORTH, SENT_START

        self.path = path
        self.attrs: list[int] = [ORTH, SENT_START]
        self.strings: set[str] = {"", *strings}
        self.count = 0
        self._pack = Msgpack()
        self._scratch = Path(tempfile.mkdtemp(dir=path.parent, prefix=".docbin-"))
        self._parts: dict[str, BinaryIO] = {
            name: (self._scratch / name).open("w+b") for name in self.PARTS
        }
        self._sizes = dict.fromkeys(self.PARTS, 0)

    def _write(self, part: str, data: bytes) -> None:
        self._parts[part].write(data)
        self._sizes[part] += len(data)

    def add(self, encoded: EncodedDoc) -> None:
        """Append one Doc's parts."""
        self._write("tokens", encoded.tokens)
        self._write("spaces", encoded.spaces)
        self._write("lengths", np.asarray([encoded.length], dtype=np.int32).tobytes())
        self._write("cats", encoded.cats)
        self._write("flags", encoded.flags)
        self._write("span_groups", encoded.span_groups)
        self._write("user_data", encoded.user_data)
        self.strings.update(encoded.strings)
        self.count += 1

    def close(self) -> None:
        """Assemble the file from the scratch parts and remove them."""
        pack = self._pack
        compressor = zlib.compressobj()
        try:
            with self.path.open("wb") as out:

                def put(data: bytes) -> None:
                    out.write(compressor.compress(data))

                def put_part(part: str) -> None:
                    handle = self._parts[part]
                    handle.seek(0)
                    while chunk := handle.read(COPY_CHUNK):
                        put(chunk)

                # The map DocBin.to_bytes packs, key by key; sizes and counts come first in
                # msgpack, and are known now.
                put(b"\x8a")  # a map of ten entries
                put(pack("version") + pack("0.1"))
                put(pack("attrs") + pack(self.attrs))
                for name in ("tokens", "spaces", "lengths"):
                    put(pack(name) + _bin_header(self._sizes[name]))
                    put_part(name)
                put(pack("strings") + pack(sorted(self.strings)))
                for name in ("cats", "flags", "span_groups", "user_data"):
                    put(pack(name) + _array_header(self.count))
                    put_part(name)
                out.write(compressor.flush())
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the scratch parts (the target file, if written, stays)."""
        for handle in self._parts.values():
            handle.close()
        shutil.rmtree(self._scratch, ignore_errors=True)


def _bin_header(size: int) -> bytes:
    if size >= 1 << 32:
        raise WorkbenchError("the corpus is too large for one .spacy file (over 4 GB of tokens)")
    return b"\xc6" + size.to_bytes(4, "big")


def _array_header(count: int) -> bytes:
    return b"\xdd" + count.to_bytes(4, "big")


# -- the export --------------------------------------------------------------------------------


def export_spacy(
    store: Store,
    *,
    out: Path,
    source: str,
    status: str = "done",
    docs: Sequence[str] | None = None,
    dev: float = 0.2,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> SpacyExport:
    """Write ``train.spacy``, ``dev.spacy``, ``config.cfg`` and ``summary.json`` into ``out``.

    The split is by document: a seeded hash of each document's text decides, so all of a
    document's records land in one split and the same seed gives the same split. Nothing in
    ``out`` changes unless the whole export succeeds.
    """
    if is_stdout(out):
        raise WorkbenchError("export spacy writes a folder of files; give --out DIR, not -")
    if not 0 <= dev < 1:
        raise WorkbenchError(f"--dev {dev}: use a fraction from 0 up to (not including) 1")
    selection = resolve_source(store, source, status, docs)
    hashes = document_hashes(store, selection)
    if not hashes:
        raise WorkbenchError(
            f"nothing to export: no annotations with status {', '.join(selection.statuses)}"
            f" from --source {selection.source}"
        )
    threshold = dev_threshold(hashes, dev, seed)
    total = len(hashes)
    del hashes
    import spacy

    scheme = store.scheme
    encoder = RecordEncoder(spacy.blank("en").vocab, scheme)
    labels = [*scheme.names("claim_type"), *scheme.names("stance"), *scheme.names("topics")]
    counts = {TRAIN: SplitCounts(), DEV: SplitCounts()}
    report = MergeReport()
    longest = 0
    beyond = 0
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    with StagedFiles(out) as staged:
        writers: dict[str, DocBinWriter] = {}
        try:
            writers[TRAIN] = DocBinWriter(staged.stage("train.spacy"), labels)
            writers[DEV] = DocBinWriter(staged.stage("dev.spacy"), labels)
            last_hash = ""
            for record in iter_records(store, selection, report=report, progress=advance):
                split = DEV if split_key(record.document.hash, seed) <= threshold else TRAIN
                if record.document.hash != last_hash:
                    counts[split].documents += 1
                    last_hash = record.document.hash
                writers[split].add(encoder.encode(record))
                counts[split].add(record)
                for span in record.spans:
                    length = span[4] - span[3]
                    longest = max(longest, length)
                    beyond += length > MAX_SUGGESTED_TOKENS
            for writer in writers.values():
                writer.close()
        finally:
            for writer in writers.values():
                writer.discard()
        summary = {
            "source": selection.source,
            "statuses": list(selection.statuses),
            "dev_fraction": dev,
            "seed": seed,
            "splits": {name: split.to_dict(scheme) for name, split in counts.items()},
            "labels": {kind: list(scheme.names(kind)) for kind in KINDS},
            "longest_span_tokens": longest,
            "suggester_max_tokens": max(1, min(longest, MAX_SUGGESTED_TOKENS)),
            "spans_longer_than_suggester": beyond,
            "stance_ties": report.stance_ties,
        }
        config = spacy_config(scheme, seed=seed, max_span_tokens=longest)
        staged.stage("config.cfg").write_text(config, encoding="utf-8")
        staged.stage("summary.json").write_bytes(
            orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n"
        )
        staged.commit()
    warnings = []
    if counts[DEV].docs == 0:
        warnings.append(
            "dev.spacy is empty: spacy train needs at least one dev document"
            " (use --dev above 0 with two or more documents)"
        )
    if counts[TRAIN].docs == 0:
        warnings.append("train.spacy is empty: lower --dev or export more documents")
    if report.stance_ties:
        warnings.append(ties_message(report.stance_ties))
    return SpacyExport(folder=str(out), summary=summary, warnings=warnings)
