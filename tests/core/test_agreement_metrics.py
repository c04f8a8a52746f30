"""Agreement coefficients against published worked examples, krippendorff, and edge cases."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Sequence

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.agreement import (
    CodedUnit,
    Score,
    alpha_jaccard,
    alpha_masi,
    alpha_nominal,
    alpha_nominal_matrix,
    alpha_with_distance,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    jaccard_distance,
    masi_distance,
    percent_agreement,
    scott_pi,
)

NA = None  # a missing value, short so the published tables below keep their layout


def pairs_from_table(
    table: Sequence[Sequence[int]], categories: Sequence[Hashable]
) -> list[tuple[Hashable, Hashable]]:
    """Units of two coders from a contingency table: rows are coder 1, columns coder 2."""
    return [
        (categories[row], categories[column])
        for row, counts in enumerate(table)
        for column, count in enumerate(counts)
        for _ in range(count)
    ]


def units_from_count_rows(rows: Sequence[Sequence[int]]) -> list[list[int]]:
    """Units from Fleiss-style rows giving, per unit, how many raters chose each category."""
    return [[category for category, count in enumerate(row) for _ in range(count)] for row in rows]


def value(score: Score) -> float:
    return score.defined_value


# --- Score -----------------------------------------------------------------------------------


def test_score_holds_a_value_or_a_reason() -> None:
    assert Score.of(0.5).is_defined
    assert str(Score.of(0.74321)) == "0.743"
    undefined = Score.undefined_because("no data")
    assert not undefined.is_defined
    assert undefined.value_or(-1.0) == -1.0
    assert str(undefined) == "undefined (no data)"
    with pytest.raises(ValueError, match="no data"):
        _value = undefined.defined_value


@pytest.mark.parametrize(
    "arguments",
    [(None, None), (0.5, "both"), (math.nan, None), (math.inf, None), (None, "  ")],
)
def test_score_rejects_inconsistent_states(arguments: tuple[float | None, str | None]) -> None:
    with pytest.raises(ValueError):
        Score(*arguments)


# --- Krippendorff's alpha: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability" --

# Section C of the 2011 paper: 4 observers, 12 units, nominal values 1-5, with missing values.
KRIPPENDORFF_2011_NOMINAL = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
]
# Section A of the 2011 paper: 2 observers, 10 units, binary values.
KRIPPENDORFF_2011_BINARY = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]


def by_unit(coders_by_units: Sequence[Sequence[Hashable | None]]) -> list[list[Hashable | None]]:
    return [list(unit) for unit in zip(*coders_by_units, strict=True)]


def test_alpha_nominal_reproduces_krippendorff_2011_nominal_example() -> None:
    assert round(value(alpha_nominal(by_unit(KRIPPENDORFF_2011_NOMINAL))), 3) == 0.743


def test_alpha_nominal_reproduces_krippendorff_2011_binary_example() -> None:
    assert round(value(alpha_nominal(by_unit(KRIPPENDORFF_2011_BINARY))), 3) == 0.095


def test_alpha_nominal_matrix_agrees_with_the_unit_form_on_the_2011_example() -> None:
    matrix = np.array(KRIPPENDORFF_2011_NOMINAL, dtype=float)
    assert value(alpha_nominal_matrix(matrix)) == pytest.approx(
        value(alpha_nominal(by_unit(KRIPPENDORFF_2011_NOMINAL))), abs=1e-12
    )
    # None converts to NaN, so the list-of-lists form works directly too.
    assert round(value(alpha_nominal_matrix(KRIPPENDORFF_2011_NOMINAL)), 3) == 0.743


def test_alpha_nominal_accepts_mappings_with_absent_coders() -> None:
    units: list[CodedUnit] = [
        {coder: v for coder, v in zip("ABCD", unit, strict=True) if v is not None}
        for unit in by_unit(KRIPPENDORFF_2011_NOMINAL)
    ]
    assert round(value(alpha_nominal(units)), 3) == 0.743


def test_alpha_nominal_treats_float_nan_as_missing() -> None:
    units = [[1.0, math.nan, 1.0], [2.0, 2.0, math.nan], [1.0, 2.0, math.nan]]
    assert value(alpha_nominal(units)) == pytest.approx(
        value(alpha_nominal([[1.0, 1.0], [2.0, 2.0], [1.0, 2.0]]))
    )


def random_reliability_matrix(
    rng: np.random.Generator, coders: int, units: int, categories: int, missing: float
) -> np.ndarray:
    matrix = rng.integers(0, categories, size=(coders, units)).astype(float)
    # Copy part of the first coder's values so agreement is not just chance.
    copy = rng.random((coders, units)) < 0.5
    matrix = np.where(copy, matrix[0], matrix)
    matrix[rng.random(matrix.shape) < missing] = np.nan
    return matrix


@pytest.mark.parametrize(
    ("coders", "units", "categories", "missing"),
    [(2, 30, 2, 0.0), (3, 200, 4, 0.2), (5, 500, 7, 0.5), (4, 50, 3, 0.7), (3, 20_000, 5, 0.1)],
)
def test_alpha_nominal_matches_the_krippendorff_package(
    coders: int, units: int, categories: int, missing: float
) -> None:
    rng = np.random.default_rng(coders * 1000 + units)
    for _trial in range(5):
        matrix = random_reliability_matrix(rng, coders, units, categories, missing)
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
        assert value(alpha_nominal_matrix(matrix)) == pytest.approx(expected, abs=1e-9)
        as_units = [[None if math.isnan(v) else int(v) for v in unit] for unit in matrix.T]
        assert value(alpha_nominal(as_units)) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=3, max_size=3),
        min_size=1,
        max_size=12,
    )
)
def test_alpha_nominal_matches_the_krippendorff_package_or_says_why_not(
    units: list[list[int | None]],
) -> None:
    score = alpha_nominal(units)
    matrix = np.array([[math.nan if v is None else v for v in unit] for unit in units]).T
    values_in_pairable_units = [
        v for unit in units if sum(v is not None for v in unit) >= 2 for v in unit if v is not None
    ]
    if len(set(values_in_pairable_units)) < 2:
        assert not score.is_defined
        assert score.undefined
        return
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert value(score) == pytest.approx(expected, abs=1e-9)
    assert value(alpha_nominal_matrix(matrix)) == pytest.approx(expected, abs=1e-9)


def test_alpha_nominal_on_krippendorff_1995_digitised_example() -> None:
    # Bertha and Bill's unitizations of Krippendorff (1995, p. 57), read position by position;
    # the paper gives alpha = 0.329, Scott's pi = 0.314 and Cohen's kappa = 0.385 for them.
    assert round(value(alpha_nominal(KRIPPENDORFF_1995_BERTHA_BILL)), 3) == 0.329
    assert round(value(scott_pi(KRIPPENDORFF_1995_BERTHA_BILL)), 3) == 0.314
    assert round(value(cohen_kappa(KRIPPENDORFF_1995_BERTHA_BILL)), 3) == 0.385


KRIPPENDORFF_1995_BERTHA_BILL = list(
    zip(
        [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
        [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0],
        strict=True,
    )
)


# --- Cohen's kappa and Scott's pi -------------------------------------------------------------


def test_cohen_kappa_on_the_standard_two_by_two_example() -> None:
    # Wikipedia, "Cohen's kappa": 50 proposals, yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    units = pairs_from_table([[20, 5], [10, 15]], ["yes", "no"])
    assert value(cohen_kappa(units)) == pytest.approx(0.4, abs=1e-12)


def test_cohen_kappa_reproduces_cohen_1960_second_example() -> None:
    # Cohen (1960, p. 45): p_o = .70, p_e = .41, kappa = .492.
    units = pairs_from_table([[88, 14, 18], [10, 40, 10], [2, 6, 12]], [1, 2, 3])
    assert round(value(cohen_kappa(units)), 3) == 0.492
    assert round(value(percent_agreement(units)), 2) == 0.70


def test_kappa_and_pi_reproduce_artstein_and_poesio_2008() -> None:
    # Artstein & Poesio (2008), p. 558: A_o = 0.7, pi = 0.341 (A_e 0.545), kappa = 0.348 (0.54).
    first = pairs_from_table([[20, 10], [20, 50]], ["STAT", "IReq"])
    assert value(percent_agreement(first)) == pytest.approx(0.7)
    assert round(value(scott_pi(first)), 3) == 0.341
    assert round(value(cohen_kappa(first)), 3) == 0.348
    # Artstein & Poesio (2008), p. 568: A_o = 0.88, pi = 0.7995, kappa = 0.8013.
    second = pairs_from_table([[46, 0, 0], [6, 32, 6], [0, 0, 10]], ["STAT", "IReq", "Chck"])
    assert value(percent_agreement(second)) == pytest.approx(0.88)
    assert round(value(scott_pi(second)), 4) == 0.7995
    assert round(value(cohen_kappa(second)), 4) == 0.8013


def test_cohen_kappa_drops_units_either_coder_missed() -> None:
    complete = pairs_from_table([[20, 5], [10, 15]], ["yes", "no"])
    with_gaps: list[CodedUnit] = [*complete, ("yes", None), (None, "no"), (None, None)]
    assert value(cohen_kappa(with_gaps)) == pytest.approx(0.4)
    as_mappings: list[CodedUnit] = [{"ann": a, "bob": b} for a, b in complete]
    as_mappings += [{"ann": "yes"}, {"bob": "no", "ann": None}]
    assert value(cohen_kappa(as_mappings)) == pytest.approx(0.4)


def test_two_coder_coefficients_are_undefined_for_the_wrong_number_of_coders() -> None:
    for coefficient in (cohen_kappa, scott_pi):
        three = coefficient([{"a": 1, "b": 1, "c": 2}, {"a": 2, "b": 2, "c": 2}])
        assert not three.is_defined
        assert "exactly two coders, found 3" in str(three.undefined)
        one = coefficient([["x"], ["y"]])
        assert "fewer than two coders" in str(one.undefined)
        disjoint = coefficient([("x", None), (None, "y")])
        assert "no unit was coded by both" in str(disjoint.undefined)
        assert not coefficient([]).is_defined


def test_two_coder_coefficients_reject_mixed_unit_forms() -> None:
    with pytest.raises(TypeError):
        cohen_kappa([{"a": 1, "b": 1}, [1, 2]])


def test_kappa_and_pi_are_undefined_when_one_category_is_used_throughout() -> None:
    units = [("yes", "yes")] * 10
    assert "chance agreement is total" in str(cohen_kappa(units).undefined)
    assert "same category" in str(scott_pi(units).undefined)
    # Percent agreement is still a real 1.0 there.
    assert value(percent_agreement(units)) == 1.0


# --- Fleiss' kappa ---------------------------------------------------------------------------

# Fleiss (1971, p. 379): 30 patients, 6 psychiatrists each, 5 diagnoses.
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, counts per category.
WIKIPEDIA_FLEISS = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]  # fmt: skip


def test_fleiss_kappa_reproduces_fleiss_1971() -> None:
    # Published: P-bar = .556, P_e = .220, kappa = .430.
    assert round(value(percent_agreement(FLEISS_1971)), 3) == 0.556
    assert round(value(fleiss_kappa(FLEISS_1971)), 3) == 0.430


def test_fleiss_kappa_reproduces_the_wikipedia_example() -> None:
    # Published: P-bar = 0.378, P_e = 0.213, kappa = 0.210.
    units = units_from_count_rows(WIKIPEDIA_FLEISS)
    assert round(value(percent_agreement(units)), 3) == 0.378
    assert round(value(fleiss_kappa(units)), 3) == 0.210


def test_fleiss_kappa_equals_scott_pi_for_two_raters() -> None:
    # Fleiss (1971) generalises Scott's pi; with two ratings per unit they coincide.
    units = pairs_from_table([[46, 0, 0], [6, 32, 6], [0, 0, 10]], ["S", "I", "C"])
    assert value(fleiss_kappa(units)) == pytest.approx(value(scott_pi(units)), abs=1e-12)


def test_fleiss_kappa_needs_equal_numbers_of_ratings() -> None:
    score = fleiss_kappa([[1, 1, 2], [1, 2, None], [None, None, None]])
    assert not score.is_defined
    assert "same number of ratings" in str(score.undefined)
    # Units nobody rated are not a difference in the number of ratings.
    assert fleiss_kappa([[1, 1, 2], [2, 2, 2], [None, None, None]]).is_defined
    assert "same category" in str(fleiss_kappa([[3, 3, 3], [3, 3, 3]]).undefined)
    assert not fleiss_kappa([[1], [2]]).is_defined
    assert "no unit has any rating" in str(fleiss_kappa([]).undefined)


# --- Gwet's AC1 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "published"),
    [
        # Reference values from Gwet's irrCAC 1.4 (gwet.ac1.raw), as recorded in the
        # dkpro-statistics test fixtures src/test/resources/gwet/fixture_0{1,2,3,4}_*.json.
        ([[80, 7], [8, 5]], 0.808),
        ([[25, 12, 3], [13, 2, 15], [12, 16, 2]], -0.04797),
        ([[88, 14, 18], [10, 40, 10], [2, 6, 12]], 0.57597),
        ([[20, 5, 1, 0], [4, 15, 6, 1], [0, 5, 18, 4], [0, 1, 3, 12]], 0.58046),
    ],
)
def test_gwet_ac1_reproduces_irrcac(table: list[list[int]], published: float) -> None:
    units = pairs_from_table(table, list(range(1, len(table) + 1)))
    assert value(gwet_ac1(units)) == pytest.approx(published, abs=5e-6)


def test_gwet_ac1_avoids_the_kappa_paradox() -> None:
    # The skewed table of the irrCAC fixture: p_a = 0.85, p_e = 0.21875, but pi collapses.
    units = pairs_from_table([[80, 7], [8, 5]], ["y", "n"])
    assert value(percent_agreement(units)) == pytest.approx(0.85)
    assert value(scott_pi(units)) < 0.35 < 0.8 < value(gwet_ac1(units))


def straightforward_ac1(
    units: Sequence[Sequence[Hashable | None]], categories: Sequence[Hashable]
) -> float:
    """Gwet (2014)'s multi-rater AC1 with missing ratings, written out term by term."""
    rated = [[v for v in unit if v is not None] for unit in units]
    rated = [unit for unit in rated if unit]
    pairable = [unit for unit in rated if len(unit) >= 2]
    p_a = sum(
        sum(unit.count(k) * (unit.count(k) - 1) for k in categories) / (len(unit) * (len(unit) - 1))
        for unit in pairable
    ) / len(pairable)
    pi = {k: sum(unit.count(k) / len(unit) for unit in rated) / len(rated) for k in categories}
    p_e = sum(p * (1 - p) for p in pi.values()) / (len(categories) - 1)
    return float((p_a - p_e) / (1 - p_e))


