"""Krippendorff's alpha_U against Krippendorff (1995, 2004) as DKPro tests them, and edge cases."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction
from itertools import pairwise
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.agreement import Span, UnitizedDocument, alpha_unitizing


def study(
    length: int, units: Sequence[tuple[int, int, int, str]], coders: int = 2
) -> UnitizedDocument:
    """A one-document study from DKPro-style (offset, length, coder, label) units."""
    spans: dict[Hashable, list[Span]] = {coder: [] for coder in range(coders)}
    for offset, unit_length, coder, label in units:
        spans[coder].append((offset, offset + unit_length, label))
    return length, spans


# Krippendorff (2004, p. 254), as DKPro's Krippendorff2004Test encodes it: a continuum of 300
# (positions 150-450 there, shifted to start at 0 here), two observers, categories c and k.
KRIPPENDORFF_2004 = study(
    300,
    [
        (75, 70, 0, "c"), (220, 30, 0, "c"),
        (70, 80, 1, "c"), (205, 20, 1, "c"), (250, 20, 1, "c"),
        (30, 60, 0, "k"), (150, 50, 0, "k"),
        (30, 60, 1, "k"), (150, 50, 1, "k"),
    ],
)  # fmt: skip

# Krippendorff (1995, p. 57): four pairs of observers unitizing a continuum of 24, one category
# each (A: Bertha/Bill, B: John/Jill, C: Gerret/Gill, D: Heather/Hill), as (offset, length).
KRIPPENDORFF_1995 = {
    "A": ([(2, 8), (14, 6)], [(4, 4), (15, 2)]),
    "B": ([(0, 18)], [(0, 2), (2, 1), (3, 1), (4, 1), (5, 1), (6, 3), (9, 1)]),
    "C": ([(2, 6), (10, 2), (14, 4), (20, 2)], [(0, 2), (4, 4), (10, 4), (16, 2), (20, 2)]),
    "D": ([(0, 2), (2, 8), (10, 4), (14, 6), (20, 4)], [(0, 4), (4, 4), (8, 7), (15, 2), (17, 7)]),
}


def krippendorff_1995(stretch: float, labels: str = "ABCD") -> UnitizedDocument:
    """The 1995 example with every position multiplied by ``stretch`` (as DKPro's test does)."""
    units = [
        (int(offset * stretch), int(length * stretch), coder, label)
        for label in labels
        for coder in (0, 1)
        for offset, length in KRIPPENDORFF_1995[label][coder]
    ]
    return study(int(24 * stretch), units)


def test_krippendorff_2004_example() -> None:
    # Published (Krippendorff 2004, p. 254; DKPro Krippendorff2004Test): for c, D_O = .0144,
    # D_E = .0532, alpha = .7286; for k, D_O = 0 and alpha = 1; over both, alpha = .8591.
    result = alpha_unitizing([KRIPPENDORFF_2004])
    assert round(result.observed_disagreement["c"], 4) == 0.0144
    assert round(result.expected_disagreement["c"], 4) == 0.0532
    assert round(result.per_label["c"].defined_value, 4) == 0.7286
    assert result.observed_disagreement["k"] == 0.0
    assert round(result.expected_disagreement["k"], 4) == 0.0490
    assert result.per_label["k"].value == 1.0
    # The book's .8591 carries its rounded intermediate values; DKPro, whose computation this
    # follows, reaches it within the same 0.0005.
    assert result.overall.defined_value == pytest.approx(0.8591, abs=5e-4)


def test_krippendorff_1995_observed_disagreement() -> None:
    # Published D_O per category (Krippendorff 1995; DKPro Krippendorff1995Test.testAgreement).
    result = alpha_unitizing([krippendorff_1995(1)])
    expected = {"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715}
    for label, published in expected.items():
        assert result.observed_disagreement[label] == pytest.approx(published, abs=1e-5)


def test_krippendorff_1995_expected_disagreement_and_alpha() -> None:
    # Krippendorff (1995) derives D_E for a continuum so finely divided that it is in effect
    # continuous; DKPro's test stretches the example 50,000 times to approach that. DKPro notes
    # a small error in the 1995 D_E (the paper's (l + l + 1) term should have a minus, cf.
    # Krippendorff 2004) and checks D_E to 0.005 and alpha to 0.02; so do we.
    result = alpha_unitizing([krippendorff_1995(50_000)])
    published_expected = {"A": 0.06990, "B": 1.17731, "C": 0.08642, "D": 0.41445}
    published_alpha = {"A": 0.553, "B": -0.926, "C": 0.679, "D": 0.066}
    for label in "ABCD":
        assert result.expected_disagreement[label] == pytest.approx(
            published_expected[label], abs=0.005
        )
        assert result.per_label[label].defined_value == pytest.approx(
            published_alpha[label], abs=0.02
        )
    # A and D agree with the published D_E to all five published digits.
    assert round(result.expected_disagreement["A"], 5) == 0.06990
    assert round(result.expected_disagreement["D"], 5) == 0.41445


def test_krippendorff_1995_halved_continuum_matches_dkpro_exactly() -> None:
    # DKPro's testVaryingLengths: category C on a continuum of 12 (stretch 1/2) has
    # D_O = .02777 and D_E = .05494 (checked there to 1e-5) and alpha = .494.
    # Only C is built: halving B would give zero-length units, which spans cannot be.
    result = alpha_unitizing([krippendorff_1995(0.5, labels="C")])
    assert result.observed_disagreement["C"] == pytest.approx(0.02777, abs=1e-5)
    assert result.expected_disagreement["C"] == pytest.approx(0.05494, abs=1e-5)
    assert round(result.per_label["C"].defined_value, 3) == 0.494


def test_hand_computed_small_case() -> None:
    # L = 10, R = 2, one label: coder a marks [2, 6), coder b marks [3, 6).
    # D_O: the overlapping units differ by (2 - 3)^2 + (6 - 6)^2 = 1, so
    #      D_O = 2 * 1 / (R (R - 1) L^2) = 2 / 200 = 0.01.
    # D_E: N = 2 units of lengths 4 and 3; gaps are a: 2, 4 and b: 3, 4.
    #      l = 4: (N - 1) * 4*3*7/3 = 28, plus 4^2 * [(4-4+1) + (4-4+1)] = 32  -> 60
    #      l = 3: (N - 1) * 3*2*5/3 = 10, plus 3^2 * [(3-3+1) + 2 + 2]   = 45  -> 55
    #      D_E = (2 / L) * 115 / (R L (R L - 1) - (4*3 + 3*2)) = 23 / 362.
    # alpha = 1 - 0.01 / (23 / 362) = 1 - 3.62 / 23.
    result = alpha_unitizing([(10, {"a": [(2, 6, "x")], "b": [(3, 6, "x")]})])
    assert result.observed_disagreement["x"] == pytest.approx(0.01)
    assert result.expected_disagreement["x"] == pytest.approx(23 / 362)
    assert result.overall.defined_value == pytest.approx(1 - 3.62 / 23)


def dkpro_style_alpha(
    length: int, spans: Mapping[Hashable, Sequence[Span]], label: str
) -> tuple[float, float]:
    """D_O and D_E for one label, transcribed from DKPro's segment-by-segment definitions:
    every coder's continuum is cut into units and gaps, and every overlapping pair of segments
    of two coders is scored with KrippendorffAlphaUnitizingAgreement.measureDistance."""
    coders = list(spans)
    segmentations = []
    for coder in coders:
        units = sorted((start, end) for start, end, name in spans[coder] if name == label)
        segments: list[tuple[int, int, bool]] = []
        position = 0
        for start, end in units:
            if start > position:
                segments.append((position, start - position, False))
            segments.append((start, end - start, True))
            position = end
        if position < length:
            segments.append((position, length - position, False))
        segmentations.append(segments)

    def distance(first: tuple[int, int, bool], second: tuple[int, int, bool]) -> int:
        (offset1, length1, unit1), (offset2, length2, unit2) = first, second
        begin_diff, length_diff = offset1 - offset2, length1 - length2
        if unit1 and unit2 and -length1 < begin_diff < length2:
            return begin_diff**2 + (begin_diff + length_diff) ** 2
        if unit1 and not unit2 and -length_diff >= begin_diff >= 0:
            return length1**2
        if not unit1 and unit2 and -length_diff <= begin_diff <= 0:
            return length2**2
        return 0

    r = len(coders)
    observed = 0
    for i in range(r):
        for j in range(i + 1, r):
            for first in segmentations[i]:
                for second in segmentations[j]:
                    if first[0] < second[0] + second[1] and second[0] < first[0] + first[1]:
                        observed += distance(first, second)
    lengths = [size for segments in segmentations for _, size, unit in segments if unit]
    gaps = [size for segments in segmentations for _, size, unit in segments if not unit]
    n = len(lengths)
    expected = 0.0
    for size in lengths:
        expected += (n - 1) * (2 * size**3 - 3 * size**2 + size) / 3
        expected += size**2 * sum(gap - size + 1 for gap in gaps if gap >= size)
    expected *= 2 / length
    expected /= r * length * (r * length - 1) - sum(size * (size - 1) for size in lengths)
    return 2 * observed / (r * (r - 1) * length**2), expected


def disjoint_spans(label: str) -> st.SearchStrategy[list[Span]]:
    """Non-overlapping spans of one label inside a continuum of 60, adjacent ones included:
    cut the continuum at random points and keep a random choice of the pieces."""
    return st.tuples(
        st.lists(st.integers(0, 60), max_size=10, unique=True),
        st.lists(st.booleans(), min_size=10, max_size=10),
    ).map(
        lambda drawn: [
            (start, end, label)
            for (start, end), keep in zip(pairwise(sorted(drawn[0])), drawn[1], strict=False)
            if keep
        ]
    )


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(disjoint_spans("x"), disjoint_spans("y")), min_size=2, max_size=4))
def test_matches_a_segment_by_segment_transcription_of_dkpro(
    coders: list[tuple[list[Span], list[Span]]],
) -> None:
    spans: dict[Hashable, list[Span]] = {index: x + y for index, (x, y) in enumerate(coders)}
    result = alpha_unitizing([(60, spans)])
    for label in result.per_label:
        observed, expected = dkpro_style_alpha(60, spans, label)
        assert result.observed_disagreement[label] == pytest.approx(observed, rel=1e-12)
        assert result.expected_disagreement[label] == pytest.approx(expected, rel=1e-12)


