"""The database tables (SQLModel): documents, annotators, annotations, spans, events, metadata."""

from __future__ import annotations

import time
import unicodedata
from typing import Final

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, LargeBinary, Text
from sqlmodel import Field, SQLModel

SCHEMA_VERSION: Final = 5
"""Bumped whenever the tables change; a database of another version is migrated or refused."""

STATUSES: Final = ("todo", "in_progress", "done", "skipped")
ROLES: Final = ("annotator", "reviewer")
GOLD: Final = "gold"
"""The reserved annotator name under which the reviewer's adjudicated annotations are stored."""

EVENT_DONE: Final = "done"
EVENT_UNDONE: Final = "undone"
EVENT_DISCARDED: Final = "discarded"
EVENT_META: Final = "meta"
"""Event states: ``done`` can be undone, ``undone`` can be redone, ``discarded`` was undone and
then overwritten by a new change, ``meta`` records an undo/redo or bookkeeping (never undone)."""


MAX_NOTE_LENGTH: Final = 10_000
"""The longest note, in characters (checked by Workbench, so SQLite and PostgreSQL agree)."""


def note_problem(note: str) -> str | None:
    """Why ``note`` cannot be stored alike on SQLite and PostgreSQL (which refuses NUL in text),
    or None."""
    if "\x00" in note:
        return "holds a NUL character"
    if len(note) > MAX_NOTE_LENGTH:
        return f"is {len(note):,} characters long; a note holds at most {MAX_NOTE_LENGTH:,}"
    return None


MAX_DOCUMENT_NAME_LENGTH: Final = 512
"""The longest document name, in characters (the column's length on PostgreSQL)."""


