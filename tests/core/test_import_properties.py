"""Property tests for the importers: arbitrary text and spans never crash them and never store a
span that breaks the invariants."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from helpers import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import WorkbenchError
from workbench.importer import import_paths
from workbench.scheme import default_scheme
from workbench.store import Store, open_store

SCHEME = default_scheme()
TEXTS = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=0, max_size=120)
LABELS = st.sampled_from([*SCHEME.names("claim_type"), "UNKNOWN"])
OFFSETS = st.integers(min_value=-5, max_value=130)
SPANS = st.lists(
    st.fixed_dictionaries({"start": OFFSETS, "end": OFFSETS, "label": LABELS}), max_size=6
)
names = itertools.count()


@pytest.fixture(scope="module")
def shared() -> Iterator[Store]:
    store = open_store("sqlite://", REPO / "labels" / "scheme.toml")
    yield store
    store.close()


def assert_invariants(store: Store) -> None:
    for row in store.list_documents():
        document = store.document(row.id)
        for annotator in store.annotators():
            found = store.find_annotation(row.id, annotator.id)
            for span in found.spans if found else ():
                assert 0 <= span.start < span.end <= len(document.text)
                assert document.tokens.align(span.start, span.end) == (
                    span.token_start,
                    span.token_end,
                )
                covered = document.text[span.start : span.end]
                assert covered == covered.strip()
                assert span.label in SCHEME.names("claim_type")


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=TEXTS,
    spans=SPANS,
    align=st.sampled_from(["strict", "expand", "contract"]),
    as_text_file=st.booleans(),
)
def test_arbitrary_input_never_crashes_or_stores_a_bad_span(
    shared: Store, text: str, spans: list[dict[str, object]], align: str, as_text_file: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if as_text_file:
            path = Path(folder) / f"doc{next(names)}.txt"
            path.write_text(text, encoding="utf-8", newline="")
        else:
            path = Path(folder) / "in.jsonl"
            line = {
                "text": text,
                "meta": {"name": f"doc{next(names)}"},
                "spans": spans,
                "_annotator_id": "prop",
                "answer": "accept",
            }
            path.write_bytes(orjson.dumps(line) + b"\n")
        before = shared.count_documents()
        try:
            import_paths(shared, [path], align=align)  # type: ignore[arg-type]
        except WorkbenchError:
            assert shared.count_documents() == before, "a refused import wrote something"
    assert_invariants(shared)