def test_gwet_ac1_with_many_coders_and_missing_values_matches_the_written_out_formula() -> None:
    rng = np.random.default_rng(11)
    for _trial in range(20):
        matrix = random_reliability_matrix(rng, 4, 40, 3, 0.3)
        units = [[None if math.isnan(v) else int(v) for v in unit] for unit in matrix.T]
        assert value(gwet_ac1(units, categories=[0, 1, 2])) == pytest.approx(
            straightforward_ac1(units, [0, 1, 2]), abs=1e-12
        )


def test_gwet_ac1_category_count_and_undefined_cases() -> None:
    units = [("y", "y")] * 9 + [("y", "n")]
    # Declaring a third, unused category changes q and therefore the chance agreement.
    assert value(gwet_ac1(units, categories=["y", "n", "maybe"])) != value(gwet_ac1(units))
    with pytest.raises(ValueError, match="outside the declared categories"):
        gwet_ac1(units, categories=["y"])
    all_yes = [("y", "y")] * 10
    assert "only one category" in str(gwet_ac1(all_yes).undefined)
    assert value(gwet_ac1(all_yes, categories=["y", "n"])) == pytest.approx(1.0)
    assert "nothing to compare" in str(gwet_ac1([["y"], ["n"]]).undefined)


# --- percent agreement -----------------------------------------------------------------------


