"""Snapshots of the key TUI screens: document list, annotated article, help, narrow terminal,
review."""

# Regenerate after an intended change to the look with
#   pytest tests/tui/test_tui_snapshots.py --snapshot-update
# and check the SVGs under tests/tui/__snapshots__/test_tui_snapshots/ before committing them.

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from helpers import SMALL_TEXTS
from textual.pilot import Pilot
from textual.widgets import Input

from workbench.store import NewDocument, Store, open_store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.annotate import AnnotateScreen
from workbench.tui.screens.documents import DocumentsScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.widgets.document_view import DocumentView

SIZE = (120, 36)
ANNOTATOR = "alice"
SPANS = [
    # (covered text, label) in "summit": a sentence, a name nested in it, a span overlapping
    # the sentence's end, and a quote in the second paragraph.
    ("Xi Jinping met Vladimir Putin in Moscow.", "FACT"),
    ("Vladimir Putin", "STATISTIC"),
    ("Moscow. Trade rose 26%", "OPINION"),
    ('"We are partners,"', "QUOTE"),
]
SELECT_KEYS = ("ctrl+home", "right_square_bracket", "shift+right", "shift+right")
"""From the top (the article opens where alice left off) to the next sentence ("Trade"), then
select "Trade rose 26" (inside the OPINION span)."""


@pytest.fixture
def annotated_store(db_url: str) -> Iterator[Store]:
    """The small documents in a SQLite file of the test's own, with alice's spans on "summit"
    and "energy" marked done: the same rows, ids and order on every run.

    SQLite only: these tests are about the screens, and one snapshot per test must fit every
    run (the backends are covered by the Pilot tests)."""
    store = open_store(db_url)
    store.add_documents(NewDocument(name, text) for name, text in SMALL_TEXTS.items())
    alice = store.annotator(ANNOTATOR).id
    summit = store.annotation(store.document_by_name("summit"), alice)
    text = SMALL_TEXTS["summit"]
    for covered, label in SPANS:
        start = text.index(covered)
        store.add_span(summit.id, start, start + len(covered), label)
    energy = store.annotation(store.document_by_name("energy"), alice)
    store.set_status(energy.id, "done")
    yield store
    store.close()


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Let the app run until ``condition`` holds (the database is read in worker threads)."""
    for _ in range(250):
        await pilot.pause(0.02)
        if condition():
            return
    raise AssertionError(f"timed out waiting for {what}")


async def steady_cursor(pilot: Pilot[None], field: Input) -> None:
    """Stop ``field``'s cursor blinking and show it, so the picture never depends on when it
    is taken. Stopping the blink timer does not recall a blink it has already sent (on a
    loaded machine one can land after the stop and hide the cursor): let any such blink
    land, then focus the field afresh, which shows the cursor and leaves the timer stopped."""
    field.cursor_blink = False
    await pilot.pause(0.05)
    field.blur()
    await pilot.pause()
    field.focus()
    await pilot.pause()


def article_shown(app: WorkbenchApp, name: str = "summit") -> Callable[[], bool]:
    """Whether the annotation screen shows ``name`` with its spans."""

    def shown() -> bool:
        screen = app.screen
        return (
            isinstance(screen, AnnotateScreen)
            and screen.annotation is not None
            and screen.document is not None
            and screen.document.name == name
        )

    return shown


def test_document_list(annotated_store: Store, snap_compare: Callable[..., bool]) -> None:
    """Statuses (done, in progress, todo), span counts, lengths, progress; the next unfinished
    document preselected."""
    app = WorkbenchApp(annotated_store, annotator=ANNOTATOR)

    async def loaded(pilot: Pilot[None]) -> None:
        await until(
            pilot,
            lambda: isinstance(app.screen, DocumentsScreen) and len(app.screen._rows) == 3,
            "the document list",
        )
        await steady_cursor(pilot, app.screen.query_one(Input))

    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


def test_article_with_overlapping_spans_and_a_selection(
    annotated_store: Store, snap_compare: Callable[..., bool]
) -> None:
    """Nested and overlapping spans in their colours with gutter tags, a selection inside a
    span, the side panel showing that span, the span list and the status line."""
    app = WorkbenchApp(annotated_store, annotator=ANNOTATOR, document="summit")

    async def select(pilot: Pilot[None]) -> None:
        await until(pilot, article_shown(app), "the article")
        await pilot.press(*SELECT_KEYS)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen) and screen.document is not None
        view = screen.query_one(DocumentView)
        await until(pilot, lambda: view.selection() is not None, "the selection")
        selection = view.selection()
        assert selection is not None
        start, end = screen.document.tokens.char_span(*selection)
        assert SMALL_TEXTS["summit"][start:end] == "Trade rose 26"

    assert snap_compare(app, terminal_size=SIZE, run_before=select)


def test_help(annotated_store: Store, snap_compare: Callable[..., bool]) -> None:
    """The help screen over an article: every key of the annotation screen, grouped."""
    app = WorkbenchApp(annotated_store, annotator=ANNOTATOR, document="summit")

    async def help_open(pilot: Pilot[None]) -> None:
        await until(pilot, article_shown(app), "the article")
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")

    assert snap_compare(app, terminal_size=SIZE, run_before=help_open)


def test_narrow_terminal(annotated_store: Store, snap_compare: Callable[..., bool]) -> None:
    """At 80x24 the side panel moves below the article; the selection still shows."""
    app = WorkbenchApp(annotated_store, annotator=ANNOTATOR, document="summit")

    async def narrow(pilot: Pilot[None]) -> None:
        await until(
            pilot,
            lambda: article_shown(app)() and app.screen.has_class("-narrow"),
            "the narrow layout",
        )
        await pilot.press(*SELECT_KEYS)
        view = app.screen.query_one(DocumentView)
        await until(pilot, lambda: view.selection() is not None, "the selection")

    assert snap_compare(app, terminal_size=(80, 24), run_before=narrow)


def test_review(db_url: str, snap_compare: Callable[..., bool]) -> None:
    """Adjudication: gold's span and the open ones listed with their votes, the votes under
    the cursor and on the document, the next open span selected."""
    from tui_helpers import three_annotators

    from workbench.tui.screens.review import ReviewScreen

    store = open_store(db_url)
    store.add_documents(NewDocument(name, text) for name, text in SMALL_TEXTS.items())
    three_annotators(store)
    gold = store.annotation(store.document_by_name("summit"), store.annotator("gold").id)
    store.add_span(gold.id, 0, len("Xi Jinping"), "FACT", stance="CRITICAL")
    app = WorkbenchApp(store, annotator="lead", document="summit", review=True)

    async def next_open(pilot: Pilot[None]) -> None:
        await until(
            pilot,
            lambda: isinstance(app.screen, ReviewScreen) and app.screen.annotation is not None,
            "the review",
        )
        await pilot.press("j")
        view = app.screen.query_one(DocumentView)
        await until(pilot, lambda: view.selection() is not None, "the open span")

    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=next_open)
    finally:
        store.close()
