"""One open annotation and every rule for changing it, with no UI: the screens are shells over it.

An :class:`AnnotationSession` is one annotator's (or gold's) annotation of one document. Each
edit rule (label, relabel, resize, delete, stance, topics, note, undo, redo, done, skip) looks
at the saved state and returns either a :class:`Change` to make or a :class:`Refused` with the
reason; a change goes to the database through the session's ordered writer, and its result is
merged into the saved state by :meth:`AnnotationSession.acknowledge`. A shell submits changes
and acknowledges results on its own thread (the TUI) or calls :meth:`AnnotationSession.apply`,
which does both and waits (tests, scripts).

:class:`ReviewSession` adds adjudication over the gold annotation: the annotators' pooled votes
and the rules for accepting what they marked.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from workbench.models import GOLD, note_problem
from workbench.nlp import Index, Tokenization
from workbench.review import Candidate, Votes, majority_plan, span_key
from workbench.routing import route_next, routes
from workbench.store import (
    OCCURRENCES,
    AnnotationInfo,
    AnnotatorInfo,
    DocumentData,
    NewSpan,
    NewSuggestion,
    SpanInfo,
    Store,
    SuggestionInfo,
    UndoResult,
)
from workbench.writer import OrderedWriter

Edge = Literal["start", "end"]
FINISHED = ("done", "skipped")
UNFINISHED = ("todo", "in_progress")
REVIEW_STATUSES = ("done",)
"""Whose work review pools by default: annotations marked done (as agreement counts them)."""
EXCERPT = 40
"""Characters of span text quoted in a change's description."""


def excerpt(text: str, start: int, end: int, width: int = EXCERPT) -> str:
    """``text[start:end]`` on one line, shortened in the middle if long (both ends kept)."""
    covered = " ".join(text[start:end].split())
    if len(covered) <= width:
        return covered
    half = (width - 1) // 2
    return f"{covered[:half].rstrip()}…{covered[-half:].lstrip()}"


@dataclass(frozen=True)
class Refused:
    """An edit that was not made, and why (a line for the status bar)."""

    reason: str


@dataclass(frozen=True)
class Confirm:
    """An edit that needs a yes first (done on an empty annotation): ask ``question``, then
    call the rule again with ``confirmed=True``."""

    question: str


@dataclass(frozen=True)
class Change:
    """An edit to make: what it is called, the store call that makes it, and how its result is
    shown."""

    description: str
    write: Callable[[Store, int], Written]
    """Called in the writer thread with the store and the annotation's id."""
    removes: bool = False
    """The span it returns was deleted (merged out of the saved state)."""
    clears_selection: bool = False
    """Once saved, the selection it labelled is cleared."""
    cursor: int | None = None
    """The token the cursor goes to as the change is made (a resized span's moved edge)."""
    leaves: bool = False
    """It finishes the document (done, skip): the shell opens the next one once it is saved."""
    suggests: bool = False
    """It stores suggestions: the session reads the document's suggestions again after it."""
    decides: tuple[int, str] | None = None
    """The one suggestion it decides and how (``accepted``, ``rejected``): the session marks
    its copy so, rather than reading every suggestion of the document again."""
    creates: bool = False
    """It only adds a new span: no decision can move (one moves when an accepted span is
    changed or deleted), so the decisions are not read again after it."""


@dataclass(frozen=True)
class Described:
    """What a change's store call returns when its description is known only once it is made
    (how many occurrences it found, say)."""

    annotation: AnnotationInfo
    description: str


@dataclass(frozen=True)
class Logged:
    """What a store call returns when it changed none of the annotation's spans and labels
    (a rejected suggestion): only the status moves, from todo to in progress, as on any change.
    Reading the whole annotation back instead costs tens of milliseconds at 100,000 tokens."""


Written = AnnotationInfo | SpanInfo | UndoResult | Described | Logged
"""What a store call of a change returns."""


Outcome = Change | Refused | Confirm


@dataclass(frozen=True)
class Saved:
    """A change that reached the database: the change and what the store returned (a span,
    the annotation as it now is, or word that only the status can have moved)."""

    change: Change
    result: AnnotationInfo | SpanInfo | Logged
    description: str


