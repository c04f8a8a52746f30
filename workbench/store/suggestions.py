"""Suggestions: labels a source proposes for documents, kept apart from annotations until an
annotator decides them (issue 13). A source re-run replaces its pending suggestions and keeps
the ones someone has decided."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, exists, insert
from sqlmodel import col, select

from workbench import models
from workbench.errors import FieldError, InvariantError
from workbench.store.core import StoreBase, dumps

MAX_SOURCE_LENGTH = 128


@dataclass(frozen=True)
class NewSuggestion:
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


@dataclass
class SuggestSummary:
    """What storing a source's suggestions did."""

    source: str
    added: int = 0
    replaced: int = 0
    """Pending suggestions of the source removed first (none was decided)."""
    kept: int = 0
    """New suggestions left out because someone already decided the same one."""


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


class SuggestionStore(StoreBase):
    """Stores, lists and clears suggestions."""

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
            decided = {
                (row.document_id, row.kind, row.label, row.start, row.end)
                for row in session.exec(
                    select(models.Suggestion).where(col(models.Suggestion.source) == source)
                )
            }
            rows = []
            for new in suggestions:
                key = (new.document_id, new.kind, new.label, new.start, new.end)
                if key in decided:
                    summary.kept += 1
                    continue
                decided.add(key)
                rows.append(self._suggestion_row(source, new))
            if rows:
                session.exec(insert(models.Suggestion), params=rows)
            summary.added = len(rows)
        return summary

    def _suggestion_row(self, source: str, new: NewSuggestion) -> dict[str, object]:
        where = f"suggestion for document {new.document_id}"
        if new.kind not in models.SUGGESTION_KINDS:
            raise InvariantError(f"{where}: kind {new.kind!r} must be span, stance or topic")
        if new.score is not None and not 0 <= new.score <= 1:
            raise InvariantError(f"{where}: score {new.score} must lie in [0, 1]")
        row: dict[str, object] = {
            "document_id": new.document_id,
            "source": source,
            "kind": new.kind,
            "label": new.label,
            "score": new.score,
            "pattern": new.pattern,
            "topics": dumps(sorted(set(new.topics))),
            "stance": new.stance,
            "created_at": models.now(),
        }
        if new.kind == "span":
            self.check_labels(new.label, new.stance, new.topics, where)
            if new.start is None or new.end is None:
                raise InvariantError(f"{where}: a span suggestion needs start and end")
            tokens = self.check_span(self.document(new.document_id), new.start, new.end, where)
            row |= {
                "start": new.start,
                "end": new.end,
                "token_start": tokens[0],
                "token_end": tokens[1],
            }
        elif new.kind == "stance":
            self.check_labels(None, new.label, (), where)
        else:
            self.check_labels(None, None, (new.label,), where)
        return row

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
        decision of ``annotator_id`` (only that annotator's: decisions are blind)."""
        with self.db.read() as session:
            rows = session.exec(
                select(models.Suggestion).where(col(models.Suggestion.document_id) == document_id)
            ).all()
            decisions = dict(
                session.exec(
                    select(models.Decision.suggestion_id, models.Decision.decision).where(
                        col(models.Decision.annotator_id) == (annotator_id or -1),
                        col(models.Decision.suggestion_id).in_([row.id for row in rows]),
                    )
                ).all()
            )
        found = [
            SuggestionInfo(
                id=row.id or 0,
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
                decision=decisions.get(row.id or 0),
            )
            for row in rows
        ]
        found.sort(key=lambda s: (s.start is not None, s.start or 0, -(s.end or 0), s.label))
        return found

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
