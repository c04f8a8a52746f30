"""Suggestions in the annotation screen (issue 13.8, first keys): j and k go to the pending
ones, a accepts, r rejects, A accepts every one scoring at least --min-score, v hides them,
u takes a decision back; the database is checked after each key."""

from __future__ import annotations

from helpers import SMALL_TEXTS
from tui_helpers import SIZE, opened, saved, until

from workbench.store import NewSuggestion, Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.annotate import AnnotateScreen


def status_line(screen: AnnotateScreen) -> str:
    return str(screen.query_one("#status-line").render())


def suggest(store: Store) -> None:
    summit = store.document_by_name("summit")
    text = SMALL_TEXTS["summit"]
    putin = text.index("Vladimir Putin")
    store.add_suggestions(
        "patterns:claims",
        [
            NewSuggestion(summit, "FACT", start=0, end=2, score=0.9),
            NewSuggestion(summit, "QUOTE", start=putin, end=putin + 14, score=0.3),
        ],
    )


def decisions(store: Store) -> list[tuple[str, str | None]]:
    summit = store.document_by_name("summit")
    person = store.annotator("alice").id
    return [(s.label, s.decision) for s in store.suggestions(summit, person)]


async def test_keys_accept_and_reject_suggestions_one_by_one(small_store: Store) -> None:
    suggest(small_store)
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        await pilot.press("end", "k")  # back to the last pending one
        await until(pilot, lambda: "suggestion QUOTE" in status_line(screen), "k")
        await pilot.press("r")
        await until(pilot, lambda: decisions(small_store)[1] == ("QUOTE", "rejected"), "r")
        assert saved(small_store).spans == ()
        await pilot.press("home", "j")
        await until(pilot, lambda: "no pending suggestion after" in status_line(screen), "j")
        await pilot.press("a")  # the cursor is on the first token: the FACT suggestion
        await until(pilot, lambda: decisions(small_store)[0] == ("FACT", "accepted"), "a")
        assert [(s.start, s.end, s.label) for s in saved(small_store).spans] == [(0, 2, "FACT")]
        await pilot.press("u")
        await until(pilot, lambda: decisions(small_store)[0] == ("FACT", None), "u")
        assert saved(small_store).spans == ()
        await pilot.press("A")  # only the one scoring 0.5 or more: FACT (QUOTE is rejected)
        await until(pilot, lambda: decisions(small_store)[0] == ("FACT", "accepted"), "A")
        await pilot.press("r")
        await until(pilot, lambda: "no pending suggestion under" in status_line(screen), "r")


async def test_no_suggestions_leaves_them_out_and_the_keys_do_nothing(small_store: Store) -> None:
    suggest(small_store)
    app = WorkbenchApp(small_store, annotator="alice", document="summit", suggestions=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        await pilot.press("j", "a", "A")
        await until(pilot, lambda: "--no-suggestions" in status_line(screen), "refused")
        assert decisions(small_store) == [("FACT", None), ("QUOTE", None)]
        assert saved(small_store).spans == ()
