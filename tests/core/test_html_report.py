"""The HTML report: the agreement report's own figures, escaping, charts and their marks, PNGs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import SMALL_TEXTS
from sqlalchemy import update
from sqlmodel import col
from typer.testing import CliRunner

from workbench import models
from workbench.agreement.report import agreement_report
from workbench.cli import app
from workbench.errors import FieldError
from workbench.html_report import write_report
from workbench.html_report.charts import Chart, Missing, draw_charts
from workbench.html_report.data import gather, stance_confusion
from workbench.store import NewDocument, Store

HOSTILE_DOC = "<script>alert('doc')</script> & \"quoted\""
HOSTILE_ANNOTATOR = "<img src=x onerror=alert(1)>"
MATH_ANNOTATOR = "$x^2$ cy"
ANNOTATORS = ("ann", HOSTILE_ANNOTATOR, MATH_ANNOTATOR)
STANCES = {
    # document: the stance each annotator chose (None: none)
    "summit": ("SUPPORTIVE", "SUPPORTIVE", "CRITICAL"),
    "energy": ("NEUTRAL", "CRITICAL", None),
    HOSTILE_DOC: ("CRITICAL", "CRITICAL", "CRITICAL"),
}
SPANS = {
    "summit": [
        ("Xi Jinping met Vladimir Putin in Moscow", "FACT"),
        ("Trade rose 26%", "STATISTIC"),
    ],
    "energy": [("Russia will sell more gas to China", "PREDICTION")],
    HOSTILE_DOC: [("Western sanctions", "OPINION")],
}


def day(n: int) -> float:
    return datetime(2026, 5, n, 10, tzinfo=UTC).timestamp()


def build(store: Store) -> Store:
    """Three annotators on three documents (one named like a script), done on three days."""
    texts = dict(SMALL_TEXTS)
    texts[HOSTILE_DOC] = texts.pop("sanctions")
    store.add_documents(NewDocument(name, text) for name, text in texts.items())
    for d, (name, stances) in enumerate(STANCES.items()):
        document_id = store.document_by_name(name)
        text = store.document(document_id).text
        for a, (who, stance) in enumerate(zip(ANNOTATORS, stances, strict=True)):
            annotation = store.annotation(document_id, store.annotator(who).id).id
            for number, (phrase, label) in enumerate(SPANS[name]):
                if (a + number) % 3 == 2:  # not everyone marks everything
                    continue
                start = text.index(phrase)
                store.add_span(annotation, start, start + len(phrase), label)
            if stance is not None:
                store.set_stance(annotation, stance)
            store.set_status(annotation, "done")
            with store.db.write() as session:
                session.exec(
                    update(models.Event)
                    .where(col(models.Event.annotation_id) == annotation)
                    .values(at=day(1 + d + a))
                )
    return store


@pytest.fixture
def corpus(store: Store) -> Store:
    return build(store)


class _Collect(HTMLParser):
    """Every start tag and the page's text, as a browser's parser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_figures_are_the_agreement_report_s(corpus: Store) -> None:
    data = gather(corpus)
    report = agreement_report(corpus)
    assert data.agreement == report
    assert [row.name for row in data.queue] == [row["name"] for row in report["documents"]] + [
        row["name"] for row in report["uncompared"]
    ]
    assert data.claim_confusion.labels == tuple(report["spans"]["confusion"]["labels"])
    assert data.daily.annotators == tuple(sorted(ANNOTATORS))


def test_stance_confusion_counts_every_pair_once(corpus: Store) -> None:
    from workbench.agreement.collect import collect, resolve

    corpus_ = collect(corpus, resolve(corpus, None, "done", None))
    counts = stance_confusion(corpus_)["counts"]
    # Pairs who both chose a stance, by hand from STANCES: summit S-S, S-C, S-C; energy N-C;
    # the third document C-C three times.
    expected: dict[tuple[str, ...], int] = {}
    for stances in STANCES.values():
        chosen = [s for s in stances if s is not None]
        for i in range(len(chosen)):
            for j in range(i + 1, len(chosen)):
                key = tuple(sorted((chosen[i], chosen[j])))
                expected[key] = expected.get(key, 0) + 1
    for row, columns in counts.items():
        for column, count in columns.items():
            assert count == expected.get(tuple(sorted((row, column))), 0), (row, column)
    assert counts["SUPPORTIVE"]["CRITICAL"] == counts["CRITICAL"]["SUPPORTIVE"] == 2


