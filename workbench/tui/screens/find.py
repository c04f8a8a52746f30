"""Find text in the article: the next match after the cursor, selected, ready for a label key."""

from __future__ import annotations

import re
from typing import NamedTuple

from workbench.tui.screens.entry import EntryDialog


class Match(NamedTuple):
    """Where a search landed."""

    start: int
    """Character offset of the match."""
    end: int
    """Character offset just after it."""
    number: int
    """Which match it is, from 1, in document order."""
    total: int
    """How many matches the document has."""


def find_next(text: str, query: str, after: int) -> Match | None:
    """The first match of ``query`` (ignoring case; offsets of ``text`` itself) starting after
    character ``after``, wrapping to the top; None if there is none."""
    if not query:
        return None
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    starts = [m.span() for m in pattern.finditer(text)]
    if not starts:
        return None
    index = next((i for i, (start, _) in enumerate(starts) if start > after), 0)
    start, end = starts[index]
    return Match(start, end, index + 1, len(starts))


class FindDialog(EntryDialog):
    """Ask what to find; enter dismisses with the text, escape with None."""

    def __init__(self, query: str) -> None:
        super().__init__(
            "Find in the article (any case). Enter selects the next match after the cursor;"
            " a claim key then labels it. / and enter again for the next one.",
            query,
            box_id="find-box",
        )
