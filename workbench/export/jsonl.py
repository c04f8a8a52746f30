"""JSONL out: the Workbench format (a superset of Prodigy's task format) and doccano's."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final

import numpy as np
import numpy.typing as npt
import orjson

from workbench.errors import WorkbenchError
from workbench.export.output import PieceWriter, open_output
from workbench.export.sources import (
    ExportDocument,
    ExportRecord,
    MergeReport,
    document_hashes,
    iter_records,
    resolve_source,
)
from workbench.nlp import Index, Tokenization
from workbench.store.bulk import SpanRow

if TYPE_CHECKING:
    from workbench.store import Store

FORMATS: Final = ("workbench", "doccano")

ANSWERS: Final = {"done": "accept", "skipped": "ignore"}
"""Prodigy's ``answer`` for our statuses; other statuses are written without one."""

META_RESERVED: Final = frozenset({"name", "source", "annotator", "answer"})
"""Metadata keys an export writes itself (or that describe one annotation, not the
document), so a document's stored metadata never overrides them."""


@dataclass
class JsonlExport:
    """What an export wrote: where, how many lines and documents, and the tied stances."""

    path: str
    format: str
    records: int = 0
    documents: int = 0
    stance_ties: list[str] = field(default_factory=list)


def export_jsonl(
    store: Store,
    *,
    out: Path | str,
    source: str,
    status: str = "done",
    docs: Sequence[str] | None = None,
    format: str = "workbench",
    progress: Callable[[int, int], None] | None = None,
) -> JsonlExport:
    """Write the selected annotations as JSONL to ``out`` (``-`` is standard output).

    One line per record, by document name then annotator name; the same database gives the
    same bytes. A file is written under a temporary name and renamed when complete.
    """
    if format not in FORMATS:
        raise WorkbenchError(f"--format {format!r}: use {' or '.join(FORMATS)}")
    selection = resolve_source(store, source, status, docs)
    total = len(document_hashes(store, selection))
    result = JsonlExport(path=str(out), format=format)
    report = MergeReport(stance_ties=result.stance_ties)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        result.documents = done
        if progress is not None:
            progress(done, total)

    encode = WorkbenchLines(selection.source) if format == "workbench" else doccano_line
    with open_output(out) as handle:
        result.records = write_lines(
            handle, iter_records(store, selection, report=report, progress=advance), encode
        )
    return result


def write_lines(
    handle: BinaryIO,
    records: Iterable[ExportRecord],
    encode: Callable[[ExportRecord], list[bytes]],
) -> int:
    """Encode and write each record as one line, in chunks; how many lines were written."""
    count = 0
    pieces: list[bytes] = []
    with PieceWriter(handle) as writer:
        for record in records:
            pieces.extend(encode(record))
            count += 1
            if len(pieces) >= CHUNK_PIECES:
                writer.write(pieces)
                pieces = []
        if pieces:
            writer.write(pieces)
    return count


CHUNK_PIECES: Final = 320
"""Pieces per write: 64 lines of 5, well under the 1,024 buffers one ``writev`` may take."""


# -- the Workbench (Prodigy) format ------------------------------------------------------------


def hash32(*parts: bytes) -> int:
    """A stable signed 32-bit hash (BLAKE2b), the size and sign of Prodigy's task hashes."""
    digest = hashlib.blake2b(digest_size=4)
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return int.from_bytes(digest.digest(), "little", signed=True)


