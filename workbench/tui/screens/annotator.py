"""Who is annotating: pick an existing annotator or type a new name."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option


class AnnotatorScreen(Screen[str]):
    """Asks for the annotator's name; dismisses with the chosen or typed name."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "app.quit", "Quit", id="annotator.quit"),
    ]

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self._names = names
        """Existing annotators (the reserved gold annotator left out)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="annotator-box"):
            yield Static("Who is annotating?", id="annotator-title")
            if self._names:
                yield Static("Pick your name (enter), or type a new one below.")
                yield OptionList(*(Option(name, id=name) for name in self._names))
            yield Input(placeholder="a new annotator name", id="annotator-name", max_length=128)
            yield Static("", id="annotator-error")
        yield Footer()

    def on_mount(self) -> None:
        if self._names:
            self.query_one(OptionList).focus()
        else:
            self.query_one(Input).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.dismiss(event.option.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        error = self.query_one("#annotator-error", Static)
        if not name or not name.isprintable():
            error.update("Type a name: 1-128 printable characters.")
            return
        if name == "gold":
            error.update("'gold' is reserved for the reviewed set; choose another name.")
            return
        self.dismiss(name)
