"""A small chooser for stance (one) or topics (any): the scheme's hotkeys pick, the mouse too."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from workbench.scheme import Label
from workbench.tui.keys import binding_key
from workbench.tui.typeahead import bind_keys

CLEAR = ""
"""What a single choice dismisses with when the value is cleared."""


class LabelChooser(ModalScreen[str | None]):
    """Pick one label (stance) or toggle several (topics) with their hotkeys or a click.

    Single choice dismisses with the name, :data:`CLEAR` (backspace) or None (escape). In
    multi mode every toggle is reported at once through ``on_toggle`` (so it is saved at
    once) and the chooser stays open until enter or escape.

    ``suggested`` names the labels a suggestion offers, with what offers them (source and
    score), shown beside them; a single choice opens on the best one. Picking one is how the
    caller accepts it; ``on_reject`` (several) is called by ctrl+r to reject those not
    chosen.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="chooser.close"),
        Binding("backspace,delete", "clear", "Clear", id="chooser.clear"),
        Binding("up", "move(-1)", "Up", show=False, id="chooser.up"),
        Binding("down", "move(1)", "Down", show=False, id="chooser.down"),
        Binding("enter", "enter", "Pick / close", id="chooser.enter"),
        Binding("ctrl+r", "reject", "Reject suggested", id="chooser.reject-suggested"),
    ]

    def __init__(
        self,
        title: str,
        labels: Sequence[Label],
        selected: Sequence[str] = (),
        *,
        multi: bool = False,
        on_toggle: Callable[[str], None] | None = None,
        suggested: Mapping[str, str] | None = None,
        on_reject: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self._title = title
        self._labels = list(labels)
        self.selected = set(selected)
        """The labels chosen now (kept up to date in multi mode)."""
        self._multi = multi
        self._on_toggle = on_toggle
        self.suggested = dict(suggested or {})
        """Label name -> what suggests it, while that suggestion is pending."""
        self._on_reject = on_reject

    def compose(self) -> ComposeResult:
        with Vertical(id="chooser-box"):
            yield Static(self._title, id="chooser-title", markup=False)
            options = OptionList(*self._options(), id="chooser-options")
            options.can_focus = False  # keys are this screen's bindings (see on_mount)
            yield options
            yield Static(self._hint(), id="chooser-hint")

    def _hint(self) -> str:
        hint = "key or click toggles · enter closes" if self._multi else "key or click picks"
        if self.suggested:
            hint += " · ctrl+r rejects the suggested" if self._on_reject else " (✦ suggested)"
        return f"{hint} · backspace clears · escape cancels"

    def _options(self) -> list[Option]:
        options = []
        for label in self._labels:
            line = Text()
            if self._multi:
                line.append("[x] " if label.name in self.selected else "[ ] ")
            elif label.name in self.selected:
                line.append("● ")
            else:
                line.append("  ")
            line.append(f"{label.key} ", style="bold")
            line.append(label.name, style=f"bold {label.color}")
            offered = self.suggested.get(label.name)
            if offered is not None:
                line.append(f"  ✦ {offered}", style="bold italic")
            elif label.guideline:
                line.append(f"  {label.guideline}", style="dim")
            options.append(Option(line, id=label.name))
        return options

    def on_mount(self) -> None:
        # Every key is a binding of this screen (the list never has the focus): a key typed
        # ahead may have been delivered to the screen below, and reaches this one only
        # through the app's lookup of the bindings of what is on top.
        # Bound by the key Textual reports ("plus" for "+"): a character never matches.
        bind_keys(
            self,
            (
                Binding(binding_key(label.key), f"pick({label.name!r})", label.name, show=False)
                for label in self._labels
            ),
        )

        if self.suggested and not self._multi:  # open on the best suggestion: enter takes it
            names = [label.name for label in self._labels]
            best = next(iter(self.suggested))
            if best in names:
                self.query_one(OptionList).highlighted = names.index(best)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reject":  # only where there is something to reject
            return bool(self._on_reject and self.suggested)
        return True

    def action_reject(self) -> None:
        """Reject the pending suggestions of labels not chosen (several)."""
        if self._on_reject is None or not self.suggested:
            return
        self._on_reject()
        self.suggested.clear()
        self._redraw()

    def action_move(self, step: int) -> None:
        """Move the highlight in the list."""
        options = self.query_one(OptionList)
        options.action_cursor_down() if step > 0 else options.action_cursor_up()

    def action_enter(self) -> None:
        """Single choice: pick the highlighted label. Several: close (each toggle is saved)."""
        if self._multi:
            self.dismiss(None)
            return
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            if option.id:
                self._pick(option.id)

    def action_pick(self, name: str) -> None:
        """Choose (or in multi mode toggle) a label by name."""
        self._pick(name)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._pick(event.option.id)

    def _pick(self, name: str) -> None:
        if not self._multi:
            self.dismiss(name)
            return
        self.selected ^= {name}
        if self._on_toggle is not None:
            self._on_toggle(name)
        if name in self.selected:  # turned on: its suggestions are accepted
            self.suggested.pop(name, None)
        self._redraw()

    def _redraw(self) -> None:
        self.query_one("#chooser-hint", Static).update(self._hint())
        self.refresh_bindings()
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(self._options())
        options.highlighted = highlighted

    def action_clear(self) -> None:
        if self._multi:
            for name in sorted(self.selected):
                self._pick(name)
        else:
            self.dismiss(CLEAR)

    def action_close(self) -> None:
        self.dismiss(None)