def test_identical_unitizations_agree_perfectly() -> None:
    spans: list[Span] = [(0, 4, "claim"), (6, 9, "claim"), (10, 12, "premise")]
    result = alpha_unitizing([(20, {"ann": spans, "bob": list(spans), "cy": list(spans)})])
    assert result.overall.value == 1.0
    assert all(score.value == 1.0 for score in result.per_label.values())


def test_pooled_documents_keep_each_gap_inside_its_document() -> None:
    # Two documents of L = 4, R = 2, one label: in the first a marks [0, 2), b nothing; in the
    # second b marks [2, 4), a nothing. Pooled, L = 8 and b's unit is [6, 8).
    # D_O: neither unit overlaps a unit of the other coder: 2^2 + 2^2 = 8, so
    #      D_O = 2 * 8 / (R (R - 1) L^2) = 16 / 128 = 1/8.
    # D_E: gaps end at the boundary 4: a has [2, 4) and [4, 8), b has [0, 4) and [4, 6), so the
    #      gaps are 2, 4, 4, 2. Each unit (l = 2, N = 2): (N - 1) * 2*1*3/3 = 2, plus
    #      2^2 * [(2-2+1) + (4-2+1) + (4-2+1) + (2-2+1)] = 32  -> 34, twice: 68.
    #      D_E = (2 / L) * 68 / (R L (R L - 1) - 2 * (2*1)) = 68 / (4 * 236) = 17 / 236.
    # alpha = 1 - (1/8) / (17/236) = 1 - 59/34 = -25/34.
    # Laid end to end, a's trailing gap [2, 4) would merge with the next document's leading gap
    # [4, 6) into one gap of 6 (b likewise): D_E = 21/236 and alpha = -17/42 in this order,
    # -25/34 in the other.
    first: UnitizedDocument = (4, {"a": [(0, 2, "x")], "b": []})
    second: UnitizedDocument = (4, {"a": [], "b": [(2, 4, "x")]})
    for documents in ([first, second], [second, first]):
        result = alpha_unitizing(documents)
        assert result.observed_disagreement["x"] == 1 / 8
        assert result.expected_disagreement["x"] == 17 / 236
        assert result.overall.value == float(Fraction(-25, 34))


