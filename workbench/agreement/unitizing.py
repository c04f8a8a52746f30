"""Krippendorff's unitizing alpha (alpha_U) over character positions, as DKPro Agreement has it."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate, combinations
from typing import Any

from workbench.agreement.score import Score
from workbench.agreement.spans import Span

UnitizedDocument = tuple[int, Mapping[Any, Sequence[Span]]]
"""A text as coders unitized it: its length, and each coder's spans in it."""

_Interval = tuple[int, int]


@dataclass(frozen=True, slots=True)
class UnitizingAlpha:
    """alpha_U over all labels and per label, with the disagreements it is built from.

    ``observed_disagreement`` and ``expected_disagreement`` hold D_O(c) and D_E(c) per label;
    ``ignored_overlapping_spans`` counts spans left out because the same coder had already
    marked an overlapping span with the same label (see ``alpha_unitizing``).
    """

    overall: Score
    per_label: Mapping[str, Score]
    observed_disagreement: Mapping[str, float]
    expected_disagreement: Mapping[str, float]
    ignored_overlapping_spans: int


def _units_by_coder_and_label(
    documents: Sequence[UnitizedDocument],
) -> tuple[list[Hashable], dict[str, list[list[_Interval]]], list[int], int]:
    """Pool the documents into one continuum; return coders, label -> per-coder units, the
    document boundaries (0, the end of each document, the last being the total length) and how
    many spans were ignored."""
    _, first_coders = documents[0]
    coders: list[Hashable] = list(first_coders)
    coder_set = set(coders)
    units: dict[str, list[list[_Interval]]] = {}
    boundaries = [0]
    ignored = 0
    for number, (length, spans_by_coder) in enumerate(documents):
        offset = boundaries[-1]
        if length < 0:
            raise ValueError(f"document {number}: negative length {length}")
        if set(spans_by_coder) != coder_set:
            raise ValueError(
                f"document {number}: coders {sorted(map(repr, spans_by_coder))} differ from "
                f"{sorted(map(repr, coders))}; alpha_U needs every coder to have unitized every "
                "document (give an empty span list to a coder who marked nothing)"
            )
        for coder_index, coder in enumerate(coders):
            # UIMA's index order (start ascending, longer first), as INCEpTION feeds DKPro.
            ordered = sorted(spans_by_coder[coder], key=_index_order)
            reach: dict[str, int] = {}
            for start, end, label in ordered:
                if not 0 <= start < end <= length:
                    raise ValueError(
                        f"document {number}: coder {coder!r} has span {(start, end, label)!r} "
                        f"outside 0..{length} or empty"
                    )
                per_coder = units.setdefault(label, [[] for _ in coders])
                # DKPro's alpha_U needs a coder's same-label units to be disjoint. Like
                # INCEpTION, keep a span only if no earlier same-label span (kept or not)
                # reaches into it.
                if start < reach.get(label, 0):
                    ignored += 1
                else:
                    per_coder[coder_index].append((offset + start, offset + end))
                reach[label] = max(reach.get(label, 0), end)
        boundaries.append(offset + length)
    return coders, units, boundaries, ignored


def _index_order(span: Span) -> tuple[int, int]:
    """UIMA's index order: by start, the longer first."""
    start, end, _ = span
    return start, -end


def _pair_disagreement(first: list[_Interval], second: list[_Interval]) -> int:
    """Sum of Krippendorff's unit distances between two coders' disjoint, sorted units.

    Overlapping units (b1, e1), (b2, e2) contribute (b1 - b2)^2 + (e1 - e2)^2; a unit lying
    wholly in the other coder's gap (overlapping none of their units) contributes its squared
    length; a gap against a gap contributes nothing.
    """
    total = 0
    first_matched = [False] * len(first)
    second_matched = [False] * len(second)
    i = j = 0
    while i < len(first) and j < len(second):
        (b1, e1), (b2, e2) = first[i], second[j]
        if b1 < e2 and b2 < e1:
            total += (b1 - b2) ** 2 + (e1 - e2) ** 2
            first_matched[i] = second_matched[j] = True
        # Both lists are disjoint and sorted, so the unit ending first overlaps nothing further.
        if e1 <= e2:
            i += 1
        if e2 <= e1:
            j += 1
    total += sum((e - b) ** 2 for (b, e), hit in zip(first, first_matched, strict=True) if not hit)
    total += sum(
        (e - b) ** 2 for (b, e), hit in zip(second, second_matched, strict=True) if not hit
    )
    return total


def _gaps(units: list[_Interval], boundaries: Sequence[int]) -> list[int]:
    """The lengths of one coder's gaps: the stretches between units, each cut at the document
    boundaries (``boundaries`` starts at 0 and ends with the continuum's length).

    Without the cut, a document's trailing gap and the next one's leading gap would be one gap,
    and D_E would depend on which document comes first.
    """
    # A boundary is an empty unit: it ends the gap before it and starts the gap after it.
    pieces = sorted([*units, *((edge, edge) for edge in boundaries[1:-1])])
    ends = [boundaries[0], *(end for _, end in pieces)]
    starts = [*(start for start, _ in pieces), boundaries[-1]]
    return [start - end for end, start in zip(ends, starts, strict=True) if start > end]


