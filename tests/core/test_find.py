"""``workbench find`` (issue 15.7): every match in the corpus with the spans over it, blind for
annotators; the document list's filter by content."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from cli_helpers import assert_user_error, invoke

from workbench.errors import FieldError
from workbench.find import content_query, documents_containing, find_matches, snippet
from workbench.store import NewDocument, Store, open_store


def labelled(store: Store) -> None:
    """alice marks "Trade rose 26%" in summit, bob marks "the trade" in sanctions."""
    summit = store.document_by_name("summit")
    text = store.document(summit).text
    alice = store.annotation(summit, store.annotator("alice").id)
    start = text.index("Trade rose 26%")
    store.add_span(alice.id, start, start + len("Trade rose 26%"), "STATISTIC")
    sanctions = store.document_by_name("sanctions")
    text = store.document(sanctions).text
    bob = store.annotation(sanctions, store.annotator("bob").id)
    start = text.index("the trade")
    store.add_span(bob.id, start, start + len("the trade"), "FACT", stance="CRITICAL")
    store.annotator("rita", "reviewer")


def test_every_match_in_any_case_with_offsets_snippets_and_spans(small_store: Store) -> None:
    labelled(small_store)
    found = list(find_matches(small_store, text="TRADE"))
    assert [(f.document, f.text) for f in found] == [("summit", "Trade"), ("sanctions", "trade")]
    for match in found:
        body = small_store.document(small_store.document_by_name(match.document)).text
        assert body[match.start : match.end] == match.text
        assert match.text in match.snippet and "\n" not in match.snippet
    assert [(s.annotator, s.label) for s in found[0].spans] == [("alice", "STATISTIC")]
    assert [(s.annotator, s.stance) for s in found[1].spans] == [("bob", "CRITICAL")]


def test_an_annotator_sees_only_their_own_spans_and_a_reviewer_sees_all(
    small_store: Store,
) -> None:
    labelled(small_store)
    spans = {
        who: [s.annotator for f in find_matches(small_store, text="trade", annotator=who)
              for s in f.spans]
        for who in ("alice", "bob", "rita")
    }  # fmt: skip
    assert spans == {"alice": ["alice"], "bob": ["bob"], "rita": ["alice", "bob"]}


def test_label_keeps_the_matches_a_span_of_it_covers(small_store: Store) -> None:
    labelled(small_store)
    found = list(find_matches(small_store, text="trade", label="FACT"))
    assert [f.document for f in found] == ["sanctions"]
    with pytest.raises(FieldError, match="label 'NOPE' is no claim type"):
        list(find_matches(small_store, text="trade", label="NOPE"))


def test_regex_is_case_sensitive_and_skips_empty_matches(small_store: Store) -> None:
    found = list(find_matches(small_store, text=r"P\w+n", regex=True))
    assert sorted({f.text for f in found}) == ["Putin"]
    assert list(find_matches(small_store, text="#*", regex=True)) == []
    with pytest.raises(FieldError, match="is not a regular expression"):
        list(find_matches(small_store, text="(", regex=True))


def test_snippet_is_one_line_with_ellipses() -> None:
    text = "a" * 50 + "\nneedle\n" + "b" * 50
    start = text.index("needle")
    line = snippet(text, start, start + 6, context=5)
    assert line.startswith("…") and line.endswith("…") and "\n" not in line


def test_document_list_filters_by_content(small_store: Store) -> None:
    assert content_query("/pipeline ") == "pipeline"
    assert content_query("summit") is None
    ids = documents_containing(small_store, "PIPELINE")
    assert ids == [small_store.document_by_name("energy")]
    assert documents_containing(small_store, "100%_") == []  # % and _ are not wildcards
    # The list's page and count, filtered in the database (not every row read and sifted).
    rows = small_store.list_documents(small_store.annotator("kim").id, containing="PIPELINE")
    assert [row.name for row in rows] == ["energy"]
    assert small_store.count_documents(containing="PIPELINE") == 1
    assert small_store.count_documents(containing="100%_") == 0
    assert small_store.list_documents(containing="e", search="sanc")[0].name == "sanctions"


def test_find_on_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    store = open_store(url)
    store.add_documents([NewDocument("one", "Gas flows east.\nGas prices fall.")])
    store.close()
    env = {"WORKBENCH_DB": url}
    result = invoke("find", "gas", env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("one:0-3  Gas flows east.")
    assert "2 matches in 1 document" in result.stderr
    result = invoke("find", "gas", "--json", env=env)
    assert [m["start"] for m in orjson.loads(result.stdout)] == [0, 16]
    assert_user_error(invoke("find", "(", "--regex", env=env), "is not a regular expression")
    assert_user_error(invoke("find", "gas", "--annotator", "nobody", env=env), "nobody")
