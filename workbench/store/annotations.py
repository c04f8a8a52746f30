"""Annotators, annotations and spans: every change one transaction with its event; undo and redo."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import exc as sa_exc
from sqlalchemy import insert
from sqlmodel import Session, col, select

from workbench import models
from workbench.errors import InvariantError, NotFoundError, UndoError, WorkbenchError
from workbench.store.core import (
    StoreBase,
    check_annotator_name,
    dumps,
    head_event,
    inserted_id,
    loads_topics,
    span_info,
    span_state,
    spans_of,
)
from workbench.store.flags import FLAG_ENTITY, restore_flag
from workbench.store.records import AnnotationInfo, AnnotatorInfo, NewSpan, SpanInfo, UndoResult

_INSERT_SPAN = insert(models.Span.__table__)  # type: ignore[attr-defined]

SPAN_FIELDS = ("start", "end", "token_start", "token_end", "label", "stance", "topics")


def annotation_info(
    row: models.Annotation, annotator: str, spans: Iterable[models.Span] = ()
) -> AnnotationInfo:
    """The record of an annotation row and its spans."""
    assert row.id is not None
    return AnnotationInfo(
        id=row.id,
        document_id=row.document_id,
        annotator_id=row.annotator_id,
        annotator=annotator,
        status=row.status,
        stance=row.stance,
        topics=loads_topics(row.topics),
        note=row.note,
        seconds=row.seconds,
        created_at=row.created_at,
        updated_at=row.updated_at,
        spans=tuple(span_info(span) for span in spans),
    )


class AnnotationStore(StoreBase):
    """Reads and changes annotations. Spans are addressed through their annotation, so a caller
    holding one annotator's annotation can never touch another annotator's spans."""

    # -- annotators ---------------------------------------------------------------------------

    def annotator(
        self, name: str, role: str = "annotator", *, create: bool = True
    ) -> AnnotatorInfo:
        """The annotator of that name, created (with ``role``) if missing and ``create``."""
        name = check_annotator_name(name)
        if role not in models.ROLES:
            raise InvariantError(f"role {role!r} must be one of {', '.join(models.ROLES)}")
        with self.db.read() as session:
            row = session.exec(
                select(models.Annotator).where(col(models.Annotator.name) == name)
            ).first()
        if row is None:
            if not create:
                raise NotFoundError(f"no annotator named {name!r}")
            try:
                with self.db.write() as session:
                    row = models.Annotator(name=name, role=role)
                    session.add(row)
                    session.flush()
            except InvariantError:  # created by another process a moment ago
                with self.db.read() as session:
                    row = session.exec(
                        select(models.Annotator).where(col(models.Annotator.name) == name)
                    ).one()
        assert row.id is not None
        return AnnotatorInfo(row.id, row.name, row.role)

    def set_role(self, name: str, role: str) -> AnnotatorInfo:
        """Make an existing annotator an ``annotator`` or a ``reviewer``."""
        if role not in models.ROLES:
            raise InvariantError(f"role {role!r} must be one of {', '.join(models.ROLES)}")
        with self.db.write() as session:
            row = session.exec(
                select(models.Annotator).where(col(models.Annotator.name) == name)
            ).first()
            if row is None:
                raise NotFoundError(f"no annotator named {name!r}")
            row.role = role
            session.add(row)
            session.flush()
            assert row.id is not None
            return AnnotatorInfo(row.id, row.name, row.role)

    def annotators(self) -> list[AnnotatorInfo]:
        """All annotators, by name."""
        with self.db.read() as session:
            rows = session.exec(select(models.Annotator).order_by(col(models.Annotator.name)))
            return [AnnotatorInfo(r.id or 0, r.name, r.role) for r in rows]

    # -- annotations --------------------------------------------------------------------------

    def annotation(self, document_id: int, annotator_id: int) -> AnnotationInfo:
        """The annotator's annotation of the document with its spans, created if missing."""
        info = self.find_annotation(document_id, annotator_id)
        if info is not None:
            return info
        self.document(document_id)  # a clear NotFoundError for a missing document
        try:
            with self.db.write() as session:
                session.add(models.Annotation(document_id=document_id, annotator_id=annotator_id))
        except InvariantError as exc:
            if self.find_annotation(document_id, annotator_id) is None:
                raise NotFoundError(f"no annotator with id {annotator_id}") from exc
        found = self.find_annotation(document_id, annotator_id)
        assert found is not None
        return found

    def find_annotation(self, document_id: int, annotator_id: int) -> AnnotationInfo | None:
        """The annotator's annotation of the document, or None (never creates one)."""
        with self.db.read() as session:
            found = session.exec(
                select(models.Annotation, models.Annotator.name)
                .join(models.Annotator)
                .where(col(models.Annotation.document_id) == document_id)
                .where(col(models.Annotation.annotator_id) == annotator_id)
            ).first()
            if found is None:
                return None
            row, name = found
            assert row.id is not None
            return annotation_info(row, name, spans_of(session, row.id))

    def get_annotation(self, annotation_id: int) -> AnnotationInfo:
        """An annotation by id, with its spans."""
        with self.db.read() as session:
            found = session.exec(
                select(models.Annotation, models.Annotator.name)
                .join(models.Annotator)
                .where(col(models.Annotation.id) == annotation_id)
            ).first()
            if found is None:
                raise NotFoundError(f"no annotation with id {annotation_id}")
            return annotation_info(found[0], found[1], spans_of(session, annotation_id))

    # -- spans --------------------------------------------------------------------------------

    def add_span(
        self,
        annotation_id: int,
        start: int,
        end: int,
        label: str,
        *,
        stance: str | None = None,
        topics: Iterable[str] = (),
    ) -> SpanInfo:
        """Add a span at character offsets ``start``-``end`` (token-aligned) with a claim type."""
        span = NewSpan(start, end, label, stance, tuple(sorted(set(topics))))
        self.check_labels(label, stance, span.topics, "add span")
        document = self.document_for(annotation_id)
        tokens = self.check_span(document, start, end, "add span")
        with self.db.write() as session:
            annotation = self.labelling_row(session, annotation_id)
            if self._has_span(session, annotation_id, span):
                raise InvariantError(f"add span: there is already a {label} span at {start}-{end}")
            return self._insert_span(session, annotation, span, tokens, batch=None)[0]

    def add_spans(
        self,
        annotation_id: int,
        spans: Sequence[NewSpan],
        *,
        stance: str | None = None,
        topics: Iterable[str] = (),
    ) -> AnnotationInfo:
        """Add the spans the annotation lacks, and ``stance`` and ``topics`` where it has none,
        in one transaction that undo takes back as one step (accepting the majority in review).
        What the annotation gained meanwhile (another reviewer) stays as it is."""
        topic_list = sorted(set(topics))
        self.check_labels(None, stance, topic_list, "add spans")
        document = self.document_for(annotation_id)
        checked = []
        for span in spans:
            self.check_labels(span.label, span.stance, span.topics, "add spans")
            checked.append((span, self.check_span(document, span.start, span.end, "add spans")))
        with self.db.write() as session:
            annotation = self.labelling_row(session, annotation_id)
            batch: int | None = None

            def logged(event: int) -> None:
                nonlocal batch
                batch = head_event(session, event, batch)  # the first event heads the batch

            for span, tokens in checked:
                if not self._has_span(session, annotation_id, span):
                    logged(self._insert_span(session, annotation, span, tokens, batch=batch)[1])
            changes: dict[str, Any] = {}
            if stance is not None and annotation.stance is None:
                changes["stance"] = stance
            if topic_list and not loads_topics(annotation.topics):
                changes["topics"] = topic_list
            if changes:
                before = _annotation_state(annotation, changes)
                _set_annotation(annotation, changes)
                logged(
                    self.log(
                        session,
                        annotation,
                        "doc.labels",
                        "annotation",
                        annotation_id,
                        before,
                        changes,
                        batch=batch,
                    )
                )
            session.flush()
            name = session.get(models.Annotator, annotation.annotator_id)
            return annotation_info(
                annotation, name.name if name else "", spans_of(session, annotation_id)
            )

    @staticmethod
    def _has_span(session: Session, annotation_id: int, span: NewSpan) -> bool:
        return (
            session.exec(
                select(models.Span.id)
                .where(col(models.Span.annotation_id) == annotation_id)
                .where(col(models.Span.start) == span.start)
                .where(col(models.Span.end) == span.end)
                .where(col(models.Span.label) == span.label)
            ).first()
            is not None
        )

    def _insert_span(
        self,
        session: Session,
        annotation: models.Annotation,
        span: NewSpan,
        tokens: tuple[int, int],
        *,
        batch: int | None,
    ) -> tuple[SpanInfo, int]:
        """Insert a span (one statement, no ORM flush: this is the claim keys' path) and log
        it; the span and the event's id."""
        assert annotation.id is not None
        topics = sorted(set(span.topics))
        at = models.now()
        inserted = session.connection().execute(
            _INSERT_SPAN,
            {
                "annotation_id": annotation.id,
                "start": span.start,
                "end": span.end,
                "token_start": tokens[0],
                "token_end": tokens[1],
                "label": span.label,
                "stance": span.stance,
                "topics": dumps(topics),
                "created_at": at,
                "updated_at": at,
            },
        )
        info = SpanInfo(
            id=inserted_id(inserted),
            annotation_id=annotation.id,
            start=span.start,
            end=span.end,
            token_start=tokens[0],
            token_end=tokens[1],
            label=span.label,
            stance=span.stance,
            topics=tuple(topics),
        )
        state = {
            "start": span.start,
            "end": span.end,
            "token_start": tokens[0],
            "token_end": tokens[1],
            "label": span.label,
            "stance": span.stance,
            "topics": topics,
        }
        event = self.log(session, annotation, "span.add", "span", info.id, None, state, batch=batch)
        return info, event

    def relabel_span(self, annotation_id: int, span_id: int, label: str) -> SpanInfo:
        """Give a span another claim type."""
        self.check_labels(label, None, (), "relabel span")
        return self._change_span(annotation_id, span_id, "span.relabel", {"label": label})

    def resize_span(self, annotation_id: int, span_id: int, start: int, end: int) -> SpanInfo:
        """Move a span's edges to new (token-aligned) character offsets."""
        document = self.document_for(annotation_id)
        token_start, token_end = self.check_span(document, start, end, "resize span")
        changes = {"start": start, "end": end, "token_start": token_start, "token_end": token_end}
        return self._change_span(annotation_id, span_id, "span.resize", changes)

    def set_span_stance(self, annotation_id: int, span_id: int, stance: str | None) -> SpanInfo:
        """Set or clear (None) a span's stance."""
        self.check_labels(None, stance, (), "span stance")
        return self._change_span(annotation_id, span_id, "span.stance", {"stance": stance})

    def set_span_topics(self, annotation_id: int, span_id: int, topics: Iterable[str]) -> SpanInfo:
        """Replace a span's topics."""
        topic_list = sorted(set(topics))
        self.check_labels(None, None, topic_list, "span topics")
        return self._change_span(annotation_id, span_id, "span.topics", {"topics": topic_list})

    def toggle_span_topic(self, annotation_id: int, span_id: int, topic: str) -> SpanInfo:
        """Add a topic to a span, or remove it if the span has it."""
        self.check_labels(None, None, (topic,), "span topic")
        with self.db.write() as session:
            row = self._span_row(session, annotation_id, span_id)
            topics = set(loads_topics(row.topics)) ^ {topic}
            return self._apply_span_change(
                session, annotation_id, row, "span.topics", {"topics": sorted(topics)}
            )

    def delete_span(self, annotation_id: int, span_id: int) -> SpanInfo:
        """Delete a span (undo brings it back with the same id)."""
        with self.db.write() as session:
            row = self._span_row(session, annotation_id, span_id)
            annotation = self.annotation_row(session, annotation_id)
            info = span_info(row)
            before = span_state(row)
            session.delete(row)
            self.log(session, annotation, "span.delete", "span", span_id, before, None)
            return info

    def _span_row(self, session: Session, annotation_id: int, span_id: int) -> models.Span:
        row = session.get(models.Span, span_id)
        if row is None or row.annotation_id != annotation_id:
            raise NotFoundError(f"no span {span_id} in annotation {annotation_id}")
        return row

    def _change_span(
        self, annotation_id: int, span_id: int, action: str, changes: dict[str, Any]
    ) -> SpanInfo:
        with self.db.write() as session:
            row = self._span_row(session, annotation_id, span_id)
            return self._apply_span_change(session, annotation_id, row, action, changes)

    def _apply_span_change(
        self,
        session: Session,
        annotation_id: int,
        row: models.Span,
        action: str,
        changes: dict[str, Any],
    ) -> SpanInfo:
        assert row.id is not None
        annotation = self.labelling_row(session, annotation_id)
        before = span_state(row)
        after = {**before, **changes}
        if after == before:
            return span_info(row)
        _set_span(row, after)
        row.updated_at = models.now()
        session.add(row)
        self.log(session, annotation, action, "span", row.id, before, after)
        return span_info(row)

    # -- document-level labels ----------------------------------------------------------------

    def set_stance(self, annotation_id: int, stance: str | None) -> AnnotationInfo:
        """Set or clear (None) the document's stance."""
        self.check_labels(None, stance, (), "document stance")
        return self._change_annotation(annotation_id, "doc.stance", {"stance": stance})

    def set_topics(self, annotation_id: int, topics: Iterable[str]) -> AnnotationInfo:
        """Replace the document's topics."""
        topic_list = sorted(set(topics))
        self.check_labels(None, None, topic_list, "document topics")
        return self._change_annotation(annotation_id, "doc.topics", {"topics": topic_list})

    def add_topic(self, annotation_id: int, topic: str) -> AnnotationInfo:
        """Add a topic to the document (no change if it has it)."""
        return self._edit_topics(annotation_id, topic, add=True)

    def remove_topic(self, annotation_id: int, topic: str) -> AnnotationInfo:
        """Remove a topic from the document (no change if it lacks it)."""
        return self._edit_topics(annotation_id, topic, add=False)

    def toggle_topic(self, annotation_id: int, topic: str) -> AnnotationInfo:
        """Add the topic to the document, or remove it if the document has it."""
        return self._edit_topics(annotation_id, topic, add=None)

    def _edit_topics(self, annotation_id: int, topic: str, *, add: bool | None) -> AnnotationInfo:
        self.check_labels(None, None, (topic,), "document topic")
        with self.db.write() as session:
            row = self.labelling_row(session, annotation_id)
            topics = set(loads_topics(row.topics))
            if add is None:
                add = topic not in topics
            topics = topics | {topic} if add else topics - {topic}
            return self._apply_annotation_change(
                session, row, "doc.topics", {"topics": sorted(topics)}
            )

    def set_status(self, annotation_id: int, status: str) -> AnnotationInfo:
        """Set the status: todo, in_progress, done or skipped."""
        if status not in models.STATUSES:
            raise InvariantError(f"status {status!r} must be one of {', '.join(models.STATUSES)}")
        return self._change_annotation(annotation_id, "doc.status", {"status": status})

    def set_note(self, annotation_id: int, note: str) -> AnnotationInfo:
        """Set the free-text note on the document."""
        problem = models.note_problem(note)
        if problem:
            raise InvariantError(f"note: the note {problem}")
        return self._change_annotation(annotation_id, "doc.note", {"note": note})

    def add_time(self, annotation_id: int, seconds: float) -> None:
        """Add active annotation time (bookkeeping: logged, never undone)."""
        if seconds <= 0:
            return
        with self.db.write() as session:
            row = self.annotation_row(session, annotation_id)
            row.seconds += seconds
            session.add(row)
            assert row.id is not None
            session.add(
                models.Event(
                    annotation_id=row.id,
                    annotator_id=row.annotator_id,
                    action="time",
                    entity="annotation",
                    entity_id=row.id,
                    after=dumps({"seconds": round(seconds, 3)}),
                    state=models.EVENT_META,
                    at=models.now(),  # the clock a lease's lapse is judged by
                )
            )

    def _change_annotation(
        self, annotation_id: int, action: str, changes: dict[str, Any]
    ) -> AnnotationInfo:
        with self.db.write() as session:
            if "stance" in changes or "topics" in changes:
                row = self.labelling_row(session, annotation_id)
            else:  # a note or a status names no label
                row = self.annotation_row(session, annotation_id)
            return self._apply_annotation_change(session, row, action, changes)

    def _apply_annotation_change(
        self, session: Session, row: models.Annotation, action: str, changes: dict[str, Any]
    ) -> AnnotationInfo:
        assert row.id is not None
        before = _annotation_state(row, changes)
        if before != changes:
            _set_annotation(row, changes)
            # Setting the status by hand must not be overridden by the todo -> in_progress rule.
            self.log(
                session,
                row,
                action,
                "annotation",
                row.id,
                before,
                changes,
                auto_status=action != "doc.status",
            )
        session.flush()
        name = session.get(models.Annotator, row.annotator_id)
        return annotation_info(row, name.name if name else "", spans_of(session, row.id))

    def last_changed_span(self, annotation_id: int) -> int | None:
        """The id of the span the annotation's latest change touched, if that span is still
        there (where the annotator left off)."""
        with self.db.read() as session:
            found = session.exec(
                select(models.Event.entity_id)
                .join(models.Span, col(models.Span.id) == col(models.Event.entity_id))
                .where(col(models.Event.annotation_id) == annotation_id)
                .where(col(models.Event.entity) == "span")
                .where(col(models.Span.annotation_id) == annotation_id)
                .order_by(col(models.Event.id).desc())
                .limit(1)
            ).first()
        return found

    # -- undo and redo ------------------------------------------------------------------------

    def undo(self, annotation_id: int) -> UndoResult:
        """Revert the annotation's latest change that is not yet undone."""
        return self._step(annotation_id, undo=True)

    def redo(self, annotation_id: int) -> UndoResult:
        """Re-apply the most recently undone change (until a new change clears the redo stack)."""
        return self._step(annotation_id, undo=False)

    def history(self, annotation_id: int) -> tuple[int, int]:
        """How many changes can be undone and redone."""
        with self.db.read() as session:
            states = session.exec(
                select(models.Event.state)
                .where(col(models.Event.annotation_id) == annotation_id)
                .where(col(models.Event.state).in_([models.EVENT_DONE, models.EVENT_UNDONE]))
            ).all()
        return states.count(models.EVENT_DONE), states.count(models.EVENT_UNDONE)

    def _step(self, annotation_id: int, *, undo: bool) -> UndoResult:
        verb = "undo" if undo else "redo"
        with self.db.write() as session:
            annotation = self.annotation_row(session, annotation_id)
            query = select(models.Event).where(col(models.Event.annotation_id) == annotation_id)
            if undo:
                query = query.where(col(models.Event.state) == models.EVENT_DONE).order_by(
                    col(models.Event.id).desc()
                )
            else:
                # Redo replays the last undo first: the undone event with the lowest id.
                query = query.where(col(models.Event.state) == models.EVENT_UNDONE).order_by(
                    col(models.Event.id)
                )
            event = session.exec(query.limit(1)).first()
            if event is None:
                raise UndoError(f"nothing to {verb}")
            steps = [event]
            if event.target_id is not None:  # a change made of several: all of it, one step
                state = models.EVENT_DONE if undo else models.EVENT_UNDONE
                order = col(models.Event.id).desc() if undo else col(models.Event.id)
                steps = list(
                    session.exec(
                        select(models.Event)
                        .where(col(models.Event.annotation_id) == annotation_id)
                        .where(col(models.Event.target_id) == event.target_id)
                        .where(col(models.Event.state) == state)
                        .order_by(order)
                    )
                )
            for step in steps:
                self._replay(session, annotation, step, undo=undo)
            head = min(steps, key=lambda e: e.id or 0)
            if len(steps) > 1:
                what = f"{verb} {len(steps)} changes made at once"
            else:
                before = orjson.loads(event.before) if event.before else None
                after = orjson.loads(event.after) if event.after else None
                what = f"{verb} {_describe(event.action, before, after)}"
            assert head.id is not None
            return UndoResult(
                action=head.action,
                entity=head.entity,
                entity_id=head.entity_id,
                description=what,
            )

    def _replay(
        self, session: Session, annotation: models.Annotation, event: models.Event, *, undo: bool
    ) -> None:
        """Undo (or redo) one logged change and log that it was."""
        verb = "undo" if undo else "redo"
        assert event.id is not None and annotation.id is not None
        before = orjson.loads(event.before) if event.before else None
        after = orjson.loads(event.after) if event.after else None
        expected, target = (after, before) if undo else (before, after)
        try:
            if event.entity == "span":
                self._restore_span(session, annotation, event.entity_id, expected, target)
            elif event.entity == "decision":
                _restore_decision(session, annotation, event.entity_id, expected, target)
            elif event.entity == FLAG_ENTITY:
                restore_flag(session, annotation, event.entity_id, expected, target)
            else:
                current = _annotation_state(annotation, expected or {})
                if current != expected:
                    raise UndoError(
                        f"cannot {verb} {event.action}: the annotation was changed elsewhere"
                    )
                _set_annotation(annotation, target or {})
                annotation.updated_at = models.now()
                session.add(annotation)
            session.flush()
        except sa_exc.IntegrityError:
            raise UndoError(
                f"cannot {verb} {event.action}: it conflicts with later changes"
            ) from None
        event.state = models.EVENT_UNDONE if undo else models.EVENT_DONE
        session.add(event)
        session.add(
            models.Event(
                annotation_id=annotation.id,
                annotator_id=annotation.annotator_id,
                action=verb,
                entity=event.entity,
                entity_id=event.entity_id,
                state=models.EVENT_META,
                target_id=event.id,
            )
        )

    def _restore_span(
        self,
        session: Session,
        annotation: models.Annotation,
        span_id: int,
        expected: dict[str, Any] | None,
        target: dict[str, Any] | None,
    ) -> None:
        row = session.get(models.Span, span_id)
        current = span_state(row) if row is not None else None
        if current != expected or (row is not None and row.annotation_id != annotation.id):
            raise UndoError("cannot undo or redo: the span was changed elsewhere")
        if target is None:
            session.delete(row)
        elif row is None:
            assert annotation.id is not None
            restored = models.Span(
                id=span_id,
                annotation_id=annotation.id,
                topics="[]",
                **{k: v for k, v in target.items() if k != "topics"},
            )
            restored.topics = dumps(target.get("topics", []))
            session.add(restored)
        else:
            _set_span(row, target)
            row.updated_at = models.now()
            session.add(row)


