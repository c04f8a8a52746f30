"""Pairwise precision, recall and F1 between two annotators' labelled spans, over many documents."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal, TypeVar

from workbench.agreement.score import Score

Span = tuple[int, int, str]
"""A labelled span as the metrics compare it: start, end (character offsets, end exclusive)
and label."""
# One document's spans by annotator A and by annotator B.
SpanPair = tuple[Sequence[Span], Sequence[Span]]
# Token boundaries of one document as (start, end) character offsets.
TokenBounds = Sequence[tuple[int, int]]
SpanMatching = Literal["exact", "overlap", "token"]

NO_SPANS = "neither annotator marked any span"

_Value = TypeVar("_Value", bound=Hashable)


@dataclass(frozen=True, slots=True)
class PrecisionRecallF1:
    """Match counts with annotator A as reference and annotator B as the one compared.

    ``true_positives`` are matches, ``false_positives`` B's unmatched items and
    ``false_negatives`` A's unmatched items. Swapping A and B swaps precision and recall;
    F1 = 2 TP / (2 TP + FP + FN) is symmetric.
    """

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> Score:
        """TP / (TP + FP): the share of B's items that A also has."""
        marked = self.true_positives + self.false_positives
        if marked == 0:
            return Score.undefined_because("annotator B marked nothing")
        return Score.of(self.true_positives / marked)

    @property
    def recall(self) -> Score:
        """TP / (TP + FN): the share of A's items that B also has."""
        marked = self.true_positives + self.false_negatives
        if marked == 0:
            return Score.undefined_because("annotator A marked nothing")
        return Score.of(self.true_positives / marked)

    @property
    def f1(self) -> Score:
        """2 TP / (2 TP + FP + FN), the harmonic mean of precision and recall."""
        denominator = 2 * self.true_positives + self.false_positives + self.false_negatives
        if denominator == 0:
            return Score.undefined_because(NO_SPANS)
        return Score.of(2 * self.true_positives / denominator)

    def __add__(self, other: PrecisionRecallF1) -> PrecisionRecallF1:
        return PrecisionRecallF1(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
        )


_NOTHING = PrecisionRecallF1(0, 0, 0)


@dataclass(frozen=True, slots=True)
class SpanAgreement:
    """Per-label counts and their micro-average (counts summed over labels, then the ratios)."""

    per_label: Mapping[str, PrecisionRecallF1]
    micro: PrecisionRecallF1


def _collect(per_label: Mapping[str, PrecisionRecallF1]) -> SpanAgreement:
    ordered = {label: per_label[label] for label in sorted(per_label)}
    return SpanAgreement(ordered, sum(ordered.values(), _NOTHING))


def _check(spans: Iterable[Span], document: int) -> None:
    for start, end, label in spans:
        if not 0 <= start < end:
            raise ValueError(
                f"document {document}: span {(start, end, label)!r} is empty or negative"
            )


def span_agreement_exact(documents: Iterable[SpanPair]) -> SpanAgreement:
    """Precision, recall and F1 where a span matches only a span with the same start, end and
    label; duplicates match one to one. Counts are summed over documents, per label.

    Sources: F1 between annotators as a reliability measure, Hripcsak & Rothschild, "Agreement,
    the F-measure, and reliability in information retrieval", JAMIA 12(3), 2005; the exact
    criterion as in Tsai et al., "Various criteria in the evaluation of biomedical named entity
    recognition", BMC Bioinformatics 7:92, 2006.
    """
    counts: dict[str, PrecisionRecallF1] = defaultdict(lambda: _NOTHING)
    for number, (spans_a, spans_b) in enumerate(documents):
        _check(spans_a, number)
        _check(spans_b, number)
        in_a, in_b = Counter(spans_a), Counter(spans_b)
        for span in in_a.keys() | in_b.keys():
            _, _, label = span
            matched = min(in_a[span], in_b[span])
            counts[label] += PrecisionRecallF1(matched, in_b[span] - matched, in_a[span] - matched)
    return _collect(counts)


