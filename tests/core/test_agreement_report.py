"""The agreement report: figures from the store, the JSON shape, undefined cases, the command."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import random
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest
from helpers import SMALL_TEXTS
from rich.console import Console
from typer.testing import CliRunner

from workbench.agreement import (
    alpha_jaccard,
    alpha_masi,
    alpha_nominal,
    alpha_unitizing,
    cohen_kappa,
    jaccard_distance,
    masi_distance,
    span_agreement_exact,
    span_agreement_overlap,
    span_agreement_tokens,
)
from workbench.agreement.collect import build_corpus
from workbench.agreement.corpus_alpha import alpha_set_distance, unitizing
from workbench.agreement.report import agreement_report, print_agreement
from workbench.agreement.sections import FIELDS, ranked_documents
from workbench.agreement.tallies import tally_exact, tally_overlap, tally_tokens
from workbench.agreement.ties import ExactAgreement
from workbench.cli import app
from workbench.errors import NotFoundError, WorkbenchError
from workbench.scheme import default_scheme
from workbench.selection import Selection
from workbench.store import Store
from workbench.store import bulk as bulk_module
from workbench.store.bulk import AnnotationColumns, BulkAnnotations, DocumentColumns, SpanColumns

SUMMIT = SMALL_TEXTS["summit"]
# (phrase, claim type): every phrase is whole tokens of the summit text.
ANN_SPANS = [
    ("Xi Jinping met Vladimir Putin in Moscow", "FACT"),
    ("Trade rose 26% last year", "STATISTIC"),
]
BOB_SPANS = [
    ("Xi Jinping met Vladimir Putin in Moscow", "FACT"),
    ("Trade rose 26%", "STATISTIC"),
    ("Analysts expect closer ties", "OPINION"),
    ("Putin in Moscow", "QUOTE"),
]


def annotate(
    store: Store,
    who: str,
    document: str,
    *,
    stance: str | None = None,
    topics: Sequence[str] = (),
    spans: Sequence[tuple[str, str]] = (),
    status: str = "done",
) -> int:
    """One annotator's labels of one document, through the store API; the annotation id."""
    document_id = store.document_by_name(document)
    annotation = store.annotation(document_id, store.annotator(who).id).id
    text = store.document(document_id).text
    for phrase, label in spans:
        start = text.index(phrase)
        store.add_span(annotation, start, start + len(phrase), label)
    if stance is not None:
        store.set_stance(annotation, stance)
    for topic in topics:
        store.toggle_topic(annotation, topic)
    store.set_status(annotation, status)
    return annotation


@pytest.fixture
def two(small_store: Store) -> Store:
    """ann and bob on all three small documents: stances agree on two, topics on two."""
    annotate(
        small_store,
        "ann",
        "summit",
        stance="SUPPORTIVE",
        topics=["ECONOMY", "DIPLOMACY"],
        spans=ANN_SPANS,
    )
    annotate(small_store, "bob", "summit", stance="SUPPORTIVE", topics=["ECONOMY"], spans=BOB_SPANS)
    annotate(small_store, "ann", "energy", stance="NEUTRAL", topics=["ENERGY"])
    annotate(small_store, "bob", "energy", stance="CRITICAL", topics=["ENERGY"])
    annotate(small_store, "ann", "sanctions", stance="CRITICAL", topics=["SANCTIONS"])
    annotate(small_store, "bob", "sanctions", stance="CRITICAL", topics=["SANCTIONS"])
    return small_store


def walk(value: Any) -> Iterator[Any]:
    """Every scalar in a JSON-like value."""
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)
    else:
        yield value


def undefined_keys_have_reasons(section: Any) -> None:
    """Every None has a non-empty ``<key>_undefined`` sibling; no reason without a None."""
    if isinstance(section, list):
        for item in section:
            undefined_keys_have_reasons(item)
        return
    if not isinstance(section, dict):
        return
    for key, value in section.items():
        if value is None:
            assert section.get(f"{key}_undefined"), key
        if key.endswith("_undefined"):
            assert section[key.removesuffix("_undefined")] is None, key
        undefined_keys_have_reasons(value)


# -- figures ----------------------------------------------------------------------------------


