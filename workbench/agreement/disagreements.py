"""The pairs behind each cell of the confusion matrices: which spans or stances two annotators set.

The claim-type matrix counts, for every pair of annotators and every document both counted,
each pair of one annotator's span and the other's span that share a character (the report's
``spans.confusion``: symmetric, the diagonal counts pairs that agree on the type). Here each
such pair is kept, with where it is, so a reviewer can go from a cell to the spans behind it.
A span that shares no character with any span of the other annotator is *unmatched*: it is
paired with no span, in the row and column :data:`NO_SPAN` (which the report does not have).
That is not an F1 false positive, which is per claim type: a span the other annotator overlaps
with another type is a confusion here, not unmatched.

The stance matrix counts, per annotator pair and document, the two document stances of pairs
who both chose one (the HTML report's ``stance_confusion``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

import numpy as np

from workbench.agreement.collect import Corpus, Ints, collect, resolve
from workbench.agreement.tallies import pair_spans

if TYPE_CHECKING:
    from workbench.store import Store

NO_SPAN = None
"""The row and column of spans the other annotator has no overlapping span for."""
Label = str | None


class MarkedSpan(NamedTuple):
    """One annotator's span: characters and tokens (ends exclusive) and its claim type."""

    start: int
    end: int
    token_start: int
    token_end: int
    label: str


@dataclass(frozen=True, slots=True)
class SpanDisagreement:
    """Two annotators' spans on one document that share a character, or one annotator's span
    the other has nothing over (``spans`` holds None on that side). ``texts`` are the spans'
    texts once read by :func:`with_texts` (empty before, and for a missing span)."""

    document: str
    annotators: tuple[str, str]
    spans: tuple[MarkedSpan | None, MarkedSpan | None]
    texts: tuple[str, str] = ("", "")

    @property
    def first(self) -> MarkedSpan:
        """The first side's span, or the second's when the first has none."""
        span = self.spans[0] or self.spans[1]
        assert span is not None  # a pair always has at least one span
        return span


@dataclass(frozen=True, slots=True)
class StanceDisagreement:
    """Two annotators' document stances on one document."""

    document: str
    annotators: tuple[str, str]
    stances: tuple[str, str]


Item = TypeVar("Item", SpanDisagreement, StanceDisagreement)


@dataclass(frozen=True)
class _Pairs:
    """Pairs as parallel arrays: document, the two coders, the two values (label or stance
    codes, -1 for no span) and the two span positions in ``Corpus.spans`` (-1 for none)."""

    document: Ints
    coder: tuple[Ints, Ints]
    value: tuple[Ints, Ints]
    position: tuple[Ints, Ints]

    @classmethod
    def join(cls, parts: Sequence[_Pairs]) -> _Pairs:
        def cat(pick: Iterable[Ints]) -> Ints:
            arrays = list(pick)
            return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)

        return cls(
            cat(p.document for p in parts),
            (cat(p.coder[0] for p in parts), cat(p.coder[1] for p in parts)),
            (cat(p.value[0] for p in parts), cat(p.value[1] for p in parts)),
            (cat(p.position[0] for p in parts), cat(p.position[1] for p in parts)),
        )


