"""Krippendorff's alpha_U and set-distance alpha over a :class:`Corpus`, computed with arrays."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from workbench.agreement.coefficients import NO_PAIRABLE_UNIT, ZERO_DISTANCE
from workbench.agreement.collect import Bools, Corpus, Ints
from workbench.agreement.score import Score
from workbench.agreement.unitizing import no_expected_disagreement


@dataclass(frozen=True)
class Unitizing:
    """alpha_U over the documents every coder annotated: overall, per label, and what it used."""

    overall: Score
    per_label: dict[str, Score]
    documents: int
    ignored_overlapping_spans: int


def unitizing(corpus: Corpus) -> Unitizing:
    """Krippendorff's alpha_U over character positions, per label and overall, on the documents
    every coder has counted, pooled with each gap ending at its document's end (so neither the
    names nor the order of the documents change it).

    The same definition, conventions and results as
    :func:`workbench.agreement.alpha_unitizing` (DKPro's computation; a span is ignored when
    an earlier one of the same coder and label reaches into it), computed with arrays: that
    function walks every span in Python, which takes many seconds on a large corpus.
    """
    coders = len(corpus.coders)
    complete: Bools = np.all(corpus.counted, axis=0) if coders else np.zeros(0, dtype=np.bool_)
    documents = int(complete.sum())
    reason = None
    if coders < 2:
        reason = f"alpha_U compares two or more coders, found {coders}"
    elif documents == 0:
        reason = f"no document was annotated by all {coders} annotators"
    lengths = np.where(complete, corpus.lengths, 0)
    total = int(lengths.sum())
    spans = corpus.spans
    chosen = np.flatnonzero(complete[spans.document]) if reason is None else np.zeros(0, np.int64)
    if reason is None and total == 0:
        reason = "the documents are empty"
    elif reason is None and chosen.size == 0:
        reason = "no coder marked any span"
    if reason is not None:
        return Unitizing(Score.undefined_because(reason), {}, documents, 0)
    ends = np.cumsum(lengths)
    offsets = ends - lengths
    # Where gaps are cut: between documents (an empty document adds no boundary of its own).
    boundaries = np.unique(ends[complete][:-1])
    start = offsets[spans.document[chosen]] + spans.start[chosen]
    end = offsets[spans.document[chosen]] + spans.end[chosen]
    label, coder = spans.label[chosen], spans.coder[chosen]
    # Per coder and label, in INCEpTION's order (start ascending, longer first): a span is kept
    # only if it starts at or after the furthest end of every earlier one, kept or not.
    order = np.lexsort((-end, start, label, coder))
    start, end, label, coder = start[order], end[order], label[order], coder[order]
    group = coder * len(corpus.labels) + label
    reach = np.maximum.accumulate(group * (total + 1) + end)
    before = np.concatenate([[-1], reach[:-1]]) - group * (total + 1)
    kept = start >= before
    observed: dict[str, float] = {}
    expected: dict[str, float] = {}
    for code in np.unique(label).tolist():
        units = [
            (start[picked], end[picked])
            for picked in (kept & (label == code) & (coder == c) for c in range(coders))
        ]
        pair_sum = sum(
            _unit_distances(*units[i], *units[j])
            for i in range(coders)
            for j in range(i + 1, coders)
        )
        name = corpus.labels[code]
        observed[name] = 2 * pair_sum / (coders * (coders - 1) * total**2)
        expected[name] = _expected_disagreement(units, boundaries, total)
    per_label = {name: _unitizing_alpha(observed[name], expected[name], name) for name in observed}
    overall = _unitizing_alpha(sum(observed.values()), sum(expected.values()), None)
    return Unitizing(overall, per_label, documents, int((~kept).sum()))


def _unitizing_alpha(observed: float, expected: float, label: str | None) -> Score:
    if expected == 0:
        return Score.undefined_because(no_expected_disagreement(label))
    return Score.of(1.0 - observed / expected)


def _unit_distances(start_a: Ints, end_a: Ints, start_b: Ints, end_b: Ints) -> int:
    """Krippendorff's summed unit distances between two coders' disjoint, sorted units:
    (b1 - b2)^2 + (e1 - e2)^2 for each overlapping pair, the squared length of each unit that
    overlaps none of the other's."""
    first = np.searchsorted(end_b, start_a, "right")
    count = np.maximum(np.searchsorted(start_b, end_a, "left") - first, 0)
    pair_a = np.repeat(np.arange(start_a.size), count)
    pair_b = np.repeat(first - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
    total = int(
        np.sum((start_a[pair_a] - start_b[pair_b]) ** 2 + (end_a[pair_a] - end_b[pair_b]) ** 2)
    )
    lone_b = np.ones(start_b.size, dtype=np.bool_)
    lone_b[pair_b] = False
    total += int(np.sum((end_a - start_a)[count == 0] ** 2))
    total += int(np.sum((end_b - start_b)[lone_b] ** 2))
    return total


def _expected_disagreement(units: list[tuple[Ints, Ints]], boundaries: Ints, total: int) -> float:
    """D_E(c) over every coder's units and gaps, as ``workbench.agreement.unitizing`` has it:
    a gap ends at the next unit or document boundary, whichever comes first."""
    lengths = np.concatenate([end - start for start, end in units])
    gap_parts = []
    for start, end in units:
        # A boundary is an empty unit: it ends the gap before it and starts the gap after it.
        cut_start = np.concatenate([start, boundaries])
        cut_end = np.concatenate([end, boundaries])
        order = np.lexsort((cut_end, cut_start))
        edges = np.concatenate([[0], cut_end[order]])
        gap_parts.append(np.concatenate([cut_start[order], [total]]) - edges)
    gaps = np.sort(np.concatenate(gap_parts))
    gaps = gaps[gaps > 0]
    suffix = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0]])
    fitting = np.searchsorted(gaps, lengths, "left")
    placements = suffix[fitting] - (lengths - 1) * (gaps.size - fitting)
    # Floats: l^2 times a placement count can pass int64 on very long corpora.
    size = lengths.astype(np.float64)
    numerator = float(
        np.sum((lengths.size - 1) * size * (size - 1) * (2 * size - 1) / 3 + size**2 * placements)
    )
    pairable = len(units) * total * (len(units) * total - 1) - int(np.sum(lengths * (lengths - 1)))
    return 2 * numerator / (total * pairable)