def test_document_stance_against_hand_computed_values(two: Store) -> None:
    stance = agreement_report(two)["stance"]
    # Units (ann, bob): (S, S), (N, C), (C, C).
    assert stance["percent_agreement"] == pytest.approx(2 / 3)
    assert stance["cohen_kappa"] == {"ann|bob": pytest.approx(0.5)}  # p_o 2/3, p_e 1/3
    assert stance["scott_pi"] == pytest.approx(5 / 11)  # p_e = (2^2 + 1^2 + 3^2) / 6^2
    assert stance["fleiss_kappa"] == pytest.approx(5 / 11)  # Scott's pi for two raters
    assert stance["alpha"] == pytest.approx(1 - 5 * 2 / 22)  # 1 - (n - 1) D_o / D_e
    # AC1 over the scheme's four stances: p_e = (1/3)(2/9 + 5/36 + 1/4).
    assert stance["gwet_ac1"] == pytest.approx(25 / 43)
    assert (stance["units"], stance["coders"], stance["fleiss_units"]) == (3, 2, 3)
    units = [{"a": "S", "b": "S"}, {"a": "N", "b": "C"}, {"a": "C", "b": "C"}]
    assert stance["alpha"] == pytest.approx(alpha_nominal(units).value)
    assert stance["cohen_kappa"]["ann|bob"] == pytest.approx(cohen_kappa(units).value)


def test_topics_match_the_metric_functions(two: Store) -> None:
    topics = agreement_report(two)["topics"]
    units = [
        {"a": frozenset({"ENERGY"}), "b": frozenset({"ENERGY"})},
        {"a": frozenset({"SANCTIONS"}), "b": frozenset({"SANCTIONS"})},
        {"a": frozenset({"DIPLOMACY", "ECONOMY"}), "b": frozenset({"ECONOMY"})},
    ]
    assert topics["alpha_masi"] == pytest.approx(alpha_masi(units).value)
    assert topics["alpha_jaccard"] == pytest.approx(alpha_jaccard(units).value)
    per_topic = topics["per_topic_alpha"]
    # DIPLOMACY: yes/no on summit, no/no elsewhere: one disagreement among six values.
    assert per_topic["DIPLOMACY"] == pytest.approx(alpha_nominal([(1, 0), (0, 0), (0, 0)]).value)
    assert per_topic["ENERGY"] == pytest.approx(1.0)
    assert per_topic["UKRAINE"] is None
    assert "same category" in per_topic["UKRAINE_undefined"]
    assert next(iter(per_topic)) == "ECONOMY"  # scheme order
    assert (topics["units"], topics["coders"]) == (3, 2)


