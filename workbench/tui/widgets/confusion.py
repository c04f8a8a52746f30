"""A confusion matrix as a grid of cells: arrows or a click pick a cell, enter opens it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

Label = str | None
NO_SPAN_NAME = "—"
"""How the row and column of unmatched spans (no span on the other side) are headed."""


def _name(label: Label) -> str:
    return NO_SPAN_NAME if label is None else label


def short_names(labels: Sequence[Label], width: int) -> list[str]:
    """Column headings: the names whole if every one fits in ``width`` cells, else the
    shortest prefix of each (four letters at least) that no other name starts with."""
    names = [_name(label) for label in labels]
    if all(len(name) <= width for name in names):
        return names
    out = []
    for name in names:
        size = min(len(name), 4)
        while size < len(name) and any(
            other != name and other.startswith(name[:size]) for other in names
        ):
            size += 1
        out.append(name[:size])
    return out


class ConfusionGrid(DataTable[Text], inherit_bindings=False):
    """One symmetric confusion matrix; the cell under the cursor is the one enter opens.

    A click moves the cursor to a cell; a click on the cell under the cursor opens it too.
    The grid's keys act only while it has the focus (tab reaches it).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Disagreements", id="confusion.open"),
        Binding("up", "cursor_up", "Cell above", show=False, id="confusion.up"),
        Binding("down", "cursor_down", "Cell below", show=False, id="confusion.down"),
        Binding("left", "cursor_left", "Cell to the left", show=False, id="confusion.left"),
        Binding("right", "cursor_right", "Cell to the right", show=False, id="confusion.right"),
    ]

    class CellChosen(Message):
        """Enter (or a second click) on a cell: list the pairs behind it."""

        def __init__(self, grid: ConfusionGrid, row: Label, column: Label) -> None:
            super().__init__()
            self.grid = grid
            self.row = row
            self.column = column

        @property
        def control(self) -> ConfusionGrid:
            """The grid the cell is in."""
            return self.grid

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="cell", show_cursor=True, zebra_stripes=False)
        self.title = title
        """What the matrix counts, for the list a cell opens."""
        self.labels: tuple[Label, ...] = ()
        self.counts: list[list[int]] = []
        self._tops = (0, 0)
        """The largest count off the diagonal and on it: what a cell's shade is relative to."""
        self._plain: Coordinate | None = None
        """The cell drawn without its shade, so the cursor's colour shows under its count."""

    def show(self, labels: Sequence[Label], counts: Sequence[Sequence[int]], width: int) -> None:
        """Fill the grid; column headings are shortened to fit ``width`` cells in all."""
        row = self.cursor_coordinate
        self.labels = tuple(labels)
        self.counts = [list(values) for values in counts]
        self.clear(columns=True)
        heading = max((len(_name(label)) for label in labels), default=1)
        digits = max((len(f"{n:,}") for values in counts for n in values), default=1)
        # Row headings whole, then each column as wide as the widest count or its heading.
        room = (width - heading - 2) // max(len(labels), 1) - 2
        names = short_names(labels, max(room, digits))
        for label, name in zip(labels, names, strict=True):
            self.add_column(Text(name, justify="right"), key=_name(label))
        top = max(
            (n for i, values in enumerate(counts) for j, n in enumerate(values) if i != j),
            default=0,
        )
        agreed = max((counts[i][i] for i in range(len(counts))), default=0)
        self._tops, self._plain = (top, agreed), None
        for i, label in enumerate(labels):
            cells = [self._cell(i, j) for j in range(len(labels))]
            self.add_row(*cells, key=_name(label), label=Text(_name(label), style="bold"))
        if labels:
            self.cursor_coordinate = row if row.row < len(labels) else self.cursor_coordinate
            self._unshade(self.cursor_coordinate)

    def _cell(self, i: int, j: int, *, shaded: bool = True) -> Text:
        count = self.counts[i][j]
        if not shaded:
            return Text(f"{count:,}" if count else "·", style="bold", justify="right")
        agree = i == j and self.labels[i] is not None
        return _cell(count, self._tops[1] if i == j else self._tops[0], agree=agree)

    def _unshade(self, where: Coordinate) -> None:
        """Shade the cell the cursor left again, and draw the one it is on plain."""
        if self._plain is not None and self._plain != where:
            self.update_cell_at(self._plain, self._cell(*self._plain))
        if where.row < len(self.labels) and where.column < len(self.labels):
            self.update_cell_at(where, self._cell(*where, shaded=False))
            self._plain = where

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
        self._unshade(event.coordinate)

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        row, column = event.coordinate
        if row < len(self.labels) and column < len(self.labels):
            self.post_message(self.CellChosen(self, self.labels[row], self.labels[column]))

    @property
    def cell(self) -> tuple[Label, Label] | None:
        """The labels of the cell under the cursor (row, column)."""
        row, column = self.cursor_coordinate
        if row >= len(self.labels) or column >= len(self.labels):
            return None
        return self.labels[row], self.labels[column]


def _cell(count: int, top: int, *, agree: bool) -> Text:
    """A count on a background as strong as its share of the largest count of its kind:
    disagreements warm, agreements (the diagonal) green; nothing is a dim dot."""
    if count == 0:
        return Text("·", style="dim", justify="right")
    share = count / top if top else 0.0
    # From a faint tint to a strong one, so the busiest cells catch the eye first.
    level = 0.25 + 0.6 * share
    red, green, blue = (60, 170, 90) if agree else (230, 110, 50)
    background = f"rgb({int(red * level)},{int(green * level)},{int(blue * level)})"
    return Text(f"{count:,}", style=f"bold white on {background}", justify="right")
