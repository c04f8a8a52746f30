"""The side-by-side comparison (reviewers): cursor keys in a burst move every pane together,
and the screen stays responsive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets._footer import FooterKey

from workbench.store import NewDocument, Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.agreement import ReviewQueueScreen
from workbench.tui.screens.compare import CompareScreen
from workbench.tui.widgets.document_view import DocumentView
from workbench.tui.widgets.line_painter import GUTTER_WIDTH

PARAGRAPH = (
    "Xi Jinping met Vladimir Putin in Moscow. Trade rose 26% last year.\n\n"
    'Analysts expect closer ties. "We are partners," Putin said.'
)
LONG = "\n\n".join(f"Part {number}: {PARAGRAPH}" for number in range(20))
"""A document of some 80 lines in a pane: ten lines down stay well inside it."""

ANNOTATORS = {"alice": "FACT", "bob": "QUOTE", "carol": "OPINION"}
"""With three panes each echo of the old code moved the two others: the echoes multiplied."""

BOUND_S = 5.0
"""Time within which the screen must answer: a test that fails rather than hangs."""


class Moves:
    """Every CursorMoved posted in the app, once each (a message arrives at each widget it
    bubbles through), in order: a ``message_hook`` for ``run_test``."""

    def __init__(self) -> None:
        self.posted: list[DocumentView.CursorMoved] = []
        self._seen: set[int] = set()

    def __call__(self, message: Message) -> None:
        if isinstance(message, DocumentView.CursorMoved) and id(message) not in self._seen:
            self._seen.add(id(message))  # the message is kept in `posted`: its id stays its own
            self.posted.append(message)

    def clear(self) -> None:
        self.posted.clear()
        self._seen.clear()

    def __len__(self) -> int:
        return len(self.posted)


def reviewing(store: Store) -> WorkbenchApp:
    return WorkbenchApp(store, annotator="lead", review=True)


def labelled(store: Store, annotators: int = 3) -> None:
    """The long document, done by the first ``annotators`` of ``ANNOTATORS``."""
    store.add_documents([NewDocument("long", LONG)])
    document = store.document_by_name("long")
    for name, label in list(ANNOTATORS.items())[:annotators]:
        annotation = store.annotation(document, store.annotator(name).id)
        store.add_span(annotation.id, 0, 4, label)  # "Part"
        store.set_stance(annotation.id, "CRITICAL")
        store.set_status(annotation.id, "done")


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Let the app run until ``condition`` holds, within ``BOUND_S``."""
    for _ in range(int(BOUND_S / 0.02)):
        await asyncio.wait_for(pilot.pause(0.02), BOUND_S)
        if condition():
            return
    raise AssertionError(f"timed out waiting for {what}")


def burst(app: WorkbenchApp, key: str, count: int) -> None:
    """``count`` presses of ``key`` queued at once, as the driver queues the keys of one read
    of the terminal (``pilot.press`` waits for each key to be handled before the next)."""
    for _ in range(count):
        app.post_message(events.Key(key, None))


async def open_comparison(pilot: Pilot[None], panes: int) -> list[DocumentView]:
    """From the review queue, ``c`` on its one document; the panes once they are filled."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ReviewQueueScreen), "the queue")
    queue = app.screen
    assert isinstance(queue, ReviewQueueScreen)
    await until(pilot, lambda: queue._report is not None, "the report")
    await pilot.press("c")
    await until(pilot, lambda: isinstance(app.screen, CompareScreen), "the comparison")
    views = list(app.screen.query(DocumentView))
    assert len(views) == panes
    await until(pilot, lambda: all(view.spans_at(0) for view in views), "the spans")
    return views


def lines(widget: Widget) -> list[str]:
    """The rows a widget shows, as text (without the column rule at the right)."""
    region = Region(0, 0, *widget.outer_size)
    return [strip.text.rstrip(" ▕") for strip in widget.render_lines(region)]


@pytest.mark.parametrize("panes", [2, 3])
async def test_a_burst_of_keys_moves_every_pane_together_and_q_leaves(
    store: Store, panes: int
) -> None:
    labelled(store, panes)
    app = reviewing(store)
    moves = Moves()
    async with app.run_test(size=(120, 36), message_hook=moves) as pilot:
        views = await open_comparison(pilot, panes)
        queue = app.screen_stack[-2]

        # Where ten Downs take the cursor one at a time (each handled before the next).
        for _ in range(10):
            await pilot.press("down")
        ten_down = views[0].cursor
        assert ten_down > 0
        await until(pilot, lambda: {view.cursor for view in views} == {ten_down}, "in step")
        await pilot.press("ctrl+home")
        await until(pilot, lambda: {view.cursor for view in views} == {0}, "back at the start")

        moves.clear()
        burst(app, "down", 10)
        await until(pilot, lambda: len(moves) >= 10, "the moves")
        for _ in range(5):  # idle: nothing more moves, nothing more is posted
            await asyncio.wait_for(pilot.pause(0.02), BOUND_S)
            assert [view.cursor for view in views] == [ten_down] * panes
        assert len(moves) == 10  # one a key, from the pane with the focus; the others followed
        assert {move.document_view for move in moves.posted} == {views[0]}
        assert moves.posted[-1].token == ten_down

        await asyncio.wait_for(pilot.press("q"), BOUND_S)
        await until(pilot, lambda: app.screen is queue, "the queue again")


async def test_at_80_columns_three_panes_wrap_alike_under_whole_headings(store: Store) -> None:
    """Each pane is as wide as the others and starts on the same row, so the texts wrap
    alike, line for line; a heading that does not fit one line breaks between its fields
    (a long topic list between words), never inside one; the footer shows the keys."""
    labelled(store)
    document = store.document_by_name("long")
    carol = store.find_annotation(document, store.annotator("carol").id)
    assert carol is not None
    store.set_topics(carol.id, ["ECONOMY", "ENERGY", "SECURITY", "UKRAINE", "WORLD_ORDER"])
    app = reviewing(store)
    async with app.run_test(size=(80, 24)) as pilot:
        views = await open_comparison(pilot, 3)
        await pilot.pause()
        assert {view.region.width for view in views} == {80 // 3}
        assert len({view.region.y for view in views}) == 1
        texts = {tuple(line[GUTTER_WIDTH:] for line in lines(view)) for view in views}
        assert len(texts) == 1  # the same text wrapped alike (the gutters show the labels)
        heads = list(app.screen.query("#compare-heads > Static"))
        assert len({head.region.height for head in heads}) == 1
        alice = [line.strip() for line in lines(heads[0])]
        assert alice[:2] == ["alice  done", "stance CRITICAL"]  # a field kept whole
        carol_words = " ".join(lines(heads[2])).split()
        assert carol_words == [
            *("carol", "done", "stance", "CRITICAL", "topics"),
            *("ECONOMY,", "ENERGY,", "SECURITY,", "UKRAINE,", "WORLD_ORDER"),
        ]  # every word whole, none cut at the column's edge
        footer = {
            line.strip(): key.region for key in app.screen.query(FooterKey) for line in lines(key)
        }
        assert {"q Back", "? Help"} <= footer.keys()
        assert all(region.right <= 80 for region in footer.values())  # none cut at the edge
        await pilot.resize_terminal(121, 30)
        await until(pilot, lambda: {view.region.width for view in views} == {40}, "wider")
        assert {head.region.width for head in heads} == {40}