def documents_of(coders: int) -> st.SearchStrategy[list[UnitizedDocument]]:
    """Two to four documents of lengths 1 to 30, each coder marking random spans of two labels
    (overlapping ones included: ignoring them must not depend on the order either)."""

    def document(length: int) -> st.SearchStrategy[UnitizedDocument]:
        span = st.tuples(st.integers(0, length - 1), st.integers(1, 8), st.sampled_from("xy"))
        spans = st.lists(span, max_size=4).map(
            lambda drawn: [(start, min(start + size, length), name) for start, size, name in drawn]
        )
        by_coder = st.fixed_dictionaries(dict.fromkeys(range(coders), spans))
        return st.tuples(st.just(length), by_coder)

    return st.lists(st.integers(1, 30).flatmap(document), min_size=2, max_size=4)


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 3).flatmap(documents_of), st.randoms(use_true_random=False))
def test_the_figure_does_not_depend_on_the_order_of_the_documents(
    documents: list[UnitizedDocument], rng: Random
) -> None:
    shuffled = list(documents)
    rng.shuffle(shuffled)
    assert alpha_unitizing(shuffled) == alpha_unitizing(documents)
    assert alpha_unitizing(documents[::-1]) == alpha_unitizing(documents)


def test_overlapping_same_label_spans_of_one_coder_are_ignored_like_inception() -> None:
    # [0, 5) comes first (earliest start, longer first); [3, 8) reaches into it and is ignored,
    # and so is [7, 9), which [3, 8) still reaches into although [3, 8) was itself ignored.
    messy: UnitizedDocument = (
        20,
        {
            "a": [(3, 8, "x"), (0, 5, "x"), (7, 9, "x"), (12, 15, "x"), (3, 6, "y")],
            "b": [(1, 5, "x")],
        },
    )
    clean: UnitizedDocument = (
        20,
        {"a": [(0, 5, "x"), (12, 15, "x"), (3, 6, "y")], "b": [(1, 5, "x")]},
    )
    messy_result = alpha_unitizing([messy])
    assert messy_result.ignored_overlapping_spans == 2
    assert messy_result.per_label == alpha_unitizing([clean]).per_label


