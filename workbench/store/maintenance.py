"""Keeping a database healthy: a full consistency check, and a safe copy of a live SQLite file."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text
from sqlmodel import col, select

from workbench import models
from workbench.errors import DatabaseError
from workbench.store.core import StoreBase, loads_topics, span_state
from workbench.store.engine import is_sqlite

ORPHANS = {
    "annotation without its document": (
        "SELECT count(*) FROM annotation a LEFT JOIN document d ON d.id = a.document_id"
        " WHERE d.id IS NULL"
    ),
    "annotation without its annotator": (
        "SELECT count(*) FROM annotation a LEFT JOIN annotator n ON n.id = a.annotator_id"
        " WHERE n.id IS NULL"
    ),
    "span without its annotation": (
        "SELECT count(*) FROM span s LEFT JOIN annotation a ON a.id = s.annotation_id"
        " WHERE a.id IS NULL"
    ),
    "event without its annotation": (
        "SELECT count(*) FROM event e LEFT JOIN annotation a ON a.id = e.annotation_id"
        " WHERE a.id IS NULL"
    ),
}


def check_database(store: StoreBase) -> list[str]:
    """Every problem found, one line each (empty if the database is sound).

    Checks the engine's own integrity check (SQLite), orphan rows, that every span lies inside
    its text on token boundaries with labels of the scheme, document labels of the scheme, and
    that the latest logged change of each span matches the span as it is.
    """
    problems: list[str] = []
    with store.db.read() as session:
        connection = session.connection()
        if is_sqlite(store.db.engine):
            result = [row[0] for row in connection.execute(text("PRAGMA integrity_check"))]
            if result != ["ok"]:
                problems.extend(f"integrity: {line}" for line in result[:20])
        for what, query in ORPHANS.items():
            count = connection.execute(text(query)).scalar() or 0
            if count:
                problems.append(f"{count} {what}")
        problems.extend(_check_annotations(store, session))
        problems.extend(_check_spans(store, session))
        problems.extend(_check_events(session))
    return problems


def _check_annotations(store: StoreBase, session: Any) -> Iterator[str]:
    for row in session.exec(select(models.Annotation)):
        where = f"annotation {row.id} (document {row.document_id})"
        if row.stance is not None and store.scheme.get("stance", row.stance) is None:
            yield f"{where}: stance {row.stance!r} is not in the scheme"
        for topic in loads_topics(row.topics):
            if store.scheme.get("topics", topic) is None:
                yield f"{where}: topic {topic!r} is not in the scheme"


def _check_spans(store: StoreBase, session: Any) -> Iterator[str]:
    query = (
        select(models.Span, models.Annotation.document_id)
        .join(models.Annotation, col(models.Annotation.id) == col(models.Span.annotation_id))
        .order_by(col(models.Annotation.document_id))
    )
    for span, document_id in session.exec(query):
        document = store.document(document_id)
        where = f"span {span.id} ({document.name} {span.start}-{span.end})"
        if not 0 <= span.start < span.end <= len(document.text):
            yield f"{where}: outside the text (0-{len(document.text)})"
            continue
        aligned = document.tokens.align(span.start, span.end)
        if aligned is None:
            yield f"{where}: not on token boundaries"
        elif aligned != (span.token_start, span.token_end):
            yield f"{where}: token indices {span.token_start}-{span.token_end}, expected {aligned}"
        if store.scheme.get("claim_type", span.label) is None:
            yield f"{where}: claim type {span.label!r} is not in the scheme"
        if span.stance is not None and store.scheme.get("stance", span.stance) is None:
            yield f"{where}: stance {span.stance!r} is not in the scheme"
        for topic in loads_topics(span.topics):
            if store.scheme.get("topics", topic) is None:
                yield f"{where}: topic {topic!r} is not in the scheme"


def _check_events(session: Any) -> Iterator[str]:
    """Each span must be as its log says: the ``after`` of its latest done change, or, when
    changes after that were undone, the ``before`` of the earliest of them (undo is a stack:
    undoing twice leaves the span as it was before the first of the two undone changes)."""
    decisive: dict[int, models.Event] = {}
    for event in session.exec(
        select(models.Event)
        .where(col(models.Event.entity) == "span")
        .where(col(models.Event.state).in_([models.EVENT_DONE, models.EVENT_UNDONE]))
        .order_by(col(models.Event.id))
    ):
        previous = decisive.get(event.entity_id)
        if (
            event.state == models.EVENT_UNDONE
            and previous is not None
            and previous.state == models.EVENT_UNDONE
        ):
            continue  # a later undone change: the earliest undone one decides
        decisive[event.entity_id] = event
    for span_id, event in decisive.items():
        wanted = event.after if event.state == models.EVENT_DONE else event.before
        expected = orjson.loads(wanted) if wanted else None
        row = session.get(models.Span, span_id)
        current = span_state(row) if row is not None else None
        if current != expected:
            yield (
                f"span {span_id}: differs from its last logged change (event {event.id},"
                f" {event.action}); it was changed outside Workbench"
            )


def _same_file(live: Path, target: Path) -> bool:
    """Whether ``target`` is the live database file (or one of its ``-wal``/``-shm`` files),
    by any path: relative, through a symbolic link, or a hard link."""
    for companion in ("", "-wal", "-shm", "-journal"):
        path = live.with_name(live.name + companion)
        try:
            one, two = path.stat(), target.stat()
        except OSError:
            continue
        if (one.st_dev, one.st_ino) == (two.st_dev, two.st_ino):
            return True
    return False


def backup_database(store: StoreBase, target: Path, *, overwrite: bool = False) -> int:
    """Copy a live SQLite database to ``target`` with SQLite's online backup; the byte size.

    Safe while annotators write: the copy is one consistent snapshot. It is written to a
    temporary file beside the target and renamed into place, so a killed backup leaves nothing.
    """
    if not is_sqlite(store.db.engine):
        raise DatabaseError(
            f"{store.db.name}: backup copies SQLite files; for PostgreSQL use pg_dump"
        )
    live = store.db.engine.url.database
    if live and live != ":memory:" and _same_file(Path(live), target):
        raise DatabaseError(f"{target}: is the live database itself; back it up to another file")
    if target.exists() and not overwrite:
        raise DatabaseError(f"{target}: already exists; choose another name or pass --force")
    if target.is_dir():
        raise DatabaseError(f"{target}: is a folder; name a file")
    folder = target.parent if str(target.parent) else Path()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as exc:
        raise DatabaseError(f"{target}: cannot write there ({exc.strerror})") from None
    os.close(handle)
    partial = Path(temporary)
    try:
        raw = store.db.engine.raw_connection()
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            with sqlite3.connect(partial) as copy:
                source.backup(copy)
        finally:
            raw.close()
        partial.replace(target)
    except sqlite3.Error as exc:
        raise DatabaseError(f"{target}: backup failed: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size
