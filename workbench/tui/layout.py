"""Wrapping a tokenized document into visual lines, with lookups between tokens, lines and cells."""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from rich.cells import cell_len

from workbench.nlp import Index, Tokenization

TAB_SIZE = 4
"""Cells a tab takes. Tab stops are meaningless once lines wrap, and a fixed width keeps every
width independent of the wrap, so re-wrapping never measures text again."""

MIN_WIDTH = TAB_SIZE
"""The narrowest wrap: wide enough for any single character (a tab, a wide CJK character)."""

_FORMAT_CHARS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029]
_DISPLAY = str.maketrans(dict.fromkeys(_FORMAT_CHARS, "\ufffd") | {9: " " * TAB_SIZE, 13: ""})
# Control characters would move the terminal's cursor; a replacement character keeps every cell
# accounted for. A carriage return (of a CRLF ending) draws as nothing.


def display_text(text: str) -> str:
    """``text`` as drawn: tabs expanded, carriage returns dropped, other controls replaced."""
    return text.translate(_DISPLAY)


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes when drawn (wide characters count two)."""
    return cell_len(display_text(text))


def _char_cells(codes: npt.NDArray[np.uint32]) -> tuple[Index, npt.NDArray[np.bool_]]:
    """Cumulative cells of a text's characters (one more entry than characters) and which
    characters are whitespace. Each distinct non-ASCII character is measured once, so a
    CJK text costs little more than an English one."""
    cells = np.ones(len(codes), dtype=np.int64)
    blank = (codes == 0x20) | ((codes >= 0x09) & (codes <= 0x0D))
    special = np.flatnonzero((codes < 0x20) | (codes >= 0x7F))
    if len(special):
        distinct, inverse = np.unique(codes[special], return_inverse=True)
        chars = [chr(code) for code in distinct.tolist()]
        cells[special] = np.array([cell_width(char) for char in chars], dtype=np.int64)[inverse]
        blank[special] = np.array([char.isspace() for char in chars], dtype=np.bool_)[inverse]
    total = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(cells, out=total[1:])
    return total, blank


_CLOSING_CATEGORIES = frozenset({"Pe", "Pf", "Po", "Pd"})
_NOT_CLOSING = frozenset("¡¿⸘")
"""Punctuation that opens a sentence although its category (Po) is that of ``, . ; : %``."""
_OPENING_CATEGORIES = frozenset({"Ps", "Pi"})
_OPENING_QUOTES = frozenset("\"'")
"""Straight quotes open as often as they close; glued to the word after, they open it."""


def closes(char: str) -> bool:
    """Whether ``char`` is punctuation that belongs to the word before it when written
    without a space: closing brackets and quotes, ``, . ; : ! ? % …`` and dashes (a line
    may end with a hyphen, never start with one)."""
    return unicodedata.category(char) in _CLOSING_CATEGORIES and char not in _NOT_CLOSING


def opens(char: str) -> bool:
    """Whether ``char`` is punctuation that belongs to the word after it when written
    without a space: opening brackets and quotes."""
    return unicodedata.category(char) in _OPENING_CATEGORIES or char in _OPENING_QUOTES


_ASCII_CLOSES = np.array([closes(chr(code)) for code in range(0x80)], dtype=np.bool_)
_ASCII_OPENS = np.array([opens(chr(code)) for code in range(0x80)], dtype=np.bool_)


def _classify(
    codes: npt.NDArray[np.uint32], ascii_table: npt.NDArray[np.bool_], test: Callable[[str], bool]
) -> npt.NDArray[np.bool_]:
    """``test`` of each code point: ASCII from ``ascii_table``, others called once each."""
    result = ascii_table[np.minimum(codes, 0x7F)]
    wide = np.flatnonzero(codes > 0x7F)
    if len(wide):
        distinct, inverse = np.unique(codes[wide], return_inverse=True)
        found = np.array([test(chr(code)) for code in distinct.tolist()], dtype=np.bool_)
        result[wide] = found[inverse]
    return result


def _glued(
    codes: npt.NDArray[np.uint32], tokens: Tokenization, space: npt.NDArray[np.bool_]
) -> Index:
    """The tokens a line must not start with: those written against the word before them
    (no whitespace between) that start with closing punctuation or follow opening
    punctuation, ascending."""
    starts, ends = tokens.starts, tokens.ends
    touching = np.flatnonzero((ends[:-1] == starts[1:]) & ~space[:-1] & ~space[1:]) + 1
    if not len(touching):
        return touching.astype(np.int64)
    glued = _classify(codes[starts[touching]], _ASCII_CLOSES, closes)
    glued |= _classify(codes[ends[touching - 1] - 1], _ASCII_OPENS, opens)
    return touching[glued].astype(np.int64)


class Fragment(NamedTuple):
    """A token, or the part of one, drawn on one visual line: characters ``start:end`` of the
    text at cells ``x`` to ``x + width``."""

    token: int
    line: int
    x: int
    width: int
    start: int
    end: int


class TokenMetrics:
    """What wrapping needs to know of a document that does not depend on the width.

    Tokens are cut into *units* at the newlines inside them (spaCy keeps ``"\\n\\n"`` as a
    whitespace token); a unit has a cell width, the cells of the whitespace hanging after it
    and the number of newlines that follow it (0 keeps the line going). Built once per
    document by :meth:`measure`; :meth:`wrap` then only does arithmetic.
    """

    def __init__(
        self,
        text: str,
        tokens: Tokenization,
        units: tuple[Index, Index, Index, Index, Index, Index],
        leading_blank: int,
        space: npt.NDArray[np.bool_],
        glued_units: Index,
    ) -> None:
        self.text = text
        """The document text."""
        self.tokens = tokens
        """Its tokenization."""
        unit_token, unit_start, unit_end, unit_width, unit_gap, unit_breaks = units
        self.unit_token: Index = unit_token
        """Per unit, in document order: its token."""
        self.unit_start: Index = unit_start
        """Per unit: its first character."""
        self.unit_end: Index = unit_end
        """Per unit: the character after its last (newlines excluded)."""
        self.unit_width: Index = unit_width
        """Per unit: its cells."""
        self.unit_gap: Index = unit_gap
        """Per unit: cells of the whitespace after it, drawn unless the line ends there."""
        self.unit_breaks: Index = unit_breaks
        """Per unit: newlines after it (0 keeps the line going, 2 leaves a blank line)."""
        self.leading_blank = leading_blank
        """Blank lines before the first token (newlines before it)."""
        self.space = space
        """For each token, whether it is whitespace only (a cursor skips those)."""
        self.visible: Index = np.flatnonzero(~space).astype(np.int64)
        """Indices of the tokens that are not whitespace, ascending."""
        prefix = np.zeros(len(self.unit_width) + 1, dtype=np.int64)
        np.cumsum(self.unit_width + self.unit_gap, out=prefix[1:])
        self._prefix: Index = prefix
        # Plain lists, because the wrap loop bisects them once per line and list indexing is
        # several times faster than indexing numpy from Python.
        self._prefix_list: list[int] = prefix.tolist()
        self._end_list: list[int] = (prefix[:-1] + self.unit_width).tolist()
        breaks = np.flatnonzero(self.unit_breaks > 0)
        ends = (breaks + 1).tolist()
        blanks = (self.unit_breaks[breaks] - 1).tolist()
        if not ends or ends[-1] != len(self.unit_width):
            ends.append(len(self.unit_width))
            blanks.append(0)
        self._paragraphs: list[tuple[int, int]] = list(zip(ends, blanks, strict=True))
        keep = np.zeros(len(self.unit_width), dtype=np.uint8)
        keep[glued_units] = 1
        # Bytes, not a list: one flag a unit, indexed once per line, built without a loop.
        self._keep: bytes = keep.tobytes()

    def __len__(self) -> int:
        return len(self.tokens)

    @classmethod
    def measure(cls, text: str, tokens: Tokenization) -> TokenMetrics:
        """Measure every token and the whitespace between tokens (vectorized: only tokens
        holding newlines or joined emoji sequences are measured one by one)."""
        n = len(tokens)
        starts, ends = tokens.starts, tokens.ends
        next_starts = np.empty(n, dtype=np.int64)
        next_starts[:-1] = starts[1:]
        if n:
            next_starts[-1] = len(text)
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        cells, blank = _char_cells(codes)
        solid = np.zeros(len(codes) + 1, dtype=np.int64)
        np.cumsum(~blank, out=solid[1:])
        space = (solid[ends] - solid[starts]) == 0
        token_width = cells[ends] - cells[starts]
        gap_width = cells[next_starts] - cells[ends]
        gap_breaks = np.zeros(n, dtype=np.int64)

        # Newlines split tokens and break lines; joiners and variation selectors make a
        # sequence's width differ from the sum of its characters'. Both are rare enough to
        # handle one token (or gap) at a time.
        odd = np.flatnonzero((codes == 0x0A) | (codes == 0x200D) | (codes == 0xFE0F))
        owner = np.searchsorted(ends, odd, side="right")
        inside = owner < n
        inside[inside] = starts[owner[inside]] <= odd[inside]
        odd_tokens = np.unique(owner[inside]).tolist()
        odd_gaps = np.unique(owner[~inside] - 1).tolist()

        leading_blank = 0
        for gap in odd_gaps:
            gap_start = int(ends[gap]) if gap >= 0 else 0
            gap_end = int(next_starts[gap]) if gap >= 0 else int(starts[0]) if n else len(text)
            gap_text = text[gap_start:gap_end]
            newlines = gap_text.count("\n")
            if gap < 0:
                leading_blank = newlines
                continue
            gap_breaks[gap] = newlines
            # Whitespace before a newline hangs at the line's end; after it, it is dropped.
            gap_width[gap] = 0 if newlines else cell_width(gap_text)

        pieces: dict[int, list[tuple[int, int, int]]] = {}
        for token in odd_tokens:
            start, end = int(starts[token]), int(ends[token])
            word = text[start:end]
            if "\n" not in word:
                token_width[token] = cell_width(word)
                continue
            cuts = word.split("\n")
            if cuts[-1] == "":
                cuts.pop()
            offset = start
            cut_list: list[tuple[int, int, int]] = []
            for cut in cuts:
                cut_list.append((offset, offset + len(cut), cell_width(cut)))
                offset += len(cut) + 1
            pieces[token] = cut_list

        counts = np.ones(n, dtype=np.int64)
        for token, cut_list in pieces.items():
            counts[token] = len(cut_list)
        unit_token = np.repeat(np.arange(n, dtype=np.int64), counts)
        last_unit = np.cumsum(counts) - 1
        unit_start = starts[unit_token]
        unit_end = ends[unit_token]
        unit_width = token_width[unit_token]
        unit_gap = np.zeros(len(unit_token), dtype=np.int64)
        unit_breaks = np.zeros(len(unit_token), dtype=np.int64)
        unit_gap[last_unit] = gap_width
        unit_breaks[last_unit] = gap_breaks
        for token, cut_list in pieces.items():
            first = int(last_unit[token]) - len(cut_list) + 1
            word_end = int(ends[token])
            for k, (cut_start, cut_end, width) in enumerate(cut_list):
                unit = first + k
                unit_start[unit], unit_end[unit], unit_width[unit] = cut_start, cut_end, width
                if cut_end < word_end:  # a newline follows this piece inside the token
                    unit_breaks[unit] += 1
                    unit_gap[unit] = 0
        units = (unit_token, unit_start, unit_end, unit_width, unit_gap, unit_breaks)
        # A glued token holds no newline, so it is one unit.
        glued_units = (last_unit - counts + 1)[_glued(codes, tokens, space)]
        return cls(text, tokens, units, leading_blank, space, glued_units)

    def next_visible(self, token: int) -> int | None:
        """The first non-whitespace token at or after ``token``, or None."""
        index = int(np.searchsorted(self.visible, token, side="left"))
        return int(self.visible[index]) if index < len(self.visible) else None

    def previous_visible(self, token: int) -> int | None:
        """The last non-whitespace token at or before ``token``, or None."""
        index = int(np.searchsorted(self.visible, token, side="right")) - 1
        return int(self.visible[index]) if index >= 0 else None

    def wrap(self, width: int) -> LineLayout:
        """Lay the tokens out in lines of at most ``width`` cells (at least :data:`MIN_WIDTH`).

        Greedy, at token boundaries: the whitespace after a line's last token hangs past the
        edge, newlines break lines, and a token wider than a line is cut across lines of its
        own. A line never starts with punctuation glued to the word before it (a comma, a
        closing quote) nor ends with an opening bracket glued to the word after: the word
        goes down with it, unless the glued run alone is wider than a line. Costs one bisect
        per line plus a few vectorized passes over the tokens.
        """
        width = max(width, MIN_WIDTH)
        prefix, unit_ends, keep = self._prefix_list, self._end_list, self._keep
        line_first: list[int] = [0] * self.leading_blank
        line_stop: list[int] = [0] * self.leading_blank
        cuts: list[tuple[int, int, int, int]] = []
        first = 0
        for stop, blank in self._paragraphs:
            unit = first
            while unit < stop:
                end = bisect_right(unit_ends, prefix[unit] + width, unit, stop)
                if end == unit:
                    for cut_start, cut_end, cut_width in self._cut(unit, width):
                        cuts.append((len(line_first), cut_start, cut_end, cut_width))
                        line_first.append(unit)
                        line_stop.append(unit + 1)
                    unit += 1
                    continue
                if end < stop and keep[end]:
                    back = end - 1
                    while back > unit and keep[back]:
                        back -= 1
                    if back > unit:  # else the glued run fills the line: break inside it
                        end = back
                line_first.append(unit)
                line_stop.append(end)
                unit = end
            line_first.extend([stop] * blank)
            line_stop.extend([stop] * blank)
            first = stop
        return LineLayout(self, width, line_first, line_stop, cuts)

    def _cut(self, unit: int, width: int) -> list[tuple[int, int, int]]:
        """Cut a unit wider than ``width`` into pieces that fit: ``(start, end, cells)``."""
        start, end = int(self.unit_start[unit]), int(self.unit_end[unit])
        word = self.text[start:end]
        if word.isascii() and word.isprintable():  # one cell a character: plain slices
            return [(s, min(s + width, end), min(width, end - s)) for s in range(start, end, width)]
        # Measure growing prefixes rather than adding up characters: a joiner or variation
        # selector changes the width of what comes before it.
        result: list[tuple[int, int, int]] = []
        piece_start, used = start, 0
        for stop in range(start + 1, end + 1):
            cells = cell_width(self.text[piece_start:stop])
            if cells > width and stop - 1 > piece_start:
                result.append((piece_start, stop - 1, used))
                piece_start = stop - 1
                cells = cell_width(self.text[piece_start:stop])
            used = cells
        result.append((piece_start, end, used))
        return result


class LineLayout:
    """A document wrapped at one width: its visual lines, each a run of :class:`Fragment`, and
    the lookups between tokens, lines and cells (each O(1) or a binary search)."""

    def __init__(
        self,
        metrics: TokenMetrics,
        width: int,
        line_first: list[int],
        line_stop: list[int],
        cuts: list[tuple[int, int, int, int]],
    ) -> None:
        self.metrics = metrics
        """The measurements this layout was wrapped from."""
        self.width = width
        """The wrap width in cells; no line is wider."""
        first = np.asarray(line_first, dtype=np.int64)
        counts = np.asarray(line_stop, dtype=np.int64) - first
        line_start = np.zeros(len(first) + 1, dtype=np.int64)
        np.cumsum(counts, out=line_start[1:])
        frag_line = np.repeat(np.arange(len(first), dtype=np.int64), counts)
        line_unit = first[frag_line]
        unit = np.arange(len(frag_line), dtype=np.int64) - line_start[frag_line] + line_unit
        prefix = metrics._prefix
        self.line_start: Index = line_start
        """Index of each line's first fragment; one more entry than lines."""
        self.frag_line: Index = frag_line
        """Per fragment, in document order: its line."""
        self.frag_token: Index = metrics.unit_token[unit]
        """Per fragment: its token (non-decreasing)."""
        self.frag_x: Index = prefix[unit] - prefix[line_unit]
        """Per fragment: its first cell."""
        self.frag_width: Index = metrics.unit_width[unit]
        """Per fragment: its cells."""
        self.frag_start: Index = metrics.unit_start[unit]
        """Per fragment: its first character in the text."""
        self.frag_end: Index = metrics.unit_end[unit]
        """Per fragment: the character after its last."""
        for line, cut_start, cut_end, cut_width in cuts:
            index = int(line_start[line])
            self.frag_start[index], self.frag_end[index] = cut_start, cut_end
            self.frag_width[index] = cut_width
        self.token_start: Index = np.searchsorted(
            self.frag_token, np.arange(len(metrics) + 1, dtype=np.int64), side="left"
        ).astype(np.int64)
        """Index of each token's first fragment; one more entry than tokens."""
        self._line_start_list: list[int] = line_start.tolist()

    @property
    def line_count(self) -> int:
        """The number of visual lines."""
        return len(self._line_start_list) - 1

    @property
    def token_count(self) -> int:
        """The number of tokens."""
        return len(self.metrics)

    def fragment(self, index: int) -> Fragment:
        """Fragment ``index`` (in document order)."""
        return Fragment(
            int(self.frag_token[index]),
            int(self.frag_line[index]),
            int(self.frag_x[index]),
            int(self.frag_width[index]),
            int(self.frag_start[index]),
            int(self.frag_end[index]),
        )

    def line_fragments(self, line: int) -> list[Fragment]:
        """The fragments drawn on ``line``, left to right (none on a blank line)."""
        first, stop = self._line_start_list[line], self._line_start_list[line + 1]
        if first == stop:
            return []
        window = slice(first, stop)
        return [
            Fragment(*values)
            for values in zip(
                self.frag_token[window].tolist(),
                [line] * (stop - first),
                self.frag_x[window].tolist(),
                self.frag_width[window].tolist(),
                self.frag_start[window].tolist(),
                self.frag_end[window].tolist(),
                strict=True,
            )
        ]

    def token_fragments(self, token: int) -> list[Fragment]:
        """The fragments of ``token``: one, or several if it holds newlines or was cut."""
        first, stop = int(self.token_start[token]), int(self.token_start[token + 1])
        return [self.fragment(index) for index in range(first, stop)]

    def locate(self, token: int) -> tuple[int, int, int]:
        """Where ``token`` starts: ``(line, first cell, cell after its last)`` of its first
        fragment."""
        index = int(self.token_start[token])
        x = int(self.frag_x[index])
        return int(self.frag_line[index]), x, x + int(self.frag_width[index])

    def token_lines(self, token: int) -> tuple[int, int]:
        """The lines ``token`` is drawn on: ``(first, last + 1)``."""
        return self.range_lines(token, token + 1)

    def range_lines(self, start: int, stop: int) -> tuple[int, int]:
        """The lines that tokens ``start`` up to ``stop`` (exclusive) are drawn on:
        ``(first, last + 1)``; ``(0, 0)`` for an empty range."""
        if start >= stop:
            return 0, 0
        first = int(self.frag_line[self.token_start[start]])
        return first, int(self.frag_line[self.token_start[stop] - 1]) + 1

    def line_tokens(self, line: int) -> tuple[int, int]:
        """The tokens on ``line``: ``(first, last + 1)``; on a blank line, an empty range at
        the next token."""
        first, stop = self._line_start_list[line], self._line_start_list[line + 1]
        if first == stop:
            token = (
                int(self.frag_token[first]) if first < len(self.frag_token) else len(self.metrics)
            )
            return token, token
        return int(self.frag_token[first]), int(self.frag_token[stop - 1]) + 1

    def line_width(self, line: int) -> int:
        """Cells used on ``line`` (hanging whitespace excluded)."""
        first, stop = self._line_start_list[line], self._line_start_list[line + 1]
        if first == stop:
            return 0
        return int(self.frag_x[stop - 1] + self.frag_width[stop - 1])

    def token_at(self, x: int, line: int) -> int | None:
        """The token drawn at cell ``x`` of ``line``, else the nearest one on that line before
        ``x`` (or after, left of the first); on a blank line the next token. Lines out of range
        are clamped. None for a document without tokens."""
        if not len(self.frag_token):
            return None
        line = min(max(line, 0), self.line_count - 1)
        first, stop = self._line_start_list[line], self._line_start_list[line + 1]
        if first == stop:
            return int(self.frag_token[min(first, len(self.frag_token) - 1)])
        index = first + int(np.searchsorted(self.frag_x[first:stop], x, side="right")) - 1
        return int(self.frag_token[max(index, first)])
