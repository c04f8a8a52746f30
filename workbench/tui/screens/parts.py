"""The pieces the annotation and review screens are built of: boxes that draw nothing, the
scheme's label keys, the requests a screen posts to the app, and one-line status text."""

from __future__ import annotations

from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal
from textual.message import Message
from textual.widgets import DataTable

from workbench.scheme import Label
from workbench.store import AnnotationInfo
from workbench.tui.keys import binding_key, label_binding_id

TABLE_KEYS_BUT_ENTER: list[BindingType] = [
    binding
    for binding in DataTable.BINDINGS
    if not (isinstance(binding, Binding) and binding.key == "enter")
]
"""A table's own keys without its enter: for a list whose enter is the screen's (shown in the
footer)."""


class Body(Horizontal):
    """The article beside the side panel. Its children cover it, so it draws nothing of its
    own (``BLANK``): each frame composites the widgets it overlaps, and this one is free."""

    BLANK = True


class Frame(Container):
    """A box that draws nothing, around widgets that rarely change. Textual composites every
    widget whose clipping box overlaps what changed; a widget in a box of its own is clipped
    to that box, so a key that changes one line of the article skips it."""

    BLANK = True


def label_bindings(labels: tuple[Label, ...] | list[Label]) -> list[Binding]:
    """The scheme's claim-type keys, with ids ``annotate.label.NAME`` (remappable)."""
    return [
        Binding(
            binding_key(label.key),  # the key Textual reports ("plus" for "+")
            f"label({label.name!r})",
            f"Label {label.name}",
            show=False,
            id=label_binding_id(label.name),
        )
        for label in labels
    ]


class OpenRequested(Message):
    """A screen asks the app to show another document (done, skip, next, previous)."""

    def __init__(self, document_id: int, order: tuple[int, ...] | None) -> None:
        super().__init__()
        self.document_id = document_id
        self.order = order
        """The documents done and n/p follow (the review queue), or None: all."""


class BackRequested(Message):
    """A screen asks the app to go back to where documents are chosen (the list, the queue)."""


def document_labels(annotation: AnnotationInfo) -> tuple[object, ...]:
    return (annotation.status, annotation.stance, annotation.topics, annotation.note)


def fit_words(message: str, width: int) -> str:
    """``message`` on one line of ``width`` cells, shortened at a word with an ellipsis."""
    if len(message) <= width:
        return message
    cut = message[: width - 1]
    space = cut.rfind(" ")
    if space > width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:·") + "…"
