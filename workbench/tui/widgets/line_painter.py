"""Painting one visual line of a document: tokens, spans, selection and cursor as a Strip."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.strip import Strip

from workbench.store.records import SpanInfo
from workbench.tui.layout import LineLayout, display_text
from workbench.tui.span_index import SpanIndex, innermost_of

GUTTER_WIDTH = 3
"""Cells left of the text: tags of the spans that start on a line, then a space."""

TAG_CELLS = GUTTER_WIDTH - 1

MORE_MARK = "+"
"""Drawn in the last gutter cell when more spans start on a line than there are cells."""
FALLBACK_COLOR = "#888888"
"""Drawn for a label missing from the colour mapping, so an unknown label still shows."""

DIM = 0.35
"""How far the colour of a span not under the cursor fades toward the background: the span
under the cursor then stands out at full strength without a border to draw."""


class Look(NamedTuple):
    """What decides a cell's style; equal looks share one cached rich ``Style``."""

    label: str | None = None
    """Label of the innermost span over the cell."""
    strong: bool = False
    """The innermost span is the span under the cursor (full colour)."""
    nested: bool = False
    """More than one span covers the cell."""
    focus: bool = False
    """The span under the cursor covers the cell."""
    selected: bool = False
    """The cell is in the selection."""
    cursor: bool = False
    """The cell is the cursor token."""
    marked: bool = False
    """A marked range covers the cell (spans shown apart from the labelled ones, e.g. the
    spans annotators marked that a gold annotation lacks)."""
    suggested: str | None = None
    """Label of the innermost suggestion over the cell: its colour as ink (over no span) and
    the suggestion look, so a suggestion never hides a span of the annotator's own."""


@dataclass(frozen=True)
class LineState:
    """The widget state a line's paint depends on."""

    cursor: int
    selection: tuple[int, int] | None
    focus: SpanInfo | None


