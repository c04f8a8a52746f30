"""Ties in the review queue decided on exact values, not on the last bits of float figures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np

from workbench.agreement.collect import Floats

TIE_TOLERANCE = 1e-9
"""Float figures closer than this are compared exactly. A figure here is a mean of a few ratios
of small integers, off by a few units in the last place (about 1e-15): figures further apart
than this are in the same order as their exact values, so only closer ones need fractions."""


def worst_first(
    disagreement: Floats, names: Sequence[str], exact: Callable[[int], Fraction]
) -> list[int]:
    """Positions by disagreement, highest first, equal ones by name.

    "Equal" means exactly equal: two disagreements of exactly 8/9 reached through different
    float operations may differ in their last bit, and must still be ordered by name. Floats
    rank; within each run of figures less than ``TIE_TOLERANCE`` apart, ``exact(position)``
    (the disagreement as a fraction) decides, then the name.
    """
    order = sorted(range(len(names)), key=lambda p: (-disagreement[p], names[p]))
    ranked: list[int] = []
    run: list[int] = []
    for position in order:
        if run and disagreement[run[-1]] - disagreement[position] >= TIE_TOLERANCE:
            ranked.extend(_exactly(run, names, exact))
            run = []
        run.append(position)
    ranked.extend(_exactly(run, names, exact))
    return ranked


def _exactly(run: list[int], names: Sequence[str], exact: Callable[[int], Fraction]) -> list[int]:
    if len(run) < 2:
        return run
    return sorted(run, key=lambda p: (-exact(p), names[p]))


def worst_fields(table: Floats, exact: Callable[[int], Sequence[Fraction | None]]) -> list[int]:
    """Per column of a fields x positions table (NaN where undefined), the row of the lowest
    agreement, the first row among exactly equal ones.

    Where two defined figures are less than ``TIE_TOLERANCE`` above the lowest, ``exact``
    (that position's figures as fractions, None where undefined) decides which is lowest.
    """
    if table.shape[1] == 0:
        return []
    filled = np.where(np.isnan(table), np.inf, table)
    lowest = filled.min(axis=0)
    near = filled - lowest < TIE_TOLERANCE
    worst: list[int] = np.argmax(near, axis=0).tolist()
    for position in np.flatnonzero(near.sum(axis=0) > 1).tolist():
        values = exact(position)
        low = min(value for value in values if value is not None)
        worst[position] = next(row for row, value in enumerate(values) if value == low)
    return worst
