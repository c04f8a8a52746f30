"""A one-line text dialog that keeps keys typed ahead: what is typed right after the key that
opened it goes into its field, not to the screen below as commands."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


def without_enter(bindings: list[BindingType]) -> list[BindingType]:
    """A widget's bindings less its enter, which its screen then has (see Field)."""
    return [b for b in bindings if not (isinstance(b, Binding) and b.key == "enter")]


class Field(Input, inherit_bindings=False):
    """An input whose enter belongs to its screen: the screen acts on it in the same step as
    the key (an Input's own enter only posts a message), so a key typed right after enter
    finds what enter led to, not a closing field."""

    BINDINGS: ClassVar[list[BindingType]] = without_enter(Input.BINDINGS)

    _enter_pending = False

    def on_key(self, event: events.Key) -> None:
        # Keys reach a focused field before the app acts on the ones before them. After an
        # enter, text is not typed here but goes on to the app, which types it in (or holds
        # it for the screen enter leads to) once enter has been acted on: order is kept.
        if event.key == "enter":
            self._enter_pending = True
        elif self._enter_pending:
            event.prevent_default()

    def enter_handled(self) -> None:
        """The screen acted on enter (and stayed, say to show an error): type again."""
        self._enter_pending = False


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
            yield Static(self._prompt, markup=False)
            yield Field(value=self._value, select_on_focus=True)

    @property
    def ready(self) -> bool:
        """Open, its field focused, enter not yet pressed."""
        return self.is_mounted and isinstance(self.focused, Input) and not self._answered

    def action_submit(self) -> None:
        """Close with the text (the callback runs before the next key is handled)."""
        field = self.query_one(Field)
        field.enter_handled()
        self._answered = True
        self.dismiss(field.value)

    def action_cancel(self) -> None:
        self._answered = True
        self.dismiss(None)
