"""Document suggestions decided from the stance and topic choosers, and a span's other
occurrences suggested from the annotation screen (issue 13.5, 13.8), through the session: the
database after each rule, one undo step each."""

from __future__ import annotations

import pytest

from workbench.nlp import tokenize
from workbench.session import AnnotationSession, Refused, occurrences
from workbench.store import OCCURRENCES, NewDocument, NewSuggestion, SpanInfo, Store

REPEATED = (
    "Gas prices rose. Russia sells gas to China, and gas flows west.\n"
    "Gas Prices fell later, and gas prices rose again."
)


def session_on(store: Store, name: str, annotator: str = "alice") -> AnnotationSession:
    session = AnnotationSession(store, store.annotator(annotator), store.document_by_name(name))
    session.open()
    return session


def stance(session: AnnotationSession) -> str | None:
    assert session.state is not None
    return session.state.stance


def decisions(store: Store, name: str, annotator: str = "alice") -> dict[str, str | None]:
    document = store.document_by_name(name)
    person = store.annotator(annotator).id
    return {f"{s.kind}:{s.label}": s.decision for s in store.suggestions(document, person)}


@pytest.fixture
def offered(small_store: Store) -> Store:
    summit = small_store.document_by_name("summit")
    small_store.add_suggestions(
        "model:m",
        [
            NewSuggestion(summit, "SUPPORTIVE", "stance", score=0.8),
            NewSuggestion(summit, "CRITICAL", "stance", score=0.6),
            NewSuggestion(summit, "ECONOMY", "topic", score=0.9),
            NewSuggestion(summit, "ENERGY", "topic", score=0.4),
        ],
    )
    return small_store


def test_document_suggestions_come_best_first(offered: Store) -> None:
    session = session_on(offered, "summit")
    assert [(s.kind, s.label) for s in session.document_suggestions] == [
        ("topic", "ECONOMY"),
        ("stance", "SUPPORTIVE"),
        ("stance", "CRITICAL"),
        ("topic", "ENERGY"),
    ]
    assert session.pending_suggestions == []  # span suggestions only


def test_picking_a_suggested_stance_accepts_it_and_rejects_the_others_in_one_step(
    offered: Store,
) -> None:
    session = session_on(offered, "summit")
    state = session.apply(session.choose_document_stance("SUPPORTIVE"))
    assert not isinstance(state, Refused)
    assert stance(session) == "SUPPORTIVE"
    assert decisions(offered, "summit") == {
        "stance:SUPPORTIVE": "accepted",
        "stance:CRITICAL": "rejected",
        "topic:ECONOMY": None,
        "topic:ENERGY": None,
    }
    assert [s.label for s in session.document_suggestions] == ["ECONOMY", "ENERGY"]
    session.apply(session.undo())
    assert stance(session) is None
    assert set(decisions(offered, "summit").values()) == {None}
    assert decisions(offered, "summit", "bob") == dict.fromkeys(decisions(offered, "summit"))


def test_picking_a_stance_none_suggested_sets_it_and_rejects_them_all(offered: Store) -> None:
    session = session_on(offered, "summit")
    session.apply(session.choose_document_stance("NEUTRAL"))
    assert stance(session) == "NEUTRAL"
    found = decisions(offered, "summit")
    assert (found["stance:SUPPORTIVE"], found["stance:CRITICAL"]) == ("rejected", "rejected")
    session.apply(session.undo())  # the stance and both decisions, together
    assert stance(session) is None
    assert set(decisions(offered, "summit").values()) == {None}


def test_clearing_the_stance_decides_nothing(offered: Store) -> None:
    session = session_on(offered, "summit")
    session.apply(session.document_stance("MIXED"))
    session.apply(session.choose_document_stance(None))
    assert stance(session) is None
    assert set(decisions(offered, "summit").values()) == {None}


def test_toggling_on_a_suggested_topic_accepts_it_and_ctrl_r_rejects_the_rest(
    offered: Store,
) -> None:
    session = session_on(offered, "summit")
    session.apply(session.choose_document_topic("ECONOMY"))
    assert session.state is not None and session.state.topics == ("ECONOMY",)
    assert decisions(offered, "summit")["topic:ECONOMY"] == "accepted"
    session.apply(session.choose_document_topic("SECURITY"))  # not suggested: a plain toggle
    session.apply(session.choose_document_topic("ECONOMY"))  # off again: a plain toggle too
    assert session.state.topics == ("SECURITY",)
    assert decisions(offered, "summit")["topic:ECONOMY"] == "accepted"
    session.apply(session.reject_document_topics())
    assert decisions(offered, "summit")["topic:ENERGY"] == "rejected"
    assert isinstance(session.reject_document_topics(), Refused)
    session.apply(session.undo())
    assert decisions(offered, "summit")["topic:ENERGY"] is None


