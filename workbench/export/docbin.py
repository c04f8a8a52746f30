"""spaCy training corpora: ``train.spacy`` and ``dev.spacy`` streamed, a config and a summary."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, cast

import numpy as np
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
            self.claim_type[span[4]] += 1
            if span[5] is not None:
                self.span_stance[span[5]] += 1
            self.span_topics.update(span[6])

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
    for _, _, token_start, token_end, label, stance, span_topics in record.spans:
        claims.append(Span(doc, token_start, token_end, label))
        if stance is not None:
            stances.append(Span(doc, token_start, token_end, stance))
        topics.extend(Span(doc, token_start, token_end, topic) for topic in span_topics)
    doc.spans[SPANS_KEY] = claims
    doc.spans["stance"] = stances
    doc.spans["topic"] = topics
    cats: dict[str, float] = {}
    if record.stance is not None:
        cats.update((name, float(name == record.stance)) for name in scheme.names("stance"))
    chosen = set(record.topics)
    cats.update((name, float(name in chosen)) for name in scheme.names("topics"))
    doc.cats = cats
    doc.user_data["document"] = record.document.name
    doc.user_data["annotator"] = record.annotator
    return doc, words


class DocBinWriter:
    """Writes a spaCy ``DocBin`` file (``DocBin().from_disk`` reads it) as Docs arrive.

    spaCy's own ``DocBin`` keeps every Doc's arrays until ``to_disk``; this writer spills
    each part to a scratch file as it goes and assembles the zlib-compressed msgpack map at
    the end, so memory holds one Doc and the set of distinct strings, whatever the corpus
    size.
    """

    PARTS: Final = ("tokens", "spaces", "lengths", "cats", "flags", "span_groups", "user_data")

    def __init__(self, path: Path, strings: Iterable[str] = ()) -> None:
        from spacy.attrs import ORTH, SPACY, intify_attr

        self.path = path
        attrs = sorted({intify_attr(name) for name in DOCBIN_ATTRS} - {ORTH, SPACY, None})
        self.attrs: list[int | str] = [ORTH, *(attr for attr in attrs if attr is not None)]
        self._spacy_attr = SPACY
        self.strings: set[str] = {"", *strings}
        self.count = 0
        self._scratch = Path(tempfile.mkdtemp(dir=path.parent, prefix=".docbin-"))
        self._parts: dict[str, BinaryIO] = {
            name: (self._scratch / name).open("w+b") for name in self.PARTS
        }
        self._sizes = dict.fromkeys(self.PARTS, 0)

    def _write(self, part: str, data: bytes) -> None:
        self._parts[part].write(data)
        self._sizes[part] += len(data)

    def add(self, doc: Doc, words: Iterable[str]) -> None:
        """Append a Doc (``words``: its token texts, which the strings table needs)."""
        array = doc.to_array(self.attrs)
        if array.ndim == 1:
            array = array.reshape((-1, 1))
        self._write("tokens", np.ascontiguousarray(array, dtype=np.uint64).tobytes())
        self._write("spaces", doc.to_array(self._spacy_attr).astype(np.bool_).tobytes())
        self._write("lengths", np.asarray([len(doc)], dtype=np.int32).tobytes())
        self._write("cats", _packb(doc.cats))
        self._write("flags", _packb({"has_unknown_spaces": doc.has_unknown_spaces}))
        self._write("span_groups", _packb(doc.spans.to_bytes()))
        self._write("user_data", _packb(_packb(doc.user_data)))
        self.strings.update(words)
        for group in doc.spans.values():
            self.strings.update(span.label_ for span in group)
        self.count += 1

    def close(self) -> None:
        """Assemble the file from the scratch parts and remove them."""
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
                put(_packb("version") + _packb("0.1"))
                put(_packb("attrs") + _packb(self.attrs))
                for name in ("tokens", "spaces", "lengths"):
                    put(_packb(name) + _bin_header(self._sizes[name]))
                    put_part(name)
                put(_packb("strings") + _packb(sorted(self.strings)))
                for name in ("cats", "flags", "span_groups", "user_data"):
                    put(_packb(name) + _array_header(self.count))
                    put_part(name)
                out.write(compressor.flush())
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the scratch parts (the target file, if written, stays)."""
        for handle in self._parts.values():
            handle.close()
        shutil.rmtree(self._scratch, ignore_errors=True)


def _packb(value: Any) -> bytes:
    """msgpack bytes as spaCy writes them (srsly's msgpack: str as str, bytes as bin)."""
    import srsly  # type: ignore[import-untyped]

    packed: bytes = srsly.msgpack_dumps(value)
    return packed


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

    vocab = spacy.blank("en").vocab
    scheme = store.scheme
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
                doc, words = build_doc(vocab, record, scheme)
                writers[split].add(doc, words)
                counts[split].add(record)
                for span in record.spans:
                    length = span[3] - span[2]
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
