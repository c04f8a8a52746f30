"""Agreement coefficients for coders who assign values to units, with missing values allowed."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from workbench.agreement.score import Score

# A unit is what the coders judged (a document, a span): either a mapping coder -> value or a
# sequence with one position per coder. None (or a float NaN) marks a missing value, so a coder
# who skipped a unit can be left out of its mapping or given None.
CodedUnit = Mapping[Any, Hashable | None] | Sequence[Hashable | None]

NO_PAIRABLE_UNIT = "no unit has values from two or more coders, so there is nothing to compare"
ONE_CATEGORY = (
    "every pairable value (one in a unit with values from two or more coders) is the same "
    "category, so the agreement expected by chance is total (expected disagreement is zero)"
)
"""Chance is estimated from the pairable values only: a lone value in a unit is left out, so
it cannot make the categories differ."""
ZERO_DISTANCE = (
    "every pairable value (one in a unit with values from two or more coders) is at distance "
    "zero from every other, so expected disagreement is zero"
)


@dataclass(frozen=True, slots=True)
class _Tallies:
    """Per-unit rating counts of a reliability data set, in the form every coefficient needs."""

    ratings_per_unit: npt.NDArray[np.int64]  # r_i
    squared_counts_per_unit: npt.NDArray[np.int64]  # sum_k n_ik^2
    unit_of_value: npt.NDArray[np.intp]
    code_of_value: npt.NDArray[np.intp]
    categories: tuple[Hashable, ...]


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _unit_values(unit: CodedUnit) -> Collection[Hashable | None]:
    if isinstance(unit, Mapping):
        return unit.values()
    # A bare string is a sequence of characters; as a unit it is almost surely a mistake.
    if isinstance(unit, str | bytes) or not isinstance(unit, Sequence):
        raise TypeError(
            "each unit must be a mapping coder -> value or a sequence of values, "
            f"got {type(unit).__name__}"
        )
    return unit


def _tally(
    unit_of_value: npt.NDArray[np.intp],
    code_of_value: npt.NDArray[np.intp],
    unit_count: int,
    categories: tuple[Hashable, ...],
) -> _Tallies:
    category_count = max(len(categories), 1)
    # Counting distinct (unit, category) keys keeps memory linear in the number of values,
    # where a dense units x categories table would not be for many categories.
    keys, counts = np.unique(unit_of_value * category_count + code_of_value, return_counts=True)
    squared = np.bincount(
        keys // category_count, weights=counts.astype(np.float64) ** 2, minlength=unit_count
    )
    return _Tallies(
        ratings_per_unit=np.bincount(unit_of_value, minlength=unit_count).astype(np.int64),
        squared_counts_per_unit=np.rint(squared).astype(np.int64),
        unit_of_value=unit_of_value,
        code_of_value=code_of_value,
        categories=categories,
    )


def _tally_units(units: Sequence[CodedUnit]) -> _Tallies:
    code_by_value: dict[Hashable, int] = {}
    unit_of_value: list[int] = []
    code_of_value: list[int] = []
    for unit_index, unit in enumerate(units):
        for value in _unit_values(unit):
            if _is_missing(value):
                continue
            unit_of_value.append(unit_index)
            code_of_value.append(code_by_value.setdefault(value, len(code_by_value)))
    return _tally(
        np.asarray(unit_of_value, dtype=np.intp),
        np.asarray(code_of_value, dtype=np.intp),
        len(units),
        tuple(code_by_value),
    )


def _mean_pairwise_agreement(tallies: _Tallies) -> float | None:
    """Mean over units with two or more values of the share of agreeing coder pairs."""
    ratings = tallies.ratings_per_unit
    pairable = ratings >= 2
    if not pairable.any():
        return None
    r = ratings[pairable].astype(np.float64)
    agreeing_pairs = tallies.squared_counts_per_unit[pairable] - ratings[pairable]
    return float(np.mean(agreeing_pairs / (r * (r - 1.0))))


def percent_agreement(units: Sequence[CodedUnit]) -> Score:
    """Observed agreement: the mean, over units coded by two or more coders, of the proportion
    of coder pairs within the unit that chose the same value.

    For unit i with r_i values of which n_ik are category k, the unit's agreement is
    sum_k n_ik (n_ik - 1) / (r_i (r_i - 1)); units with fewer than two values are skipped.
    With two coders this is the plain share of units on which they agree. This is the
    observed agreement P-bar of Fleiss (1971) and A_o of Artstein & Poesio (2008,
    "Inter-coder agreement for computational linguistics", Computational Linguistics 34(4)).
    """
    tallies = _tally_units(units)
    agreement = _mean_pairwise_agreement(tallies)
    return Score.undefined_because(NO_PAIRABLE_UNIT) if agreement is None else Score.of(agreement)


def _alpha_nominal_from_tallies(tallies: _Tallies) -> Score:
    ratings = tallies.ratings_per_unit
    pairable = ratings >= 2
    pairable_values = int(ratings[pairable].sum())
    if pairable_values == 0:
        return Score.undefined_because(NO_PAIRABLE_UNIT)
    category_totals = np.bincount(
        tallies.code_of_value[pairable[tallies.unit_of_value]],
        minlength=len(tallies.categories),
    )
    # Integer arithmetic makes "expected disagreement is zero" an exact test, not a tolerance.
    expected_numerator = pairable_values**2 - int(np.dot(category_totals, category_totals))
    if expected_numerator == 0:
        return Score.undefined_because(ONE_CATEGORY)
    r = ratings[pairable]
    mismatched_pairs = (r * r - tallies.squared_counts_per_unit[pairable]).astype(np.float64)
    observed_numerator = float(np.sum(mismatched_pairs / (r - 1)))
    return Score.of(1.0 - (pairable_values - 1) * observed_numerator / expected_numerator)


def alpha_nominal(units: Sequence[CodedUnit]) -> Score:
    """Krippendorff's alpha for nominal data, any number of coders, missing values allowed.

    alpha = 1 - D_o / D_e with D_o = (1/n) sum_u sum_{c != k} n_uc n_uk / (m_u - 1) and
    D_e = (1/(n (n - 1))) sum_{c != k} n_c n_k, where m_u is the number of values in unit u,
    n_uc how many of them are c, n_c = sum_u n_uc and n = sum_u m_u, all over the units with
    m_u >= 2 (a lone value cannot be paired). Source: Krippendorff, "Computing Krippendorff's
    Alpha-Reliability" (2011), and Content Analysis, 2nd ed. (2004), ch. 11.
    """
    return _alpha_nominal_from_tallies(_tally_units(units))


def alpha_nominal_matrix(matrix: npt.ArrayLike | Sequence[Sequence[float | None]]) -> Score:
    """Krippendorff's nominal alpha on a coders x units matrix of numeric category codes.

    Missing values are NaN (None converts to NaN). Same definition and source as
    ``alpha_nominal``, computed with vectorised numpy for large data sets.
    """
    data = np.asarray(matrix, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError(f"expected a 2-D coders x units matrix, got shape {data.shape}")
    present = ~np.isnan(data)
    _, unit_of_value = np.nonzero(present)
    categories, code_of_value = np.unique(data[present], return_inverse=True)
    tallies = _tally(
        unit_of_value.astype(np.intp),
        code_of_value.astype(np.intp).ravel(),
        data.shape[1],
        tuple(categories.tolist()),
    )
    return _alpha_nominal_from_tallies(tallies)


def fleiss_kappa(units: Sequence[CodedUnit]) -> Score:
    """Fleiss' kappa: (P-bar - P_e) / (1 - P_e) for a fixed number m of ratings per unit.

    P-bar is the mean over units of sum_k n_ik (n_ik - 1) / (m (m - 1)) and P_e = sum_k p_k^2
    with p_k the share of all ratings in category k. Source: Fleiss, "Measuring nominal scale
    agreement among many raters", Psychological Bulletin 76(5), 1971. The definition needs the
    same number of ratings on every unit; units nobody rated are ignored, and any other
    difference in the number of ratings leaves the coefficient undefined (``alpha_nominal``
    handles missing ratings).
    """
    tallies = _tally_units(units)
    ratings = tallies.ratings_per_unit
    rated = ratings[ratings > 0]
    if rated.size == 0:
        return Score.undefined_because("no unit has any rating")
    if int(rated.min()) != int(rated.max()):
        return Score.undefined_because(
            "Fleiss' kappa needs the same number of ratings on every unit; found between "
            f"{int(rated.min())} and {int(rated.max())} (use alpha_nominal for missing ratings)"
        )
    per_unit = int(rated[0])
    if per_unit < 2:
        return Score.undefined_because(NO_PAIRABLE_UNIT)
    observed = _mean_pairwise_agreement(tallies)
    assert observed is not None  # every rated unit has per_unit >= 2 ratings
    category_totals = np.bincount(tallies.code_of_value, minlength=len(tallies.categories))
    total_ratings = int(rated.size) * per_unit
    if int(np.dot(category_totals, category_totals)) == total_ratings**2:
        return Score.undefined_because(ONE_CATEGORY)
    expected = float(np.sum((category_totals / total_ratings) ** 2))
    return Score.of((observed - expected) / (1.0 - expected))


def _two_coder_pairs(units: Sequence[CodedUnit]) -> list[tuple[Hashable, Hashable]] | Score:
    """The (first coder, second coder) value pairs of units both coded, or why there are none."""
    mappings = [unit for unit in units if isinstance(unit, Mapping)]
    if mappings and len(mappings) != len(units):
        raise TypeError("units must be all mappings or all sequences, not a mix")
    coders: list[Any]
    if mappings:
        coders = list(
            dict.fromkeys(c for unit in mappings for c, v in unit.items() if not _is_missing(v))
        )
        rows = [[unit.get(coder) for coder in coders] for unit in mappings]
    else:
        sequences = [list(_unit_values(unit)) for unit in units]
        # A position nobody filled in is no coder, as an absent key is none in a mapping.
        coders = sorted({i for row in sequences for i, v in enumerate(row) if not _is_missing(v)})
        rows = [[row[i] if i < len(row) else None for i in coders] for row in sequences]
    if len(coders) < 2:
        return Score.undefined_because("fewer than two coders gave any value")
    if len(coders) > 2:
        return Score.undefined_because(
            f"this coefficient compares exactly two coders, found {len(coders)} "
            "(use fleiss_kappa or alpha_nominal for more)"
        )
    pairs: list[tuple[Hashable, Hashable]] = []
    for first, second in rows:
        if first is None or second is None or _is_missing(first) or _is_missing(second):
            continue
        pairs.append((first, second))
    if not pairs:
        return Score.undefined_because("no unit was coded by both coders")
    return pairs


def _marginals(pairs: list[tuple[Hashable, Hashable]]) -> tuple[int, list[int], list[int]]:
    """Number of agreeing pairs and each coder's count per category (in a shared order)."""
    categories = list(dict.fromkeys(value for pair in pairs for value in pair))
    index = {category: i for i, category in enumerate(categories)}
    first = [0] * len(categories)
    second = [0] * len(categories)
    for a, b in pairs:
        first[index[a]] += 1
        second[index[b]] += 1
    return sum(a == b for a, b in pairs), first, second


