"""``workbench find``: every match of a text or a regular expression in the corpus, with the
spans over it by annotator (issue 15.7). Documents are read a page at a time, so a corpus of
any size is searched in flat memory, and matches come out as they are found.

Who sees which spans: with ``annotator`` naming someone whose role is ``annotator``, only
that annotator's own spans (blind annotation); a reviewer, or no annotator, sees everyone's."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.errors import FieldError
from workbench.formats.text import shown

if TYPE_CHECKING:
    from workbench.store import Store

PAGE = 500
"""Documents read per query."""
CONTEXT = 30
"""Characters of text shown on each side of a match in its snippet."""


@dataclass(frozen=True)
class SpanOver:
    """A span that overlaps a match, and whose it is."""

    annotator: str
    label: str
    start: int
    end: int
    stance: str | None
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Found:
    """One match: where it is, a one-line snippet around it, and the spans over it."""

    document: str
    start: int
    end: int
    """Character offsets (code points), end exclusive."""
    text: str
    snippet: str
    """The match with up to :data:`CONTEXT` characters each side, control characters (a
    line break, ESC) escaped as in messages, so a snippet is one printable line."""
    spans: tuple[SpanOver, ...]

    def to_json(self) -> dict[str, object]:
        """The match as ``workbench find --json`` prints it."""
        return {
            "document": self.document,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "snippet": self.snippet,
            "spans": [
                {
                    "annotator": s.annotator,
                    "label": s.label,
                    "start": s.start,
                    "end": s.end,
                    "stance": s.stance,
                    "topics": list(s.topics),
                }
                for s in self.spans
            ],
        }


def compile_query(text: str, *, regex: bool) -> re.Pattern[str]:
    """The pattern to look for: ``text`` itself in any case, or (``regex``) a Python regular
    expression as written (case-sensitive unless it says ``(?i)``); a bad one is a
    :class:`FieldError` naming it."""
    if not text:
        raise FieldError("text", "text: nothing to find: give a text or a --regex pattern")
    if not regex:
        return re.compile(re.escape(text), re.IGNORECASE)
    try:
        return re.compile(text)
    except re.error as exc:
        raise FieldError(
            "regex", f"regex {shown(text)!r} is not a regular expression: {exc}"
        ) from None


def snippet(text: str, start: int, end: int, context: int = CONTEXT) -> str:
    """The match and some text each side, on one printable line."""
    left = max(0, start - context)
    right = min(len(text), end + context)
    body = shown(text[left:right])
    return f"{'…' * (left > 0)}{body}{'…' * (right < len(text))}"


def find_matches(
    store: Store,
    *,
    text: str,
    regex: bool = False,
    label: str | None = None,
    annotator: str | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[Found]:
    """Every match of ``text`` in every document, by document id then offset. Zero-width
    matches (``--regex 'x*'``) are skipped. ``label``: only matches a visible span of that
    claim type overlaps (and only those spans are listed). ``annotator``: whose spans are
    visible (see the module's docstring). ``stop``: checked between pages (a search that
    is no longer wanted ends early)."""
    pattern = compile_query(text, regex=regex)
    if label is not None and store.scheme.get("claim_type", label) is None:
        names = ", ".join(store.scheme.names("claim_type"))
        raise FieldError("label", f"label {label!r} is no claim type of the scheme; it has {names}")
    only = _visible_annotator(store, annotator)
    for page in _pages(store, stop):
        spans = _spans_of(store, [document_id for document_id, _, _ in page], only, label)
        for document_id, name, body in page:
            over = spans.get(document_id, [])
            for found in pattern.finditer(body):
                start, end = found.span()
                if start == end:
                    continue
                here = tuple(s for s in over if s.start < end and s.end > start)
                if label is not None and not here:
                    continue
                yield Found(name, start, end, found.group(), snippet(body, start, end), here)


def _visible_annotator(store: Store, annotator: str | None) -> int | None:
    """The id of the one annotator whose spans are visible, or None: everyone's."""
    if annotator is None:
        return None
    from workbench.selection import unknown_annotators

    found = next((a for a in store.annotators() if a.name == annotator.strip()), None)
    if found is None:
        raise unknown_annotators(store, "annotator", [annotator])
    return found.id if found.role == "annotator" else None


def _pages(store: Store, stop: Callable[[], bool]) -> Iterator[list[tuple[int, str, str]]]:
    """``(id, name, text)`` of the documents, by id, :data:`PAGE` per query."""
    from sqlalchemy import select
    from sqlmodel import col

    from workbench import models

    table = models.Document
    last = 0
    while not stop():
        query = (
            select(col(table.id), col(table.name), col(table.text))
            .where(col(table.id) > last)
            .order_by(col(table.id))
            .limit(PAGE)
        )
        with store.db.read() as session:
            rows = [(i or 0, str(n), str(t)) for i, n, t in session.connection().execute(query)]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _spans_of(
    store: Store, document_ids: list[int], only: int | None, label: str | None
) -> dict[int, list[SpanOver]]:
    """The visible spans of these documents, in one query, by document."""
    from sqlmodel import col, select

    from workbench import models
    from workbench.store.core import loads_topics

    query = (
        select(models.Span, models.Annotation.document_id, models.Annotator.name)
        .join(models.Annotation, col(models.Annotation.id) == col(models.Span.annotation_id))
        .join(models.Annotator, col(models.Annotator.id) == col(models.Annotation.annotator_id))
        .where(col(models.Annotation.document_id).in_(document_ids))
        .order_by(col(models.Span.start), col(models.Annotator.name), col(models.Span.end))
    )
    if only is not None:
        query = query.where(col(models.Annotation.annotator_id) == only)
    if label is not None:
        query = query.where(col(models.Span.label) == label)
    found: dict[int, list[SpanOver]] = {}
    with store.db.read() as session:
        for span, document_id, name in session.exec(query):
            found.setdefault(document_id, []).append(
                SpanOver(name, span.label, span.start, span.end, span.stance,
                         loads_topics(span.topics))
            )  # fmt: skip
    return found


def content_query(typed: str) -> str | None:
    """What the document list's filter box searches the text for: what follows a leading
    ``/`` (``/pipeline``), or None when it filters by name."""
    return typed[1:].strip() if typed.startswith("/") else None


def documents_containing(store: Store, text: str) -> list[int]:
    """The ids of the documents whose text contains ``text`` (in any case, as the name
    filter matches names), by id: one query, the database scanning the texts."""
    from sqlalchemy import select
    from sqlmodel import col

    from workbench import models

    table = models.Document
    query = select(col(table.id)).where(col(table.text).icontains(text, autoescape=True))
    with store.db.read() as session:
        return [i or 0 for (i,) in session.connection().execute(query.order_by(col(table.id)))]
