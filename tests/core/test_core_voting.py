"""The one majority vote: plurality, majority topics, pooled spans and the merge, the same for
the store's spans (review) and the exports' rows (``--source majority``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.review import Votes, majority_plan
from workbench.store.records import AnnotationInfo, SpanInfo, SpanRow, topics_json
from workbench.voting import majority_topics, merge_majority, plurality, pool_spans


def test_plurality_leaves_a_tie_unset_and_says_so() -> None:
    assert plurality(["A", "B", "A", None]) == ("A", False)
    assert plurality(["A", "B", None]) == (None, True)
    assert plurality([None, None]) == (None, False)
    assert plurality([]) == (None, False)


def test_majority_topics_are_those_more_than_half_gave() -> None:
    assert majority_topics([("X", "Y"), ("X",), ("Y", "X", "X")]) == ("X", "Y")
    assert majority_topics([("X",), ("Y",)]) == ()
    assert majority_topics([]) == ()


def info(start: int, end: int, label: str, stance: str | None, *topics: str) -> SpanInfo:
    return SpanInfo(0, 0, start, end, start, end + 1, label, stance, tuple(sorted(topics)))


def row(span: SpanInfo) -> SpanRow:
    return SpanRow(
        7,
        span.start,
        span.end,
        span.token_start,
        span.token_end,
        span.label,
        span.stance,
        topics_json(span.topics),
    )


MARKED = {
    "cy": [info(0, 4, "FACT", "CRITICAL", "ECONOMY"), info(5, 9, "QUOTE", None)],
    "ann": [info(0, 4, "FACT", "CRITICAL", "ECONOMY", "ENERGY"), info(2, 3, "OPINION", None)],
    "bob": [info(0, 4, "FACT", "NEUTRAL"), info(5, 9, "QUOTE", "MIXED"), info(5, 9, "FACT", None)],
}


def test_spans_pool_by_start_end_and_claim_type_with_merged_labels() -> None:
    pooled = pool_spans(MARKED.items())
    assert [(p.start, p.end, p.label, p.annotators, p.marks) for p in pooled] == [
        (0, 4, "FACT", ("ann", "bob", "cy"), 3),
        (2, 3, "OPINION", ("ann",), 1),
        (5, 9, "FACT", ("bob",), 1),
        (5, 9, "QUOTE", ("bob", "cy"), 2),
    ]
    fact = pooled[0]
    assert (fact.stance, fact.topics, fact.token_end) == ("CRITICAL", ("ECONOMY",), 5)
    assert pooled[3].stance == "MIXED"  # the only stance given
    majority = pool_spans(MARKED.items(), more_than=1)
    assert [(p.start, p.label) for p in majority] == [(0, "FACT"), (5, "QUOTE")]


def test_store_spans_and_export_rows_pool_alike() -> None:
    rows = {name: [row(span) for span in spans] for name, spans in MARKED.items()}
    assert pool_spans(rows.items()) == pool_spans(MARKED.items())


@dataclass(frozen=True)
class Annotation:
    annotator: str
    status: str
    stance: str | None
    topics: tuple[str, ...]
    spans: list[SpanRow]


def test_the_merge_keeps_what_more_than_half_chose() -> None:
    annotations = [
        Annotation("ann", "done", "CRITICAL", ("ECONOMY",), [row(s) for s in MARKED["ann"]]),
        Annotation(
            "bob", "done", "NEUTRAL", ("ECONOMY", "ENERGY"), [row(s) for s in MARKED["bob"]]
        ),
        Annotation(
            "cy", "in_progress", None, ("ENERGY", "ECONOMY"), [row(s) for s in MARKED["cy"]]
        ),
    ]
    merged = merge_majority(annotations)
    assert (merged.stance, merged.stance_tied) == (None, True)
    assert merged.topics == ("ECONOMY", "ENERGY")
    assert [(p.start, p.end, p.label) for p in merged.spans] == [(0, 4, "FACT"), (5, 9, "QUOTE")]
    assert not merged.done
    assert merge_majority(annotations[:1]).spans == pool_spans([("ann", annotations[0].spans)])


spans_strategy = st.lists(
    st.builds(
        info,
        st.integers(0, 5),
        st.integers(6, 9),
        st.sampled_from(["FACT", "QUOTE"]),
        st.sampled_from([None, "CRITICAL", "NEUTRAL"]),
    ),
    max_size=5,
    unique_by=lambda span: (span.start, span.end, span.label),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(spans_strategy, min_size=1, max_size=4))
def test_review_pools_and_merges_as_the_export_does(marked: list[list[SpanInfo]]) -> None:
    names = [f"a{index}" for index in range(len(marked))]
    infos = [
        AnnotationInfo(i, 1, i, name, "done", None, (), "", 0.0, 0.0, 0.0, tuple(spans))
        for i, (name, spans) in enumerate(zip(names, marked, strict=True))
    ]
    votes = Votes.of(infos)
    pooled = pool_spans(zip(names, marked, strict=True))
    assert [
        (c.start, c.end, c.token_start, c.token_end, c.label, c.annotators, c.stance, c.topics)
        for c in votes.candidates
    ] == [
        (p.start, p.end, p.token_start, p.token_end, p.label, p.annotators, p.stance, p.topics)
        for p in pooled
    ]
    gold = AnnotationInfo(99, 1, 99, "gold", "in_progress", None, (), "", 0.0, 0.0, 0.0, ())
    plan = majority_plan(votes, gold)
    merged = merge_majority(
        [
            Annotation(name, "done", None, (), [row(s) for s in spans])
            for name, spans in zip(names, marked, strict=True)
        ]
    )
    assert [c.key for c in plan.spans] == [(p.start, p.end, p.label) for p in merged.spans]


def counter_plurality(values: list[str | None]) -> tuple[str | None, bool]:
    """The vote as it was first written, with a Counter: the reference the fast one equals."""
    counts = Counter(value for value in values if value is not None).most_common(2)
    if not counts:
        return None, False
    if len(counts) == 2 and counts[0][1] == counts[1][1]:
        return None, True
    return counts[0][0], False


def counter_majority_topics(sets: list[list[str]]) -> tuple[str, ...]:
    counts = Counter(topic for topics in sets for topic in set(topics))
    return tuple(sorted(topic for topic, count in counts.items() if 2 * count > len(sets)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([None, "A", "B", "C"]), max_size=7))
def test_plurality_equals_the_counter_reference(values: list[str | None]) -> None:
    assert plurality(values) == counter_plurality(values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["X", "Y", "Z"]), max_size=4), max_size=6))
def test_majority_topics_equal_the_counter_reference(sets: list[list[str]]) -> None:
    assert majority_topics(sets) == counter_majority_topics(sets)
