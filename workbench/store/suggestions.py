"""Suggestions: labels a source proposes for documents, kept apart from annotations until an
annotator decides them (issue 13). A source re-run replaces its pending suggestions and keeps
the ones someone has decided."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Row, Table, bindparam, delete, exists, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from workbench import models
from workbench.errors import FieldError, InvariantError, NotFoundError
from workbench.store.annotations import AnnotationStore
from workbench.store.core import dumps, head_event, loads_topics, span_info
from workbench.store.records import NewSpan, SpanInfo

MAX_SOURCE_LENGTH = 128


OCCURRENCES = "occurrences"
"""The source of suggestions made from labelled spans' other occurrences."""
SUGGESTION: Table = models.Suggestion.__table__  # type: ignore[attr-defined]
DECISION: Table = models.Decision.__table__  # type: ignore[attr-defined]
SPAN: Table = models.Span.__table__  # type: ignore[attr-defined]
_INSERT_DECISION = insert(DECISION)
# The accept and reject keys' reads, built once (Core rows: no ORM objects to make).
_FIND_SUGGESTION = (
    sa_select(SUGGESTION, DECISION.c.decision.label("taken"))
    .outerjoin(
        DECISION,
        (DECISION.c.suggestion_id == SUGGESTION.c.id)
        & (DECISION.c.annotator_id == bindparam("annotator")),
    )
    .where(SUGGESTION.c.id == bindparam("suggestion"))
)
_FIND_SPAN = (
    sa_select(SPAN)
    .where(SPAN.c.annotation_id == bindparam("annotation"))
    .where(SPAN.c.start == bindparam("start"))
    .where(SPAN.c.end == bindparam("end"))
    .where(SPAN.c.label == bindparam("label"))
    .limit(1)
)


class NewSuggestion(NamedTuple):
    """A suggestion to store: a span (``start``, ``end`` in characters, ``label`` a claim
    type, token offsets found from the stored tokens) or, with ``kind`` ``stance`` or
    ``topic``, a document label; ``score`` in [0, 1] or None."""

    document_id: int
    label: str
    kind: str = "span"
    start: int | None = None
    end: int | None = None
    stance: str | None = None
    topics: tuple[str, ...] = ()
    score: float | None = None
    pattern: str | None = None
    tokens: tuple[int, int] | None = None
    """The token offsets of a span, if its maker found it on the stored tokens (a matcher
    run over them): then the document need not be read again to check them."""


@dataclass(frozen=True)
class SuggestionInfo:
    """A stored suggestion, with one annotator's decision on it (None: pending)."""

    id: int
    document_id: int
    source: str
    kind: str
    label: str
    start: int | None
    end: int | None
    token_start: int | None
    token_end: int | None
    score: float | None
    pattern: str | None
    decision: str | None = None


class Decided(NamedTuple):
    """What deciding a suggestion did: the suggestion with its decision, and for an accepted
    span suggestion the annotation's span it gave (or found the annotation had)."""

    suggestion: SuggestionInfo
    span: SpanInfo | None = None


@dataclass
class SuggestSummary:
    """What storing a source's suggestions did."""

    source: str
    added: int = 0
    replaced: int = 0
    """Pending suggestions of the source removed first (none was decided)."""
    kept: int = 0
    """New suggestions left out because someone already decided the same one."""

    def __str__(self) -> str:
        return (
            f"{self.source}: {self.added} suggestions stored, {self.replaced} pending ones"
            f" replaced, {self.kept} already decided"
        )


def span_keys(session: Session, span_ids: list[int]) -> dict[int, tuple[int, int, str]]:
    """``(start, end, label)`` of the spans of these ids that still exist, in one query."""
    query = select(models.Span).where(col(models.Span.id).in_(span_ids))
    return {span.id or 0: (span.start, span.end, span.label) for span in session.exec(query)}


