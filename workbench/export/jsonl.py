"""JSONL out: the Workbench format (a superset of Prodigy's task format) and doccano's."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, Literal

import numpy as np
import orjson

from workbench.errors import WorkbenchError
from workbench.export.output import open_output
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

JsonlFormat = Literal["workbench", "doccano"]
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


def write_lines(handle: BinaryIO, records: Any, encode: Callable[[ExportRecord], bytes]) -> int:
    """Encode and write each record as one line, in buffered chunks; how many were written."""
    count = 0
    chunk: list[bytes] = []
    for record in records:
        chunk.append(encode(record))
        count += 1
        if len(chunk) >= 64:
            handle.write(b"".join(chunk))
            chunk.clear()
    handle.write(b"".join(chunk))
    return count


# -- the Workbench (Prodigy) format ------------------------------------------------------------


def hash32(*parts: bytes) -> int:
    """A stable signed 32-bit hash (BLAKE2b), the size and sign of Prodigy's task hashes."""
    digest = hashlib.blake2b(digest_size=4)
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return int.from_bytes(digest.digest(), "little", signed=True)


class WorkbenchLines:
    """Encodes records as Workbench JSONL lines, serializing each document's text, tokens
    and metadata once however many annotations of it follow one another."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._document: ExportDocument | None = None
        self._parts: dict[str, Any] = {}

    def _document_parts(self, document: ExportDocument) -> dict[str, Any]:
        if document is not self._document:
            meta = {"name": document.name, "source": self.source}
            meta.update((k, v) for k, v in document.meta.items() if k not in META_RESERVED)
            text = orjson.dumps(document.text)
            self._document = document
            self._parts = {
                "text": orjson.Fragment(text),
                "meta": orjson.Fragment(orjson.dumps(meta)),
                "_input_hash": hash32(text),
                "tokens": orjson.Fragment(tokens_json(document.text, document.tokens)),
            }
        return self._parts

    def __call__(self, record: ExportRecord) -> bytes:
        """One line (with its newline) for a record."""
        parts = self._document_parts(record.document)
        spans = orjson.dumps([span_object(span) for span in record.spans])
        labels = orjson.dumps([record.stance, record.topics])
        input_hash = parts["_input_hash"]
        line: dict[str, Any] = {
            "text": parts["text"],
            "meta": parts["meta"],
            "_input_hash": input_hash,
            "_task_hash": hash32(str(input_hash).encode(), spans, labels),
            "tokens": parts["tokens"],
            "spans": orjson.Fragment(spans),
        }
        answer = record.answer if record.status == "skipped" and record.answer else None
        answer = answer or ANSWERS.get(record.status)
        if answer is not None:
            line["answer"] = answer
        line["_annotator_id"] = record.annotator
        line["_session_id"] = record.annotator
        line["_timestamp"] = int(record.timestamp)
        line["stance"] = record.stance
        line["topics"] = record.topics
        line["status"] = record.status
        line["note"] = record.note
        line["seconds"] = record.seconds
        return orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)


def span_object(span: SpanRow) -> dict[str, Any]:
    """A span as Prodigy writes it (``token_end`` inclusive), with our stance and topics."""
    start, end, token_start, token_end, label, stance, topics = span
    item: dict[str, Any] = {
        "start": start,
        "end": end,
        "token_start": token_start,
        "token_end": token_end - 1,
        "label": label,
    }
    if stance is not None:
        item["stance"] = stance
    if topics:
        item["topics"] = topics
    return item


# -- tokens ------------------------------------------------------------------------------------

_MARK: Final = b"\\u0000"
"""A NUL as orjson escapes it: texts never hold NUL (imports refuse it), so it marks token
edges in the escaped text."""
_WS: Final = (b"false", b"true")
_NUMPY: Final = orjson.OPT_SERIALIZE_NUMPY


class _TokenTails(list[bytes]):
    """``,"id":I,"ws":B},{"text":"`` for token I, at index ``2 * I + B``: built once, shared."""

    def upto(self, count: int) -> _TokenTails:
        for index in range(len(self) // 2, count):
            self.extend(b',"id":%d,"ws":%s},{"text":"' % (index, ws) for ws in _WS)
        return self


_TAILS = _TokenTails()


def tokens_json(text: str, tokens: Tokenization) -> bytes:
    """The ``tokens`` array of a document (``text``, ``start``, ``end``, ``id``, ``ws``)."""
    count = len(tokens)
    if count == 0:
        return b"[]"
    try:
        fast = _tokens_json_fast(text, tokens)
    except (ValueError, TypeError, orjson.JSONEncodeError):
        fast = None
    return fast if fast is not None else _tokens_json_plain(text, tokens)


def _tokens_json_fast(text: str, tokens: Tokenization) -> bytes | None:
    """The tokens array built with a few C-level passes instead of a dict per token.

    A stored tokenization covers its text exactly (each token, then one space or none), so
    dropping those spaces and putting a NUL before each token lets orjson escape the whole
    text once, split at the escaped NULs into the token texts; the numbers come from orjson's
    numpy encoder. None if the text is not covered that way or holds a literal ``\\u0000``.
    """
    count = len(tokens)
    starts, ends, spaces = tokens.starts, tokens.ends, tokens.spaces
    if starts[0] != 0 or int(ends[-1] + spaces[-1]) != len(text):
        return None
    if not np.array_equal(starts[1:], ends[:-1] + spaces[:-1]):
        return None
    code_points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if spaces.any():
        code_points = np.delete(code_points, ends[spaces])
    # Each token moves left by the spaces dropped before it.
    shifted = starts[1:] - np.cumsum(spaces[:-1])
    marked = np.insert(code_points, shifted, 0).tobytes().decode("utf-32-le")
    words = orjson.dumps(marked)[1:-1].split(_MARK)
    if len(words) != count:
        return None
    offsets = np.empty((count, 2), dtype=np.int64)
    offsets[:, 0] = starts
    offsets[:, 1] = ends
    numbers = (
        orjson.dumps(offsets, option=_NUMPY)[2:-2]
        .replace(b"],[", b"|")
        .replace(b",", b',"end":')
        .replace(b"|", b'|","start":')
    )
    tail_index = 2 * np.arange(count, dtype=np.int64) + spaces
    parts: list[bytes] = [b""] * (3 * count)
    parts[0::3] = words
    parts[1::3] = (b'","start":' + numbers).split(b"|")
    parts[2::3] = map(_TAILS.upto(count).__getitem__, tail_index.tolist())
    parts[-1] = parts[-1][: -len(b',{"text":"')]
    return b'[{"text":"' + b"".join(parts) + b"]"


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


def doccano_line(record: ExportRecord) -> bytes:
    """One doccano sequence-labelling line: ``label`` as ``[start, end, "LABEL"]`` triples,
    plus the document name, annotator, status, stance, topics and note."""
    line = {
        "text": record.document.text,
        "label": [[span[0], span[1], span[4]] for span in record.spans],
        "name": record.document.name,
        "annotator": record.annotator,
        "status": record.status,
        "stance": record.stance,
        "topics": record.topics,
        "note": record.note,
    }
    return orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)
