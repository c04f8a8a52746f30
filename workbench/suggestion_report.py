"""``workbench suggestions``: what each source suggested, what annotators made of it, and how
right it was against gold and against each annotator's finished work."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlmodel import col, select

from workbench import models
from workbench.store import Store
from workbench.store.core import loads_topics
from workbench.store.suggestions import decision_outcome, span_keys

Key = tuple[int, str, int | None, int | None]
"""A label on a document: (document id, label, start, end); a document label has no offsets."""


def suggestion_report(
    store: Store, trained_on: Mapping[str, set[int] | None] | None = None
) -> dict[str, Any]:
    """Per source, then per label: suggestions made and still pending (no one decided them);
    decisions accepted, edited (accepted, then changed) and rejected, summed over annotators,
    with the acceptance rate (accepted or edited, of the decided); and precision, recall and
    F1 of the exact labels against gold's done documents and against each annotator's done ones.

    ``trained_on``: per model source, the documents its model was trained on. They are left
    out of its precision and recall (a model scored on its own training data looks better
    than it is), and the source says how many were left out; None for a source whose model
    is gone (its figures then include whatever it was trained on, and say so)."""
    with store.db.read() as session:
        suggestions = session.exec(select(models.Suggestion)).all()
        decided = session.exec(select(models.Decision)).all()
        names = {a.id: a.name for a in session.exec(select(models.Annotator))}
        done = session.exec(
            select(models.Annotation).where(col(models.Annotation.status) == "done")
        ).all()
        spans = session.exec(
            select(models.Span).where(col(models.Span.annotation_id).in_([a.id for a in done]))
        ).all()
    truth: dict[str, set[Key]] = defaultdict(set)  # annotator -> labels they finished with
    covered: dict[str, set[int]] = defaultdict(set)  # annotator -> documents they finished
    owner = {a.id: (names[a.annotator_id], a.document_id) for a in done}
    for annotation in done:
        who = names[annotation.annotator_id]
        covered[who].add(annotation.document_id)
        if annotation.stance:
            truth[who].add((annotation.document_id, annotation.stance, None, None))
        for topic in loads_topics(annotation.topics):
            truth[who].add((annotation.document_id, topic, None, None))
    for span in spans:
        who, document = owner[span.annotation_id]
        truth[who].add((document, span.label, span.start, span.end))
    with store.db.read() as session:
        now = span_keys(session, [d.span_id for d in decided if d.span_id is not None])
    by_id = {suggestion.id: suggestion for suggestion in suggestions}
    outcome: dict[int, Counter[str]] = defaultdict(Counter)
    for decision in decided:
        made = by_id[decision.suggestion_id]
        outcome[decision.suggestion_id][
            decision_outcome(made, decision.decision, decision.span_id, now)
        ] += 1
    sources: dict[str, dict[str, Any]] = {}
    grouped: dict[str, dict[str, list[models.Suggestion]]] = defaultdict(lambda: defaultdict(list))
    for suggestion in suggestions:
        grouped[suggestion.source][suggestion.label].append(suggestion)
    trained_on = trained_on or {}
    for source, labels in sorted(grouped.items()):
        left_out = trained_on.get(source) or set()
        seen = {who: documents - left_out for who, documents in covered.items()}
        rows = {label: _row(items, outcome, truth, seen) for label, items in labels.items()}
        every = [item for items in labels.values() for item in items]
        sources[source] = {
            "total": _row(every, outcome, truth, seen),
            "labels": dict(sorted(rows.items())),
        }
        if source in trained_on:
            gold_done = covered.get(models.GOLD, set())
            known = trained_on[source]
            sources[source]["held_out"] = {
                "model_found": known is not None,
                "trained_on_documents": None if known is None else len(known),
                "gold_documents_scored": len(gold_done - (known or set())),
                "gold_documents_left_out": len(gold_done & (known or set())),
            }
    return {"sources": sources}


def _row(
    items: list[models.Suggestion],
    outcome: dict[int, Counter[str]],
    truth: dict[str, set[Key]],
    covered: dict[str, set[int]],
) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for item in items:
        counts.update(outcome.get(item.id or 0, Counter()))
    accepted = counts["accepted"] + counts["edited"]
    decided = accepted + counts["rejected"]
    row: dict[str, Any] = {
        "made": len(items),
        "pending": sum(1 for item in items if not outcome.get(item.id or 0)),
        "accepted": counts["accepted"],
        "edited": counts["edited"],
        "rejected": counts["rejected"],
        "acceptance_rate": accepted / decided if decided else None,
    }
    against: dict[str, Any] = {}
    labels = {item.label for item in items}
    for who in sorted(truth.keys() | covered.keys()):
        documents = covered[who]
        made = {
            (item.document_id, item.label, item.start, item.end)
            for item in items
            if item.document_id in documents
        }
        real = {key for key in truth[who] if key[0] in documents and key[1] in labels}
        hit = len(made & real)
        precision = hit / len(made) if made else None
        recall = hit / len(real) if real else None
        against[who] = {
            "documents": len({key[0] for key in made}),
            "precision": precision,
            "recall": recall,
            "f1": _f1(precision, recall),
        }
    row["against"] = against
    return row


def print_suggestions(data: dict[str, Any], console: Console | None = None) -> None:
    """One table per source: a row per label and its total."""
    console = console or Console()
    if not data["sources"]:
        console.print(
            "No suggestions yet (`workbench suggest patterns` or `import --suggestions`)."
        )
        return
    for source, figures in data["sources"].items():
        table = Table(title=Text(source), show_edge=False, pad_edge=False, title_justify="left")
        table.add_column("label", no_wrap=True)
        for column in ("made", "pending", "accepted", "edited", "rejected", "accept rate"):
            table.add_column(column, justify="right")
        table.add_column("precision / recall / F1 vs gold", justify="right")
        for label, row in [*figures["labels"].items(), ("all", figures["total"])]:
            gold = row["against"].get(models.GOLD)
            versus = (
                "–"
                if gold is None
                else " / ".join(_share(gold[k]) for k in ("precision", "recall", "f1"))
            )
            table.add_row(
                Text(label, style="bold" if label == "all" else ""),
                str(row["made"]),
                str(row["pending"]),
                str(row["accepted"]),
                str(row["edited"]),
                str(row["rejected"]),
                _share(row["acceptance_rate"]),
                versus,
            )
        console.print(table)
        held = figures.get("held_out")
        if held is not None and held["model_found"]:
            console.print(
                f"vs gold on the {held['gold_documents_scored']} gold documents the model was"
                f" not trained on ({held['gold_documents_left_out']} it trained on left out)"
            )
        elif held is not None:
            console.print(
                "the model's folder is gone: its figures vs gold may include documents it was"
                " trained on"
            )
        console.print()


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"
