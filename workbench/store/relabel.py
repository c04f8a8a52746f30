"""Renames and merges of labels applied to the data, in one transaction, and their log.

Every place a label name is stored changes together: spans (claim type, stance, topics),
annotations (document stance and topics; gold's too), suggestions (decided or pending), the
logged changes that undo and redo replay (so undoing an older change restores the new name,
and ``workbench check`` finds each span as its log says), and the scheme kept in the
database; a ``label_change`` row records it. A merge that makes two things identical keeps
one: a topic set holds a topic once; of two identical spans of one annotation the later is
deleted (a logged change its annotator may undo); of identical suggestions nobody decided,
the first stays.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, or_, select, update
from sqlmodel import Session, col

from workbench import models
from workbench.errors import SchemeError
from workbench.relabel import Relabel, rewrite_scheme_text, write_scheme_file
from workbench.scheme import load_scheme, parse_scheme
from workbench.store.core import StoreBase, dumps, loads_topics, span_state
from workbench.store.schemes import SCHEME_KEY, stored_scheme

MERGE_ACTION = "label.merge"
"""The action of the event that deletes a span a merge made a duplicate of another."""


@dataclass(frozen=True)
class LabelChangeInfo:
    """One logged rename or merge."""

    id: int
    at: float
    by: str
    action: str
    kind: str
    sources: tuple[str, ...]
    target: str
    annotations: int
    spans: int
    suggestions: int
    scheme_file: str | None

    def as_json(self) -> dict[str, Any]:
        """JSON-ready, as ``workbench labels history --json`` prints it."""
        return {
            "id": self.id,
            "at": self.at,
            "by": self.by,
            "action": self.action,
            "kind": self.kind,
            "from": list(self.sources),
            "to": self.target,
            "annotations": self.annotations,
            "spans": self.spans,
            "suggestions": self.suggestions,
            "scheme_file": self.scheme_file,
        }


def _info(row: models.LabelChange) -> LabelChangeInfo:
    assert row.id is not None
    return LabelChangeInfo(
        id=row.id,
        at=row.at,
        by=row.by,
        action=row.action,
        kind=row.kind,
        sources=tuple(orjson.loads(row.sources)),
        target=row.target,
        annotations=row.annotations,
        spans=row.spans,
        suggestions=row.suggestions,
        scheme_file=row.scheme_file,
    )


def _contains_any(column: Any, names: Iterable[str]) -> Any:
    """Rows whose JSON text holds one of the names as a string (a cheap first filter)."""
    return or_(*(column.contains(orjson.dumps(name).decode(), autoescape=True) for name in names))


def renamed(value: Any, mapping: dict[str, str]) -> Any:
    """A logged state with the label names of ``mapping`` replaced: ``label`` and ``stance``
    values, and ``topics`` lists (kept sorted, each topic once). Names are unique across the
    label sets, so a value equal to an old name is that label wherever it stands."""
    if isinstance(value, list):
        return [renamed(item, mapping) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in ("label", "stance") and isinstance(item, str):
            out[key] = mapping.get(item, item)
        elif key == "topics" and isinstance(item, list):
            out[key] = sorted({mapping.get(topic, topic) for topic in item})
        else:
            out[key] = renamed(item, mapping)
    return out


class _Counts:
    """What a change touched."""

    def __init__(self) -> None:
        self.annotations: set[int] = set()
        self.spans: set[int] = set()
        self.suggestions: set[int] = set()


class RelabelStore(StoreBase):
    """Renaming and merging labels (see the module's docstring)."""

    def relabel(
        self, change: Relabel, *, by: str, scheme_file: Path | None = None
    ) -> LabelChangeInfo:
        """Apply ``change`` to every annotation, suggestion and logged change, and to the
        scheme in the database, in one transaction; rewrite ``scheme_file`` (the file in use)
        with it. Anything refused leaves the database and the file as they were."""
        old_text: str | None = None
        new_text: str | None = None
        if scheme_file is not None:
            old_text, new_text = self._new_scheme_file(change, scheme_file)
        written = False
        try:
            with self.db.write() as session:
                # Locked first (PostgreSQL), so two changes at once apply one after the other
                # and the second finds the scheme it started from gone.
                session.get(models.Meta, SCHEME_KEY, with_for_update=True)
                current = stored_scheme(session)
                if current is not None and current.to_dict() != self.scheme.to_dict():
                    raise SchemeError(
                        "the scheme in the database changed since it was opened; run it again"
                    )
                counts = _Counts()
                self._apply(session, change, counts)
                meta = session.get(models.Meta, SCHEME_KEY) or models.Meta(key=SCHEME_KEY, value="")
                meta.value = orjson.dumps(change.scheme.to_dict()).decode()
                session.add(meta)
                row = models.LabelChange(
                    by=by,
                    action=change.action,
                    kind=change.kind,
                    sources=orjson.dumps(list(change.sources)).decode(),
                    target=change.target,
                    annotations=len(counts.annotations),
                    spans=len(counts.spans),
                    suggestions=len(counts.suggestions),
                    scheme_file=None if scheme_file is None else str(scheme_file),
                )
                session.add(row)
                session.flush()
                info = _info(row)
                if scheme_file is not None and new_text is not None:
                    # Last, so a file that cannot be written rolls the database back.
                    write_scheme_file(scheme_file, new_text)
                    written = True
        except BaseException:
            if written and scheme_file is not None and old_text is not None:
                write_scheme_file(scheme_file, old_text)  # the commit failed: as it was
            raise
        self.scheme = change.scheme
        return info

    @staticmethod
    def _new_scheme_file(change: Relabel, path: Path) -> tuple[str, str]:
        """The file's text now and after the change, checked: after it, the file must read
        as the database's new scheme."""
        load_scheme(path)  # readable and valid, or a SchemeError naming the file
        old_text = path.read_text("utf-8-sig")
        new_text = rewrite_scheme_text(old_text, change, path)
        try:
            after = parse_scheme(tomllib.loads(new_text), str(path))
        except (tomllib.TOMLDecodeError, SchemeError) as exc:
            raise SchemeError(f"{path}: the rewritten file would not load: {exc}") from None
        if after.to_dict() != change.scheme.to_dict():
            raise SchemeError(
                f"{path}: is not the scheme in force (was it edited since this command"
                " started?); nothing was changed"
            )
        return old_text, new_text

    def _apply(self, session: Session, change: Relabel, counts: _Counts) -> None:
        mapping = change.mapping
        if not mapping:
            return
        sources = list(mapping)
        annotation, suggestion = models.Annotation, models.Suggestion
        connection = session.connection()
        if change.kind == "claim_type":
            _rename_span_column(connection, "label", sources, change.target, counts)
            self._rename_column(
                connection,
                suggestion,
                "label",
                sources,
                change.target,
                counts.suggestions,
                (col(suggestion.kind) == "span",),
            )
        elif change.kind == "stance":
            _rename_span_column(connection, "stance", sources, change.target, counts)
            self._rename_column(
                connection, annotation, "stance", sources, change.target, counts.annotations, ()
            )
            self._rename_column(
                connection,
                suggestion,
                "label",
                sources,
                change.target,
                counts.suggestions,
                (col(suggestion.kind) == "stance",),
            )
            self._rename_column(
                connection, suggestion, "stance", sources, change.target, counts.suggestions, ()
            )
        else:
            self._rename_topics(connection, models.Span, mapping, counts.spans, counts.annotations)
            self._rename_topics(connection, annotation, mapping, counts.annotations, None)
            self._rename_topics(connection, suggestion, mapping, counts.suggestions, None)
            self._rename_column(
                connection,
                suggestion,
                "label",
                sources,
                change.target,
                counts.suggestions,
                (col(suggestion.kind) == "topic",),
            )
        _rename_events(connection, mapping)
        if change.action == "merge":
            _merge_duplicate_spans(session, counts.annotations)
            _merge_duplicate_suggestions(session, counts.suggestions)

    @staticmethod
    def _rename_column(
        connection: Any,
        table: Any,
        field: str,
        sources: list[str],
        target: str,
        touched: set[int],
        where: tuple[Any, ...],
    ) -> None:
        column = getattr(table, field)
        condition = [col(column).in_(sources), *where]
        touched.update(connection.execute(select(col(table.id)).where(*condition)).scalars())
        connection.execute(update(table).where(*condition).values({field: target}))

    @staticmethod
    def _rename_topics(
        connection: Any,
        table: Any,
        mapping: dict[str, str],
        touched: set[int],
        owners: set[int] | None,
    ) -> None:
        """Rewrite the topic lists that hold an old name (a set: a merged topic once)."""
        owner = getattr(table, "annotation_id", None)
        fields = [col(table.id), col(table.topics)] + ([col(owner)] if owners is not None else [])
        rows = connection.execute(
            select(*fields).where(_contains_any(col(table.topics), mapping))
        ).all()
        changes = []
        for row in rows:
            topics = loads_topics(row[1])
            if not any(topic in mapping for topic in topics):
                continue
            touched.add(row[0])
            if owners is not None:
                owners.add(row[2])
            new = dumps(sorted({mapping.get(topic, topic) for topic in topics}))
            changes.append({"row_id": row[0], "new_topics": new})
        if changes:
            rows_table = table.__table__
            connection.execute(
                update(rows_table)
                .where(rows_table.c.id == bindparam("row_id"))
                .values(topics=bindparam("new_topics")),
                changes,
            )

    def label_changes(self) -> list[LabelChangeInfo]:
        """Every logged rename and merge, oldest first."""
        if "label_change" in self.db.absent_tables:
            return []
        with self.db.read() as session:
            rows = session.scalars(
                select(models.LabelChange).order_by(col(models.LabelChange.id))
            ).all()
            return [_info(row) for row in rows]


def _rename_span_column(
    connection: Any, field: str, sources: list[str], target: str, counts: _Counts
) -> None:
    """Spans whose claim type (``label``) or stance is one of ``sources`` get ``target``."""
    column = getattr(models.Span.__table__.c, field)  # type: ignore[attr-defined]
    spans = models.Span.__table__  # type: ignore[attr-defined]
    for span_id, owner in connection.execute(
        select(spans.c.id, spans.c.annotation_id).where(column.in_(sources))
    ):
        counts.spans.add(span_id)
        counts.annotations.add(owner)
    connection.execute(update(spans).where(column.in_(sources)).values({field: target}))


def _rename_events(connection: Any, mapping: dict[str, str]) -> None:
    """Rewrite the logged states that name an old label, so undo and redo restore new names."""
    event = models.Event.__table__  # type: ignore[attr-defined]
    rows = connection.execute(
        select(event.c.id, event.c.before, event.c.after).where(
            or_(_contains_any(event.c.before, mapping), _contains_any(event.c.after, mapping))
        )
    ).all()
    changes = []
    for event_id, before, after in rows:
        new = [
            None if text is None else dumps(renamed(orjson.loads(text), mapping))
            for text in (before, after)
        ]
        if new != [before, after]:
            changes.append({"event_id": event_id, "new_before": new[0], "new_after": new[1]})
    if changes:
        connection.execute(
            update(event)
            .where(event.c.id == bindparam("event_id"))
            .values(before=bindparam("new_before"), after=bindparam("new_after")),
            changes,
        )


def _merge_duplicate_spans(session: Session, annotations: set[int]) -> None:
    """Of identical spans of one annotation (a merge made their labels equal), delete all but
    the first, each as a logged change of that annotation."""
    if not annotations:
        return
    seen: set[tuple[Any, ...]] = set()
    for row in session.scalars(
        select(models.Span)
        .where(col(models.Span.annotation_id).in_(sorted(annotations)))
        .order_by(col(models.Span.id))
    ).all():
        key = (row.annotation_id, row.start, row.end, row.label, row.stance, row.topics)
        if key not in seen:
            seen.add(key)
            continue
        owner = session.get(models.Annotation, row.annotation_id)
        assert owner is not None and row.id is not None
        session.add(
            models.Event(
                annotation_id=row.annotation_id,
                annotator_id=owner.annotator_id,
                action=MERGE_ACTION,
                entity="span",
                entity_id=row.id,
                before=dumps(span_state(row)),
                after=None,
            )
        )
        session.delete(row)
    session.flush()


def _merge_duplicate_suggestions(session: Session, touched: set[int]) -> None:
    """Of identical suggestions of one document and source, delete those nobody decided that
    repeat another (decided ones all stay: each decision belongs to its suggestion)."""
    if not touched:
        return
    suggestion = models.Suggestion
    documents = session.scalars(
        select(col(suggestion.document_id))
        .where(col(suggestion.id).in_(sorted(touched)))
        .distinct()
    ).all()
    decided = set(session.scalars(select(col(models.Decision.suggestion_id)).distinct()).all())
    rows = session.scalars(
        select(suggestion)
        .where(col(suggestion.document_id).in_(sorted(documents)))
        .order_by(col(suggestion.id))
    ).all()

    def key(row: models.Suggestion) -> tuple[Any, ...]:
        return (row.document_id, row.source, row.kind, row.label, row.start, row.end)

    seen = {(key(row), row.stance, row.topics) for row in rows if row.id in decided}
    doomed: list[int] = []
    for row in rows:
        if row.id in decided or row.id is None:
            continue
        identity = (key(row), row.stance, row.topics)
        if identity in seen:
            doomed.append(row.id)
        seen.add(identity)
    if doomed:
        session.execute(delete(suggestion).where(col(suggestion.id).in_(doomed)))
