"""The help screen: every key of the screen underneath, generated from the live bindings."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

GROUP_TITLES = {
    "DocumentView": "Moving and selecting",
    "AnnotateScreen": "Annotating",
    "ReviewScreen": "Adjudicating",
    "AgreementScreen": "Agreement",
    "ReviewQueueScreen": "Review queue",
    "CompareScreen": "Comparing",
    "DocumentsScreen": "Document list",
    "WorkbenchApp": "Everywhere",
}


class HelpScreen(ModalScreen[None]):
    """Keys and what they do, grouped by where they apply; remapped keys show as remapped."""

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
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            yield Static("escape closes · keys can be remapped: see the README", id="help-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "action", "where", "binding id")
        for group, key, description, binding_id in self.rows():
            table.add_row(Text(key, style="bold"), description, group, binding_id)
        table.focus()

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(where, keys, description, binding id) for every binding, keys of one action merged."""
        merged: dict[tuple[str, str], list[str]] = {}
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
            meta[slot] = (binding.description, binding.id or "")
        order = list(GROUP_TITLES.values())
        rows = [
            (group, " ".join(keys), *meta[(group, action)])
            for (group, action), keys in merged.items()
        ]
        rows.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
        return rows
