"""Each annotator against gold, and throughput (issue 15.4): figures computed by hand on a
small corpus, the JSON shape of ``workbench agreement --json``, the tables, the HTML chart."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from workbench.agreement.report import agreement_report, print_agreement
from workbench.cli import app
from workbench.html_report.charts import throughput as throughput_chart
from workbench.html_report.data import gather
from workbench.store import Store

SUMMIT_FACT = ("Xi Jinping met Vladimir Putin in Moscow", "FACT")
SUMMIT_TRADE = ("Trade rose 26% last year", "STATISTIC")


def annotate(
    store: Store,
    who: str,
    document: str,
    *,
    stance: str | None = None,
    topics: Sequence[str] = (),
    spans: Sequence[tuple[str, str]] = (),
    status: str = "done",
    seconds: float = 0.0,
) -> int:
    """One annotator's labels of one document through the store API; the annotation id."""
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
    store.add_time(annotation, seconds)
    return annotation


@pytest.fixture
def team(small_store: Store) -> Store:
    """gold has done summit and energy (sanctions only in progress); ann did all three,
    bob summit (energy in progress), cy only sanctions."""
    store = small_store
    annotate(
        store,
        "gold",
        "summit",
        stance="SUPPORTIVE",
        topics=["ECONOMY", "DIPLOMACY"],
        spans=[SUMMIT_FACT, SUMMIT_TRADE],
    )
    annotate(store, "gold", "energy", stance="CRITICAL", topics=["ENERGY"])
    annotate(store, "gold", "sanctions", stance="MIXED", status="in_progress")
    annotate(
        store,
        "ann",
        "summit",
        stance="SUPPORTIVE",
        topics=["ECONOMY"],
        spans=[SUMMIT_FACT, ("Trade rose 26%", "STATISTIC")],
        seconds=600,
    )
    annotate(store, "ann", "energy", stance="NEUTRAL", topics=["ENERGY"], seconds=1200)
    annotate(store, "ann", "sanctions", stance="MIXED", seconds=1800)
    annotate(
        store, "bob", "summit", spans=[("Analysts expect closer ties", "OPINION")], seconds=300
    )
    annotate(store, "bob", "energy", stance="CRITICAL", status="in_progress", seconds=900)
    annotate(store, "cy", "sanctions", stance="MIXED")
    return store


def test_each_annotator_against_gold_by_hand(team: Store) -> None:
    gold = agreement_report(team)["against_gold"]
    assert gold["gold"] == "gold"
    assert gold["gold_documents"] == 2  # sanctions is not done by gold
    assert list(gold["annotators"]) == ["ann", "bob", "cy"]
    ann = gold["annotators"]["ann"]
    assert ann["documents"] == 2
    # summit: FACT matches exactly; ann's shorter STATISTIC only overlaps gold's.
    assert ann["spans"]["f1_exact"] == pytest.approx(2 * 1 / (2 * 1 + 1 + 1))
    assert ann["spans"]["f1_overlap"] == pytest.approx(1.0)
    assert ann["spans"]["precision_exact"] == pytest.approx(1 / 2)
    # Stance (gold, ann): (S, S), (C, N): p_o 1/2, p_e = 1/2 * 1/2 (S) = 1/4.
    assert ann["stance"]["documents"] == 2
    assert ann["stance"]["accuracy"] == pytest.approx(1 / 2)
    assert ann["stance"]["cohen_kappa"] == pytest.approx((1 / 2 - 1 / 4) / (1 - 1 / 4))
    # Topics: {ECONOMY, DIPLOMACY} vs {ECONOMY}: J 1/2, M 2/3; {ENERGY} twice: 1.
    assert ann["topics"]["masi"] == pytest.approx((1 / 2 * 2 / 3 + 1) / 2)

    bob = gold["annotators"]["bob"]
    assert bob["documents"] == 1  # energy is only in progress
    assert bob["spans"]["f1_exact"] == bob["spans"]["f1_overlap"] == 0.0
    assert bob["stance"]["documents"] == 0
    assert bob["stance"]["accuracy"] is None and bob["stance"]["accuracy_undefined"]
    assert bob["topics"]["masi"] == 0.0  # no topics against two: disjoint

    cy = gold["annotators"]["cy"]
    assert cy["documents"] == 0
    assert cy["spans"]["f1_overlap"] is None
    assert "none of the annotator's documents" in cy["spans"]["f1_overlap_undefined"]


def test_statuses_and_documents_choose_what_is_compared(team: Store) -> None:
    every = agreement_report(team, status="any")["against_gold"]
    assert every["gold_documents"] == 2  # gold counts only where done, whatever the status
    bob = every["annotators"]["bob"]
    assert bob["documents"] == 2
    assert bob["stance"]["accuracy"] == 1.0  # energy: CRITICAL both
    only = agreement_report(team, docs=["energy"])["against_gold"]
    assert only["gold_documents"] == 1
    assert only["annotators"]["ann"]["documents"] == 1
    assert only["annotators"]["ann"]["spans"]["f1_overlap"] is None  # nobody marked a span


