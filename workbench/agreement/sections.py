"""The sections of the agreement report (stance, topics, spans, documents), from a Corpus."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.agreement.coefficients import (
    alpha_nominal_matrix,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    jaccard_distance,
    masi_distance,
    percent_agreement,
    scott_pi,
)
from workbench.agreement.collect import Corpus
from workbench.agreement.corpus_alpha import alpha_set_distance, unitizing
from workbench.agreement.score import Score
from workbench.agreement.spans import PrecisionRecallF1
from workbench.agreement.tallies import PairTally, overlap_confusion
from workbench.agreement.ties import ExactAgreement, worst_fields, worst_first

FIELDS = ("stance", "topics", "spans")
"""The fields a document's disagreement averages, in the order ties are broken."""
MATCHINGS = ("exact", "overlap", "token")
TOO_FEW_CODERS = "fewer than two annotators to compare"


def _put(target: dict[str, Any], key: str, score: Score) -> None:
    """Store a score's value under ``key``, and its reason under ``<key>_undefined`` if none."""
    target[key] = score.value
    if score.undefined is not None:
        target[f"{key}_undefined"] = score.undefined


def _pair_name(corpus: Corpus, pair: tuple[int, int]) -> str:
    return f"{corpus.coders[pair[0]]}|{corpus.coders[pair[1]]}"


def stance_section(corpus: Corpus, pairs: list[tuple[int, int]]) -> dict[str, Any]:
    has = ~np.isnan(corpus.stance)
    coders = np.flatnonzero(has.any(axis=1))
    values = corpus.stance[coders]
    # Category codes as floats with NaN for missing: what every coefficient accepts as units.
    units = values.T.tolist()
    section: dict[str, Any] = {}
    _put(section, "alpha", alpha_nominal_matrix(values))
    complete = has[coders].all(axis=0) if coders.size else np.zeros(0, dtype=np.bool_)
    if coders.size >= 2 and not complete.any():
        fleiss = Score.undefined_because(
            f"no document has a stance from all {coders.size} annotators who chose one"
        )
    else:
        fleiss = fleiss_kappa(values[:, complete].T.tolist())
    _put(section, "fleiss_kappa", fleiss)
    section["fleiss_units"] = int(complete.sum()) if coders.size >= 2 else 0
    if coders.size == 2:
        _put(section, "scott_pi", scott_pi(units))
    else:
        _put(
            section,
            "scott_pi",
            Score.undefined_because(
                f"Scott's pi compares exactly two annotators, {coders.size} chose a stance "
                "(Fleiss' kappa generalises it)"
            ),
        )
    categories = [float(code) for code in range(len(corpus.stances))]
    _put(section, "gwet_ac1", gwet_ac1(units, categories))
    _put(section, "percent_agreement", percent_agreement(units))
    cohen: dict[str, Any] = {}
    for pair in pairs:
        _put(cohen, _pair_name(corpus, pair), cohen_kappa(corpus.stance[list(pair)].T.tolist()))
    section["cohen_kappa"] = cohen
    section["units"] = int((has.sum(axis=0) >= 2).sum())
    section["coders"] = int(coders.size)
    return section


def topics_section(corpus: Corpus) -> dict[str, Any]:
    section: dict[str, Any] = {}
    sets = corpus.topic_sets
    _put(section, "alpha_masi", alpha_set_distance(corpus.topic_set, sets, masi_distance))
    _put(section, "alpha_jaccard", alpha_set_distance(corpus.topic_set, sets, jaccard_distance))
    chosen = corpus.topic_set
    member = np.array(
        [[topic in topic_set for topic in corpus.topics] for topic_set in corpus.topic_sets]
        or [[False] * len(corpus.topics)],
        dtype=np.float64,
    ).reshape(max(len(corpus.topic_sets), 1), len(corpus.topics))  # no topics: no columns
    per_topic: dict[str, Any] = {}
    for position, topic in enumerate(corpus.topics):
        # Each topic as a yes/no question per document: binary nominal alpha.
        values = np.where(chosen >= 0, member[np.maximum(chosen, 0), position], np.nan)
        _put(per_topic, topic, alpha_nominal_matrix(values))
    section["per_topic_alpha"] = per_topic
    section["units"] = int(((chosen >= 0).sum(axis=0) >= 2).sum())
    section["coders"] = int((chosen >= 0).any(axis=1).sum())
    return section


