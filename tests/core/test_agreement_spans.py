"""Span precision/recall/F1 under the three matching rules, and identical-span attribute units."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.agreement import (
    PrecisionRecallF1,
    Span,
    SpanPair,
    alpha_masi,
    alpha_nominal,
    cohen_kappa,
    span_agreement,
    span_agreement_exact,
    span_agreement_overlap,
    span_agreement_tokens,
    units_for_identical_spans,
)

TEXT = "Xi met Putin in Moscow"
TOKENS = [(0, 2), (3, 6), (7, 12), (13, 15), (16, 22)]


def counts(result: PrecisionRecallF1) -> tuple[int, int, int]:
    return result.true_positives, result.false_positives, result.false_negatives


# --- exact matching --------------------------------------------------------------------------


def test_exact_matching_per_label_and_micro() -> None:
    spans_a: list[Span] = [(0, 5, "claim"), (10, 20, "claim"), (30, 35, "premise")]
    spans_b: list[Span] = [
        (0, 5, "claim"),
        (10, 21, "claim"),
        (30, 35, "premise"),
        (40, 45, "premise"),
    ]
    result = span_agreement_exact([(spans_a, spans_b)])
    assert counts(result.per_label["claim"]) == (1, 1, 1)
    assert counts(result.per_label["premise"]) == (1, 1, 0)
    assert result.per_label["premise"].precision.value == pytest.approx(0.5)
    assert result.per_label["premise"].recall.value == pytest.approx(1.0)
    assert result.per_label["premise"].f1.value == pytest.approx(2 / 3)
    assert counts(result.micro) == (2, 2, 1)
    assert result.micro.precision.value == pytest.approx(0.5)
    assert result.micro.recall.value == pytest.approx(2 / 3)
    assert result.micro.f1.value == pytest.approx(4 / 7)


def test_counts_are_summed_over_documents() -> None:
    one: SpanPair = ([(0, 5, "claim")], [(0, 5, "claim")])
    two: SpanPair = ([(0, 5, "claim")], [(1, 5, "claim")])
    # The same offsets in different documents never match each other.
    three: SpanPair = ([(7, 9, "claim")], [])
    four: SpanPair = ([], [(7, 9, "claim")])
    assert counts(span_agreement_exact([one, two, three, four]).micro) == (1, 2, 2)


def test_exact_duplicates_match_one_to_one() -> None:
    result = span_agreement_exact([([(0, 5, "x"), (0, 5, "x")], [(0, 5, "x")])])
    assert counts(result.micro) == (1, 0, 1)


# --- overlap matching ------------------------------------------------------------------------


def test_overlap_matching_finds_a_maximum_matching() -> None:
    # Pairing a1 with b1 first (b1 is a1's largest and first overlap) would strand a2; the
    # maximum matching pairs a1-b2 and a2-b1.
    spans_a: list[Span] = [(0, 10, "claim"), (12, 14, "claim")]
    spans_b: list[Span] = [(8, 13, "claim"), (0, 2, "claim")]
    assert counts(span_agreement_overlap([(spans_a, spans_b)]).micro) == (2, 0, 0)


def test_overlap_needs_the_same_label_and_a_shared_character() -> None:
    spans_a: list[Span] = [(0, 5, "claim"), (10, 20, "claim")]
    spans_b: list[Span] = [(5, 9, "claim"), (12, 15, "premise")]
    result = span_agreement_overlap([(spans_a, spans_b)])
    assert counts(result.per_label["claim"]) == (0, 1, 2)
    assert counts(result.per_label["premise"]) == (0, 1, 0)


def test_overlap_matching_is_one_to_one() -> None:
    result = span_agreement_overlap([([(0, 20, "x")], [(0, 5, "x"), (10, 15, "x")])])
    assert counts(result.micro) == (1, 1, 0)


def brute_force_matching_size(spans_a: Sequence[Span], spans_b: Sequence[Span]) -> int:
    def overlaps(a: Span, b: Span) -> bool:
        return a[2] == b[2] and a[0] < b[1] and b[0] < a[1]

    best = 0
    small, large = sorted((list(spans_a), list(spans_b)), key=len)
    for chosen in itertools.permutations(range(len(large)), len(small)):
        pairs = zip(small, (large[j] for j in chosen), strict=True)
        best = max(best, sum(overlaps(a, b) for a, b in pairs))
    return best


span_strategy = st.builds(
    lambda start, length, label: (start, start + length, label),
    st.integers(0, 30),
    st.integers(1, 8),
    st.sampled_from(["x", "y"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(span_strategy, max_size=5), st.lists(span_strategy, max_size=5))
def test_overlap_matching_equals_brute_force(spans_a: list[Span], spans_b: list[Span]) -> None:
    result = span_agreement_overlap([(spans_a, spans_b)])
    assert result.micro.true_positives == brute_force_matching_size(spans_a, spans_b)
    assert result.micro.false_positives == len(spans_b) - result.micro.true_positives
    assert result.micro.false_negatives == len(spans_a) - result.micro.true_positives


@settings(max_examples=100, deadline=None)
@given(st.lists(span_strategy, max_size=6), st.lists(span_strategy, max_size=6))
def test_swapping_annotators_swaps_precision_and_recall(
    spans_a: list[Span], spans_b: list[Span]
) -> None:
    for rule in ("exact", "overlap", "token"):
        forward = span_agreement([(spans_a, spans_b)], rule).micro
        backward = span_agreement([(spans_b, spans_a)], rule).micro
        assert forward.precision.value == backward.recall.value
        assert forward.recall.value == backward.precision.value
        assert forward.f1 == backward.f1
    exact = span_agreement_exact([(spans_a, spans_b)]).micro.true_positives
    assert exact <= span_agreement_overlap([(spans_a, spans_b)]).micro.true_positives


# --- token-level matching --------------------------------------------------------------------


def test_token_level_counts_tokens_sharing_a_character_with_a_span() -> None:
    # A marks "Xi met Putin" (tokens 0-2); B marks "et Putin in" (tokens 1-3).
    document: SpanPair = ([(0, 12, "claim")], [(4, 15, "claim")])
    result = span_agreement_tokens([document], [TOKENS])
    assert counts(result.micro) == (2, 1, 1)
    assert result.micro.f1.value == pytest.approx(2 / 3)


def test_without_tokens_every_character_counts() -> None:
    document: SpanPair = ([(0, 12, "claim")], [(4, 15, "claim")])
    # Characters 4..11 are shared; B adds 12..14, A has 0..3 alone.
    assert counts(span_agreement_tokens([document]).micro) == (8, 3, 4)


def test_token_level_ignores_spans_covering_no_token_and_counts_tokens_once() -> None:
    spans_a: list[Span] = [(2, 3, "claim"), (3, 6, "claim"), (4, 12, "claim")]
    spans_b: list[Span] = [(7, 12, "claim")]
    result = span_agreement_tokens([(spans_a, spans_b)], [TOKENS])
    assert counts(result.micro) == (1, 0, 1)


def test_token_level_labels_are_separate() -> None:
    result = span_agreement_tokens([([(0, 6, "claim")], [(0, 6, "premise")])], [TOKENS])
    assert counts(result.per_label["claim"]) == (0, 0, 2)
    assert counts(result.per_label["premise"]) == (0, 2, 0)
    assert counts(result.micro) == (0, 2, 2)


@settings(max_examples=100, deadline=None)
@given(st.lists(span_strategy, max_size=6), st.lists(span_strategy, max_size=6))
def test_token_level_equals_explicit_sets(spans_a: list[Span], spans_b: list[Span]) -> None:
    tokens = [(start, start + 3) for start in range(0, 40, 4)]

    def marked(spans: list[Span]) -> set[tuple[int, str]]:
        return {
            (index, label)
            for start, end, label in spans
            for index, (token_start, token_end) in enumerate(tokens)
            if token_start < end and start < token_end
        }

    marked_a, marked_b = marked(spans_a), marked(spans_b)
    result = span_agreement_tokens([(spans_a, spans_b)], [tokens])
    assert counts(result.micro) == (
        len(marked_a & marked_b),
        len(marked_b - marked_a),
        len(marked_a - marked_b),
    )


def test_token_lists_must_fit_the_documents() -> None:
    with pytest.raises(ValueError, match="token lists for 2 documents"):
        span_agreement_tokens([([], [])], [TOKENS, TOKENS])
    with pytest.raises(ValueError, match="tokens overlap"):
        span_agreement_tokens([([], [])], [[(0, 5), (3, 8)]])


# --- undefined cases and validation ----------------------------------------------------------


@pytest.mark.parametrize("rule", ["exact", "overlap", "token"])
def test_no_spans_is_undefined_with_a_reason(rule: str) -> None:
    nothing: list[list[SpanPair]] = [[], [([], [])]]
    for documents in nothing:
        result = span_agreement(documents, rule)  # type: ignore[arg-type]
        assert result.per_label == {}
        for score in (result.micro.precision, result.micro.recall, result.micro.f1):
            assert score.value is None
            assert score.undefined
        assert "neither annotator" in str(result.micro.f1.undefined)


def test_one_silent_annotator_gives_zero_f1_and_undefined_precision() -> None:
    result = span_agreement_exact([([(0, 5, "claim")], [])]).micro
    assert "annotator B marked nothing" in str(result.precision.undefined)
    assert result.recall.value == 0.0
    assert result.f1.value == 0.0


def test_invalid_spans_and_rules_raise() -> None:
    with pytest.raises(ValueError, match="empty or negative"):
        span_agreement_exact([([(5, 5, "x")], [])])
    with pytest.raises(ValueError, match="unknown matching rule"):
        span_agreement([], "fuzzy")  # type: ignore[arg-type]


# --- attributes of identically marked spans --------------------------------------------------


def test_identical_spans_give_stance_and_topic_units() -> None:
    doc_a = [
        (0, 10, "claim", ("pro", frozenset({"trade"}))),
        (12, 20, "claim", ("con", frozenset({"energy", "trade"}))),
        (30, 40, "claim", ("pro", frozenset({"energy"}))),  # B's boundaries differ
        (50, 60, "claim", (None, frozenset())),
    ]
    doc_b = [
        (0, 10, "claim", ("pro", frozenset({"trade"}))),
        (12, 20, "claim", ("pro", frozenset({"energy"}))),
        (30, 41, "claim", ("pro", frozenset({"energy"}))),
        (50, 60, "claim", ("neutral", frozenset())),
        (50, 60, "premise", ("neutral", frozenset())),  # another label is another span
    ]
    units = units_for_identical_spans([(doc_a, doc_b)])
    assert len(units) == 3
    stance = [(a[0], b[0]) for a, b in units]
    topics = [(a[1], b[1]) for a, b in units]
    assert stance == [("pro", "pro"), ("con", "pro"), (None, "neutral")]
    # The unit with a missing stance cannot be paired; pro/pro and con/pro remain, n = 4 values
    # (3 pro, 1 con): alpha = 1 - (n - 1) * 2 / (n^2 - 3^2 - 1^2) = 1 - 3 * 2 / 6 = 0.
    assert alpha_nominal(stance).value == pytest.approx(0.0)
    assert cohen_kappa(stance).is_defined
    masi = alpha_masi(topics)
    assert masi.is_defined
    assert masi.value is not None
    assert -1.0 <= masi.value < 1.0


def test_identical_span_helper_rejects_ambiguous_duplicates() -> None:
    doubled = [(0, 5, "claim", "pro"), (0, 5, "claim", "con")]
    with pytest.raises(ValueError, match="marked"):
        units_for_identical_spans([(doubled, [(0, 5, "claim", "pro")])])