@dataclass(frozen=True)
class ConfusionCells(Generic[Item]):
    """A symmetric confusion matrix with the pairs behind each cell.

    ``labels`` are its rows and columns in order (:data:`NO_SPAN` last, for claim types).
    Cell ``(x, y)`` holds the pairs where one annotator said x and the other y, either way
    round, each listed with the side that said x first.
    """

    labels: tuple[Label, ...]
    _names: tuple[str, ...]
    """The corpus's names for the codes of ``_pairs.value``."""
    _pairs: _Pairs
    _corpus: Corpus
    _make: Callable[[Corpus, _Pairs, int, tuple[int, int]], Item]
    """One pair as a record, its sides in the given order."""

    def _code(self, label: Label) -> int:
        if label not in self.labels:
            raise KeyError(f"{label!r} is not a row of this matrix")
        return -1 if label is None else self._names.index(label)

    def _flipped(self, row: Label, column: Label) -> tuple[Ints, Ints]:
        """Positions of the cell's pairs as stored, and of those stored the other way round."""
        x, y = self._code(row), self._code(column)
        first, second = self._pairs.value
        straight = np.flatnonzero((first == x) & (second == y))
        if x == y:
            return straight, np.zeros(0, dtype=np.int64)
        return straight, np.flatnonzero((first == y) & (second == x))

    def count(self, row: Label, column: Label) -> int:
        """How many pairs are behind the cell (the report's count, for two labels)."""
        straight, flipped = self._flipped(row, column)
        return int(straight.size + flipped.size)

    def counts(self) -> list[list[int]]:
        """Every cell's count, rows and columns in the order of ``labels``."""
        return [[self.count(row, column) for column in self.labels] for row in self.labels]

    def pairs(self, row: Label, column: Label, *, limit: int | None = None) -> list[Item]:
        """The pairs behind the cell, ``row``'s side first, by document (in name order),
        then where the first side's span starts; the first ``limit`` of them if given (a
        cell can hold a hundred thousand pairs: only those shown need be records)."""
        straight, flipped = self._flipped(row, column)
        chosen = np.concatenate([straight, flipped])
        first = np.concatenate([np.zeros(straight.size, np.int64), np.ones(flipped.size, np.int64)])
        pairs, spans = self._pairs, self._corpus.spans
        # The first side's span (or, for a pair with none there, the other's) gives the place.
        lead = np.where(first == 0, pairs.position[0][chosen], pairs.position[1][chosen])
        other = np.where(first == 0, pairs.position[1][chosen], pairs.position[0][chosen])
        lead = np.where(lead >= 0, lead, other)
        start, end = (np.zeros(lead.size, np.int64) for _ in range(2))
        if len(spans):  # stance pairs have no span (-1): they keep 0
            start = np.where(lead >= 0, spans.start[np.maximum(lead, 0)], 0)
            end = np.where(lead >= 0, spans.end[np.maximum(lead, 0)], 0)
        order = np.lexsort((end, start, pairs.document[chosen]))[:limit]
        return [self._item(int(chosen[k]), int(first[k])) for k in order.tolist()]

    def _item(self, i: int, first: int) -> Item:
        return self._make(self._corpus, self._pairs, i, (first, 1 - first))


def _annotators(corpus: Corpus, pairs: _Pairs, i: int, sides: tuple[int, int]) -> tuple[str, str]:
    first, second = (corpus.coders[int(pairs.coder[side][i])] for side in sides)
    return first, second


def _span_item(corpus: Corpus, pairs: _Pairs, i: int, sides: tuple[int, int]) -> SpanDisagreement:
    first, second = (_marked(corpus, int(pairs.position[side][i])) for side in sides)
    document = corpus.documents[int(pairs.document[i])]
    return SpanDisagreement(document, _annotators(corpus, pairs, i, sides), (first, second))


def _stance_item(
    corpus: Corpus, pairs: _Pairs, i: int, sides: tuple[int, int]
) -> StanceDisagreement:
    first, second = (corpus.stances[int(pairs.value[side][i])] for side in sides)
    document = corpus.documents[int(pairs.document[i])]
    return StanceDisagreement(document, _annotators(corpus, pairs, i, sides), (first, second))


def _marked(corpus: Corpus, position: int) -> MarkedSpan | None:
    if position < 0:
        return None
    spans = corpus.spans
    return MarkedSpan(
        int(spans.start[position]),
        int(spans.end[position]),
        int(spans.token_start[position]),
        int(spans.token_end[position]),
        corpus.labels[int(spans.label[position])],
    )