class AnnotationSession:
    """One annotator's open annotation of one document: its saved state, the ordered writer
    that saves changes in the order they were made, and the edit rules."""

    def __init__(self, store: Store, annotator: AnnotatorInfo, document_id: int) -> None:
        self.store = store
        self.annotator = annotator
        """Whose annotation this is: only their labels are read or changed."""
        self.document_id = document_id
        self.document: DocumentData | None = None
        """The document, once opened."""
        self.state: AnnotationInfo | None = None
        """The annotation as last saved (what the shell shows)."""
        self.pending = 0
        """Changes submitted whose result has not been acknowledged."""
        self.resume_at: int | None = None
        """The span the latest change touched when the session was opened (where the
        annotator left off), or None."""
        self._writer = OrderedWriter()
        self.suggestions: list[SuggestionInfo] = []
        """The document's suggestions with this annotator's decisions, as last read (after
        each change when there are any: an undo may take a decision back)."""
        self._undecided_pair: tuple[list[SuggestionInfo] | None, _Undecided] = (
            None,
            _Undecided.of([]),
        )

    # -- opening and saving -------------------------------------------------------------------

    def read(self) -> tuple[DocumentData, AnnotationInfo]:
        """Read the document and the annotation (created if missing). It writes and waits on
        the database: call it off the UI thread, then hand the result to :meth:`opened`."""
        document = self.store.document(self.document_id)
        annotation = self.store.annotation(self.document_id, self.annotator.id)
        self.suggestions = self.store.suggestions(self.document_id, self.annotator.id)
        self.resume_at = self.store.last_changed_span(annotation.id) if annotation.spans else None
        return document, annotation

    def opened(self, document: DocumentData, annotation: AnnotationInfo) -> None:
        """Take what :meth:`read` returned as the saved state."""
        self.document, self.state = document, annotation

    @property
    def resume_span(self) -> SpanInfo | None:
        """The span where the annotator left off, if known."""
        return self.span(self.resume_at) if self.resume_at is not None else None

    def open(self) -> AnnotationInfo:
        """Read and take the saved state (blocking)."""
        self.opened(*self.read())
        assert self.state is not None
        return self.state

    def submit(
        self,
        change: Change,
        on_saved: Callable[[Saved], object],
        on_failed: Callable[[BaseException], object],
    ) -> None:
        """Make ``change`` after every change submitted before it, in the writer thread; then
        ``on_saved`` or ``on_failed`` is called there (a shell hops back to its own thread and
        calls :meth:`acknowledge` or :meth:`failed`)."""
        if self.state is None:
            raise RuntimeError("the session is not open")
        annotation_id = self.state.id
        self.pending += 1

        def job() -> Saved:
            result = change.write(self.store, annotation_id)
            if change.decides is not None:
                decided = _decided(self.suggestions, *change.decides)
                # The undecided ones less this one, worked out here (not again from all of
                # them on the UI thread), set before the list they belong to.
                self._undecided_pair = (decided, self._undecided().deciding(change.decides[0]))
                self.suggestions = decided
            elif change.suggests or isinstance(result, UndoResult):
                # New suggestions, or an undo that may take back a decision or some suggestions.
                self.suggestions = self.store.suggestions(self.document_id, self.annotator.id)
            elif self.suggestions and not change.creates:  # an edited span: accepted → edited
                decisions = self.store.decisions(self.document_id, self.annotator.id)
                self.suggestions = _redecided(self.suggestions, decisions)
            if isinstance(result, UndoResult):  # undo and redo say what they did
                return Saved(change, self.store.get_annotation(annotation_id), result.description)
            if isinstance(result, Described):
                return Saved(change, result.annotation, result.description)
            return Saved(change, result, change.description)

        self._writer.submit(job, on_saved, on_failed)

    def acknowledge(self, saved: Saved) -> AnnotationInfo:
        """Merge a saved change into the saved state, and return it."""
        self.pending -= 1
        result = saved.result
        if isinstance(result, SpanInfo):
            assert self.state is not None
            result = _merge(self.state, result, removes=saved.change.removes)
        elif isinstance(result, Logged):
            assert self.state is not None
            result = _begun(self.state)
        self.state = result
        return result

    def failed(self) -> None:
        """A submitted change did not reach the database (the saved state is unchanged)."""
        self.pending -= 1

    def apply(self, outcome: Outcome) -> AnnotationInfo | Refused | Confirm:
        """Make a change and wait for it (for tests and scripts; the TUI submits instead).
        A refusal or a question is returned as it is; a failed save raises."""
        if not isinstance(outcome, Change):
            return outcome
        done: list[Saved] = []
        errors: list[BaseException] = []
        self.submit(outcome, done.append, errors.append)
        self._writer.drain()
        if errors:
            self.failed()
            raise errors[0]
        return self.acknowledge(done[0])

    def add_time(self, seconds: float, on_failed: Callable[[BaseException], object]) -> None:
        """Count active annotation time (in order with the changes; never undone)."""
        if seconds > 0 and self.state is not None:
            annotation_id = self.state.id
            self._writer.submit(
                lambda: self.store.add_time(annotation_id, seconds), lambda _: None, on_failed
            )

    def drain(self) -> None:
        """Wait until every submitted change is saved (before choosing the next document)."""
        self._writer.drain()

    def close(self) -> None:
        """Finish what was submitted and stop the writer."""
        self._writer.close()

    # -- reading the state --------------------------------------------------------------------

    def span(self, span_id: int) -> SpanInfo | None:
        """The saved span with this id, or None."""
        if self.state is None:
            return None
        return next((s for s in self.state.spans if s.id == span_id), None)

    def is_blank(self, token: int) -> bool:
        """Whether a token is only whitespace (spaCy makes tokens of line breaks)."""
        assert self.document is not None
        start, end = self.document.tokens.char_span(token, token + 1)
        return not self.document.text[start:end].strip()

    def chars(self, token_start: int, token_end: int) -> tuple[int, int] | None:
        """Character offsets of a token range with whitespace-only tokens trimmed off its
        ends; None if nothing is left."""
        assert self.document is not None
        while token_start < token_end and self.is_blank(token_start):
            token_start += 1
        while token_end > token_start and self.is_blank(token_end - 1):
            token_end -= 1
        if token_start >= token_end:
            return None
        return self.document.tokens.char_span(token_start, token_end)

    def words(self, start: int, end: int) -> str:
        assert self.document is not None
        return excerpt(self.document.text, start, end)

    def neighbour_span(self, focus: SpanInfo | None, cursor: int, step: int) -> SpanInfo | None:
        """The span after (``step`` 1) or before (-1) the focused one in document order, every
        span counted, nested ones starting on the same token included; from the cursor when
        no span has the focus; wrapping around."""
        if self.state is None or not self.state.spans:
            return None
        order = sorted(self.state.spans, key=lambda s: (s.token_start, -s.token_end, s.id))
        if focus is not None and focus in order:
            return order[(order.index(focus) + step) % len(order)]
        if step > 0:
            return next((s for s in order if s.token_start > cursor), order[0])
        return next((s for s in reversed(order) if s.token_start < cursor), order[-1])

    @property
    def is_empty(self) -> bool:
        """No spans and no document labels: marking it done is most likely a slip."""
        state = self.state
        return state is not None and not (state.spans or state.stance or state.topics)

    # -- edit rules ---------------------------------------------------------------------------

    def label(
        self, name: str, selection: tuple[int, int] | None, cursor: int, focus: SpanInfo | None
    ) -> Outcome:
        """Label the selected tokens (or the token under the cursor) with a claim type; with
        nothing selected and a span under the cursor, relabel that span."""
        if self.document is None:
            return Refused("the document is still loading")
        if selection is None and focus is not None:
            if focus.label == name:
                return Refused(f"the span is already {name}")
            span_id = focus.id
            return Change(
                f"{focus.label} → {name}",
                lambda store, a: store.relabel_span(a, span_id, name),
            )
        chars = self.chars(*(selection or (cursor, cursor + 1)))
        if chars is None:
            return Refused("nothing to label here (only whitespace)")
        start, end = chars
        # The selection is cleared once the span is saved: a failed save keeps it to retry.
        return Change(
            f"{name} “{self.words(start, end)}”",
            lambda store, a: store.add_span(a, start, end, name),
            clears_selection=True,
            creates=True,
        )

    def delete(self, focus: SpanInfo | None) -> Outcome:
        """Delete the span under the cursor."""
        if focus is None:
            return Refused("no span under the cursor to delete")
        span_id = focus.id
        return Change(
            f"deleted {focus.label} span",
            lambda store, a: store.delete_span(a, span_id),
            removes=True,
        )

    def resize(self, focus: SpanInfo | None, edge: Edge, delta: int) -> Outcome:
        """Move an edge of the span under the cursor by one token that is not whitespace."""
        if focus is None or self.document is None:
            return Refused("no span under the cursor to resize")
        count = len(self.document.tokens)
        token_start, token_end = focus.token_start, focus.token_end
        if edge == "start":
            token_start += delta
            while 0 <= token_start < token_end and self.is_blank(token_start):
                token_start += delta
        else:
            token_end += delta
            while token_start < token_end <= count and self.is_blank(token_end - 1):
                token_end += delta
        if not 0 <= token_start < token_end <= count:
            return Refused("the span cannot grow or shrink further")
        start, end = self.document.tokens.char_span(token_start, token_end)
        span_id = focus.id
        return Change(
            f"resized {focus.label} span",
            lambda store, a: store.resize_span(a, span_id, start, end),
            # The cursor follows the moved edge, so the span stays under it for the next press.
            cursor=token_start if edge == "start" else token_end - 1,
        )

    def span_target(self, focus: SpanInfo | None) -> SpanInfo | Refused:
        """The span a span-stance or span-topics chooser would change."""
        if focus is None:
            return Refused("no span under the cursor: put the cursor on a span first")
        return focus

    def span_stance(self, focus: SpanInfo | None, stance: str | None) -> Outcome:
        """Set (or clear, None) the stance of the span under the cursor."""
        target = self.span_target(focus)
        if isinstance(target, Refused):
            return target
        span_id = target.id
        return Change(
            f"span stance {stance or 'cleared'}",
            lambda store, a: store.set_span_stance(a, span_id, stance),
        )

    def toggle_span_topic(self, focus: SpanInfo | None, topic: str) -> Outcome:
        """Add a topic to the span under the cursor, or remove it."""
        target = self.span_target(focus)
        if isinstance(target, Refused):
            return target
        span_id = target.id
        return Change(
            f"span topic {topic}", lambda store, a: store.toggle_span_topic(a, span_id, topic)
        )

    def document_stance(self, stance: str | None) -> Outcome:
        """Set (or clear, None) the document's stance."""
        return Change(
            f"document stance {stance or 'cleared'}", lambda store, a: store.set_stance(a, stance)
        )

    def toggle_document_topic(self, topic: str) -> Outcome:
        """Add a topic to the document, or remove it."""
        return Change(f"document topic {topic}", lambda store, a: store.toggle_topic(a, topic))

    def note(self, text: str) -> Outcome:
        """Set the document's note."""
        if self.state is not None and text == self.state.note:
            return Refused("the note is unchanged")
        problem = note_problem(text)
        if problem:
            return Refused(f"the note {problem}")
        return Change("note", lambda store, a: store.set_note(a, text))

    # -- suggestions --------------------------------------------------------------------------

    @property
    def pending_suggestions(self) -> list[SuggestionInfo]:
        """The span suggestions this annotator has not decided, by position (worked out once
        per reading of the suggestions: the cursor asks on every move)."""
        return self._undecided().spans

    def suggestion_at(self, token: int) -> SuggestionInfo | None:
        """The pending span suggestion over ``token`` (the shortest, if several)."""
        undecided = self._undecided()
        over = np.flatnonzero((undecided.starts <= token) & (undecided.ends > token))
        if not len(over):
            return None
        spans = undecided.spans
        return min((spans[i] for i in over.tolist()), key=_token_length)

    def decided_since(self, before: list[SuggestionInfo]) -> list[SuggestionInfo] | None:
        """The pending span suggestions of ``before`` (an earlier :attr:`pending_suggestions`)
        that are pending no more, if some were only taken away since; None if others came
        (an undo, a new reading). Compared by identity: a decision keeps every other
        suggestion's object."""
        after = self._undecided()
        if after.decided is not None and after.decided[0] is before:
            return [after.decided[1]]  # one decision since: known without comparing
        kept = {id(s) for s in after.spans}
        gone = [s for s in before if id(s) not in kept]
        return gone if len(before) - len(gone) == len(after.spans) else None

    @property
    def document_suggestions(self) -> list[SuggestionInfo]:
        """The stance and topic suggestions this annotator has not decided, best score first
        (one without a score counts as certain)."""
        return self._undecided().document

    def _undecided(self) -> _Undecided:
        # One attribute for the list and what was worked out from it: the writer thread sets
        # it, and a reader never pairs one list with another's.
        suggestions = self.suggestions
        of, undecided = self._undecided_pair
        if of is not suggestions:
            undecided = _Undecided.of(suggestions)
            self._undecided_pair = (suggestions, undecided)
        return undecided

    def step_suggestion(self, cursor: int, step: int) -> SuggestionInfo | Refused:
        """The next (``step`` 1) or previous (-1) pending span suggestion from ``cursor``."""
        pending = self.pending_suggestions
        if not pending:
            return Refused("no pending suggestions in this document")
        if step > 0:
            later = [s for s in pending if (s.token_start or 0) > cursor]
            return later[0] if later else Refused("no pending suggestion after the cursor")
        earlier = [s for s in pending if (s.token_start or 0) < cursor]
        return earlier[-1] if earlier else Refused("no pending suggestion before the cursor")

    def accept_suggestion(self, suggestion: SuggestionInfo | None) -> Outcome:
        """Accept a pending suggestion into the annotation (one undo step)."""
        return self._decide(suggestion, accept=True)

    def reject_suggestion(self, suggestion: SuggestionInfo | None) -> Outcome:
        """Reject a pending suggestion: it stays out, and is recorded so."""
        return self._decide(suggestion, accept=False)

    def _decide(self, suggestion: SuggestionInfo | None, *, accept: bool) -> Outcome:
        if suggestion is None:
            return Refused("no pending suggestion under the cursor (j, k go to one)")
        suggestion_id = suggestion.id

        def write(store: Store, annotation: int) -> AnnotationInfo | SpanInfo | Logged:
            if not accept:
                store.reject_suggestion(annotation, suggestion_id)
                return Logged()
            span = store.accept(annotation, suggestion_id).span  # None: a stance or a topic
            return store.get_annotation(annotation) if span is None else span

        verb = "accepted" if accept else "rejected"
        return Change(
            f"{verb} the {suggestion.label} suggestion", write, decides=(suggestion_id, verb)
        )

    def accept_all_suggestions(self, min_score: float) -> Outcome:
        """Accept every pending span suggestion scoring at least ``min_score`` (one without a
        score counts as certain), as one change: ``u`` takes them all back."""
        chosen = [s.id for s in self.pending_suggestions if (s.score or 1.0) >= min_score]
        if not chosen:
            return Refused(f"no pending suggestion scores {min_score:g} or more")

        def write(store: Store, annotation: int) -> AnnotationInfo:
            store.accept_suggestions(annotation, chosen)
            return store.get_annotation(annotation)

        return Change(f"accepted {len(chosen)} suggestions", write)

    def _document_pending(self, kind: str) -> list[SuggestionInfo]:
        return [s for s in self.document_suggestions if s.kind == kind]

    def choose_document_stance(self, stance: str | None) -> Outcome:
        """The stance chooser's pick: with stance suggestions pending, picking decides them
        too, as one change: those that suggested ``stance`` are accepted and the others
        rejected (picking a stance none suggested sets it and rejects them all). Clearing the
        stance (None) decides nothing."""
        pending = self._document_pending("stance")
        if stance is None or not pending:
            return self.document_stance(stance)
        accept = [s.id for s in pending if s.label == stance]
        reject = [s.id for s in pending if s.label != stance]

        def write(store: Store, annotation: int) -> AnnotationInfo:
            store.decide_suggestions(
                annotation, accept=accept, reject=reject, stance=None if accept else stance
            )
            return store.get_annotation(annotation)

        verb = "accepted the suggested" if accept else f"rejected {len(reject)} suggested, set"
        return Change(f"{verb} document stance {stance}", write)

    def choose_document_topic(self, topic: str) -> Outcome:
        """The topic chooser's toggle: turning on a topic that is suggested accepts its
        suggestions (one change); any other toggle is a plain one."""
        state = self.state
        taken = [s.id for s in self._document_pending("topic") if s.label == topic]
        if not taken or (state is not None and topic in state.topics):
            return self.toggle_document_topic(topic)

        def write(store: Store, annotation: int) -> AnnotationInfo:
            store.decide_suggestions(annotation, accept=taken)
            return store.get_annotation(annotation)

        return Change(f"accepted the suggested document topic {topic}", write)

    def reject_document_topics(self) -> Outcome:
        """Reject every pending topic suggestion of the document (one change): the topic
        chooser's answer to "none of the others"."""
        reject = [s.id for s in self._document_pending("topic")]
        if not reject:
            return Refused("no pending topic suggestions")

        def write(store: Store, annotation: int) -> AnnotationInfo:
            store.decide_suggestions(annotation, reject=reject)
            return store.get_annotation(annotation)

        topics = "topic" if len(reject) == 1 else "topics"
        return Change(f"rejected {len(reject)} suggested {topics}", write)

    def suggest_occurrences(self, focus: SpanInfo | None) -> Outcome:
        """Suggest the focused span's claim type on every other occurrence of its text in
        the document (the same tokens, as whole tokens), under the source ``occurrences``;
        the source's earlier pending suggestions here stay. Suggestions are not labels: the
        change adds no span and takes no undo step."""
        if focus is None:
            return Refused("no span under the cursor: put the cursor on a labelled span")
        document, state = self.document, self.state
        assert document is not None and state is not None
        span = focus
        kept = [
            NewSuggestion(
                self.document_id,
                s.label,
                "span",
                s.start,
                s.end,
                score=s.score,
                tokens=(s.token_start or 0, s.token_end or 0),
            )
            for s in self.suggestions
            if s.source == OCCURRENCES and s.kind == "span" and s.decision is None
        ]
        # Where the annotator has the span, or another source suggests it, already.
        labelled = {(s.token_start, s.token_end, s.label) for s in state.spans} | {
            (s.token_start, s.token_end, s.label)
            for s in self.pending_suggestions
            if s.source != OCCURRENCES
        }

        def write(store: Store, annotation: int) -> Described:
            found = [
                NewSuggestion(
                    self.document_id,
                    span.label,
                    "span",
                    int(document.tokens.starts[first]),
                    int(document.tokens.ends[stop - 1]),
                    tokens=(first, stop),
                )
                for first, stop in occurrences(document.text, document.tokens, span)
                if (first, stop, span.label) not in labelled
            ]
            fresh = {(n.tokens, n.label) for n in found} - {(k.tokens, k.label) for k in kept}
            store.add_suggestions(OCCURRENCES, [*kept, *found], [self.document_id])
            what = excerpt(document.text, span.start, span.end, 24)
            return Described(
                store.get_annotation(annotation),
                f"{len(fresh)} more occurrences of “{what}” suggested as {span.label}"
                if fresh
                else f"no other unlabelled occurrence of “{what}” in this document",
            )

        return Change(f"occurrences of the {span.label} span", write, suggests=True)

    def undo(self) -> Outcome:
        """Take back the latest change (a change made of several, as one)."""
        return Change("undo", lambda store, a: store.undo(a))

    def redo(self) -> Outcome:
        """Make the latest undone change again."""
        return Change("redo", lambda store, a: store.redo(a))

    def done(self, *, confirmed: bool = False) -> Outcome:
        """Mark the document done; with nothing labelled, only once confirmed."""
        if self.state is None:
            return Refused("the document is still loading")
        if self.is_empty and not confirmed:
            return Confirm("Nothing is labelled in this document. Mark it done anyway?")
        return self._finish("done")

    def skip(self) -> Outcome:
        """Mark the document skipped."""
        if self.state is None:
            return Refused("the document is still loading")
        return self._finish("skipped")

    def _finish(self, status: str) -> Change:
        return Change(f"marked {status}", lambda store, a: store.set_status(a, status), leaves=True)

    # -- moving on ----------------------------------------------------------------------------

    def document_order(self) -> tuple[list[int], dict[int, str]]:
        """The documents in the order next and previous follow, and this annotator's status of
        each (reads the database: call it off the UI thread)."""
        rows = self.store.list_documents(self.annotator.id)
        return [row.id for row in rows], {row.id: row.status for row in rows}

    def next_document(
        self, *, unfinished: bool = False, step: int = 1, order: Sequence[int] | None = None
    ) -> int | None:
        """The next unfinished document after this one (wrapping), or the next or previous one
        by ``step``; None if there is none. ``order``: the documents to follow instead of all
        of them by name. Waits for the changes submitted so far (call it off the UI thread)."""
        self._writer.drain()  # the status just set must count
        if unfinished and routes(self.store, self.annotator.name):  # a routing policy decides
            pick = route_next(self.store, annotator=self.annotator.name)
            return None if pick is None else pick.document_id
        ids, status = self.document_order()
        if order is not None:
            ids = list(order)
        here = ids.index(self.document_id) if self.document_id in ids else -1
        if unfinished:
            later = ids[here + 1 :] + ids[: max(here, 0)]
            return next((i for i in later if status.get(i, "todo") in UNFINISHED), None)
        index = here + step
        return ids[index] if 0 <= index < len(ids) else None


