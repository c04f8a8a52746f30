"""What the HTML report shows, gathered once: progress, the agreement report, days, the queue.

The agreement figures are the very dict ``workbench agreement --json`` prints (collected and
built by the same two calls as :func:`~workbench.agreement.report.agreement_report`); the
report only adds what that dict lacks and a picture needs, from the same collected corpus:
the document stance confusion matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.agreement.daily import DailyDone, documents_done_per_day

if TYPE_CHECKING:
    from workbench.agreement.collect import Corpus
    from workbench.store import Store


@dataclass(frozen=True)
class Confusion:
    """A symmetric confusion matrix: ``counts[i][j]`` pairs where one annotator chose
    ``labels[i]`` and the other ``labels[j]``, either way round (the diagonal: they agreed)."""

    title: str
    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    caption: str

    @classmethod
    def of(cls, title: str, section: dict[str, Any], caption: str) -> Confusion:
        """From the report's shape: ``{"labels": [...], "counts": {row: {column: n}}}``."""
        labels = tuple(section["labels"])
        counts = tuple(tuple(int(section["counts"][r][c]) for c in labels) for r in labels)
        return cls(title, labels, counts, caption)

    @property
    def total(self) -> int:
        """Every pair counted once (the upper triangle with the diagonal)."""
        size = len(self.labels)
        return sum(self.counts[i][j] for i in range(size) for j in range(i, size))


@dataclass(frozen=True)
class QueueRow:
    """One document of the review queue, in the order ``workbench review`` takes them."""

    rank: int
    name: str
    disagreement: float | None
    """None for a document only one annotator finished (nothing to compare)."""
    worst_field: str | None
    agreement: dict[str, float | None]
    alone: str | None
    """The one annotator of an uncompared document."""


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows."""

    database: str
    generated: datetime
    status: dict[str, Any]
    """What ``workbench status --json`` prints."""
    agreement: dict[str, Any]
    """What ``workbench agreement --json`` prints."""
    claim_confusion: Confusion
    stance_confusion: Confusion
    daily: DailyDone
    queue: tuple[QueueRow, ...]


def stance_confusion(corpus: Corpus) -> dict[str, Any]:
    """Document stances of every annotator pair who both chose one, summed over pairs, in the
    shape of the report's claim-type ``confusion`` (symmetric, diagonal counted once)."""
    size = len(corpus.stances)
    total = np.zeros((size, size), dtype=np.int64)
    for a, b in combinations(range(len(corpus.coders)), 2):
        both = ~np.isnan(corpus.stance[a]) & ~np.isnan(corpus.stance[b])
        rows = corpus.stance[a][both].astype(np.int64)
        columns = corpus.stance[b][both].astype(np.int64)
        np.add.at(total, (rows, columns), 1)
    symmetric = total + total.T
    symmetric[np.diag_indices(size)] //= 2
    labels = list(corpus.stances)
    return {
        "labels": labels,
        "counts": {
            row: dict(zip(labels, (int(v) for v in counts), strict=True))
            for row, counts in zip(labels, symmetric, strict=True)
        },
    }


def review_queue(report: dict[str, Any]) -> tuple[QueueRow, ...]:
    """The compared documents, most disagreement first, then those only one annotator
    finished: the order of the agreement screen's queue and of ``workbench review``."""
    rows = [
        QueueRow(
            rank,
            row["name"],
            row["disagreement"],
            row["worst_field"],
            {field: value for field, value in row["agreement"].items() if "_" not in field},
            None,
        )
        for rank, row in enumerate(report["documents"], 1)
    ]
    start = len(rows) + 1
    rows += [
        QueueRow(rank, row["name"], None, None, {}, row["annotator"])
        for rank, row in enumerate(report.get("uncompared", []), start)
    ]
    return tuple(rows)


def gather(
    store: Store,
    *,
    annotators: Sequence[str] | None = None,
    status: str = "done",
    docs: Sequence[str] | None = None,
) -> ReportData:
    """Read the database once for the report (the arguments are ``workbench agreement``'s)."""
    from workbench.agreement.collect import collect, resolve
    from workbench.agreement.report import annotator_sections, corpus_report
    from workbench.report import status_data

    selection = resolve(store, annotators, status, docs)
    corpus = collect(store, selection)
    report = corpus_report(corpus, selection.statuses) | annotator_sections(
        store, selection, corpus
    )
    stances = report["stance"].get("confusion") or stance_confusion(corpus)
    return ReportData(
        database=store.db.name,
        generated=datetime.now(UTC),
        status=status_data(store),
        agreement=report,
        claim_confusion=Confusion.of(
            "Claim types of overlapping spans",
            report["spans"]["confusion"],
            "pairs of overlapping spans by two annotators, either way round",
        ),
        stance_confusion=Confusion.of(
            "Document stance",
            stances,
            "pairs of annotators who both chose a stance for a document, either way round",
        ),
        daily=documents_done_per_day(store, annotators=annotators),
        queue=review_queue(report),
    )
