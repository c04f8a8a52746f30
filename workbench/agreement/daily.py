"""Documents done per day, per annotator: when each annotation was last marked done.

An annotation's *done time* is when its status last became ``done``: the latest logged
``doc.status`` change to done that still stands (or the redo that restored it). An annotation
with no such event (imported as done, or written in bulk) is done at its ``updated_at``, which
an import sets from the file's own timestamp. Only annotations whose status is ``done`` now
count: one marked done and then reopened is not done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from workbench.store import Store

STATUS_ACTION = "doc.status"
REDO_ACTION = "redo"


class DoneAt(NamedTuple):
    """One done annotation: who finished which document, and when (Unix seconds, UTC)."""

    annotator: str
    document_id: int
    at: float


class DayDone(NamedTuple):
    """How many documents one annotator finished on one day."""

    day: date
    annotator: str
    done: int


@dataclass(frozen=True)
class DailyDone:
    """Documents done per day: every day from the first to the last done (days with none
    included, so a line chart has no gaps), each annotator's count per day."""

    days: tuple[date, ...]
    annotators: tuple[str, ...]
    """Sorted by name."""
    done: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    """Per annotator, one count per day of ``days``."""

    @property
    def empty(self) -> bool:
        """Nothing done yet."""
        return not self.days

    def rows(self) -> list[DayDone]:
        """One record per day and annotator, by day then annotator (zeros included)."""
        return [
            DayDone(day, name, self.done[name][i])
            for i, day in enumerate(self.days)
            for name in self.annotators
        ]

    def totals(self) -> tuple[int, ...]:
        """Documents done per day by everyone together."""
        return tuple(sum(counts) for counts in zip(*self.done.values(), strict=True)) or tuple(
            0 for _ in self.days
        )

    def cumulative(self, annotator: str) -> tuple[int, ...]:
        """The annotator's running total, one per day."""
        running, out = 0, []
        for count in self.done[annotator]:
            running += count
            out.append(running)
        return tuple(out)

    def as_json(self) -> dict[str, Any]:
        """JSON-ready: ISO days and the counts per annotator."""
        return {
            "days": [day.isoformat() for day in self.days],
            "done": {name: list(self.done[name]) for name in self.annotators},
        }


def daily_done(done: Iterable[DoneAt], *, tz: tzinfo = UTC) -> DailyDone:
    """Count done annotations per calendar day in ``tz`` (UTC by default) and annotator."""
    counts: dict[str, dict[date, int]] = {}
    for item in done:
        day = datetime.fromtimestamp(item.at, tz).date()
        per_day = counts.setdefault(item.annotator, {})
        per_day[day] = per_day.get(day, 0) + 1
    if not counts:
        return DailyDone((), (), {})
    first = min(min(per_day) for per_day in counts.values())
    last = max(max(per_day) for per_day in counts.values())
    days = tuple(first + timedelta(days=n) for n in range((last - first).days + 1))
    names = tuple(sorted(counts))
    return DailyDone(
        days,
        names,
        {name: tuple(counts[name].get(day, 0) for day in days) for name in names},
    )


def done_times(store: Store, *, annotators: Sequence[str] | None = None) -> list[DoneAt]:
    """When each annotation that is done now was done (see the module's docstring).

    ``annotators`` limits it to those names; by default everyone but the reserved ``gold``.
    """
    import orjson
    from sqlalchemy import select
    from sqlmodel import col

    from workbench import models

    annotation = models.Annotation
    event = models.Event
    with store.db.read() as session:
        connection = session.connection()
        rows = connection.execute(
            select(
                col(annotation.id),
                col(annotation.document_id),
                col(models.Annotator.name),
                col(annotation.updated_at),
            )
            .join(models.Annotator, col(models.Annotator.id) == col(annotation.annotator_id))
            .where(col(annotation.status) == "done")
        ).all()
        # Few events are status changes: they are read with their redos, not the whole log.
        status_events = connection.execute(
            select(
                col(event.id),
                col(event.annotation_id),
                col(event.at),
                col(event.after),
                col(event.state),
            )
            .join(annotation, col(annotation.id) == col(event.annotation_id))
            .where(col(annotation.status) == "done")
            .where(col(event.action) == STATUS_ACTION)
        ).all()
        redos = connection.execute(
            select(col(event.target_id), col(event.at))
            .join(annotation, col(annotation.id) == col(event.annotation_id))
            .where(col(annotation.status) == "done")
            .where(col(event.action) == REDO_ACTION)
            .where(col(event.entity) == "annotation")
        ).all()
    redone: dict[int | None, float] = {}
    for target, at in redos:
        if target is not None:
            redone[target] = max(at, redone.get(target, at))
    when: dict[int | None, float] = {}
    for event_id, annotation_id, at, after, state in status_events:
        if state != models.EVENT_DONE or not after:
            continue
        if orjson.loads(after).get("status") != "done":
            continue
        at = max(at, redone.get(event_id, at))
        when[annotation_id] = max(at, when.get(annotation_id, at))
    wanted = set(annotators) if annotators is not None else None
    return [
        DoneAt(name, document_id, when.get(annotation_id, updated_at))
        for annotation_id, document_id, name, updated_at in rows
        if (name in wanted if wanted is not None else name != models.GOLD)
    ]


def documents_done_per_day(
    store: Store, *, annotators: Sequence[str] | None = None, tz: tzinfo = UTC
) -> DailyDone:
    """Documents done per day and annotator in the store (see :func:`done_times`)."""
    return daily_done(done_times(store, annotators=annotators), tz=tz)