def test_percent_agreement_is_the_mean_share_of_agreeing_pairs() -> None:
    # Fleiss (1971)'s second patient: pairs agreeing 3 + 3 of 15 = 0.4.
    assert value(percent_agreement([[2, 2, 2, 5, 5, 5]])) == pytest.approx(0.4)
    # Units with fewer than two values are skipped, not counted as agreement.
    assert value(percent_agreement([["a", "a"], ["a", None], ["b", "a"]])) == pytest.approx(0.5)
    assert "nothing to compare" in str(percent_agreement([["a", None], [None, "b"]]).undefined)


# --- set-valued alpha and its distances ------------------------------------------------------


def s(*labels: str) -> frozenset[str]:
    return frozenset(labels)


@pytest.mark.parametrize(
    ("first", "second", "masi"),
    [
        (s("a", "b"), s("a", "b"), 0.0),
        (s("a"), s("b"), 1.0),
        # Passonneau (2006): J = 1/2, M = 2/3 for a subset.
        (s("a"), s("a", "b"), 1 - 0.5 * 2 / 3),
        # J = 1/3, M = 1/3 when the sets overlap but neither contains the other.
        (s("a", "b"), s("a", "c"), 1 - (1 / 3) * (1 / 3)),
        (s("a", "b", "c"), s("a"), 1 - (1 / 3) * (2 / 3)),
        (s(), s(), 0.0),
        (s(), s("a"), 1.0),
    ],
)
def test_masi_distance(first: frozenset[str], second: frozenset[str], masi: float) -> None:
    assert masi_distance(first, second) == pytest.approx(masi)
    assert masi_distance(second, first) == pytest.approx(masi)


