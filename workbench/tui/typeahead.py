"""Keys typed ahead: held while the screen on top waits for a result, then applied in order.

Keys come in bursts over a slow link or from a fast typist: "1 s c" must label a span and then
give *that* span its stance, which needs the span back from the database first. So while a
screen says it is busy (a save, a load, the next document on its way) the app holds every key
and applies them one at a time once it is not, each looked up in the bindings of whatever is on
top then (a chooser a held key opened, the next document).

This is the one module that uses Textual's private API: ``App._check_bindings`` (to look a held
key up as Textual would) and ``DOMNode._bindings`` (to bind keys that come from the label
scheme). Checked against Textual 8.2.8 (pinned in pyproject.toml); the tests in
tests/tui/test_typeahead.py break if either changes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from textual import events
from textual.app import App
from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input

from workbench.tui.screens.entry import EntryDialog

HELD_KEYS_NOTICE_S = 2.0
"""Keys held longer than this (a locked or slow database) get a notice, repeated."""
REFUSED_CHOOSER_S = 1.0
"""For this long after a chooser could not open, its keys do nothing (see ``RefusedChooser``)."""


@runtime_checkable
class HoldsKeys(Protocol):
    """A screen whose next key depends on a result still to come. The app reads ``busy``
    as each key arrives (a message would arrive after keys already queued), and the screen
    posts :class:`Settled` when it stops being busy."""

    @property
    def busy(self) -> bool: ...


@runtime_checkable
class SwallowsKeys(Protocol):
    """A screen on which some keys must do nothing for a moment (keys meant for a chooser
    that did not open)."""

    def swallows(self, key: str) -> bool:
        """Whether ``key`` must do nothing now; the screen says why itself."""
        ...


class Settled(Message):
    """Posted by a screen that was busy and is not any more: held keys may go on."""


@dataclass
class RefusedChooser:
    """A chooser key (``t``, ``s``) that could not open its chooser: the keys typed after it
    were meant for the chooser, and must not fall through to the article's commands (``t d``
    would mark the document done). They do nothing until a key the chooser would not have
    taken, or until ``REFUSED_CHOOSER_S`` has passed."""

    keys: frozenset[str]
    reason: str
    at: float
    single: bool
    """A single choice (stance): the first key it takes would have closed it."""
    closed: bool = False

    @classmethod
    def of(cls, hotkeys: Iterable[str], reason: str, *, single: bool) -> RefusedChooser:
        chooser_keys = {"enter", "escape", "backspace", "delete", "up", "down", "space"}
        return cls(frozenset(chooser_keys | set(hotkeys)), reason, time.monotonic(), single)

    def takes(self, key: str) -> bool:
        """Whether ``key`` is one the chooser would have taken (typed in time, before a key
        that would have closed it)."""
        if self.closed or key not in self.keys:
            return False
        if time.monotonic() - self.at >= REFUSED_CHOOSER_S:
            return False
        self.closed = self.single or key in ("enter", "escape")
        return True


def bind_keys(node: DOMNode, bindings: Iterable[Binding]) -> None:
    """Add bindings made at run time (the scheme's label keys) to a screen; they have ids, so
    the keymap remaps them like any other."""
    extra = BindingsMap(bindings)  # keys parsed and split as for BINDINGS
    for key, found in extra.key_to_bindings.items():
        node._bindings.key_to_bindings.setdefault(key, []).extend(found)


class TypeAhead:
    """The app's queue of held keys. The app calls :meth:`key` from its ``on_key`` and
    :meth:`release` when a screen settles."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.held: list[tuple[str, str | None]] = []
        """Keys waiting, in the order they came: ``(key, character)``."""
        self.opening = True
        """The first screen (or the one after the annotator's name) is being prepared."""

    def _screen_busy(self, screen: Screen[object]) -> bool:
        return isinstance(screen, HoldsKeys) and screen.busy

    def _settling(self) -> bool:
        """The screen on top is not ready for keys: still being built (a chooser a held key
        opened), or its focus not yet given (a filter, a name or a text field would miss the
        first letters)."""
        screen = self.app.screen
        if not screen.is_mounted or (isinstance(screen, EntryDialog) and not screen.ready):
            return True
        return screen.focused is None and bool(screen.focus_chain)

    def busy(self) -> bool:
        """Keys must wait: the app is opening, the top screen settling, or a screen busy."""
        return (
            self.opening
            or self._settling()
            or any(self._screen_busy(screen) for screen in self.app.screen_stack)
        )

    def key(self, event: events.Key) -> None:
        """A key reached the app (before its bindings): let it go on, hold it, or swallow it."""
        if not self.busy() and not self.held:
            if self._type_into_field(event.key, event.character) or self._swallowed(event.key):
                event.prevent_default()
                event.stop()
            return  # the usual case: Textual's own binding lookup runs next
        self.held.append((event.key, event.character))
        event.prevent_default()
        event.stop()
        if len(self.held) == 1:
            self.app.set_timer(HELD_KEYS_NOTICE_S, self._say_keys_wait)
        self.release()

    def opened(self) -> None:
        """The screen being prepared is up: held keys go to it once it is ready for them."""
        self.opening = False
        self.release()

    def release(self) -> None:
        """Apply held keys once nothing is busy."""
        if not self.held:
            return
        if not self.busy():
            self.app.call_later(self._apply_held)
        elif self._settling():
            self.app.set_timer(0.005, self.release)  # nothing else says when it is ready

    def _swallowed(self, key: str) -> bool:
        screen = self.app.screen
        return isinstance(screen, SwallowsKeys) and screen.swallows(key)

    def _say_keys_wait(self) -> None:
        """Keys held this long: the database is slow or locked; say so rather than seem hung."""
        if self.held:
            count = len(self.held)
            self.app.notify(
                f"Waiting for the database to save; {count} key{'s' * (count != 1)} will follow.",
                timeout=HELD_KEYS_NOTICE_S,
            )
            self.app.set_timer(HELD_KEYS_NOTICE_S, self._say_keys_wait)

    def _type_into_field(self, key: str, character: str | None) -> bool:
        """A printable key that reached the app while a text field has the focus was sent
        before the field had it (a field consumes the keys it gets): it is text for the field,
        typed ahead, not a command. Type it there."""
        focused = self.app.focused
        if isinstance(focused, Input) and character is not None and character.isprintable():
            focused.insert_text_at_cursor(character)
            return True
        return False

    async def _apply_held(self) -> None:
        # One held key per turn of the app's queue, looked up in the bindings of whatever is
        # on top *now*. The next turn comes after what this key set off (a dismissed screen's
        # callback, a message), and a key reaching the app meanwhile queues up behind the held
        # ones: none overtakes.
        if not self.held or self.busy():
            return
        key, character = self.held.pop(0)
        # As Textual does for a key as it comes: a focused field takes text, then priority
        # bindings, then the others. A key with none does nothing, as it would have anyway.
        handled = self._type_into_field(key, character) or self._swallowed(key)
        if not handled and not await self.app._check_bindings(key, priority=True):
            await self.app._check_bindings(key)
        self.release()
