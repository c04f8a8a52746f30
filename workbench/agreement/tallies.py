"""Span match counts per annotator pair (exact, overlap and token rules), computed with arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from workbench.agreement.collect import Corpus, Ints


@dataclass(frozen=True)
class PairTally:
    """Match counts of one annotator pair, A (first by name) as reference and B compared.

    Columns are true positives, false positives (B's unmatched items) and false negatives
    (A's unmatched items); ``per_label`` has one row per label, ``per_document`` one per
    document. Items are spans (exact and overlap rules) or (token, label) pairs (token rule).
    """

    per_label: Ints
    per_document: Ints


def pair_spans(corpus: Corpus, a: int, b: int) -> tuple[Ints, Ints]:
    """Positions of coder ``a``'s and coder ``b``'s spans in the documents both have counted
    (a document only one of them annotated says nothing about their agreement)."""
    spans = corpus.spans
    shared = (corpus.counted[a] & corpus.counted[b])[spans.document]
    return np.flatnonzero(shared & (spans.coder == a)), np.flatnonzero(shared & (spans.coder == b))


def _bincount(index: Ints, size: int, weights: npt.ArrayLike | None = None) -> Ints:
    return np.rint(np.bincount(index, weights=weights, minlength=size)).astype(np.int64)


@dataclass(frozen=True)
class _Items:
    """Counted items as (label, document, weight) arrays: how many items each entry stands for."""

    label: Ints
    document: Ints
    weight: npt.NDArray[np.floating[Any]] | Ints

    @classmethod
    def spans(cls, corpus: Corpus, positions: Ints) -> _Items:
        """One item per span."""
        spans = corpus.spans
        return cls(spans.label[positions], spans.document[positions], np.ones(positions.size))


def _tally(corpus: Corpus, matched: _Items, marked_a: _Items, marked_b: _Items) -> PairTally:
    """TP, FP, FN per label and per document from the matched items and each side's items."""
    rows: list[Ints] = []
    for size, field in ((len(corpus.labels), "label"), (len(corpus.documents), "document")):
        tp, by_a, by_b = (
            _bincount(getattr(items, field), size, items.weight)
            for items in (matched, marked_a, marked_b)
        )
        rows.append(np.stack([tp, by_b - tp, by_a - tp], axis=1))
    return PairTally(rows[0], rows[1])


def tally_exact(corpus: Corpus, a: int, b: int) -> PairTally:
    """Counts under the exact rule (same start, end and label; duplicates one to one), as
    :func:`workbench.agreement.span_agreement_exact` defines them."""
    spans = corpus.spans
    in_a, in_b = pair_spans(corpus, a, b)
    keys = spans.exact_key
    size = int(keys.max()) + 1 if keys.size else 0
    matched = np.minimum(_bincount(keys[in_a], size), _bincount(keys[in_b], size))
    key_label = np.zeros(size, dtype=np.int64)
    key_document = np.zeros(size, dtype=np.int64)
    key_label[keys] = spans.label
    key_document[keys] = spans.document
    return _tally(
        corpus,
        _Items(key_label, key_document, matched),
        _Items.spans(corpus, in_a),
        _Items.spans(corpus, in_b),
    )


def _overlapping(query_start: Ints, query_end: Ints, target_start: Ints, target_end: Ints) -> Ints:
    """For each query interval, how many target intervals share a position with it.

    Keys must place each group (document, or document and label) in its own range, so
    intervals of different groups never overlap. A target overlaps a query iff it starts
    before the query ends and does not end at or before the query starts; the second set is
    a subset of the first, so the count is a difference of two bisections.
    """
    return np.searchsorted(np.sort(target_start), query_end, "left") - np.searchsorted(
        np.sort(target_end), query_start, "right"
    )


def tally_overlap(corpus: Corpus, a: int, b: int) -> PairTally:
    """Counts under the overlap rule (same label, sharing a character, matched one to one by a
    maximum matching), as :func:`workbench.agreement.span_agreement_overlap` defines them.

    Where every span of a document and label overlaps at most one span of the other
    annotator, the overlaps are the matching and are counted with arrays; only the groups
    with a span that overlaps two or more go through the matching itself.
    """
    from workbench.agreement.spans import span_agreement_overlap

    spans = corpus.spans
    in_a, in_b = pair_spans(corpus, a, b)
    documents = len(corpus.documents)
    group = spans.label * documents + spans.document
    width = int(corpus.lengths.max()) + 1 if corpus.lengths.size else 1
    start, end = group * width + spans.start, group * width + spans.end
    degree_a = _overlapping(start[in_a], end[in_a], start[in_b], end[in_b])
    degree_b = _overlapping(start[in_b], end[in_b], start[in_a], end[in_a])
    tangled = np.union1d(group[in_a][degree_a > 1], group[in_b][degree_b > 1])
    simple = ~np.isin(group[in_a], tangled)
    tp_group = [group[in_a][simple]]
    tp_weight = [degree_a[simple].astype(np.float64)]
    if tangled.size:
        # Spans are sorted by label and document, so each group is one run of positions.
        order_a, order_b = in_a, in_b
        bounds_a = np.searchsorted(group[order_a], [tangled, tangled + 1])
        bounds_b = np.searchsorted(group[order_b], [tangled, tangled + 1])
        matched = np.zeros(tangled.size)
        for k in range(tangled.size):
            pieces = [
                [
                    (int(spans.start[i]), int(spans.end[i]), "")
                    for i in order[bounds[0, k] : bounds[1, k]]
                ]
                for order, bounds in ((order_a, bounds_a), (order_b, bounds_b))
            ]
            matched[k] = span_agreement_overlap([(pieces[0], pieces[1])]).micro.true_positives
        tp_group.append(tangled)
        tp_weight.append(matched)
    groups = np.concatenate(tp_group)
    return _tally(
        corpus,
        _Items(groups // documents, groups % documents, np.concatenate(tp_weight)),
        _Items.spans(corpus, in_a),
        _Items.spans(corpus, in_b),
    )


def _union_lengths(group: Ints, start: Ints, end: Ints) -> Ints:
    """Each interval's share of the union of its group's intervals, for intervals sorted by
    group and start: an interval adds what reaches past every earlier interval's end."""
    width = int(end.max()) + 1 if end.size else 1
    reach = np.maximum.accumulate(group * width + end)
    # Relative to its own group; an earlier group's reach comes out negative and is ignored.
    before = np.concatenate([[-1], reach[:-1]]) - group * width
    return np.maximum(0, end - np.maximum(start, before))


def tally_tokens(corpus: Corpus, a: int, b: int) -> PairTally:
    """Counts under the token rule ((token, label) pairs each annotator covers), as
    :func:`workbench.agreement.span_agreement_tokens` defines them with the documents'
    tokens: spans are token-aligned, so a span covers exactly its token range.

    |A and B| = |A| + |B| - |A or B|, each a union of token ranges per document and label.
    """
    spans = corpus.spans
    in_a, in_b = pair_spans(corpus, a, b)
    group = spans.label * len(corpus.documents) + spans.document
    # Both annotators' spans, still in the corpus's order: by label, document and start (token
    # order is character order, as spans are token-aligned).
    in_either = np.zeros(len(spans), dtype=np.bool_)
    in_either[in_a] = in_either[in_b] = True
    sides: list[_Items] = []
    for chosen in (in_a, in_b, np.flatnonzero(in_either)):
        shares = _union_lengths(group[chosen], spans.token_start[chosen], spans.token_end[chosen])
        sides.append(_Items(spans.label[chosen], spans.document[chosen], shares))
    side_a, side_b, either = sides
    # |A and B| = |A| + |B| - |A or B|, bincounted term by term with signed weights.
    both = _Items(
        np.concatenate([side_a.label, side_b.label, either.label]),
        np.concatenate([side_a.document, side_b.document, either.document]),
        np.concatenate([side_a.weight, side_b.weight, -either.weight]),
    )
    return _tally(corpus, both, side_a, side_b)


def overlap_confusion(corpus: Corpus, a: int, b: int) -> Ints:
    """labels x labels: how many pairs of an ``a`` span labelled x and a ``b`` span labelled
    y share a character, over the documents both annotated (every overlapping pair counts)."""
    spans = corpus.spans
    in_a, in_b = pair_spans(corpus, a, b)
    labels = len(corpus.labels)
    width = int(corpus.lengths.max()) + 1 if corpus.lengths.size else 1
    start, end = spans.document * width + spans.start, spans.document * width + spans.end
    confusion = np.zeros((labels, labels), dtype=np.int64)
    for label in range(labels):
        targets = in_b[spans.label[in_b] == label]
        if targets.size:
            hits = _overlapping(start[in_a], end[in_a], start[targets], end[targets])
            confusion[:, label] = _bincount(spans.label[in_a], labels, hits)
    return confusion