def decision_outcome(
    suggestion: models.Suggestion,
    decision: str,
    span_id: int | None,
    spans: dict[int, tuple[int, int, str]],
) -> str:
    """A decision as it stands: an accepted span suggestion whose span was changed or
    deleted since (``spans``: the linked spans as they are now) counts as edited."""
    if decision != "accepted" or span_id is None:
        return decision
    made = (suggestion.start, suggestion.end, suggestion.label)
    return decision if spans.get(span_id) == made else "edited"


def _decisions_in(session: Session, document_id: int, annotator_id: int | None) -> dict[int, str]:
    """The decisions of :meth:`SuggestionStore.decisions`, in an open session."""
    chosen = session.exec(
        select(models.Suggestion, models.Decision.decision, models.Decision.span_id)
        .join(models.Decision, col(models.Decision.suggestion_id) == col(models.Suggestion.id))
        .where(col(models.Suggestion.document_id) == document_id)
        .where(col(models.Decision.annotator_id) == (annotator_id or -1))
    ).all()
    now = span_keys(session, [span_id for _, _, span_id in chosen if span_id is not None])
    return {
        suggestion.id or 0: decision_outcome(suggestion, decision, span_id, now)
        for suggestion, decision, span_id in chosen
    }


def _info(row: models.Suggestion | Row[Any], decision: str | None) -> SuggestionInfo:
    assert row.id is not None
    return SuggestionInfo(
        id=row.id,
        document_id=row.document_id,
        source=row.source,
        kind=row.kind,
        label=row.label,
        start=row.start,
        end=row.end,
        token_start=row.token_start,
        token_end=row.token_end,
        score=row.score,
        pattern=row.pattern,
        decision=decision,
    )


def check_source(source: str) -> str:
    """A source name fit to store (``patterns:claims``), or a :class:`FieldError`."""
    name = source.strip()
    if not name or len(name) > MAX_SOURCE_LENGTH or not name.isprintable():
        raise FieldError(
            "source",
            f"source {source!r}: use 1-{MAX_SOURCE_LENGTH} printable characters,"
            " e.g. patterns:claims",
        )
    return name


_COLUMNS = (
    "document_id", "kind", "label", "start", '"end"', "source", "token_start", "token_end",
    "stance", "topics", "score", "pattern", "created_at",
)  # fmt: skip
"""The suggestion columns a row is inserted with, in order (``end`` is quoted: a keyword)."""
_KEY = ("document_id", "kind", "label", "start", "end")
"""What tells two suggestions of a source apart."""