def test_span_f1_under_the_three_rules(two: Store) -> None:
    spans = agreement_report(two)["spans"]
    # ann is the reference: exact TP 1 (FACT), FP 3, FN 1.
    assert spans["f1_exact"] == {"ann|bob": pytest.approx(2 / 6)}
    # Overlap adds the shortened STATISTIC: TP 2, FP 2 (OPINION, QUOTE), FN 0.
    assert spans["f1_overlap"] == {"ann|bob": pytest.approx(4 / 6)}
    # Tokens: FACT 7 shared, STATISTIC "Trade rose 26 %" 4 shared of ann's 6, OPINION 4 and
    # QUOTE 3 bob's only: TP 11, FP 7, FN 2.
    assert spans["f1_token"] == {"ann|bob": pytest.approx(22 / 31)}
    assert spans["pair_documents"] == {"ann|bob": 3}
    assert spans["per_label_f1_exact"]["FACT"] == pytest.approx(1.0)
    assert spans["per_label_f1_exact"]["STATISTIC"] == pytest.approx(0.0)
    assert spans["per_label_f1_overlap"]["STATISTIC"] == pytest.approx(1.0)
    assert spans["per_label_f1_exact"]["PREDICTION"] is None
    assert spans["per_label_f1_exact"]["PREDICTION_undefined"]
    assert spans["span_counts"] == {"ann": 2, "bob": 4}

    document = two.document(two.document_by_name("summit"))
    tokens = list(zip(document.tokens.starts.tolist(), document.tokens.ends.tolist(), strict=True))

    def marked(phrases: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
        return [(SUMMIT.index(p), SUMMIT.index(p) + len(p), label) for p, label in phrases]

    pair = [(marked(ANN_SPANS), marked(BOB_SPANS))]
    assert spans["f1_exact"]["ann|bob"] == span_agreement_exact(pair).micro.f1.value
    assert spans["f1_overlap"]["ann|bob"] == span_agreement_overlap(pair).micro.f1.value
    assert spans["f1_token"]["ann|bob"] == span_agreement_tokens(pair, [tokens]).micro.f1.value


def test_unitizing_alpha_and_confusion(two: Store) -> None:
    spans = agreement_report(two)["spans"]
    lengths = {name: len(text) for name, text in SMALL_TEXTS.items()}
    marks = {"ann": ANN_SPANS, "bob": BOB_SPANS}
    documents = [
        (
            lengths[name],
            {
                who: [(SUMMIT.index(p), SUMMIT.index(p) + len(p), label) for p, label in phrases]
                if name == "summit"
                else []
                for who, phrases in marks.items()
            },
        )
        for name in sorted(SMALL_TEXTS)  # pooled (the order does not matter)
    ]
    expected = alpha_unitizing(documents)
    assert spans["alpha_u"] == pytest.approx(expected.overall.value, abs=1e-9)
    for label, score in expected.per_label.items():
        assert spans["alpha_u_per_label"][label] == pytest.approx(score.value, abs=1e-9)
    assert spans["alpha_u_per_label"]["PREDICTION"] is None
    assert spans["alpha_u_documents"] == 3
    counts = spans["confusion"]["counts"]
    # FACT/FACT and STATISTIC/STATISTIC overlap, bob's QUOTE lies inside ann's FACT.
    assert counts["FACT"]["FACT"] == 1
    assert counts["STATISTIC"]["STATISTIC"] == 1
    assert counts["FACT"]["QUOTE"] == counts["QUOTE"]["FACT"] == 1
    assert sum(sum(row.values()) for row in counts.values()) == 4
    assert spans["matched"]["units"] == 1  # only the FACT span is marked identically
    assert spans["matched"]["stance_alpha"] is None


def test_documents_are_ranked_worst_first_with_their_worst_field(two: Store) -> None:
    documents = agreement_report(two)["documents"]
    assert [d["name"] for d in documents] == ["energy", "summit", "sanctions"]
    energy, summit, sanctions = documents
    # energy: stance 0, topics 1, no spans.
    assert energy["disagreement"] == pytest.approx(0.5)
    assert energy["worst_field"] == "stance"
    assert energy["agreement"]["spans"] is None
    assert energy["agreement"]["spans_undefined"]
    # summit: stance 1, topics 1 - MASI({DIPLOMACY, ECONOMY}, {ECONOMY}) = 1/3, overlap F1 2/3.
    assert summit["agreement"]["topics"] == pytest.approx(1 / 3)
    assert summit["agreement"]["spans"] == pytest.approx(2 / 3)
    assert summit["disagreement"] == pytest.approx(1 - (1 + 1 / 3 + 2 / 3) / 3)
    assert summit["worst_field"] == "topics"
    assert sanctions["disagreement"] == pytest.approx(0.0)
    assert sanctions["worst_field"] == "stance"  # ties go to the first field
    assert summit["coders"] == 2


def test_exactly_equal_disagreements_are_ordered_by_name(small_store: Store) -> None:
    """Both disagreements are exactly 1/6, reached through different float operations."""
    energy_text = SMALL_TEXTS["energy"]
    gas, pipeline = "Russia will sell more gas to China", "The Power of Siberia 2 pipeline"
    assert gas in energy_text and pipeline in energy_text
    # energy: same stance (1), same topics (1), spans F1 2 * 1 / (2 + 1 + 1) = 1/2 (the second
    # span differs in claim type): 1 - (1 + 1 + 1/2) / 3 = 1/6.
    for who, second in (("ann", "FACT"), ("bob", "OPINION")):
        annotate(
            small_store,
            who,
            "energy",
            stance="CRITICAL",
            topics=["ENERGY"],
            spans=[(gas, "FACT"), (pipeline, second)],
        )
    # summit: no stance, same topics (1), spans F1 2 * 1 / (2 + 1) = 2/3: 1 - (1 + 2/3) / 2.
    annotate(small_store, "ann", "summit", topics=["ECONOMY"], spans=ANN_SPANS[:1])
    annotate(small_store, "bob", "summit", topics=["ECONOMY"], spans=ANN_SPANS)
    assert 1 - (1 + 1 + 1 / 2) / 3 != 1 - (1 + 2 / 3) / 2  # the float paths differ
    documents = agreement_report(small_store)["documents"]
    energy, summit = sorted(documents, key=lambda document: str(document["name"]))
    # The figures are still the floats (printed as they are), one of them the larger...
    assert energy["disagreement"] == pytest.approx(1 / 6, abs=1e-15)
    assert summit["disagreement"] == pytest.approx(1 / 6, abs=1e-15)
    assert summit["disagreement"] > energy["disagreement"]
    # ... but the disagreements are equal, so the names decide.
    assert [d["name"] for d in documents] == ["energy", "summit"]


def test_exactly_equal_field_agreements_tie_to_the_first_field(small_store: Store) -> None:
    """summit's topics and spans agreements are both exactly 7/18; the floats differ."""
    claims = [phrase for phrase, _ in ANN_SPANS] + ["Analysts expect closer ties"]
    marks = {
        # topics: 1, 1/12, 1/12 over the three pairs (MASI: J = 1/4, M = 1/3): 7/18.
        # spans (one claim type, no overlaps): F1 2/3, 0, 1/2 over the three pairs: 7/18.
        "ann": (["ECONOMY", "ENERGY"], claims[:1]),
        "bob": (["ECONOMY", "ENERGY"], claims[:2]),
        "cy": (["ECONOMY", "SECURITY", "DIPLOMACY"], claims[1:]),
    }
    for who, (topics, phrases) in marks.items():
        spans = [(phrase, "FACT") for phrase in phrases]
        annotate(small_store, who, "summit", stance="SUPPORTIVE", topics=topics, spans=spans)
    (summit,) = agreement_report(small_store)["documents"]
    topics, spans = summit["agreement"]["topics"], summit["agreement"]["spans"]
    assert topics == pytest.approx(7 / 18, abs=1e-15)
    assert spans == pytest.approx(7 / 18, abs=1e-15)
    assert spans < topics  # the floats differ in their last bits
    assert summit["worst_field"] == "topics"  # ties: stance, topics, spans


def test_documents_only_one_annotator_finished_are_listed_apart(two: Store) -> None:
    """Not compared (nothing to compare), but named with whose work they are: gold needs them."""
    annotate(two, "bob", "energy", status="in_progress")  # bob's energy no longer counts
    report = agreement_report(two)
    assert [d["name"] for d in report["documents"]] == ["summit", "sanctions"]
    assert report["uncompared"] == [{"name": "energy", "annotator": "ann"}]
    assert agreement_report(two, status="any")["uncompared"] == []
    console = Console(record=True, width=120)
    print_agreement(report, console)
    assert "One annotator only, not compared (1): energy (ann)." in console.export_text()


def test_names_that_look_like_markup_are_printed_as_they_are(small_store: Store) -> None:
    """Annotator names are anything printable: "[/]" or "[red]" must neither fail nor vanish."""
    annotate(small_store, "x[/]", "summit", stance="SUPPORTIVE", spans=ANN_SPANS)
    annotate(small_store, "[red]y", "summit", stance="CRITICAL", spans=BOB_SPANS)
    console = Console(record=True, width=160)
    print_agreement(agreement_report(small_store), console)
    text = console.export_text()
    assert "([red]y, x[/])" in text
    assert text.count("x[/]") >= 4  # the header, and the rows and columns of the pair tables


# -- shape, undefined values, selection --------------------------------------------------------


def test_json_shape_has_the_documented_keys(two: Store) -> None:
    report = agreement_report(two)
    assert {"stance", "topics", "spans", "documents"} <= report.keys()
    assert {
        "alpha",
        "fleiss_kappa",
        "scott_pi",
        "gwet_ac1",
        "percent_agreement",
        "cohen_kappa",
        "units",
        "coders",
    } <= report["stance"].keys()
    assert {"alpha_masi", "alpha_jaccard", "per_topic_alpha"} <= report["topics"].keys()
    assert {
        "f1_exact",
        "f1_overlap",
        "f1_token",
        "per_label_f1_exact",
        "alpha_u",
        "alpha_u_per_label",
    } <= report["spans"].keys()
    assert all({"name", "disagreement", "worst_field"} <= d.keys() for d in report["documents"])
    undefined_keys_have_reasons(report)
    # Plain JSON: no NaN or infinity anywhere, no numpy scalars.
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text) == report
    assert all(type(v) in (str, int, float, bool, type(None)) for v in walk(report))


