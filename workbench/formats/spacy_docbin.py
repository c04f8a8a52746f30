"""spaCy's ``DocBin`` format, written: a record as a ``Doc`` (the plain reference, through
spaCy), the same bytes computed directly (the fast encoder), and a writer that streams a file.

Reading ``.spacy`` files back is spaCy's own ``DocBin().from_disk``.
"""

from __future__ import annotations

import shutil
import struct
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, cast

import numpy as np
import numpy.typing as npt

from workbench.errors import WorkbenchError
from workbench.scheme import Scheme
from workbench.store.records import ExportRecord

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

SPANS_KEY: Final = "claim_type"
"""The span group of the claims (the ``spancat`` component's ``spans_key``)."""
STANCE_GROUP: Final = "stance"
TOPIC_GROUP: Final = "topic"
DOCBIN_ATTRS: Final = ("ORTH", "SENT_START")
"""What each token stores besides its trailing space: its text and whether it starts a
sentence (a blank pipeline predicts nothing else, so nothing else is worth the bytes)."""
COPY_CHUNK: Final = 1 << 20


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
    for span in record.spans:
        claims.append(Span(doc, span.token_start, span.token_end, span.label))
        if span.stance is not None:
            stances.append(Span(doc, span.token_start, span.token_end, span.stance))
        topics.extend(Span(doc, span.token_start, span.token_end, topic) for topic in span.topics)
    doc.spans[SPANS_KEY] = claims
    doc.spans[STANCE_GROUP] = stances
    doc.spans[TOPIC_GROUP] = topics
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
        for span in record.spans:
            place = (span.token_start, span.token_end, span.start, span.end)
            claims.append((span.label, *place))
            if span.stance is not None:
                stances.append((span.stance, *place))
            if span.topics_json is not None:
                topics.extend((topic, *place) for topic in span.topics)
        groups: dict[bytes, list[str]] = {}
        for name, spans in ((SPANS_KEY, claims), (STANCE_GROUP, stances), (TOPIC_GROUP, topics)):
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
