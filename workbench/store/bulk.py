"""Read-only bulk queries: many annotators' annotations and spans in a few selects, as columns."""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import func, select
from sqlmodel import col

from workbench import models
from workbench.store.engine import Database
from workbench.store.records import SpanRow, TaskIds, TopicsDecoder, span_row

NAME_BATCH = 500
"""Names looked up per query: far below every database's limit on bound parameters."""

ID_FILTER_LIMIT = 900
"""Up to this many document ids are filtered in SQL; past it the caller's filter is cheaper
than a giant ``IN`` list (SQLite caps bound parameters)."""


@dataclass(frozen=True)
class AnnotationColumns:
    """Annotations as parallel columns, one position per annotation, ordered by id."""

    id: list[int]
    document_id: list[int]
    annotator_id: list[int]
    status: list[str]
    stance: list[str | None]
    topics: list[tuple[str, ...]]


@dataclass(frozen=True)
class SpanColumns:
    """Spans as parallel columns, one position per span, in no particular order."""

    annotation_id: list[int]
    start: list[int]
    end: list[int]
    token_start: list[int]
    token_end: list[int]
    label: list[str]
    stance: list[str | None]
    topics: list[tuple[str, ...]]


@dataclass(frozen=True)
class DocumentColumns:
    """Name and length in characters of the documents the annotations are about."""

    id: list[int]
    name: list[str]
    n_chars: list[int]


@dataclass(frozen=True)
class BulkAnnotations:
    """The annotations, their spans and their documents, read in one transaction."""

    annotations: AnnotationColumns
    spans: SpanColumns
    documents: DocumentColumns


def annotator_ids(db: Database, names: Iterable[str]) -> dict[str, int]:
    """Annotator name -> id for those of ``names`` that exist (missing names are left out)."""
    return _ids_by_name(
        db, col(models.Annotator.name), col(models.Annotator.id), list(dict.fromkeys(names))
    )


def document_ids(db: Database, names: Iterable[str]) -> dict[str, int]:
    """Document name -> id for those of ``names`` that exist (missing names are left out)."""
    return _ids_by_name(
        db, col(models.Document.name), col(models.Document.id), list(dict.fromkeys(names))
    )


def _ids_by_name(
    db: Database, name_column: Any, id_column: Any, names: list[str]
) -> dict[str, int]:
    found: dict[str, int] = {}
    with db.read() as session:
        connection = session.connection()
        for first in range(0, len(names), NAME_BATCH):
            batch = names[first : first + NAME_BATCH]
            query = select(name_column, id_column).where(name_column.in_(batch))
            found.update((name, row_id) for name, row_id in connection.execute(query))
    return found


