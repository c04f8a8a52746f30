"""How fast each annotator works: documents done and spans per active hour (issue 15.4).

Active time is what the annotation screen records while an annotator works on a document
(``Annotation.seconds``, the time ``workbench status`` shows), summed over all of the
annotator's annotations of the selected documents, whatever their status: time spent on a
document not finished yet is work too. Spans are counted over the same annotations.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from workbench.agreement.score import Score
from workbench.agreement.sections import _put
from workbench.selection import Selection

if TYPE_CHECKING:
    from workbench.store import Store

NO_TIME = "no active time recorded (imported or written in bulk)"


def annotation_times(
    store: Store, selection: Selection, coders: Sequence[str]
) -> dict[str, list[tuple[str, float, int]]]:
    """Per annotator of ``coders``, each annotation of the selected documents as (status,
    active seconds, spans)."""
    from sqlalchemy import func, select
    from sqlmodel import col

    from workbench import models

    ids = {selection.annotators[name]: name for name in coders}
    annotation = models.Annotation
    spans = (
        select(col(models.Span.annotation_id), func.count().label("spans"))
        .group_by(col(models.Span.annotation_id))
        .subquery()
    )
    query = (
        select(
            col(annotation.annotator_id),
            col(annotation.document_id),
            col(annotation.status),
            col(annotation.seconds),
            func.coalesce(spans.c.spans, 0),
        )
        .outerjoin(spans, spans.c.annotation_id == col(annotation.id))
        .where(col(annotation.annotator_id).in_(sorted(ids)))
    )
    result: dict[str, list[tuple[str, float, int]]] = {name: [] for name in coders}
    documents = selection.document_ids
    with store.db.read() as session:
        for annotator, document, status, seconds, count in session.connection().execute(query):
            if documents is None or document in documents:
                result[ids[annotator]].append((status, float(seconds or 0.0), int(count)))
    return result


def throughput(store: Store, selection: Selection, coders: Sequence[str]) -> dict[str, Any]:
    """Per annotator of ``coders``: ``documents_done``, ``active_hours``, ``documents_per_hour``
    and ``spans_per_hour`` (per active hour), and ``median_seconds_per_document`` (over the
    done documents that recorded active time). Rates are None, with a reason, without time."""
    annotators: dict[str, Any] = {}
    for name, rows in annotation_times(store, selection, coders).items():
        seconds = sum(row[1] for row in rows)
        done = [row for row in rows if row[0] == "done"]
        hours = seconds / 3600
        figures: dict[str, Any] = {
            "documents_done": len(done),
            "spans": sum(row[2] for row in rows),
            "active_hours": hours,
        }
        for key, amount in (
            ("documents_per_hour", len(done)),
            ("spans_per_hour", figures["spans"]),
        ):
            _put(
                figures,
                key,
                Score.of(amount / hours) if seconds > 0 else Score.undefined_because(NO_TIME),
            )
        timed = [row[1] for row in done if row[1] > 0]
        _put(
            figures,
            "median_seconds_per_document",
            Score.of(statistics.median(timed))
            if timed
            else Score.undefined_because("no done document recorded active time"),
        )
        annotators[name] = figures
    return {"annotators": annotators}