def _expected_disagreement(per_coder: list[list[_Interval]], boundaries: Sequence[int]) -> Fraction:
    """D_E(c): the disagreement of all ways to place the observed units in the observed gaps."""
    coder_count = len(per_coder)
    length = boundaries[-1]
    lengths = [e - b for units in per_coder for b, e in units]
    gaps = sorted(gap for units in per_coder for gap in _gaps(units, boundaries))
    # gap_suffix[k] = sum of gaps[k:], so the gaps a unit fits in are summed by one bisection.
    gap_suffix = list(accumulate(reversed(gaps), initial=0))[::-1]
    unit_count = len(lengths)
    numerator = 0
    for unit_length in lengths:
        fitting = bisect_left(gaps, unit_length)
        placements = gap_suffix[fitting] - (unit_length - 1) * (len(gaps) - fitting)
        # l (l - 1) (2 l - 1) is six times a sum of squares, so the division by 3 is exact.
        numerator += (unit_count - 1) * unit_length * (unit_length - 1) * (2 * unit_length - 1) // 3
        numerator += unit_length**2 * placements
    pairable = coder_count * length * (coder_count * length - 1) - sum(
        unit_length * (unit_length - 1) for unit_length in lengths
    )
    return Fraction(2 * numerator, length * pairable)


def no_expected_disagreement(label: str | None) -> str:
    """Why alpha_U of a label (None: over all labels) is undefined when D_E is zero.

    Each unit's term in D_E is (N - 1) l (l - 1) (2 l - 1) / 3 plus l^2 times its placements
    in gaps at least as long, all non-negative. With two coders or more a lone unit always
    fits the other coder's gap, so D_E is zero exactly when there are no gaps and every unit
    has l = 1: every coder marked every character as a one-character unit of the label.
    (Coders who mark the whole text as one unit still leave D_E above zero.)
    """
    what, scope = ("all labels", "for every label, ") if label is None else (label, "")
    return (
        f"{what}: expected disagreement is zero, as it is only when {scope}every coder tiles "
        "the text with one-character units, leaving no gap"
    )


def _alpha(observed: Fraction, expected: Fraction, label: str | None) -> Score:
    if expected == 0:
        return Score.undefined_because(no_expected_disagreement(label))
    return Score.of(float(1 - observed / expected))


def alpha_unitizing(documents: Sequence[UnitizedDocument]) -> UnitizingAlpha:
    """Krippendorff's alpha_U for coders who each marked labelled spans in the same texts.

    Per label c, each coder's continuum of L characters is cut into that coder's c-units and the
    gaps between them. alpha_U(c) = 1 - D_O(c) / D_E(c), where D_O(c) = 2 / (R (R - 1) L^2) times
    the sum over coder pairs of the unit distances (``_pair_disagreement``), and D_E(c) =
    (2 / L) sum_u [(N_c - 1) l_u (l_u - 1) (2 l_u - 1) / 3 + l_u^2 sum_{gaps g >= l_u}
    (g - l_u + 1)] / (R L (R L - 1) - sum_u l_u (l_u - 1)), over the N_c c-units of all R
    coders. The overall alpha_U is 1 - mean_c D_O(c) / mean_c D_E(c) over the labels used.
    Sources: Krippendorff, "On the reliability of unitizing contiguous data", Sociological
    Methodology 25, 1995; Content Analysis, 2nd ed. (2004), sec. 11.6; computed as DKPro
    Agreement's KrippendorffAlphaUnitizingAgreement (Meyer et al., COLING 2014) does.

    Each document is ``(text length, {coder: [(start, end, label), ...]})``; every document must
    list the same coders. The documents are pooled into one continuum of their total length L
    (DKPro takes a single continuum), but a gap never runs across a document boundary: each
    document's gaps end where it ends. So the figure does not depend on the order (or names) of
    the documents, and a lone document gives exactly INCEpTION's per-document value. A coder's
    same-label spans must not overlap: as INCEpTION does, a span is ignored when an earlier one
    (by start, longer first) of the same coder and label reaches into it.
    """
    if not documents:
        return UnitizingAlpha(Score.undefined_because("there are no documents"), {}, {}, {}, 0)
    coders, units, boundaries, ignored = _units_by_coder_and_label(documents)
    length = boundaries[-1]
    reason = None
    if len(coders) < 2:
        reason = f"alpha_U compares two or more coders, found {len(coders)}"
    elif length == 0:
        reason = "the documents are empty"
    elif not units:
        reason = "no coder marked any span"
    if reason is not None:
        return UnitizingAlpha(Score.undefined_because(reason), {}, {}, {}, ignored)
    coder_count = len(coders)
    observed: dict[str, Fraction] = {}
    expected: dict[str, Fraction] = {}
    for label in sorted(units):
        per_coder = units[label]
        pair_sum = sum(_pair_disagreement(a, b) for a, b in combinations(per_coder, 2))
        observed[label] = Fraction(2 * pair_sum, coder_count * (coder_count - 1) * length**2)
        expected[label] = _expected_disagreement(per_coder, boundaries)
    return UnitizingAlpha(
        overall=_alpha(
            sum(observed.values(), Fraction(0)), sum(expected.values(), Fraction(0)), None
        ),
        per_label={label: _alpha(observed[label], expected[label], label) for label in observed},
        observed_disagreement={label: float(value) for label, value in observed.items()},
        expected_disagreement={label: float(value) for label, value in expected.items()},
        ignored_overlapping_spans=ignored,
    )
