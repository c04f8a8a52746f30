"""Workbench JSONL, a superset of Prodigy's task format: a line read as a document with its
annotation, and a record written as a line (in pieces, the plain reference beside it)."""

from __future__ import annotations

import hashlib
from typing import Any, Final

import orjson

from workbench.errors import ImportFormatError
from workbench.formats.jsonl import expect, parse_spans, string_list
from workbench.formats.offsets import OffsetUnits
from workbench.formats.text import MAX_DOCUMENT_BYTES
from workbench.formats.tokens_json import TokensEncoder, tokens_json_plain
from workbench.models import STATUSES
from workbench.scheme import Scheme
from workbench.store.records import (
    ExportDocument,
    ExportRecord,
    NewAnnotation,
    NewDocument,
    SpanRow,
    TaskIds,
)

ANSWER_STATUS: Final = {"accept": "done", "ignore": "skipped", "reject": "skipped"}
"""Prodigy's answers as our statuses (the answer itself is kept in the document's meta)."""

ANSWERS: Final = {"done": "accept", "skipped": "ignore"}
"""Prodigy's ``answer`` for our statuses; other statuses are written without one."""

META_RESERVED: Final = frozenset({"name", "source", "annotator", "answer"})
"""Metadata keys an export writes itself (or that describe one annotation, not the
document), so a document's stored metadata never overrides them."""


# -- reading -----------------------------------------------------------------------------------


def workbench_record(
    obj: dict[str, Any],
    where: str,
    fallback_name: str,
    annotator: str | None,
    offsets: OffsetUnits = "codepoints",
) -> NewDocument:
    """One line of Workbench JSONL as a document, with an annotation if it carries labels.

    ``annotator`` (from ``--annotator``) wins over ``_annotator_id`` and ``_session_id``;
    span offsets count ``offsets`` units.
    """
    text = expect(obj, "text", str, where)
    if text is None:
        raise ImportFormatError(f"{where}: missing the field 'text'")
    if not text.strip():
        raise ImportFormatError(f"{where}: field 'text' is empty")
    if len(text) > MAX_DOCUMENT_BYTES:
        raise ImportFormatError(
            f"{where}: field 'text' holds {len(text):,} characters, more than one document may"
            f" hold ({MAX_DOCUMENT_BYTES:,}); split it"
        )
    if "\x00" in text:
        raise ImportFormatError(f"{where}: field 'text' contains NUL characters (binary data?)")
    meta = expect(obj, "meta", dict, where) or {}
    name = meta.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ImportFormatError(f"{where}: field 'meta.name' must be a non-empty string")
    spans = parse_spans(obj.get("spans"), text, where, offsets)
    stance = expect(obj, "stance", str, where)
    topics = string_list(obj, "topics", where)
    note = expect(obj, "note", str, where) or ""
    status = expect(obj, "status", str, where)
    answer = expect(obj, "answer", str, where)
    timestamp = expect(obj, "_timestamp", (int, float), where)
    seconds = expect(obj, "seconds", (int, float), where) or 0.0
    if seconds < 0 or (timestamp is not None and timestamp < 0):
        raise ImportFormatError(f"{where}: fields '_timestamp' and 'seconds' must not be negative")
    task = TaskIds(
        expect(obj, "_input_hash", int, where),
        expect(obj, "_task_hash", int, where),
        expect(obj, "_view_id", str, where),
    )
    if answer is not None and answer not in ANSWER_STATUS:
        raise ImportFormatError(f"{where}: field 'answer' must be accept, ignore or reject")
    if status is None and answer is not None:
        status = ANSWER_STATUS[answer]
    if status is not None and status not in STATUSES:
        raise ImportFormatError(
            f"{where}: field 'status' {status!r} must be one of {', '.join(STATUSES)}"
        )
    labelled = bool(spans or stance or topics or note or status)
    who = (
        annotator
        or expect(obj, "_annotator_id", str, where)
        or expect(obj, "_session_id", str, where)
    )
    # The metadata is kept whole, but for what describes one annotation, not the document.
    extra = {k: v for k, v in meta.items() if k not in ("name", "annotator")}
    if answer is not None:
        extra["answer"] = answer
    annotations: tuple[NewAnnotation, ...] = ()
    if labelled:
        who = who or meta.get("annotator")
        if not isinstance(who, str) or not who.strip():
            raise ImportFormatError(
                f"{where}: the line has labels but no annotator; set _annotator_id or pass"
                " --annotator NAME"
            )
        annotations = (
            NewAnnotation(
                annotator=who.strip(),
                status=status or "in_progress",
                stance=stance,
                topics=topics,
                note=note,
                seconds=float(seconds),
                spans=spans,
                timestamp=None if timestamp is None else float(timestamp),
                answer=answer,
                task=task if task != TaskIds() else None,
            ),
        )
    given = (name or "").strip()
    return NewDocument(
        name=given or fallback_name,
        text=text,
        meta=extra,
        origin=where,
        annotations=annotations,
        named=bool(given),
    )


