"""The document canvas driven by keys and the mouse inside a small app (Pilot), plus snapshots."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, ClassVar

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.pilot import Pilot

from workbench.nlp import Tokenization, tokenize
from workbench.store.records import SpanInfo
from workbench.tui.widgets.document_view import DocumentView
from workbench.tui.widgets.line_painter import GUTTER_WIDTH

TEXT = (
    "Xi Jinping met Vladimir Putin in Moscow. Trade rose 26% last year, the Kremlin said.\n\n"
    'Analysts expect closer ties. "We are partners," Putin said. 中文测试 and 😀 wrap by width.\n'
    "Supercalifragilisticexpialidocious-and-a-very-long-token-that-cannot-fit-on-one-line ends."
)
TOKENS = tokenize(TEXT)
WORDS = TOKENS.words(TEXT)
COLORS = {"FACT": "#4e79a7", "QUOTE": "#f28e2b", "OPINION": "#e15759", "STATISTIC": "#76b7b2"}


def at(word: str, nth: int = 0) -> int:
    """The index of the ``nth`` token spelled ``word``."""
    return [i for i, w in enumerate(WORDS) if w == word][nth]


def span(span_id: int, start: int, stop: int, label: str) -> SpanInfo:
    first, last = TOKENS.char_span(start, stop)
    return SpanInfo(span_id, 1, first, last, start, stop, label)


SPANS = [
    span(1, at("Xi"), at(".") + 1, "FACT"),
    span(2, at("Vladimir"), at("Putin") + 1, "QUOTE"),
    span(3, at("rose"), at("year") + 1, "STATISTIC"),
    span(4, at("year"), at("said") + 1, "OPINION"),
    span(5, at('"'), at('"', 1) + 1, "QUOTE"),
]


def run(test: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    """Run an async test on a fresh event loop (the suite has no async pytest plugin)."""

    @functools.wraps(test)
    def wrapper() -> None:
        asyncio.run(test())

    return wrapper


class ViewApp(App[None]):
    """A bare app holding one DocumentView, recording the messages it posts."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "escaped", "Escape reached the app")]

    def __init__(
        self,
        text: str = TEXT,
        tokens: Tokenization = TOKENS,
        spans: Sequence[SpanInfo] = (),
        colors: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.doc_text, self.doc_tokens, self.doc_spans = text, tokens, spans
        self.label_colors = COLORS if colors is None else colors
        self.messages: list[tuple[str, Any]] = []
        self.escapes = 0

    def compose(self) -> ComposeResult:
        yield DocumentView(id="doc")

    def on_mount(self) -> None:
        view = self.query_one(DocumentView)
        view.set_document(self.doc_text, self.doc_tokens)
        view.set_colors(self.label_colors)
        view.set_spans(self.doc_spans)
        view.focus()

    def on_document_view_cursor_moved(self, message: DocumentView.CursorMoved) -> None:
        self.messages.append(("cursor", message.token))

    def on_document_view_selection_changed(self, message: DocumentView.SelectionChanged) -> None:
        self.messages.append(("selection", message.selection))

    def on_document_view_span_clicked(self, message: DocumentView.SpanClicked) -> None:
        self.messages.append(("span", message.span_id))

    def action_escaped(self) -> None:
        self.escapes += 1


async def started(pilot: Pilot[None]) -> DocumentView:
    await pilot.pause()
    app = pilot.app
    assert isinstance(app, ViewApp)
    app.messages.clear()
    return app.query_one(DocumentView)


def cell_of(view: DocumentView, token: int) -> tuple[int, int]:
    """The widget offset of a token's first cell (in the current scroll)."""
    assert view.line_layout is not None
    line, x, _ = view.line_layout.locate(token)
    return GUTTER_WIDTH + x, line - view.scroll_offset.y


def cursor_visible(view: DocumentView) -> bool:
    assert view.line_layout is not None
    line = view.line_layout.locate(view.cursor)[0]
    top = view.scroll_offset.y
    return top <= line < top + view.scrollable_content_region.height


@run
async def test_left_and_right_move_by_token_and_skip_whitespace() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        assert view.cursor == 0
        await pilot.press("right", "right")
        assert view.cursor == at("met")
        view.move_cursor_to(at("said"))
        await pilot.press("right", "right")
        assert view.cursor == at("Analysts")  # over the "\n\n" token
        await pilot.press("left")
        assert view.cursor == at(".", 1)
        await pilot.pause()
        assert app.messages[-1] == ("cursor", at(".", 1))
        assert ("selection", None) not in app.messages


@run
async def test_up_and_down_keep_the_column() -> None:
    app = ViewApp()
    async with app.run_test(size=(40, 24)) as pilot:
        view = await started(pilot)
        layout = view.line_layout
        assert layout is not None
        view.move_cursor_to(at("met"))
        column = layout.locate(at("met"))[1]
        await pilot.press("down")
        line, start, end = layout.locate(view.cursor)
        assert line == 1 and start <= column < end
        await pilot.press("down", "up")
        assert layout.locate(view.cursor)[0] == 1
        assert layout.locate(view.cursor)[1] <= column < layout.locate(view.cursor)[2]
        await pilot.press("up")
        assert view.cursor == at("met")


@run
async def test_shift_movement_extends_a_selection_and_escape_clears_it() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        view.move_cursor_to(at("Vladimir"))
        await pilot.press("shift+right", "shift+right")
        assert view.selection() == (at("Vladimir"), at("in") + 1)
        await pilot.press("shift+left", "shift+left", "shift+left")
        assert view.selection() == (at("met"), at("Vladimir") + 1)
        assert view.cursor == at("met")
        await pilot.press("shift+end")
        assert view.line_layout is not None
        line_end = view.line_layout.line_tokens(0)[1] - 1
        assert view.selection() == (at("Vladimir"), line_end + 1)
        await pilot.press("escape")
        assert view.selection() is None
        assert app.escapes == 0
        await pilot.press("escape")  # nothing selected: the key goes on to the app
        assert app.escapes == 1
        await pilot.pause()
        selections = [value for kind, value in app.messages if kind == "selection"]
        assert selections[0] == (at("Vladimir"), at("Putin") + 1)
        assert selections[-1] is None


@run
async def test_a_plain_move_clears_the_selection() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        await pilot.press("shift+right", "right")
        assert view.selection() is None
        assert view.cursor == at("met")


@run
async def test_sentence_keys() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        view.move_cursor_to(at("rose"))
        await pilot.press("full_stop")
        assert view.selection() == (at("Trade"), at(".", 1) + 1)  # no "\n\n" at its end
        await pilot.press("escape", "ctrl+right")
        assert view.cursor == at("Analysts")
        await pilot.press("right_square_bracket")
        assert view.cursor == at("We")  # spaCy ends the sentence before after the quote mark
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert view.cursor == at("Trade")
        await pilot.press("ctrl+shift+right")
        assert view.selection() == (at("Trade"), at("Analysts") + 1)


@run
async def test_line_and_document_ends() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        layout = view.line_layout
        assert layout is not None
        view.move_cursor_to(at("Putin"))
        await pilot.press("end")
        assert view.cursor == layout.line_tokens(0)[1] - 1
        await pilot.press("home")
        assert view.cursor == 0
        await pilot.press("ctrl+end")
        assert view.cursor == len(WORDS) - 1
        await pilot.press("ctrl+shift+home")
        assert view.selection() == (0, len(WORDS))


def long_document(n_tokens: int) -> tuple[str, Tokenization]:
    """Words separated by spaces, a paragraph break every 300 tokens, a sentence every 20."""
    words = ["the", "summit", "Putin", "pipeline", "partnership", "26%", "said", "."]
    pieces, starts, ends, spaces = [], [], [], []
    position = 0
    for i in range(n_tokens):
        word = "\n\n" if i % 300 == 299 else words[i % len(words)]
        space = word != "\n\n"
        starts.append(position)
        ends.append(position + len(word))
        spaces.append(space)
        pieces.append(word + " " * space)
        position += len(word) + space
    tokens = Tokenization(
        np.array(starts, dtype=np.int64),
        np.array(ends, dtype=np.int64),
        np.array(spaces, dtype=np.bool_),
        np.arange(0, n_tokens, 20, dtype=np.int64),
    )
    return "".join(pieces), tokens


@run
async def test_the_cursor_stays_visible_and_pages_move_a_screen() -> None:
    text, tokens = long_document(3_000)
    app = ViewApp(text, tokens)
    async with app.run_test(size=(60, 12)) as pilot:
        view = await started(pilot)
        for _ in range(30):
            await pilot.press("down")
        assert cursor_visible(view)
        assert view.scroll_offset.y > 0
        layout = view.line_layout
        assert layout is not None
        line = layout.locate(view.cursor)[0]
        await pilot.press("pagedown")
        assert cursor_visible(view)
        assert layout.locate(view.cursor)[0] - line >= view.scrollable_content_region.height - 2
        await pilot.press("ctrl+end")
        assert cursor_visible(view)
        await pilot.press("pageup", "ctrl+home")
        assert view.cursor == 0 and view.scroll_offset.y == 0


@run
async def test_resizing_rewraps_and_keeps_the_cursor_in_view() -> None:
    text, tokens = long_document(2_000)
    app = ViewApp(text, tokens)
    async with app.run_test(size=(80, 20)) as pilot:
        view = await started(pilot)
        layout = view.line_layout
        assert layout is not None
        view.move_cursor_to(600)
        await pilot.pause()
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        narrow = view.line_layout
        assert narrow is not None and narrow is not layout
        assert narrow.width == 40 - 1 - GUTTER_WIDTH  # the scroll bar takes one column
        assert narrow.line_count > layout.line_count
        assert view.cursor == 600
        assert cursor_visible(view)


@run
async def test_a_click_places_the_cursor_on_the_token_under_it() -> None:
    app = ViewApp(spans=SPANS)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        for word in ("Putin", "Analysts", "中文测试", "ends"):
            x, y = cell_of(view, at(word))
            await pilot.click(DocumentView, offset=(x + 1, y))
            assert view.cursor == at(word)
        _, y = cell_of(view, at("Kremlin"))
        await pilot.click(DocumentView, offset=(77, y))  # right of the line's end
        assert view.cursor == at(".", 1)
        await pilot.click(DocumentView, offset=(10, y + 1))  # the blank line
        assert view.cursor == at("Analysts")


@run
async def test_a_click_on_a_span_reports_the_innermost_span() -> None:
    app = ViewApp(spans=SPANS)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        await pilot.click(DocumentView, offset=cell_of(view, at("Putin")))
        await pilot.click(DocumentView, offset=cell_of(view, at("met")))
        await pilot.click(DocumentView, offset=cell_of(view, at("Analysts")))
        await pilot.pause()
        assert [value for kind, value in app.messages if kind == "span"] == [2, 1]


@run
async def test_dragging_selects() -> None:
    app = ViewApp(spans=SPANS)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        await pilot.mouse_down(DocumentView, offset=cell_of(view, at("met")))
        await pilot.hover(DocumentView, offset=cell_of(view, at("Putin")))
        await pilot.hover(DocumentView, offset=cell_of(view, at("Moscow")))
        await pilot.mouse_up(DocumentView, offset=cell_of(view, at("Moscow")))
        assert view.selection() == (at("met"), at("Moscow") + 1)
        assert view.cursor == at("Moscow")
        await pilot.pause()
        assert not [m for m in app.messages if m[0] == "span"]  # a drag is not a click


@run
async def test_spans_at_and_the_focused_span() -> None:
    app = ViewApp(spans=SPANS)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        assert [s.id for s in view.spans_at(at("Putin"))] == [2, 1]
        assert [s.id for s in view.spans_at(at("year"))] == [4, 3]  # same length: later start
        assert view.spans_at(at("Analysts")) == []
        view.move_cursor_to(at("Vladimir"))
        assert view.focused_span == SPANS[1]
        view.select_range(at("Trade"), at("rose") + 1)
        assert view.selection() == (at("Trade"), at("rose") + 1)
        assert view.focused_span == SPANS[2]


@run
async def test_remapped_keys_follow_the_keymap() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        app.set_keymap({"document-view.right": "ctrl+f", "document-view.select-sentence": "ctrl+s"})
        await pilot.press("ctrl+f")
        assert view.cursor == 1
        await pilot.press("ctrl+s")
        assert view.selection() == (0, at(".") + 1)


@run
async def test_a_key_on_100k_tokens_repaints_only_the_cursor_lines() -> None:
    text, tokens = long_document(100_000)
    spans = [
        SpanInfo(i, 1, 0, 0, start, start + 1 + i % 9, ("FACT", "QUOTE", "OPINION")[i % 3])
        for i, start in enumerate(range(7, 100_000, 100))
    ]
    app = ViewApp(text, tokens, spans)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        first = view.paint_count
        assert first <= 24  # one paint per visible line, not per document line
        for key in ("right", "right", "down", "shift+right", "shift+right", "left"):
            before = view.paint_count
            await pilot.press(key)
            await pilot.pause()
            assert view.paint_count - before <= 2, key
        before = view.paint_count
        view.set_spans([*spans, SpanInfo(99_999, 1, 0, 0, 3, 5, "FACT")])
        await pilot.pause()
        assert view.paint_count - before == 1  # only the line of the new span
        before = view.paint_count
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert view.paint_count - before <= 24  # a screen, not the document


@run
async def test_a_theme_change_repaints() -> None:
    app = ViewApp(spans=SPANS)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        before = view.paint_count
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        assert view.paint_count > before


@run
async def test_an_empty_document() -> None:
    app = ViewApp("", tokenize(""))
    async with app.run_test(size=(40, 10)) as pilot:
        view = await started(pilot)
        await pilot.press("right", "down", "shift+right", "full_stop", "pagedown")
        await pilot.click(DocumentView, offset=(5, 2))
        assert view.cursor == 0 and view.selection() is None


def snapshot_app() -> ViewApp:
    return ViewApp(spans=SPANS)


async def select_inside_spans(pilot: Pilot[None]) -> None:
    view = pilot.app.query_one(DocumentView)
    view.move_cursor_to(at("in"))
    await pilot.press("shift+left", "shift+left")


def test_snapshot_overlapping_spans_and_a_selection(snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(), terminal_size=(80, 24), run_before=select_inside_spans)


async def focus_a_nested_span(pilot: Pilot[None]) -> None:
    pilot.app.query_one(DocumentView).move_cursor_to(at("26"))
    await pilot.pause()


def test_snapshot_span_under_the_cursor(snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(), terminal_size=(80, 24), run_before=focus_a_nested_span)


def test_snapshot_narrow(snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(), terminal_size=(40, 24), press=["down", "down", "full_stop"])


@pytest.mark.parametrize("message", [DocumentView.CursorMoved, DocumentView.SpanClicked])
def test_messages_carry_the_view_as_control(message: type[Message]) -> None:
    view = DocumentView()
    made = message(view, 3)  # type: ignore[call-arg]
    assert made.control is view


@run
async def test_marks_are_drawn_apart_from_spans_and_repaint_only_their_lines() -> None:
    app = ViewApp(spans=SPANS)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        assert view.line_layout is not None
        line = view.line_layout.locate(at("Moscow"))[0]
        plain = list(view.render_line(line))

        def segment(strip: list[Any], word: str) -> Any:
            return next(seg for seg in strip if word in seg.text)

        before = view.paint_count
        view.set_marks([(at("Moscow"), at("Moscow") + 1)])
        await pilot.pause()
        assert view.paint_count - before == 1  # the marked line only
        marked = list(view.render_line(line))
        moscow = segment(marked, "Moscow")
        assert moscow.text == "Moscow" and moscow.style.italic and moscow.style.underline
        assert not segment(marked, "met").style.italic
        assert [s.id for s in view.spans_at(at("Moscow"))] == [1]  # a mark is not a span
        view.set_marks([])
        await pilot.pause()
        assert list(view.render_line(line)) == plain


@run
async def test_dropping_a_mark_repaints_its_line_and_keeps_an_equal_one() -> None:
    app = ViewApp(spans=SPANS)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        assert view.line_layout is not None
        line = view.line_layout.locate(at("Moscow"))[0]
        plain = list(view.render_line(line))
        moscow = (at("Moscow"), at("Moscow") + 1, "FACT")
        other = (at("Analysts"), at("Analysts") + 1, "OPINION")
        other_line = view.line_layout.locate(at("Analysts"))[0]
        assert other_line != line
        view.set_marks([moscow, moscow, other])  # two sources suggested the same span
        await pilot.pause()
        marked = list(view.render_line(line))
        assert marked != plain
        before = view.paint_count
        view.drop_marks([moscow])  # one decided: the other still marks the words
        await pilot.pause()
        assert list(view.render_line(line)) == marked
        view.drop_marks([moscow])
        await pilot.pause()
        assert list(view.render_line(line)) == plain
        assert view.paint_count - before <= 2  # Moscow's line, twice at most: not every line
        view.drop_marks([(0, 1, "FACT")])  # never marked: nothing happens
        await pilot.pause()
        analysts = next(s for s in view.render_line(other_line) if "Analysts" in s.text)
        assert analysts.style is not None and analysts.style.italic  # the remaining mark stays


@run
async def test_a_suggestion_is_drawn_in_its_label_colour_and_never_hides_a_span() -> None:
    app = ViewApp(spans=SPANS)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await started(pilot)
        layout = view.line_layout
        assert layout is not None

        def style(word: str) -> Any:
            strip = view.render_line(layout.locate(at(word))[0])
            return next(seg for seg in strip if word in seg.text).style

        putin_before, trade_before = style("Putin"), style("Trade")
        view.set_marks(
            [
                (at("Trade"), at("Trade") + 1, "OPINION"),  # over no span
                (at("Putin"), at("Putin") + 1, "FACT"),  # over the annotator's QUOTE span
                (at("Analysts"), at("Analysts") + 1),  # a plain mark, as review draws them
            ]
        )
        await pilot.pause()
        trade = style("Trade")
        assert trade.color.triplet.hex == COLORS["OPINION"]  # its label colour, as ink
        assert trade.italic and trade.underline
        assert trade.bgcolor == trade_before.bgcolor  # the background stays the article's
        putin = style("Putin")  # the span's own colours stay: a suggestion never hides it
        assert (putin.color, putin.bgcolor) == (putin_before.color, putin_before.bgcolor)
        assert putin.italic and not putin_before.italic  # (nested spans are underlined)
        analysts = style("Analysts")
        assert analysts.underline and analysts.color.triplet.hex != COLORS["OPINION"]
