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


@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 6)), max_size=30),
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 6)), max_size=40),
    st.data(),
)
def test_an_index_replaced_answers_as_one_built_anew(
    ranges: list[tuple[int, int]], more: list[tuple[int, int]], data: st.DataObject
) -> None:
    spans = [span(i, start, start + length) for i, (start, length) in enumerate(ranges)]
    gone = data.draw(st.lists(st.sampled_from(spans), unique_by=id) if spans else st.just([]))
    # New objects: some with new ids, some standing for a kept span's id (a relabel).
    ids = [g.id for g in gone] + [100 + i for i in range(len(more))]
    added = [span(ids[i], start, start + length) for i, (start, length) in enumerate(more)]
    then = [*(s for s in spans if all(s is not g for g in gone)), *added]
    then = data.draw(st.permutations(then))
    old = SpanIndex(spans)
    new, changed = old.replaced(then)
    anew = SpanIndex(then)
    assert new.spans == anew.spans
    assert {id(s) for s in changed} == {id(s) for s in [*gone, *added]}
    for token in range(48):
        assert new.at(token) == anew.at(token)
        assert new.overlapping(token, token + 3) == anew.overlapping(token, token + 3)
        assert new.starting_in(token, token + 5) == anew.starting_in(token, token + 5)
    for s in then:
        assert new.get(s.id) == anew.get(s.id)


def test_replacing_a_span_by_another_of_its_id_finds_the_new_one() -> None:
    a, b = span(1, 0, 2), span(2, 3, 4)
    relabelled = SpanInfo(2, 1, 15, 19, 3, 4, "QUOTE")
    new, changed = SpanIndex([a, b]).replaced([a, relabelled])
    assert new.get(2) is relabelled and new.spans == (a, relabelled)
    assert changed == [b, relabelled]
    same, nothing = new.replaced([relabelled, a])
    assert same.spans == new.spans and nothing == []
    assert new.replaced(new.spans)[0] is new
