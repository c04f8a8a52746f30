"""Plain, immutable records the store hands out (safe to pass between threads)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final, NamedTuple, cast

import orjson

from workbench.nlp import Tokenization


@dataclass(frozen=True)
class NewSpan:
    """A span read from an input file, by character offsets (end exclusive)."""

    start: int
    end: int
    label: str
    stance: str | None = None
    topics: tuple[str, ...] = ()
    given: tuple[int, int] | None = None
    """The offsets as the file gave them, where they count other units (UTF-16): messages
    name the span so."""
    score: float | None = None
    """A model's score for the span, in [0, 1] (read for ``import --suggestions``)."""


class TaskIds(NamedTuple):
    """A Prodigy task's identity as its file gave it: ``_input_hash``, ``_task_hash`` and
    ``_view_id`` (any may be missing). An export writes them back as they were (the task hash
    only while the labels are the imported ones), so Prodigy knows its tasks again."""

    input_hash: int | None = None
    task_hash: int | None = None
    view_id: str | None = None


@dataclass(frozen=True)
class NewAnnotation:
    """One annotator's labels of a document, read from an input file."""

    annotator: str
    status: str = "done"
    stance: str | None = None
    topics: tuple[str, ...] = ()
    note: str = ""
    seconds: float = 0.0
    spans: tuple[NewSpan, ...] = ()
    timestamp: float | None = None
    """When the labels were last changed (Unix seconds); None means now."""
    answer: str | None = None
    """A Prodigy answer (``accept``, ``ignore``, ``reject``), kept in the import's event."""
    task: TaskIds | None = None
    """The Prodigy task's own identity, kept in the import's event and written back."""
    scores: tuple[tuple[str, float], ...] = ()
    """Class scores a line gave (spaCy's ``cats``), every class it named, chosen or not (read
    for ``import --suggestions``)."""


@dataclass(frozen=True)
class NewDocument:
    """A document to import: its name, exact text, metadata and any annotations it carries."""

    name: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    origin: str = ""
    """Where it came from (``file`` or ``file:line``), for error messages."""
    annotations: tuple[NewAnnotation, ...] = ()
    named: bool = True
    """Whether the name was given (a file name, ``meta.name``), not made up from the file and
    line: a made-up name that another text holds already gives way (see ``add_documents``)."""
    dropped: tuple[str, ...] = ()
    """What the input line held that the import does not keep, one entry per item, each a
    short plural description ("relations (Workbench does not store relations yet)"); the
    import counts them by description and says so (:attr:`ImportSummary.not_kept`)."""


@dataclass(frozen=True)
class DocumentRow:
    """A document in a listing, with one annotator's status and span count."""

    id: int
    name: str
    n_chars: int
    n_tokens: int
    status: str
    spans: int
    annotation_id: int | None

    @classmethod
    def from_listing(cls, row: Sequence[Any]) -> DocumentRow:
        """From a listing query's columns: document id, name, characters, tokens, the
        annotation's status and id (None without one), its span count."""
        return cls(
            id=row[0],
            name=row[1],
            n_chars=row[2],
            n_tokens=row[3],
            status=row[4] or "todo",
            spans=row[6] or 0,
            annotation_id=row[5],
        )


@dataclass(frozen=True)
class DocumentData:
    """A document with its text and tokenization, for annotating or exporting."""

    id: int
    name: str
    text: str
    hash: str
    meta: dict[str, Any]
    tokens: Tokenization


@dataclass(frozen=True)
class AnnotatorInfo:
    """An annotator: name and role."""

    id: int
    name: str
    role: str


@dataclass(frozen=True)
class SpanInfo:
    """A span: character offsets and token indices (ends exclusive) and its labels."""

    id: int
    annotation_id: int
    start: int
    end: int
    token_start: int
    token_end: int
    label: str
    stance: str | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnnotationInfo:
    """One annotator's annotation of one document, with its spans sorted by position."""

    id: int
    document_id: int
    annotator_id: int
    annotator: str
    status: str
    stance: str | None
    topics: tuple[str, ...]
    note: str
    seconds: float
    created_at: float
    updated_at: float
    spans: tuple[SpanInfo, ...] = ()


SKIP_KINDS: Final = {
    "stored": ("text already imported", "texts already imported"),
    "repeated": ("text given twice", "texts given twice"),
    "kept": (
        "annotation kept as it was (--replace overwrites it)",
        "annotations kept as they were (--replace overwrites them)",
    ),
}
"""What an import skips, singular and plural, by the key :meth:`ImportSummary.skip` takes."""


