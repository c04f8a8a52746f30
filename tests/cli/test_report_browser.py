"""The HTML report in a real headless browser (Debian's Chromium, driven by Playwright): it
loads with no request but the file itself, every chart is drawn, and it is not blank."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import SMALL_TEXTS
from sqlalchemy import update
from sqlmodel import col
from typer.testing import CliRunner

from workbench import models
from workbench.agreement.report import agreement_report
from workbench.cli import app
from workbench.store import NewDocument, Store, open_store

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium (``apt-get install chromium``; .ci/run installs it): Playwright drives it
instead of downloading a browser of its own."""
ANNOTATORS = ("ann", "<img src=x onerror=alert(1)>", "cy")
SPANS = (
    ("summit", "Xi Jinping met Vladimir Putin in Moscow", "FACT"),
    ("summit", "Trade rose 26%", "STATISTIC"),
    ("energy", "Russia will sell more gas to China", "PREDICTION"),
    ("sanctions", "Western sanctions", "OPINION"),
    ("sanctions", "a marriage of convenience", "QUOTE"),
)
STANCES = ("SUPPORTIVE", "CRITICAL", "NEUTRAL")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no browser: {CHROMIUM} is missing (apt-get install -y chromium; .ci/run does)",
    ),
]


def _build(store: Store) -> None:
    """Three annotators on three documents, mostly agreeing, finished over five days."""
    store.add_documents(NewDocument(name, text) for name, text in SMALL_TEXTS.items())
    for a, who in enumerate(ANNOTATORS):
        annotator = store.annotator(who).id
        for d, name in enumerate(SMALL_TEXTS):
            document_id = store.document_by_name(name)
            text = store.document(document_id).text
            annotation = store.annotation(document_id, annotator).id
            for s, (where, phrase, label) in enumerate(SPANS):
                if where == name and (a + s) % 4 != 3:
                    start = text.index(phrase)
                    store.add_span(annotation, start, start + len(phrase), label)
            store.set_stance(annotation, STANCES[(d + (a == 2)) % len(STANCES)])
            store.set_status(annotation, "done")
            when = datetime(2026, 5, 1 + a + d, 9, tzinfo=UTC).timestamp()
            with store.db.write() as session:
                session.exec(
                    update(models.Event)
                    .where(col(models.Event.annotation_id) == annotation)
                    .values(at=when)
                )


@pytest.fixture
def report_file(tmp_path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The report of a small corpus written by the command, and the agreement report's dict."""
    url = f"sqlite:///{tmp_path / 'corpus.db'}"
    store = open_store(url)
    try:
        _build(store)
        report = agreement_report(store)
        stances = len(store.scheme.names("stance"))
    finally:
        store.close()
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["--db", url, "report", "--html", str(out)])
    assert result.exit_code == 0, result.output
    yield out, {**report, "_stances": stances}


def _expected_marks(report: dict[str, Any]) -> dict[str, int]:
    """How many marks each chart must show, from the agreement report's own figures."""
    spans = report["spans"]
    labels = spans["confusion"]["labels"]
    return {
        "per-label-f1": sum(
            spans[f"per_label_f1_{rule}"][label] is not None
            for rule in ("exact", "overlap")
            for label in labels
        ),
        "annotator-agreement": 2 * len(ANNOTATORS),
        "throughput": len(ANNOTATORS),
        "daily": len(ANNOTATORS),
        "confusion-claim-type": len(labels) ** 2,
        "confusion-stance": report["_stances"] ** 2,
    }


def _colours(png: bytes) -> int:
    """How many distinct colours a PNG holds."""
    from matplotlib.image import imread

    pixels = np.asarray(imread(io.BytesIO(png), format="png"))
    flat = pixels.reshape(-1, pixels.shape[-1]) if pixels.ndim == 3 else pixels.reshape(-1, 1)
    return int(np.unique(flat, axis=0).shape[0])


def test_the_report_in_a_headless_browser(report_file: tuple[Path, dict[str, Any]]) -> None:
    from playwright.sync_api import Route, sync_playwright

    path, report = report_file
    url = path.resolve().as_uri()
    requested: list[str] = []

    def only_the_file(route: Route) -> None:
        # Every request is recorded; only the page itself is let through.
        requested.append(route.request.url)
        if route.request.url == url:
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", only_the_file)
            page = context.new_page()
            seen: list[str] = []
            page.on("request", lambda request: seen.append(request.url))
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(url, wait_until="load")
            page.wait_for_load_state("networkidle")

            assert requested == [url] and seen == [url], (requested, seen)
            assert errors == []
            assert page.locator("script").count() == 0
            assert page.locator("img").count() == 0  # the annotator's name stayed text
            assert page.get_by_text(ANNOTATORS[1]).count() >= 1

            figures = page.eval_on_selector_all(
                "figure.chart",
                """figures => figures.map(f => {
                    const svg = f.querySelector('svg');
                    const box = svg ? svg.getBoundingClientRect() : null;
                    const marks = svg ? [...svg.querySelectorAll(
                        `g[id^="${f.dataset.chart}-mark-"]`)] : [];
                    return {
                        name: f.dataset.chart, svgs: f.querySelectorAll('svg').length,
                        width: box ? box.width : 0, height: box ? box.height : 0,
                        marks: marks.length,
                        drawn: marks.filter(g => {
                            const b = g.getBBox();
                            return g.querySelector('path') && (b.width > 0 || b.height > 0);
                        }).length,
                        texts: svg ? svg.querySelectorAll('text').length : 0,
                    };
                })""",
            )
            by_name = {figure["name"]: figure for figure in figures}
            expected = _expected_marks(report)
            assert set(by_name) == set(expected)
            for name, marks in expected.items():
                figure = by_name[name]
                assert figure["svgs"] == 1, figure
                assert figure["width"] > 100 and figure["height"] > 50, figure
                assert figure["marks"] == figure["drawn"] == marks, figure
                assert figure["texts"] > 0, figure  # axis labels stayed text

            shot = page.screenshot(full_page=True)
            assert shot[:8] == b"\x89PNG\r\n\x1a\n"
            assert _colours(shot) > 1, "the page's screenshot is one colour"
            for name in expected:
                chart = page.locator(f'figure[data-chart="{name}"] svg').screenshot()
                assert _colours(chart) > 2, f"the chart {name} looks blank"
        finally:
            browser.close()
