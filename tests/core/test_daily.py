"""Documents done per day: the counting (pure) and the done times read from the store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import update
from sqlmodel import col

from workbench import models
from workbench.agreement.daily import (
    DailyDone,
    DayDone,
    DoneAt,
    daily_done,
    documents_done_per_day,
    done_times,
)
from workbench.store import Store


def _at(day: int, hour: int = 12) -> float:
    return datetime(2026, 3, day, hour, tzinfo=UTC).timestamp()


def test_counts_per_day_fill_the_gaps() -> None:
    daily = daily_done(
        [
            DoneAt("bob", 1, _at(3)),
            DoneAt("ann", 1, _at(1)),
            DoneAt("ann", 2, _at(1, 23)),
            DoneAt("ann", 3, _at(4)),
        ]
    )
    assert daily.days == tuple(date(2026, 3, d) for d in (1, 2, 3, 4))
    assert daily.annotators == ("ann", "bob")
    assert daily.done == {"ann": (2, 0, 0, 1), "bob": (0, 0, 1, 0)}
    assert daily.totals() == (2, 0, 1, 1)
    assert daily.cumulative("ann") == (2, 2, 2, 3)
    assert daily.rows()[:2] == [
        DayDone(date(2026, 3, 1), "ann", 2),
        DayDone(date(2026, 3, 1), "bob", 0),
    ]
    assert daily.as_json() == {
        "days": ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"],
        "done": {"ann": [2, 0, 0, 1], "bob": [0, 0, 1, 0]},
    }


def test_the_day_is_the_time_zone_s() -> None:
    late = [DoneAt("ann", 1, _at(1, 23))]
    assert daily_done(late).days == (date(2026, 3, 1),)
    assert daily_done(late, tz=timezone(timedelta(hours=2))).days == (date(2026, 3, 2),)


def test_nothing_done() -> None:
    daily = daily_done([])
    assert daily == DailyDone((), (), {})
    assert daily.empty and daily.rows() == [] and daily.totals() == ()


def _set_times(store: Store, annotation_id: int, *, events: float, updated: float) -> None:
    with store.db.write() as session:
        session.exec(
            update(models.Event)
            .where(col(models.Event.annotation_id) == annotation_id)
            .values(at=events)
        )
        session.exec(
            update(models.Annotation)
            .where(col(models.Annotation.id) == annotation_id)
            .values(updated_at=updated)
        )


def test_done_times_from_the_event_log(small_store: Store) -> None:
    store = small_store
    ids = [row.id for row in store.list_documents()]
    ann = store.annotator("ann")
    bob = store.annotator("bob")
    gold = store.annotator(models.GOLD)
    first = store.annotation(ids[0], ann.id)
    store.set_status(first.id, "done")
    # Changed after it was done: the note moves updated_at, not the done time.
    store.set_note(first.id, "late note")
    _set_times(store, first.id, events=_at(2), updated=_at(9))
    reopened = store.annotation(ids[1], ann.id)
    store.set_status(reopened.id, "done")
    store.set_status(reopened.id, "in_progress")
    undone = store.annotation(ids[2], ann.id)
    store.set_status(undone.id, "done")
    store.undo(undone.id)
    theirs = store.annotation(ids[0], bob.id)
    store.set_status(theirs.id, "done")
    _set_times(store, theirs.id, events=_at(5), updated=_at(6))
    reviewed = store.annotation(ids[0], gold.id)
    store.set_status(reviewed.id, "done")

    found = sorted(done_times(store))
    assert found == [DoneAt("ann", ids[0], _at(2)), DoneAt("bob", ids[0], _at(5))]
    assert [item.annotator for item in done_times(store, annotators=["gold"])] == ["gold"]
    daily = documents_done_per_day(store)
    assert daily.annotators == ("ann", "bob")
    assert daily.done == {"ann": (1, 0, 0, 0), "bob": (0, 0, 0, 1)}


def test_a_redo_is_when_it_was_done_again(small_store: Store) -> None:
    store = small_store
    doc = store.list_documents()[0].id
    annotation = store.annotation(doc, store.annotator("ann").id)
    store.set_status(annotation.id, "done")
    store.undo(annotation.id)
    _set_times(store, annotation.id, events=_at(1), updated=_at(1))
    store.redo(annotation.id)
    [found] = done_times(store)
    assert found.at > _at(1)


def test_without_events_the_update_time_counts(small_store: Store) -> None:
    store = small_store
    doc = store.list_documents()[0].id
    annotation = store.annotation(doc, store.annotator("ann").id)
    store.set_status(annotation.id, "done")
    with store.db.write() as session:
        session.exec(update(models.Event).values(action="imported"))
    _set_times(store, annotation.id, events=_at(1), updated=_at(7))
    assert done_times(store) == [DoneAt("ann", doc, _at(7))]