def test_every_user_string_is_escaped(corpus: Store, tmp_path: Path) -> None:
    written = write_report(corpus, html=tmp_path / "r.html")
    page = written.html.read_text()
    parser = _Collect()
    parser.feed(page)
    tags = {tag for tag, _ in parser.tags}
    assert "script" not in tags and "img" not in tags
    text = "".join(parser.text)
    assert HOSTILE_DOC in text and HOSTILE_ANNOTATOR in text
    # mathtext is off: the name is shown as typed, dollars included (in the charts' legends too).
    assert page.count(MATH_ANNOTATOR) >= 2
    assert re.search(r"<text[^>]*>[^<]*\$x\^2\$ cy", page)


def test_nothing_is_fetched(corpus: Store, tmp_path: Path) -> None:
    page = write_report(corpus, html=tmp_path / "r.html").html.read_text()
    parser = _Collect()
    parser.feed(page)
    for tag, attrs in parser.tags:
        for name in ("src", "href", "xlink:href", "srcset", "poster", "data"):
            value = attrs.get(name)
            # Inline references only: the icon is an empty data URL; SVG uses #ids.
            assert value is None or value.startswith(("#", "data:,")), (tag, name, value)
    assert "url(" not in re.sub(r"url\(#[^)]*\)", "", page)
    assert "@import" not in page and '<link rel="stylesheet"' not in page


def test_each_chart_draws_its_marks(corpus: Store, tmp_path: Path) -> None:
    data = gather(corpus)
    charts = {chart.name: chart for chart in draw_charts(data)}
    assert all(isinstance(chart, Chart) for chart in charts.values()), charts
    report = data.agreement
    spans = report["spans"]
    defined = sum(
        spans[f"per_label_f1_{rule}"][label] is not None
        for rule in ("exact", "overlap")
        for label in spans["confusion"]["labels"]
    )
    expected = {
        "per-label-f1": defined,
        "daily": len(ANNOTATORS),
        "confusion-claim-type": len(spans["confusion"]["labels"]) ** 2,
        "confusion-stance": len(corpus.scheme.names("stance")) ** 2,
        "throughput": len(ANNOTATORS),  # documents done; no active time, so no rate bars
        "annotator-agreement": 2 * len(ANNOTATORS),
    }
    for name, marks in expected.items():
        chart = charts[name]
        assert isinstance(chart, Chart)
        assert chart.marks == marks, name
        found = re.findall(rf'<g id="{name}-mark-(\d+)"', chart.svg)
        assert sorted(map(int, found)) == list(range(marks)), name
        assert chart.svg.startswith("<svg") and "<?xml" not in chart.svg


def test_png_for_every_chart(corpus: Store, tmp_path: Path) -> None:
    written = write_report(corpus, html=tmp_path / "r.html", png=tmp_path / "slides" / "new")
    assert len(written.pngs) == len(written.charts) == 6
    for path in written.pngs:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_empty_database_still_gives_a_page(store: Store, tmp_path: Path) -> None:
    written = write_report(store, html=tmp_path / "r.html")
    assert written.charts == ()
    page = written.html.read_text()
    assert page.count("Nothing to draw") == len(written.missing) == 6
    assert "No annotations yet." in page


def test_bad_paths_name_the_option(store: Store, tmp_path: Path) -> None:
    with pytest.raises(FieldError, match=r"^html .*no folder"):
        write_report(store, html=tmp_path / "missing" / "r.html")
    with pytest.raises(FieldError, match=r"^html .*is a folder"):
        write_report(store, html=tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(FieldError, match=r"^png .*is a file"):
        write_report(store, html=tmp_path / "r.html", png=tmp_path / "file")
    assert not (tmp_path / "r.html").exists()


def test_the_command(corpus: Store, tmp_path: Path, backend_url: str) -> None:
    runner = CliRunner()
    out = tmp_path / "report.html"
    result = runner.invoke(
        app, ["--db", backend_url, "report", "--html", str(out), "--png", str(tmp_path / "png")]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert len(list((tmp_path / "png").glob("*.png"))) == 6
    result = runner.invoke(
        app, ["--db", backend_url, "report", "--html", str(tmp_path / "no/r.html")]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: --html {str(tmp_path / 'no/r.html')!r}: no folder {str(tmp_path / 'no')!r} to"
        " write it in"
    ]
    result = runner.invoke(
        app, ["--db", backend_url, "report", "--html", str(out), "--annotators", "zed"]
    )
    assert result.exit_code == 1 and "zed" in result.output


def test_missing_charts_are_said(store: Store) -> None:
    charts = draw_charts(gather(store))
    assert all(isinstance(chart, Missing) and chart.reason for chart in charts)
