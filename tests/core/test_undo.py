"""Undo and redo from the event log: every kind of change, across restarts, and conflicts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from workbench import models
from workbench.errors import UndoError
from workbench.store import AnnotationInfo, Store, open_store


def state(store: Store, annotation: int) -> tuple[object, ...]:
    info = store.get_annotation(annotation)
    return (info.stance, info.topics, info.note, info.status, info.spans)


@pytest.fixture
def annotation(small_store: Store) -> int:
    document = small_store.document_by_name("summit")
    return small_store.annotation(document, small_store.annotator("alice").id).id


def test_nothing_to_undo_or_redo(small_store: Store, annotation: int) -> None:
    with pytest.raises(UndoError, match="nothing to undo"):
        small_store.undo(annotation)
    with pytest.raises(UndoError, match="nothing to redo"):
        small_store.redo(annotation)


CHANGES: dict[str, Callable[[Store, int, int], object]] = {
    "relabel": lambda s, a, span: s.relabel_span(a, span, "QUOTE"),
    "resize": lambda s, a, span: s.resize_span(a, span, 0, 29),
    "span stance": lambda s, a, span: s.set_span_stance(a, span, "CRITICAL"),
    "span topics": lambda s, a, span: s.set_span_topics(a, span, ["ENERGY", "ECONOMY"]),
    "delete": lambda s, a, span: s.delete_span(a, span),
    "stance": lambda s, a, span: s.set_stance(a, "MIXED"),
    "topic": lambda s, a, span: s.add_topic(a, "UKRAINE"),
    "note": lambda s, a, span: s.set_note(a, "unsure"),
    "status": lambda s, a, span: s.set_status(a, "done"),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_each_change_undoes_and_redoes_exactly(
    small_store: Store, annotation: int, name: str
) -> None:
    span = small_store.add_span(annotation, 15, 29, "FACT", topics=["SECURITY"])
    before = state(small_store, annotation)
    CHANGES[name](small_store, annotation, span.id)
    after = state(small_store, annotation)
    assert after != before
    small_store.undo(annotation)
    assert state(small_store, annotation) == before
    small_store.redo(annotation)
    assert state(small_store, annotation) == after


def test_undo_of_delete_restores_the_same_span_id(small_store: Store, annotation: int) -> None:
    span = small_store.add_span(annotation, 15, 29, "FACT")
    small_store.delete_span(annotation, span.id)
    small_store.add_span(annotation, 0, 2, "QUOTE")  # a new span must not take the old id
    small_store.undo(annotation)
    small_store.undo(annotation)
    assert [s.id for s in small_store.get_annotation(annotation).spans] == [span.id]


def test_undo_survives_a_restart(small_store: Store, annotation: int) -> None:
    db_url = small_store.db.url
    small_store.add_span(annotation, 15, 29, "FACT")
    small_store.set_stance(annotation, "NEUTRAL")
    small_store.close()
    reopened = open_store(db_url)
    reopened.undo(annotation)
    reopened.undo(annotation)
    assert reopened.get_annotation(annotation).spans == ()
    assert reopened.get_annotation(annotation).stance is None
    reopened.close()
    again = open_store(db_url)
    again.redo(annotation)
    assert len(again.get_annotation(annotation).spans) == 1
    again.close()


def test_a_new_change_clears_the_redo_stack(small_store: Store, annotation: int) -> None:
    small_store.add_span(annotation, 15, 29, "FACT")
    small_store.add_span(annotation, 0, 2, "FACT")
    small_store.undo(annotation)
    assert small_store.history(annotation) == (1, 1)
    small_store.set_stance(annotation, "MIXED")
    assert small_store.history(annotation) == (2, 0)
    with pytest.raises(UndoError, match="nothing to redo"):
        small_store.redo(annotation)


def test_undo_and_redo_walk_the_history_in_order(small_store: Store, annotation: int) -> None:
    def labels() -> tuple[object, ...]:
        return state(small_store, annotation)[:3] + state(small_store, annotation)[4:]

    states: list[tuple[object, ...]] = [labels()]
    span = small_store.add_span(annotation, 15, 29, "FACT")
    states.append(labels())
    small_store.relabel_span(annotation, span.id, "OPINION")
    states.append(labels())
    small_store.toggle_topic(annotation, "ENERGY")
    states.append(labels())
    for expected in reversed(states[:-1]):
        small_store.undo(annotation)
        assert labels() == expected
    # The automatic move from todo to in progress is bookkeeping, not a label: it stays.
    assert small_store.get_annotation(annotation).status == "in_progress"
    for expected in states[1:]:
        small_store.redo(annotation)
        assert labels() == expected


def test_undo_is_per_annotation(small_store: Store, annotation: int) -> None:
    other = small_store.annotation(
        small_store.document_by_name("summit"), small_store.annotator("bob").id
    ).id
    small_store.add_span(annotation, 15, 29, "FACT")
    small_store.add_span(other, 0, 2, "QUOTE")
    small_store.undo(annotation)
    assert small_store.get_annotation(annotation).spans == ()
    assert len(small_store.get_annotation(other).spans) == 1


def test_undo_refuses_when_the_row_changed_elsewhere(small_store: Store, annotation: int) -> None:
    span = small_store.add_span(annotation, 15, 29, "FACT")
    small_store.relabel_span(annotation, span.id, "QUOTE")
    with small_store.db.engine.begin() as connection:
        connection.execute(
            text("UPDATE span SET label = 'OPINION' WHERE id = :id"), {"id": span.id}
        )
    with pytest.raises(UndoError, match="changed elsewhere"):
        small_store.undo(annotation)
    (kept,) = small_store.get_annotation(annotation).spans
    assert kept.label == "OPINION"  # the refused undo changed nothing


def test_every_change_writes_one_event_in_its_transaction(
    small_store: Store, annotation: int
) -> None:
    span = small_store.add_span(annotation, 15, 29, "FACT")
    small_store.relabel_span(annotation, span.id, "QUOTE")
    small_store.relabel_span(annotation, span.id, "QUOTE")  # no change, no event
    small_store.set_stance(annotation, "MIXED")
    with small_store.db.engine.connect() as connection:
        rows = [
            tuple(row)
            for row in connection.execute(
                text("SELECT action, state FROM event WHERE annotation_id = :a ORDER BY id"),
                {"a": annotation},
            )
        ]
    assert rows == [
        ("span.add", models.EVENT_DONE),
        ("status.auto", models.EVENT_META),
        ("span.relabel", models.EVENT_DONE),
        ("doc.stance", models.EVENT_DONE),
    ]


def test_undo_result_describes_the_change(small_store: Store, annotation: int) -> None:
    small_store.add_span(annotation, 15, 29, "FACT")
    result = small_store.undo(annotation)
    assert result.action == "span.add"
    assert "FACT" in result.description and "15-29" in result.description
    info: AnnotationInfo = small_store.get_annotation(annotation)
    assert info.spans == ()