def test_one_annotator_leaves_every_coefficient_undefined_with_a_reason(small_store: Store) -> None:
    annotate(small_store, "ann", "summit", stance="SUPPORTIVE", topics=["ECONOMY"], spans=ANN_SPANS)
    report = agreement_report(small_store)
    assert report["annotators"] == ["ann"]
    for key in ("alpha", "fleiss_kappa", "scott_pi", "gwet_ac1", "percent_agreement"):
        assert report["stance"][key] is None
        assert report["stance"][f"{key}_undefined"]
    assert report["stance"]["cohen_kappa"] == {}
    assert report["topics"]["alpha_masi"] is None
    assert report["spans"]["alpha_u"] is None
    assert "two or more coders" in report["spans"]["alpha_u_undefined"]
    assert report["spans"]["per_label_f1_exact"]["FACT"] is None
    assert report["documents"] == []
    undefined_keys_have_reasons(report)
    json.dumps(report, allow_nan=False)
    console = Console(record=True, width=120)
    print_agreement(report, console)
    assert "nothing to compare" in console.export_text()


def test_an_empty_database_reports_without_failing(store: Store) -> None:
    report = agreement_report(store)
    assert report["annotators"] == []
    assert report["documents_counted"] == 0
    assert report["stance"]["alpha"] is None
    json.dumps(report, allow_nan=False)
    print_agreement(report, Console(record=True, width=100))


