"""`check` finds what is wrong with a database; `backup` copies a live one consistently."""

from __future__ import annotations

import random
import sqlite3
import threading
from pathlib import Path

import pytest
from helpers import SMALL_TEXTS

from workbench.errors import DatabaseError
from workbench.store import NewDocument, Store, open_store
from workbench.store.maintenance import backup_database, check_database


def annotate(store: Store) -> int:
    annotation = store.annotation(store.document_by_name("summit"), store.annotator("a").id).id
    store.add_span(annotation, 15, 29, "FACT", topics=["ENERGY"])
    span = store.add_span(annotation, 0, 2, "QUOTE")
    store.relabel_span(annotation, span.id, "OPINION")
    store.set_stance(annotation, "MIXED")
    store.undo(annotation)
    return annotation


def test_a_sound_database_has_no_problems(small_store: Store) -> None:
    annotate(small_store)
    assert check_database(small_store) == []


def test_problems_made_outside_workbench_are_found(sqlite_store: Store, workdir: Path) -> None:
    small_store = sqlite_store
    small_store.add_documents(NewDocument(n, t) for n, t in SMALL_TEXTS.items())
    annotate(small_store)
    with sqlite3.connect(workdir / "test.db") as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("UPDATE span SET start = start + 1 WHERE label = 'FACT'")
        connection.execute("UPDATE span SET label = 'RUMOUR' WHERE label = 'OPINION'")
        connection.execute("UPDATE annotation SET topics = '[\"SPORT\"]'")
        connection.execute(
            'INSERT INTO span (annotation_id, start, "end", token_start, token_end, label,'
            " topics, created_at, updated_at) VALUES (999, 0, 2, 0, 1, 'FACT', '[]', 0, 0)"
        )
    problems = check_database(small_store)
    text = "\n".join(problems)
    assert "1 span without its annotation" in text
    assert "not on token boundaries" in text
    assert "claim type 'RUMOUR' is not in the scheme" in text
    assert "topic 'SPORT' is not in the scheme" in text
    assert "differs from its last logged change" in text


def test_backup_is_a_consistent_copy_and_refuses_to_overwrite(
    sqlite_store: Store, workdir: Path
) -> None:
    small_store = sqlite_store
    small_store.add_documents(NewDocument(n, t) for n, t in SMALL_TEXTS.items())
    annotation = annotate(small_store)
    target = workdir / "copy.db"
    assert backup_database(small_store, target) > 0
    copy = open_store(f"sqlite:///{target}")
    assert len(copy.get_annotation(annotation).spans) == 2
    assert check_database(copy) == []
    copy.close()
    with pytest.raises(DatabaseError, match="already exists"):
        backup_database(small_store, target)
    assert backup_database(small_store, target, overwrite=True) > 0
    with pytest.raises(DatabaseError, match="cannot write there"):
        backup_database(small_store, workdir / "missing" / "copy.db")
    assert sorted(p.name for p in workdir.iterdir() if p.name.startswith(".copy")) == []


def test_backup_while_an_annotator_writes(sqlite_store: Store, workdir: Path) -> None:
    small_store = sqlite_store
    small_store.add_documents(NewDocument(n, t) for n, t in SMALL_TEXTS.items())
    annotation = small_store.annotation(
        small_store.document_by_name("summit"), small_store.annotator("a").id
    ).id
    document = small_store.document(small_store.document_by_name("summit"))
    tokens = document.tokens
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        for token in range(len(tokens)):
            if stop.is_set():
                return
            start, end = tokens.char_span(token, token + 1)
            if document.text[start:end].strip():  # line breaks are tokens too, never spans
                small_store.add_span(annotation, start, end, "FACT")
                written.append(token)

    writer = threading.Thread(target=write)
    writer.start()
    for index in range(3):
        target = workdir / f"live-{index}.db"
        backup_database(small_store, target)
        copy = open_store(f"sqlite:///{target}")
        assert check_database(copy) == []
        copy.close()
    stop.set()
    writer.join()
    assert written and len(small_store.get_annotation(annotation).spans) == len(written)


def test_check_and_backup_commands(sqlite_store: Store, db_url: str, workdir: Path) -> None:
    from typer.testing import CliRunner

    from workbench.cli import app

    small_store = sqlite_store
    small_store.add_documents(NewDocument(n, t) for n, t in SMALL_TEXTS.items())
    annotate(small_store)
    runner = CliRunner()
    ok = runner.invoke(app, ["--db", db_url, "check"])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout == ""
    copy = runner.invoke(app, ["--db", db_url, "backup", str(workdir / "b.db")])
    assert copy.exit_code == 0 and (workdir / "b.db").exists()
    again = runner.invoke(app, ["--db", db_url, "backup", str(workdir / "b.db")])
    assert again.exit_code == 1
    assert again.stderr.startswith("error: ") and "--force" in again.stderr
    with sqlite3.connect(workdir / "test.db") as connection:
        connection.execute("UPDATE span SET label = 'RUMOUR'")
    bad = runner.invoke(app, ["--db", db_url, "check"])
    assert bad.exit_code == 1
    assert "not in the scheme" in bad.stdout
    assert "problems found" in bad.stderr and "Traceback" not in bad.output


def test_check_passes_after_any_undo_and_redo_sequence(small_store: Store) -> None:
    """Label, relabel, resize, then every mix of undo and redo: check stays clean (12.1)."""
    annotation = small_store.annotation(
        small_store.document_by_name("summit"), small_store.annotator("a").id
    ).id
    span = small_store.add_span(annotation, 0, 2, "QUOTE")
    small_store.relabel_span(annotation, span.id, "OPINION")
    small_store.resize_span(annotation, span.id, 15, 29)
    small_store.relabel_span(annotation, span.id, "FACT")
    small_store.add_span(annotation, 0, 2, "QUOTE")
    rng = random.Random(12)
    for _ in range(40):
        done, undone = small_store.history(annotation)
        moves = (["undo"] if done else []) + (["redo"] if undone else [])
        move = rng.choice(moves)
        getattr(small_store, move)(annotation)
        assert check_database(small_store) == [], move
    while small_store.history(annotation)[0]:
        small_store.undo(annotation)
        assert check_database(small_store) == []


def test_check_passes_after_two_undos(small_store: Store) -> None:
    annotation = small_store.annotation(
        small_store.document_by_name("summit"), small_store.annotator("a").id
    ).id
    span = small_store.add_span(annotation, 0, 2, "QUOTE")
    small_store.relabel_span(annotation, span.id, "OPINION")
    small_store.resize_span(annotation, span.id, 15, 29)
    small_store.undo(annotation)
    small_store.undo(annotation)
    assert check_database(small_store) == []
    small_store.redo(annotation)
    assert check_database(small_store) == []


def test_backup_never_writes_onto_the_live_database(sqlite_store: Store, workdir: Path) -> None:
    """By its own path, a relative one, a symbolic link or a hard link, --force or not (12.12)."""
    sqlite_store.add_documents(NewDocument(n, t) for n, t in SMALL_TEXTS.items())
    live = Path(sqlite_store.db.engine.url.database or "")
    before = live.read_bytes()
    (workdir / "link.db").symlink_to(live)
    (workdir / "hard.db").hardlink_to(live)
    relative = Path(live.name) if live.parent == Path.cwd() else live
    for target in (live, relative, workdir / "link.db", workdir / "hard.db"):
        for overwrite in (False, True):
            with pytest.raises(DatabaseError, match="is the live database itself"):
                backup_database(sqlite_store, target, overwrite=overwrite)
    assert live.read_bytes() == before
    assert check_database(sqlite_store) == []
