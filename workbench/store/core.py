"""What every part of the store shares: the database, the scheme, caches and the invariants."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import CursorResult, Row, Table, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from workbench import models
from workbench.errors import InvariantError, NotFoundError
from workbench.nlp import Tokenization
from workbench.scheme import LabelKind, Scheme, parse_scheme
from workbench.store.engine import Database
from workbench.store.records import DocumentData, SpanInfo
from workbench.store.schemes import SCHEME_KEY

DOCUMENT_CACHE_SIZE = 64

# The change log's statements, built once: every key that changes something writes them, and
# the ORM's unit of work (a flush per new row, for its id) costs several times the SQL.
EVENT: Table = models.Event.__table__  # type: ignore[attr-defined]
_INSERT_EVENT = insert(EVENT)
_DISCARD_REDO = (
    update(EVENT)
    .where(EVENT.c.annotation_id == bindparam("annotation"))
    .where(EVENT.c.state == models.EVENT_UNDONE)
    .values(state=models.EVENT_DISCARDED)
)
ANNOTATION: Table = models.Annotation.__table__  # type: ignore[attr-defined]
_TOUCH = (
    update(ANNOTATION)
    .where(ANNOTATION.c.id == bindparam("annotation"))
    .values(updated_at=bindparam("at"))
)
_BEGIN = _TOUCH.values(status="in_progress")
META: Table = models.Meta.__table__  # type: ignore[attr-defined]
_SCHEME_TEXT = sa_select(META.c.value).where(META.c.key == SCHEME_KEY)
_HEAD_EVENT = (
    update(EVENT).where(EVENT.c.id == bindparam("event")).values(target_id=bindparam("event"))
)


def dumps(value: Any) -> str:
    """Compact, key-sorted JSON text (so equal values give equal text)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def loads_topics(text: str | None) -> tuple[str, ...]:
    """A stored JSON array of topics as a tuple."""
    if not text:
        return ()
    return tuple(orjson.loads(text))


def span_info(row: models.Span | Row[Any]) -> SpanInfo:
    """The record of a span row."""
    assert row.id is not None
    return SpanInfo(
        id=row.id,
        annotation_id=row.annotation_id,
        start=row.start,
        end=row.end,
        token_start=row.token_start,
        token_end=row.token_end,
        label=row.label,
        stance=row.stance,
        topics=loads_topics(row.topics),
    )


def span_state(row: models.Span) -> dict[str, Any]:
    """What an event records of a span: everything but its identity and timestamps."""
    return {
        "start": row.start,
        "end": row.end,
        "token_start": row.token_start,
        "token_end": row.token_end,
        "label": row.label,
        "stance": row.stance,
        "topics": list(loads_topics(row.topics)),
    }