def occurrences(text: str, tokens: Tokenization, span: SpanInfo) -> list[tuple[int, int]]:
    """The token ranges, other than the span's own, whose tokens have the span's token texts
    (whitespace between them may differ), in document order, not overlapping each other."""
    starts, ends = tokens.starts.tolist(), tokens.ends.tolist()
    first, stop = span.token_start, span.token_end
    wanted = [text[starts[i] : ends[i]] for i in range(first, stop)]
    width = len(wanted)
    lead, lead_length = wanted[0], len(wanted[0])
    found: list[tuple[int, int]] = []
    index, count = 0, len(starts)
    while index + width <= count:
        if (
            index != first
            and ends[index] - starts[index] == lead_length
            and text[starts[index] : ends[index]] == lead
            and all(text[starts[index + k] : ends[index + k]] == wanted[k] for k in range(1, width))
        ):
            found.append((index, index + width))
            index += width
        else:
            index += 1
    return found


def _decided(
    suggestions: list[SuggestionInfo], suggestion_id: int, decision: str
) -> list[SuggestionInfo]:
    """The suggestions with one of them decided (a new list: the cursor's cache of pending
    ones is keyed on the list)."""
    return [replace(s, decision=decision) if s.id == suggestion_id else s for s in suggestions]


def _redecided(
    suggestions: list[SuggestionInfo], decisions: dict[int, str]
) -> list[SuggestionInfo]:
    """The suggestions with the decisions as they now stand; the same list if none moved
    (the cursor's cache of pending ones is keyed on the list)."""
    if all(decisions.get(s.id) == s.decision for s in suggestions):
        return suggestions
    return [
        s if decisions.get(s.id) == s.decision else replace(s, decision=decisions.get(s.id))
        for s in suggestions
    ]