def document_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a document, or None: it must be printable text (no control
    characters, escape sequences or NUL: ``workbench docs`` prints it to terminals), not blank,
    and at most :data:`MAX_DOCUMENT_NAME_LENGTH` characters."""
    if not name.strip():
        return "is empty"
    if len(name) > MAX_DOCUMENT_NAME_LENGTH:
        return f"is {len(name):,} characters long; a name holds at most {MAX_DOCUMENT_NAME_LENGTH}"
    bad = next((ch for ch in name if unprintable(ch)), None)
    if bad is not None:
        return f"holds the control character {bad!r}; a name is printable text"
    return None


_BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unprintable(ch: str) -> bool:
    """Whether ``ch`` would act on a terminal rather than show: control characters (ESC, NUL,
    line breaks, tabs), line and paragraph separators, lone surrogates and the bidirectional
    overrides that reorder what follows. Spaces of any kind (a no-break space in a title) are
    fine."""
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI_CONTROLS


def now() -> float:
    """Timestamps are Unix seconds (UTC): portable across SQLite and PostgreSQL."""
    return time.time()


def _fk(target: str, *, index: bool = True) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=False, index=index)


class Meta(SQLModel, table=True):
    """Key-value facts about the database: ``schema_version`` and the ``scheme`` in force."""

    __tablename__ = "meta"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_type=Text)


class Document(SQLModel, table=True):
    """One article: its exact text, content hash and tokenization (four packed arrays)."""

    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=MAX_DOCUMENT_NAME_LENGTH)
    text: str = Field(sa_type=Text)
    hash: str = Field(unique=True, max_length=64)
    meta: str = Field(default="{}", sa_type=Text)
    n_chars: int
    n_tokens: int
    n_sents: int
    tok_starts: bytes = Field(sa_type=LargeBinary)
    tok_ends: bytes = Field(sa_type=LargeBinary)
    tok_spaces: bytes = Field(sa_type=LargeBinary)
    sent_starts: bytes = Field(sa_type=LargeBinary)
    created_at: float = Field(default_factory=now)


class Annotator(SQLModel, table=True):
    """A person (or the reserved ``gold``) who annotates or reviews."""

    __tablename__ = "annotator"
    __table_args__ = (CheckConstraint("role IN ('annotator', 'reviewer')", name="ck_role"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=128)
    role: str = Field(default="annotator", max_length=16)
    created_at: float = Field(default_factory=now)


class Annotation(SQLModel, table=True):
    """One annotator's work on one document: status, document stance and topics, note, time."""

    __tablename__ = "annotation"
    __table_args__ = (
        CheckConstraint("status IN ('todo', 'in_progress', 'done', 'skipped')", name="ck_status"),
        CheckConstraint("seconds >= 0", name="ck_seconds"),
        Index("ux_annotation_doc_annotator", "document_id", "annotator_id", unique=True),
        Index("ix_annotation_annotator_status", "annotator_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(sa_column=_fk("document.id", index=False))
    annotator_id: int = Field(sa_column=_fk("annotator.id", index=False))
    status: str = Field(default="todo", max_length=16)
    stance: str | None = Field(default=None, max_length=64)
    topics: str = Field(default="[]", sa_type=Text)
    """A JSON array of topic names, sorted."""
    note: str = Field(default="", sa_type=Text)
    seconds: float = 0.0
    """Active annotation time, in seconds."""
    created_at: float = Field(default_factory=now)
    updated_at: float = Field(default_factory=now)


class Span(SQLModel, table=True):
    """A claim span of an annotation: character and token offsets (ends exclusive), labels."""

    __tablename__ = "span"
    __table_args__ = (
        CheckConstraint('start >= 0 AND start < "end"', name="ck_span_chars"),
        CheckConstraint("token_start >= 0 AND token_start < token_end", name="ck_span_tokens"),
        Index("ix_span_annotation_start", "annotation_id", "start"),
        # Undo re-creates a deleted span under its old id, so ids must never be reused.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    annotation_id: int = Field(sa_column=_fk("annotation.id", index=False))
    start: int
    end: int
    token_start: int
    token_end: int
    label: str = Field(max_length=64)
    stance: str | None = Field(default=None, max_length=64)
    topics: str = Field(default="[]", sa_type=Text)
    """A JSON array of topic names, sorted."""
    created_at: float = Field(default_factory=now)
    updated_at: float = Field(default_factory=now)


class Event(SQLModel, table=True):
    """One change, append-only: what changed (before and after, as JSON), by whom and when.

    Undo applies ``before``; redo applies ``after``. The log outlives restarts.
    """

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_annotation_state", "annotation_id", "state", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    annotation_id: int = Field(sa_column=_fk("annotation.id", index=False))
    annotator_id: int = Field(sa_column=_fk("annotator.id"))
    at: float = Field(default_factory=now)
    action: str = Field(max_length=32)
    entity: str = Field(max_length=16)
    """``span`` or ``annotation``."""
    entity_id: int
    before: str | None = Field(default=None, sa_type=Text)
    after: str | None = Field(default=None, sa_type=Text)
    state: str = Field(default=EVENT_DONE, max_length=16)
    target_id: int | None = None
    """For an undo or redo (a ``meta`` event): the event it undid or redid. For the events of
    a change made of several at once (accepting the majority): the first of them, so that
    undo and redo take the change as one step."""


SUGGESTION_KINDS: Final = ("span", "stance", "topic")
DECISIONS: Final = ("accepted", "edited", "rejected")


class Suggestion(SQLModel, table=True):
    """A label proposed for a document by a source (``patterns:NAME``, ``import:NAME``,
    ``occurrences``, ``model:NAME``): a span (offsets and claim type, optional stance and
    topics) or a document stance or topic, with an optional score. Not an annotation: it
    counts in no agreement, export or progress until an annotator accepts it."""

    __tablename__ = "suggestion"
    __table_args__ = (
        CheckConstraint("kind IN ('span', 'stance', 'topic')", name="ck_suggestion_kind"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 1)", name="ck_score"),
        Index("ix_suggestion_document", "document_id", "source"),
        Index("ix_suggestion_source", "source"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(sa_column=_fk("document.id", index=False))
    source: str = Field(max_length=128)
    kind: str = Field(max_length=8)
    label: str = Field(max_length=64)
    """The claim type of a span, or the stance or topic of a document suggestion."""
    start: int | None = None
    end: int | None = None
    token_start: int | None = None
    token_end: int | None = None
    stance: str | None = Field(default=None, max_length=64)
    topics: str = Field(default="[]", sa_type=Text)
    """A JSON array of topic names, sorted (span suggestions)."""
    score: float | None = None
    pattern: str | None = Field(default=None, max_length=128)
    """The id of the pattern that made it, if its source gave one."""
    created_at: float = Field(default_factory=now)


class Decision(SQLModel, table=True):
    """One annotator's decision on one suggestion: accepted, edited (accepted, then changed)
    or rejected; no row means pending. An accepted span is linked by ``span_id``."""

    __tablename__ = "decision"
    __table_args__ = (
        CheckConstraint("decision IN ('accepted', 'edited', 'rejected')", name="ck_decision"),
        Index("ux_decision_suggestion_annotator", "suggestion_id", "annotator_id", unique=True),
        Index("ix_decision_annotator", "annotator_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    suggestion_id: int = Field(sa_column=_fk("suggestion.id", index=False))
    annotator_id: int = Field(sa_column=_fk("annotator.id", index=False))
    decision: str = Field(max_length=16)
    span_id: int | None = None
    at: float = Field(default_factory=now)


MAX_FLAG_REASON_LENGTH: Final = 500
"""The longest reason a flag may give, in characters (one line, shown in the review queue)."""


class Flag(SQLModel, table=True):
    """An annotator's flag on a document for the reviewer, with a short reason: one per
    annotator and document; only that annotator and reviewers ever see it (blind)."""

    __tablename__ = "flag"
    __table_args__ = (
        Index("ux_flag_document_annotator", "document_id", "annotator_id", unique=True),
        Index("ix_flag_annotator", "annotator_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(sa_column=_fk("document.id", index=False))
    annotator_id: int = Field(sa_column=_fk("annotator.id", index=False))
    reason: str = Field(sa_type=Text)
    at: float = Field(default_factory=now)


LABEL_CHANGE_ACTIONS: Final = ("rename", "merge")


class LabelChange(SQLModel, table=True):
    """One rename or merge of labels of one set (issue 15.5), as ``workbench labels history``
    lists it: every annotation (gold's too), suggestion and logged change that used one of
    ``sources`` now uses ``target``, and the scheme with it."""

    __tablename__ = "label_change"
    __table_args__ = (
        CheckConstraint("action IN ('rename', 'merge')", name="ck_label_change_action"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    at: float = Field(default_factory=now)
    by: str = Field(max_length=128)
    """Who made the change (``--by``, else the login name)."""
    action: str = Field(max_length=8)
    kind: str = Field(max_length=16)
    """The label set: ``claim_type``, ``stance`` or ``topics``."""
    sources: str = Field(sa_type=Text)
    """A JSON array of the old names, in the order given."""
    target: str = Field(max_length=64)
    annotations: int = 0
    """How many annotations had a label changed."""
    spans: int = 0
    suggestions: int = 0
    scheme_file: str | None = Field(default=None, sa_type=Text)
    """The scheme file rewritten with the database, if one was in use."""


class RoutePolicy(SQLModel, table=True):
    """The routing policy (one row, ``id`` 1; none: every annotator sees every document):
    how many annotators each document needs, how many calibration documents everyone does,
    how long a lease lasts without a change, and whom it routes."""

    __tablename__ = "route_policy"
    __table_args__ = (
        CheckConstraint("per_doc >= 1", name="ck_route_per_doc"),
        CheckConstraint("calibration >= 0", name="ck_route_calibration"),
        CheckConstraint("lease_minutes > 0", name="ck_route_lease"),
    )

    id: int = Field(default=1, primary_key=True)
    per_doc: int
    calibration: int = 0
    lease_minutes: float = 30.0
    seed: int = 0
    annotators: str = Field(default="[]", sa_type=Text)
    """A JSON array of the routed annotators' names, sorted; empty: every annotator."""
    documents_up_to: int = 0
    """The highest document id placed in the order: newer documents are appended on use."""
    created_at: float = Field(default_factory=now)


class RouteDocument(SQLModel, table=True):
    """A document's place in the seeded routing order (the first ``calibration`` are done by
    everyone) and how many annotators have it: done, or holding a live lease. ``filled`` is
    ``taken >= per_doc``, kept beside it so the next open document is one index lookup."""

    __tablename__ = "route_document"
    __table_args__ = (
        Index("ux_route_document_position", "position", unique=True),
        Index("ix_route_document_filled_position", "filled", "position"),
    )

    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("document.id", ondelete="CASCADE"), primary_key=True)
    )
    position: int
    taken: int = 0
    filled: bool = False


class RouteLease(SQLModel, table=True):
    """An annotator's hold on a document given by ``workbench route next``. It lapses at
    ``due_at`` unless its holder changed the annotation since; once the annotation is done,
    ``due_at`` is None and it counts as done for good."""

    __tablename__ = "route_lease"
    __table_args__ = (
        Index("ux_route_lease_document_annotator", "document_id", "annotator_id", unique=True),
        Index("ix_route_lease_annotator_due", "annotator_id", "due_at"),
        Index("ix_route_lease_due", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(sa_column=_fk("document.id", index=False))
    annotator_id: int = Field(sa_column=_fk("annotator.id", index=False))
    taken_at: float = Field(default_factory=now)
    due_at: float | None = None