class LinePainter:
    """Paints lines from a layout, the spans and the state. Styles come from the widget through
    callables (its component classes, its own style, its background colour) and are cached
    until :meth:`clear_styles`."""

    def __init__(
        self,
        component: Callable[[str], Style],
        base: Callable[[], Style],
        background: Callable[[], Color],
    ) -> None:
        self._component = component
        self._base = base
        self._background = background
        self._looks: dict[Look, Style] = {}
        self._labels: dict[tuple[str, bool | None], Style] = {}
        self._base_style: Style | None = None
        self._gutter_style: Style | None = None
        self._tags: dict[str, Style] = {}
        self.colors: dict[str, str] = {}
        """Label name to colour (anything Textual parses)."""

    def clear_styles(self) -> None:
        """Forget cached styles (after a theme, CSS or colour change)."""
        self._looks.clear()
        self._labels.clear()
        self._tags.clear()
        self._base_style = self._gutter_style = None

    def base(self) -> Style:
        """The widget's own style (its colour and background), cached: computing it walks
        the DOM."""
        if self._base_style is None:
            self._base_style = self._base()
        return self._base_style

    def set_colors(self, colors: Mapping[str, str]) -> None:
        """Replace the label colours."""
        self.colors = dict(colors)
        self.clear_styles()

    def _label_style(self, label: str, strong: bool) -> Style:
        key = (label, strong)
        style = self._labels.get(key)
        if style is None:
            try:
                color = Color.parse(self.colors.get(label, FALLBACK_COLOR))
            except Exception:  # a bad colour must not break drawing; the scheme validates them
                color = Color.parse(FALLBACK_COLOR)
            if not strong:
                color = color.blend(self._background(), DIM)
            ink = Color(16, 16, 16) if color.brightness > 0.55 else Color(240, 240, 240)
            style = Style(color=ink.rich_color, bgcolor=color.rich_color)
            self._labels[key] = style
        return style

    def _tag_style(self, label: str) -> Style:
        """A span's gutter tag: its label's colour, then the tag look (resolving a component
        class walks the DOM, so it is done once per label)."""
        style = self._tags.get(label)
        if style is None:
            style = self._label_style(label, True) + self._component("document-view--tag")
            self._tags[label] = style
        return style

    def _ink_style(self, label: str) -> Style:
        """A label's colour as ink (a suggestion over no span: the text keeps its background)."""
        key = (label, None)
        style = self._labels.get(key)
        if style is None:
            try:
                color = Color.parse(self.colors.get(label, FALLBACK_COLOR))
            except Exception:  # as in _label_style: a bad colour must not break drawing
                color = Color.parse(FALLBACK_COLOR)
            style = self._labels[key] = Style(color=color.rich_color)
        return style

    def style(self, look: Look) -> Style:
        """The rich style of a look: base, then label colour, then component classes."""
        style = self._looks.get(look)
        if style is None:
            style = self.base()
            if look.label is not None:
                # A selection replaces the span colour, so the label's ink would lose contrast.
                if not look.selected:
                    style += self._label_style(look.label, look.strong)
                style += self._component("document-view--span")
            if look.nested:
                style += self._component("document-view--span-nested")
            if look.focus:
                style += self._component("document-view--span-focus")
            if look.marked:
                style += self._component("document-view--mark")
            if look.suggested is not None:
                if look.label is None and not look.selected:
                    style += self._ink_style(look.suggested)
                style += self._component("document-view--suggestion")
            if look.selected:
                style += self._component("document-view--selection")
            if look.cursor:
                style += self._component("document-view--cursor")
            self._looks[look] = style
        return style

    def _gutter(
        self, layout: LineLayout, spans: SpanIndex, line: int, first: int, stop: int
    ) -> list[Segment]:
        """A tag for each span starting on the line: its label's initial on its colour, so
        overlapping spans can be told apart without relying on colour alone."""
        if self._gutter_style is None:
            self._gutter_style = self.base() + self._component("document-view--gutter")
        gutter = self._gutter_style
        if layout.locate(first)[0] != line:
            first += 1  # the line continues a token cut across lines; its spans started above
        starting = spans.starting_in(first, stop)
        segments: list[Segment] = []
        for span in starting[:TAG_CELLS]:
            if len(segments) == TAG_CELLS - 1 and len(starting) > TAG_CELLS:
                segments.append(Segment(MORE_MARK, gutter))
                break
            segments.append(Segment(span.label[:1] or " ", self._tag_style(span.label)))
        if len(segments) < GUTTER_WIDTH:
            segments.append(Segment(" " * (GUTTER_WIDTH - len(segments)), gutter))
        return segments

    def paint(
        self,
        text: str,
        layout: LineLayout,
        spans: SpanIndex,
        state: LineState,
        line: int,
        width: int,
        marks: SpanIndex | None = None,
    ) -> Strip:
        """Line ``line`` as a strip exactly ``width`` cells wide (gutter included);
        ``marks``: ranges drawn apart from the spans: with the mark look where their label
        is empty, else as suggestions of that label."""
        base = self.base()
        fragments = layout.line_fragments(line)
        if not fragments:
            return Strip([Segment(" " * width, base)], width)
        first, stop = fragments[0].token, fragments[-1].token + 1
        segments = self._gutter(layout, spans, line, first, stop)
        # Cells of one look are drawn as one segment (styles are cached per look, so "the same
        # style" is "the same object"): a line is a handful of segments rather than one per
        # word and gap, which is less work for the compositor and the terminal.
        run: list[str] = []
        run_style: Style | None = None

        def draw(shown: str, style: Style) -> None:
            nonlocal run_style
            if style is not run_style:
                if run:
                    segments.append(Segment("".join(run), run_style))
                    run.clear()
                run_style = style
            run.append(shown)

        over = spans.overlapping(first, stop)
        marked_over = marks.overlapping(first, stop) if marks is not None else []
        selection, focus = state.selection, state.focus
        sel_start, sel_stop = selection if selection is not None else (0, 0)
        cells = 0
        previous = -1
        for fragment in fragments:
            token = fragment.token
            covering = [s for s in over if s.token_start <= token < s.token_end]
            inner = innermost_of(covering)
            in_focus = focus is not None and focus.token_start <= token < focus.token_end
            if fragment.x > cells:
                # The whitespace between two tokens takes the look the two have in common, so
                # a span reads as one block and two adjacent spans stay apart.
                both = [s for s in covering if s.token_start <= previous]
                shared = innermost_of(both)
                gap = Look(
                    label=shared.label if shared else None,
                    strong=shared is not None and shared == focus,
                    nested=len(both) > 1,
                    focus=in_focus and focus is not None and focus.token_start <= previous,
                    selected=sel_start <= previous and token < sel_stop,
                    **_marking(
                        [m for m in marked_over if m.token_start <= previous < m.token_end]
                        if marked_over
                        else marked_over,
                        token,
                    ),
                )
                draw(" " * (fragment.x - cells), self.style(gap))
                cells = fragment.x
            look = Look(
                label=inner.label if inner else None,
                strong=inner is not None and inner == focus,
                nested=len(covering) > 1,
                focus=in_focus,
                selected=sel_start <= token < sel_stop,
                cursor=token == state.cursor,
                **_marking(marked_over, token),
            )
            shown = display_text(text[fragment.start : fragment.end])
            drawn = fragment.width
            if not drawn and look.cursor:
                shown, drawn = " ", 1  # a zero-width token (a line break) still shows the cursor
            draw(shown, self.style(look))
            cells += drawn
            previous = token
        used = GUTTER_WIDTH + cells
        if used < width:
            draw(" " * (width - used), base)
        if run:
            segments.append(Segment("".join(run), run_style))
        strip = Strip(segments, max(used, width))
        return strip.crop(0, width) if used > width else strip


def _marking(marks: list[SpanInfo], token: int) -> dict[str, Any]:
    """The mark fields of a cell's look: whether a plain mark covers ``token``, and the label
    of the innermost suggestion over it."""
    if not marks:
        return _UNMARKED
    over = [m for m in marks if m.token_start <= token < m.token_end]
    if not over:
        return _UNMARKED
    inner = innermost_of([m for m in over if m.label])
    return {
        "marked": any(not m.label for m in over),
        "suggested": inner.label if inner is not None else None,
    }


_UNMARKED: dict[str, Any] = {}