def test_named_annotators_with_nothing_counted_give_reasons(small_store: Store) -> None:
    small_store.annotator("kim")
    small_store.annotator("lee")
    report = agreement_report(small_store, annotators=["kim", "lee"])
    assert report["annotators"] == ["kim", "lee"]
    assert report["spans"]["f1_exact"] == {
        "kim|lee": None,
        "kim|lee_undefined": "kim and lee annotated no document in common",
    }
    assert "no document was annotated by all 2" in report["spans"]["alpha_u_undefined"]
    undefined_keys_have_reasons(report)
    json.dumps(report, allow_nan=False)


def test_only_annotations_with_the_chosen_status_count(two: Store) -> None:
    annotate(two, "bob", "energy", status="in_progress")
    assert agreement_report(two)["spans"]["pair_documents"] == {"ann|bob": 2}
    assert agreement_report(two, status="any")["spans"]["pair_documents"] == {"ann|bob": 3}
    both = agreement_report(two, status="done, in_progress")
    assert both["statuses"] == ["done", "in_progress"]
    assert both["stance"]["units"] == 3
    with pytest.raises(WorkbenchError, match="'finished'"):
        agreement_report(two, status="done,finished")


def test_gold_is_left_out_unless_named(two: Store) -> None:
    annotate(two, "gold", "summit", stance="MIXED")
    assert agreement_report(two)["annotators"] == ["ann", "bob"]
    named = agreement_report(two, annotators=["gold", "ann"])
    assert named["annotators"] == ["ann", "gold"]
    assert list(named["stance"]["cohen_kappa"]) == ["ann|gold"]


def test_annotators_and_documents_can_be_chosen(two: Store) -> None:
    annotate(two, "cy", "summit", stance="CRITICAL")
    three = agreement_report(two)
    assert three["annotators"] == ["ann", "bob", "cy"]
    assert list(three["spans"]["f1_exact"]) == ["ann|bob", "ann|cy", "bob|cy"]
    assert three["stance"]["fleiss_units"] == 1  # only summit has three stances
    assert three["stance"]["scott_pi"] is None
    assert agreement_report(two, annotators=["bob", "ann"]) == agreement_report(
        two, annotators=["ann", "bob"]
    )
    only = agreement_report(two, annotators=["ann", "bob"], docs=["summit"])
    assert only["documents_counted"] == 1
    assert [d["name"] for d in only["documents"]] == ["summit"]


