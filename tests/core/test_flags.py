"""Flags (issue 15.6): an annotator flags a document for the reviewer with a reason; each
change is saved with its event and undone by ``u``; annotators see only their own flags; the
review order puts flagged documents first; a version 3 database gains the flag table."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from helpers import SMALL_TEXTS
from sqlalchemy import create_engine, text
from sqlmodel import col, select

from workbench import models
from workbench.errors import InvariantError, UndoError
from workbench.report import status_data
from workbench.review import flag_notes, flagged_first
from workbench.store import NewDocument, Store, open_store
from workbench.store.engine import resolve_url


@pytest.fixture
def summit(store: Store) -> int:
    store.add_documents(NewDocument(name, body) for name, body in SMALL_TEXTS.items())
    return store.document_by_name("summit")


def events(store: Store, annotation_id: int) -> list[tuple[str, str, str | None, str | None]]:
    with store.db.read() as session:
        rows = session.exec(
            select(models.Event)
            .where(col(models.Event.annotation_id) == annotation_id)
            .where(col(models.Event.entity) == "flag")
            .order_by(col(models.Event.id))
        ).all()
    return [(e.action, e.state, e.before, e.after) for e in rows]


def reasons(store: Store) -> list[tuple[str, str, str]]:
    return [(f.document, f.annotator, f.reason) for f in store.flags()]


def test_flag_change_and_remove_are_saved_logged_and_undone(store: Store, summit: int) -> None:
    alice = store.annotator("alice")
    annotation = store.annotation(summit, alice.id)
    flag = store.flag_document(annotation.id, "  is the quote Putin's?  ")
    assert (flag.document, flag.annotator, flag.reason) == (
        "summit",
        "alice",
        "is the quote Putin's?",
    )
    assert reasons(store) == [("summit", "alice", "is the quote Putin's?")]
    # Flagging is not labelling: the document stays todo.
    assert store.get_annotation(annotation.id).status == "todo"

    store.flag_document(annotation.id, "two stances")
    assert reasons(store) == [("summit", "alice", "two stances")]
    assert store.unflag_document(annotation.id) is not None
    assert store.flags() == []
    assert store.unflag_document(annotation.id) is None  # nothing to remove: no event

    logged = events(store, annotation.id)
    assert [action for action, *_ in logged] == ["flag.set", "flag.change", "flag.remove"]
    assert orjson.loads(logged[1][2] or "null")["reason"] == "is the quote Putin's?"
    assert logged[2][3] is None

    assert store.undo(annotation.id).description == "undo removing the flag"
    assert reasons(store) == [("summit", "alice", "two stances")]
    assert store.undo(annotation.id).description == "undo the flag's new reason"
    assert reasons(store) == [("summit", "alice", "is the quote Putin's?")]
    assert store.undo(annotation.id).description == "undo the flag"
    assert store.flags() == []
    with pytest.raises(UndoError):
        store.undo(annotation.id)
    assert store.redo(annotation.id).description == "redo the flag"
    assert reasons(store) == [("summit", "alice", "is the quote Putin's?")]


def test_the_same_reason_again_changes_nothing(store: Store, summit: int) -> None:
    annotation = store.annotation(summit, store.annotator("alice").id)
    first = store.flag_document(annotation.id, "unclear")
    again = store.flag_document(annotation.id, "unclear ")
    assert again == first
    assert len(events(store, annotation.id)) == 1


@pytest.mark.parametrize(
    ("reason", "problem"),
    [
        ("", "needs a reason"),
        ("   ", "needs a reason"),
        ("x" * (models.MAX_FLAG_REASON_LENGTH + 1), "at most"),
        ("two\nlines", "control character"),
        ("esc \x1b[31m", "control character"),
        ("nul \x00", "control character"),
    ],
)
def test_a_bad_reason_is_refused_and_nothing_is_written(
    store: Store, summit: int, reason: str, problem: str
) -> None:
    annotation = store.annotation(summit, store.annotator("alice").id)
    with pytest.raises(InvariantError, match=problem):
        store.flag_document(annotation.id, reason)
    assert store.flags() == []
    assert events(store, annotation.id) == []


def test_an_undo_refuses_a_flag_changed_elsewhere(store: Store, summit: int) -> None:
    annotation = store.annotation(summit, store.annotator("alice").id)
    store.flag_document(annotation.id, "first")
    with store.db.write() as session:  # another process of alice's changed it behind our back
        row = session.exec(select(models.Flag)).one()
        row.reason = "changed"
        session.add(row)
    with pytest.raises(UndoError, match="flag was changed elsewhere"):
        store.undo(annotation.id)
    assert reasons(store) == [("summit", "alice", "changed")]


def test_annotators_see_only_their_own_flag_and_reviewers_see_all(
    store: Store, summit: int
) -> None:
    energy = store.document_by_name("energy")
    alice, bob = store.annotator("alice"), store.annotator("bob")
    alice_summit = store.annotation(summit, alice.id)
    bob_summit = store.annotation(summit, bob.id)
    bob_energy = store.annotation(energy, bob.id)
    store.flag_document(alice_summit.id, "alice's reason")
    store.flag_document(bob_energy.id, "bob's reason")
    own = store.flag_of(alice_summit.id)
    assert own is not None and own.reason == "alice's reason"
    assert store.flag_of(bob_summit.id) is None  # alice flagged summit; bob did not
    assert [f.reason for f in store.flags(annotator_id=bob.id)] == ["bob's reason"]
    assert [f.reason for f in store.flags(document_id=summit)] == ["alice's reason"]
    assert reasons(store) == [
        ("summit", "alice", "alice's reason"),
        ("energy", "bob", "bob's reason"),
    ]
    assert store.flagged_count() == 2
    store.flag_document(bob_summit.id, "and bob's")
    assert store.flagged_count() == 2  # documents, not flags
    assert status_data(store)["flagged"] == 2
    # Undo of one annotator's flag never touches another's.
    store.undo(bob_summit.id)
    assert [f.annotator for f in store.flags(document_id=summit)] == ["alice"]


def test_the_review_order_puts_flagged_documents_first(store: Store, summit: int) -> None:
    energy = store.document_by_name("energy")
    sanctions = store.document_by_name("sanctions")
    alice, bob = store.annotator("alice"), store.annotator("bob")
    store.flag_document(store.annotation(sanctions, alice.id).id, "not about China")
    store.flag_document(store.annotation(energy, bob.id).id, "which pipeline?")
    store.flag_document(store.annotation(sanctions, bob.id).id, "off topic")
    flags = store.flags()
    # sanctions is in no queue (nobody marked it done) and still comes first.
    assert flagged_first(["summit", "energy"], flags) == ["sanctions", "energy", "summit"]
    assert flagged_first(["summit", "energy"], []) == ["summit", "energy"]
    assert flag_notes(flags) == {
        "sanctions": "alice: not about China; bob: off topic",
        "energy": "bob: which pipeline?",
    }


def test_a_deleted_annotator_takes_their_flags(store: Store, summit: int) -> None:
    """The flag's foreign keys cascade like the annotation's (``workbench check`` finds no
    orphans)."""
    alice = store.annotator("alice")
    store.flag_document(store.annotation(summit, alice.id).id, "why")
    with store.db.write() as session:
        session.delete(session.get(models.Annotator, alice.id))
    assert store.flags() == []


def test_a_version_3_database_gains_the_flag_table_and_keeps_its_data(backend_url: str) -> None:
    store = open_store(backend_url)
    store.add_documents(NewDocument(name, body) for name, body in SMALL_TEXTS.items())
    annotation = store.annotation(store.document_by_name("summit"), store.annotator("alice").id)
    store.add_span(annotation.id, 0, 2, "FACT")
    store.close()
    engine = create_engine(resolve_url(backend_url))
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE flag"))
            connection.execute(text("UPDATE meta SET value = '3' WHERE key = 'schema_version'"))
    finally:
        engine.dispose()
    store = open_store(backend_url)
    try:
        with store.db.read() as session:
            version = session.get(models.Meta, "schema_version")
        assert version is not None and version.value == str(models.SCHEMA_VERSION)
        kept = store.find_annotation(store.document_by_name("summit"), store.annotator("alice").id)
        assert kept is not None and [(s.start, s.end) for s in kept.spans] == [(0, 2)]
        assert store.flags() == []
        store.flag_document(kept.id, "works after the upgrade")
        assert reasons(store) == [("summit", "alice", "works after the upgrade")]
    finally:
        store.close()


def test_a_version_3_database_that_may_only_be_read_opens_with_no_flags(
    db_url: str, workdir: Path
) -> None:
    store = open_store(db_url)
    store.add_documents(NewDocument(name, body) for name, body in SMALL_TEXTS.items())
    store.close()
    engine = create_engine(resolve_url(db_url))
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE flag"))
            connection.execute(text("UPDATE meta SET value = '3' WHERE key = 'schema_version'"))
    finally:
        engine.dispose()
    store = open_store(f"sqlite:///file:{workdir / 'test.db'}?mode=ro&uri=true")
    try:
        assert status_data(store)["flagged"] == 0
        assert store.flags() == []
    finally:
        store.close()
