"""The document canvas: a line-API widget that draws only visible lines, with a token cursor."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.nlp import Tokenization
from workbench.store.records import SpanInfo
from workbench.tui.layout import LineLayout, TokenMetrics
from workbench.tui.motion import VERTICAL, Motion, changed_ranges, land, sentence_around
from workbench.tui.span_index import SpanIndex
from workbench.tui.widgets.line_painter import GUTTER_WIDTH, LinePainter, LineState

_MOTIONS: list[tuple[str, str, str, str]] = [
    # (motion, key, key that extends the selection, description)
    ("left", "left", "shift+left", "Previous token"),
    ("right", "right", "shift+right", "Next token"),
    ("up", "up", "shift+up", "Line up"),
    ("down", "down", "shift+down", "Line down"),
    (
        "sentence-previous",
        "ctrl+left,left_square_bracket",
        "ctrl+shift+left,left_curly_bracket",
        "Previous sentence",
    ),
    (
        "sentence-next",
        "ctrl+right,right_square_bracket",
        "ctrl+shift+right,right_curly_bracket",
        "Next sentence",
    ),
    ("page-up", "pageup", "shift+pageup", "Page up"),
    ("page-down", "pagedown", "shift+pagedown", "Page down"),
    ("line-start", "home", "shift+home", "Line start"),
    ("line-end", "end", "shift+end", "Line end"),
    ("start", "ctrl+home", "ctrl+shift+home", "Document start"),
    ("end", "ctrl+end", "ctrl+shift+end", "Document end"),
]
# Only non-letter keys: digits and letters belong to the scheme's label hotkeys.

_CACHE_LINES = 1024
_REPAINT_ALL_OVER = 250
"""Changed spans beyond which repainting the screen beats invalidating each one (a screen
is some 30 lines at ~0.3 ms; an invalidation ~35 us)."""


class DocumentView(ScrollView, can_focus=True, inherit_bindings=False):
    """A tokenized document, wrapped to the widget's width, with its spans drawn in their
    label colours, a token cursor and a token selection.

    The owner (a screen) sets the state with :meth:`set_document`, :meth:`set_spans`,
    :meth:`set_colors` and :meth:`move_cursor_to`; the view reports what the user does with
    messages and never touches the database. Each key press re-paints only the lines whose
    look changed; everything else comes from a cache of painted lines.
    """

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "document-view--cursor",
        "document-view--selection",
        "document-view--span",
        "document-view--span-nested",
        "document-view--span-focus",
        "document-view--gutter",
        "document-view--tag",
        "document-view--mark",
        "document-view--suggestion",
    }
    """Looks layered over the label colours (only what they set is used), except the
    selection, which replaces them."""

    DEFAULT_CSS = """
    DocumentView {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
        & > .document-view--cursor { text-style: reverse bold; }
        & > .document-view--selection { background: $primary 60%; color: $text; }
        & > .document-view--span-nested { text-style: underline; }
        & > .document-view--span-focus { text-style: bold; }
        & > .document-view--gutter { background: $surface; }
        & > .document-view--tag { text-style: bold; }
        & > .document-view--mark { color: $text-warning; text-style: italic underline; }
        & > .document-view--suggestion { text-style: italic underline; }
    }
    """
    # overflow-y is "scroll", not "auto": a scroll bar that came and went with the length
    # would change the width, and with it the wrap, the length and the scroll bar again.

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"move('{motion}')", text, show=False, id=f"document-view.{motion}")
            for motion, key, _, text in _MOTIONS
        ),
        *(
            Binding(
                key,
                f"move('{motion}', True)",
                f"Select: {text.lower()}",
                show=False,
                id=f"document-view.select-{motion}",
            )
            for motion, _, key, text in _MOTIONS
        ),
        Binding(
            "full_stop",
            "select_sentence",
            "Select sentence",
            show=False,  # the help lists it; the footer keeps room for the screen's keys
            id="document-view.select-sentence",
        ),
        Binding(
            "escape",
            "clear_selection",
            "Clear selection",
            show=False,
            id="document-view.clear-selection",
        ),
    ]
    """Movement (left/right a token, up/down a line keeping the column, ctrl+left/right or
    ``[``/``]`` a sentence, page, line and document ends), the same with shift to extend the
    selection, ``.`` to select the sentence, escape to clear. Ids start ``document-view.``."""

    class CursorMoved(Message):
        """The cursor moved to another token."""

        def __init__(self, document_view: DocumentView, token: int) -> None:
            super().__init__()
            self.document_view = document_view
            """The view that posted it."""
            self.token = token
            """The token under the cursor."""

        @property
        def control(self) -> DocumentView:
            """The view that posted it."""
            return self.document_view

    class SelectionChanged(Message):
        """The selection changed; ``selection`` is ``(start, end)`` tokens, end exclusive, or
        None when it was cleared."""

        def __init__(self, document_view: DocumentView, selection: tuple[int, int] | None) -> None:
            super().__init__()
            self.document_view = document_view
            """The view that posted it."""
            self.selection = selection
            """The selected tokens, end exclusive, or None."""

        @property
        def control(self) -> DocumentView:
            """The view that posted it."""
            return self.document_view

    class SpanClicked(Message):
        """A span was clicked (without dragging): the innermost span under the pointer."""

        def __init__(self, document_view: DocumentView, span_id: int) -> None:
            super().__init__()
            self.document_view = document_view
            """The view that posted it."""
            self.span_id = span_id
            """The id of the clicked span."""

        @property
        def control(self) -> DocumentView:
            """The view that posted it."""
            return self.document_view

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._text = ""
        self._tokens: Tokenization | None = None
        self._metrics: TokenMetrics | None = None
        self._layout: LineLayout | None = None
        self._render_width = 0
        self._spans = SpanIndex()
        self._marks: SpanIndex | None = None
        self._mark_cache: dict[tuple[int, int, str], SpanInfo] = {}
        self._pinned: int | None = None
        """The id of a span given the focus by :meth:`focus_span` (tab): it keeps it over
        a span nested inside it, until the cursor moves."""
        self._cursor = 0
        self._anchor: int | None = None
        self._focus: SpanInfo | None = None
        self._goal_x: int | None = None
        """The column up/down keep: the cursor's column when the vertical run began."""
        self._drag_origin: int | None = None
        self._dragged = False
        self._lines: LRUCache[int, Strip] = LRUCache(_CACHE_LINES)
        self._painter = LinePainter(
            self._component_style, lambda: self.rich_style, lambda: self.background_colors[1]
        )
        self.paint_count = 0
        """Lines painted so far (cache misses), for tests and benchmarks."""

    # -- state set by the owner ------------------------------------------------------------

    def set_document(self, text: str, tokens: Tokenization) -> None:
        """Show another document: measure and wrap it, put the cursor on its first word, clear
        the selection and the spans."""
        self._text, self._tokens = text, tokens
        self._metrics = TokenMetrics.measure(text, tokens)
        self._layout = None
        self._spans = SpanIndex()
        self._marks = None
        self._mark_cache = {}
        self._pinned = None
        self._focus = None
        old_selection = self.selection()
        self._anchor, self._goal_x = None, None
        self._cursor = self._metrics.next_visible(0) or 0
        self._lines.clear()
        self._rewrap()
        if self.is_mounted:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()
        if len(tokens):
            self.post_message(self.CursorMoved(self, self._cursor))
        if old_selection is not None:
            self.post_message(self.SelectionChanged(self, None))

    def set_spans(self, spans: Iterable[SpanInfo]) -> None:
        """Replace the spans; only the lines of spans that were added, removed or changed are
        re-painted."""
        self._spans, changed = self._spans.replaced(spans)
        self._repaint(changed)
        self._refocus()

    def set_marks(self, ranges: Iterable[tuple[int, int] | tuple[int, int, str]]) -> None:
        """Mark token ranges ``(start, end)`` apart from the spans (the mark look: underlined,
        in the warning colour), or ``(start, end, label)``: a suggestion of that label (its
        colour as ink and the suggestion look). Marks are not spans: no tag, no focus. Lines
        are re-painted as for :meth:`set_spans`: only where marks came or went."""
        old = self._marks or SpanIndex()
        marks = []
        for start, end, *label in ranges:
            key = (start, end, label[0] if label else "")
            mark = self._mark_cache.get(key)
            if mark is None:  # the same object for the same mark: unchanged marks stay put
                mark = SpanInfo(-1 - len(self._mark_cache), 0, 0, 0, start, end, key[2])
                self._mark_cache[key] = mark
            marks.append(mark)
        self._marks = SpanIndex(marks)
        self._repaint(self._marks.changed(old))

    @property
    def marks(self) -> list[tuple[int, int, str]]:
        """The marks drawn, by position: ``(token_start, token_end, label)`` (label "" for a
        plain mark)."""
        return [(m.token_start, m.token_end, m.label) for m in (self._marks or SpanIndex()).spans]

    def drop_marks(self, ranges: Iterable[tuple[int, int] | tuple[int, int, str]]) -> None:
        """Take these marks away (one each, as given to :meth:`set_marks`), repainting only
        their lines: what deciding a suggestion does, without going over the thousand left."""
        old = self._marks or SpanIndex()
        gone = []
        for start, end, *label in ranges:
            mark = self._mark_cache.get((start, end, label[0] if label else ""))
            if mark is not None:
                gone.append(mark)
        self._marks = old.without(gone)
        self._repaint(gone)

    def _repaint(self, changed: list[SpanInfo]) -> None:
        if len(changed) > _REPAINT_ALL_OVER:
            self._clear_lines()  # e.g. the first load: cheaper than a thousand small ranges
        else:
            for span in changed:
                self._invalidate_tokens(span.token_start, span.token_end)

    def set_colors(self, colors: Mapping[str, str]) -> None:
        """Set the label colours (label name to any colour Textual parses); repaints all."""
        self._painter.set_colors(colors)
        self._clear_lines()

    def selection(self) -> tuple[int, int] | None:
        """The selected tokens ``(start, end)``, end exclusive, or None."""
        if self._anchor is None:
            return None
        return min(self._anchor, self._cursor), max(self._anchor, self._cursor) + 1

    @property
    def cursor(self) -> int:
        """The token under the cursor."""
        return self._cursor

    @property
    def focused_span(self) -> SpanInfo | None:
        """The innermost span under the cursor, or None."""
        return self._focus

    @property
    def line_layout(self) -> LineLayout | None:
        """The current wrap (None until the widget has a size and a document)."""
        return self._layout

    def move_cursor_to(self, token: int) -> None:
        """Put the cursor on ``token`` (clamped to the document) and clear the selection."""
        self._update(token, None)

    def focus_span(self, span: SpanInfo) -> None:
        """Put the cursor on the first token of ``span`` and give that span the focus, even if
        another span nested in it starts there too (tab reaches every span)."""
        self._update(span.token_start, None)
        if self._spans.get(span.id) is not None:
            self._pinned = span.id
            self._refocus()

    def select_range(self, start: int, end: int) -> None:
        """Select tokens ``start`` up to ``end`` (exclusive), the cursor on the last."""
        if end <= start:
            raise ValueError(f"empty token range {start}:{end}")
        self._update(end - 1, start)

    def spans_at(self, token: int) -> list[SpanInfo]:
        """The spans covering ``token``, innermost first."""
        return self._spans.at(token)

    # -- drawing ---------------------------------------------------------------------------

    def _component_style(self, name: str) -> Style:
        # The selection replaces the colours under it, so its style is resolved whole (alpha
        # and "auto" colours blended over the background); the other looks layer over the
        # label colours, so only what they set is taken.
        return self.get_component_rich_style(name, partial=name != "document-view--selection")

    def render_line(self, y: int) -> Strip:
        """The strip for row ``y`` of the view: painted once, then served from the cache."""
        line = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if self._layout is None and self._metrics is not None:
            # The first frame since the document was set before the view had a size: wrap
            # now, so that this frame shows the text rather than the next one.
            self._rewrap()
        layout = self._layout
        if layout is None or line >= layout.line_count:
            return Strip.blank(width, self._painter.base())
        strip = self._lines.get(line)
        if strip is None:
            self.paint_count += 1
            state = LineState(self._cursor, self.selection(), self._focus)
            strip = self._painter.paint(
                self._text, layout, self._spans, state, line, self._render_width, self._marks
            )
            self._lines.set(line, strip)
        if strip.cell_length != width:  # resized, and the re-wrap has not run yet
            strip = strip.adjust_cell_length(width, self._painter.base())
        return strip

    def notify_style_update(self) -> None:
        """Styles changed (CSS, theme, focus): forget every painted line."""
        super().notify_style_update()
        self._painter.clear_styles()
        self._clear_lines()

    def _clear_lines(self) -> None:
        self._lines.clear()
        self.refresh()

    def _theme_changed(self) -> None:
        self._painter.clear_styles()
        self._clear_lines()

    def on_mount(self) -> None:
        """Follow the app's theme, which restyles the component classes."""
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def on_resize(self, event: events.Resize) -> None:
        """Re-wrap when the width changed; keep the cursor in view."""
        self._rewrap()
        self._scroll_to_cursor()

    def _rewrap(self) -> None:
        width = self.scrollable_content_region.width
        if self._metrics is None or width <= 0:
            return
        if self._layout is not None and width == self._render_width:
            return
        self._render_width = width
        self._layout = self._metrics.wrap(width - GUTTER_WIDTH)
        self._lines.clear()
        self.virtual_size = Size(width, self._layout.line_count)
        self.refresh()
        self._scroll_to_cursor()

    def _invalidate_lines(self, first: int, stop: int) -> None:
        if first >= stop:
            return
        if stop - first <= 64:
            for line in range(first, stop):
                self._lines.discard(line)
        else:
            # A large range (a long selection): scanning the cache is cheaper than the range.
            cached = list(self._lines.keys())
            for line in cached:
                if first <= line < stop:
                    self._lines.discard(line)
        top = self.scroll_offset.y
        first, stop = max(first, top), min(stop, top + self.scrollable_content_region.height)
        if first < stop:
            self.refresh_lines(first, stop - first)

    def _invalidate_tokens(self, start: int, stop: int) -> None:
        if self._layout is not None and start < stop:
            count = self._layout.token_count
            self._invalidate_lines(*self._layout.range_lines(max(start, 0), min(stop, count)))

    def _refocus(self) -> None:
        """Re-find the span under the cursor; re-paint both spans if it changed."""
        pinned = self._spans.get(self._pinned) if self._pinned is not None else None
        if pinned is not None and pinned.token_start <= self._cursor < pinned.token_end:
            focus: SpanInfo | None = pinned
        else:
            self._pinned = None
            focus = self._spans.innermost(self._cursor) if self._metrics else None
        if focus != self._focus:
            for span in (self._focus, focus):
                if span is not None:
                    self._invalidate_tokens(span.token_start, span.token_end)
            self._focus = focus

    # -- cursor and selection --------------------------------------------------------------

    def _update(self, cursor: int, anchor: int | None) -> None:
        """Move the cursor and the selection anchor; re-paint what changed; report it."""
        if self._metrics is None or not len(self._metrics):
            return
        last = len(self._metrics) - 1
        cursor = min(max(cursor, 0), last)
        anchor = None if anchor is None else min(max(anchor, 0), last)
        old_cursor, old_selection = self._cursor, self.selection()
        self._cursor, self._anchor, self._goal_x = cursor, anchor, None
        if cursor != old_cursor:
            self._pinned = None
        selection = self.selection()
        self._invalidate_tokens(old_cursor, old_cursor + 1)
        self._invalidate_tokens(cursor, cursor + 1)
        for start, stop in changed_ranges(old_selection, selection):
            self._invalidate_tokens(start, stop)
        self._refocus()
        self._scroll_to_cursor()
        if cursor != old_cursor:
            self.post_message(self.CursorMoved(self, cursor))
        if selection != old_selection:
            self.post_message(self.SelectionChanged(self, selection))

    def _scroll_to_cursor(self) -> None:
        if self._layout is None or self._layout.token_count == 0:
            return
        line, x_start, x_end = self._layout.locate(self._cursor)
        region = Region(GUTTER_WIDTH + x_start, line, max(x_end - x_start, 1), 1)
        self.scroll_to_region(region, animate=False, immediate=True, x_axis=False)

    def action_move(self, motion: Motion, extend: bool = False) -> None:
        """Move the cursor by ``motion`` (see ``BINDINGS``); with ``extend``, grow the
        selection from its anchor (the cursor, when nothing was selected)."""
        if self._metrics is None:
            return
        page = max(self.scrollable_content_region.height - 1, 1)
        if motion == "page-up" or motion == "page-down":
            # The view moves by the same page, so the cursor keeps its place on screen.
            step = page if motion == "page-down" else -page
            self.scroll_to(y=self.scroll_offset.y + step, animate=False, immediate=True)
        target, goal_x = land(motion, self._cursor, self._metrics, self._layout, self._goal_x, page)
        if target is None:
            return
        anchor = (self._cursor if self._anchor is None else self._anchor) if extend else None
        self._update(target, anchor)
        self._goal_x = goal_x if motion in VERTICAL else None

    def action_select_sentence(self) -> None:
        """Select the sentence under the cursor (without leading or trailing whitespace)."""
        if self._metrics is not None and len(self._metrics):
            start, end = sentence_around(self._cursor, self._metrics)
            self._update(end, start)

    def action_clear_selection(self) -> None:
        """Clear the selection; with none, let the key go on to the screen."""
        if self._anchor is None:
            raise SkipAction()
        self._update(self._cursor, None)

    # -- mouse -----------------------------------------------------------------------------

    def _token_at_pointer(self, event: events.MouseEvent) -> int | None:
        """The word under the pointer; on whitespace (a line's end, a blank line), the
        nearest word of that line, else the next word."""
        layout, metrics = self._layout, self._metrics
        if layout is None or metrics is None:
            return None
        offset = event.get_content_offset_capture(self)
        line = min(max(self.scroll_offset.y + offset.y, 0), layout.line_count - 1)
        token = layout.token_at(offset.x - GUTTER_WIDTH, line)
        if token is None or not metrics.space[token]:
            return token
        first = layout.line_tokens(line)[0]
        before, after = metrics.previous_visible(token), metrics.next_visible(token)
        if before is not None and before >= first:
            return before
        if after is not None:
            return after  # on this line, or the line has none: the next paragraph's first
        return before if before is not None else token

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Place the cursor (shift: extend the selection) and start a drag."""
        if event.button != 1 or event.get_content_offset(self) is None:
            return
        token = self._token_at_pointer(event)
        if token is None:
            return
        self.focus()
        anchor = (self._cursor if self._anchor is None else self._anchor) if event.shift else None
        self._update(token, anchor)
        self._drag_origin, self._dragged = token, False
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """While dragging, select from where the drag began to the token under the pointer."""
        if self._drag_origin is None:
            return
        token = self._token_at_pointer(event)
        if token is not None and (token != self._drag_origin or self._dragged):
            self._dragged = True
            self._update(token, self._drag_origin)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        """End a drag; a click without one on a span reports the span."""
        origin, dragged = self._drag_origin, self._dragged
        self._drag_origin, self._dragged = None, False
        self.release_mouse()
        if origin is None or dragged or event.shift:
            return
        inner = self._spans.innermost(origin)
        if inner is not None:
            self.post_message(self.SpanClicked(self, inner.id))
