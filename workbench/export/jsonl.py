"""JSONL out: the Workbench format (a superset of Prodigy's task format) and doccano's."""

from __future__ import annotations

import hashlib
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
from workbench.nlp import Tokenization
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
    writer = PieceWriter(handle)
    count = 0
    pieces: list[bytes] = []
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

    def _document_parts(self, document: ExportDocument) -> None:
        meta = {"name": document.name, "source": self.source}
        meta.update((k, v) for k, v in document.meta.items() if k not in META_RESERVED)
        self._document = document
        self._text = orjson.dumps(document.text)
        self._meta = orjson.dumps(meta)
        self._input_hash = hash32(self._text)
        self._tokens = tokens_json(document.text, document.tokens)

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

_MARK: Final = b"\\u0000"
"""A NUL as orjson escapes it: texts never hold NUL (imports refuse it), so it marks token
edges in the escaped text."""
_NEXT: Final = b',{"text":"'
TABLE_LIMIT: Final = 1 << 18
"""Offsets (and token counts) up to which the numbers' JSON pieces are kept in shared tables;
a longer document (over about 40,000 tokens) takes the plain path."""


class _Pieces:
    """The JSON pieces that hold a token's numbers, one per possible value, built once and
    shared by every document: ``","start":S``, ``,"end":E`` and ``,"id":I,"ws":B},{"text":"``
    (index ``2 * I + B``)."""

    def __init__(self) -> None:
        self.start = np.empty(0, dtype=object)
        self.end = np.empty(0, dtype=object)
        self.tail = np.empty(0, dtype=object)

    def cover(self, chars: int, tokens: int) -> None:
        """Make sure offsets up to ``chars`` and ``tokens`` tokens have their pieces."""
        if chars >= len(self.start):
            size = min(max(chars + 1, 2 * len(self.start), 4096), TABLE_LIMIT)
            extra = range(len(self.start), size)
            self.start = np.concatenate([self.start, _objects(b'","start":%d' % n for n in extra)])
            self.end = np.concatenate([self.end, _objects(b',"end":%d' % n for n in extra)])
        if 2 * tokens > len(self.tail):
            size = min(max(tokens, len(self.tail), 1024), TABLE_LIMIT)
            extra = range(len(self.tail) // 2, size)
            tails = (b',"id":%d,"ws":%s},{"text":"' % (n, ws) for n in extra for ws in _WS)
            self.tail = np.concatenate([self.tail, _objects(tails)])


def _objects(items: Iterable[bytes]) -> npt.NDArray[np.object_]:
    values = list(items)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


_WS: Final = (b"false", b"true")
_PIECES = _Pieces()


def tokens_json(text: str, tokens: Tokenization) -> bytes:
    """The ``tokens`` array of a document (``text``, ``start``, ``end``, ``id``, ``ws``)."""
    if len(tokens) == 0:
        return b"[]"
    fast = None
    if len(text) < TABLE_LIMIT and len(tokens) > 1:
        try:
            fast = _tokens_json_fast(text, tokens)
        except (ValueError, UnicodeError, orjson.JSONEncodeError):
            fast = None
    return fast if fast is not None else _tokens_json_plain(text, tokens)


def _tokens_json_fast(text: str, tokens: Tokenization) -> bytes | None:
    """The tokens array built with a few C-level passes instead of a dict per token.

    A stored tokenization covers its text exactly (each token, then one space or none), so
    dropping those spaces and putting a NUL before each token lets orjson escape the whole
    text once, split at the escaped NULs into the token texts. The numbers come from shared
    tables of ready pieces (:class:`_Pieces`), picked with numpy. None if the text is not
    covered that way or holds a literal ``\\u0000``.
    """
    count = len(tokens)
    starts, ends, spaces = tokens.starts, tokens.ends, tokens.spaces
    if starts[0] != 0 or int(ends[-1] + spaces[-1]) != len(text):
        return None
    if not np.array_equal(starts[1:], ends[:-1] + spaces[:-1]):
        return None
    encoded = text.encode("utf-8")
    data = np.frombuffer(encoded, dtype=np.uint8)
    byte_starts, byte_ends = starts, ends
    if len(encoded) != len(text):
        # Offsets count code points; the marks go in by UTF-8 byte.
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        widths = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
        offsets = np.zeros(len(points) + 1, dtype=np.int64)
        np.cumsum(widths, out=offsets[1:])
        byte_starts, byte_ends = offsets[starts], offsets[ends]
    if spaces.any():
        data = np.delete(data, byte_ends[spaces])
    # Each token moves left by the spaces dropped before it.
    marked = np.insert(data, byte_starts[1:] - np.cumsum(spaces[:-1]), 0)
    words = orjson.dumps(marked.tobytes().decode("utf-8"))[1:-1].split(_MARK)
    if len(words) != count:
        return None
    _PIECES.cover(int(ends[-1]), count)
    parts = np.empty(4 * count, dtype=object)
    parts[0::4] = words
    parts[1::4] = _PIECES.start[starts]
    parts[2::4] = _PIECES.end[ends]
    parts[3::4] = _PIECES.tail[2 * np.arange(count) + spaces]
    pieces: list[bytes] = parts.tolist()
    pieces[-1] = pieces[-1][: -len(_NEXT)]
    return b'[{"text":"' + b"".join(pieces) + b"]"


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