def _maximum_matching_size(neighbours: list[list[int]], right_count: int) -> int:
    """Size of a maximum bipartite matching (Kuhn's augmenting paths, iterative DFS)."""
    left_of_right = [-1] * right_count
    right_of_left = [-1] * len(neighbours)
    size = 0
    for root in range(len(neighbours)):
        reached_from = [-1] * right_count
        stack = [(root, iter(neighbours[root]))]
        free_right = -1
        while stack and free_right < 0:
            left, candidates = stack[-1]
            for right in candidates:
                if reached_from[right] >= 0:
                    continue
                reached_from[right] = left
                if left_of_right[right] < 0:
                    free_right = right
                else:
                    partner = left_of_right[right]
                    stack.append((partner, iter(neighbours[partner])))
                break
            else:
                stack.pop()
        if free_right < 0:
            continue
        # Flip the augmenting path, walking back from the free right vertex to the root.
        right = free_right
        while right >= 0:
            left = reached_from[right]
            # The root was unmatched, so the walk ends there with previous == -1.
            previous = right_of_left[left]
            left_of_right[right], right_of_left[left] = left, right
            right = previous
        size += 1
    return size


def span_agreement_overlap(documents: Iterable[SpanPair]) -> SpanAgreement:
    """Precision, recall and F1 where spans match if they have the same label and share at
    least one character, one to one, choosing a maximum matching per document and label (so
    no pairing of the same spans could match more). Counts are summed over documents.

    Sources: F1 between annotators, Hripcsak & Rothschild, JAMIA 12(3), 2005; the overlap
    criterion as in Tsai et al., BMC Bioinformatics 7:92, 2006. Tsai et al. leave the pairing
    of multiply overlapping spans open; a maximum matching is the most lenient one-to-one
    choice.
    """
    counts: dict[str, PrecisionRecallF1] = defaultdict(lambda: _NOTHING)
    for number, (spans_a, spans_b) in enumerate(documents):
        _check(spans_a, number)
        _check(spans_b, number)
        by_label_a: dict[str, list[Span]] = defaultdict(list)
        by_label_b: dict[str, list[Span]] = defaultdict(list)
        for start, end, label in spans_a:
            by_label_a[label].append((start, end, label))
        for start, end, label in spans_b:
            by_label_b[label].append((start, end, label))
        for label in by_label_a.keys() | by_label_b.keys():
            left, right = by_label_a[label], by_label_b[label]
            neighbours = [
                [
                    j
                    for j, (start_b, end_b, _) in enumerate(right)
                    if start_a < end_b and start_b < end_a
                ]
                for start_a, end_a, _ in left
            ]
            matched = _maximum_matching_size(neighbours, len(right))
            counts[label] += PrecisionRecallF1(matched, len(right) - matched, len(left) - matched)
    return _collect(counts)


def _covered_positions(
    spans: Sequence[Span], tokens: TokenBounds | None
) -> dict[str, list[tuple[int, int]]]:
    """Per label, the merged position intervals the spans cover (characters, or token indices)."""
    intervals: dict[str, list[tuple[int, int]]] = defaultdict(list)
    if tokens is None:
        for start, end, label in spans:
            intervals[label].append((start, end))
    else:
        starts = [start for start, _ in tokens]
        ends = [end for _, end in tokens]
        for start, end, label in spans:
            # Tokens are disjoint and sorted, so those sharing a character with the span form
            # one run: from the first ending after its start to the last starting before its end.
            first, last = bisect_right(ends, start), bisect_left(starts, end)
            if first < last:
                intervals[label].append((first, last))
    merged: dict[str, list[tuple[int, int]]] = {}
    for label, pieces in intervals.items():
        pieces.sort()
        runs: list[tuple[int, int]] = []
        for start, end in pieces:
            if runs and start <= runs[-1][1]:
                runs[-1] = (runs[-1][0], max(runs[-1][1], end))
            else:
                runs.append((start, end))
        merged[label] = runs
    return merged


