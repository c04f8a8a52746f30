"""Adjudication's pooling of the annotators' work: candidates, votes, the majority plan."""

from __future__ import annotations

from workbench.review import Votes, majority_plan
from workbench.store import AnnotationInfo, SpanInfo

_ids = iter(range(1, 10_000))


def span(start: int, end: int, label: str, stance: str | None = None, *topics: str) -> SpanInfo:
    # One token per character keeps token and character offsets equal.
    return SpanInfo(next(_ids), 0, start, end, start, end, label, stance, tuple(topics))


def annotation(
    who: str, *spans: SpanInfo, stance: str | None = None, topics: tuple[str, ...] = ()
) -> AnnotationInfo:
    return AnnotationInfo(
        next(_ids), 1, 0, who, "done", stance, topics, "", 0.0, 0.0, 0.0, tuple(spans)
    )


def three() -> Votes:
    return Votes.of(
        [
            annotation(
                "carol",
                span(0, 2, "FACT", "CRITICAL", "ECONOMY"),
                span(5, 9, "QUOTE"),
                stance="CRITICAL",
                topics=("ECONOMY",),
            ),
            annotation(
                "alice",
                span(0, 2, "FACT", "CRITICAL", "ECONOMY", "UKRAINE"),
                span(3, 4, "OPINION"),
                stance="SUPPORTIVE",
                topics=("ECONOMY", "ENERGY"),
            ),
            annotation(
                "bob",
                span(0, 2, "FACT", "NEUTRAL"),
                span(5, 9, "QUOTE", "SUPPORTIVE"),
                span(5, 9, "FACT"),
                stance="CRITICAL",
                topics=("ENERGY", "ECONOMY"),
            ),
        ]
    )


def test_spans_pool_by_start_end_and_type_with_merged_labels() -> None:
    votes = three()
    assert votes.total == 3
    assert [a.annotator for a in votes.annotations] == ["alice", "bob", "carol"]
    assert [(c.start, c.end, c.label, c.annotators) for c in votes.candidates] == [
        (0, 2, "FACT", ("alice", "bob", "carol")),
        (3, 4, "OPINION", ("alice",)),
        (5, 9, "FACT", ("bob",)),
        (5, 9, "QUOTE", ("bob", "carol")),
    ]
    fact = votes.candidates[0]
    assert fact.stance == "CRITICAL"  # 2 of 3
    assert fact.topics == ("ECONOMY",)  # ECONOMY 2 of 3, UKRAINE 1 of 3
    quote = votes.candidates[3]
    assert quote.stance == "SUPPORTIVE"  # the only stance given: no tie
    assert votes.is_majority(fact) and votes.is_majority(quote)
    assert not votes.is_majority(votes.candidates[1])
    assert votes.votes((5, 9, "QUOTE")) == 2 and votes.votes((7, 8, "FACT")) == 0


def test_votes_under_a_token_most_voted_first_then_shortest() -> None:
    votes = three()
    assert [(c.label, c.start) for c in votes.at(6)] == [("QUOTE", 5), ("FACT", 5)]
    assert [c.label for c in votes.at(1)] == ["FACT"]
    assert votes.at(4) == []


def test_document_votes_and_ties() -> None:
    votes = three()
    assert [(v.value, v.annotators) for v in votes.stance_votes()] == [
        ("CRITICAL", ("bob", "carol")),
        ("SUPPORTIVE", ("alice",)),
    ]
    assert votes.document_stance() == ("CRITICAL", False)
    assert votes.document_topics() == ("ECONOMY", "ENERGY")
    assert [(v.value, len(v.annotators)) for v in votes.topic_votes()] == [
        ("ECONOMY", 3),
        ("ENERGY", 2),
    ]
    tied = Votes.of([annotation("a", stance="MIXED"), annotation("b", stance="NEUTRAL")])
    assert tied.document_stance() == (None, True)
    assert Votes.of([]).document_stance() == (None, False)


def test_the_majority_plan_adds_what_gold_lacks_and_keeps_gold_choices() -> None:
    votes = three()
    empty = annotation("gold")
    plan = majority_plan(votes, empty)
    assert [(c.start, c.end, c.label) for c in plan.spans] == [(0, 2, "FACT"), (5, 9, "QUOTE")]
    assert (plan.stance, plan.topics) == ("CRITICAL", ("ECONOMY", "ENERGY"))
    assert plan.describe() == "2 spans, stance CRITICAL, topics ECONOMY, ENERGY"

    gold = annotation("gold", span(0, 2, "FACT"), stance="MIXED", topics=("SECURITY",))
    plan = majority_plan(votes, gold)
    assert [(c.start, c.label) for c in plan.spans] == [(5, "QUOTE")]
    assert (plan.stance, plan.topics) == (None, ())  # the reviewer's own choices stay
    assert [c.label for c in votes.pending(gold)] == ["OPINION", "FACT", "QUOTE"]

    done = annotation("gold", span(0, 2, "FACT"), span(5, 9, "QUOTE"), stance="X", topics=("Y",))
    assert majority_plan(votes, done).empty
