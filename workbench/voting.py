"""Majority votes over annotators' labels: the plurality stance, the topics most gave, pooled
spans and the majority merge, one rule for review and for ``export --source majority``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import Any, NamedTuple, Protocol, cast


class VotedSpan(Protocol):
    """A span as a vote counts it (the store's ``SpanInfo`` and the exports' ``SpanRow`` are)."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def token_start(self) -> int: ...
    @property
    def token_end(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def stance(self) -> str | None: ...
    @property
    def topics(self) -> tuple[str, ...]: ...


class VotedAnnotation(Protocol):
    """An annotation as the majority merge counts it."""

    @property
    def annotator(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def stance(self) -> str | None: ...
    @property
    def topics(self) -> tuple[str, ...]: ...
    @property
    def spans(self) -> Sequence[VotedSpan]: ...


def plurality(values: Iterable[str | None]) -> tuple[str | None, bool]:
    """The most frequent of the values that are set, and whether the vote was tied (a tie
    leaves it unset; no values set is not a tie)."""
    # Counted in a plain dict: a vote is a handful of values, and a Counter's set-up costs
    # more than the counting (the majority merge votes a few times per span).
    counts: dict[str, int] = {}
    for value in values:
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    if len(counts) <= 1:
        return next(iter(counts), None), False
    top = max(counts.values())
    winners = [value for value, count in counts.items() if count == top]
    return (None, True) if len(winners) > 1 else (winners[0], False)


def majority_topics(sets: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """The topics more than half of the sets hold, sorted."""
    counts: dict[str, int] = {}
    for topics in sets:
        for topic in topics if len(topics) < 2 else set(topics):
            counts[topic] = counts.get(topic, 0) + 1
    if not counts:
        return ()
    return tuple(sorted(topic for topic, count in counts.items() if 2 * count > len(sets)))


class PooledSpan(NamedTuple):
    """A span (start, end and claim type) as one or more annotators marked it, with the stance
    and topics a merge of theirs gives: the plurality stance (a tie left unset) and the topics
    more than half of them gave it."""

    start: int
    end: int
    token_start: int
    token_end: int
    label: str
    annotators: tuple[str, ...]
    """Who marked it, by name."""
    marks: int
    """How many times it was marked (an annotator who marked it twice counts twice)."""
    stance: str | None
    topics: tuple[str, ...]


def pool_spans(
    annotations: Iterable[tuple[str, Iterable[VotedSpan]]], *, more_than: int = 0
) -> list[PooledSpan]:
    """The spans of ``(annotator, spans)`` pooled by start, end and claim type, those marked
    more than ``more_than`` times, by start, longest first, then claim type. A pooled span's
    token range is its first marker's, in the order the annotations are given."""
    # Each key's markers and their spans in one flat list (name, span, name, span, ...):
    # exports pool millions of spans, and a pair per mark would be an object more each.
    marked: dict[tuple[int, int, str], list[Any]] = {}
    for annotator, spans in annotations:
        for span in spans:
            key = (span.start, span.end, span.label)
            found = marked.get(key)
            if found is None:
                marked[key] = [annotator, span]
            else:
                found += (annotator, span)
    pooled = []
    for (start, end, label), found in marked.items():
        marks = len(found) // 2
        if marks <= more_than:
            continue
        votes: list[VotedSpan] = found[1::2]
        first = votes[0]
        pooled.append(
            _pooled(
                (
                    start,
                    end,
                    first.token_start,
                    first.token_end,
                    label,
                    tuple(sorted(set(found[0::2]))),
                    marks,
                    plurality(list(map(_stance, votes)))[0],
                    majority_topics(list(map(_topics, votes))),
                )
            )
        )
    pooled.sort(key=_document_order)
    return pooled


_pooled = cast(Callable[[tuple[Any, ...]], PooledSpan], partial(tuple.__new__, PooledSpan))
"""A :class:`PooledSpan` from its fields in order, made in C (``PooledSpan(...)`` is a Python
call)."""
_stance = attrgetter("stance")
_topics = attrgetter("topics")


def _document_order(span: PooledSpan) -> tuple[int, int, str]:
    return span.start, -span.end, span.label


@dataclass(frozen=True)
class MajorityMerge:
    """Several annotators' annotations of one document merged into one by majority."""

    stance: str | None
    """The plurality of the annotators' stances; a tie leaves it unset."""
    stance_tied: bool
    topics: tuple[str, ...]
    """The topics more than half of the annotators chose."""
    spans: list[PooledSpan]
    """The spans more than half of the annotators marked (same start, end and claim type)."""
    done: bool
    """Whether every annotation merged is done."""


def merge_majority(annotations: Sequence[VotedAnnotation]) -> MajorityMerge:
    """One document's annotations merged by majority (see :class:`MajorityMerge`)."""
    stance, tied = plurality([annotation.stance for annotation in annotations])
    return MajorityMerge(
        stance=stance,
        stance_tied=tied,
        topics=majority_topics([annotation.topics for annotation in annotations]),
        spans=pool_spans(
            ((annotation.annotator, annotation.spans) for annotation in annotations),
            more_than=len(annotations) // 2,
        ),
        done=all(annotation.status == "done" for annotation in annotations),
    )