def test_many_documents_are_filtered_after_loading(
    two: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = agreement_report(two, docs=["summit", "energy"])
    monkeypatch.setattr(bulk_module, "ID_FILTER_LIMIT", 1)
    assert agreement_report(two, docs=["summit", "energy"]) == expected
    assert expected["documents_counted"] == 2


def test_unknown_names_are_user_errors(two: Store) -> None:
    with pytest.raises(NotFoundError, match="unknown annotator 'nobody'; known annotators: ann"):
        agreement_report(two, annotators=["ann", "nobody"])
    with pytest.raises(NotFoundError, match="unknown document 'nowhere'"):
        agreement_report(two, docs=["summit", "nowhere"])


# -- the vectorised tallies agree with the metric functions ------------------------------------

LABELS = ("FACT", "QUOTE", "OPINION")


def random_bulk(
    seed: int,
) -> tuple[BulkAnnotations, dict[tuple[int, int], list[tuple[int, int, str]]]]:
    """Three coders on six documents, some left unannotated, with random (overlapping) spans.

    Token offsets equal character offsets, so the token rule counts characters. Returns the
    bulk columns and each (coder, document)'s spans.
    """
    rng = random.Random(seed)
    lengths = [rng.randint(5, 50) for _ in range(6)]
    annotation: dict[str, list[Any]] = {k: [] for k in ("id", "document_id", "annotator_id")}
    spans: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
    span_columns: dict[str, list[Any]] = {k: [] for k in ("annotation_id", "start", "end", "label")}
    for coder, document in itertools.product(range(3), range(6)):
        if rng.random() < 0.2:
            continue
        annotation_id = len(annotation["id"]) + 1
        annotation["id"].append(annotation_id)
        annotation["document_id"].append(document + 1)
        annotation["annotator_id"].append(coder + 1)
        marked = spans.setdefault((coder, document), [])
        for _ in range(rng.randint(0, 5)):
            start = rng.randrange(lengths[document])
            span = (
                start,
                rng.randint(start + 1, min(lengths[document], start + 12)),
                rng.choice(LABELS),
            )
            if span in marked:
                continue
            marked.append(span)
            for key, value in zip(
                ("annotation_id", "start", "end", "label"), (annotation_id, *span), strict=True
            ):
                span_columns[key].append(value)
    count = len(annotation["id"])
    size = len(span_columns["start"])
    bulk = BulkAnnotations(
        AnnotationColumns(
            **annotation, status=["done"] * count, stance=[None] * count, topics=[()] * count
        ),
        SpanColumns(
            **span_columns,
            token_start=span_columns["start"],
            token_end=span_columns["end"],
            stance=[None] * size,
            topics=[()] * size,
        ),
        DocumentColumns([d + 1 for d in range(6)], [f"d{d}" for d in range(6)], lengths),
    )
    return bulk, spans


@pytest.mark.parametrize("seed", range(40))
def test_tallies_and_unitizing_equal_the_metric_functions(seed: int) -> None:
    bulk, spans = random_bulk(seed)
    selection = Selection({"a": 1, "b": 2, "c": 3}, ("done",), None, explicit_annotators=True)
    corpus = build_corpus(bulk, selection, default_scheme())
    counted = {(c, d) for c, d in spans}
    for a, b in itertools.combinations(range(3), 2):
        shared = [d for d in range(6) if (a, d) in counted and (b, d) in counted]
        pairs = [(spans[(a, d)], spans[(b, d)]) for d in shared]
        for tally, reference in (
            (tally_exact, span_agreement_exact),
            (tally_overlap, span_agreement_overlap),
            (tally_tokens, span_agreement_tokens),
        ):
            result, expected = tally(corpus, a, b), reference(pairs)
            for position, label in enumerate(corpus.labels):
                counts = expected.per_label.get(label)
                want = (
                    (counts.true_positives, counts.false_positives, counts.false_negatives)
                    if counts
                    else (0, 0, 0)
                )
                assert tuple(result.per_label[position]) == want, (tally.__name__, label)
            for document, pair in zip(shared, pairs, strict=True):
                micro = reference([pair]).micro
                want = (micro.true_positives, micro.false_positives, micro.false_negatives)
                assert tuple(result.per_document[document]) == want, (tally.__name__, document)
    complete = [d for d in range(6) if all((c, d) in counted for c in range(3))]
    lengths = bulk.documents.n_chars
    expected_u = alpha_unitizing(
        [(lengths[d], {c: spans[(c, d)] for c in range(3)}) for d in complete]
    )
    result_u = unitizing(corpus)
    assert result_u.ignored_overlapping_spans == expected_u.ignored_overlapping_spans
    assert result_u.overall.undefined == expected_u.overall.undefined
    if expected_u.overall.value is not None:
        assert result_u.overall.value == pytest.approx(expected_u.overall.value, abs=1e-9)
    for label, score in expected_u.per_label.items():
        assert result_u.per_label[label].value == pytest.approx(score.value, abs=1e-9)


@pytest.mark.parametrize("seed", range(20))
def test_unitizing_alpha_does_not_depend_on_document_names(seed: int) -> None:
    """Renaming the documents reorders the corpus (it is sorted by name): alpha_U stays."""
    bulk, _ = random_bulk(seed)
    selection = Selection({"a": 1, "b": 2, "c": 3}, ("done",), None, explicit_annotators=True)
    names = list(bulk.documents.name)
    random.Random(seed).shuffle(names)
    renamed = dataclasses.replace(
        bulk, documents=dataclasses.replace(bulk.documents, name=names[::-1])
    )
    results = [
        unitizing(build_corpus(columns, selection, default_scheme())) for columns in (bulk, renamed)
    ]
    first, second = results
    assert first.documents == second.documents
    assert first.overall.undefined == second.overall.undefined
    if first.overall.value is not None:
        assert second.overall.value == pytest.approx(first.overall.value, abs=1e-12)
    assert first.per_label.keys() == second.per_label.keys()
    for label, score in first.per_label.items():
        if score.value is not None:
            assert second.per_label[label].value == pytest.approx(score.value, abs=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_the_exact_figures_that_decide_ties_are_the_reported_ones(seed: int) -> None:
    """The fractions the review queue breaks ties on equal its float figures, on corpora with
    random stances, topics and spans (and documents some annotators left out)."""
    bulk, _ = random_bulk(seed)
    rng = random.Random(seed)
    count = len(bulk.annotations.id)
    stances = [rng.choice([None, "SUPPORTIVE", "CRITICAL"]) for _ in range(count)]
    topics = [
        tuple(rng.sample(["ECONOMY", "ENERGY", "SECURITY"], rng.randint(0, 2))) for _ in stances
    ]
    bulk = dataclasses.replace(
        bulk, annotations=dataclasses.replace(bulk.annotations, stance=stances, topics=topics)
    )
    selection = Selection({"a": 1, "b": 2, "c": 3}, ("done",), None, explicit_annotators=True)
    corpus = build_corpus(bulk, selection, default_scheme())
    pairs = list(itertools.combinations(range(3), 2))
    overlap = {pair: tally_overlap(corpus, *pair) for pair in pairs}
    rows = ranked_documents(corpus, pairs, overlap)
    position = {name: i for i, name in enumerate(sorted(row["name"] for row in rows))}
    compared = np.array([corpus.documents.index(name) for name in position], dtype=np.int64)
    exact = ExactAgreement(corpus, pairs, overlap, compared)
    for row in rows:
        fields = exact.fields(position[row["name"]])
        for field, value in zip(FIELDS, fields, strict=True):
            reported = row["agreement"][field]
            assert (reported is None) == (value is None), (row["name"], field)
            if value is not None:
                assert reported == pytest.approx(float(value), abs=1e-12), (row["name"], field)
        disagreement = exact.disagreement(position[row["name"]])
        assert row["disagreement"] == pytest.approx(float(disagreement), abs=1e-12)
    keys = [(-exact.disagreement(position[row["name"]]), row["name"]) for row in rows]
    assert keys == sorted(keys)


def one_document(length: int, spans: Sequence[Sequence[tuple[int, int, str]]]) -> BulkAnnotations:
    """One document of ``length`` characters (tokens are characters), coder i marking
    ``spans[i]``."""
    starts = [start for marked in spans for start, _, _ in marked]
    ends = [end for marked in spans for _, end, _ in marked]
    size = len(starts)
    return BulkAnnotations(
        AnnotationColumns(
            id=[i + 1 for i in range(len(spans))],
            document_id=[1] * len(spans),
            annotator_id=[i + 1 for i in range(len(spans))],
            status=["done"] * len(spans),
            stance=[None] * len(spans),
            topics=[()] * len(spans),
        ),
        SpanColumns(
            annotation_id=[i + 1 for i, marked in enumerate(spans) for _ in marked],
            start=starts,
            end=ends,
            label=[label for marked in spans for _, _, label in marked],
            token_start=starts,
            token_end=ends,
            stance=[None] * size,
            topics=[()] * size,
        ),
        DocumentColumns([1], ["only"], [length]),
    )


def test_the_corpus_alpha_u_says_when_expected_disagreement_is_zero() -> None:
    tiled = [(i, i + 1, "FACT") for i in range(4)]
    selection = Selection({"a": 1, "b": 2}, ("done",), None, explicit_annotators=True)
    result = unitizing(build_corpus(one_document(4, [tiled, tiled]), selection, default_scheme()))
    reason = "every coder tiles the text with one-character units, leaving no gap"
    assert result.per_label["FACT"].undefined == (
        f"FACT: expected disagreement is zero, as it is only when {reason}"
    )
    assert result.overall.undefined == (
        f"all labels: expected disagreement is zero, as it is only when for every label, {reason}"
    )
    whole = [(0, 4, "FACT")]
    result = unitizing(build_corpus(one_document(4, [whole, whole]), selection, default_scheme()))
    assert result.overall.value == 1.0  # no gap, but units longer than one character


def test_the_corpus_set_alpha_names_the_pairable_values() -> None:
    # Unit 0: both coders chose {A}; unit 1: only the first coder, {B} (not pairable).
    ids = np.array([[0, 1], [0, -1]], dtype=np.int64)
    sets = [frozenset("A"), frozenset("B")]
    reason = str(alpha_set_distance(ids, sets, masi_distance).undefined)
    assert "every pairable value" in reason and "at distance zero" in reason


@pytest.mark.parametrize("seed", range(60))
def test_set_alpha_equals_alpha_masi_and_jaccard(seed: int) -> None:
    rng = random.Random(seed)
    sets = [frozenset(rng.sample("abcde", rng.randint(0, 3))) for _ in range(rng.randint(1, 6))]
    coders, units = rng.randint(1, 4), rng.randint(0, 12)
    ids = np.array(
        [
            [rng.randrange(len(sets)) if rng.random() < 0.7 else -1 for _ in range(units)]
            for _ in range(coders)
        ],
        dtype=np.int64,
    ).reshape(coders, units)
    coded = [{c: sets[ids[c, u]] for c in range(coders) if ids[c, u] >= 0} for u in range(units)]
    for reference, distance in ((alpha_masi, masi_distance), (alpha_jaccard, jaccard_distance)):
        expected, result = reference(coded), alpha_set_distance(ids, sets, distance)
        assert result.undefined == expected.undefined
        if expected.value is not None:
            assert result.value is not None
            assert math.isclose(result.value, expected.value, abs_tol=1e-9)


# -- rendering and the command -----------------------------------------------------------------


def test_tables_show_every_section(two: Store) -> None:
    annotate(two, "cy", "summit", stance="CRITICAL", spans=[("Putin in Moscow", "QUOTE")])
    console = Console(record=True, width=160)
    print_agreement(agreement_report(two), console)
    text = console.export_text()
    for heading in (
        "Document stance",
        "Cohen's kappa per pair",
        "Document topics",
        "F1 per pair, exact match",
        "F1 per pair, overlap match",
        "F1 per pair, token-level match",
        "alpha_U",
        "identically marked spans",
        "Claim types of overlapping spans",
        "Review queue",
    ):
        assert heading in text, heading
    assert "Scott's pi compares exactly two annotators" in text  # a note under the table


def invoke(*args: str) -> Any:
    result = CliRunner(env={"COLUMNS": "160"}).invoke(app, list(args))
    assert "Traceback" not in result.output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def test_command_prints_the_report_as_json(two: Store) -> None:
    url = two.db.url
    result = invoke("--db", url, "agreement", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["stance"]["cohen_kappa"] == {"ann|bob": pytest.approx(0.5)}
    assert [d["name"] for d in data["documents"]] == ["energy", "summit", "sanctions"]
    chosen = json.loads(
        invoke(
            "agreement", "--db", url, "--json", "--annotators", "ann,bob", "--docs", "summit"
        ).stdout
    )
    assert chosen["documents_counted"] == 1
    tables = invoke("agreement", "--db", url, "--status", "any")
    assert tables.exit_code == 0
    assert "Review queue" in tables.stdout


@pytest.mark.parametrize(
    ("option", "fragment"),
    [
        (["--annotators", "ann,zed"], "unknown annotator 'zed'"),
        (["--docs", "nowhere"], "unknown document 'nowhere'"),
        (["--status", "finished"], "status 'finished'"),
    ],
)
def test_command_errors_exit_1_with_one_line(two: Store, option: list[str], fragment: str) -> None:
    result = invoke("--db", two.db.url, "agreement", "--json", *option)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert fragment in result.stderr
    assert len(result.stderr.splitlines()) == 1
