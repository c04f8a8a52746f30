"""The spans of one document indexed by token, for drawing and for lookups on every key press."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from itertools import compress, count
from operator import is_not

import numpy as np

from workbench.nlp import Index
from workbench.store.records import SpanInfo

_FEW = 32
"""Up to this many spans added or taken away, :meth:`SpanIndex.replaced` edits the index it
has instead of sorting every span again."""


def _same_run(a: tuple[SpanInfo, ...], b: tuple[SpanInfo, ...]) -> int:
    """How many spans ``a`` and ``b`` start with that are the same objects."""
    return next(compress(count(), map(is_not, a, b)), min(len(a), len(b)))


def _order(span: SpanInfo) -> tuple[int, int, int]:
    return span.token_start, -span.token_end, span.id


def _depth_key(span: SpanInfo) -> tuple[int, int, int]:
    # Shortest first: the innermost span is the one drawn on top; between spans of the same
    # length, the one starting later overlaps the other's tail, so it is the nearer one.
    return span.token_end - span.token_start, -span.token_start, span.id


class SpanIndex:
    """Spans sorted by start, with vectorized overlap queries (a few microseconds for a
    thousand spans, independent of the document's length)."""

    def __init__(self, spans: Iterable[SpanInfo] = ()) -> None:
        self.spans: tuple[SpanInfo, ...] = tuple(sorted(spans, key=_order))
        """The spans, by start (then longest first)."""
        self._starts: Index = np.fromiter(
            (s.token_start for s in self.spans), dtype=np.int64, count=len(self.spans)
        )
        self._ends: Index = np.fromiter(
            (s.token_end for s in self.spans), dtype=np.int64, count=len(self.spans)
        )
        self._by_id = {span.id: span for span in self.spans}

    def without(self, gone: Iterable[SpanInfo]) -> SpanIndex:
        """This index less one occurrence of each span in ``gone`` (by identity: a suggestion
        decided takes its mark away, and only one of two equal marks); each is found by its
        start, so taking one out of a thousand costs microseconds, not a rebuild."""
        drop: set[int] = set()
        for span in gone:
            index = int(np.searchsorted(self._starts, span.token_start, side="left"))
            while index < len(self.spans) and self.spans[index].token_start == span.token_start:
                if self.spans[index] is span and index not in drop:
                    drop.add(index)
                    break
                index += 1
        if not drop:
            return self
        order = sorted(drop)
        subset = SpanIndex.__new__(SpanIndex)
        spans = list(self.spans)
        for index in reversed(order):
            del spans[index]
        subset.spans = tuple(spans)
        subset._starts = np.delete(self._starts, order)
        subset._ends = np.delete(self._ends, order)
        subset._by_id = dict(self._by_id)
        for index in order:
            span = self.spans[index]
            if not any(
                other is span
                for other in subset.starting_in(span.token_start, span.token_start + 1)
            ):
                del subset._by_id[span.id]
        return subset

    def replaced(self, spans: Iterable[SpanInfo]) -> tuple[SpanIndex, list[SpanInfo]]:
        """The index of ``spans``, and the spans that are in only one of it and this one (by
        identity: what a redraw must cover). A save changes a span or two of a thousand and
        keeps every other object, so the index is edited rather than sorted again."""
        spans = tuple(spans)
        old = self.spans
        # The usual save: the same spans in the same order but for a few in one place, found
        # from both ends by identity at C speed.
        head = _same_run(old, spans)
        tail = _same_run(old[head:][::-1], spans[head:][::-1])
        gone, added = old[head : len(old) - tail], spans[head : len(spans) - tail]
        if len(gone) + len(added) > _FEW:
            mine, theirs = set(map(id, old)), set(map(id, spans))
            if len(mine) != len(old) or len(theirs) != len(spans):
                # One object twice (marks can be): sort them all again.
                fresh = SpanIndex(spans)
                return fresh, fresh.changed(self)
            gone = tuple(s for s in old if id(s) not in theirs)
            added = tuple(s for s in spans if id(s) not in mine)
            if len(gone) + len(added) > _FEW:
                fresh = SpanIndex(spans)
                return fresh, [*gone, *added]
        index = self.without(gone).with_spans(added)
        if gone and added:  # a span can move within the run: it is neither gone nor new
            kept = set(map(id, gone)) & set(map(id, added))
            gone = tuple(s for s in gone if id(s) not in kept)
            added = tuple(s for s in added if id(s) not in kept)
        return index, [*gone, *added]

    def with_spans(self, added: Iterable[SpanInfo]) -> SpanIndex:
        """This index and ``added`` too, each put in its place by bisection."""
        added = list(added)
        if not added:
            return self
        spans, starts, ends = list(self.spans), self._starts, self._ends
        for span in added:
            at = bisect.bisect_right(spans, _order(span), key=_order)
            spans.insert(at, span)
            starts = np.insert(starts, at, span.token_start)
            ends = np.insert(ends, at, span.token_end)
        grown = SpanIndex.__new__(SpanIndex)
        grown.spans, grown._starts, grown._ends = tuple(spans), starts, ends
        grown._by_id = dict(self._by_id)
        for span in added:
            held = grown._by_id.get(span.id)
            if held is not None and held is not span:  # two objects, one id: as built anew
                grown._by_id = {s.id: s for s in grown.spans}
                break
            grown._by_id[span.id] = span
        return grown

    def __len__(self) -> int:
        return len(self.spans)

    def get(self, span_id: int) -> SpanInfo | None:
        """The span with that id, or None."""
        return self._by_id.get(span_id)

    def overlapping(self, start: int, stop: int) -> list[SpanInfo]:
        """Spans sharing a token with tokens ``start`` up to ``stop`` (exclusive), by start."""
        if not self.spans or start >= stop:
            return []
        limit = int(np.searchsorted(self._starts, stop, side="left"))
        hits = np.flatnonzero(self._ends[:limit] > start)
        return [self.spans[i] for i in hits.tolist()]

    def at(self, token: int) -> list[SpanInfo]:
        """Spans covering ``token``, innermost first."""
        return sorted(self.overlapping(token, token + 1), key=_depth_key)

    def innermost(self, token: int) -> SpanInfo | None:
        """The innermost span covering ``token``, or None."""
        covering = self.overlapping(token, token + 1)
        return min(covering, key=_depth_key) if covering else None

    def starting_in(self, start: int, stop: int) -> list[SpanInfo]:
        """Spans whose first token is in ``start`` up to ``stop`` (exclusive), by start."""
        first = int(np.searchsorted(self._starts, start, side="left"))
        last = int(np.searchsorted(self._starts, stop, side="left"))
        return list(self.spans[first:last])

    def changed(self, other: SpanIndex) -> list[SpanInfo]:
        """Spans in one index and not in the other: what a redraw must cover. Compared by
        identity, which a save keeps for every span it did not touch (hashing a thousand
        spans' fields on every key costs more); equal spans that are new objects (a reload)
        count as changed, which only repaints them."""
        mine = {id(span): span for span in self.spans}
        theirs = {id(span): span for span in other.spans}
        return [
            *(span for key, span in mine.items() if key not in theirs),
            *(span for key, span in theirs.items() if key not in mine),
        ]


def innermost_of(covering: list[SpanInfo]) -> SpanInfo | None:
    """The innermost of spans that all cover one token, or None if there are none."""
    return min(covering, key=_depth_key) if covering else None
