"""What an export reads: ``--source`` (gold, an annotator, all, majority) over the shared
selection of statuses and documents, streamed as records, merged by majority if asked."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import orjson

from workbench import models
from workbench.errors import FieldError, FieldNotFoundError
from workbench.nlp import Tokenization
from workbench.selection import Everyone, Selection, resolve
from workbench.store.bulk import (
    ExportAnnotationRow,
    ExportDocumentRow,
    counted_document_hashes,
    iter_export_pages,
)
from workbench.store.records import ExportDocument, ExportRecord, span_row, topics_json
from workbench.voting import merge_majority

if TYPE_CHECKING:
    from workbench.store import Store

ALL = "all"
MAJORITY = "majority"
SOURCE_HELP = "gold, an annotator's name, all (one record per annotation) or majority"


@dataclass(frozen=True)
class ExportSource:
    """What an export writes: ``source`` names it, ``selection`` holds the annotations it
    counts (everyone's for ``all``)."""

    source: str
    selection: Selection

    @property
    def merged(self) -> bool:
        """Whether each document's annotations are merged into one record (``majority``)."""
        return self.source == MAJORITY

    @property
    def statuses(self) -> tuple[str, ...]:
        """The statuses that count."""
        return self.selection.statuses


@dataclass
class MergeReport:
    """What ``majority`` could not decide: the documents whose stance vote was tied."""

    stance_ties: list[str] = field(default_factory=list)


def resolve_source(
    store: Store, source: str, status: str = "done", docs: Sequence[str] | None = None
) -> ExportSource:
    """Check ``source``, ``status`` and ``docs`` against the database.

    ``gold`` and an annotator's name select that annotator; ``all`` every annotator (``gold``
    too); ``majority`` every annotator but ``gold``. Unknown names raise
    :class:`~workbench.errors.FieldNotFoundError`.
    """
    name = source.strip()
    if not name:
        raise FieldError("source", f"source is empty; use {SOURCE_HELP}")

    def unknown(_: Sequence[str]) -> FieldError:
        known = ", ".join(info.name for info in store.annotators()) or "none yet"
        what = (
            "no gold annotations yet (the reviewer's adjudicated set)"
            if name == models.GOLD
            else f"no annotator named {name!r}"
        )
        return FieldNotFoundError(
            "source", f"source {name}: {what}; use {SOURCE_HELP} (annotators: {known})"
        )

    who = {ALL: Everyone.WITH_GOLD, MAJORITY: Everyone.BUT_GOLD}.get(name, [name])
    selection = resolve(
        store,
        annotators=who,
        status=status,
        docs=docs,
        field="source",
        unknown=unknown,
        nobody=f"source {MAJORITY}: there are no annotators to merge yet"
        if name == MAJORITY
        else None,
    )
    return ExportSource(name, selection)


def document_hashes(store: Store, source: ExportSource) -> list[str]:
    """The content hashes of the documents an export will write, in the order it writes them."""
    selection = source.selection
    return counted_document_hashes(
        store.db, selection.annotator_ids, selection.statuses, selection.document_ids
    )


def iter_records(
    store: Store,
    source: ExportSource,
    *,
    report: MergeReport | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[ExportRecord]:
    """The selected records, streamed: by document name, then annotator name.

    ``progress(n)`` is called after each page with the number of documents it held.
    """
    report = report if report is not None else MergeReport()
    selection = source.selection
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
                    task=page.tasks.get(row.id),
                    suggested=page.suggested.get(row.id),
                )
                for row in rows
            ]
            if source.merged:
                merged, tied = majority_record(records)
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


def majority_record(records: Sequence[ExportRecord]) -> tuple[ExportRecord, bool]:
    """One document's records merged by majority (see :func:`workbench.voting.merge_majority`)
    as the ``majority`` record, and whether its stance vote was tied."""
    merged = merge_majority(records)
    spans = [
        span_row(
            (
                0,
                span.start,
                span.end,
                span.token_start,
                span.token_end,
                span.label,
                span.stance,
                topics_json(span.topics),
            )
        )
        for span in merged.spans
    ]
    record = ExportRecord(
        document=records[0].document,
        annotator=MAJORITY,
        status="done" if merged.done else "in_progress",
        stance=merged.stance,
        topics=merged.topics,
        note="",
        seconds=0.0,
        timestamp=max(record.timestamp for record in records),
        spans=spans,
    )
    return record, merged.stance_tied


def ties_message(names: Sequence[str]) -> str:
    """The warning for documents whose majority stance vote was tied."""
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return f"majority: the stance vote was tied in {len(names)} documents (left unset): {shown}"


def nothing_to_export(source: ExportSource) -> FieldError:
    """The error for a source that holds no annotation: every export refuses it alike."""
    return FieldError(
        "source",
        f"source {source.source}: nothing to export, no annotations with status"
        f" {', '.join(source.selection.statuses)}",
    )