def _f1(tally: Sequence[int] | np.ndarray[Any, Any], reason: str | None = None) -> Score:
    tp, fp, fn = (int(count) for count in tally)
    score = PrecisionRecallF1(tp, fp, fn).f1
    return Score.undefined_because(reason) if reason and not score.is_defined else score


def spans_section(
    corpus: Corpus,
    pairs: list[tuple[int, int]],
    tallies: dict[str, dict[tuple[int, int], PairTally]],
) -> dict[str, Any]:
    section: dict[str, Any] = {}
    shared = {
        pair: int((corpus.counted[pair[0]] & corpus.counted[pair[1]]).sum()) for pair in pairs
    }
    for rule in MATCHINGS:
        per_pair: dict[str, Any] = {}
        for pair, tally in tallies[rule].items():
            a, b = (corpus.coders[i] for i in pair)
            reason = f"{a} and {b} annotated no document in common" if not shared[pair] else None
            _put(per_pair, _pair_name(corpus, pair), _f1(tally.per_label.sum(axis=0), reason))
        section[f"f1_{rule}"] = per_pair
    section["pair_documents"] = {_pair_name(corpus, pair): count for pair, count in shared.items()}
    for rule in MATCHINGS:
        per_label: dict[str, Any] = {}
        for position, label in enumerate(corpus.labels):
            if not pairs:
                _put(per_label, label, Score.undefined_because(TOO_FEW_CODERS))
                continue
            pooled = sum(tally.per_label[position] for tally in tallies[rule].values())
            reason = "no span of this claim type in the documents two annotators annotated"
            _put(per_label, label, _f1(pooled, reason))
        section[f"per_label_f1_{rule}"] = per_label
    result = unitizing(corpus)
    _put(section, "alpha_u", result.overall)
    per_label_u: dict[str, Any] = {}
    for label in corpus.labels:
        score = result.per_label.get(label)
        if score is None:
            reason = result.overall.undefined or (
                "no span of this claim type in the documents every annotator annotated"
            )
            score = Score.undefined_because(reason)
        _put(per_label_u, label, score)
    section["alpha_u_per_label"] = per_label_u
    section["alpha_u_documents"] = result.documents
    section["alpha_u_ignored_spans"] = result.ignored_overlapping_spans
    section["matched"] = _matched_spans(corpus)
    section["confusion"] = _confusion(corpus, pairs)
    section["span_counts"] = {
        name: int((corpus.spans.coder == coder).sum()) for coder, name in enumerate(corpus.coders)
    }
    return section


def _matched_spans(corpus: Corpus) -> dict[str, Any]:
    """Stance alpha and topics MASI alpha over spans two or more annotators marked identically
    (same document, start, end and claim type): each such span is a unit, each annotator who
    marked it a coder. A span without stance is a missing value; an empty topic set a value."""
    spans = corpus.spans
    marked = np.zeros((int(spans.exact_key.max(initial=-1)) + 1, len(corpus.coders)), np.bool_)
    marked[spans.exact_key, spans.coder] = True
    coders_per_key = marked.sum(axis=1)
    matched_keys = np.flatnonzero(coders_per_key >= 2)
    column = np.full(coders_per_key.size, -1, dtype=np.int64)
    column[matched_keys] = np.arange(matched_keys.size)
    picked = np.flatnonzero(column[spans.exact_key] >= 0) if spans.exact_key.size else column[:0]
    stance = np.full((len(corpus.coders), matched_keys.size), np.nan)
    stance[spans.coder[picked], column[spans.exact_key[picked]]] = spans.stance[picked]
    topic_ids = np.full((len(corpus.coders), matched_keys.size), -1, dtype=np.int64)
    topic_ids[spans.coder[picked], column[spans.exact_key[picked]]] = spans.topic_set[picked]
    section: dict[str, Any] = {"units": int(matched_keys.size)}
    _put(section, "stance_alpha", alpha_nominal_matrix(stance))
    _put(
        section,
        "topics_alpha_masi",
        alpha_set_distance(topic_ids, corpus.topic_sets, masi_distance),
    )
    return section


def _confusion(corpus: Corpus, pairs: list[tuple[int, int]]) -> dict[str, Any]:
    """Claim types of overlapping spans of two different annotators, summed over pairs.

    Symmetric: cell (x, y) counts the overlapping pairs where one annotator said x and the
    other y, either way round; the diagonal counts pairs that agree on the type.
    """
    size = len(corpus.labels)
    total = np.zeros((size, size), dtype=np.int64)
    for pair in pairs:
        total += overlap_confusion(corpus, *pair)
    symmetric = total + total.T
    symmetric[np.diag_indices(size)] //= 2
    return {
        "labels": list(corpus.labels),
        "counts": {
            row: dict(zip(corpus.labels, (int(v) for v in counts), strict=True))
            for row, counts in zip(corpus.labels, symmetric, strict=True)
        },
    }