def load_annotations(
    db: Database,
    annotator_ids: Collection[int],
    statuses: Collection[str],
    document_ids: Collection[int] | None = None,
) -> BulkAnnotations:
    """The annotations by ``annotator_ids`` whose status is in ``statuses`` (optionally only of
    ``document_ids``), with their spans and documents, read in three selects in one read
    transaction (one snapshot on SQLite; on PostgreSQL each select sees its own, so a span may
    arrive whose annotation did not).

    More than ``ID_FILTER_LIMIT`` document ids are not sent to the database: the result then
    holds every document's annotations and the caller filters them.
    """
    annotation_id = col(models.Annotation.id)
    document_of = col(models.Annotation.document_id)
    conditions = [
        col(models.Annotation.annotator_id).in_(sorted(annotator_ids)),
        col(models.Annotation.status).in_(sorted(statuses)),
    ]
    if document_ids is not None and len(document_ids) <= ID_FILTER_LIMIT:
        conditions.append(document_of.in_(sorted(document_ids)))
    annotation_query = (
        select(
            annotation_id,
            document_of,
            col(models.Annotation.annotator_id),
            col(models.Annotation.status),
            col(models.Annotation.stance),
            col(models.Annotation.topics),
        )
        .where(*conditions)
        .order_by(annotation_id)
    )
    span_owner = col(models.Span.annotation_id)
    span_query = (
        select(
            span_owner,
            col(models.Span.start),
            col(models.Span.end),
            col(models.Span.token_start),
            col(models.Span.token_end),
            col(models.Span.label),
            col(models.Span.stance),
            col(models.Span.topics),
        )
        .join(models.Annotation, annotation_id == span_owner)
        .where(*conditions)
    )
    counted = select(document_of).where(*conditions).distinct().scalar_subquery()
    # The text itself is never read: the report needs only names and lengths.
    document_query = (
        select(col(models.Document.id), col(models.Document.name), col(models.Document.n_chars))
        .where(col(models.Document.id).in_(counted))
        .order_by(col(models.Document.id))
    )
    with db.read() as session, _collector_paused():
        connection = session.connection()
        rows = connection.execute(annotation_query).all()
        span_rows = connection.execute(span_query).all()
        document_rows = connection.execute(document_query).all()
        return _bulk(rows, span_rows, document_rows)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while rows are read.

    Millions of row tuples set it off again and again (measured: longer than the query
    itself for a million spans), and none of them can be part of a reference cycle.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _bulk(
    rows: Sequence[Sequence[Any]],
    span_rows: Sequence[Sequence[Any]],
    document_rows: Sequence[Sequence[Any]],
) -> BulkAnnotations:
    topics_of = TopicsDecoder()
    ids, doc_ids, annotators, statuses_, stances, topics = _columns(rows, 6)
    annotations = AnnotationColumns(
        id=ids,
        document_id=doc_ids,
        annotator_id=annotators,
        status=statuses_,
        stance=stances,
        topics=list(map(topics_of.__getitem__, topics)),
    )
    owner, start, end, token_start, token_end, label, span_stance, span_topics = _columns(
        span_rows, 8
    )
    spans = SpanColumns(
        annotation_id=owner,
        start=start,
        end=end,
        token_start=token_start,
        token_end=token_end,
        label=label,
        stance=span_stance,
        topics=list(map(topics_of.__getitem__, span_topics)),
    )
    document_id, name, n_chars = _columns(document_rows, 3)
    return BulkAnnotations(annotations, spans, DocumentColumns(document_id, name, n_chars))