def read_line(
    obj: dict[str, Any],
    where: str,
    fallback_name: str,
    annotator: str | None,
    scheme: Scheme,
    offsets: OffsetUnits | None = None,
) -> NewDocument:
    """One line of Workbench JSONL as a document (the registry's reader; labels are checked
    against the scheme later, all at once). Offsets count code points unless ``offsets``
    says otherwise."""
    return workbench_record(obj, where, fallback_name, annotator, offsets or "codepoints")


# -- writing -----------------------------------------------------------------------------------


def hash32(*parts: bytes) -> int:
    """A stable signed 32-bit hash (BLAKE2b), the size and sign of Prodigy's task hashes."""
    first, *rest = parts or (b"",)
    return _hash32_end(_hash32_start(first), *rest) if parts else _hash32_end(_blake2b())


def _blake2b() -> Any:
    return hashlib.blake2b(digest_size=4)


def _hash32_start(first: bytes) -> Any:
    """:func:`hash32`'s digest after its first part, to be copied and finished."""
    digest = _blake2b()
    digest.update(len(first).to_bytes(8, "little"))
    digest.update(first)
    return digest


def _hash32_end(digest: Any, *parts: bytes) -> int:
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return int.from_bytes(digest.digest(), "little", signed=True)


def _meta(document: ExportDocument, source: str) -> dict[str, Any]:
    """The line's ``meta``: the name, the document's own ``source`` (Prodigy's, or the file a
    text came from) or else the export's, then the rest of the document's metadata."""
    meta = {"name": document.name, "source": document.meta.get("source", source)}
    meta.update((k, v) for k, v in document.meta.items() if k not in META_RESERVED)
    return meta


def _task_fields(record: ExportRecord, input_hash: int, task_hash: int) -> tuple[int, int, bytes]:
    """``_input_hash``, ``_task_hash`` and the ``_view_id`` piece (``b""`` or
    ``,"_view_id":...``) of a line: the imported task's own where it recorded them."""
    task = record.task
    if task is None:
        return input_hash, task_hash, b""
    view = b',"_view_id":' + orjson.dumps(task.view_id) if task.view_id is not None else b""
    return (
        input_hash if task.input_hash is None else task.input_hash,
        task_hash if task.task_hash is None else task.task_hash,
        view,
    )


def _answer(record: ExportRecord) -> str | None:
    """Prodigy's answer: the one an import recorded for a skipped annotation, else the
    status's."""
    answer = record.answer if record.status == "skipped" and record.answer else None
    return answer or ANSWERS.get(record.status)