def decision_state(row: models.Decision | None) -> dict[str, Any] | None:
    """What an event records of an annotator's decision on a suggestion (None: pending)."""
    return None if row is None else {"decision": row.decision, "span_id": row.span_id}


def _restore_decision(
    session: Session,
    annotation: models.Annotation,
    suggestion_id: int,
    expected: dict[str, Any] | None,
    target: dict[str, Any] | None,
) -> None:
    """Put the annotator's decision on a suggestion back as ``target`` was (None: pending)."""
    row = session.exec(
        select(models.Decision)
        .where(col(models.Decision.suggestion_id) == suggestion_id)
        .where(col(models.Decision.annotator_id) == annotation.annotator_id)
    ).first()
    if decision_state(row) != expected:
        raise UndoError("cannot undo or redo: the decision was changed elsewhere")
    if target is None:
        session.delete(row)
    elif row is None:
        session.add(
            models.Decision(
                suggestion_id=suggestion_id,
                annotator_id=annotation.annotator_id,
                decision=target["decision"],
                span_id=target.get("span_id"),
            )
        )
    else:
        row.decision, row.span_id, row.at = target["decision"], target.get("span_id"), models.now()
        session.add(row)


def _set_span(row: models.Span, state: dict[str, Any]) -> None:
    for key in SPAN_FIELDS:
        if key in state:
            value = state[key]
            setattr(row, key, dumps(sorted(value)) if key == "topics" else value)


def _annotation_state(row: models.Annotation, fields: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for key in fields:
        value = getattr(row, key)
        state[key] = list(loads_topics(value)) if key == "topics" else value
    return state


def _set_annotation(row: models.Annotation, state: dict[str, Any]) -> None:
    for key, value in state.items():
        if key not in ("stance", "topics", "status", "note"):
            raise WorkbenchError(f"cannot restore annotation field {key!r}")
        setattr(row, key, dumps(sorted(value)) if key == "topics" else value)


def _describe(action: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """A few words on a change, for the status line."""
    state = after or before or {}
    if action == "span.relabel" and before and after:
        where = f"{state.get('start')}-{state.get('end')}"
        return f"relabel {before.get('label')} → {after.get('label')} span {where}"
    if action.startswith("span."):
        what = action.removeprefix("span.")
        return (
            f"{what} of {state.get('label', 'span')} span {state.get('start')}-{state.get('end')}"
        )
    if action.startswith("flag."):
        return {"flag.set": "the flag", "flag.change": "the flag's new reason"}.get(
            action, "removing the flag"
        )
    if action.startswith("suggestion."):
        return f"{action.removeprefix('suggestion.')} of a suggestion"
    field = action.removeprefix("doc.")
    return f"document {field}"
