"""The annotation session without Textual: every edit rule, refusals, undo as one step."""

from __future__ import annotations

from dataclasses import replace

import pytest

from workbench.session import AnnotationSession, Change, Confirm, Refused, ReviewSession
from workbench.store import AnnotationInfo, NewDocument, SpanInfo, Store, SuggestionInfo
from workbench.store.maintenance import check_database

TEXT = "Xi Jinping met Vladimir Putin in Moscow.\n\nTrade rose 26% last year."


@pytest.fixture
def session(store: Store) -> AnnotationSession:
    store.add_documents([NewDocument("summit", TEXT)])
    opened = AnnotationSession(store, store.annotator("alice"), store.document_by_name("summit"))
    opened.open()
    return opened


def tokens_of(session: AnnotationSession, words: str) -> tuple[int, int]:
    assert session.document is not None
    start = TEXT.index(words)
    found = session.document.tokens.align(start, start + len(words))
    assert found is not None
    return found


def saved(result: object) -> AnnotationInfo:
    assert isinstance(result, AnnotationInfo), result
    return result


def same(held: AnnotationInfo, stored: AnnotationInfo) -> bool:
    """The session's copy and the database agree (the copy keeps the time it was read)."""
    return replace(held, updated_at=0) == replace(stored, updated_at=0)


def test_label_relabel_resize_delete_and_undo_redo(session: AnnotationSession) -> None:
    state = saved(session.apply(session.label("FACT", tokens_of(session, "Xi Jinping"), 0, None)))
    (span,) = state.spans
    assert TEXT[span.start : span.end] == "Xi Jinping" and state.status == "in_progress"
    refused = session.label("FACT", None, span.token_start, span)
    assert refused == Refused("the span is already FACT")
    state = saved(session.apply(session.label("QUOTE", None, span.token_start, span)))
    assert state.spans[0].label == "QUOTE"
    grow = session.resize(state.spans[0], "end", 1)
    assert isinstance(grow, Change) and grow.cursor == span.token_end
    state = saved(session.apply(grow))
    assert TEXT[state.spans[0].start : state.spans[0].end] == "Xi Jinping met"
    state = saved(session.apply(session.delete(state.spans[0])))
    assert state.spans == ()
    state = saved(session.apply(session.undo()))
    assert len(state.spans) == 1
    state = saved(session.apply(session.redo()))
    assert state.spans == ()
    assert check_database(session.store) == []


def test_whitespace_is_trimmed_and_never_labelled(session: AnnotationSession) -> None:
    assert session.document is not None
    start, end = tokens_of(session, "Moscow.\n\nTrade")
    state = saved(session.apply(session.label("FACT", (start, end), start, None)))
    assert TEXT[state.spans[0].start : state.spans[0].end] == "Moscow.\n\nTrade"
    blank = next(i for i in range(start, end) if session.is_blank(i))
    assert session.label("FACT", (blank, blank + 1), blank, None) == Refused(
        "nothing to label here (only whitespace)"
    )
    assert session.chars(blank, end) == session.document.tokens.char_span(end - 1, end)


def test_resizing_skips_whitespace_and_stops_at_the_ends(session: AnnotationSession) -> None:
    state = saved(session.apply(session.label("FACT", tokens_of(session, "Moscow."), 0, None)))
    grown = saved(session.apply(session.resize(state.spans[0], "end", 1)))
    assert TEXT[grown.spans[0].start : grown.spans[0].end] == "Moscow.\n\nTrade"
    first = saved(session.apply(session.label("OPINION", tokens_of(session, "Xi"), 0, None)))
    xi = next(s for s in first.spans if s.label == "OPINION")
    assert session.resize(xi, "start", -1) == Refused("the span cannot grow or shrink further")
    assert session.resize(None, "end", 1) == Refused("no span under the cursor to resize")


def test_span_and_document_labels_note_and_refusals(session: AnnotationSession) -> None:
    state = saved(session.apply(session.label("FACT", tokens_of(session, "Moscow"), 0, None)))
    span = state.spans[0]
    state = saved(session.apply(session.span_stance(span, "CRITICAL")))
    state = saved(session.apply(session.toggle_span_topic(state.spans[0], "ENERGY")))
    assert (state.spans[0].stance, state.spans[0].topics) == ("CRITICAL", ("ENERGY",))
    state = saved(session.apply(session.document_stance("MIXED")))
    state = saved(session.apply(session.toggle_document_topic("ECONOMY")))
    state = saved(session.apply(session.note("check the figure")))
    assert (state.stance, state.topics, state.note) == ("MIXED", ("ECONOMY",), "check the figure")
    assert session.note("check the figure") == Refused("the note is unchanged")
    assert session.note("a\x00b") == Refused("the note holds a NUL character")
    assert isinstance(session.note("x" * 10_001), Refused)
    assert isinstance(session.span_target(None), Refused)
    assert isinstance(session.span_stance(None, "CRITICAL"), Refused)


