"""Schema migrations: a version 1 database gets sentences that start at line breaks."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from helpers import SEEDS, SMALL_TEXTS
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workbench import models
from workbench.importer import import_paths
from workbench.nlp import Tokenization, pipeline, tokenize
from workbench.store import NewDocument, open_store
from workbench.store import engine as engine_module
from workbench.store.engine import resolve_url

EXTRA = {
    "one-line": "No line break here. Nothing changes.",
    "wrapped": "A paragraph wrapped\nby hand stays one sentence.",
    "heading": "A heading\n\nA paragraph under it.",
}


def rows(url: str) -> dict[str, dict[str, Any]]:
    """Every document row by name, as stored."""
    engine = create_engine(resolve_url(url))
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT name, text, n_tokens, n_sents, tok_starts, tok_ends, tok_spaces,"
                    " sent_starts FROM document"
                )
            )
            return {row.name: dict(row._mapping) for row in found}
    finally:
        engine.dispose()


def make_version_1(url: str) -> None:
    """Put the database back as version 1 wrote it: the sentencizer's sentences only."""
    stored = rows(url)
    engine = create_engine(resolve_url(url))
    try:
        with engine.begin() as connection:
            for name, row in stored.items():
                old = Tokenization.from_doc(pipeline()(row["text"])).to_columns()["sent_starts"]
                connection.execute(
                    text("UPDATE document SET sent_starts = :s, n_sents = :n WHERE name = :name"),
                    {"s": old, "n": len(old) // 4, "name": name},
                )
            connection.execute(text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
    finally:
        engine.dispose()


def schema_version(url: str) -> str:
    engine = create_engine(resolve_url(url))
    try:
        with engine.connect() as connection:
            query = text("SELECT value FROM meta WHERE key = 'schema_version'")
            return str(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def test_version_1_gets_line_break_sentences(
    backend_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(backend_url)
    import_paths(store, [SEEDS])
    store.add_documents(NewDocument(name, body) for name, body in {**SMALL_TEXTS, **EXTRA}.items())
    store.close()
    current = rows(backend_url)
    make_version_1(backend_url)
    old = rows(backend_url)
    assert old["heading"]["sent_starts"] != current["heading"]["sent_starts"]

    # Small batches, so that several are read and written.
    monkeypatch.setattr(engine_module, "MIGRATION_BATCH_DOCUMENTS", 3)
    monkeypatch.setattr(engine_module, "MIGRATION_BATCH_CHARS", 10_000)
    open_store(backend_url).close()

    assert schema_version(backend_url) == str(models.SCHEMA_VERSION)
    migrated = rows(backend_url)
    assert migrated == current
    for name, row in migrated.items():
        tokens = tokenize(row["text"])
        assert row["sent_starts"] == tokens.to_columns()["sent_starts"], name
        assert row["n_sents"] == len(tokens.sent_starts), name
        for column in ("tok_starts", "tok_ends", "tok_spaces", "n_tokens"):
            assert row[column] == old[name][column], (name, column)
    assert migrated["one-line"] == old["one-line"]
    seed_002 = next(row for name, row in migrated.items() if name.startswith("002_"))
    assert (
        seed_002["n_sents"]
        > next(row for name, row in old.items() if name.startswith("002_"))["n_sents"]
    )


def test_batches_cover_every_document_once(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(db_url)
    store.add_documents(NewDocument(f"doc{i}", f"Heading {i}\n\n" + "x " * i) for i in range(1, 12))
    monkeypatch.setattr(engine_module, "MIGRATION_BATCH_DOCUMENTS", 4)
    monkeypatch.setattr(engine_module, "MIGRATION_BATCH_CHARS", 30)
    with store.db.read() as session:
        batches = list(engine_module._document_batches(session))
        ids = [row.id for row in store.list_documents()]
    store.close()
    covered = [i for first, last in batches for i in ids if first <= i <= last]
    assert sorted(covered) == sorted(ids)
    # A document longer than a batch's characters is a batch of its own, never skipped.
    assert all(last >= first for first, last in batches) and len(batches) >= 3


def test_a_version_1_database_that_may_only_be_read_still_opens(db_url: str, workdir: Path) -> None:
    store = open_store(db_url)
    store.add_documents(NewDocument(name, body) for name, body in EXTRA.items())
    store.close()
    make_version_1(db_url)
    old = rows(db_url)
    read_only = f"sqlite:///file:{workdir / 'test.db'}?mode=ro&uri=true"
    store = open_store(read_only)
    try:
        heading = store.document_by_name("heading")
        assert store.document(heading).text == EXTRA["heading"]
    finally:
        store.close()
    assert rows(db_url) == old and schema_version(db_url) == "1"
    open_store(db_url).close()  # whoever may write upgrades it
    assert schema_version(db_url) == str(models.SCHEMA_VERSION) and rows(db_url) != old


def test_an_annotator_role_that_may_only_read_documents_still_opens(backend_url: str) -> None:
    if not backend_url.startswith("postgresql"):
        pytest.skip("roles are PostgreSQL's")
    store = open_store(backend_url)
    store.add_documents(NewDocument(name, body) for name, body in EXTRA.items())
    store.close()
    make_version_1(backend_url)
    role = f"reader_{uuid.uuid4().hex[:8]}"
    engine = create_engine(resolve_url(backend_url))
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'pw'"))
            connection.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
        url = make_url(resolve_url(backend_url)).set(username=role, password="pw")
        store = open_store(url.render_as_string(hide_password=False))
        try:
            assert store.document(store.document_by_name("heading")).text == EXTRA["heading"]
        finally:
            store.close()
        assert schema_version(backend_url) == "1"
        with engine.begin() as connection:
            connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
            connection.execute(text(f"DROP ROLE {role}"))
    finally:
        engine.dispose()


def make_version_2(url: str) -> None:
    """Put the database back as version 2 wrote it: no suggestion tables."""
    engine = create_engine(resolve_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE decision"))
            connection.execute(text("DROP TABLE suggestion"))
            connection.execute(text("UPDATE meta SET value = '2' WHERE key = 'schema_version'"))
    finally:
        engine.dispose()


def test_version_2_gets_the_suggestion_tables(backend_url: str) -> None:
    store = open_store(backend_url)
    store.add_documents(NewDocument(name, body) for name, body in EXTRA.items())
    store.close()
    make_version_2(backend_url)
    before = rows(backend_url)
    open_store(backend_url).close()
    assert schema_version(backend_url) == str(models.SCHEMA_VERSION)
    assert rows(backend_url) == before
    engine = create_engine(resolve_url(backend_url))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM suggestion")).scalar() == 0
    finally:
        engine.dispose()


def test_a_version_2_database_that_may_only_be_read_still_opens(db_url: str, workdir: Path) -> None:
    store = open_store(db_url)
    store.add_documents(NewDocument(name, body) for name, body in EXTRA.items())
    store.close()
    make_version_2(db_url)
    store = open_store(f"sqlite:///file:{workdir / 'test.db'}?mode=ro&uri=true")
    try:
        assert store.document(store.document_by_name("heading")).text == EXTRA["heading"]
    finally:
        store.close()
    assert schema_version(db_url) == "2"