def uncompared_documents(corpus: Corpus) -> list[dict[str, str]]:
    """Documents only one annotator's counted annotation covers, by name, with whose it is:
    nothing to compare, but still to adjudicate."""
    alone = np.flatnonzero(corpus.counted.sum(axis=0) == 1)
    if not alone.size:
        return []
    coders = corpus.counted[:, alone].argmax(axis=0)
    return [
        {"name": corpus.documents[int(document)], "annotator": corpus.coders[int(coder)]}
        for document, coder in zip(alone.tolist(), coders.tolist(), strict=True)
    ]


def ranked_documents(
    corpus: Corpus,
    pairs: list[tuple[int, int]],
    overlap: dict[tuple[int, int], PairTally],
) -> list[dict[str, Any]]:
    """Each compared document's agreement per field and its disagreement, worst first."""
    count = len(corpus.documents)
    sums = {field: np.zeros(count) for field in FIELDS}
    pairs_counted = {field: np.zeros(count, dtype=np.int64) for field in FIELDS}
    similarity = _masi_similarity(corpus, pairs)
    for pair in pairs:
        a, b = pair
        stance_a, stance_b = corpus.stance[a], corpus.stance[b]
        both = ~np.isnan(stance_a) & ~np.isnan(stance_b)
        sums["stance"] += both & (stance_a == stance_b)
        pairs_counted["stance"] += both
        shared = corpus.counted[a] & corpus.counted[b]
        sums["topics"] += np.where(shared, similarity[pair], 0.0)
        pairs_counted["topics"] += shared
        tp, fp, fn = overlap[pair].per_document.T
        marked = shared & (2 * tp + fp + fn > 0)
        sums["spans"] += np.where(marked, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
        pairs_counted["spans"] += marked
    agreement = {
        field: np.where(
            pairs_counted[field] > 0, sums[field] / np.maximum(pairs_counted[field], 1), np.nan
        )
        for field in FIELDS
    }
    table = np.stack([agreement[field] for field in FIELDS])
    defined = ~np.isnan(table)
    compared = np.flatnonzero(defined.any(axis=0))
    mean = np.nanmean(table[:, compared], axis=0) if compared.size else np.zeros(0)
    disagreement = 1.0 - mean
    names = [corpus.documents[document] for document in compared.tolist()]

    exact = ExactAgreement(corpus, pairs, overlap, compared)
    worst = worst_fields(table[:, compared], exact.fields)
    order = worst_first(disagreement, names, exact.disagreement)
    reasons = {
        "stance": "fewer than two annotators chose a stance",
        "topics": "fewer than two annotators annotated it",
        "spans": "no pair of annotators who both annotated it marked any span",
    }
    rows: list[dict[str, Any]] = []
    for position in order:
        document = int(compared[position])
        fields: dict[str, Any] = {}
        for row, field in enumerate(FIELDS):
            value = table[row, document]
            _put(
                fields,
                field,
                Score.undefined_because(reasons[field]) if np.isnan(value) else Score.of(value),
            )
        rows.append(
            {
                "name": corpus.documents[document],
                "disagreement": float(disagreement[position]),
                "worst_field": FIELDS[worst[position]],
                "coders": int(corpus.counted[:, document].sum()),
                "agreement": fields,
            }
        )
    return rows


def _masi_similarity(
    corpus: Corpus, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], np.ndarray[Any, np.dtype[np.float64]]]:
    """Per pair and document, 1 - MASI distance of the two topic sets (0 where not shared).

    The distance is computed once per distinct pair of sets: a corpus repeats a few sets.
    """
    sets = corpus.topic_sets
    result = {}
    for a, b in pairs:
        shared = corpus.counted[a] & corpus.counted[b]
        codes = corpus.topic_set[a][shared] * len(sets) + corpus.topic_set[b][shared]
        distinct, inverse = np.unique(codes, return_inverse=True)
        similarity = [
            1.0 - masi_distance(sets[code // len(sets)], sets[code % len(sets)])
            for code in distinct.tolist()
        ]
        values = np.zeros(len(corpus.documents))
        values[shared] = np.asarray(similarity, dtype=np.float64)[inverse.reshape(-1)]
        result[(a, b)] = values
    return result
