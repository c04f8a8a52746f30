"""Property tests: random sequences of span operations never break the store's invariants."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import REPO, SMALL_TEXTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import WorkbenchError
from workbench.scheme import default_scheme
from workbench.store import NewDocument, Store, open_store

TEXT = SMALL_TEXTS["summit"]
SCHEME = default_scheme()
LABELS = st.sampled_from(SCHEME.names("claim_type"))
STANCES = st.none() | st.sampled_from(SCHEME.names("stance"))
TOPICS = st.sampled_from(SCHEME.names("topics"))
OFFSET = st.integers(min_value=-3, max_value=len(TEXT) + 3)

OPERATIONS = st.one_of(
    st.tuples(st.just("add"), OFFSET, OFFSET, LABELS),
    st.tuples(st.just("relabel"), st.integers(0, 20), LABELS),
    st.tuples(st.just("resize"), st.integers(0, 20), OFFSET, OFFSET),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(st.just("span_stance"), st.integers(0, 20), STANCES),
    st.tuples(st.just("span_topic"), st.integers(0, 20), TOPICS),
    st.tuples(st.just("stance"), STANCES),
    st.tuples(st.just("topic"), TOPICS),
    st.tuples(st.just("undo")),
    st.tuples(st.just("redo")),
)


@pytest.fixture(scope="module")
def shared() -> Iterator[Store]:
    # One in-memory database for all examples; each example uses a fresh annotator.
    store = open_store("sqlite://", REPO / "labels" / "scheme.toml")
    store.add_documents([NewDocument("summit", TEXT)])
    yield store
    store.close()


def check_invariants(store: Store, annotation: int) -> None:
    info = store.get_annotation(annotation)
    document = store.document(info.document_id)
    for span in info.spans:
        assert 0 <= span.start < span.end <= len(document.text)
        assert document.tokens.align(span.start, span.end) == (span.token_start, span.token_end)
        covered = document.text[span.start : span.end]
        assert covered == covered.strip()
        assert span.label in SCHEME.names("claim_type")
        assert span.stance is None or span.stance in SCHEME.names("stance")
        assert set(span.topics) <= set(SCHEME.names("topics"))
    assert info.stance is None or info.stance in SCHEME.names("stance")
    assert set(info.topics) <= set(SCHEME.names("topics"))


def apply(store: Store, annotation: int, operation: tuple[object, ...]) -> None:
    spans = store.get_annotation(annotation).spans
    name, *args = operation

    def pick(index: object) -> int:
        assert isinstance(index, int)
        return spans[index % len(spans)].id

    if name == "add":
        store.add_span(annotation, args[0], args[1], args[2])  # type: ignore[arg-type]
    elif name == "stance":
        store.set_stance(annotation, args[0])  # type: ignore[arg-type]
    elif name == "topic":
        store.toggle_topic(annotation, args[0])  # type: ignore[arg-type]
    elif name == "undo":
        store.undo(annotation)
    elif name == "redo":
        store.redo(annotation)
    elif not spans:
        return
    elif name == "relabel":
        store.relabel_span(annotation, pick(args[0]), args[1])  # type: ignore[arg-type]
    elif name == "resize":
        store.resize_span(annotation, pick(args[0]), args[1], args[2])  # type: ignore[arg-type]
    elif name == "delete":
        store.delete_span(annotation, pick(args[0]))
    elif name == "span_stance":
        store.set_span_stance(annotation, pick(args[0]), args[1])  # type: ignore[arg-type]
    elif name == "span_topic":
        store.toggle_span_topic(annotation, pick(args[0]), args[1])  # type: ignore[arg-type]


counter = iter(range(1_000_000))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(OPERATIONS, min_size=1, max_size=25))
def test_random_operations_keep_invariants_and_undo_all_the_way(
    shared: Store, operations: list[tuple[object, ...]]
) -> None:
    annotator = shared.annotator(f"prop-{next(counter)}")
    annotation = shared.annotation(shared.document_by_name("summit"), annotator.id).id
    for operation in operations:
        before = shared.get_annotation(annotation)
        try:
            apply(shared, annotation, operation)
        except WorkbenchError:
            after = shared.get_annotation(annotation)
            assert (after.spans, after.stance, after.topics) == (
                before.spans,
                before.stance,
                before.topics,
            ), "a refused change must change nothing"
        check_invariants(shared, annotation)

    final = shared.get_annotation(annotation)
    undone = 0
    while True:
        try:
            shared.undo(annotation)
        except WorkbenchError:
            break
        undone += 1
        check_invariants(shared, annotation)
    empty = shared.get_annotation(annotation)
    assert (empty.spans, empty.stance, empty.topics) == ((), None, ())
    for _ in range(undone):
        shared.redo(annotation)
    redone = shared.get_annotation(annotation)
    assert (redone.spans, redone.stance, redone.topics) == (
        final.spans,
        final.stance,
        final.topics,
    )