def alpha_set_distance(
    ids: Ints,
    sets: Sequence[frozenset[str]],
    distance: Callable[[frozenset[str], frozenset[str]], float],
) -> Score:
    """Krippendorff's alpha with a set distance over a coders x units matrix of indices into
    ``sets`` (-1 where a coder left a unit uncoded).

    The same definition and results as :func:`workbench.agreement.alpha_with_distance` (with
    ``masi_distance`` it is ``alpha_masi``), with the per-value bookkeeping done by arrays:
    each coder gives a unit at most one value, so the ordered pairs of values within units are
    the pairs of coders who both coded them.
    """
    present = ids >= 0
    ratings = present.sum(axis=0)
    pairable = ratings >= 2
    ids, present, ratings = ids[:, pairable], present[:, pairable], ratings[pairable]
    values = int(ratings.sum())
    if values == 0:
        return Score.undefined_because(NO_PAIRABLE_UNIT)
    used = np.flatnonzero(np.bincount(ids[present]))
    lookup = np.zeros(int(used[-1]) + 1, dtype=np.int64)
    lookup[used] = np.arange(used.size)
    position = lookup[np.where(present, ids, 0)]
    distances = np.zeros((used.size, used.size))
    for i in range(used.size):
        for j in range(i + 1, used.size):
            distances[i, j] = distances[j, i] = distance(sets[used[i]], sets[used[j]])
    totals = np.bincount(position[present], minlength=used.size).astype(np.float64)
    expected = float(totals @ distances @ totals)
    if expected == 0.0:
        return Score.undefined_because(ZERO_DISTANCE)
    observed = 0.0
    for first in range(ids.shape[0]):
        for second in range(first + 1, ids.shape[0]):
            both = present[first] & present[second]
            pair = distances[position[first, both], position[second, both]]
            # Both orders of the pair, each weighted 1 / (m_u - 1) as in D_o.
            observed += 2.0 * float(np.sum(pair / (ratings[both] - 1)))
    return Score.of(1.0 - (values - 1) * observed / expected)