class WorkbenchLines:
    """Encodes records as Workbench JSONL lines, each as a few pieces: a document's text,
    tokens and metadata are serialized once and shared by all its lines."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._document: ExportDocument | None = None
        self._text = b""
        self._tokens = b""
        self._meta = b""
        self._input_hash = 0
        self._encode_tokens = TokensEncoder()

    def _document_parts(self, document: ExportDocument) -> None:
        meta = {"name": document.name, "source": self.source}
        meta.update((k, v) for k, v in document.meta.items() if k not in META_RESERVED)
        self._document = document
        self._text = orjson.dumps(document.text)
        self._meta = orjson.dumps(meta)
        self._input_hash = hash32(self._text)
        self._tokens = self._encode_tokens(document.text, document.tokens, self._text)

    def __call__(self, record: ExportRecord) -> list[bytes]:
        """One line (ending in a newline) for a record, as pieces to write in order."""
        if record.document is not self._document:
            self._document_parts(record.document)
        spans = orjson.dumps([span_object(span) for span in record.spans])
        labels = orjson.dumps([record.stance, record.topics])
        task_hash = hash32(str(self._input_hash).encode(), spans, labels)
        rest: dict[str, Any] = {"spans": orjson.Fragment(spans)}
        answer = record.answer if record.status == "skipped" and record.answer else None
        answer = answer or ANSWERS.get(record.status)
        if answer is not None:
            rest["answer"] = answer
        rest["_annotator_id"] = record.annotator
        rest["_session_id"] = record.annotator
        rest["_timestamp"] = int(record.timestamp)
        rest["stance"] = record.stance
        rest["topics"] = record.topics
        rest["status"] = record.status
        rest["note"] = record.note
        rest["seconds"] = record.seconds
        tail = orjson.dumps(rest, option=orjson.OPT_APPEND_NEWLINE)
        # The same bytes as orjson.dumps of the whole line, without copying text and tokens.
        return [
            b'{"text":',
            self._text,
            b',"meta":%s,"_input_hash":%d,"_task_hash":%d,"tokens":'
            % (self._meta, self._input_hash, task_hash),
            self._tokens,
            b"," + tail[1:],
        ]


def span_object(span: SpanRow) -> dict[str, Any]:
    """A span as Prodigy writes it (``token_end`` inclusive), with our stance and topics."""
    _, start, end, token_start, token_end, label, stance, topics = span
    item: dict[str, Any] = {
        "start": start,
        "end": end,
        "token_start": token_start,
        "token_end": token_end - 1,
        "label": label,
    }
    if stance is not None:
        item["stance"] = stance
    if topics is not None:
        # Stored as compact JSON of the sorted names: already what orjson would write.
        item["topics"] = orjson.Fragment(topics)
    return item


# -- tokens ------------------------------------------------------------------------------------

TABLE_LIMIT: Final = 1 << 18
"""Offsets (and token counts) up to which the numbers' JSON pieces are kept in shared tables;
a longer document (over about 40,000 tokens) takes the plain path."""


def _width(byte: int) -> int:
    if byte < 0x80:  # ASCII: itself, or escaped
        return len(orjson.dumps(chr(byte))) - 2
    return 0 if byte < 0xC0 else 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4


_WIDTHS: Final = bytes(map(_width, range(256)))
"""For ``bytes.translate``: how many bytes orjson writes inside a string for the character a
UTF-8 byte begins: ASCII as itself or escaped (``"`` is ``\\"``, a newline ``\\n``, other
controls ``\\u00XX``), every other character as its UTF-8 bytes, counted at its first byte
(the bytes that continue a character count 0)."""
_OPEN: Final = np.frombuffer(b'[{"text":"', dtype=np.uint8)
_NEXT: Final = len(b',{"text":"')
_CLOSE: Final = ord("]")
_WS: Final = (b"false", b"true")


@dataclass(frozen=True)
class _Tables:
    """The JSON pieces that hold a token's numbers, for every offset below ``chars`` and every
    index below ``tokens``, laid end to end in ``data``: ``","start":S``, ``,"end":E`` and
    ``,"id":I,"ws":B},{"text":"`` (number ``2 * I + B``), with where each begins and its
    length."""

    chars: int
    tokens: int
    data: npt.NDArray[np.uint8]
    start_at: Index
    start_len: Index
    end_at: Index
    end_len: Index
    tail_at: Index
    tail_len: Index
    evens: Index
    """``2 * I`` for every index ``I``: the tails' numbers, less ``B``."""


def _build_tables(chars: int, tokens: int) -> _Tables:
    kinds = (
        [b'","start":%d' % n for n in range(chars)],
        [b',"end":%d' % n for n in range(chars)],
        [b',"id":%d,"ws":%s},{"text":"' % (n, ws) for n in range(tokens) for ws in _WS],
    )
    places: list[tuple[Index, Index]] = []
    base = 0
    for pieces in kinds:
        lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        ends = np.cumsum(lengths) + base
        places.append((ends - lengths, lengths))
        base = int(ends[-1])
    data = np.frombuffer(b"".join(b"".join(pieces) for pieces in kinds), dtype=np.uint8)
    (start_at, start_len), (end_at, end_len), (tail_at, tail_len) = places
    evens = 2 * np.arange(tokens, dtype=np.int64)
    return _Tables(
        chars, tokens, data, start_at, start_len, end_at, end_len, tail_at, tail_len, evens
    )


_TABLES: _Tables | None = None
"""The tables every encoder starts from, grown (replaced, never changed) as documents need."""


def _shared_tables(chars: int, tokens: int) -> _Tables:
    global _TABLES
    tables = _TABLES
    if tables is None or chars > tables.chars or tokens > tables.tokens:
        have_chars, have_tokens = (tables.chars, tables.tokens) if tables else (0, 0)
        tables = _build_tables(_grown(have_chars, chars, 4096), _grown(have_tokens, tokens, 1024))
        _TABLES = tables
    return tables


def _grown(have: int, need: int, least: int) -> int:
    """A table size that covers ``need``: ``have`` if it does, else doubled (at least
    ``least``, at most ``TABLE_LIMIT``)."""
    return have if need <= have else min(max(need, 2 * have, least), TABLE_LIMIT)


class TokensEncoder:
    """Writes documents' ``tokens`` arrays (``text``, ``start``, ``end``, ``id``, ``ws``) as
    orjson would, without a dict per token: the output is gathered byte by byte, in one numpy
    call, from the document's escaped text and shared tables of the numbers' pieces
    (:class:`_Tables`).

    An encoder keeps one buffer, the tables followed by room for a text, so it serves one
    thread at a time.
    """

    def __init__(self) -> None:
        self._tables: _Tables | None = None
        self._buffer = np.empty(0, dtype=np.uint8)
        self._counting = np.empty(0, dtype=np.int64)

    def __call__(self, text: str, tokens: Tokenization, escaped: bytes | None = None) -> bytes:
        """The tokens array of ``text`` as JSON (``escaped``: ``orjson.dumps(text)``, if the
        caller has it already)."""
        if len(tokens) == 0:
            return b"[]"
        fast = None
        if len(text) < TABLE_LIMIT and len(tokens) <= TABLE_LIMIT:
            try:
                fast = self._gather(text, tokens, escaped or orjson.dumps(text))
            except (UnicodeError, orjson.JSONEncodeError):
                fast = None
        return fast if fast is not None else _tokens_json_plain(text, tokens)

    def _gather(self, text: str, tokens: Tokenization, escaped: bytes) -> bytes | None:
        starts, ends = tokens.starts, tokens.ends
        if starts.min() < 0 or ends.max() > len(text) or not (ends > starts).all():
            return None
        encoded = text.encode("utf-8")
        if len(escaped) == len(encoded) + 2 and len(encoded) == len(text):
            begins, word_ends = starts, ends  # ASCII with nothing escaped: a byte a character
        else:
            # Where each character's escaped form begins (after the opening quote).
            widths = np.frombuffer(encoded.translate(_WIDTHS), dtype=np.uint8)
            if len(encoded) != len(text):
                widths = widths[widths != 0]  # one a character, not a byte
            offsets = np.empty(len(text) + 1, dtype=np.int64)
            offsets[0] = 0
            np.cumsum(widths, out=offsets[1:])
            if int(offsets[-1]) != len(escaped) - 2:
                return None
            begins, word_ends = offsets[starts], offsets[ends]
        count = len(tokens)
        tables = self._tables_for(len(text) + 1, count, len(escaped))
        text_at = len(tables.data)
        self._buffer[text_at : text_at + len(escaped)] = np.frombuffer(escaped, dtype=np.uint8)
        # Four pieces a token: its escaped text, then the start, end and tail pieces.
        piece_at = np.empty((count, 4), dtype=np.int64)
        piece_len = np.empty((count, 4), dtype=np.int64)
        piece_at[:, 0] = begins + (text_at + 1)
        piece_len[:, 0] = word_ends - begins
        piece_at[:, 1] = tables.start_at[starts]
        piece_len[:, 1] = tables.start_len[starts]
        piece_at[:, 2] = tables.end_at[ends]
        piece_len[:, 2] = tables.end_len[ends]
        tails = tables.evens[:count] + tokens.spaces
        piece_at[:, 3] = tables.tail_at[tails]
        piece_len[:, 3] = tables.tail_len[tails]
        sources = piece_at.ravel()
        lengths = piece_len.ravel()
        lengths[-1] -= _NEXT  # the last token closes the array instead
        # The index of every output byte in the buffer: where its piece starts, plus how far
        # into the output the piece it is.
        firsts = np.cumsum(lengths)
        size = int(firsts[-1])
        firsts -= lengths
        sources -= firsts
        index = np.repeat(sources, lengths)
        if len(self._counting) < size:
            self._counting = np.arange(max(size, 2 * len(self._counting)), dtype=np.int64)
        index += self._counting[:size]
        out = np.empty(len(_OPEN) + size + 1, dtype=np.uint8)
        out[: len(_OPEN)] = _OPEN
        np.take(self._buffer, index, out=out[len(_OPEN) : -1], mode="clip")
        out[-1] = _CLOSE
        return out.tobytes()

    def _tables_for(self, chars: int, tokens: int, room: int) -> _Tables:
        """The tables covering ``chars`` and ``tokens``, copied into the buffer, with ``room``
        bytes after them."""
        tables = self._tables
        if tables is None or chars > tables.chars or tokens > tables.tokens:
            tables = _shared_tables(chars, tokens)
            self._tables = tables
            self._buffer = np.empty(0, dtype=np.uint8)
        size = len(tables.data)
        if len(self._buffer) < size + room:
            buffer = np.empty(size + max(room, 1 << 16, 2 * (len(self._buffer) - size)), np.uint8)
            buffer[:size] = tables.data
            self._buffer = buffer
        return tables


_ENCODERS = threading.local()


def tokens_json(text: str, tokens: Tokenization) -> bytes:
    """The ``tokens`` array of a document (``text``, ``start``, ``end``, ``id``, ``ws``)."""
    encoder: TokensEncoder | None = getattr(_ENCODERS, "encoder", None)
    if encoder is None:
        encoder = _ENCODERS.encoder = TokensEncoder()
    return encoder(text, tokens)


def _tokens_json_plain(text: str, tokens: Tokenization) -> bytes:
    starts = tokens.starts.tolist()
    ends = tokens.ends.tolist()
    return orjson.dumps(
        [
            {"text": text[start:end], "start": start, "end": end, "id": index, "ws": ws}
            for index, (start, end, ws) in enumerate(
                zip(starts, ends, tokens.spaces.tolist(), strict=True)
            )
        ]
    )


# -- doccano ------------------------------------------------------------------------------------


def doccano_line(record: ExportRecord) -> list[bytes]:
    """One doccano sequence-labelling line: ``label`` as ``[start, end, "LABEL"]`` triples,
    plus the document name, annotator, status, stance, topics and note."""
    line = {
        "text": record.document.text,
        "label": [[span[1], span[2], span[5]] for span in record.spans],
        "name": record.document.name,
        "annotator": record.annotator,
        "status": record.status,
        "stance": record.stance,
        "topics": record.topics,
        "note": record.note,
    }
    return [orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)]
