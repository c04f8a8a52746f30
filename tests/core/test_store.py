"""The store: invariants on every change, constraints, listings, versions, SQLite settings."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import SMALL_TEXTS
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from workbench import models
from workbench.errors import DatabaseError, InvariantError, NotFoundError, WorkbenchError
from workbench.store import NewDocument, Store, open_store, resolve_url


def first_annotation(store: Store, name: str = "summit", annotator: str = "alice") -> int:
    return store.annotation(store.document_by_name(name), store.annotator(annotator).id).id


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return list(connection.iterdump())


# -- spans ------------------------------------------------------------------------------------


def test_add_span_stores_token_indices(small_store: Store) -> None:
    annotation = first_annotation(small_store)
    span = small_store.add_span(annotation, 15, 29, "FACT", stance="NEUTRAL", topics=["ENERGY"])
    assert (span.token_start, span.token_end) == (3, 5)  # "Vladimir Putin"
    assert SMALL_TEXTS["summit"][span.start : span.end] == "Vladimir Putin"
    (stored,) = small_store.get_annotation(annotation).spans
    assert stored == span
    assert stored.topics == ("ENERGY",)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (16, 29, "does not start and end on token boundaries"),
        (15, 28, "does not start and end on token boundaries"),
        (-1, 5, "outside the text"),
        (5, 5, "empty or reversed"),
        (10, 4, "empty or reversed"),
        (0, 10_000, "outside the text"),
        (14, 29, "does not start and end on token boundaries"),  # leading space
    ],
)
def test_spans_off_tokens_or_outside_the_text_are_refused(
    small_store: Store, start: int, end: int, message: str
) -> None:
    annotation = first_annotation(small_store)
    with pytest.raises(InvariantError, match=message):
        small_store.add_span(annotation, start, end, "FACT")
    assert small_store.get_annotation(annotation).spans == ()
    assert small_store.history(annotation) == (0, 0)


def test_unknown_labels_are_refused_everywhere(small_store: Store) -> None:
    annotation = first_annotation(small_store)
    with pytest.raises(InvariantError, match="unknown claim_type label 'CLAIM'"):
        small_store.add_span(annotation, 0, 2, "CLAIM")
    with pytest.raises(InvariantError, match="unknown stance label"):
        small_store.add_span(annotation, 0, 2, "FACT", stance="ANGRY")
    with pytest.raises(InvariantError, match="unknown topics label"):
        small_store.add_span(annotation, 0, 2, "FACT", topics=["SPORT"])
    span = small_store.add_span(annotation, 0, 2, "FACT")
    for change in (
        lambda: small_store.relabel_span(annotation, span.id, "SUPPORTIVE"),
        lambda: small_store.set_span_stance(annotation, span.id, "FACT"),
        lambda: small_store.set_span_topics(annotation, span.id, ["FACT"]),
        lambda: small_store.set_stance(annotation, "ENERGY"),
        lambda: small_store.add_topic(annotation, "CRITICAL"),
        lambda: small_store.set_status(annotation, "finished"),
    ):
        with pytest.raises(InvariantError):
            change()
    assert small_store.get_annotation(annotation).spans == (span,)


def test_spans_may_overlap_and_nest_but_not_repeat(small_store: Store) -> None:
    annotation = first_annotation(small_store)
    small_store.add_span(annotation, 0, 40, "FACT")
    small_store.add_span(annotation, 15, 29, "QUOTE")  # nested
    small_store.add_span(annotation, 15, 29, "OPINION")  # same extent, another label
    small_store.add_span(annotation, 30, 66, "STATISTIC")  # overlapping
    with pytest.raises(InvariantError, match="already a FACT span at 0-40"):
        small_store.add_span(annotation, 0, 40, "FACT")
    spans = small_store.get_annotation(annotation).spans
    assert [(s.start, s.end) for s in spans] == [(0, 40), (15, 29), (15, 29), (30, 66)]


def test_relabel_resize_stance_topics_and_delete(small_store: Store) -> None:
    annotation = first_annotation(small_store)
    span = small_store.add_span(annotation, 15, 29, "FACT")
    assert small_store.relabel_span(annotation, span.id, "QUOTE").label == "QUOTE"
    resized = small_store.resize_span(annotation, span.id, 0, 39)
    assert (resized.token_start, resized.token_end) == (0, 7)
    with pytest.raises(InvariantError):
        small_store.resize_span(annotation, span.id, 1, 39)
    assert small_store.set_span_stance(annotation, span.id, "CRITICAL").stance == "CRITICAL"
    assert small_store.set_span_stance(annotation, span.id, None).stance is None
    assert small_store.set_span_topics(annotation, span.id, ["UKRAINE", "ENERGY"]).topics == (
        "ENERGY",
        "UKRAINE",
    )
    assert small_store.toggle_span_topic(annotation, span.id, "ENERGY").topics == ("UKRAINE",)
    small_store.delete_span(annotation, span.id)
    assert small_store.get_annotation(annotation).spans == ()
    with pytest.raises(NotFoundError):
        small_store.delete_span(annotation, span.id)


def test_document_labels_status_note_and_time(small_store: Store) -> None:
    annotation = first_annotation(small_store)
    assert small_store.get_annotation(annotation).status == "todo"
    info = small_store.set_stance(annotation, "SUPPORTIVE")
    assert info.stance == "SUPPORTIVE" and info.status == "in_progress"
    small_store.add_topic(annotation, "ENERGY")
    small_store.add_topic(annotation, "ECONOMY")
    small_store.add_topic(annotation, "ENERGY")
    assert small_store.get_annotation(annotation).topics == ("ECONOMY", "ENERGY")
    assert small_store.remove_topic(annotation, "ENERGY").topics == ("ECONOMY",)
    assert small_store.toggle_topic(annotation, "SECURITY").topics == ("ECONOMY", "SECURITY")
    assert small_store.set_note(annotation, "check the quote").note == "check the quote"
    assert small_store.set_status(annotation, "done").status == "done"
    small_store.add_time(annotation, 12.5)
    small_store.add_time(annotation, 0.5)
    assert small_store.get_annotation(annotation).seconds == pytest.approx(13.0)


def test_setting_todo_by_hand_is_kept(small_store: Store) -> None:
    annotation = first_annotation(small_store)
    small_store.set_status(annotation, "done")
    assert small_store.set_status(annotation, "todo").status == "todo"


def test_an_annotation_cannot_touch_another_annotators_spans(small_store: Store) -> None:
    alice = first_annotation(small_store, annotator="alice")
    bob = first_annotation(small_store, annotator="bob")
    span = small_store.add_span(alice, 0, 2, "FACT")
    changes: tuple[Callable[[], object], ...] = (
        lambda: small_store.relabel_span(bob, span.id, "QUOTE"),
        lambda: small_store.resize_span(bob, span.id, 0, 10),
        lambda: small_store.delete_span(bob, span.id),
        lambda: small_store.set_span_stance(bob, span.id, "MIXED"),
    )
    for change in changes:
        with pytest.raises(NotFoundError):
            change()
    assert small_store.get_annotation(alice).spans == (span,)
    assert small_store.get_annotation(bob).spans == ()


def test_one_annotation_per_document_and_annotator(small_store: Store) -> None:
    document = small_store.document_by_name("summit")
    annotator = small_store.annotator("alice")
    first = small_store.annotation(document, annotator.id)
    assert small_store.annotation(document, annotator.id).id == first.id
    with (
        pytest.raises(IntegrityError),
        Session(small_store.db.engine) as session,
    ):
        session.add(models.Annotation(document_id=document, annotator_id=annotator.id))
        session.commit()


def test_schema_constraints_hold_without_the_store(small_store: Store) -> None:
    annotation = first_annotation(small_store)
    bad_rows = [
        models.Span(
            annotation_id=annotation, start=5, end=5, token_start=0, token_end=1, label="FACT"
        ),
        models.Span(
            annotation_id=annotation, start=0, end=5, token_start=2, token_end=1, label="FACT"
        ),
        models.Span(annotation_id=9999, start=0, end=5, token_start=0, token_end=1, label="FACT"),
    ]
    for row in bad_rows:
        with pytest.raises(IntegrityError), Session(small_store.db.engine) as session:
            session.add(row)
            session.commit()


def test_deleting_a_document_cascades(small_store: Store, db_url: str) -> None:
    annotation = first_annotation(small_store)
    small_store.add_span(annotation, 0, 2, "FACT")
    with small_store.db.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM document WHERE name = 'summit'")
        for table in ("annotation", "span", "event"):
            assert connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 0


# -- documents and listings -----------------------------------------------------------------------


def test_listing_pages_filters_and_reports_status(small_store: Store) -> None:
    alice = small_store.annotator("alice")
    rows = small_store.list_documents(alice.id)
    assert [row.name for row in rows] == ["energy", "sanctions", "summit"]
    assert {row.status for row in rows} == {"todo"}
    annotation = first_annotation(small_store)
    small_store.add_span(annotation, 0, 2, "FACT")
    small_store.add_span(annotation, 15, 29, "QUOTE")
    summit = small_store.list_documents(alice.id, search="summ")
    assert [(r.name, r.status, r.spans) for r in summit] == [("summit", "in_progress", 2)]
    assert [r.name for r in small_store.list_documents(alice.id, offset=1, limit=1)] == [
        "sanctions"
    ]
    bob = small_store.annotator("bob")
    assert {r.spans for r in small_store.list_documents(bob.id)} == {0}  # blind to alice
    assert small_store.count_documents() == 3
    assert small_store.count_documents("S") == 2  # case-insensitive, as in the TUI filter
    assert small_store.count_documents("%") == 0  # LIKE wildcards are escaped


def test_annotator_stats(small_store: Store) -> None:
    done = first_annotation(small_store, "summit")
    small_store.add_span(done, 0, 2, "FACT")
    small_store.set_status(done, "done")
    skipped = first_annotation(small_store, "energy")
    small_store.set_status(skipped, "skipped")
    first_annotation(small_store, "sanctions", annotator="bob")
    stats = {s.name: s for s in small_store.annotator_stats()}
    alice, bob = stats["alice"], stats["bob"]
    assert (alice.done, alice.skipped, alice.in_progress, alice.todo, alice.spans) == (
        1,
        1,
        0,
        1,
        1,
    )
    assert (bob.done, bob.in_progress, bob.todo, bob.spans) == (0, 0, 3, 0)


def test_documents_are_immutable_and_cached(small_store: Store) -> None:
    document = small_store.document(small_store.document_by_name("summit"))
    assert document.text == SMALL_TEXTS["summit"]
    assert document.tokens.words(document.text)[:3] == ["Xi", "Jinping", "met"]
    assert small_store.document(document.id) is document
    with pytest.raises(NotFoundError):
        small_store.document(9999)
    with pytest.raises(NotFoundError, match="workbench docs"):
        small_store.document_by_name("nope")


def test_annotator_names_are_checked(store: Store) -> None:
    with pytest.raises(InvariantError):
        store.annotator("   ")
    with pytest.raises(InvariantError):
        store.annotator("x", role="boss")
    assert store.annotator(" carol ").name == "carol"
    with pytest.raises(NotFoundError):
        store.annotator("dave", create=False)


# -- the database ------------------------------------------------------------------------------


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_store: Store) -> None:
    store = sqlite_store
    with store.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert (connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 5000


def test_url_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKBENCH_DB", raising=False)
    assert resolve_url(None) == "sqlite:///labels/workbench.db"
    assert resolve_url("x/y.db") == "sqlite:///x/y.db"
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("WORKBENCH_DB", "sqlite:///env.db")
    assert resolve_url(None) == "sqlite:///env.db"
    assert resolve_url("given.db") == "sqlite:///given.db"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("x[/]://", "'x[/]://'"),
        ("postgresql://u:secret@h:notaport/db", "u:***@h:notaport/db"),  # no traceback
    ],
)
def test_unusable_urls_are_named_with_the_password_hidden(url: str, shown: str) -> None:
    with pytest.raises(DatabaseError, match="invalid database URL") as raised:
        open_store(url)
    assert shown in str(raised.value) and "secret" not in str(raised.value)


def test_newer_schema_version_is_refused(db_url: str, workdir: Path) -> None:
    open_store(db_url).close()
    with sqlite3.connect(workdir / "test.db") as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    before = dump(workdir / "test.db")
    with pytest.raises(DatabaseError, match=r"newer Workbench \(schema version 99"):
        open_store(db_url)
    assert dump(workdir / "test.db") == before


def test_older_schema_without_migration_is_refused(db_url: str, workdir: Path) -> None:
    open_store(db_url).close()
    with sqlite3.connect(workdir / "test.db") as connection:
        connection.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(DatabaseError, match="schema version 0 is older"):
        open_store(db_url)


def test_foreign_and_corrupt_databases_are_refused(workdir: Path) -> None:
    foreign = workdir / "other.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(DatabaseError, match="not a Workbench database"):
        open_store(f"sqlite:///{foreign}")
    corrupt = workdir / "corrupt.db"
    corrupt.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(DatabaseError, match="corrupt"):
        open_store(f"sqlite:///{corrupt}")
    assert corrupt.read_bytes() == bytes(range(256)) * 64
    with pytest.raises(DatabaseError, match="is a folder"):
        open_store(f"sqlite:///{workdir}")


def test_every_store_error_is_a_workbench_error(small_store: Store) -> None:
    annotation = first_annotation(small_store)
    with pytest.raises(WorkbenchError):
        small_store.get_annotation(9999)
    with pytest.raises(WorkbenchError):
        small_store.set_note(9999, "x")
    with pytest.raises(WorkbenchError):
        small_store.annotation(9999, small_store.annotator("alice").id)
    assert small_store.get_annotation(annotation).note == ""


def test_two_stores_on_one_file_see_each_others_changes(db_url: str) -> None:
    first = open_store(db_url)
    first.add_documents([NewDocument("d", "One two three.")])
    second = open_store(db_url)
    annotation = first.annotation(first.document_by_name("d"), first.annotator("a").id)
    first.add_span(annotation.id, 0, 3, "FACT")
    assert len(second.get_annotation(annotation.id).spans) == 1
    with second.db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    first.close()
    second.close()
