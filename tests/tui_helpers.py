"""Driving the TUI in tests: waiting for a condition, keys typed as one burst, saved labels,
and three annotators' work to review."""

from __future__ import annotations

import time
from collections.abc import Callable

from helpers import SMALL_TEXTS
from textual.pilot import Pilot

from workbench.store import AnnotationInfo, Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.annotate import AnnotateScreen

SIZE = (120, 36)
PATIENCE_S = 15.0
"""How long a test waits for the app: generous, as CI shares two cores with PostgreSQL and
other workers (the condition is checked every 20 ms, so a fast app is not slowed)."""


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Let the app run until ``condition`` holds (database writes happen in a thread)."""
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        if condition():
            return
    # What the app was doing says why: a worker's error is a notification, not an exception.
    app = pilot.app
    notes = "; ".join(note.message for note in app._notifications) or "none"
    workers = ", ".join(f"{w.name}:{w.state.name}" for w in app.workers) or "none"
    raise AssertionError(
        f"timed out waiting for {what} (screen {type(app.screen).__name__}, "
        f"notifications: {notes}, workers: {workers})"
    )


def saved(store: Store, name: str = "summit", who: str = "alice") -> AnnotationInfo:
    document = store.document_by_name(name)
    found = store.find_annotation(document, store.annotator(who).id)
    assert found is not None
    return found


async def opened(pilot: Pilot[None]) -> AnnotateScreen:
    await until(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, AnnotateScreen) and pilot.app.screen.annotation is not None
        ),
        "the annotation screen",
    )
    screen = pilot.app.screen
    assert isinstance(screen, AnnotateScreen)
    return screen


def covered(store: Store, annotation: AnnotationInfo) -> list[tuple[str, str]]:
    text = store.document(annotation.document_id).text
    return [(text[s.start : s.end], s.label) for s in annotation.spans]


def type_ahead(app: WorkbenchApp, *keys: str) -> None:
    """Keys as one burst from the terminal (a fast typist, a slow link): all posted at once,
    none waiting for what the one before it does."""
    from textual import events

    for key in keys:
        event = events.Key(key, " " if key == "space" else key if len(key) == 1 else None)
        event.set_sender(app)
        app.post_message(event)


TEXT = SMALL_TEXTS["summit"]


SPANS = [
    ("alice", "Xi Jinping", "FACT", "CRITICAL", ("ECONOMY",)),
    ("bob", "Xi Jinping", "FACT", "CRITICAL", ("ECONOMY", "UKRAINE")),
    ("carol", "Xi Jinping", "FACT", "NEUTRAL", ()),
    ("alice", "Vladimir Putin", "QUOTE", None, ()),
    ("bob", "Vladimir Putin", "QUOTE", "SUPPORTIVE", ()),
    ("carol", "Moscow", "OPINION", None, ()),
]


DOCUMENT_LABELS = {
    "alice": ("SUPPORTIVE", ("ECONOMY",)),
    "bob": ("SUPPORTIVE", ("ECONOMY", "ENERGY")),
    "carol": ("CRITICAL", ("ECONOMY",)),
}


def three_annotators(store: Store) -> None:
    """alice, bob and carol done on "summit" (see SPANS) and, disagreeing, on "energy"."""
    summit = store.document_by_name("summit")
    energy = store.document_by_name("energy")
    for name, (stance, topics) in DOCUMENT_LABELS.items():
        annotator = store.annotator(name)
        annotation = store.annotation(summit, annotator.id)
        for who, text, label, span_stance, span_topics in SPANS:
            if who == name:
                start = TEXT.index(text)
                store.add_span(
                    annotation.id,
                    start,
                    start + len(text),
                    label,
                    stance=span_stance,
                    topics=span_topics,
                )
        store.set_stance(annotation.id, stance)
        store.set_topics(annotation.id, topics)
        store.set_status(annotation.id, "done")
        other = store.annotation(energy, annotator.id)
        store.add_span(other.id, 0, 6, "FACT" if name == "alice" else "QUOTE")  # "Russia"
        store.set_status(other.id, "done")
