"""The span index of the document view: lookups by token, and taking spans out of it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workbench.store.records import SpanInfo
from workbench.tui.span_index import SpanIndex


def span(span_id: int, start: int, end: int) -> SpanInfo:
    return SpanInfo(span_id, 1, start * 5, end * 5 - 1, start, end, "FACT")


def test_without_takes_one_occurrence_of_each_given_span() -> None:
    a, b, c = span(1, 0, 2), span(2, 1, 3), span(3, 4, 5)
    index = SpanIndex([a, b, b, c])
    less = index.without([b, c])
    assert less.spans == (a, b)  # one of the two b's stays
    assert less.at(1) == [b, a] and less.at(4) == []
    assert less.get(3) is None and less.get(2) is b
    assert index.spans == (a, b, b, c)  # the index it came from is unchanged
    assert index.without([span(2, 1, 3)]).spans == index.spans  # equal, not the same: kept


@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 6)), max_size=30),
    st.data(),
)
def test_without_answers_as_an_index_built_anew(
    ranges: list[tuple[int, int]], data: st.DataObject
) -> None:
    spans = [span(i, start, start + length) for i, (start, length) in enumerate(ranges)]
    gone = data.draw(st.lists(st.sampled_from(spans), unique_by=id) if spans else st.just([]))
    left = [s for s in spans if all(s is not g for g in gone)]
    less, anew = SpanIndex(spans).without(gone), SpanIndex(left)
    assert less.spans == anew.spans
    for token in range(48):
        assert less.at(token) == anew.at(token)
        assert less.overlapping(token, token + 3) == anew.overlapping(token, token + 3)
        assert less.starting_in(token, token + 5) == anew.starting_in(token, token + 5)