def test_done_on_nothing_asks_first_and_skip_does_not(session: AnnotationSession) -> None:
    assert isinstance(session.done(), Confirm)
    done = session.done(confirmed=True)
    assert isinstance(done, Change) and done.leaves
    assert saved(session.apply(done)).status == "done"
    skipped = saved(session.apply(session.skip()))
    assert skipped.status == "skipped"
    saved(session.apply(session.label("FACT", tokens_of(session, "Moscow"), 0, None)))
    assert isinstance(session.done(), Change)  # something labelled: no question


def test_tab_order_reaches_nested_spans_starting_on_the_same_token(
    session: AnnotationSession,
) -> None:
    outer = tokens_of(session, "Xi Jinping met Vladimir Putin")
    saved(session.apply(session.label("FACT", outer, 0, None)))
    state = saved(session.apply(session.label("QUOTE", tokens_of(session, "Xi Jinping"), 0, None)))
    saved(session.apply(session.label("OPINION", tokens_of(session, "Moscow"), 0, None)))
    # From the innermost span on "Xi" (where the cursor gives the focus), then round again.
    focus: SpanInfo | None = next(s for s in state.spans if s.label == "QUOTE")
    order = []
    for _ in range(4):
        focus = session.neighbour_span(focus, 0, 1)
        assert focus is not None
        order.append(focus.label)
    assert order == ["OPINION", "FACT", "QUOTE", "OPINION"]  # both spans on "Xi" reached
    backwards = session.neighbour_span(next(s for s in state.spans if s.label == "QUOTE"), 0, -1)
    assert backwards is not None and backwards.label == "FACT"
    first = session.neighbour_span(None, -1, 1)
    assert first is not None and first.label == "FACT"  # no focus: the first after the cursor


