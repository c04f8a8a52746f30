"""Ties in the review queue decided on exact values, not on the last bits of float figures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np

from workbench.agreement.coefficients import masi_similarity
from workbench.agreement.collect import Bools, Corpus, Floats, Ints
from workbench.agreement.tallies import PairTally

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


_Column = tuple[list[bool], list[int], list[int]]
"""One annotator pair's figure for one field, per document: defined?, numerator, denominator."""


class ExactAgreement:
    """Documents' agreement per field (stance, topics, spans, as ``ranked_documents`` defines
    them) as fractions, None where undefined, for the ties the float figures cannot decide.

    Positions are those in ``documents``. The inputs are gathered once, with numpy, into
    lists of integers: most documents of a real corpus tie with another one somewhere, so each
    call must cost microseconds, not the many Fraction operations of a direct computation.
    """

    def __init__(
        self,
        corpus: Corpus,
        pairs: list[tuple[int, int]],
        overlap: dict[tuple[int, int], PairTally],
        documents: Ints,
    ) -> None:
        self._fields: tuple[list[_Column], ...] = ([], [], [])
        ones = [1] * documents.size
        for a, b in pairs:
            stance_a, stance_b = corpus.stance[a, documents], corpus.stance[b, documents]
            stance_both = ~np.isnan(stance_a) & ~np.isnan(stance_b)
            agree = (stance_a == stance_b).astype(np.int64).tolist()
            self._fields[0].append((stance_both.tolist(), agree, ones))
            shared = corpus.counted[a, documents] & corpus.counted[b, documents]
            similarity = _masi_fractions(corpus, (a, b), documents, shared)
            self._fields[1].append((shared.tolist(), *similarity))
            tp, fp, fn = overlap[(a, b)].per_document[documents].T
            total = 2 * tp + fp + fn
            marked = (shared & (total > 0)).tolist()
            self._fields[2].append((marked, (2 * tp).tolist(), np.maximum(total, 1).tolist()))

    def fields(self, position: int) -> tuple[Fraction | None, ...]:
        """The document's agreement per field."""
        return tuple(
            None if total is None else Fraction(total[0], total[1])
            for total in self._means(position)
        )

    def disagreement(self, position: int) -> Fraction:
        """1 minus the mean of the document's defined field agreements."""
        means = [total for total in self._means(position) if total is not None]
        numerator, denominator = 0, 1
        for n, d in means:
            numerator, denominator = numerator * d + n * denominator, denominator * d
        return 1 - Fraction(numerator, denominator * len(means))

    def _means(self, position: int) -> list[tuple[int, int] | None]:
        """Per field, the mean over pairs as (numerator, denominator), in plain integers."""
        means: list[tuple[int, int] | None] = []
        for columns in self._fields:
            numerator, denominator, count = 0, 1, 0
            for defined, numerators, denominators in columns:
                if defined[position]:
                    d = denominators[position]
                    numerator = numerator * d + numerators[position] * denominator
                    denominator *= d
                    count += 1
            means.append((numerator, denominator * count) if count else None)
        return means


def _masi_fractions(
    corpus: Corpus, pair: tuple[int, int], documents: Ints, shared: Bools
) -> tuple[list[int], list[int]]:
    """Per document, 1 - MASI distance of the pair's topic sets as numerator and denominator
    (0 / 1 where not shared), each distinct pair of sets computed once."""
    sets = corpus.topic_sets
    first, second = (corpus.topic_set[coder, documents][shared] for coder in pair)
    distinct, inverse = np.unique(first * len(sets) + second, return_inverse=True)
    fractions = [
        masi_similarity(sets[code // len(sets)], sets[code % len(sets)])
        for code in distinct.tolist()
    ]
    numerators = np.zeros(documents.size, dtype=np.int64)
    denominators = np.ones(documents.size, dtype=np.int64)
    picked = inverse.reshape(-1)
    numerators[shared] = np.array([f.numerator for f in fractions], dtype=np.int64)[picked]
    denominators[shared] = np.array([f.denominator for f in fractions], dtype=np.int64)[picked]
    return numerators.tolist(), denominators.tolist()
