"""Majority votes over annotators' labels: the plurality stance, the topics most gave, pooled
spans and the majority merge, one rule for review and for ``export --source majority``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol


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
    more than ``more_than`` times, by start, longest first, then claim type. The token range
    is the first marker's (annotators in the order given)."""
    marked: dict[tuple[int, int, str], list[tuple[str, VotedSpan]]] = {}
    for annotator, spans in annotations:
        for span in spans:
            marked.setdefault((span.start, span.end, span.label), []).append((annotator, span))
    pooled = []
    for (start, end, label), found in marked.items():
        if len(found) <= more_than:
            continue
        first = found[0][1]
        pooled.append(
            PooledSpan(
                start,
                end,
                first.token_start,
                first.token_end,
                label,
                tuple(sorted({name for name, _ in found})),
                len(found),
                plurality([span.stance for _, span in found])[0],
                majority_topics([span.topics for _, span in found]),
            )
        )
    pooled.sort(key=lambda span: (span.start, -span.end, span.label))
    return pooled


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