def _columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """Rows turned into ``width`` column lists (empty lists for no rows)."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]


# -- streamed reads for exports ---------------------------------------------------------------

EXPORT_PAGE_SIZE = 128
"""Documents read per page by :func:`iter_export_pages`: a few MB of text and spans."""

SPAN_ID_BATCH = 900
"""Annotation ids per span query (below SQLite's old limit of 999 bound parameters)."""


@dataclass(frozen=True)
class ExportDocumentRow:
    """A document with its text and packed tokenization, as stored."""

    id: int
    name: str
    text: str
    hash: str
    meta: str
    tok_starts: bytes
    tok_ends: bytes
    tok_spaces: bytes
    sent_starts: bytes


class ExportAnnotationRow(NamedTuple):
    """One counted annotation, with the name of its annotator (a named tuple: an export
    reads one per annotation, made from its row at C speed)."""

    id: int
    document_id: int
    annotator: str
    status: str
    stance: str | None
    topics: tuple[str, ...]
    note: str
    seconds: float
    updated_at: float


_annotation_row = cast(
    Callable[[Iterable[Any]], ExportAnnotationRow], partial(tuple.__new__, ExportAnnotationRow)
)
"""An :class:`ExportAnnotationRow` from its fields in order, made in C."""


@dataclass(frozen=True)
class ExportPage:
    """A page of documents (by name) with their counted annotations (by document, then
    annotator name), each annotation's spans (by start, longest first, then claim type) and
    the answer and Prodigy task identity imports recorded (:func:`_import_records`)."""

    documents: list[ExportDocumentRow]
    annotations: list[ExportAnnotationRow]
    spans: dict[int, list[SpanRow]]
    answers: dict[int, str]
    tasks: dict[int, TaskIds]
    suggested: dict[int, dict[tuple[int, int, str], str]]


def _export_conditions(
    annotator_ids: Collection[int] | None, statuses: Collection[str]
) -> list[Any]:
    conditions = [col(models.Annotation.status).in_(sorted(statuses))]
    if annotator_ids is not None:
        conditions.append(col(models.Annotation.annotator_id).in_(sorted(annotator_ids)))
    return conditions


def _counted_documents_query(
    annotator_ids: Collection[int] | None,
    statuses: Collection[str],
    document_ids: Collection[int] | None,
    *columns: Any,
) -> Any:
    counted = (
        select(col(models.Annotation.id))
        .where(
            col(models.Annotation.document_id) == col(models.Document.id),
            *_export_conditions(annotator_ids, statuses),
        )
        .exists()
    )
    query = select(*columns).where(counted)
    if document_ids is not None and len(document_ids) <= ID_FILTER_LIMIT:
        query = query.where(col(models.Document.id).in_(sorted(document_ids)))
    return query


def counted_document_hashes(
    db: Database,
    annotator_ids: Collection[int] | None,
    statuses: Collection[str],
    document_ids: Collection[int] | None = None,
) -> list[str]:
    """The content hashes of the documents that have a counted annotation (by
    ``annotator_ids``, all annotators if None, with a status in ``statuses``), by name."""
    query = _counted_documents_query(
        annotator_ids,
        statuses,
        document_ids,
        col(models.Document.id),
        col(models.Document.hash),
    ).order_by(col(models.Document.name))
    with db.read() as session:
        rows = session.connection().execute(query).all()
    return [digest for row_id, digest in rows if document_ids is None or row_id in document_ids]


def iter_export_pages(
    db: Database,
    annotator_ids: Collection[int] | None,
    statuses: Collection[str],
    document_ids: Collection[int] | None = None,
    page_size: int = EXPORT_PAGE_SIZE,
) -> Iterator[ExportPage]:
    """The counted annotations of :func:`counted_document_hashes`'s documents, a page of
    documents at a time, all read in one read transaction (one snapshot on SQLite).

    Only a page is ever in memory, so an export streams however large the corpus is.
    """
    conditions = _export_conditions(annotator_ids, statuses)
    topics_of = TopicsDecoder()
    last: str | None = None
    with db.read() as session:
        connection = session.connection()
        while True:
            query = _counted_documents_query(
                annotator_ids,
                statuses,
                document_ids,
                col(models.Document.id),
                col(models.Document.name),
                col(models.Document.text),
                col(models.Document.hash),
                col(models.Document.meta),
                col(models.Document.tok_starts),
                col(models.Document.tok_ends),
                col(models.Document.tok_spaces),
                col(models.Document.sent_starts),
            )
            if last is not None:
                query = query.where(col(models.Document.name) > last)
            query = query.order_by(col(models.Document.name)).limit(page_size)
            with _collector_paused():
                rows = connection.execute(query).all()
            if not rows:
                return
            last = rows[-1][1]
            documents = [
                ExportDocumentRow(*row)
                for row in rows
                if document_ids is None or row[0] in document_ids
            ]
            if documents:
                yield _export_page(connection, documents, conditions, topics_of)


def _export_page(
    connection: Any,
    documents: list[ExportDocumentRow],
    conditions: list[Any],
    topics_of: TopicsDecoder,
) -> ExportPage:
    """The annotations, spans and import answers of a page of documents."""
    page_ids = [document.id for document in documents]
    owner = col(models.Annotation.id)
    in_page = col(models.Annotation.document_id).in_(page_ids)
    annotation_query = (
        select(
            owner,
            col(models.Annotation.document_id),
            col(models.Annotator.name),
            col(models.Annotation.status),
            col(models.Annotation.stance),
            col(models.Annotation.topics),
            col(models.Annotation.note),
            col(models.Annotation.seconds),
            col(models.Annotation.updated_at),
        )
        .join(models.Annotator, col(models.Annotator.id) == col(models.Annotation.annotator_id))
        .where(in_page, *conditions)
    )
    with _collector_paused():
        annotation_rows = connection.execute(annotation_query).all()
    position = {document_id: index for index, document_id in enumerate(page_ids)}
    # The select's columns are the record's fields, but for the topics, decoded here.
    annotations = [
        _annotation_row((*row[:5], topics_of[row[5]], *row[6:])) for row in annotation_rows
    ]
    annotations.sort(key=lambda row: (position[row.document_id], row.annotator))
    spans = _export_spans(connection, [row.id for row in annotations])
    answers, tasks = _import_records(connection, annotations)
    suggested = _suggested_spans(connection, [row.id for row in annotations])
    return ExportPage(documents, annotations, spans, answers, tasks, suggested)


def _suggested_spans(
    connection: Any, annotation_ids: list[int]
) -> dict[int, dict[tuple[int, int, str], str]]:
    """Per annotation, the spans it accepted from a suggestion, by ``(start, end, label)`` as
    they are now, with the suggestion's source (one query; none where nothing was accepted)."""
    found: dict[int, dict[tuple[int, int, str], str]] = {}
    if not annotation_ids:
        return found
    query = (
        select(
            col(models.Span.annotation_id),
            col(models.Span.start),
            col(models.Span.end),
            col(models.Span.label),
            col(models.Suggestion.source),
        )
        .select_from(models.Decision)
        .join(models.Span, col(models.Span.id) == col(models.Decision.span_id))
        .join(models.Suggestion, col(models.Suggestion.id) == col(models.Decision.suggestion_id))
        .where(col(models.Span.annotation_id).in_(annotation_ids))
    )
    for annotation_id, start, end, label, source in connection.execute(query):
        found.setdefault(annotation_id, {})[(start, end, label)] = source
    return found


_start = attrgetter("start")


def _driver_rows(connection: Any, query: Any) -> list[tuple[Any, ...]]:
    """A query's rows as the database driver gives them: plain tuples.

    Exports read millions of spans. SQLAlchemy's ``Row`` objects, and then the records made
    from them (a ``Row`` is no tuple, so each is copied item by item), cost the span query
    about half its time again; the driver's tuples become records at C speed. The values are
    compiled into the SQL, so every driver (SQLite, PostgreSQL) takes it as it is: only for
    queries of ids and constants, never of text a user typed.
    """
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()  # the connection's own: the same transaction
    try:
        cursor.execute(sql)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    finally:
        cursor.close()
    return rows


def _export_spans(connection: Any, annotation_ids: list[int]) -> dict[int, list[SpanRow]]:
    """Each annotation's spans, by start, longest first, then claim type."""
    owner = col(models.Span.annotation_id)
    start = col(models.Span.start)
    spans: dict[int, list[SpanRow]] = {}
    ordered = sorted(annotation_ids)
    for first in range(0, len(ordered), SPAN_ID_BATCH):
        # The index (annotation_id, start) gives this order without a sort; the rare spans
        # that share a start are put in order below.
        query = (
            select(
                owner,
                start,
                col(models.Span.end),
                col(models.Span.token_start),
                col(models.Span.token_end),
                col(models.Span.label),
                col(models.Span.stance),
                func.nullif(col(models.Span.topics), "[]"),
            )
            .where(owner.in_(ordered[first : first + SPAN_ID_BATCH]))
            .order_by(owner, start)
        )
        with _collector_paused():
            rows = _driver_rows(connection, query)
            grouped = [
                (annotation_id, list(map(span_row, group)))
                for annotation_id, group in groupby(rows, key=itemgetter(0))
            ]
        for annotation_id, items in grouped:
            if len(items) > 1 and len(set(map(_start, items))) < len(items):
                items.sort(key=lambda item: (item.start, -item.end, item.label))
            spans[annotation_id] = items
    return spans


def _import_records(
    connection: Any, annotations: list[ExportAnnotationRow]
) -> tuple[dict[int, str], dict[int, TaskIds]]:
    """What the imports of these annotations recorded: the Prodigy answer of each skipped one
    (its latest import's, if that recorded one) and each one's Prodigy task identity (its
    task hash only while the annotation is as that import left it)."""
    answers: dict[int, str] = {}
    tasks: dict[int, TaskIds] = {}
    if not annotations:
        return answers, tasks
    updated = {row.id: row.updated_at for row in annotations}
    skipped = {row.id for row in annotations if row.status == "skipped"}
    query = (
        select(col(models.Event.annotation_id), col(models.Event.after))
        .where(
            col(models.Event.annotation_id).in_(list(updated)),
            col(models.Event.action) == "import",
        )
        .order_by(col(models.Event.id))
    )
    for annotation_id, after in connection.execute(query):
        record = orjson.loads(after) if after else {}
        answer = record.get("answer")
        if annotation_id in skipped and isinstance(answer, str):
            answers[annotation_id] = answer
        else:
            answers.pop(annotation_id, None)
        earlier = tasks.pop(annotation_id, TaskIds())
        if "at" not in record and not record.get("merged"):
            continue
        task = TaskIds(
            record.get("_input_hash", earlier.input_hash if record.get("merged") else None),
            None if record.get("merged") else record.get("_task_hash"),
            record.get("_view_id", earlier.view_id if record.get("merged") else None),
        )
        if record.get("at") != updated[annotation_id]:
            task = task._replace(task_hash=None)  # changed since: no longer that task
        if task != TaskIds():
            tasks[annotation_id] = task
    return answers, tasks
