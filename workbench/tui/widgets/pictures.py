"""The agreement screen's pictures: the two confusion grids and the charts, over the tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from workbench.tui.widgets.charts import (
    BarChart,
    DaysChart,
    annotator_agreement,
    per_label_f1,
    throughput,
)
from workbench.tui.widgets.confusion import NO_SPAN_NAME, ConfusionGrid

if TYPE_CHECKING:
    from workbench.agreement.collect import Corpus
    from workbench.agreement.daily import DailyDone
    from workbench.agreement.disagreements import Disagreements
    from workbench.store import Store

CLAIM_GRID = "confusion-claim-type"
STANCE_GRID = "confusion-stance"


@dataclass(frozen=True)
class Pictures:
    """What the pictures show, read off the UI thread with the report."""

    report: dict[str, Any]
    disagreements: Disagreements
    counts: tuple[list[list[int]], list[list[int]]]
    """The claim-type and the stance matrices' counts (counted once, off the UI thread)."""
    days: DailyDone
    status: dict[str, Any]


def gather_pictures(store: Store, corpus: Corpus, report: dict[str, Any]) -> Pictures:
    """The pairs behind the confusion cells, the days and the progress (a worker's call)."""
    from workbench.agreement.daily import documents_done_per_day
    from workbench.agreement.disagreements import corpus_disagreements
    from workbench.report import status_data

    found = corpus_disagreements(corpus)
    counts = (found.claim_type.counts(), found.stance.counts())
    return Pictures(report, found, counts, documents_done_per_day(store), status_data(store))


class AgreementPictures(Vertical):
    """The confusion grids (tab reaches them; enter on a cell lists its pairs) and the charts."""

    DEFAULT_CSS = """
    AgreementPictures { height: auto; }
    AgreementPictures ConfusionGrid { height: auto; width: auto; max-width: 100%; margin: 0 0 1 0; }
    AgreementPictures .picture-note { color: $text-muted; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pictures: Pictures | None = None

    def compose(self) -> ComposeResult:
        yield Static("Claim types of overlapping spans", classes="heading")
        yield Static(
            f"pairs of spans two annotators overlap, either way round; {NO_SPAN_NAME}: "
            "the other has no span there · tab to a grid, enter lists a cell's pairs",
            classes="picture-note",
        )
        yield ConfusionGrid("Claim types", id=CLAIM_GRID)
        yield Static("Document stance", classes="heading")
        yield ConfusionGrid("Document stance", id=STANCE_GRID)
        yield BarChart("Per claim type: span F1, exact and overlap", id="chart-per-label-f1")
        yield BarChart("Per annotator: agreement (mean over pairs)", id="chart-annotators")
        yield BarChart("Per annotator: throughput", id="chart-throughput")
        yield DaysChart("Documents done per day", id="chart-daily")

    def show(self, pictures: Pictures, width: int) -> None:
        """Draw everything for ``width`` cells (the grids' headings shorten to fit)."""
        self.pictures = pictures
        found = pictures.disagreements
        claim = self.query_one(f"#{CLAIM_GRID}", ConfusionGrid)
        claim.show(found.claim_type.labels, pictures.counts[0], width)
        stance = self.query_one(f"#{STANCE_GRID}", ConfusionGrid)
        stance.show(found.stance.labels, pictures.counts[1], width)
        labels, series = per_label_f1(pictures.report)
        empty = "no claim type has an F1: fewer than two annotators, or no spans compared"
        self.query_one("#chart-per-label-f1", BarChart).show(labels, series, empty=empty)
        names, series = annotator_agreement(pictures.report)
        self.query_one("#chart-annotators", BarChart).show(
            names, series, empty="fewer than two annotators to compare"
        )
        names, series = throughput(pictures.status)
        self.query_one("#chart-throughput", BarChart).show(
            names, series, top=None, digits=0, empty="no annotator has finished a document"
        )
        self.query_one("#chart-daily", DaysChart).show(pictures.days)

    def resize(self, width: int) -> None:
        """Draw again at a new width."""
        if self.pictures is not None:
            self.show(self.pictures, width)