def cohen_kappa(units: Sequence[CodedUnit]) -> Score:
    """Cohen's kappa for two coders: (p_o - p_e) / (1 - p_e).

    p_o is the share of units on which the coders agree and p_e = sum_k p_1k p_2k uses each
    coder's own category proportions. Units either coder left missing are dropped. Source:
    Cohen, "A coefficient of agreement for nominal scales", Educational and Psychological
    Measurement 20(1), 1960.
    """
    pairs = _two_coder_pairs(units)
    if isinstance(pairs, Score):
        return pairs
    agreeing, first, second = _marginals(pairs)
    n = len(pairs)
    chance = sum(a * b for a, b in zip(first, second, strict=True))
    if chance == n * n:
        return Score.undefined_because(
            "on the units both coders coded, both used one and the same category, so chance "
            "agreement is total"
        )
    return Score.of((n * agreeing - chance) / (n * n - chance))


def scott_pi(units: Sequence[CodedUnit]) -> Score:
    """Scott's pi for two coders: (p_o - p_e) / (1 - p_e) with p_e = sum_k pi_k^2.

    pi_k is the proportion of category k among both coders' values pooled, so chance is
    modelled by one distribution shared by the coders. Units either coder left missing are
    dropped. Source: Scott, "Reliability of content analysis: the case of nominal scale
    coding", Public Opinion Quarterly 19(3), 1955.
    """
    pairs = _two_coder_pairs(units)
    if isinstance(pairs, Score):
        return pairs
    agreeing, first, second = _marginals(pairs)
    n = len(pairs)
    pooled_squares = sum((a + b) ** 2 for a, b in zip(first, second, strict=True))
    if pooled_squares == 4 * n * n:
        return Score.undefined_because(ONE_CATEGORY)
    return Score.of((4 * n * agreeing - pooled_squares) / (4 * n * n - pooled_squares))


