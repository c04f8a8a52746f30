"""What an export reads: ``--source`` (gold, an annotator, all, majority), statuses, documents."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from workbench import models
from workbench.agreement.collect import parse_statuses
from workbench.errors import NotFoundError, WorkbenchError
from workbench.nlp import Tokenization
from workbench.store.bulk import (
    ExportAnnotationRow,
    ExportDocumentRow,
    SpanRow,
    annotator_ids,
    counted_document_hashes,
    iter_export_pages,
    selected_documents,
    span_topics,
)

if TYPE_CHECKING:
    from workbench.store import Store

ALL = "all"
MAJORITY = "majority"
SOURCE_HELP = "gold, an annotator's name, all (one record per annotation) or majority"


@dataclass(frozen=True)
class Selection:
    """The annotations an export counts: whose (None: everyone's), which statuses, which
    documents (None: all), and how to combine them (``source``)."""

    source: str
    annotator_ids: frozenset[int] | None
    statuses: tuple[str, ...]
    document_ids: frozenset[int] | None

    @property
    def merged(self) -> bool:
        """Whether each document's annotations are merged into one record (``majority``)."""
        return self.source == MAJORITY


@dataclass(frozen=True, slots=True)
class ExportDocument:
    """A document as exports need it: name, exact text, content hash, metadata, tokens."""

    name: str
    text: str
    hash: str
    meta: dict[str, Any]
    tokens: Tokenization


@dataclass(frozen=True, slots=True)
class ExportRecord:
    """One exported annotation of a document (or the merged ``majority`` record)."""

    document: ExportDocument
    annotator: str
    status: str
    stance: str | None
    topics: tuple[str, ...]
    note: str
    seconds: float
    timestamp: float
    spans: Sequence[SpanRow]
    """By start, longest first, then claim type; token ends exclusive."""
    answer: str | None = None
    """The answer an import recorded (``reject`` is told apart from ``ignore`` this way)."""


@dataclass
class MergeReport:
    """What ``majority`` could not decide: the documents whose stance vote was tied."""

    stance_ties: list[str] = field(default_factory=list)


def resolve_source(
    store: Store, source: str, status: str = "done", docs: Sequence[str] | None = None
) -> Selection:
    """Check ``--source``, ``--status`` and ``--docs`` against the database.

    ``gold`` and an annotator's name select that annotator; ``all`` every annotator (``gold``
    too); ``majority`` every annotator but ``gold``. Unknown names raise
    :class:`NotFoundError`.
    """
    statuses = parse_statuses(status)
    name = source.strip()
    if not name:
        raise WorkbenchError(f"--source is empty; use {SOURCE_HELP}")
    selected: frozenset[int] | None
    if name == ALL:
        selected = None
    elif name == MAJORITY:
        selected = frozenset(info.id for info in store.annotators() if info.name != models.GOLD)
        if not selected:
            raise NotFoundError("--source majority: there are no annotators to merge yet")
    else:
        found = annotator_ids(store.db, [name])
        if name not in found:
            known = ", ".join(info.name for info in store.annotators()) or "none yet"
            what = (
                "no gold annotations yet (the reviewer's adjudicated set)"
                if name == models.GOLD
                else f"no annotator named {name!r}"
            )
            raise NotFoundError(f"--source {name}: {what}; use {SOURCE_HELP} (annotators: {known})")
        selected = frozenset(found.values())
    return Selection(name, selected, statuses, _resolve_docs(store, docs))


def _resolve_docs(store: Store, docs: Sequence[str] | None) -> frozenset[int] | None:
    return selected_documents(store.db, docs)


def document_hashes(store: Store, selection: Selection) -> list[str]:
    """The content hashes of the documents an export will write, in the order it writes them."""
    return counted_document_hashes(
        store.db, selection.annotator_ids, selection.statuses, selection.document_ids
    )


def iter_records(
    store: Store,
    selection: Selection,
    *,
    report: MergeReport | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[ExportRecord]:
    """The selected records, streamed: by document name, then annotator name.

    ``progress(n)`` is called after each page with the number of documents it held.
    """
    report = report if report is not None else MergeReport()
    pages = iter_export_pages(
        store.db, selection.annotator_ids, selection.statuses, selection.document_ids
    )
    for page in pages:
        by_document: dict[int, list[ExportAnnotationRow]] = {}
        for row in page.annotations:
            by_document.setdefault(row.document_id, []).append(row)
        for document_row in page.documents:
            rows = by_document.get(document_row.id)
            if not rows:
                continue
            document = _document(document_row)
            records = [
                ExportRecord(
                    document=document,
                    annotator=row.annotator,
                    status=row.status,
                    stance=row.stance,
                    topics=row.topics,
                    note=row.note,
                    seconds=row.seconds,
                    timestamp=row.updated_at,
                    spans=page.spans.get(row.id, ()),
                    answer=page.answers.get(row.id),
                )
                for row in rows
            ]
            if selection.merged:
                merged, tied = merge_majority(records)
                if tied:
                    report.stance_ties.append(document.name)
                yield merged
            else:
                yield from records
        if progress is not None:
            progress(len(page.documents))


def _document(row: ExportDocumentRow) -> ExportDocument:
    return ExportDocument(
        name=row.name,
        text=row.text,
        hash=row.hash,
        meta=orjson.loads(row.meta) if row.meta else {},
        tokens=Tokenization.from_columns(
            row.tok_starts, row.tok_ends, row.tok_spaces, row.sent_starts
        ),
    )


def plurality(values: Sequence[str | None]) -> tuple[str | None, bool]:
    """The most frequent of the values that are set, and whether the vote was tied (a tie
    leaves it unset; no values set is not a tie)."""
    counts = Counter(value for value in values if value is not None).most_common(2)
    if not counts:
        return None, False
    if len(counts) == 2 and counts[0][1] == counts[1][1]:
        return None, True
    return counts[0][0], False


def majority_topics(sets: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """The topics more than half of the sets hold, sorted."""
    counts = Counter(topic for topics in sets for topic in set(topics))
    return tuple(sorted(topic for topic, count in counts.items() if 2 * count > len(sets)))


def merge_majority(records: Sequence[ExportRecord]) -> tuple[ExportRecord, bool]:
    """One document's annotations merged by majority, and whether its stance vote was tied.

    A span is kept when more than half of the annotators marked the same start, end and claim
    type; its stance is the plurality of theirs (a tie leaves it unset) and its topics those
    more than half of them gave it. The document's stance is the plurality of the annotators'
    stances (a tie leaves it unset and is reported); a topic is kept when more than half of
    the annotators chose it.
    """
    votes: dict[tuple[int, int, str], list[SpanRow]] = {}
    for record in records:
        for span in record.spans:
            votes.setdefault((span[1], span[2], span[5]), []).append(span)
    spans: list[SpanRow] = []
    for (start, end, label), marked in votes.items():
        if 2 * len(marked) <= len(records):
            continue
        stance, _ = plurality([span[6] for span in marked])
        topics = majority_topics([span_topics(span[7]) for span in marked])
        stored = orjson.dumps(topics).decode() if topics else None
        spans.append((0, start, end, marked[0][3], marked[0][4], label, stance, stored))
    spans.sort(key=lambda span: (span[1], -span[2], span[5]))
    stance, tied = plurality([record.stance for record in records])
    done = all(record.status == "done" for record in records)
    merged = ExportRecord(
        document=records[0].document,
        annotator=MAJORITY,
        status="done" if done else "in_progress",
        stance=stance,
        topics=majority_topics([record.topics for record in records]),
        note="",
        seconds=0.0,
        timestamp=max(record.timestamp for record in records),
        spans=spans,
    )
    return merged, tied


def ties_message(names: Sequence[str]) -> str:
    """The warning for documents whose majority stance vote was tied."""
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return f"majority: the stance vote was tied in {len(names)} documents (left unset): {shown}"