def _intersection_size(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> int:
    total = i = j = 0
    while i < len(first) and j < len(second):
        total += max(0, min(first[i][1], second[j][1]) - max(first[i][0], second[j][0]))
        if first[i][1] <= second[j][1]:
            i += 1
        else:
            j += 1
    return total


def span_agreement_tokens(
    documents: Sequence[SpanPair], tokens: Sequence[TokenBounds] | None = None
) -> SpanAgreement:
    """Precision, recall and F1 over (token, label) pairs: a token counts as marked with a
    label by an annotator if any of their spans with that label shares a character with it.

    ``tokens`` gives each document's token boundaries, in document order; without it every
    character is a token, so the counts are of (character offset, label) pairs. Marks of one
    annotator are a set, so overlapping spans with the same label do not count a token twice.
    Counts are summed over documents. Source: F1 between annotators, Hripcsak & Rothschild,
    JAMIA 12(3), 2005, with (token, label) pairs as the items compared.
    """
    if tokens is not None and len(tokens) != len(documents):
        raise ValueError(
            f"got token lists for {len(tokens)} documents, but {len(documents)} documents"
        )
    counts: dict[str, PrecisionRecallF1] = defaultdict(lambda: _NOTHING)
    for number, (spans_a, spans_b) in enumerate(documents):
        _check(spans_a, number)
        _check(spans_b, number)
        bounds = None if tokens is None else sorted(tokens[number])
        if bounds is not None and any(earlier[1] > later[0] for earlier, later in pairwise(bounds)):
            raise ValueError(f"document {number}: tokens overlap")
        covered_a = _covered_positions(spans_a, bounds)
        covered_b = _covered_positions(spans_b, bounds)
        for label in covered_a.keys() | covered_b.keys():
            runs_a, runs_b = covered_a.get(label, []), covered_b.get(label, [])
            both = _intersection_size(runs_a, runs_b)
            size_a = sum(end - start for start, end in runs_a)
            size_b = sum(end - start for start, end in runs_b)
            counts[label] += PrecisionRecallF1(both, size_b - both, size_a - both)
    return _collect(counts)


def span_agreement(
    documents: Sequence[SpanPair],
    matching: SpanMatching,
    tokens: Sequence[TokenBounds] | None = None,
) -> SpanAgreement:
    """Dispatch to ``span_agreement_exact``, ``span_agreement_overlap`` or
    ``span_agreement_tokens`` by ``matching``; see those for definitions and sources.
    ``tokens`` is used only by token matching."""
    if matching == "exact":
        return span_agreement_exact(documents)
    if matching == "overlap":
        return span_agreement_overlap(documents)
    if matching == "token":
        return span_agreement_tokens(documents, tokens)
    raise ValueError(f"unknown matching rule {matching!r}")


def units_for_identical_spans(
    documents: Iterable[
        tuple[Sequence[tuple[int, int, str, _Value]], Sequence[tuple[int, int, str, _Value]]]
    ],
) -> list[tuple[_Value, _Value]]:
    """Pair up the attribute values two annotators gave spans they marked identically.

    Each span is ``(start, end, label, value)``, e.g. with its stance or its frozenset of
    topics as value. Spans with the same start, end and label in both annotators' lists of a
    document yield one unit ``(value by A, value by B)``, ready for ``alpha_nominal`` (stance)
    or ``alpha_masi`` (topics); a None value is a missing one. A span marked twice by the same
    annotator in one document is ambiguous and raises ``ValueError``.
    """
    units: list[tuple[_Value, _Value]] = []
    for number, (spans_a, spans_b) in enumerate(documents):
        values_a = _values_by_boundaries(spans_a, number, "A")
        values_b = _values_by_boundaries(spans_b, number, "B")
        for key, value_a in values_a.items():
            if key in values_b:
                units.append((value_a, values_b[key]))
    return units


def _values_by_boundaries(
    spans: Sequence[tuple[int, int, str, _Value]], document: int, annotator: str
) -> dict[Span, _Value]:
    values: dict[Span, _Value] = {}
    for start, end, label, value in spans:
        if (start, end, label) in values:
            raise ValueError(
                f"document {document}: annotator {annotator} marked {(start, end, label)!r} twice"
            )
        values[(start, end, label)] = value
    return values