class SuggestionStore(AnnotationStore):
    """Stores, lists and clears suggestions, and records each annotator's decisions on them
    as changes like any other (logged, undone by ``u``, blind)."""

    def accept_suggestion(self, annotation_id: int, suggestion_id: int) -> SuggestionInfo:
        """Accept a suggestion into the annotation: a span suggestion becomes a span (or, if
        the annotation has that span already, is recorded as accepted without a second one);
        a stance or topic one sets the document's stance or adds the topic. One undo step."""
        return self.accept(annotation_id, suggestion_id).suggestion

    def accept(self, annotation_id: int, suggestion_id: int) -> Decided:
        """:meth:`accept_suggestion`, also returning the span it gave, read in the same
        transaction (what the annotation screen merges into its copy)."""
        return self._decide(annotation_id, suggestion_id, accept=True)

    def reject_suggestion(self, annotation_id: int, suggestion_id: int) -> SuggestionInfo:
        """Reject a suggestion: it stays out of the annotation, recorded as rejected."""
        return self._decide(annotation_id, suggestion_id, accept=False).suggestion

    def accepted_span(self, annotation_id: int, suggestion_id: int) -> SpanInfo | None:
        """The span an accepted span suggestion gave this annotation (or found it had), as it
        is now; None for a document suggestion, a rejected or pending one, or a deleted span."""
        with self.db.read() as session:
            row = session.exec(
                select(models.Span)
                .join(models.Decision, col(models.Decision.span_id) == col(models.Span.id))
                .where(col(models.Decision.suggestion_id) == suggestion_id)
                .where(col(models.Span.annotation_id) == annotation_id)
            ).first()
            return None if row is None else span_info(row)

    def accept_suggestions(self, annotation_id: int, suggestion_ids: Sequence[int]) -> int:
        """Accept several suggestions at once (``A``): one transaction, one undo step; how
        many were accepted."""
        return self.decide_suggestions(annotation_id, accept=suggestion_ids)

    def decide_suggestions(
        self,
        annotation_id: int,
        *,
        accept: Sequence[int] = (),
        reject: Sequence[int] = (),
        stance: str | None = None,
    ) -> int:
        """Decide several suggestions as one change (one transaction, one undo step): accept
        some, reject others, and (``stance``) set the document's stance as part of it, as the
        stance chooser does when the annotator picks a stance no suggestion offered. How many
        were decided."""
        with self.db.write() as session:
            annotation = self.labelling_row(session, annotation_id)
            head: int | None = None
            if stance is not None:
                self.check_labels(None, stance, (), "stance")
                head = self._set_document_label(session, annotation, "stance", stance, head)
            for suggestion_id in accept:
                _, head = self._decide_in(session, annotation, suggestion_id, True, head)
            for suggestion_id in reject:
                _, head = self._decide_in(session, annotation, suggestion_id, False, head)
            return len(accept) + len(reject)

    def _decide(self, annotation_id: int, suggestion_id: int, *, accept: bool) -> Decided:
        with self.db.write() as session:
            annotation = self.labelling_row(session, annotation_id)
            return self._decide_in(session, annotation, suggestion_id, accept, None)[0]

    def _decide_in(
        self,
        session: Session,
        annotation: models.Annotation,
        suggestion_id: int,
        accept: bool,
        batch: int | None,
    ) -> tuple[Decided, int]:
        """Decide one suggestion in an open transaction, as part of the change whose first
        event is ``batch`` (None: a change of its own); what it did and the change's first
        event. It flushes only where it needs a new row's id: this is the accept key's path."""
        verb = "accept" if accept else "reject"
        suggestion = (
            session.connection()
            .execute(
                _FIND_SUGGESTION,
                {"suggestion": suggestion_id, "annotator": annotation.annotator_id},
            )
            .first()
        )
        if suggestion is None or suggestion.document_id != annotation.document_id:
            raise NotFoundError(f"{verb}: no such suggestion on this document")
        taken: str | None = suggestion.taken  # None: no decision (the outer join's empty side)
        if taken is not None:
            raise InvariantError(
                f"{verb}: this suggestion is {taken} already; undo (u) to decide it again"
            )
        span: SpanInfo | None = None
        if accept:
            batch, span = self._apply_suggestion(session, annotation, suggestion, batch)
        decision = "accepted" if accept else "rejected"
        span_id = None if span is None else span.id
        session.connection().execute(
            _INSERT_DECISION,
            {
                "suggestion_id": suggestion_id,
                "annotator_id": annotation.annotator_id,
                "decision": decision,
                "span_id": span_id,
                "at": models.now(),
            },
        )
        event = self.log(
            session, annotation, f"suggestion.{verb}", "decision", suggestion_id, None,
            {"decision": decision, "span_id": span_id}, batch=batch,
        )  # fmt: skip
        batch = head_event(session, event, batch)
        return Decided(_info(suggestion, decision), span), batch

    def _apply_suggestion(
        self,
        session: Session,
        annotation: models.Annotation,
        suggestion: Row[Any],
        batch: int | None,
    ) -> tuple[int | None, SpanInfo | None]:
        """Apply an accepted suggestion as part of the change whose first event is ``batch``
        (None: it starts one); that first event (still None if nothing changed) and the span
        it gave (for a span suggestion)."""
        assert annotation.id is not None
        if suggestion.kind == "span":
            assert suggestion.start is not None and suggestion.end is not None
            span = NewSpan(
                suggestion.start,
                suggestion.end,
                suggestion.label,
                suggestion.stance,
                tuple(loads_topics(suggestion.topics)),
            )
            self.check_labels(span.label, span.stance, span.topics, "accept")
            existing = (
                session.connection()
                .execute(
                    _FIND_SPAN,
                    {
                        "annotation": annotation.id,
                        "start": span.start,
                        "end": span.end,
                        "label": span.label,
                    },
                )
                .first()
            )
            if existing is not None:
                return batch, span_info(existing)
            document = self.document(annotation.document_id)
            tokens = self.check_span(document, span.start, span.end, "accept")
            row, event = self._insert_span(session, annotation, span, tokens, batch=batch)
            return head_event(session, event, batch), row
        field = "stance" if suggestion.kind == "stance" else "topics"
        self.check_labels(
            None, suggestion.label if field == "stance" else None,
            (suggestion.label,) if field == "topics" else (), "accept",
        )  # fmt: skip
        return self._set_document_label(session, annotation, field, suggestion.label, batch), None

    def _set_document_label(
        self,
        session: Session,
        annotation: models.Annotation,
        field: str,
        label: str,
        batch: int | None,
    ) -> int | None:
        """Set the document's stance to ``label``, or add the topic ``label``, as part of the
        change whose first event is ``batch``; that first event (still None if nothing
        changed)."""
        assert annotation.id is not None
        topics = loads_topics(annotation.topics)
        if field == "stance":
            if annotation.stance == label:
                return batch
            changes: dict[str, Any] = {"stance": label}
            before: dict[str, Any] = {"stance": annotation.stance}
        else:
            if label in topics:
                return batch
            changes = {"topics": sorted({*topics, label})}
            before = {"topics": topics}
        annotation.stance = changes.get("stance", annotation.stance)
        if "topics" in changes:
            annotation.topics = dumps(changes["topics"])
        annotation.updated_at = models.now()
        session.add(annotation)
        event = self.log(
            session, annotation, f"doc.{field}", "annotation", annotation.id, before, changes,
            batch=batch,
        )  # fmt: skip
        return head_event(session, event, batch)

    def add_suggestions(
        self,
        source: str,
        suggestions: Iterable[NewSuggestion],
        documents: Collection[int] | None = None,
    ) -> SuggestSummary:
        """Store a source's suggestions (for ``documents``, or every document), in one
        transaction: its pending suggestions there are replaced, decided ones stay (and a new
        suggestion equal to a decided one is not added twice). Span offsets must lie on the
        stored tokens; labels must be in the scheme."""
        source = check_source(source)
        summary = SuggestSummary(source)
        # The suggestions are made (a matcher may take a while) and checked before the write
        # transaction opens: it holds the database only to swap the rows.
        with self.db.read() as session:
            decided = self._decided(session, source)
        rows: list[tuple[object, ...]] = []
        seen: set[tuple[object, ...]] = set()
        at, known = models.now(), set[tuple[str, str]]()
        for new in suggestions:
            key = (new.document_id, new.kind, new.label, new.start, new.end)
            if key in decided or key in seen:
                summary.kept += key in decided
                continue
            seen.add(key)
            rows.append(self._suggestion_row(source, new, at, known))
        with self.db.write() as session:
            pending = (
                delete(models.Suggestion)
                .where(col(models.Suggestion.source) == source)
                .where(
                    ~exists().where(col(models.Decision.suggestion_id) == col(models.Suggestion.id))
                )
            )
            if documents is not None:
                pending = pending.where(col(models.Suggestion.document_id).in_(list(documents)))
            summary.replaced = session.exec(pending).rowcount
            now_decided = self._decided(session, source) - decided  # decided meanwhile
            if now_decided:
                kept = [row for row in rows if row[:5] not in now_decided]
                summary.kept += len(rows) - len(kept)
                rows = kept
            if rows:
                connection = session.connection()
                marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
                sql = (
                    f"INSERT INTO suggestion ({', '.join(_COLUMNS)})"
                    f" VALUES ({', '.join([marker] * len(_COLUMNS))})"
                )
                # The driver's own executemany: half a million rows at C speed.
                connection.exec_driver_sql(sql, rows)
            summary.added = len(rows)
        return summary

    @staticmethod
    def _decided(session: Session, source: str) -> set[tuple[object, ...]]:
        """The keys (document, kind, label, start, end) of a source's decided suggestions:
        after its pending ones went, the ones still stored."""
        table = models.Suggestion
        query = (
            sa_select(*(col(getattr(table, name)) for name in _KEY))
            .where(col(table.source) == source)
            .where(exists().where(col(models.Decision.suggestion_id) == col(table.id)))
        )
        return {tuple(row) for row in session.connection().execute(query)}

    def _suggestion_row(
        self, source: str, new: NewSuggestion, at: float, known: set[tuple[str, str]]
    ) -> tuple[object, ...]:
        """The row of a suggestion, checked (``known``: the labels checked already, as
        ``(kind, label)``; a source's suggestions share a few labels)."""
        where = f"suggestion for document {new.document_id}"
        if new.kind not in models.SUGGESTION_KINDS:
            raise InvariantError(f"{where}: kind {new.kind!r} must be span, stance or topic")
        if new.score is not None and not 0 <= new.score <= 1:
            raise InvariantError(f"{where}: score {new.score} must lie in [0, 1]")
        if (new.kind, new.label) not in known or new.stance or new.topics:
            if new.kind == "span":
                self.check_labels(new.label, new.stance, new.topics, where)
            elif new.kind == "stance":
                self.check_labels(None, new.label, (), where)
            else:
                self.check_labels(None, None, (new.label,), where)
            known.add((new.kind, new.label))
        start = end = token_start = token_end = None
        if new.kind == "span":
            if new.start is None or new.end is None:
                raise InvariantError(f"{where}: a span suggestion needs start and end")
            start, end = new.start, new.end
            token_start, token_end = new.tokens or self.check_span(
                self.document(new.document_id), new.start, new.end, where
            )
        topics = dumps(sorted(set(new.topics))) if new.topics else "[]"
        # In the order of _COLUMNS; the first five are the key a decided suggestion keeps.
        return (
            new.document_id, new.kind, new.label, start, end, source, token_start, token_end,
            new.stance, topics, new.score, new.pattern, at,
        )  # fmt: skip

    def clear_suggestions(self, source: str) -> int:
        """Remove a source's pending suggestions (decided ones stay); how many went."""
        source = check_source(source)
        with self.db.write() as session:
            result = session.exec(
                delete(models.Suggestion)
                .where(col(models.Suggestion.source) == source)
                .where(
                    ~exists().where(col(models.Decision.suggestion_id) == col(models.Suggestion.id))
                )
            )
            return int(result.rowcount)

    def suggestions(
        self, document_id: int, annotator_id: int | None = None
    ) -> list[SuggestionInfo]:
        """A document's suggestions by position (document suggestions first), each with the
        decision of ``annotator_id`` (only that annotator's: decisions are blind). An accepted
        span suggestion whose span was changed or deleted since counts as edited."""
        with self.db.read() as session:
            rows = session.exec(
                select(models.Suggestion).where(col(models.Suggestion.document_id) == document_id)
            ).all()
            decisions = _decisions_in(session, document_id, annotator_id)
        found = [_info(row, decisions.get(row.id or 0)) for row in rows]
        found.sort(key=lambda s: (s.start is not None, s.start or 0, -(s.end or 0), s.label))
        return found

    def decisions(self, document_id: int, annotator_id: int) -> dict[int, str]:
        """One annotator's decisions on a document's suggestions, by suggestion id, as they
        stand (an accepted span changed since counts as edited): what a session reads again
        after a change to a span, rather than every suggestion of the document."""
        with self.db.read() as session:
            return _decisions_in(session, document_id, annotator_id)

    def suggestion_counts(self) -> dict[str, int]:
        """How many suggestions each source has stored."""
        from sqlalchemy import func

        with self.db.read() as session:
            return dict(
                session.exec(
                    select(models.Suggestion.source, func.count()).group_by(
                        col(models.Suggestion.source)
                    )
                ).all()
            )
