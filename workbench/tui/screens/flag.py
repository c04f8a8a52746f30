"""A one-field dialog for the reason a document is flagged for the reviewer."""

from __future__ import annotations

from workbench.tui.screens.entry import EntryDialog


class FlagDialog(EntryDialog):
    """Ask why the reviewer should look; enter saves (dismisses with the text), escape
    cancels (None). On a flagged document it shows the reason: edit it, or clear it and press
    enter to remove the flag."""

    def __init__(self, reason: str | None) -> None:
        """``reason``: the document's flag as it is, or None if it is not flagged."""
        if reason is None:
            prompt = (
                "Flag this document for the reviewer: why should they look?"
                " (enter saves, escape cancels)"
            )
        else:
            prompt = (
                "Flagged for the reviewer. Change the reason, or clear it and press enter to"
                " remove the flag (escape keeps it as it is)"
            )
        super().__init__(prompt, reason or "", box_id="flag-box")