def gwet_ac1(units: Sequence[CodedUnit], categories: Collection[Hashable] | None = None) -> Score:
    """Gwet's AC1 for any number of coders, missing values allowed: (p_a - p_e) / (1 - p_e).

    p_a is ``percent_agreement`` (mean over units with two or more values of the share of
    agreeing pairs); p_e = (1 / (q - 1)) sum_k pi_k (1 - pi_k) with pi_k = (1/n) sum_i
    r_ik / r_i over the n units with at least one value, and q the number of categories:
    those in ``categories`` if given, else those observed. For two coders and no missing
    values this is the AC1 of Gwet, "Computing inter-rater reliability and its variance in the
    presence of high agreement", British Journal of Mathematical and Statistical Psychology
    61(1), 2008; the multi-coder, missing-value form follows Gwet, Handbook of Inter-Rater
    Reliability, 4th ed. (2014), as in his irrCAC package.
    """
    tallies = _tally_units(units)
    observed = _mean_pairwise_agreement(tallies)
    if observed is None:
        return Score.undefined_because(NO_PAIRABLE_UNIT)
    if categories is None:
        category_count = len(tallies.categories)
    else:
        declared = set(categories)
        undeclared = [c for c in tallies.categories if c not in declared]
        if undeclared:
            raise ValueError(f"values outside the declared categories: {undeclared!r}")
        category_count = len(declared)
    if category_count < 2:
        return Score.undefined_because(
            "only one category exists, so AC1's chance agreement (which divides by q - 1) "
            "is undefined; pass the full category list if more were possible"
        )
    ratings = tallies.ratings_per_unit
    rated_units = int(np.count_nonzero(ratings))
    share_of_unit = 1.0 / ratings[tallies.unit_of_value]
    prevalence = (
        np.bincount(tallies.code_of_value, weights=share_of_unit, minlength=len(tallies.categories))
        / rated_units
    )
    expected = float(np.sum(prevalence * (1.0 - prevalence))) / (category_count - 1)
    return Score.of((observed - expected) / (1.0 - expected))