@dataclass(frozen=True)
class _Undecided:
    """The suggestions an annotator has not decided, as the keys and the screen ask for them."""

    spans: list[SuggestionInfo]
    """Span suggestions (on tokens), by position."""
    starts: Index
    ends: Index
    """Their first and past-the-last tokens."""
    document: list[SuggestionInfo]
    """Stance and topic suggestions, best score first (none counts as certain)."""

    decided: tuple[list[SuggestionInfo], SuggestionInfo] | None = None
    """Made by :meth:`deciding`: the span suggestions before, and the one decided."""

    def deciding(self, suggestion_id: int) -> _Undecided:
        """These less the suggestion ``suggestion_id``, now decided."""
        spans = self.spans
        at = next((i for i, s in enumerate(spans) if s.id == suggestion_id), None)
        if at is None:  # a stance or topic suggestion
            document = [s for s in self.document if s.id != suggestion_id]
            return replace(self, document=document, decided=None)
        return _Undecided(
            [*spans[:at], *spans[at + 1 :]],
            np.delete(self.starts, at),
            np.delete(self.ends, at),
            self.document,
            (spans, spans[at]),
        )

    @classmethod
    def of(cls, suggestions: Sequence[SuggestionInfo]) -> _Undecided:
        spans = [
            s
            for s in suggestions
            if s.kind == "span" and s.decision is None and s.token_start is not None
        ]
        document = [s for s in suggestions if s.kind != "span" and s.decision is None]
        document.sort(key=lambda s: -(1.0 if s.score is None else s.score))
        count = len(spans)
        return cls(
            spans,
            np.fromiter((s.token_start or 0 for s in spans), dtype=np.int64, count=count),
            np.fromiter((s.token_end or 0 for s in spans), dtype=np.int64, count=count),
            document,
        )


