"""Flags: an annotator asks the reviewer to look at a document, with a short reason (issue 15.6).

A flag belongs to one annotator's annotation of a document: setting, changing and removing it
are changes like any other (one transaction with its event, undone by ``u``), and blind: an
annotator reads only their own flag, a reviewer reads every one (:meth:`FlagStore.flags`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from workbench import models
from workbench.errors import InvariantError, UndoError
from workbench.store.core import StoreBase

FLAG_ENTITY = "flag"
"""The ``entity`` of a flag's events; their ``entity_id`` is the document's id (an annotator
has at most one flag on a document, and the event names the annotator)."""


@dataclass(frozen=True)
class FlagInfo:
    """One annotator's flag on one document."""

    document_id: int
    document: str
    """The document's name."""
    annotator: str
    """Who flagged it."""
    reason: str
    at: float
    """When it was set or last changed (Unix seconds)."""


def check_reason(reason: str) -> str:
    """A reason fit to store: stripped, one printable line of 1 to
    :data:`~workbench.models.MAX_FLAG_REASON_LENGTH` characters; else a :class:`FieldError`.
    An empty reason is refused: a flag tells the reviewer why to look."""
    text = reason.strip()
    limit = models.MAX_FLAG_REASON_LENGTH
    if not text:
        raise InvariantError("flag: a flag needs a reason: say why the reviewer should look")
    if len(text) > limit:
        raise InvariantError(
            f"flag: the reason is {len(text):,} characters long; it holds at most {limit}"
        )
    bad = next((ch for ch in text if models.unprintable(ch)), None)
    if bad is not None:
        raise InvariantError(
            f"flag: the reason holds the control character {bad!r}; it is one line of text"
        )
    return text


def flag_state(row: models.Flag | None) -> dict[str, Any] | None:
    """What an event records of a flag (None: not flagged)."""
    return None if row is None else {"reason": row.reason, "at": row.at}


def _flag_row(session: Session, document_id: int, annotator_id: int) -> models.Flag | None:
    return session.exec(
        select(models.Flag)
        .where(col(models.Flag.document_id) == document_id)
        .where(col(models.Flag.annotator_id) == annotator_id)
    ).first()


def restore_flag(
    session: Session,
    annotation: models.Annotation,
    document_id: int,
    expected: dict[str, Any] | None,
    target: dict[str, Any] | None,
) -> None:
    """Put the annotator's flag on the document back as ``target`` was (None: no flag), for
    undo and redo; refused if it is not as ``expected`` (changed elsewhere)."""
    row = _flag_row(session, document_id, annotation.annotator_id)
    if flag_state(row) != expected:
        raise UndoError("cannot undo or redo: the flag was changed elsewhere")
    if target is None:
        session.delete(row)
    elif row is None:
        session.add(
            models.Flag(
                document_id=document_id,
                annotator_id=annotation.annotator_id,
                reason=target["reason"],
                at=target["at"],
            )
        )
    else:
        row.reason, row.at = target["reason"], target["at"]
        session.add(row)


class FlagStore(StoreBase):
    """Sets, changes, removes and lists flags. Changes go through an annotation (so only its
    annotator's flag is touched); reading every annotator's flags is for reviewers."""

    @property
    def _not_yet(self) -> bool:
        """The database predates flags and this process may not upgrade it: none to read."""
        return models.Flag.__tablename__ in self.db.absent_tables

    def flag_document(self, annotation_id: int, reason: str) -> FlagInfo:
        """Flag the annotation's document for the reviewer with ``reason``, or change the
        reason of its flag; saved at once, logged, undone by ``u``."""
        text = check_reason(reason)
        with self.db.write() as session:
            annotation = self.annotation_row(session, annotation_id)
            row = _flag_row(session, annotation.document_id, annotation.annotator_id)
            if row is None or row.reason != text:
                before = flag_state(row)
                row = row or models.Flag(
                    document_id=annotation.document_id,
                    annotator_id=annotation.annotator_id,
                    reason=text,
                )
                row.reason, row.at = text, models.now()
                session.add(row)
                action = "flag.set" if before is None else "flag.change"
                self._log_flag(session, annotation, action, before, flag_state(row))
            return self._info(session, row)

    def unflag_document(self, annotation_id: int) -> FlagInfo | None:
        """Remove the annotation's flag on its document (logged, undone by ``u``); the flag
        that was removed, or None if there was none (nothing changes)."""
        with self.db.write() as session:
            annotation = self.annotation_row(session, annotation_id)
            row = _flag_row(session, annotation.document_id, annotation.annotator_id)
            if row is None:
                return None
            removed = self._info(session, row)
            self._log_flag(session, annotation, "flag.remove", flag_state(row), None)
            session.delete(row)
            return removed

    def _log_flag(
        self,
        session: Session,
        annotation: models.Annotation,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        # Flagging is not labelling: a document flagged before it is started stays todo.
        self.log(
            session, annotation, action, FLAG_ENTITY, annotation.document_id, before, after,
            auto_status=False,
        )  # fmt: skip

    def flag_of(self, annotation_id: int) -> FlagInfo | None:
        """The flag of the annotation's own annotator on its document, or None: what an
        annotator may see (never another annotator's flag)."""
        if self._not_yet:
            return None
        with self.db.read() as session:
            annotation = self.annotation_row(session, annotation_id)
            row = _flag_row(session, annotation.document_id, annotation.annotator_id)
            return None if row is None else self._info(session, row)

    def flags(
        self, document_id: int | None = None, annotator_id: int | None = None
    ) -> list[FlagInfo]:
        """Flags (of one document, of one annotator, or all), oldest first, then by document
        and annotator name. Every annotator's: for reviewers (pass ``annotator_id`` to read
        only one annotator's own)."""
        query = (
            select(models.Flag, models.Document.name, models.Annotator.name)
            .join(models.Document, col(models.Document.id) == col(models.Flag.document_id))
            .join(models.Annotator, col(models.Annotator.id) == col(models.Flag.annotator_id))
            .order_by(col(models.Flag.at), col(models.Document.name), col(models.Annotator.name))
        )
        if self._not_yet:
            return []
        if document_id is not None:
            query = query.where(col(models.Flag.document_id) == document_id)
        if annotator_id is not None:
            query = query.where(col(models.Flag.annotator_id) == annotator_id)
        with self.db.read() as session:
            return [
                FlagInfo(row.document_id, document, annotator, row.reason, row.at)
                for row, document, annotator in session.exec(query)
            ]

    def flagged_count(self) -> int:
        """How many documents at least one annotator has flagged."""
        if self._not_yet:
            return 0
        query = select(func.count(func.distinct(col(models.Flag.document_id))))
        with self.db.read() as session:
            return int(session.exec(query).one())

    @staticmethod
    def _info(session: Session, row: models.Flag) -> FlagInfo:
        document = session.exec(
            select(models.Document.name).where(col(models.Document.id) == row.document_id)
        ).one()
        annotator = session.exec(
            select(models.Annotator.name).where(col(models.Annotator.id) == row.annotator_id)
        ).one()
        return FlagInfo(row.document_id, document, annotator, row.reason, row.at)