@dataclass
class ImportSummary:
    """What an import did: names imported, names skipped as duplicates (with why), and the
    annotations and spans it stored."""

    imported: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    annotations: int = 0
    spans: int = 0
    renamed: list[tuple[str, str]] = field(default_factory=list)
    """Documents whose given name another text holds, stored under the name with the text's
    hash added: ``(given name, stored name)``."""
    not_kept: dict[str, int] = field(default_factory=dict)
    """What the input held that was not imported, counted by description (see
    :attr:`NewDocument.dropped`), most frequent first."""
    skip_counts: dict[str, int] = field(default_factory=dict)
    """The skipped entries counted by what they are (a key of :data:`SKIP_KINDS`), for a
    summary line that says what was skipped and why."""
    invalid: list[str] = field(default_factory=list)
    """Lines and files left out as invalid (``--skip-invalid``), each ``file:line: reason``."""
    suggested: Any = None
    """With ``import --suggestions``: what storing the suggestions did (a
    :class:`workbench.store.suggestions.SuggestSummary`)."""

    def skip(self, name: str, why: str, kind: str) -> None:
        assert kind in SKIP_KINDS
        """Record a document (or one annotation of it) left as it was, and why."""
        self.skipped.append((name, why))
        self.skip_counts[kind] = self.skip_counts.get(kind, 0) + 1


@dataclass(frozen=True)
class AnnotatorStats:
    """Progress of one annotator over all documents."""

    name: str
    role: str
    todo: int
    in_progress: int
    done: int
    skipped: int
    spans: int
    seconds: float


@dataclass(frozen=True)
class UndoResult:
    """What an undo or redo changed: the action and the span (if a span changed)."""

    action: str
    entity: str
    entity_id: int
    description: str


# -- what bulk reads hand to the exports -------------------------------------------------------


class TopicsDecoder(dict[str | None, tuple[str, ...]]):
    """Stored JSON topic arrays decoded, each distinct text once: a corpus repeats a few sets.

    ``decoder[text]`` decodes on first sight, so ``map(decoder.__getitem__, texts)`` does the
    lookups at C speed.
    """

    def __missing__(self, text: str | None) -> tuple[str, ...]:
        decoded: tuple[str, ...] = tuple(orjson.loads(text)) if text else ()
        self[text] = decoded
        return decoded


_SPAN_TOPICS = TopicsDecoder()


class SpanRow(NamedTuple):
    """A span as bulk reads carry it to the exports and the majority merge: character offsets
    and token indices (ends exclusive), claim type, stance, and the topics as stored.

    A named tuple rather than a dataclass: exports read millions of them, and a tuple is made
    from a database row at C speed (see ``store.bulk``).
    """

    annotation_id: int
    """0 for a span no annotation holds (a merged one)."""
    start: int
    end: int
    token_start: int
    token_end: int
    label: str
    stance: str | None
    topics_json: str | None
    """The topics as stored: compact JSON of the sorted names, None for none. JSONL writers
    copy it as it is; :attr:`topics` decodes it."""

    @property
    def topics(self) -> tuple[str, ...]:
        """The span's topics, sorted."""
        return _SPAN_TOPICS[self.topics_json]


span_row = cast(Callable[[Iterable[Any]], SpanRow], partial(tuple.__new__, SpanRow))
"""A :class:`SpanRow` from its fields in order (a database row, a tuple), made in C:
``SpanRow._make`` is a Python call per span, three times as slow (measured)."""


def topics_json(topics: Sequence[str]) -> str | None:
    """Sorted topic names as :attr:`SpanRow.topics_json` holds them (None for none)."""
    return orjson.dumps(sorted(topics)).decode() if topics else None


@dataclass(frozen=True, slots=True)
class ExportDocument:
    """A document as exports need it: name, exact text, content hash, metadata, tokens."""

    name: str
    text: str
    hash: str
    meta: dict[str, Any]
    tokens: Tokenization


class ExportRecord(NamedTuple):
    """One exported annotation of a document (or the merged ``majority`` record): what every
    format's writer takes. A named tuple: an export makes one per annotation."""

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
    task: TaskIds | None = None
    """The Prodigy identity an import recorded; ``task_hash`` only while the labels are still
    the imported ones."""
    suggested: dict[tuple[int, int, str], str] | None = None
    """The spans accepted from a suggestion, by ``(start, end, label)``, with its source."""
