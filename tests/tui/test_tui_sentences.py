"""Sentence keys (``.``, ``]``, ``[``) on seed 002's headings, through the stored tokenization."""

from __future__ import annotations

import asyncio

from helpers import SEEDS
from textual.app import App, ComposeResult

from workbench.importer import import_paths
from workbench.store import DocumentData, Store
from workbench.tui.layout import TokenMetrics
from workbench.tui.motion import land, sentence_around
from workbench.tui.widgets.document_view import DocumentView

HEADINGS = [
    "Xi, Putin Discuss Relations, Ukraine",
    "You need 3 min read Post on Jan 22, 2025",
    "Xi, Putin Discuss Relations, Ukraine",
    "Xi, Putin Discuss Relations, Ukraine",
    "Article with TOC",
    "Table of Contents",
    "Xi, Putin Discuss Relations Amidst Ongoing Ukraine Conflict",
]
FIRST_SENTENCE = (
    "The recent meeting between Chinese President Xi Jinping and Russian President Vladimir"
    " Putin has sent ripples across the globe, particularly given the ongoing conflict in Ukraine."
)


def seed_002(store: Store) -> DocumentData:
    import_paths(store, [SEEDS])
    (row,) = [row for row in store.list_documents() if row.name.startswith("002_")]
    return store.document(row.id)


def words_between(data: DocumentData, first: int, last: int) -> str:
    """The text from token ``first`` to token ``last`` (inclusive)."""
    return data.text[int(data.tokens.starts[first]) : int(data.tokens.ends[last])]


def the_recent_meeting(data: DocumentData) -> int:
    return data.tokens.token_at(data.text.index("The recent meeting"))


def test_sentence_motions_stop_at_each_heading_line(sqlite_store: Store) -> None:
    data = seed_002(sqlite_store)
    metrics = TokenMetrics.measure(data.text, data.tokens)
    layout = metrics.wrap(80)
    the = the_recent_meeting(data)
    assert words_between(data, *sentence_around(the, metrics)) == FIRST_SENTENCE
    # "]" from the top visits every heading line, then the first sentence of the article.
    cursor, visited = 0, []
    for _ in HEADINGS:
        first, last = sentence_around(cursor, metrics)
        visited.append(words_between(data, first, last))
        target, _ = land("sentence-next", cursor, metrics, layout)
        assert target is not None
        cursor = target
    assert visited == HEADINGS
    assert cursor == the
    # "[" from the first sentence goes back to the heading line just above it.
    back, _ = land("sentence-previous", the, metrics, layout)
    assert back is not None
    assert words_between(data, *sentence_around(back, metrics)) == HEADINGS[-1]


class SeedApp(App[None]):
    """One DocumentView showing a stored document."""

    def __init__(self, data: DocumentData) -> None:
        super().__init__()
        self.data = data

    def compose(self) -> ComposeResult:
        yield DocumentView()

    def on_mount(self) -> None:
        view = self.query_one(DocumentView)
        view.set_document(self.data.text, self.data.tokens)
        view.focus()


def test_sentence_keys_on_seed_002(sqlite_store: Store) -> None:
    data = seed_002(sqlite_store)

    async def drive() -> None:
        app = SeedApp(data)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            view = app.query_one(DocumentView)
            await pilot.press("right_square_bracket", "full_stop")
            selection = view.selection()
            assert selection is not None
            assert words_between(data, selection[0], selection[1] - 1) == HEADINGS[1]
            view.move_cursor_to(the_recent_meeting(data) + 2)
            await pilot.press("full_stop")
            selection = view.selection()
            assert selection is not None
            assert words_between(data, selection[0], selection[1] - 1) == FIRST_SENTENCE
            await pilot.press("escape", "left_square_bracket", "left_square_bracket")
            await pilot.press("full_stop")
            selection = view.selection()
            assert selection is not None
            assert words_between(data, selection[0], selection[1] - 1) == HEADINGS[-1]

    asyncio.run(drive())
