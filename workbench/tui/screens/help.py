"""The help screen: every key of the screen underneath, generated from the live bindings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

GROUP_TITLES = {
    "DocumentView": "Moving and selecting",
    "AnnotateScreen": "Annotating",
    "ReviewScreen": "Adjudicating",
    "AgreementScreen": "Agreement",
    "ReviewQueueScreen": "Review queue",
    "ConfusionGrid": "Confusion grid",
    "DisagreementsScreen": "Disagreements",
    "CompareScreen": "Comparing",
    "DocumentsScreen": "Document list",
    "WorkbenchApp": "Everywhere",
}


class HelpScreen(ModalScreen[None]):
    """Keys and what they do, grouped by where they apply; remapped keys show as remapped."""

    DEFAULT_CSS = """
    HelpScreen {
        #help-keys { scrollbar-size-vertical: 1; }
        .help-place { margin-top: 1; color: $text-accent; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(self, bindings: dict[str, ActiveBinding], intro: str = "") -> None:
        super().__init__()
        self._shown = bindings
        """The active bindings of the screen the help was opened from."""
        self._intro = intro
        """A few words on the screen, shown above the keys."""

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static("Keys", id="help-title")
            if self._intro:
                yield Static(self._intro, id="help-intro")
            with VerticalScroll(id="help-keys"):
                yield from self._groups()
            yield Static("escape closes · keys can be remapped: see the README", id="help-hint")

    def on_mount(self) -> None:
        self.query_one("#help-keys").focus()  # arrows and page keys scroll it

    def _groups(self) -> Iterator[Static]:
        """A heading and a table (key, action, binding id) per place the keys apply. Ids are
        what a keymap names, so they are never cut: the action wraps instead. The tables
        share their column widths, so the columns line up."""
        rows = self.rows()
        key_width = max((cell_len(key) for _, key, _, _ in rows), default=3)
        id_width = max((cell_len(binding_id) for *_, binding_id in rows), default=10)
        by_place: dict[str, list[tuple[str, str, str]]] = {}
        for where, key, description, binding_id in rows:
            by_place.setdefault(where, []).append((key, description, binding_id))
        for where, place_rows in by_place.items():
            yield Static(Text(where, style="bold"), classes="help-place")
            table = Table(box=None, expand=True, pad_edge=False, show_header=False)
            table.add_column("key", width=max(key_width, 3), no_wrap=True, style="bold")
            table.add_column("action", ratio=1, min_width=12)
            table.add_column("binding id", width=id_width, no_wrap=True, style="dim")
            for key, description, binding_id in place_rows:
                table.add_row(Text(key), Text(description), Text(binding_id))
            yield Static(table)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(where, keys, description, binding id) for every binding, keys of one action merged."""
        merged: dict[tuple[str, str], list[str]] = {}  # (where, action) -> keys
        meta: dict[tuple[str, str], tuple[str, str]] = {}
        for key, active in self._shown.items():
            binding: Binding = active.binding
            if not binding.description or binding.system:
                continue
            group = GROUP_TITLES.get(type(active.node).__name__, type(active.node).__name__)
            slot = (group, binding.action)
            display = self.app.get_key_display(Binding(key, binding.action))
            merged.setdefault(slot, [])
            if display not in merged[slot]:
                merged[slot].append(display)
            # The footer's word for it is short; the tooltip, when a binding has one, says it whole.
            meta[slot] = (binding.tooltip or binding.description, binding.id or "")
        order = list(GROUP_TITLES.values())
        rows = [
            (group, " ".join(keys), *meta[(group, action)])
            for (group, action), keys in merged.items()
        ]
        rows.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
        return rows
