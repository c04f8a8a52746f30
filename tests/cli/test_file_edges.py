"""Files at the edges of import: FIFOs, odd names, deep JSON, huge sparse files (issue 12)."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
from cli_helpers import assert_user_error, invoke
from helpers import SMALL_TEXTS, dump

from workbench.store import NewDocument, open_store


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'work.db'}"
    store = open_store(url)
    store.add_documents(NewDocument(name, text) for name, text in SMALL_TEXTS.items())
    store.close()
    return url


def refused(db: str, *args: str, expect: str) -> None:
    store = open_store(db)
    before = dump(store)
    store.close()
    lines = assert_user_error(invoke("--db", db, "import", *args), expect)
    assert len(lines) == 1, lines
    store = open_store(db)
    assert dump(store) == before
    store.close()


def test_a_fifo_is_refused_never_opened(db: str, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    refused(db, str(fifo), expect="a FIFO, not a regular file")


def test_a_fifo_in_a_folder_is_refused(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Some text.")
    os.mkfifo(folder / "b.txt")
    refused(db, str(folder), expect="b.txt: a FIFO")


def test_a_fifo_named_jsonl_is_refused(db: str, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    refused(db, str(fifo), expect="a FIFO")


def test_a_sparse_huge_file_is_refused_by_its_size(db: str, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(3_000_000_000)
    refused(db, str(big), expect="3000.0 MB is more than one document may hold")


def test_meta_nested_a_thousand_levels_is_refused_with_its_line(db: str, tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    meta = "[" * 1000 + "]" * 1000
    good = orjson.dumps({"text": "Fine text."}).decode()
    path.write_text(good + "\n" + '{"text": "Some text.", "meta": {"x": ' + meta + "}}\n")
    refused(db, str(path), expect="deep.jsonl:2: nested more than 64 levels")


def test_a_file_name_that_is_not_utf8_is_imported_with_an_escaped_name(
    db: str, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text("Some text here.")
    result = invoke("--db", db, "import", str(folder))
    assert result.exit_code == 0, result.output
    store = open_store(db)
    assert store.document_by_name("caf\\xe9") > 0
    store.close()
