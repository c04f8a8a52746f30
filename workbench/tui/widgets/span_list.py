"""The list of a document's spans: one line each, drawn with the line API, so a change costs the
same with ten spans or ten thousand.

It is a plain widget that keeps its own first row rather than a ScrollView: a ScrollView's
length is its virtual size, and changing that (every added or removed span) makes Textual lay
out the whole screen again, some 20 ms; here a change repaints the rows on screen and nothing
else. The border shows how many spans there are and which rows are on screen."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from workbench.scheme import Scheme
from workbench.session import excerpt
from workbench.store.records import SpanInfo

__all__ = ["LIST_EXCERPT", "STATUS_EXCERPT", "SpanList", "excerpt"]

LIST_EXCERPT = 26
"""Characters of span text on a line: with the label it fits the side panel."""
STATUS_EXCERPT = 40
"""Characters of span text quoted in the status line."""
TAG_WIDTH = 5
"""The label's first four letters and a space."""


class SpanList(Widget, can_focus=True):
    """Spans in document order, a highlighted row moved with the arrows (the owner acts on
    ``highlighted_span``, e.g. with its own enter key); a click reports the span
    (:class:`SpanList.Selected`). Only the rows on screen are drawn, and a
    row's text is made once per span, so replacing the spans after each key costs nothing
    more than the rows that changed."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"span-list--highlight"}
    DEFAULT_CSS = """
    SpanList {
        background: $surface;
        & > .span-list--highlight { background: $block-cursor-blurred-background; }
        &:focus > .span-list--highlight {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Previous span", show=False, id="span-list.up"),
        Binding("down", "move(1)", "Next span", show=False, id="span-list.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="span-list.page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="span-list.page-down"),
        Binding("home", "first", "First span", show=False, id="span-list.first"),
        Binding("end", "last", "Last span", show=False, id="span-list.last"),
    ]

    class Selected(Message):
        """A click on a row: go to this span."""

        def __init__(self, span_list: SpanList, row: Any) -> None:
            super().__init__()
            self.span_list = span_list
            """The list that posted it."""
            self.row = row
            """The chosen row (a span; the review list also has candidates)."""

        @property
        def control(self) -> SpanList:
            """The list that posted it."""
            return self.span_list

    def __init__(self, scheme: Scheme, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.scheme = scheme
        self._spans: tuple[Any, ...] = ()
        """The rows: spans (and, in the review list, candidates)."""
        self._text = ""
        self._highlighted: int | None = None
        self._top = 0
        """The span on the first row."""
        self._rows: LRUCache[Any, list[Segment]] = LRUCache(4096)
        self._styles: dict[str, Style] = {}
        self._base: dict[bool, tuple[Style, Style]] = {}
        """The row style and the highlighted row's, with and without the keys (resolving
        them walks the DOM)."""
        self._index_of: dict[Hashable, int] | None = None
        """Row key to row index, built when first asked for after the rows change."""

    @property
    def spans(self) -> tuple[Any, ...]:
        """The rows shown, in order."""
        return self._spans

    @property
    def highlighted(self) -> int | None:
        """The index of the highlighted row, or None."""
        return self._highlighted

    @property
    def highlighted_row(self) -> Any:
        """The row highlighted (a span, or a review candidate), or None."""
        index = self._highlighted
        return self._spans[index] if index is not None else None

    @property
    def highlighted_span(self) -> SpanInfo | None:
        """The span on the highlighted row, or None (also when it is not a span)."""
        row = self.highlighted_row
        return row if isinstance(row, SpanInfo) else None

    @staticmethod
    def row_key(row: Any) -> Hashable:
        """What identifies a row across changes (a span's id)."""
        return row.id if isinstance(row, SpanInfo) else row

    def set_spans(self, spans: tuple[Any, ...], text: str) -> None:
        """Show these spans (of a document with this text); the highlight stays on its span if
        that is still there, else on the row it was on."""
        if text != self._text:
            self._rows.clear()
            self._text = text
        current = self.highlighted_row
        self._spans, self._index_of = spans, None
        self.border_title = f"{len(spans)} span{'s' * (len(spans) != 1)}"
        if current is not None and not self._move_to_key(self.row_key(current)):
            # The span went: the highlight stays on its row (the next span), if any.
            self._highlighted = min(self._highlighted or 0, len(spans) - 1) if spans else None
        self._set_top(self._top)
        self.refresh()

    def highlight_span(self, row: Any) -> None:
        """Highlight this row (scrolling it into view), or none."""
        if row is None or not self._move_to_key(self.row_key(row)):
            self._set_highlight(None)

    def _move_to_key(self, key: Hashable) -> bool:
        if self._index_of is None:  # one pass per change of the rows, not one per lookup
            rows = self._spans
            # Built from the last row back, so that a key met twice keeps its first row.
            keys = map(self.row_key, reversed(rows))
            self._index_of = dict(zip(keys, range(len(rows) - 1, -1, -1), strict=True))
        index = self._index_of.get(key)
        if index is None:
            return False
        self._set_highlight(index)
        return True

    @property
    def _rows_shown(self) -> int:
        return max(self.content_region.height, 1)

    def _set_top(self, top: int) -> None:
        """Show rows from ``top`` (kept within the list); repaint all if it moved."""
        top = max(min(top, len(self._spans) - self._rows_shown), 0)
        shown = self._rows_shown
        self.border_subtitle = (
            f"{top + 1}-{min(top + shown, len(self._spans))}" if len(self._spans) > shown else None
        )
        if top != self._top:
            self._top = top
            self.refresh()

    def _set_highlight(self, index: int | None) -> None:
        old, self._highlighted = self._highlighted, index
        if old == index:
            return
        width = self.content_region.width
        for row in (old, index):
            if row is not None and 0 <= row - self._top < self._rows_shown:
                self.refresh(Region(0, row - self._top, width, 1))
        self._show_row(index)

    def _show_row(self, index: int | None) -> None:
        """Scroll just enough for row ``index`` to be on screen."""
        if index is None or self._top <= index < self._top + self._rows_shown:
            self._set_top(self._top)
        elif index < self._top:
            self._set_top(index)
        else:
            self._set_top(index - self._rows_shown + 1)

    # -- drawing -----------------------------------------------------------------------------

    def _row(self, span: Any) -> list[Segment]:
        segments = self._rows.get(span)
        if segments is None:
            segments = [
                Segment(f"{span.label[:4]:<4} ", self._label_style(span.label)),
                Segment(excerpt(self._text, span.start, span.end, LIST_EXCERPT)),
            ]
            self._rows.set(span, segments)
        return segments

    def _label_style(self, name: str) -> Style:
        """The claim type's colour, bold (cached until the styles change)."""
        style = self._styles.get(name)
        if style is None:
            label = self.scheme.get("claim_type", name)
            color = label.color if label is not None else ""
            style = self._styles[name] = Style.parse(f"bold {color}".strip())
        return style

    def render_line(self, y: int) -> Strip:
        index = self._top + y
        width = self.content_region.width
        styles = self._base.get(self.has_focus)
        if styles is None:
            plain = self.rich_style
            styles = plain, plain + self.get_component_rich_style("span-list--highlight")
            self._base[self.has_focus] = styles
        plain, highlighted = styles
        if index >= len(self._spans):
            return Strip.blank(width, plain)
        base = highlighted if index == self._highlighted else plain
        strip = Strip(self._row(self._spans[index])).apply_style(base)
        return strip.extend_cell_length(width, base).crop(0, width)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._base.clear()
        self._rows.clear()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._show_row(self._highlighted)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._set_top(self._top + 3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._set_top(self._top - 3)

    # -- keys and mouse ----------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        """Move the highlight by ``step`` rows (from the first or last when there is none)."""
        if not self._spans:
            return
        if self._highlighted is None:
            self._set_highlight(0 if step > 0 else len(self._spans) - 1)
        else:
            self._set_highlight(min(max(self._highlighted + step, 0), len(self._spans) - 1))

    def action_page(self, direction: int) -> None:
        """Move the highlight by a screenful."""
        self.action_move(direction * max(self.scrollable_content_region.height - 1, 1))

    def action_first(self) -> None:
        if self._spans:
            self._set_highlight(0)

    def action_last(self) -> None:
        if self._spans:
            self._set_highlight(len(self._spans) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self._top + offset.y
        if 0 <= index < len(self._spans):
            self._set_highlight(index)
            self.post_message(self.Selected(self, self._spans[index]))
