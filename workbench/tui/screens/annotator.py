"""Who is annotating: pick an existing annotator or type a new name."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from workbench.tui.screens.entry import Field, without_enter


class _Names(OptionList, inherit_bindings=False):
    """The existing names; enter is the screen's (see Field)."""

    BINDINGS: ClassVar[list[BindingType]] = without_enter(OptionList.BINDINGS)


class AnnotatorScreen(Screen[str]):
    """Asks for the annotator's name; dismisses with the chosen or typed name."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "app.quit", "Quit", id="annotator.quit"),
        Binding("enter", "submit", "Choose", id="annotator.submit"),  # at once: see Field
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
                yield _Names(*(Option(Text(name), id=name) for name in self._names))
            yield Field(placeholder="a new annotator name", id="annotator-name", max_length=128)
            yield Static("", id="annotator-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        if self._names:
            self.query_one(OptionList).focus()
        else:
            self.query_one(Field).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:  # a click on a name
            self.dismiss(event.option.id)

    def action_submit(self) -> None:
        """Enter: the highlighted name in the list, or the name typed in the field."""
        if isinstance(self.focused, OptionList):
            options = self.focused
            if options.highlighted is not None:
                option = options.get_option_at_index(options.highlighted)
                if option.id:
                    self.dismiss(option.id)
            return
        field = self.query_one(Field)
        field.enter_handled()
        name = field.value.strip()
        error = self.query_one("#annotator-error", Static)
        if not name or not name.isprintable():
            error.update("Type a name: 1-128 printable characters.")
            return
        if name == "gold":
            error.update("'gold' is reserved for the reviewed set; choose another name.")
            return
        self.dismiss(name)
