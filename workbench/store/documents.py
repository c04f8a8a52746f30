"""Documents: bulk import (with any annotations they carry), listings and progress figures."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any

import orjson
from sqlalchemy import and_, delete, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from workbench import models
from workbench.errors import ImportFormatError, NotFoundError
from workbench.nlp import AlignMode, Tokenization, tokenize_many
from workbench.store.aligning import span_rows
from workbench.store.core import StoreBase, _document_data, check_annotator_name, dumps
from workbench.store.records import (
    AnnotatorStats,
    DocumentRow,
    ImportSummary,
    NewAnnotation,
    NewDocument,
)

BATCH_SIZE = 256


def text_hash(text: str) -> str:
    """The content hash that identifies a document's text (SHA-256 of its UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _batched(items: Iterable[NewDocument], size: int) -> Iterator[list[NewDocument]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


_FINISHED = ("todo", "skipped", "in_progress", "done")
"""Statuses from least to most finished: two records merged keep the later of their two."""


@dataclass
class _Run:
    """What one import has written so far, across its transactions."""

    documents: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Text hash -> (document id, name) of every text the import met."""
    names: dict[str, str] = field(default_factory=dict)
    """Name -> text hash of the documents the import named."""
    annotations: set[int] = field(default_factory=set)
    """Annotations the import wrote: a later record of the same annotator and text merges
    into one of these."""


_Tokens = dict[str, Tokenization]
"""Tokens of new texts, by text hash."""


class DocumentStore(StoreBase):
    """Adds and lists documents."""

    def add_documents(
        self,
        documents: Iterable[NewDocument],
        *,
        align: AlignMode = "strict",
        replace: bool = False,
        batch_size: int = BATCH_SIZE,
        progress: Callable[[int], None] | None = None,
        ids: dict[str, int] | None = None,
    ) -> ImportSummary:
        """Import documents (and their annotations) in short transactions, one per batch.
        ``ids``, if given, is filled with the document id of every text met, by text hash.

        Each batch is tokenized through ``nlp.pipe`` before its transaction opens, so the
        database is locked only while its rows go in with bulk inserts: annotators' saves go
        through between batches, and memory stays flat however many documents stream through.
        Every committed batch is whole (documents with their annotations and events); an
        interrupted import leaves the batches before it, and run again it completes (texts
        already stored are skipped, their annotations still attach to them). Bad input is for
        the caller to refuse first (:mod:`workbench.importer` checks every line before any is
        written); what the store still refuses stops the import at that batch.

        An annotator's existing, non-empty annotation of a document is kept (reported as
        skipped) unless ``replace``; two records of one annotator for one text in the same
        import merge their labels, as Prodigy does when it builds a dataset.
        """
        summary = ImportSummary()
        run = _Run()

        def write(batch: list[NewDocument], hashes: list[str], tokens: _Tokens) -> None:
            with self.db.write() as session:
                stored = self._insert_batch(session, batch, hashes, run, summary, tokens)
                if ids is not None:
                    ids.update((digest, document_id) for document_id, digest in stored)
                for document, (document_id, digest) in zip(batch, stored, strict=True):
                    if document.annotations:
                        self._import_annotations(
                            session,
                            document,
                            document_id,
                            tokens.get(digest),
                            align,
                            replace,
                            summary,
                            run,
                        )
            if progress is not None:
                progress(len(batch))

        for batch in _batched(documents, batch_size):
            hashes = [text_hash(document.text) for document in batch]
            write(batch, hashes, self._tokenize_new(batch, hashes))
        return summary

    def _tokenize_new(self, batch: Sequence[NewDocument], hashes: list[str]) -> _Tokens:
        """The tokens of the batch's texts not stored yet, by hash, made outside any
        transaction (a text stored meanwhile is found again inside it)."""
        texts = dict(zip(hashes, (document.text for document in batch), strict=True))
        with self.db.read() as session:
            stored = set(
                session.exec(
                    select(models.Document.hash).where(col(models.Document.hash).in_(texts))
                ).all()
            )
        new = [(digest, text) for digest, text in texts.items() if digest not in stored]
        return dict(
            zip(
                (digest for digest, _ in new),
                tokenize_many((text for _, text in new), len(new) or 1),
                strict=True,
            )
        )

    def _insert_batch(
        self,
        session: Session,
        batch: Sequence[NewDocument],
        hashes: list[str],
        run: _Run,
        summary: ImportSummary,
        tokens: _Tokens,
    ) -> list[tuple[int, str]]:
        """Insert the new texts of a batch (their hashes given); the document id and text
        hash of every entry, new or not."""
        stored: dict[str, tuple[int, str]] = {}
        for document_id, name, digest in session.exec(
            select(models.Document.id, models.Document.name, models.Document.hash).where(
                col(models.Document.hash).in_(set(hashes) - run.documents.keys())
            )
        ):
            assert document_id is not None
            stored[digest] = (document_id, name)
        names = run.names
        stored_names = dict(
            session.exec(
                select(models.Document.name, models.Document.hash).where(
                    col(models.Document.name).in_({d.name for d in batch} - names.keys())
                )
            ).all()
        )
        known = run.documents
        fresh: list[tuple[NewDocument, str]] = []
        for document, digest in zip(batch, hashes, strict=True):
            where = document.origin or document.name
            if not document.text or document.text.isspace():  # .strip() would copy the text
                raise ImportFormatError(f"{where}: the text is empty")
            problem = models.document_name_problem(document.name)
            if problem:
                raise ImportFormatError(f"{where}: the document name {document.name!r} {problem}")
            if digest in stored or digest in known:
                _, existing = stored.get(digest) or known[digest]
                # Another line with labels for a text this run already added is no skip: its
                # labels attach (the line's made-up name is no other name for the text).
                again = digest not in stored and (
                    existing == document.name or (document.annotations and not document.named)
                )
                if not again:
                    if digest in stored:
                        why, kind = "already imported", "stored"
                    else:
                        why, kind = "same text earlier in this import", "repeated"
                    summary.skip(document.name, f"{why} as {existing}", kind)
                known.setdefault(digest, stored.get(digest) or known[digest])
                continue
            if names.get(document.name, stored_names.get(document.name)) not in (None, digest):
                # The name is another text's: "news-000002" made up from a line number (the
                # file was imported before with other lines), or a name two texts share
                # (a ``meta.name`` such as a source's title). The text's own hash tells it
                # apart; a given name that had to change is reported.
                given = document.name
                base = given[: models.MAX_DOCUMENT_NAME_LENGTH - 9]  # room for "-" and the hash
                document = replace(document, name=f"{base}-{digest[:8]}")
                if document.named:
                    summary.renamed.append((given, document.name))
                stored_names.update(
                    session.exec(
                        select(models.Document.name, models.Document.hash).where(
                            models.Document.name == document.name
                        )
                    ).all()
                )
                if names.get(document.name, stored_names.get(document.name)) not in (
                    None,
                    digest,
                ):
                    raise ImportFormatError(
                        f"{where}: the names {given!r} and {document.name!r} are both taken"
                        " by other texts; give the document another name"
                    )
            names[document.name] = digest
            known[digest] = (-1, document.name)
            fresh.append((document, digest))
        if fresh:
            missing = [document.text for document, digest in fresh if digest not in tokens]
            late = iter(tokenize_many(missing, len(missing))) if missing else iter(())
            rows = [
                _document_row(document, digest, tokens.get(digest) or next(late))
                for document, digest in fresh
            ]
            session.exec(insert(models.Document), params=rows)
            new_hashes = [digest for _, digest in fresh]
            for document_id, digest in session.exec(
                select(models.Document.id, models.Document.hash).where(
                    col(models.Document.hash).in_(new_hashes)
                )
            ):
                assert document_id is not None
                known[digest] = (document_id, known[digest][1])
            summary.imported.extend(document.name for document, _ in fresh)
        return [(known[digest][0], digest) for digest in hashes]

    def _import_annotations(
        self,
        session: Session,
        document: NewDocument,
        document_id: int,
        tokens: Tokenization | None,
        align: AlignMode,
        replace: bool,
        summary: ImportSummary,
        run: _Run,
    ) -> None:
        """Store the annotations a record carries, checked like any change."""
        if tokens is None:  # a text stored before: its stored tokens are the ones to fit
            row = session.get(models.Document, document_id)
            assert row is not None
            tokens = _document_data(row).tokens
        name = run.documents.get(text_hash(document.text), (0, document.name))[1]
        where = document.origin or document.name
        for new in document.annotations:
            self.check_labels(None, new.stance, new.topics, where)
            for span in new.spans:
                self.check_labels(span.label, span.stance, span.topics, where)
            if new.status not in models.STATUSES:
                raise ImportFormatError(
                    f"{where}: status {new.status!r} must be one of {', '.join(models.STATUSES)}"
                )
            spans = span_rows(document.text, tokens, name, new.spans, align, where)
            stored = self._store_annotation(session, document_id, new, spans, replace, where, run)
            if stored is None:
                summary.skip(
                    document.name,
                    f"{new.annotator} already annotated it (use --replace)",
                    "kept",
                )
                continue
            summary.annotations += stored[0]
            summary.spans += stored[1]

    def _store_annotation(
        self,
        session: Session,
        document_id: int,
        new: NewAnnotation,
        spans: list[dict[str, Any]],
        replace: bool,
        where: str,
        run: _Run,
    ) -> tuple[int, int] | None:
        """Store one annotation: ``(annotations, spans)`` added, or None if the annotator's
        own labels of the document are kept instead."""
        name = check_annotator_name(new.annotator, where)
        problem = models.note_problem(new.note)
        if problem:
            raise ImportFormatError(f"{where}: field 'note' {problem}")
        annotator = session.exec(
            select(models.Annotator).where(col(models.Annotator.name) == name)
        ).first()
        if annotator is None:
            annotator = models.Annotator(name=name)
            session.add(annotator)
            session.flush()
        annotation = session.exec(
            select(models.Annotation)
            .where(col(models.Annotation.document_id) == document_id)
            .where(col(models.Annotation.annotator_id) == annotator.id)
        ).first()
        if annotation is not None and annotation.id in run.annotations:
            return 0, self._merge_annotation(session, annotation, new, spans, where)
        if annotation is not None:
            has_spans = session.exec(
                select(models.Span.id).where(col(models.Span.annotation_id) == annotation.id)
            ).first()
            untouched = annotation.status == "todo" and not annotation.stance and not has_spans
            if not (replace or untouched):
                return None
            session.exec(delete(models.Span).where(col(models.Span.annotation_id) == annotation.id))
            # The replaced labels' history no longer matches the rows: nothing left to undo.
            session.exec(
                update(models.Event)
                .where(col(models.Event.annotation_id) == annotation.id)
                .where(col(models.Event.state).in_([models.EVENT_DONE, models.EVENT_UNDONE]))
                .values(state=models.EVENT_DISCARDED)
            )
        else:
            assert annotator.id is not None
            annotation = models.Annotation(document_id=document_id, annotator_id=annotator.id)
            if new.timestamp is not None:
                annotation.created_at = new.timestamp
        annotation.status = new.status
        annotation.stance = new.stance
        annotation.topics = dumps(sorted(set(new.topics)))
        annotation.note = new.note
        annotation.seconds = max(new.seconds, 0.0)
        # An imported file's own time is kept, so exporting it again gives the same file.
        annotation.updated_at = models.now() if new.timestamp is None else new.timestamp
        session.add(annotation)
        session.flush()
        assert annotation.id is not None
        run.annotations.add(annotation.id)
        if spans:
            session.exec(
                insert(models.Span), params=[{"annotation_id": annotation.id, **s} for s in spans]
            )
        self._log_import(session, annotation, new, len(spans), where)
        return 1, len(spans)

    def _merge_annotation(
        self,
        session: Session,
        annotation: models.Annotation,
        new: NewAnnotation,
        spans: list[dict[str, Any]],
        where: str,
    ) -> int:
        """Add a second record's labels to the annotation the same import wrote from an
        earlier one (Prodigy writes one task per label or per pass): spans and topics are
        joined, a stance fills an empty one, the status is the most finished of the two (a
        done task over a skipped one), notes are joined. The spans added."""
        assert annotation.id is not None
        have = set(
            session.exec(
                select(models.Span.start, models.Span.end, models.Span.label).where(
                    col(models.Span.annotation_id) == annotation.id
                )
            ).all()
        )
        added = [s for s in spans if (s["start"], s["end"], s["label"]) not in have]
        if added:
            session.exec(
                insert(models.Span), params=[{"annotation_id": annotation.id, **s} for s in added]
            )
        topics = set(orjson.loads(annotation.topics or "[]")) | set(new.topics)
        annotation.topics = dumps(sorted(topics))
        annotation.stance = annotation.stance or new.stance
        if _FINISHED.index(new.status) > _FINISHED.index(annotation.status):
            annotation.status = new.status
        if new.note and new.note not in annotation.note:
            annotation.note = f"{annotation.note}\n{new.note}" if annotation.note else new.note
            problem = models.note_problem(annotation.note)
            if problem:
                raise ImportFormatError(
                    f"{where}: field 'note' (joined with the earlier) {problem}"
                )
        annotation.seconds += max(new.seconds, 0.0)
        if new.timestamp is not None:
            annotation.updated_at = max(annotation.updated_at, new.timestamp)
        session.add(annotation)
        self._log_import(session, annotation, new, len(added), where, merged=True)
        return len(added)

    @staticmethod
    def _log_import(
        session: Session,
        annotation: models.Annotation,
        new: NewAnnotation,
        spans: int,
        where: str,
        *,
        merged: bool = False,
    ) -> None:
        assert annotation.id is not None
        session.add(
            models.Event(
                annotation_id=annotation.id,
                annotator_id=annotation.annotator_id,
                action="import",
                entity="annotation",
                entity_id=annotation.id,
                after=dumps(
                    {"origin": where, "spans": spans, "status": new.status}
                    | ({"answer": new.answer} if new.answer is not None else {})
                    | _task_record(new, annotation, merged)
                ),
                state=models.EVENT_META,
            )
        )

    # -- reading ------------------------------------------------------------------------------

    def document_by_name(self, name: str) -> int:
        """The id of the document of that name, or :class:`NotFoundError`."""
        with self.db.read() as session:
            found = session.exec(
                select(models.Document.id).where(col(models.Document.name) == name)
            ).first()
        if found is None:
            raise NotFoundError(f"no document named {name!r}; `workbench docs` lists them")
        return found

    def count_documents(self, search: str = "", *, containing: str = "") -> int:
        """How many documents there are (whose name contains ``search``, whose text contains
        ``containing``: in any case)."""
        query = select(func.count()).select_from(models.Document)
        if search:
            query = query.where(col(models.Document.name).icontains(search, autoescape=True))
        if containing:
            query = query.where(col(models.Document.text).icontains(containing, autoescape=True))
        with self.db.read() as session:
            return session.exec(query).one()

    def list_documents(
        self,
        annotator_id: int | None = None,
        *,
        search: str = "",
        containing: str = "",
        offset: int = 0,
        limit: int | None = None,
    ) -> list[DocumentRow]:
        """Documents by name, each with this annotator's status and span count (a page of them;
        whose name contains ``search``, whose text contains ``containing``: in any case)."""
        span_count = (
            select(func.count(col(models.Span.id)))
            .where(col(models.Span.annotation_id) == col(models.Annotation.id))
            .correlate(models.Annotation)
            .scalar_subquery()
        )
        # Seven columns: past the overloads of sqlmodel.select, so SQLAlchemy's own.
        query = (
            sa_select(
                col(models.Document.id),
                col(models.Document.name),
                col(models.Document.n_chars),
                col(models.Document.n_tokens),
                col(models.Annotation.status),
                col(models.Annotation.id),
                span_count,
            )
            .outerjoin(
                models.Annotation,
                and_(
                    col(models.Annotation.document_id) == col(models.Document.id),
                    col(models.Annotation.annotator_id) == (annotator_id or -1),
                ),
            )
            .order_by(col(models.Document.name))
            .offset(offset)
            .limit(limit)
        )
        if search:
            query = query.where(col(models.Document.name).icontains(search, autoescape=True))
        if containing:
            query = query.where(col(models.Document.text).icontains(containing, autoescape=True))
        with self.db.read() as session:
            return [DocumentRow.from_listing(row) for row in session.connection().execute(query)]

    def span_counts(self) -> dict[int, dict[str, int]]:
        """Spans per document and annotator name."""
        query = (
            select(models.Annotation.document_id, models.Annotator.name, func.count())
            .select_from(models.Span)
            .join(models.Annotation, col(models.Annotation.id) == col(models.Span.annotation_id))
            .join(models.Annotator, col(models.Annotator.id) == col(models.Annotation.annotator_id))
            .group_by(col(models.Annotation.document_id), col(models.Annotator.name))
        )
        counts: dict[int, dict[str, int]] = {}
        with self.db.read() as session:
            for document_id, name, count in session.exec(query):
                counts.setdefault(document_id, {})[name] = count
        return counts

    def annotator_stats(self) -> list[AnnotatorStats]:
        """Per annotator: documents by status (unopened ones count as todo), spans, time."""
        total = self.count_documents()
        by_status = select(
            models.Annotation.annotator_id,
            models.Annotation.status,
            func.count(),
            func.sum(models.Annotation.seconds),
        ).group_by(col(models.Annotation.annotator_id), col(models.Annotation.status))
        spans = (
            select(models.Annotation.annotator_id, func.count())
            .select_from(models.Span)
            .join(models.Annotation, col(models.Annotation.id) == col(models.Span.annotation_id))
            .group_by(col(models.Annotation.annotator_id))
        )
        with self.db.read() as session:
            annotators = session.exec(
                select(models.Annotator).order_by(col(models.Annotator.name))
            ).all()
            statuses: dict[int, dict[str, int]] = {}
            seconds: dict[int, float] = {}
            for annotator_id, status, count, time_spent in session.exec(by_status):
                statuses.setdefault(annotator_id, {})[status] = count
                seconds[annotator_id] = seconds.get(annotator_id, 0.0) + (time_spent or 0.0)
            span_totals = dict(session.exec(spans).all())
        result = []
        for annotator in annotators:
            assert annotator.id is not None
            counts = statuses.get(annotator.id, {})
            opened = counts.get("in_progress", 0) + counts.get("done", 0) + counts.get("skipped", 0)
            result.append(
                AnnotatorStats(
                    name=annotator.name,
                    role=annotator.role,
                    todo=total - opened,
                    in_progress=counts.get("in_progress", 0),
                    done=counts.get("done", 0),
                    skipped=counts.get("skipped", 0),
                    spans=span_totals.get(annotator.id, 0),
                    seconds=seconds.get(annotator.id, 0.0),
                )
            )
        return result


def _task_record(new: NewAnnotation, annotation: models.Annotation, merged: bool) -> dict[str, Any]:
    """What an import event keeps of a Prodigy task's identity: its hashes and view, and the
    annotation's time then (the task hash is written back only while it has not changed). Two
    tasks merged into one annotation are neither task: only the input hash and view stay."""
    task = new.task
    if task is None:
        return {"merged": True} if merged else {}
    kept: dict[str, Any] = {"at": annotation.updated_at} | ({"merged": True} if merged else {})
    if task.input_hash is not None:
        kept["_input_hash"] = task.input_hash
    if task.task_hash is not None and not merged:
        kept["_task_hash"] = task.task_hash
    if task.view_id is not None:
        kept["_view_id"] = task.view_id
    return kept


def _document_row(document: NewDocument, digest: str, tokens: Tokenization) -> dict[str, Any]:
    return {
        "name": document.name,
        "text": document.text,
        "hash": digest,
        "meta": orjson.dumps(document.meta, option=orjson.OPT_SORT_KEYS).decode(),
        "n_chars": len(document.text),
        "n_tokens": len(tokens),
        "n_sents": len(tokens.sent_starts),
        "created_at": models.now(),
        **tokens.to_columns(),
    }