def test_jaccard_distance() -> None:
    assert jaccard_distance(s("a", "b"), s("a", "b")) == 0.0
    assert jaccard_distance(s("a", "b"), s("b", "c")) == pytest.approx(2 / 3)
    assert jaccard_distance(s("a"), s("b")) == 1.0
    assert jaccard_distance(s(), s()) == 0.0


TOPIC_UNITS: list[list[frozenset[str] | None]] = [
    [s(), s(), None],
    [s("A"), s(), s("A")],
    [s("A"), s("A"), s("A")],
    [s("A"), s("B"), None],
    [s("A", "B"), s("A"), s("A", "B")],
    [s("A", "B"), s("A", "C"), s("B")],
    [s("A", "B", "C"), s("A", "B", "C"), None],
    [s("C"), s("A", "C"), s("C")],
    [None, s("A"), None],
]


SetDistance = Callable[[frozenset[str], frozenset[str]], float]
Coefficient = Callable[[Sequence[CodedUnit]], Score]


def pairwise_alpha(
    units: Sequence[Sequence[frozenset[str] | None]], distance: SetDistance
) -> float:
    """Krippendorff's alpha by its pairable-values definition, with explicit double loops."""
    pairable = [[v for v in unit if v is not None] for unit in units]
    pairable = [unit for unit in pairable if len(unit) >= 2]
    values = [v for unit in pairable for v in unit]
    n = len(values)
    observed = (
        sum(
            sum(distance(a, b) for a, b in itertools.permutations(unit, 2)) / (len(unit) - 1)
            for unit in pairable
        )
        / n
    )
    expected = sum(distance(a, b) for a, b in itertools.permutations(values, 2)) / (n * (n - 1))
    return float(1 - observed / expected)


