"""The span list on its own: rows, highlight, keeping the highlighted row on screen, the mouse."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult

from workbench.scheme import default_scheme
from workbench.store.records import SpanInfo
from workbench.tui.widgets.span_list import SpanList, excerpt

WORDS = [f"word{i:03d}" for i in range(300)]
TEXT = " ".join(WORDS)


def spans(count: int, first_id: int = 1) -> tuple[SpanInfo, ...]:
    """``count`` one-word FACT spans over the first words of TEXT."""
    result = []
    for i in range(count):
        start = TEXT.index(WORDS[i])
        result.append(SpanInfo(first_id + i, 1, start, start + len(WORDS[i]), i, i + 1, "FACT"))
    return tuple(result)


def test_excerpt_keeps_both_ends_of_a_long_span_on_one_line() -> None:
    text = "Said:\n\n  the minister   announced a new tariff on steel imports from March."
    start = text.index("the")
    assert excerpt(text, start, start + 12, 40) == "the minister"  # short: whitespace folded
    shown = excerpt(text, 0, len(text), 21)
    assert shown == "Said: the…rom March."  # no space beside the ellipsis
    assert len(shown) <= 21 and "\n" not in shown


class ListApp(App[None]):
    CSS = "SpanList { height: 12; border: tall $border; }"

    def compose(self) -> ComposeResult:
        yield SpanList(default_scheme(), id="spans")


def row_texts(span_list: SpanList) -> list[str]:
    return [span_list.render_line(y).text.rstrip() for y in range(span_list.content_region.height)]


async def test_rows_highlight_and_scrolling_with_the_highlight() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        span_list = app.query_one(SpanList)
        span_list.set_spans(spans(100), TEXT)
        span_list.focus()
        await pilot.pause()
        shown = span_list.content_region.height
        assert shown == 10
        assert row_texts(span_list)[:2] == ["FACT word000", "FACT word001"]
        assert span_list.border_title == "100 spans"
        assert span_list.border_subtitle == "1-10"
        await pilot.press("down")  # nothing highlighted yet: the first row
        assert span_list.highlighted == 0
        await pilot.press(*["down"] * 12)
        assert span_list.highlighted == 12
        assert row_texts(span_list)[-1] == "FACT word012"  # scrolled just enough
        assert span_list.border_subtitle == "4-13"
        await pilot.press("end")
        assert row_texts(span_list)[-1] == "FACT word099"
        await pilot.press("home", "pagedown")
        assert span_list.highlighted == shown - 1


async def test_the_highlight_stays_on_its_span_through_changes() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        span_list = app.query_one(SpanList)
        span_list.set_spans(spans(50), TEXT)
        span_list.highlight_span(30)
        await pilot.pause()
        assert span_list.highlighted_span is not None and span_list.highlighted_span.id == 30
        fewer = spans(50)[10:]  # ten spans before it go
        span_list.set_spans(fewer, TEXT)
        assert span_list.highlighted_span is not None and span_list.highlighted_span.id == 30
        without = tuple(s for s in fewer if s.id != 30)  # the span itself goes
        span_list.set_spans(without, TEXT)
        assert span_list.highlighted_span is not None and span_list.highlighted_span.id == 31
        span_list.set_spans((), TEXT)
        assert span_list.highlighted_row is None and span_list.border_title == "0 spans"


async def test_wheel_scrolls_and_a_click_reports_the_span() -> None:
    picked: list[int] = []

    class Recording(ListApp):
        def on_span_list_selected(self, message: SpanList.Selected) -> None:
            picked.append(message.row.id)

    app = Recording()
    async with app.run_test(size=(60, 20)) as pilot:
        span_list = app.query_one(SpanList)
        span_list.set_spans(spans(100), TEXT)
        await pilot.pause()
        x, y = span_list.region.x + 3, span_list.region.y + 3
        span_list.post_message(
            events.MouseScrollDown(span_list, 3, 3, 0, 1, 0, False, False, False, x, y)
        )
        await pilot.pause()
        first_row = row_texts(span_list)[0]
        assert first_row != "FACT word000"
        top = int(first_row.split("word")[1])
        await pilot.click(SpanList, offset=(3, 3))  # border, then the third row on screen
        await pilot.pause()
        assert picked == [top + 2 + 1]  # ids start at 1
        assert span_list.highlighted == top + 2