class StoreBase:
    """The database and scheme, a small cache of documents, and checks every change passes."""

    def __init__(self, db: Database, scheme: Scheme) -> None:
        self.db = db
        self.scheme = scheme
        self._documents: OrderedDict[int, DocumentData] = OrderedDict()
        self._document_of: dict[int, int] = {}
        """Annotation id -> document id (never changes, so it is safe to remember)."""
        self._cache_lock = threading.Lock()
        self._scheme_seen: tuple[int, str] | None = None
        """The scheme (by id) and the stored text last found to be it."""

    def document_for(self, annotation_id: int) -> DocumentData:
        """The document an annotation is about; call it before a write transaction starts."""
        document_id = self._document_of.get(annotation_id)
        if document_id is None:
            with self.db.read() as session:
                document_id = self.annotation_row(session, annotation_id).document_id
            self._document_of[annotation_id] = document_id
        return self.document(document_id)

    # Documents never change once imported, so caching them is always safe.
    def document(self, document_id: int) -> DocumentData:
        """A document with text and tokens; raises :class:`NotFoundError` if there is none."""
        with self._cache_lock:
            cached = self._documents.get(document_id)
            if cached is not None:
                self._documents.move_to_end(document_id)
                return cached
        with self.db.read() as session:
            row = session.get(models.Document, document_id)
            if row is None:
                raise NotFoundError(f"no document with id {document_id}")
            data = _document_data(row)
        with self._cache_lock:
            self._documents[document_id] = data
            while len(self._documents) > DOCUMENT_CACHE_SIZE:
                self._documents.popitem(last=False)
        return data

    def check_labels(
        self, label: str | None, stance: str | None, topics: Iterable[str], where: str
    ) -> None:
        """Raise :class:`InvariantError` if a label is not in the scheme."""
        if label is not None:
            self._check_name("claim_type", label, where)
        if stance is not None:
            self._check_name("stance", stance, where)
        for topic in topics:
            self._check_name("topics", topic, where)

    def _check_name(self, kind: LabelKind, name: str, where: str) -> None:
        if self.scheme.get(kind, name) is None:
            names = ", ".join(self.scheme.names(kind)) or f"no {kind} labels"
            raise InvariantError(f"{where}: unknown {kind} label {name!r}; the scheme has {names}")

    def check_span(
        self, document: DocumentData, start: int, end: int, where: str
    ) -> tuple[int, int]:
        """Token indices of a span that lies inside the text and on token boundaries."""
        length = len(document.text)
        if start >= end:
            raise InvariantError(
                f"{where}: span {start}-{end} is empty or reversed; start must be before end"
            )
        if start < 0 or end > length:
            raise InvariantError(
                f"{where}: span {start}-{end} is outside the text of {document.name} (0-{length})"
            )
        aligned = document.tokens.align(start, end)
        if aligned is None:
            raise InvariantError(
                f"{where}: span {start}-{end} ({document.text[start:end]!r}) does not start and"
                f" end on token boundaries of {document.name}"
            )
        covered = document.text[start:end]
        if covered != covered.strip():
            raise InvariantError(f"{where}: span {start}-{end} starts or ends with whitespace")
        return aligned

    def labelling_row(self, session: Session, annotation_id: int) -> models.Annotation:
        """:meth:`annotation_row`, for a change that writes label names: refused if the labels
        in the database were renamed or merged since this store read them, so a screen left
        open during ``workbench labels rename`` cannot write the old names back."""
        row = self.annotation_row(session, annotation_id)
        stored: str | None = session.connection().execute(_SCHEME_TEXT).scalar()
        if stored is None or self._scheme_seen == (id(self.scheme), stored):
            return row  # the text last found to be this scheme: no parsing on every key
        in_force = parse_scheme(orjson.loads(stored), "the scheme stored in the database")
        if in_force.to_dict() != self.scheme.to_dict():
            # Short enough for the status line at 80 columns; `labels history` tells the rest.
            raise InvariantError("labels were renamed or merged meanwhile: quit and reopen")
        self._scheme_seen = (id(self.scheme), stored)
        return row

    @staticmethod
    def annotation_row(session: Session, annotation_id: int) -> models.Annotation:
        """The annotation row, locked for this transaction (PostgreSQL; SQLite's write lock
        already covers it), or :class:`NotFoundError`. Every change of an annotation takes
        this lock first, so two writers of one annotation never interleave."""
        row = session.get(models.Annotation, annotation_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no annotation with id {annotation_id}")
        return row

    @staticmethod
    def log(
        session: Session,
        annotation: models.Annotation,
        action: str,
        entity: str,
        entity_id: int,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        *,
        auto_status: bool = True,
        batch: int | None = None,
    ) -> int:
        """Record a user's change in the same transaction (it clears the redo stack); the
        event's id. ``batch``: the first event of the change this one is part of (one undo
        step); it is kept in ``target_id``, which only meta events use otherwise."""
        assert annotation.id is not None
        connection = session.connection()
        if batch is None:
            connection.execute(_DISCARD_REDO, {"annotation": annotation.id})
        inserted = connection.execute(
            _INSERT_EVENT,
            {
                "annotation_id": annotation.id,
                "annotator_id": annotation.annotator_id,
                "at": models.now(),
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "before": None if before is None else dumps(before),
                "after": None if after is None else dumps(after),
                "state": models.EVENT_DONE,
                "target_id": batch,
            },
        )
        touch(session, annotation, auto_status=auto_status)
        return inserted_id(inserted)


def inserted_id(result: CursorResult[Any]) -> int:
    """The id of the row a one-row INSERT made."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def head_event(session: Session, event_id: int, batch: int | None) -> int:
    """The first event of a change: ``batch``, or the event ``event_id`` itself, which then
    heads it (its ``target_id`` names itself)."""
    if batch is not None:
        return batch
    session.connection().execute(_HEAD_EVENT, {"event": event_id})
    return event_id


def check_annotator_name(name: str, where: str = "annotator") -> str:
    """The name stripped, or :class:`InvariantError` if it is empty, too long or unprintable."""
    name = name.strip()
    if not name or len(name) > 128 or any(not ch.isprintable() for ch in name):
        raise InvariantError(f"{where}: annotator name {name!r} must be 1-128 printable characters")
    return name


def touch(session: Session, annotation: models.Annotation, *, auto_status: bool = True) -> None:
    """Mark an annotation as changed now; a first change moves it from todo to in progress.
    Written at once (the row object is told so, and has nothing left to flush for it)."""
    assert annotation.id is not None
    at = models.now()
    connection = session.connection()
    if auto_status and annotation.status == "todo":
        connection.execute(
            _INSERT_EVENT,
            {
                "annotation_id": annotation.id,
                "annotator_id": annotation.annotator_id,
                "at": at,
                "action": "status.auto",
                "entity": "annotation",
                "entity_id": annotation.id,
                "before": dumps({"status": "todo"}),
                "after": dumps({"status": "in_progress"}),
                "state": models.EVENT_META,
                "target_id": None,
            },
        )
        connection.execute(_BEGIN, {"annotation": annotation.id, "at": at})
        set_committed_value(annotation, "status", "in_progress")
    else:
        connection.execute(_TOUCH, {"annotation": annotation.id, "at": at})
    set_committed_value(annotation, "updated_at", at)


def spans_of(session: Session, annotation_id: int) -> list[models.Span]:
    """The spans of an annotation, by position (start, longest first)."""
    return list(
        session.exec(
            select(models.Span)
            .where(col(models.Span.annotation_id) == annotation_id)
            .order_by(col(models.Span.start), col(models.Span.end).desc(), col(models.Span.id))
        )
    )


def _document_data(row: models.Document) -> DocumentData:
    assert row.id is not None
    return DocumentData(
        id=row.id,
        name=row.name,
        text=row.text,
        hash=row.hash,
        meta=orjson.loads(row.meta) if row.meta else {},
        tokens=Tokenization.from_columns(
            row.tok_starts, row.tok_ends, row.tok_spaces, row.sent_starts
        ),
    )