def krippendorff_package_alpha(
    units: Sequence[Sequence[frozenset[str] | None]], distance: SetDistance
) -> float:
    """The krippendorff package's alpha with a custom metric, fed value counts per unit."""
    domain = list(dict.fromkeys(v for unit in units for v in unit if v is not None))
    counts = np.array([[list(unit).count(v) for v in domain] for unit in units])
    domain_array = np.empty(len(domain), dtype=object)
    domain_array[:] = domain
    vectorised = np.vectorize(distance, otypes=[float])

    def metric(v1: np.ndarray, v2: np.ndarray, *_: object, **__: object) -> np.ndarray:
        return np.asarray(vectorised(v1, v2), dtype=float)

    return float(
        krippendorff.alpha(
            value_counts=counts, value_domain=domain_array, level_of_measurement=metric
        )
    )


SET_ALPHAS = [(alpha_masi, masi_distance), (alpha_jaccard, jaccard_distance)]


@pytest.mark.parametrize(("alpha", "distance"), SET_ALPHAS)
def test_set_valued_alpha_matches_its_definition_and_the_krippendorff_package(
    alpha: Coefficient, distance: SetDistance
) -> None:
    ours = value(alpha(TOPIC_UNITS))
    assert ours == pytest.approx(pairwise_alpha(TOPIC_UNITS, distance), abs=1e-12)
    assert ours == pytest.approx(krippendorff_package_alpha(TOPIC_UNITS, distance), abs=1e-9)


@pytest.mark.parametrize(("alpha", "distance"), SET_ALPHAS)
def test_set_valued_alpha_on_random_topics_matches_the_krippendorff_package(
    alpha: Coefficient, distance: SetDistance
) -> None:
    rng = np.random.default_rng(5)
    topics = ["trade", "energy", "security", "culture"]
    for _trial in range(5):
        units = [
            [
                None
                if rng.random() < 0.25
                else frozenset(rng.choice(topics, size=rng.integers(0, 3), replace=False).tolist())
                for _coder in range(4)
            ]
            for _unit in range(300)
        ]
        expected = krippendorff_package_alpha(units, distance)
        assert value(alpha(units)) == pytest.approx(expected, abs=1e-9)