def jaccard_distance(first: AbstractSet[Hashable], second: AbstractSet[Hashable]) -> float:
    """Jaccard distance 1 - |A & B| / |A | B|, taken as 0 for two empty sets (they are equal).

    Source: Jaccard, "Étude comparative de la distribution florale", Bulletin de la Société
    Vaudoise des Sciences Naturelles 37, 1901; used for set-valued alpha by Passonneau (2006).
    """
    union = len(first | second)
    return 0.0 if union == 0 else 1.0 - len(first & second) / union


def masi_distance(first: AbstractSet[Hashable], second: AbstractSet[Hashable]) -> float:
    """MASI distance 1 - J * M between two label sets.

    J is the Jaccard similarity and M the monotonicity weight: 1 if the sets are equal, 2/3 if
    one is a subset of the other, 1/3 if they overlap without either containing the other, 0 if
    they are disjoint. Source: Passonneau, "Measuring agreement on set-valued items (MASI) for
    semantic and pragmatic annotation", LREC 2006. (NLTK's ``masi_distance`` rounds the weights
    to 0.67 and 0.33.)
    """
    if first == second:
        return 0.0
    intersection = len(first & second)
    if intersection == 0:
        return 1.0
    monotonicity = 2.0 / 3.0 if first <= second or second <= first else 1.0 / 3.0
    return 1.0 - intersection / len(first | second) * monotonicity


