"""Cursor motions over a wrapped document: the token each movement key lands on (no Textual)."""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np

from workbench.tui.layout import LineLayout, TokenMetrics

Motion = Literal[
    "left",
    "right",
    "up",
    "down",
    "sentence-previous",
    "sentence-next",
    "page-up",
    "page-down",
    "line-start",
    "line-end",
    "start",
    "end",
]
MOTIONS: tuple[Motion, ...] = get_args(Motion)
VERTICAL: frozenset[Motion] = frozenset({"up", "down", "page-up", "page-down"})
"""Motions that keep the goal column, so a run of up/down keys holds its column across short
lines."""


def land(
    motion: Motion,
    cursor: int,
    metrics: TokenMetrics,
    layout: LineLayout | None,
    goal_x: int | None = None,
    page: int = 1,
) -> tuple[int | None, int | None]:
    """Where ``motion`` takes a cursor on token ``cursor``: ``(token or None to stay, goal
    column)``. Whitespace-only tokens are passed over; vertical motions move ``1`` or ``page``
    lines at ``goal_x`` (the cursor's own column when None) and need a layout."""
    if not len(metrics):
        return None, goal_x
    if motion == "left":
        return (metrics.previous_visible(cursor - 1) if cursor > 0 else None), None
    if motion == "right":
        return metrics.next_visible(cursor + 1), None
    if motion == "start":
        return metrics.next_visible(0), None
    if motion == "end":
        return metrics.previous_visible(len(metrics) - 1), None
    if motion == "sentence-next":
        return _next_sentence(cursor, metrics), None
    if motion == "sentence-previous":
        return _previous_sentence(cursor, metrics), None
    if layout is None:
        return None, goal_x
    if motion == "line-start" or motion == "line-end":
        first, stop = layout.line_tokens(layout.locate(cursor)[0])
        if motion == "line-start":
            target = metrics.next_visible(first)
            return (target if target is not None and target <= cursor else None), None
        target = metrics.previous_visible(stop - 1)
        return (target if target is not None and target >= cursor else None), None
    if goal_x is None:
        goal_x = layout.locate(cursor)[1]
    delta = {"up": -1, "down": 1, "page-up": -page, "page-down": page}[motion]
    return _vertical(cursor, delta, goal_x, metrics, layout), goal_x


def _vertical(
    cursor: int, delta: int, goal_x: int, metrics: TokenMetrics, layout: LineLayout
) -> int | None:
    """The token ``delta`` lines away at column ``goal_x``. Lines without a word (blank lines
    between paragraphs) are passed over in the direction of travel; past the last word, the
    last line with one short of it is taken instead."""
    first, stop = layout.token_lines(cursor)
    step = 1 if delta > 0 else -1
    aim = min(max((stop - 1 if delta > 0 else first) + delta, 0), layout.line_count - 1)
    if first <= aim < stop:
        return None  # already on the first or last line
    line = _line_with_word(aim, step, first, stop, metrics, layout)
    if line is None:
        line = _line_with_word(aim - step, -step, first, stop, metrics, layout)
    if line is None:
        return None
    token = layout.token_at(goal_x, line)
    if token is None or not metrics.space[token]:
        return token
    after = metrics.next_visible(token)
    if after is not None and after < layout.line_tokens(line)[1]:
        return after
    return metrics.previous_visible(token)


def _line_with_word(
    line: int, step: int, first: int, stop: int, metrics: TokenMetrics, layout: LineLayout
) -> int | None:
    """From ``line`` on, by ``step``, the first line holding a word; None on reaching the
    cursor's own lines (``first`` to ``stop``) or the end of the document."""
    while 0 <= line < layout.line_count and not first <= line < stop:
        start, end = layout.line_tokens(line)
        word = metrics.next_visible(start)
        if word is not None and word < end:
            return line
        line += step
    return None


def _next_sentence(cursor: int, metrics: TokenMetrics) -> int | None:
    starts = metrics.tokens.sent_starts
    index = int(np.searchsorted(starts, cursor, side="right"))
    while index < len(starts):
        target = metrics.next_visible(int(starts[index]))
        if target is None or target > cursor:
            return target
        index += 1
    return None


def _previous_sentence(cursor: int, metrics: TokenMetrics) -> int | None:
    """The first word of the sentence holding the cursor, or of the one before when the
    cursor is already on it (as ``(`` in vi)."""
    starts = metrics.tokens.sent_starts
    index = int(np.searchsorted(starts, cursor, side="right")) - 1
    while index >= 0:
        target = metrics.next_visible(int(starts[index]))
        if target is not None and target < cursor:
            return target
        index -= 1
    return None


def sentence_around(cursor: int, metrics: TokenMetrics) -> tuple[int, int]:
    """The first and last word (inclusive) of the sentence holding ``cursor``; the cursor
    alone when the sentence has no word."""
    first, stop = metrics.tokens.sentence_of(cursor)
    start, end = metrics.next_visible(first), metrics.previous_visible(stop - 1)
    if start is None or end is None or start > end:
        return cursor, cursor
    return start, end


def changed_ranges(
    old: tuple[int, int] | None, new: tuple[int, int] | None
) -> list[tuple[int, int]]:
    """Token ranges (end exclusive) whose selected state differs between two selections:
    what must be re-painted when the selection changes."""
    if old == new:
        return []
    if old is None or new is None:
        return [r for r in (old, new) if r is not None]
    if old[1] <= new[0] or new[1] <= old[0]:
        return [old, new]
    ranges = []
    if old[0] != new[0]:
        ranges.append((min(old[0], new[0]), max(old[0], new[0])))
    if old[1] != new[1]:
        ranges.append((min(old[1], new[1]), max(old[1], new[1])))
    return ranges