def _token_length(suggestion: SuggestionInfo) -> int:
    return (suggestion.token_end or 0) - (suggestion.token_start or 0)


def _merge(annotation: AnnotationInfo, span: SpanInfo, *, removes: bool) -> AnnotationInfo:
    """The annotation with one span added, replaced or removed, in the store's order."""
    spans = [s for s in annotation.spans if s.id != span.id]
    if not removes:  # the rest is in order already: one insertion, not a sort of thousands
        bisect.insort(spans, span, key=_store_order)
    return replace(_begun(annotation), spans=tuple(spans))


def _store_order(span: SpanInfo) -> tuple[int, int, int]:
    return span.start, -span.end, span.id


def _begun(annotation: AnnotationInfo) -> AnnotationInfo:
    """The annotation after a change: the store moves it from todo to in progress on its
    first one."""
    return replace(annotation, status="in_progress") if annotation.status == "todo" else annotation


class ReviewSession(AnnotationSession):
    """Adjudication of one document: the gold annotation (every edit rule of annotation works
    on it) and the annotators' pooled votes, with the rules for accepting what they marked."""

    def __init__(
        self,
        store: Store,
        gold: AnnotatorInfo,
        document_id: int,
        *,
        statuses: tuple[str, ...] = REVIEW_STATUSES,
    ) -> None:
        super().__init__(store, gold, document_id)
        self.statuses = statuses
        """Whose work is pooled: annotations in one of these statuses."""
        self.votes = Votes.of(())
        """The annotators' labels, pooled (read with the gold annotation)."""

    def read_votes(self) -> Votes:
        """The annotators' pooled work on this document (off the UI thread)."""
        others = []
        for annotator in self.store.annotators():
            if annotator.name == GOLD:
                continue
            found = self.store.find_annotation(self.document_id, annotator.id)
            if found is not None and found.status in self.statuses:
                others.append(found)
        return Votes.of(others)

    def open(self) -> AnnotationInfo:
        self.votes = self.read_votes()
        return super().open()

    def open_candidates(self) -> list[Candidate]:
        """What the annotators marked that gold lacks, in document order."""
        return self.votes.pending(self.state)

    def candidate_near(
        self, selection: tuple[int, int] | None, cursor: int, preferred: Candidate | None
    ) -> Candidate | None:
        """The open candidate a reviewer means: the one the selection covers exactly (the one
        last stepped to first), else the most voted over the cursor."""
        pending = self.open_candidates()
        if selection is not None:
            exact = [c for c in pending if (c.token_start, c.token_end) == selection]
            exact.sort(key=lambda c: c != preferred)
            return exact[0] if exact else None
        keys = {c.key for c in pending}
        return next((c for c in self.votes.at(cursor) if c.key in keys), None)

    def step_candidate(
        self, step: int, after: Candidate | None, cursor: int
    ) -> Candidate | Refused:
        """The next (``step`` 1) or previous (-1) open candidate after the one last stepped
        to, or from the cursor; wrapping around."""
        pending = self.open_candidates()
        if not pending:
            return Refused("gold has every span the annotators marked")
        order = list(self.votes.candidates)
        if after is not None and after in order:
            here = order.index(after)
            later = [c for c in pending if order.index(c) > here]
            earlier = [c for c in pending if order.index(c) < here]
        else:
            later = [c for c in pending if c.token_start >= cursor]
            earlier = [c for c in pending if c.token_start < cursor]
        return (later or earlier)[0] if step > 0 else (earlier or later)[-1]

    def accept(self, candidate: Candidate | None) -> Outcome:
        """Add an open candidate to gold as the annotators marked it, with its merged stance
        and topics."""
        if candidate is None:
            return Refused("no open span here: j selects the next span gold lacks")
        if self.state is not None and candidate.key in {span_key(s) for s in self.state.spans}:
            return Refused("gold has this span already")
        votes = f"({len(candidate.annotators)}/{self.votes.total})"
        return Change(
            f"accepted {candidate.label} “{self.words(candidate.start, candidate.end)}” {votes}",
            lambda store, a: store.add_span(
                a,
                candidate.start,
                candidate.end,
                candidate.label,
                stance=candidate.stance,
                topics=candidate.topics,
            ),
            clears_selection=True,
            creates=True,
        )

    def accept_majority(self) -> Outcome:
        """Add what the majority chose and gold lacks, in one transaction and one undo step:
        spans more than half marked, and the document's stance and topics where gold has
        none (gold's own choices stay)."""
        if self.state is None:
            return Refused("the document is still loading")
        plan = majority_plan(self.votes, self.state)
        if plan.empty:
            return Refused("gold already has everything the majority chose")
        tied = self.votes.document_stance()[1] and self.state.stance is None
        spans = [NewSpan(c.start, c.end, c.label, c.stance, c.topics) for c in plan.spans]
        return Change(
            f"accepted the majority: {plan.describe()}"
            + ("; the stance vote is tied: choose one with S" if tied else ""),
            lambda store, a: store.add_spans(a, spans, stance=plan.stance, topics=plan.topics),
        )

    def summary(self) -> str:
        """Where adjudication stands, short enough for an 80-column status line."""
        votes = self.votes
        if not votes.total:
            return "no annotator's work to pool here: label it as you decide"
        open_spans = len(self.open_candidates())
        by = f"{votes.total} annotator{'s' * (votes.total != 1)}"
        if not open_spans:
            return f"gold has every span its {by} marked"
        them = "them" if open_spans != 1 else "it"
        return f"{open_spans} open span{'s' * (open_spans != 1)} (gold lacks {them}) from {by}"