def test_gold_named_as_an_annotator_is_not_compared_with_itself(team: Store) -> None:
    report = agreement_report(team, annotators=["ann", "gold"])
    assert list(report["against_gold"]["annotators"]) == ["ann"]
    assert list(report["throughput"]["annotators"]) == ["ann", "gold"]


def test_without_a_gold_set_every_figure_says_why(small_store: Store) -> None:
    annotate(small_store, "ann", "summit", stance="CRITICAL")
    annotate(small_store, "bob", "summit", stance="CRITICAL")
    gold = agreement_report(small_store)["against_gold"]
    assert gold["gold_documents"] == 0
    ann = gold["annotators"]["ann"]
    assert ann["spans"]["f1_exact"] is None
    assert ann["stance"]["cohen_kappa_undefined"] == "there is no gold set"
    annotate(small_store, "gold", "summit", stance="CRITICAL", status="in_progress")
    ann = agreement_report(small_store)["against_gold"]["annotators"]["ann"]
    assert ann["topics"]["masi_undefined"] == "gold has done no document"


def test_throughput_by_hand(team: Store) -> None:
    pace = agreement_report(team)["throughput"]["annotators"]
    assert list(pace) == ["ann", "bob", "cy"]
    ann = pace["ann"]
    assert ann["documents_done"] == 3
    assert ann["active_hours"] == pytest.approx(1.0)  # 600 + 1200 + 1800 s
    assert ann["documents_per_hour"] == pytest.approx(3.0)
    assert ann["spans_per_hour"] == pytest.approx(2.0)
    assert ann["median_seconds_per_document"] == pytest.approx(1200)
    bob = pace["bob"]
    assert bob["documents_done"] == 1
    assert bob["active_hours"] == pytest.approx(1200 / 3600)  # in-progress time counts
    assert bob["documents_per_hour"] == pytest.approx(3.0)
    assert bob["spans_per_hour"] == pytest.approx(3.0)
    assert bob["median_seconds_per_document"] == pytest.approx(300)  # done documents only
    cy = pace["cy"]
    assert cy["documents_done"] == 1 and cy["active_hours"] == 0
    assert cy["documents_per_hour"] is None and cy["documents_per_hour_undefined"]
    assert cy["median_seconds_per_document"] is None
    only = agreement_report(team, docs=["summit"])["throughput"]["annotators"]["ann"]
    assert only["documents_done"] == 1 and only["active_hours"] == pytest.approx(600 / 3600)


def test_the_tables_show_both_sections(team: Store) -> None:
    console = Console(record=True, width=120)
    print_agreement(agreement_report(team), console)
    text = console.export_text()
    assert "Each annotator against gold" in text
    assert "on the 2 documents gold has done" in text
    assert "Throughput per annotator" in text
    assert "0.500" in text and "0.333" in text  # ann: F1 exact, kappa
    assert "1200.000" in text  # ann's median seconds


def test_the_html_throughput_chart_reads_the_section(team: Store) -> None:
    data = gather(team)
    assert data.agreement["throughput"] == agreement_report(team)["throughput"]
    assert data.agreement["against_gold"] == agreement_report(team)["against_gold"]
    result = throughput_chart(data)
    assert not isinstance(result, str)
    _, marks = result
    # documents done for ann, bob, cy; documents per hour for ann and bob (cy has no time)
    assert marks == 3 + 2


def test_the_json_shape(team: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    url = str(team.db.engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("WORKBENCH_SCHEME", raising=False)
    result = CliRunner().invoke(app, ["agreement", "--json", "--db", url])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    gold = data["against_gold"]
    assert set(gold) == {"gold", "gold_documents", "annotators"}
    ann = gold["annotators"]["ann"]
    assert set(ann) == {"documents", "spans", "stance", "topics"}
    assert {"f1_exact", "f1_overlap"} <= set(ann["spans"])
    assert {"documents", "accuracy", "cohen_kappa"} <= set(ann["stance"])
    assert set(ann["topics"]) == {"masi"}
    pace = data["throughput"]["annotators"]["ann"]
    assert {
        "documents_done",
        "active_hours",
        "documents_per_hour",
        "spans_per_hour",
        "median_seconds_per_document",
    } <= set(pace)
    assert pace["documents_per_hour"] == pytest.approx(3.0)


def test_the_html_report_has_both_tables(team: Store, workdir: Path) -> None:
    from workbench.html_report import write_report

    target = workdir / "report.html"
    write_report(team, html=target)
    page = target.read_text("utf-8")
    assert "<h3>Each annotator against gold</h3>" in page
    assert "<h3>Throughput per annotator</h3>" in page
    assert "<td>1200.000</td>" in page  # ann's median seconds
