"""Adjudication: one document as its annotators labelled it, vote by vote, beside the gold
annotation a reviewer builds from it. Headless: the review screen shows what this computes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from workbench.store.flags import FlagInfo
from workbench.store.records import AnnotationInfo, SpanInfo
from workbench.voting import majority_topics, plurality

SpanKey = tuple[int, int, str]
"""What makes two annotators' spans the same span: start, end and claim type."""


def span_key(span: SpanInfo) -> SpanKey:
    return span.start, span.end, span.label


@dataclass(frozen=True)
class Candidate:
    """A span that at least one annotator marked, with who marked it and the stance and topics
    a merge of theirs gives (plurality stance, a tie left unset; topics more than half gave)."""

    start: int
    end: int
    token_start: int
    token_end: int
    label: str
    annotators: tuple[str, ...]
    stance: str | None
    topics: tuple[str, ...]

    @property
    def key(self) -> SpanKey:
        return self.start, self.end, self.label

    def covers(self, token: int) -> bool:
        return self.token_start <= token < self.token_end


@dataclass(frozen=True)
class Vote:
    """One value (a stance, a topic) and the annotators who chose it."""

    value: str
    annotators: tuple[str, ...]


@dataclass(frozen=True)
class Votes:
    """The annotators' labels of one document, pooled."""

    annotations: tuple[AnnotationInfo, ...]
    candidates: tuple[Candidate, ...]
    """By start, longest first, then claim type."""

    @classmethod
    def of(cls, annotations: Iterable[AnnotationInfo]) -> Votes:
        """Pool these annotations (one per annotator, none of them the gold one)."""
        annotations = tuple(sorted(annotations, key=lambda a: a.annotator))
        marked: dict[SpanKey, list[tuple[str, SpanInfo]]] = {}
        for annotation in annotations:
            for span in annotation.spans:
                marked.setdefault(span_key(span), []).append((annotation.annotator, span))
        candidates = []
        for (start, end, label), found in marked.items():
            spans = [span for _, span in found]
            stance, _ = plurality([span.stance for span in spans])
            candidates.append(
                Candidate(
                    start,
                    end,
                    spans[0].token_start,
                    spans[0].token_end,
                    label,
                    tuple(sorted({name for name, _ in found})),
                    stance,
                    majority_topics([span.topics for span in spans]),
                )
            )
        candidates.sort(key=lambda c: (c.start, -c.end, c.label))
        return cls(annotations, tuple(candidates))

    @property
    def total(self) -> int:
        """How many annotators' work is pooled."""
        return len(self.annotations)

    def is_majority(self, candidate: Candidate) -> bool:
        """Marked by more than half of the annotators."""
        return 2 * len(candidate.annotators) > self.total

    def votes(self, key: SpanKey) -> int:
        """How many annotators marked this span (0 for a span only the gold set has)."""
        found = self._by_key.get(key)
        return len(found.annotators) if found is not None else 0

    @cached_property
    def _by_key(self) -> dict[SpanKey, Candidate]:
        return {candidate.key: candidate for candidate in self.candidates}

    def pending(self, gold: AnnotationInfo | None) -> list[Candidate]:
        """The candidates the gold annotation does not have (yet), in document order."""
        taken = {span_key(span) for span in gold.spans} if gold is not None else set()
        return [candidate for candidate in self.candidates if candidate.key not in taken]

    def at(self, token: int) -> list[Candidate]:
        """Candidates over a token, most votes first, then the shortest."""
        over = [candidate for candidate in self.candidates if candidate.covers(token)]
        over.sort(key=lambda c: (-len(c.annotators), c.token_end - c.token_start, c.start))
        return over

    def stance_votes(self) -> list[Vote]:
        """The document stances chosen, most chosen first."""
        return _tally((a.annotator, (a.stance,) if a.stance else ()) for a in self.annotations)

    def topic_votes(self) -> list[Vote]:
        """The document topics chosen, most chosen first."""
        return _tally((a.annotator, a.topics) for a in self.annotations)

    def document_stance(self) -> tuple[str | None, bool]:
        """The plurality stance and whether the vote was tied (a tie leaves it unset)."""
        return plurality([annotation.stance for annotation in self.annotations])

    def document_topics(self) -> tuple[str, ...]:
        """The topics more than half of the annotators chose."""
        return majority_topics([annotation.topics for annotation in self.annotations])


def _tally(choices: Iterable[tuple[str, Sequence[str]]]) -> list[Vote]:
    chosen: dict[str, list[str]] = {}
    for annotator, values in choices:
        for value in values:
            chosen.setdefault(value, []).append(annotator)
    votes = [Vote(value, tuple(names)) for value, names in chosen.items()]
    votes.sort(key=lambda vote: (-len(vote.annotators), vote.value))
    return votes


@dataclass(frozen=True)
class MajorityPlan:
    """What accepting the majority adds to a gold annotation: the majority spans it lacks, and
    the document stance and topics where it has none."""

    spans: tuple[Candidate, ...]
    stance: str | None
    topics: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.spans and self.stance is None and not self.topics

    def describe(self) -> str:
        parts = [f"{len(self.spans)} span{'s' * (len(self.spans) != 1)}"] if self.spans else []
        if self.stance is not None:
            parts.append(f"stance {self.stance}")
        if self.topics:
            parts.append(f"topics {', '.join(self.topics)}")
        return ", ".join(parts)


def majority_plan(votes: Votes, gold: AnnotationInfo) -> MajorityPlan:
    """The majority merge (as ``export --source majority`` makes it) minus what gold has:
    gold's own choices are never overwritten."""
    spans = tuple(c for c in votes.pending(gold) if votes.is_majority(c))
    stance = votes.document_stance()[0] if gold.stance is None else None
    topics = votes.document_topics() if not gold.topics else ()
    return MajorityPlan(spans, stance, topics)


def flagged_first(queue: Sequence[str], flags: Iterable[FlagInfo]) -> list[str]:
    """The review order: the documents annotators flagged first (the earliest flag first),
    whether or not anyone marked them done, then the rest of ``queue`` in its order (most
    disagreement first)."""
    flagged = list(dict.fromkeys(flag.document for flag in sorted(flags, key=lambda f: f.at)))
    taken = set(flagged)
    return [*flagged, *(name for name in queue if name not in taken)]


def flag_notes(flags: Iterable[FlagInfo]) -> dict[str, str]:
    """Per flagged document, who flagged it and why, one line: ``alice: unclear quote;
    bob: two stances``."""
    notes: dict[str, list[str]] = {}
    for flag in sorted(flags, key=lambda f: (f.at, f.annotator)):
        notes.setdefault(flag.document, []).append(f"{flag.annotator}: {flag.reason}")
    return {name: "; ".join(parts) for name, parts in notes.items()}
