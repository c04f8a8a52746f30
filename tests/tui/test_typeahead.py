"""The type-ahead queue and the two private Textual calls it rests on (``App._check_bindings``,
``DOMNode._bindings``), on a toy app: if Textual changes either, these fail first."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from workbench.tui.typeahead import RefusedChooser, Settled, TypeAhead, bind_keys


class BusyScreen(Screen[None]):
    """Busy until told otherwise; records the actions its keys ran."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("a", "record('a')", "A", id="toy.a")]

    def __init__(self) -> None:
        super().__init__()
        self.busy = True
        self.ran: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("toy")

    def on_mount(self) -> None:
        bind_keys(self, [Binding("9", "record('9')", "Nine", show=False, id="toy.nine")])

    def swallows(self, key: str) -> bool:
        return key == "z"

    def action_record(self, what: str) -> None:
        self.ran.append(what)

    def settle(self) -> None:
        self.busy = False
        self.post_message(Settled())


class ToyApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.typeahead = TypeAhead(self)
        self.screen_under_test = BusyScreen()

    def on_mount(self) -> None:
        self.push_screen(self.screen_under_test)
        self.typeahead.opened()

    def on_key(self, event: events.Key) -> None:
        self.typeahead.key(event)

    def on_settled(self, _message: Settled) -> None:
        self.typeahead.release()


def burst(app: App[None], *keys: str) -> None:
    for key in keys:
        event = events.Key(key, key)
        event.set_sender(app)
        app.post_message(event)


async def test_keys_are_held_while_busy_then_applied_in_order() -> None:
    app = ToyApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen_under_test
        burst(app, "a", "9", "z", "a")
        await pilot.pause()
        assert screen.ran == [] and len(app.typeahead.held) == 4  # busy: all held
        screen.settle()
        for _ in range(20):
            await pilot.pause()
        assert screen.ran == ["a", "9", "a"]  # "z" swallowed; bound-at-run-time "9" found
        assert app.typeahead.held == []


async def test_keys_bound_at_run_time_have_ids_the_keymap_remaps() -> None:
    app = ToyApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        app.set_keymap({"toy.nine": "8"})
        screen = app.screen_under_test
        screen.settle()
        await pilot.pause()
        await pilot.press("9")  # remapped away
        await pilot.pause()
        assert screen.ran == []
        await pilot.press("8")
        await pilot.pause()
        assert screen.ran == ["9"]


def test_a_refused_stance_chooser_takes_one_key_and_topics_until_closed() -> None:
    stance = RefusedChooser.of("scnm", "no span", single=True)
    assert stance.takes("n") and not stance.takes("n")  # one pick would have closed it
    topics = RefusedChooser.of("edn", "no span", single=False)
    assert topics.takes("d") and topics.takes("e") and not topics.takes("x")
    assert topics.takes("escape") and not topics.takes("d")  # escape closed it