class WorkbenchLines:
    """Encodes records as Workbench JSONL lines, each as a few pieces: a document's text,
    tokens and metadata are serialized once and shared by all its lines.

    The fast encoder: its pieces joined are the bytes of :func:`workbench_line_plain`
    (tests/test_export_jsonl.py checks it on odd texts and every kind of record).
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._document: ExportDocument | None = None
        self._text = b""
        self._tokens = b""
        self._meta = b""
        self._input_hash = 0
        self._task_hash = _hash32_start(b"")
        self._encode_tokens = TokensEncoder()

    def _document_parts(self, document: ExportDocument) -> None:
        self._document = document
        self._text = orjson.dumps(document.text)
        self._meta = orjson.dumps(_meta(document, self.source))
        self._input_hash = hash32(self._text)
        # Every line of the document hashes its input hash first: that part is hashed once.
        self._task_hash = _hash32_start(str(self._input_hash).encode())
        self._tokens = self._encode_tokens(document.text, document.tokens, self._text)

    def __call__(self, record: ExportRecord) -> list[bytes]:
        """One line (ending in a newline) for a record, as pieces to write in order."""
        if record.document is not self._document:
            self._document_parts(record.document)
        spans = orjson.dumps([span_object(span, record.suggested) for span in record.spans])
        labels = orjson.dumps([record.stance, record.topics])
        task_hash = _hash32_end(self._task_hash.copy(), spans, labels)
        input_hash, task_hash, view = _task_fields(record, self._input_hash, task_hash)
        rest: dict[str, Any] = {"spans": orjson.Fragment(spans)}
        answer = _answer(record)
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
            b',"meta":%s,"_input_hash":%d,"_task_hash":%d%s,"tokens":'
            % (self._meta, input_hash, task_hash, view),
            self._tokens,
            b"," + tail[1:],
        ]


def span_object(
    span: SpanRow, suggested: dict[tuple[int, int, str], str] | None = None
) -> dict[str, Any]:
    """A span as Prodigy writes it (``token_end`` inclusive), with our stance and topics, and
    the source of the suggestion it was accepted from (``suggested_by``)."""
    item: dict[str, Any] = {
        "start": span.start,
        "end": span.end,
        "token_start": span.token_start,
        "token_end": span.token_end - 1,
        "label": span.label,
    }
    if span.stance is not None:
        item["stance"] = span.stance
    if span.topics_json is not None:
        # Stored as compact JSON of the sorted names: already what orjson would write.
        item["topics"] = orjson.Fragment(span.topics_json)
    if suggested and (source := suggested.get((span.start, span.end, span.label))):
        item["suggested_by"] = source
    return item


def workbench_line_plain(record: ExportRecord, source: str) -> bytes:
    """The line :class:`WorkbenchLines` writes for ``record``, built the plain way: one dict
    of plain values, one ``orjson.dumps``. The reference the fast pieces must equal."""
    document = record.document
    input_hash = hash32(orjson.dumps(document.text))
    spans = []
    for span in record.spans:
        item: dict[str, Any] = {
            "start": span.start,
            "end": span.end,
            "token_start": span.token_start,
            "token_end": span.token_end - 1,
            "label": span.label,
        }
        if span.stance is not None:
            item["stance"] = span.stance
        if span.topics:
            item["topics"] = list(span.topics)
        suggested_by = (record.suggested or {}).get((span.start, span.end, span.label))
        if suggested_by:
            item["suggested_by"] = suggested_by
        spans.append(item)
    labels = orjson.dumps([record.stance, record.topics])
    task_hash = hash32(str(input_hash).encode(), orjson.dumps(spans), labels)
    task = record.task or TaskIds()
    line: dict[str, Any] = {
        "text": document.text,
        "meta": _meta(document, source),
        "_input_hash": input_hash if task.input_hash is None else task.input_hash,
        "_task_hash": task_hash if task.task_hash is None else task.task_hash,
    }
    if task.view_id is not None:
        line["_view_id"] = task.view_id
    line["tokens"] = orjson.loads(tokens_json_plain(document.text, document.tokens))
    line["spans"] = spans
    answer = _answer(record)
    if answer is not None:
        line["answer"] = answer
    line.update(
        {
            "_annotator_id": record.annotator,
            "_session_id": record.annotator,
            "_timestamp": int(record.timestamp),
            "stance": record.stance,
            "topics": record.topics,
            "status": record.status,
            "note": record.note,
            "seconds": record.seconds,
        }
    )
    return orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)