def span_over(text: str, start: int, end: int, label: str = "FACT") -> SpanInfo:
    starts = tokenize(text).starts.tolist()
    first = starts.index(start)
    stop = next(i for i, s in enumerate(starts) if s >= end) if end < len(text) else len(starts)
    return SpanInfo(1, 1, start, end, first, stop, label)


def test_occurrences_are_whole_token_matches_other_than_the_span_itself() -> None:
    tokens = tokenize(REPEATED)
    starts = tokens.starts.tolist()
    at = REPEATED.index("prices rose")
    found = occurrences(REPEATED, tokens, span_over(REPEATED, at, at + 11))
    assert [(starts[a], b - a) for a, b in found] == [(REPEATED.rindex("prices rose"), 2)]
    cased = occurrences(REPEATED, tokens, span_over(REPEATED, 0, 3))  # "Gas"
    assert [starts[a] for a, _ in cased] == [REPEATED.index("Gas Prices")]
    word = REPEATED.index("gas to")
    found = occurrences(REPEATED, tokens, span_over(REPEATED, word, word + 3))
    every = [i for i in range(len(REPEATED)) if REPEATED.startswith("gas ", i) and i != word]
    assert [starts[a] for a, _ in found] == every  # case-sensitive: "Gas" is another text


def test_the_occurrences_key_suggests_the_other_occurrences_and_keeps_earlier_ones(
    store: Store,
) -> None:
    store.add_documents([NewDocument("repeat", REPEATED)])
    session = session_on(store, "repeat")
    assert session.state is not None
    at = REPEATED.index("gas to")
    gas = store.add_span(session.state.id, at, at + 3, "FACT")
    saved = session.apply(session.suggest_occurrences(gas))
    assert not isinstance(saved, Refused)
    pending = [(s.source, s.start, s.label) for s in session.pending_suggestions]
    every_gas = [i for i in range(len(REPEATED)) if REPEATED.startswith("gas ", i)]
    assert pending == [(OCCURRENCES, i, "FACT") for i in every_gas if i != at]
    assert len(store.get_annotation(session.state.id).spans) == 1  # no span added
    rose = REPEATED.index("prices rose")
    prices = store.add_span(session.state.id, rose, rose + 11, "STATISTIC")
    session.apply(session.suggest_occurrences(prices))
    found = sorted((s.start, s.label) for s in session.pending_suggestions)
    assert found == sorted(
        [(i, "FACT") for i in every_gas if i != at]
        + [(REPEATED.rindex("prices rose"), "STATISTIC")]
    )  # the FACT ones stayed pending
    assert isinstance(session.suggest_occurrences(None), Refused)


def test_an_occurrence_already_labelled_so_is_not_suggested(store: Store) -> None:
    store.add_documents([NewDocument("repeat", REPEATED)])
    session = session_on(store, "repeat")
    assert session.state is not None
    first, last = REPEATED.index("gas to"), REPEATED.rindex("gas prices")
    store.add_span(session.state.id, last, last + 3, "FACT")
    gas = store.add_span(session.state.id, first, first + 3, "FACT")
    session.open()
    session.apply(session.suggest_occurrences(gas))
    assert last not in [s.start for s in session.pending_suggestions]


def test_decide_suggestions_sets_a_stance_and_decides_in_one_transaction(
    offered: Store,
) -> None:
    summit = offered.document_by_name("summit")
    annotation = offered.annotation(summit, offered.annotator("kim").id)
    ids = {s.label: s.id for s in offered.suggestions(summit)}
    assert (
        offered.decide_suggestions(
            annotation.id, reject=[ids["SUPPORTIVE"], ids["CRITICAL"]], stance="MIXED"
        )
        == 2
    )
    assert offered.get_annotation(annotation.id).stance == "MIXED"
    offered.undo(annotation.id)
    assert offered.get_annotation(annotation.id).stance is None
    assert set(decisions(offered, "summit", "kim").values()) == {None}


def test_a_suggested_topic_accepted_twice_adds_it_once(small_store: Store) -> None:
    summit = small_store.document_by_name("summit")
    small_store.add_suggestions("a", [NewSuggestion(summit, "ENERGY", "topic", score=0.7)])
    small_store.add_suggestions("b", [NewSuggestion(summit, "ENERGY", "topic")])
    session = session_on(small_store, "summit")
    session.apply(session.choose_document_topic("ENERGY"))
    assert session.state is not None and session.state.topics == ("ENERGY",)
    assert list(decisions(small_store, "summit").values()) == ["accepted"]  # one key per label
    assert {s.decision for s in session.suggestions} == {"accepted"}
