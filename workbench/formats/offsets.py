"""Offset units at the edges: inside, offsets are Python code points; doccano's browser
annotator counts UTF-16 code units, so each character beyond U+FFFF (an emoji) counts two.
Conversions cost nothing for a text without such characters, the usual case."""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Final, Literal

from workbench.errors import FieldError, ImportFormatError

OffsetUnits = Literal["codepoints", "utf16"]
"""What a file's offsets count: code points (Python, Prodigy, spaCy) or UTF-16 code units
(JavaScript, so doccano)."""
UNITS: Final[tuple[OffsetUnits, ...]] = ("codepoints", "utf16")

_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")
"""A character that UTF-16 writes as a surrogate pair (two units)."""


def offset_units(name: str, field: str = "offsets") -> OffsetUnits:
    """``name`` as offset units, or a :class:`FieldError` that lists the choices."""
    if name not in UNITS:
        raise FieldError(field, f"{field} {name!r} unknown; expected one of {', '.join(UNITS)}")
    return name


def astral(text: str) -> list[int]:
    """The code point offsets of the characters of ``text`` beyond U+FFFF, in order (empty,
    at once, for ASCII text)."""
    if text.isascii() or max(text) <= "\uffff":
        return []
    return [match.start() for match in _ASTRAL.finditer(text)]


def to_utf16(offset: int, astral_at: list[int]) -> int:
    """A code point offset as UTF-16 units, given the text's :func:`astral` offsets."""
    return offset + bisect_left(astral_at, offset) if astral_at else offset


class FileOffsets:
    """One text's offsets as a file gives them, turned into code points: the bounds are
    checked in the file's units, and an offset inside a surrogate pair is refused. The text
    is searched for characters beyond U+FFFF only if its offsets count UTF-16 units and a
    span is read."""

    __slots__ = ("_highs", "_text", "units")

    def __init__(self, text: str, units: OffsetUnits) -> None:
        self._text = text
        self.units = units
        self._highs: list[int] | None = None if units == "utf16" else []
        """The UTF-16 offset of each surrogate pair's first unit (None: not searched yet)."""

    def _pairs(self) -> list[int]:
        if self._highs is None:
            self._highs = [offset + index for index, offset in enumerate(astral(self._text))]
        return self._highs

    def span(self, start: int, end: int, at: str) -> tuple[int, int]:
        """``start``-``end`` (end exclusive, in the file's units) in code points; an error
        naming ``at`` (file, line, field) if out of bounds or inside a character."""
        highs = self._pairs()
        length = len(self._text) + len(highs)
        if not 0 <= start < end <= length:
            unit = " UTF-16 units" if self.units == "utf16" else ""
            raise ImportFormatError(
                f"{at}: offsets {start}-{end} must satisfy 0 <= start < end <= {length}"
                f" (the text length{unit})"
            )
        if not highs:
            return start, end
        return self._code_point(start, at), self._code_point(end, at)

    def _code_point(self, offset: int, at: str) -> int:
        highs = self._pairs()
        before = bisect_left(highs, offset)
        if before and highs[before - 1] + 1 == offset:
            raise ImportFormatError(
                f"{at}: offset {offset} falls inside a character (between the two UTF-16 units"
                " of an emoji or other character beyond U+FFFF); use --offsets codepoints if the"
                " file counts code points"
            )
        return offset - before
