"""For reviewers: every pair behind one cell of a confusion matrix; enter compares at the span."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from workbench.agreement.disagreements import (
    ConfusionCells,
    Label,
    MarkedSpan,
    SpanDisagreement,
    StanceDisagreement,
    with_texts,
)
from workbench.store import Store
from workbench.tui.failures import ShowsWorkerErrors
from workbench.tui.screens.compare import CompareScreen
from workbench.tui.screens.parts import TABLE_KEYS_BUT_ENTER

Pair = SpanDisagreement | StanceDisagreement
MIN_SAID = 16
"""Cells of what one side said, at least (longer texts end in an ellipsis)."""
LIST_LIMIT = 2_000
"""Pairs listed at most: a cell of a large corpus holds a hundred thousand (the diagonal)."""


class _Pairs(DataTable[Text], inherit_bindings=False):
    """The pairs: a table whose enter is the screen's (compare), shown in the footer."""

    BINDINGS: ClassVar[list[BindingType]] = TABLE_KEYS_BUT_ENTER


class DisagreementsScreen(ShowsWorkerErrors, Screen[None]):
    """The pairs behind one confusion cell: document, the two annotators and what each said."""

    HELP_INTRO = (
        "Every pair behind the chosen cell of the confusion matrix: the document, the two "
        "annotators, and the two spans (or stances). Enter compares the two annotators side "
        "by side at that span."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "compare", "Compare here", id="disagreements.compare"),
        Binding("q,escape", "back", "Back", id="disagreements.back"),
    ]

    def __init__(
        self,
        store: Store,
        title: str,
        cells: ConfusionCells[SpanDisagreement] | ConfusionCells[StanceDisagreement],
        cell: tuple[Label, Label],
    ) -> None:
        """``title`` names the cell (what the first and the second side said)."""
        super().__init__()
        self.store = store
        self._title = title
        self._cells = cells
        self._cell = cell
        self.count = cells.count(*cell)
        """How many pairs are behind the cell (at most :data:`LIST_LIMIT` are listed)."""
        self.pairs: list[Pair] = []
        """The rows, in order, with their spans' texts: empty until read."""

    def compose(self) -> ComposeResult:
        yield Header()
        count = self.count
        heading = f"{self._title}: {count:,} pair{'s' * (count != 1)}"
        if count > LIST_LIMIT:
            heading += f", the first {LIST_LIMIT:,} by document listed"
        yield Static(Text(heading), classes="heading", id="disagreements-heading")
        yield _Pairs(id="disagreements-pairs", cursor_type="row", zebra_stripes=True)
        yield Static(id="disagreements-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "disagreements"
        table = self.query_one(_Pairs)
        table.add_columns("document", "annotator", "said", "annotator", "said")
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        """The cell's pairs and their spans' texts (the documents of this cell only)."""
        pairs: Sequence[Pair] = self._cells.pairs(*self._cell, limit=LIST_LIMIT)
        spans = [pair for pair in pairs if isinstance(pair, SpanDisagreement)]
        if spans:
            pairs = with_texts(self.store, spans)
        self.app.call_from_thread(self._read, list(pairs))

    def _read(self, pairs: list[Pair]) -> None:
        self.pairs = pairs
        self._fill()

    def _said_width(self) -> int:
        """Cells for each side's words: what the document and annotator columns leave."""
        width = self.size.width or self.app.size.width
        document = max((len(pair.document) for pair in self.pairs), default=8)
        names = max((len(name) for pair in self.pairs for name in pair.annotators), default=9)
        # Two cells of padding per column, and one for the scroll bar.
        return max(MIN_SAID, (width - document - 2 * max(names, 9) - 5 * 2 - 2) // 2)

    def on_resize(self) -> None:
        self._fill()

    def _fill(self) -> None:
        table = self.query_one(_Pairs)
        row = table.cursor_row
        table.clear()
        said = self._said_width()
        for number, pair in enumerate(self.pairs):
            first, second = _said(pair, 0, said), _said(pair, 1, said)
            annotators = pair.annotators
            table.add_row(
                Text(pair.document),
                Text(annotators[0]),
                first,
                Text(annotators[1]),
                second,
                key=str(number),
            )
        if self.pairs:
            # Moved even to where it was: the detail below follows the texts just read.
            table.move_cursor(row=min(row, len(self.pairs) - 1))

    def action_compare(self) -> None:
        """The two annotators side by side, at the highlighted pair's span."""
        table = self.query_one(_Pairs)
        if not 0 <= table.cursor_row < len(self.pairs):
            return
        pair = self.pairs[table.cursor_row]
        at = None
        if isinstance(pair, SpanDisagreement):
            at = [_tokens(span) for span in pair.spans]
        self.app.push_screen(CompareScreen(self.store, pair.document, list(pair.annotators), at))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted pair whole, under the list (the cells may be cut short)."""
        detail = self.query_one("#disagreements-detail", Static)
        if not 0 <= event.cursor_row < len(self.pairs):
            detail.update("")
            return
        pair = self.pairs[event.cursor_row]
        lines = [Text(pair.document, style="bold")]
        for side, name in enumerate(pair.annotators):
            line = Text(f"{name}: ", style="bold")
            line.append_text(_said(pair, side, None))
            lines.append(line)
        detail.update(Text("\n").join(lines))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_compare()

    def action_back(self) -> None:
        self.app.pop_screen()


def _tokens(span: MarkedSpan | None) -> tuple[int, int] | None:
    return None if span is None else (span.token_start, span.token_end)


def _said(pair: Pair, side: int, width: int | None) -> Text:
    """What one side said: a stance, or a span's claim type and its text (— for no span)."""
    if isinstance(pair, StanceDisagreement):
        return Text(pair.stances[side])
    span = pair.spans[side]
    if span is None:
        return Text("— no span", style="dim")
    said = Text(span.label, style="bold")
    said.append(" " + (" ".join(pair.texts[side].split()) or f"{span.start}–{span.end}"))
    if width is not None:
        said.truncate(width, overflow="ellipsis")
    return said