def _overlapping_pairs(corpus: Corpus, a: int, b: int) -> _Pairs:
    """Every pair of an ``a`` span and a ``b`` span sharing a character, then each span of
    either that shares none with the other's (paired with no span)."""
    spans = corpus.spans
    in_a, in_b = pair_spans(corpus, a, b)
    width = int(corpus.lengths.max()) + 1 if corpus.lengths.size else 1
    key_b = spans.document[in_b] * width + spans.start[in_b]
    order = np.argsort(key_b, kind="stable")
    in_b, key_b = in_b[order], key_b[order]
    # B's spans of the same document that start before an A span ends are the candidates;
    # those that also end after it starts overlap it.
    base = spans.document[in_a] * width
    low = np.searchsorted(key_b, base, "left")
    high = np.searchsorted(key_b, base + spans.end[in_a], "left")
    reach = high - low
    left = np.repeat(np.arange(in_a.size), reach)
    offsets = np.cumsum(reach) - reach
    right = low[left] + np.arange(left.size) - offsets[left]
    hit = spans.end[in_b[right]] > spans.start[in_a[left]]
    pos_a, pos_b = in_a[left[hit]], in_b[right[hit]]
    overlapped = np.zeros(len(spans), dtype=np.bool_)
    overlapped[pos_a] = overlapped[pos_b] = True  # a and b's positions never coincide
    alone_a, alone_b = in_a[~overlapped[in_a]], in_b[~overlapped[in_b]]
    none_a = np.full(alone_a.size, -1, dtype=np.int64)
    none_b = np.full(alone_b.size, -1, dtype=np.int64)
    first = np.concatenate([pos_a, alone_a, none_b])
    second = np.concatenate([pos_b, none_a, alone_b])
    present = np.where(first >= 0, first, second)

    def label(positions: Ints) -> Ints:
        return np.where(positions >= 0, spans.label[np.maximum(positions, 0)], -1)

    return _Pairs(
        spans.document[present] if present.size else np.zeros(0, dtype=np.int64),
        (np.full(first.size, a, dtype=np.int64), np.full(first.size, b, dtype=np.int64)),
        (label(first), label(second)),
        (first, second),
    )


def claim_type_cells(corpus: Corpus) -> ConfusionCells[SpanDisagreement]:
    """The claim-type matrix (overlapping spans of two annotators) with :data:`NO_SPAN`."""
    parts = [
        _overlapping_pairs(corpus, a, b) for a, b in combinations(range(len(corpus.coders)), 2)
    ]
    labels: tuple[Label, ...] = (*corpus.labels, NO_SPAN)
    return ConfusionCells(labels, corpus.labels, _Pairs.join(parts), corpus, _span_item)


def stance_cells(corpus: Corpus) -> ConfusionCells[StanceDisagreement]:
    """The document stance matrix: each pair of annotators who both chose a stance."""
    parts = []
    for a, b in combinations(range(len(corpus.coders)), 2):
        both = np.flatnonzero(~np.isnan(corpus.stance[a]) & ~np.isnan(corpus.stance[b]))
        none = np.full(both.size, -1, dtype=np.int64)
        parts.append(
            _Pairs(
                both,
                (np.full(both.size, a, dtype=np.int64), np.full(both.size, b, dtype=np.int64)),
                (corpus.stance[a][both].astype(np.int64), corpus.stance[b][both].astype(np.int64)),
                (none, none),
            )
        )
    return ConfusionCells(
        tuple(corpus.stances), corpus.stances, _Pairs.join(parts), corpus, _stance_item
    )


@dataclass(frozen=True)
class Disagreements:
    """Both matrices of a selection, with the pairs behind their cells."""

    claim_type: ConfusionCells[SpanDisagreement]
    stance: ConfusionCells[StanceDisagreement]


def corpus_disagreements(corpus: Corpus) -> Disagreements:
    """Both matrices of an already collected corpus."""
    return Disagreements(claim_type_cells(corpus), stance_cells(corpus))


def disagreements(
    store: Store,
    *,
    annotators: Sequence[str] | None = None,
    status: str = "done",
    docs: Sequence[str] | None = None,
) -> Disagreements:
    """Both matrices of the annotations ``workbench agreement`` would compare (same arguments,
    see :func:`~workbench.agreement.report.agreement_report`)."""
    return corpus_disagreements(collect(store, resolve(store, annotators, status, docs)))


def with_texts(store: Store, items: Sequence[SpanDisagreement]) -> list[SpanDisagreement]:
    """The pairs with each span's text, the documents read once each."""
    from sqlalchemy import select
    from sqlmodel import col

    from workbench import models

    names = sorted({item.document for item in items})
    texts: dict[str, str] = {}
    document = models.Document
    with store.db.read() as session:
        # In chunks: a database limits how many values one IN list may bind.
        for chunk in range(0, len(names), 500):
            rows = session.connection().execute(
                select(col(document.name), col(document.text)).where(
                    col(document.name).in_(names[chunk : chunk + 500])
                )
            )
            texts.update((name, text) for name, text in rows)
    out = []
    for item in items:
        text = texts.get(item.document, "")
        first, second = (text[s.start : s.end] if s is not None else "" for s in item.spans)
        out.append(replace(item, texts=(first, second)))
    return out