def masi_similarity(first: AbstractSet[Hashable], second: AbstractSet[Hashable]) -> Fraction:
    """1 - MASI distance (J * M, see ``masi_distance``) as an exact fraction, for deciding ties
    that the float distance, off in its last bit, cannot."""
    if first == second:
        return Fraction(1)
    intersection = len(first & second)
    if intersection == 0:
        return Fraction(0)
    monotonicity = Fraction(2, 3) if first <= second or second <= first else Fraction(1, 3)
    return Fraction(intersection, len(first | second)) * monotonicity


def _position_in_run(labels: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """For sorted labels, each element's index within its run of equal labels."""
    run_starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    run_lengths = np.diff(np.r_[run_starts, labels.size])
    return np.arange(labels.size) - np.repeat(run_starts, run_lengths)


def alpha_with_distance(units: Sequence[CodedUnit], distance: Callable[[Any, Any], float]) -> Score:
    """Krippendorff's alpha with a caller-supplied distance between values.

    alpha = 1 - D_o / D_e with D_o = (1/n) sum_u (1 / (m_u - 1)) sum_{i != j in u}
    delta(v_i, v_j) and D_e = (1 / (n (n - 1))) sum_{i != j} delta(v_i, v_j) over all n values
    in units with m_u >= 2 values; ``distance`` must be symmetric and zero between equal
    values. Source: Krippendorff, Content Analysis, 2nd ed. (2004), ch. 11, and "Computing
    Krippendorff's Alpha-Reliability" (2011). The distance is evaluated once per pair of
    distinct values.
    """
    tallies = _tally_units(units)
    ratings = tallies.ratings_per_unit
    pairable = ratings >= 2
    keep = pairable[tallies.unit_of_value]
    unit_of_value = tallies.unit_of_value[keep]
    code_of_value = tallies.code_of_value[keep]
    if code_of_value.size == 0:
        return Score.undefined_because(NO_PAIRABLE_UNIT)
    values = tallies.categories
    distances = np.zeros((len(values), len(values)))
    for i in range(len(values)):
        for j in range(i + 1, len(values)):
            distances[i, j] = distances[j, i] = float(distance(values[i], values[j]))
    category_totals = np.bincount(code_of_value, minlength=len(values)).astype(np.float64)
    expected_sum = float(category_totals @ distances @ category_totals)
    if expected_sum == 0.0:
        return Score.undefined_because(ZERO_DISTANCE)
    # Sorting by unit makes each unit's values one contiguous run, so every ordered pair of
    # values within a unit can be listed at once: value p pairs with each value of its own run.
    order = np.argsort(unit_of_value, kind="stable")
    codes = code_of_value[order]
    run_size = ratings[unit_of_value[order]]
    run_start = np.arange(codes.size) - _position_in_run(unit_of_value[order])
    first = np.repeat(np.arange(codes.size), run_size)
    second = np.repeat(run_start, run_size) + _position_in_run(first)
    pair_distances = distances[codes[first], codes[second]]
    observed_sum = float(np.sum(pair_distances / (np.repeat(run_size, run_size) - 1)))
    n = float(code_of_value.size)
    return Score.of(1.0 - (n - 1.0) * observed_sum / expected_sum)


def alpha_masi(units: Sequence[CodedUnit]) -> Score:
    """Krippendorff's alpha for set-valued data (values are frozensets) with MASI distance.

    ``alpha_with_distance`` with ``masi_distance``, as proposed by Passonneau, "Measuring
    agreement on set-valued items (MASI) for semantic and pragmatic annotation", LREC 2006.
    An empty set is a value (no label chosen); use None for a coder who did not code the unit.
    """
    return alpha_with_distance(units, masi_distance)


def alpha_jaccard(units: Sequence[CodedUnit]) -> Score:
    """Krippendorff's alpha for set-valued data (values are frozensets) with Jaccard distance.

    ``alpha_with_distance`` with ``jaccard_distance``; see Passonneau (2006) for the use of set
    distances in alpha. An empty set is a value; None marks a missing one.
    """
    return alpha_with_distance(units, jaccard_distance)
