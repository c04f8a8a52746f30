"""A one-field dialog for the annotator's note on a document."""

from __future__ import annotations

from workbench.tui.screens.entry import EntryDialog


class NoteDialog(EntryDialog):
    """Edit the note; enter saves (dismisses with the text), escape cancels (None)."""

    def __init__(self, note: str) -> None:
        super().__init__(
            "Note on this document (enter saves, escape cancels)", note, box_id="note-box"
        )
