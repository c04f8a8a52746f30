"""A one-line text dialog that keeps keys typed ahead: what is typed right after the key that
opened it goes into its field, not to the screen below as commands."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class _Field(Input, inherit_bindings=False):
    """An input whose enter is the dialog's: the dialog closes in the same step as the key,
    so a key typed right after enter finds the screen below, not a closing field."""

    BINDINGS: ClassVar[list[BindingType]] = [
        binding
        for binding in Input.BINDINGS
        if not (isinstance(binding, Binding) and binding.key == "enter")
    ]


class EntryDialog(ModalScreen[str | None]):
    """Enter dismisses with the text, escape with None.

    ``ready`` tells the app whether keys can go to the field yet: not before the field has the
    focus (Textual builds and focuses a new screen a moment after it is pushed), and not once
    enter was pressed (the keys after it are for the screen below)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="entry.cancel"),
        Binding("enter", "submit", "Done", id="entry.submit"),
    ]

    def __init__(self, prompt: str, value: str, *, box_id: str) -> None:
        super().__init__()
        self._prompt = prompt
        self._value = value
        self._box_id = box_id
        self._answered = False

    def compose(self) -> ComposeResult:
        with Vertical(id=self._box_id, classes="entry-box"):
            yield Static(self._prompt)
            yield _Field(value=self._value, select_on_focus=True)

    @property
    def ready(self) -> bool:
        """Open, its field focused, enter not yet pressed."""
        return self.is_mounted and isinstance(self.focused, Input) and not self._answered

    def action_submit(self) -> None:
        """Close with the text (the callback runs before the next key is handled)."""
        self._answered = True
        self.dismiss(self.query_one(_Field).value)

    def action_cancel(self) -> None:
        self._answered = True
        self.dismiss(None)