def test_undefined_cases_say_why() -> None:
    cases: dict[str, list[UnitizedDocument]] = {
        "no documents": [],
        "two or more coders": [(10, {"a": [(0, 3, "x")]})],
        "empty": [(0, {"a": [], "b": []})],
        "no coder marked any span": [(10, {"a": [], "b": []})],
        "expected disagreement is zero": [(1, {"a": [(0, 1, "x")], "b": [(0, 1, "x")]})],
    }
    for reason, documents in cases.items():
        result = alpha_unitizing(documents)
        assert result.overall.value is None
        assert reason in str(result.overall.undefined)


def test_zero_expected_disagreement_says_the_coders_tile_the_text_with_no_gap() -> None:
    # D_E is zero only when every coder marks every character as a one-character unit.
    tiled: list[Span] = [(i, i + 1, "x") for i in range(3)] + [(i, i + 1, "y") for i in range(3)]
    result = alpha_unitizing([(3, {"a": tiled, "b": list(tiled)})])
    reason = "every coder tiles the text with one-character units, leaving no gap"
    zero = "expected disagreement is zero, as it is only when"
    assert result.per_label["x"].undefined == f"x: {zero} {reason}"
    assert result.overall.undefined == f"all labels: {zero} for every label, {reason}"
    # Across documents too: the gaps end at each document's end, and there are none.
    second: list[Span] = [(0, 1, "x"), (1, 2, "x")]
    pooled = alpha_unitizing(
        [(3, {"a": tiled[:3], "b": tiled[:3]}), (2, {"a": second, "b": list(second)})]
    )
    assert reason in str(pooled.overall.undefined)
    # Whole-text units with no gap are not enough: D_E stays above zero and alpha is 1.
    whole = alpha_unitizing([(5, {"a": [(0, 5, "x")], "b": [(0, 5, "x")]})])
    assert whole.expected_disagreement["x"] > 0
    assert whole.overall.value == 1.0
    # Nor are one-character units with a gap somewhere.
    gap = alpha_unitizing([(3, {"a": tiled[:2], "b": tiled[:3]})])
    assert gap.overall.is_defined


def test_one_coder_marking_nothing_is_total_disagreement_not_undefined() -> None:
    result = alpha_unitizing([(10, {"a": [(2, 5, "x")], "b": []})])
    assert result.overall.is_defined
    assert result.overall.defined_value < 0.5


def test_invalid_input_raises() -> None:
    with pytest.raises(ValueError, match="every coder"):
        alpha_unitizing([(10, {"a": [], "b": []}), (10, {"a": []})])
    with pytest.raises(ValueError, match="outside"):
        alpha_unitizing([(10, {"a": [(8, 12, "x")], "b": []})])
    with pytest.raises(ValueError, match="outside"):
        alpha_unitizing([(10, {"a": [(4, 4, "x")], "b": []})])