def test_alpha_with_distance_reduces_to_nominal_alpha() -> None:
    units = by_unit(KRIPPENDORFF_2011_NOMINAL)
    nominal = alpha_with_distance(units, lambda a, b: float(a != b))
    assert value(nominal) == pytest.approx(value(alpha_nominal(units)), abs=1e-12)


def test_set_valued_alpha_undefined_cases() -> None:
    same = [[s("A"), s("A")], [s("A"), s("A")]]
    assert "distance zero" in str(alpha_masi(same).undefined)
    assert "nothing to compare" in str(alpha_jaccard([[s("A"), None]]).undefined)


# --- undefined and degenerate inputs across the coefficients ---------------------------------

MULTI_CODER = (percent_agreement, alpha_nominal, fleiss_kappa, gwet_ac1)


@pytest.mark.parametrize("coefficient", [*MULTI_CODER, cohen_kappa, scott_pi, alpha_masi])
def test_empty_input_is_undefined_with_a_reason(coefficient: Coefficient) -> None:
    score = coefficient([])
    assert isinstance(score, Score)
    assert score.value is None
    assert score.undefined


@pytest.mark.parametrize("coefficient", MULTI_CODER)
def test_a_single_coder_is_undefined_with_a_reason(coefficient: Coefficient) -> None:
    score = coefficient([["a"], ["b"], [None], ["a"]])
    assert score.value is None
    assert score.undefined


def test_alpha_is_undefined_when_everyone_uses_one_category() -> None:
    units: list[list[str | None]] = [["x", "x", "x"], ["x", None, "x"]]
    assert alpha_nominal(units).undefined is not None
    assert "expected disagreement is zero" in str(alpha_nominal(units).undefined)
    assert not alpha_nominal_matrix(np.ones((3, 5))).is_defined
    assert not alpha_nominal_matrix(np.full((3, 5), np.nan)).is_defined
    assert not alpha_nominal_matrix(np.empty((0, 0))).is_defined


def test_a_lone_value_in_another_category_does_not_make_alpha_defined() -> None:
    # "y" appears only in a unit with one value, which cannot be paired.
    assert not alpha_nominal([["x", "x"], ["y", None]]).is_defined


def test_malformed_inputs_raise() -> None:
    with pytest.raises(TypeError):
        alpha_nominal(["abc"])
    with pytest.raises(ValueError):
        alpha_nominal_matrix([1, 2, 3])


# --- each "undefined" reason is exactly true -------------------------------------------------

# Pairable values agree on one category; a lone value in a unit (never pairable) differs, so
# "every value is the same category" would be false here.
LONE_OTHER: list[dict[str, str]] = [{"a": "x", "b": "x"}, {"a": "x", "b": "x"}, {"a": "y"}]


def test_nominal_alpha_names_the_pairable_values_as_one_category() -> None:
    reason = str(alpha_nominal(LONE_OTHER).undefined)
    assert "every pairable value" in reason and "is the same category" in reason
    matrix = [[0.0, 0.0, 1.0], [0.0, 0.0, math.nan]]
    assert alpha_nominal_matrix(matrix).undefined == alpha_nominal(LONE_OTHER).undefined


def test_scott_pi_names_the_pairable_values_as_one_category() -> None:
    reason = str(scott_pi(LONE_OTHER).undefined)
    assert "every pairable value" in reason and "is the same category" in reason


def test_fleiss_kappa_names_the_pairable_values_as_one_category() -> None:
    # Every unit has the same number (two or more) of ratings: all values are pairable.
    reason = str(fleiss_kappa([["x", "x"], ["x", "x"]]).undefined)
    assert "every pairable value" in reason and "is the same category" in reason


def test_cohen_kappa_names_the_units_both_coded() -> None:
    reason = str(cohen_kappa(LONE_OTHER).undefined)
    assert "on the units both coders coded, both used one and the same category" in reason


def test_set_alpha_names_the_pairable_values_as_at_distance_zero() -> None:
    units = [{"a": s("A"), "b": s("A")}, {"a": s("A"), "b": s("A")}, {"a": s("B")}]
    for coefficient in (alpha_masi, alpha_jaccard):
        reason = str(coefficient(units).undefined)
        assert "every pairable value" in reason and "at distance zero" in reason
