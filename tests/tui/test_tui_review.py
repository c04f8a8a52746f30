"""Adjudication (``workbench review``) driven by keys: the queue, the open spans, accepting one
or the majority, labelling differently, done, undo; every result checked in the database."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import assert_user_error, invoke
from helpers import SEEDS, SMALL_TEXTS
from textual.pilot import Pilot
from textual.widgets import DataTable
from tui_helpers import (
    DOCUMENT_LABELS,
    SIZE,
    TEXT,
    covered,
    saved,
    three_annotators,
    type_ahead,
    until,
)

from workbench.review import Candidate
from workbench.store import SpanInfo, Store, open_store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.agreement import ReviewQueueScreen
from workbench.tui.screens.review import ReviewList, ReviewScreen
from workbench.tui.widgets.document_view import DocumentView

# (annotator, covered text, claim type, stance, topics) on "summit".


async def reviewing(pilot: Pilot[None], name: str = "summit") -> ReviewScreen:
    def shown() -> bool:
        screen = pilot.app.screen
        return (
            isinstance(screen, ReviewScreen)
            and screen.annotation is not None
            and screen.document is not None
            and screen.document.name == name
        )

    await until(pilot, shown, f"the review of {name}")
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


def selected(screen: ReviewScreen) -> str:
    view = screen.query_one(DocumentView)
    selection = view.selection()
    assert selection is not None and screen.document is not None
    start, end = screen.document.tokens.char_span(*selection)
    return screen.document.text[start:end]


async def test_accept_an_open_span_label_another_then_the_majority(small_store: Store) -> None:
    three_annotators(small_store)
    before = {name: saved(small_store, "summit", name) for name in DOCUMENT_LABELS}
    app = WorkbenchApp(small_store, annotator="lead", document="summit", review=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await reviewing(pilot)
        assert small_store.annotator("lead").role == "reviewer"
        assert screen.votes.total == 3
        assert status(screen) == (
            "3 open spans (gold lacks them) from 3 annotators: j selects the first"
        )
        listed = screen.query_one(ReviewList)
        assert [(s.label, isinstance(s, Candidate)) for s in listed.spans] == [
            ("FACT", True),
            ("QUOTE", True),
            ("OPINION", True),
        ]

        await pilot.press("j")  # the first open span: selected, not yet saved
        assert selected(screen) == "Xi Jinping"
        await pilot.press("a")
        await until(pilot, lambda: len(saved(small_store, who="gold").spans) == 1, "accept")
        gold = saved(small_store, who="gold")
        assert covered(small_store, gold) == [("Xi Jinping", "FACT")]
        # As the annotators marked it: stance by plurality, topics more than half gave.
        assert (gold.spans[0].stance, gold.spans[0].topics) == ("CRITICAL", ("ECONOMY",))
        await until(pilot, lambda: not screen.busy, "the save shown")
        assert [(s.label, isinstance(s, SpanInfo)) for s in listed.spans] == [
            ("FACT", True),  # now gold's
            ("QUOTE", False),
            ("OPINION", False),
        ]

        await pilot.press("j", "j")  # past "Vladimir Putin" to carol's "Moscow"
        assert selected(screen) == "Moscow"
        await pilot.press("2")  # the reviewer's own call: a claim key labels the selection
        await until(pilot, lambda: len(saved(small_store, who="gold").spans) == 2, "label")

        await pilot.press("A")  # the majority: "Vladimir Putin", stance and topics
        await until(pilot, lambda: len(saved(small_store, who="gold").spans) == 3, "majority")
        gold = saved(small_store, who="gold")
        assert covered(small_store, gold) == [
            ("Xi Jinping", "FACT"),
            ("Vladimir Putin", "QUOTE"),
            ("Moscow", "STATISTIC"),
        ]
        assert gold.spans[1].stance == "SUPPORTIVE"
        assert (gold.stance, gold.topics) == ("SUPPORTIVE", ("ECONOMY",))
        await until(pilot, lambda: not screen.busy, "the majority shown")
        await pilot.press("A")
        await until(pilot, lambda: "already has everything" in status(screen), "nothing left")

        await pilot.press("u")  # accepting the majority was one change: undo takes it back whole
        await until(pilot, lambda: saved(small_store, who="gold").topics == (), "undo")
        gold = saved(small_store, who="gold")
        assert gold.stance is None
        assert covered(small_store, gold) == [("Xi Jinping", "FACT"), ("Moscow", "STATISTIC")]
        await until(pilot, lambda: not screen.busy, "the undo shown")
        assert "undo 2 changes made at once" in status(screen)  # a span, the labels
        await pilot.press("U")  # and redo brings it back whole
        await until(pilot, lambda: len(saved(small_store, who="gold").spans) == 3, "redo")
        assert saved(small_store, who="gold").stance == "SUPPORTIVE"
        await until(pilot, lambda: not screen.busy, "the redo shown")

        await pilot.press("d")  # gold done, on to the next document gold lacks
        await reviewing(pilot, "energy")
    assert saved(small_store, who="gold").status == "done"
    # Adjudicating never touches the annotators' own work.
    assert {name: saved(small_store, "summit", name) for name in DOCUMENT_LABELS} == before


def status(screen: ReviewScreen) -> str:
    return str(screen.query_one("#status-line").render())


async def test_the_queue_opens_most_disagreed_first_and_keys_typed_ahead_wait(
    small_store: Store,
) -> None:
    three_annotators(small_store)
    app = WorkbenchApp(small_store, annotator="lead", review=True)
    async with app.run_test(size=SIZE) as pilot:
        # Typed before the queue is computed: enter opens its first document, j and a wait
        # for that document to load.
        type_ahead(app, "enter", "j", "a")
        screen = await reviewing(pilot, "summit")  # stance, topics and spans disagree
        await until(pilot, lambda: len(saved(small_store, who="gold").spans) == 1, "a")
        assert covered(small_store, saved(small_store, who="gold")) == [("Xi Jinping", "FACT")]
        assert screen.queue is not None and len(screen.queue) == 2

        await until(pilot, lambda: not screen.busy, "the save shown")
        await pilot.press("d")  # done: the next in the queue
        await reviewing(pilot, "energy")
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ReviewQueueScreen), "the queue")
        queue = app.screen
        assert isinstance(queue, ReviewQueueScreen)
        table = queue.query_one(DataTable)
        await until(
            pilot, lambda: "done" in str(table.get_cell("summit", "gold")), "summit's gold done"
        )
        assert "todo" in str(table.get_cell("energy", "gold"))  # opened, nothing done yet
        await pilot.press("q")  # q on the queue leaves
        await until(pilot, lambda: not app.is_running, "the app to end")
    assert saved(small_store, who="gold").status == "done"


async def test_a_document_one_annotator_finished_is_queued_last_and_adjudicated(
    small_store: Store,
) -> None:
    """Nothing to compare on it, but gold needs it: listed after the compared documents,
    with whose work it is; A accepts what that annotator marked."""
    three_annotators(small_store)
    sanctions = small_store.document_by_name("sanctions")
    alone = small_store.annotation(sanctions, small_store.annotator("alice").id)
    small_store.add_span(alone.id, 0, len(SMALL_TEXTS["sanctions"].split()[0]), "FACT")
    small_store.set_stance(alone.id, "CRITICAL")
    small_store.set_status(alone.id, "done")
    app = WorkbenchApp(small_store, annotator="lead", review=True)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReviewQueueScreen), "the queue")
        queue = app.screen
        table = queue.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3, "the queue's rows")
        assert [str(table.get_row_at(row)[0]) for row in range(3)] == [
            "summit",
            "energy",
            "sanctions",
        ]
        assert "only alice" in [str(cell) for cell in table.get_row_at(2)]
        await pilot.press("down", "down", "enter")
        screen = await reviewing(pilot, "sanctions")
        assert screen.votes.total == 1
        assert status(screen).startswith("1 open span (gold lacks it) from 1 annotator")
        await pilot.press("A")
        await until(pilot, lambda: saved(small_store, "sanctions", "gold").spans != (), "A")
        gold = saved(small_store, "sanctions", "gold")
        assert [(s.start, s.label) for s in gold.spans] == [(0, "FACT")]
        assert gold.stance == "CRITICAL"


async def test_a_reviewer_adjudicates_from_the_agreement_screen(small_store: Store) -> None:
    three_annotators(small_store)
    app = WorkbenchApp(small_store, annotator="lead", role="reviewer")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.gold is not None, "the reviewer")
        await pilot.press("ctrl+g")
        type_ahead(app, "enter")  # typed before the report is in: it waits for it
        screen = await reviewing(pilot, "summit")
        await pilot.press("q")
        await until(pilot, lambda: not isinstance(app.screen, ReviewScreen), "back")
        assert screen.votes.total == 3


def test_review_refuses_the_reserved_name_and_an_empty_database(tmp_path: Path) -> None:
    db = str(tmp_path / "empty.db")
    assert_user_error(invoke("review", "--reviewer", "gold", "--db", db), "reserved")
    assert_user_error(invoke("review", "--reviewer", "lead", "--db", db), "no documents")
    assert open_store(db).annotators() == []


def test_review_of_an_unknown_document_is_a_clear_error(tmp_path: Path) -> None:
    db = str(tmp_path / "w.db")
    assert invoke("import", str(SEEDS), "--db", db).exit_code == 0
    result = invoke("review", "--reviewer", "lead", "--doc", "nope", "--db", db)
    assert_user_error(result, "nope")


async def test_gold_is_shared_a_clash_is_refused_and_reload_shows_it(small_store: Store) -> None:
    three_annotators(small_store)
    app = WorkbenchApp(small_store, annotator="lead", document="summit", review=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await reviewing(pilot)
        await pilot.press("right", "right", "right")  # on "Vladimir"
        view = screen.query_one(DocumentView)
        cursor = view.cursor
        # Another reviewer accepts "Vladimir Putin" meanwhile.
        gold = saved(small_store, who="gold")
        start = TEXT.index("Vladimir Putin")
        small_store.add_span(gold.id, start, start + len("Vladimir Putin"), "QUOTE")
        await pilot.press("a")  # the same span again: refused, with the reason, nothing lost
        await until(pilot, lambda: "already a QUOTE span" in status(screen), "the refusal")
        assert len(saved(small_store, who="gold").spans) == 1

        await pilot.press("ctrl+r")
        await until(pilot, lambda: "reloaded" in status(screen), "the reload")
        assert screen.annotation is not None and len(screen.annotation.spans) == 1
        assert view.cursor == cursor
        assert [(s.label, isinstance(s, SpanInfo)) for s in screen.query_one(ReviewList).spans] == [
            ("FACT", False),
            ("QUOTE", True),
            ("OPINION", False),
        ]