def test_a_failed_save_raises_and_leaves_the_state(
    session: AnnotationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = session.state
    with pytest.raises(Exception, match="nothing to undo"):
        session.apply(session.undo())
    assert session.state == before and session.pending == 0


def test_reopening_resumes_at_the_last_changed_span(session: AnnotationSession) -> None:
    saved(session.apply(session.label("FACT", tokens_of(session, "Moscow"), 0, None)))
    state = saved(session.apply(session.label("QUOTE", tokens_of(session, "Xi Jinping"), 0, None)))
    moscow = next(s for s in state.spans if s.label == "FACT")
    saved(session.apply(session.span_stance(moscow, "NEUTRAL")))
    again = AnnotationSession(session.store, session.annotator, session.document_id)
    again.open()
    assert again.resume_span is not None and again.resume_span.label == "FACT"


def test_accepting_the_majority_is_one_transaction_and_one_undo_step(store: Store) -> None:
    store.add_documents([NewDocument("summit", TEXT)])
    document = store.document_by_name("summit")
    xi, moscow = TEXT.index("Xi Jinping"), TEXT.index("Moscow")
    for name in ("ann", "bob", "cat"):
        annotation = store.annotation(document, store.annotator(name).id)
        store.add_span(annotation.id, xi, xi + 10, "FACT")
        if name != "cat":
            store.add_span(annotation.id, moscow, moscow + 6, "QUOTE")
        store.set_stance(annotation.id, "NEUTRAL")
        store.set_status(annotation.id, "done")
    review = ReviewSession(store, store.annotator("gold", "reviewer"), document)
    review.open()
    assert review.votes.total == 3 and len(review.open_candidates()) == 2
    events_before = store.history(review.state.id if review.state else 0)
    state = saved(review.apply(review.accept_majority()))
    assert [s.label for s in state.spans] == ["FACT", "QUOTE"] and state.stance == "NEUTRAL"
    assert store.history(state.id)[0] == events_before[0] + 3  # two spans and the stance
    assert review.accept_majority() == Refused("gold already has everything the majority chose")
    undone = saved(review.apply(review.undo()))
    assert undone.spans == () and undone.stance is None  # one step takes all of it back
    redone = saved(review.apply(review.redo()))
    assert len(redone.spans) == 2 and redone.stance == "NEUTRAL"
    assert check_database(store) == []


def test_review_steps_through_candidates_and_accepts_one(store: Store) -> None:
    store.add_documents([NewDocument("summit", TEXT)])
    document = store.document_by_name("summit")
    xi, moscow = TEXT.index("Xi Jinping"), TEXT.index("Moscow")
    annotation = store.annotation(document, store.annotator("ann").id)
    store.add_span(annotation.id, xi, xi + 10, "FACT")
    store.add_span(annotation.id, moscow, moscow + 6, "QUOTE")
    store.set_status(annotation.id, "done")
    review = ReviewSession(store, store.annotator("gold", "reviewer"), document)
    review.open()
    first = review.step_candidate(1, None, 0)
    assert not isinstance(first, Refused) and first.label == "FACT"
    second = review.step_candidate(1, first, 0)
    assert not isinstance(second, Refused) and second.label == "QUOTE"
    state = saved(review.apply(review.accept(second)))
    assert [s.label for s in state.spans] == ["QUOTE"]
    assert isinstance(review.accept(second), Refused)  # gold has it now
    assert review.step_candidate(1, second, 0) == first
    assert review.accept(None) == Refused("no open span here: j selects the next span gold lacks")


def test_the_sessions_suggestions_match_the_database_after_each_decision(
    session: AnnotationSession, store: Store
) -> None:
    from workbench.store import NewSuggestion

    document = store.document_by_name("summit")
    putin = TEXT.index("Vladimir Putin")
    store.add_suggestions(
        "patterns:test",
        [
            NewSuggestion(document, "FACT", start=0, end=10, score=0.9),
            NewSuggestion(document, "QUOTE", start=putin, end=putin + 14),
        ],
    )
    session.open()
    who = session.annotator.id

    def agrees() -> list[str | None]:
        # The session keeps its copies up to date from what each change returns, without
        # reading the annotation or the suggestions back: both must still match the database.
        assert session.state is not None
        assert same(session.state, store.get_annotation(session.state.id))
        assert session.suggestions == store.suggestions(document, who)
        return [s.decision for s in session.suggestions]

    first, second = session.pending_suggestions
    saved(session.apply(session.accept_suggestion(first)))
    assert agrees() == ["accepted", None]
    assert session.state is not None and session.state.status == "in_progress"
    saved(session.apply(session.reject_suggestion(second)))
    assert agrees() == ["accepted", "rejected"] and session.pending_suggestions == []
    session.apply(session.undo())
    assert agrees() == ["accepted", None]
    session.apply(session.redo())
    assert agrees() == ["accepted", "rejected"]
    (span,) = session.state.spans
    saved(session.apply(session.label("QUOTE", None, span.token_start, span)))
    assert agrees() == ["edited", "rejected"]  # the accepted span changed since
    saved(session.apply(session.label("FACT", None, span.token_start, session.state.spans[0])))
    assert agrees() == ["accepted", "rejected"]


def test_what_is_pending_after_each_decision_is_what_a_fresh_reading_finds(
    session: AnnotationSession, store: Store
) -> None:
    from workbench.store import NewSuggestion

    document = store.document_by_name("summit")
    putin = TEXT.index("Vladimir Putin")
    stance = store.scheme.stance[0].name
    store.add_suggestions(
        "patterns:test",
        [
            NewSuggestion(document, "FACT", start=0, end=10, score=0.9),
            NewSuggestion(document, "QUOTE", start=putin, end=putin + 14),
            NewSuggestion(document, "FACT", start=putin, end=putin + 8, score=0.4),
            NewSuggestion(document, stance, kind="stance", score=0.7),
        ],
    )
    session.open()

    def check(before: list[SuggestionInfo], decided: list[SuggestionInfo] | None) -> None:
        fresh = AnnotationSession(store, session.annotator, document)
        fresh.open()
        assert session.pending_suggestions == fresh.pending_suggestions
        assert session.document_suggestions == fresh.document_suggestions
        for token in range(len(fresh.document.tokens) if fresh.document else 0):
            assert session.suggestion_at(token) == fresh.suggestion_at(token)
        assert session.decided_since(before) == decided

    pending = session.pending_suggestions
    first = next(s for s in pending if s.start == 0)
    longer = next(s for s in pending if s.label == "QUOTE")
    shorter = next(s for s in pending if s.start == putin and s.label == "FACT")
    assert session.suggestion_at(longer.token_start or 0) == shorter  # the shorter of two
    before = session.pending_suggestions
    saved(session.apply(session.accept_suggestion(shorter)))
    check(before, [shorter])
    before = session.pending_suggestions
    saved(session.apply(session.reject_suggestion(first)))
    check(before, [first])
    before = session.pending_suggestions
    (offered,) = session.document_suggestions
    saved(session.apply(session.reject_suggestion(offered)))
    check(before, [])  # no span suggestion went
    before = session.pending_suggestions
    session.apply(session.undo())  # the stance suggestion is pending again: all read anew
    check(before, None)
    session.apply(session.undo())  # and the first span suggestion
    check(before, None)
    assert len(session.pending_suggestions) == 2


def test_a_rejection_alone_begins_the_document(session: AnnotationSession, store: Store) -> None:
    from workbench.store import NewSuggestion

    document = store.document_by_name("summit")
    store.add_suggestions("patterns:test", [NewSuggestion(document, "FACT", start=0, end=10)])
    session.open()
    assert session.state is not None and session.state.status == "todo"
    (suggestion,) = session.pending_suggestions
    saved(session.apply(session.reject_suggestion(suggestion)))
    assert same(session.state, store.get_annotation(session.state.id))
    assert session.state.status == "in_progress" and session.state.spans == ()
