"""What an import refuses in its first pass: document names the store cannot hold or a
terminal would act on, labels for the reserved annotator from inside a file, JSON objects
that give a key twice (issue 12.8, 12.10, 12.11)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import dump
from test_formats_prodigy_doccano import SENTENCE, annotation, write_jsonl

from workbench.errors import ImportFormatError
from workbench.importer import import_paths
from workbench.models import MAX_DOCUMENT_NAME_LENGTH, document_name_problem
from workbench.store import Store


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("red\x1b[31malert", "control character '\\x1b'"),
        ("with\x00nul", "control character '\\x00'"),
        ("two\nlines", "control character '\\n'"),
        ("tab\there", "control character '\\t'"),
        ("evil\u202etxt.exe", "control character '\\u202e'"),
        ("x" * (MAX_DOCUMENT_NAME_LENGTH + 1), "at most 512"),
    ],
)
def test_a_document_name_a_terminal_would_act_on_is_refused(
    store: Store, workdir: Path, name: str, problem: str
) -> None:
    path = write_jsonl(workdir / "named.jsonl", {"text": SENTENCE, "meta": {"name": name}})
    before = dump(store)
    with pytest.raises(ImportFormatError) as caught:
        import_paths(store, [path])
    message = str(caught.value)
    assert message.startswith(f"{path}:1: the document name ")
    assert problem in message and message.endswith("nothing was imported")
    assert message.isprintable()  # the name is shown escaped, never raw
    assert dump(store) == before


def test_names_of_any_printable_text_are_kept(store: Store, workdir: Path) -> None:
    names = ["Café\u00a0au lait", "x" * MAX_DOCUMENT_NAME_LENGTH, "日本語の記事", "a/b, c"]
    lines = [{"text": f"{SENTENCE} {n}", "meta": {"name": name}} for n, name in enumerate(names)]
    import_paths(store, [write_jsonl(workdir / "ok.jsonl", *lines)])
    for name in names:
        assert document_name_problem(name) is None
        store.document_by_name(name)


def test_a_long_shared_name_stays_within_the_limit_when_its_hash_is_added(
    store: Store, workdir: Path
) -> None:
    name = "y" * MAX_DOCUMENT_NAME_LENGTH
    path = write_jsonl(
        workdir / "long.jsonl",
        {"text": SENTENCE, "meta": {"name": name}},
        {"text": "Another text entirely.", "meta": {"name": name}},
    )
    summary = import_paths(store, [path])
    ((given, stored),) = summary.renamed
    assert given == name and len(stored) == MAX_DOCUMENT_NAME_LENGTH
    store.document_by_name(stored)


def test_a_text_file_whose_name_holds_escape_is_refused_and_shown_escaped(
    store: Store, workdir: Path
) -> None:
    path = workdir / "bad\x1b]0;owned\x07.txt"
    path.write_text(SENTENCE, encoding="utf-8")
    with pytest.raises(ImportFormatError) as caught:
        import_paths(store, [path])
    message = str(caught.value)
    assert "\x1b" not in message and "\\x1b" in message
    assert "control character" in message
    assert store.count_documents() == 0


def test_gold_is_written_only_when_named_on_the_command_line(store: Store, workdir: Path) -> None:
    line = {"text": SENTENCE, "stance": "CRITICAL", "answer": "accept", "_annotator_id": "gold"}
    path = write_jsonl(workdir / "gold.jsonl", line)
    with pytest.raises(ImportFormatError, match=r"reserved for the reviewed set.*--annotator gold"):
        import_paths(store, [path])
    assert store.count_documents() == 0
    import_paths(store, [path], annotator="gold")
    assert annotation(store, "gold-000001", "gold").stance == "CRITICAL"


def test_a_file_that_says_gold_under_another_annotator_is_imported_as_that_annotator(
    store: Store, workdir: Path
) -> None:
    line = {"text": SENTENCE, "stance": "CRITICAL", "answer": "accept", "_annotator_id": "gold"}
    import_paths(store, [write_jsonl(workdir / "g.jsonl", line)], annotator="kim")
    assert annotation(store, "g-000001", "kim").stance == "CRITICAL"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ('{"text": "A text.", "text": "Another text."}', "text"),
        ('{"text": "A text.", "meta": {"name": "a", "name": "b"}}', "name"),
        ('{"text": "A text.", "spans": [{"start": 0, "end": 1, "label": "F", "end" : 6}]}', "end"),
    ],
)
def test_a_key_given_twice_is_an_error_naming_it_and_the_line(
    store: Store, workdir: Path, raw: str, key: str
) -> None:
    path = write_jsonl(workdir / "twice.jsonl", {"text": SENTENCE}, raw)
    with pytest.raises(ImportFormatError) as caught:
        import_paths(store, [path])
    assert str(caught.value).startswith(f"{path}:2: the key {key!r} appears twice")
    assert store.count_documents() == 0


def test_a_colon_after_a_quote_inside_a_string_is_no_duplicate(store: Store, workdir: Path) -> None:
    raw = '{"text": "He said \\"no\\": twice \\"no\\" : again.", "meta": {"note": "\\":"}}'
    import_paths(store, [write_jsonl(workdir / "quoted.jsonl", raw)])
    assert store.count_documents() == 1
