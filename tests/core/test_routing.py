"""Routing (issue 15.1-3): the policy, the order of ``route next``'s rules, leases that lapse
under a clock the test controls, twenty concurrent ``route next`` processes on each backend,
the annotation session's next document, and a version 4 database gaining the tables."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SMALL_TEXTS, dump
from sqlalchemy import create_engine, text

from workbench import models
from workbench.errors import FieldError, WorkbenchError
from workbench.routing import clear_policy, route_next, routes, set_policy, show_policy
from workbench.session import AnnotationSession
from workbench.store import NewDocument, Store, open_store
from workbench.store.engine import resolve_url

NAMES = ("alice", "bob", "cy")


class Clock:
    """A clock the test moves by hand (Unix seconds)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def routed(store: Store) -> Store:
    """Six documents and three annotators, no policy yet."""
    store.add_documents(NewDocument(f"doc{i}", f"Document number {i} is here.") for i in range(6))
    for name in NAMES:
        store.annotator(name)
    return store


def finish(store: Store, document_id: int, name: str, status: str = "done") -> None:
    store.set_status(store.annotation(document_id, store.annotator(name).id).id, status)


def names_of(store: Store, ids: list[int | None]) -> list[str | None]:
    return [None if i is None else store.document(i).name for i in ids]


def order(store: Store) -> list[int]:
    with store.db.read() as session:
        query = text("SELECT document_id FROM route_document ORDER BY position")
        return [d for (d,) in session.execute(query)]


def holders(store: Store) -> dict[int, set[int]]:
    """Document -> annotators holding a lease on it."""
    found: dict[int, set[int]] = {}
    with store.db.read() as session:
        for document_id, annotator_id in session.execute(
            text("SELECT document_id, annotator_id FROM route_lease")
        ):
            found.setdefault(document_id, set()).add(annotator_id)
    return found


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"per_doc": 0}, "per_doc"),
        ({"per_doc": 2, "calibration": -1}, "calibration"),
        ({"per_doc": 2, "lease": 0}, "lease"),
        ({"per_doc": 2, "lease": float("nan")}, "lease"),
        ({"per_doc": 2, "annotators": ["alice", "no\x1bbody"]}, "annotators"),
        ({"per_doc": 2, "annotators": ["alice", "gold"]}, "annotators"),
        ({"per_doc": 2, "annotators": [" "]}, "annotators"),
        ({"per_doc": 3, "annotators": ["alice", "bob"]}, "per_doc"),
    ],
)
def test_bad_policies_are_refused_and_change_nothing(
    routed: Store, arguments: dict[str, object], field: str
) -> None:
    set_policy(routed, per_doc=1)
    before = dump(routed)
    with pytest.raises(FieldError) as raised:
        set_policy(routed, **arguments)  # type: ignore[arg-type]
    assert raised.value.field == field and "\n" not in str(raised.value)
    assert dump(routed) == before


def test_set_show_and_clear(routed: Store) -> None:
    assert show_policy(routed) == {"policy": None, "queues": []}
    assert not routes(routed, "alice")
    set_policy(routed, per_doc=2, calibration=1, lease=15, annotators=["bob", "alice"], seed=7)
    shown = show_policy(routed)
    assert shown["policy"] == {
        "per_doc": 2, "calibration": 1, "lease_minutes": 15.0, "seed": 7,
        "annotators": ["alice", "bob"],
    }  # fmt: skip
    assert [q["annotator"] for q in shown["queues"]] == ["alice", "bob"]
    assert all(q == {**q, "done": 0, "leased": 0, "to_do": 6} for q in shown["queues"])
    assert routes(routed, "alice") and not routes(routed, "cy") and not routes(routed, "gold")
    route_next(routed, annotator="alice")
    alice = show_policy(routed)["queues"][0]
    assert (alice["leased"], alice["to_do"]) == (1, 5)
    assert clear_policy(routed) and not clear_policy(routed)
    assert show_policy(routed)["policy"] is None and holders(routed) == {}
    with pytest.raises(WorkbenchError, match="no routing policy"):
        route_next(routed, annotator="alice")


def test_the_order_is_seeded_and_stable(routed: Store, tmp_path: Path) -> None:
    set_policy(routed, per_doc=1, seed=3)
    first = names_of(routed, list(order(routed)))
    other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    try:  # the same texts imported in another order, elsewhere: the same order
        other.add_documents(
            NewDocument(f"doc{i}", f"Document number {i} is here.") for i in reversed(range(6))
        )
        set_policy(other, per_doc=1, seed=3)
        assert names_of(other, list(order(other))) == first
        set_policy(other, per_doc=1, seed=4)
        assert names_of(other, list(order(other))) != first
    finally:
        other.close()


def test_calibration_then_at_most_k_per_document(routed: Store) -> None:
    set_policy(routed, per_doc=2, calibration=2)
    calibration = order(routed)[:2]
    clock = Clock()
    for name in NAMES:
        pick = route_next(routed, annotator=name, now=clock)
        assert pick is not None and (pick.document_id, pick.reason) == (
            calibration[0],
            "calibration",
        )
        # Asked again, the same document: it is theirs until they finish it.
        again = route_next(routed, annotator=name, now=clock)
        assert again is not None and (again.document_id, again.reason) == (
            calibration[0], "in progress",
        )  # fmt: skip
    for name in NAMES:
        who = routed.annotator(name)
        for document_id in calibration:
            annotation = routed.annotation(document_id, who.id)
            pick = route_next(routed, annotator=name, now=clock)
            assert pick is not None and pick.document_id == document_id
            routed.set_status(annotation.id, "done")
    given: dict[str, list[int]] = {name: [] for name in NAMES}
    for _ in range(4):  # the pool: 4 documents x 2 annotators = 8 slots among 3 annotators
        for name in NAMES:
            pick = route_next(routed, annotator=name, now=clock)
            if pick is None:
                continue
            assert pick.reason == "pool"
            given[name].append(pick.document_id)
            routed.set_status(
                routed.annotation(pick.document_id, routed.annotator(name).id).id, "done"
            )
    counts = {d: sum(d in docs for docs in given.values()) for d in order(routed)[2:]}
    assert sorted(counts.values()) == [2, 2, 2, 2]
    assert all(len(set(docs)) == len(docs) for docs in given.values())
    assert sum(len(docs) for docs in given.values()) == 8
    assert all(route_next(routed, annotator=name, now=clock) is None for name in NAMES)


def test_own_work_in_progress_comes_first(routed: Store) -> None:
    set_policy(routed, per_doc=1)
    last = order(routed)[-1]
    annotation = routed.annotation(last, routed.annotator("bob").id)
    routed.set_note(annotation.id, "opened by name, begun")  # in progress, no lease
    pick = route_next(routed, annotator="bob")
    assert pick is not None and (pick.document_id, pick.reason) == (last, "in progress")
    # It is taken: nobody else gets it.
    others = [route_next(routed, annotator=name) for name in ("alice", "cy")]
    assert last not in [p.document_id for p in others if p is not None]


def test_a_lease_lapses_after_its_minutes_without_a_change(
    routed: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_policy(routed, per_doc=1, lease=10, annotators=["alice", "bob", "cy"])
    first, second = order(routed)[:2]
    clock = Clock()
    monkeypatch.setattr(models, "now", clock)  # the holder's changes are stamped by it too
    a = route_next(routed, annotator="alice", now=clock)
    b = route_next(routed, annotator="bob", now=clock)
    assert (a and a.document_id, b and b.document_id) == (first, second)
    for _ in range(4):  # the other four documents go to cy
        pick = route_next(routed, annotator="cy", now=clock)
        assert pick is not None
        routed.set_status(routed.annotation(pick.document_id, routed.annotator("cy").id).id, "done")
    clock.now += 5 * 60
    annotation = routed.annotation(first, routed.annotator("alice").id)
    routed.set_stance(annotation.id, "NEUTRAL")  # alice changes something: her lease lives on
    clock.now += 5 * 60 - 1
    assert route_next(routed, annotator="cy", now=clock) is None
    clock.now += 2  # bob's lease is 10 min + 1 s old, untouched: back to the pool
    pick = route_next(routed, annotator="cy", now=clock)
    assert pick is not None and (pick.document_id, pick.reason) == (second, "pool")
    again = route_next(routed, annotator="cy", now=clock)  # cy's now
    assert again is not None and (again.document_id, again.reason) == (second, "in progress")
    clock.now += 5 * 60  # alice's last change is 10 min + 1 s old
    late = route_next(routed, annotator="bob", now=clock)
    assert late is not None and late.document_id == first
    # alice still has her annotation, but the document is bob's now (K = 1).
    assert route_next(routed, annotator="alice", now=clock) is None


def test_active_time_keeps_a_lease_as_a_change_does(
    routed: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reading a long article changes nothing, but the screen counts the time spent on it.
    set_policy(routed, per_doc=1, lease=10, annotators=["alice", "cy"])
    clock = Clock()
    monkeypatch.setattr(models, "now", clock)
    held = route_next(routed, annotator="alice", now=clock)
    assert held is not None
    for _ in range(5):  # the rest go to cy
        pick = route_next(routed, annotator="cy", now=clock)
        assert pick is not None
        routed.set_status(routed.annotation(pick.document_id, routed.annotator("cy").id).id, "done")
    annotation = routed.annotation(held.document_id, routed.annotator("alice").id).id
    with routed.db.write() as session:  # made now by the test's clock (rows stamp the real one)
        session.execute(
            text(f"UPDATE annotation SET updated_at = {clock.now} WHERE id = {annotation}")
        )
    clock.now += 8 * 60
    routed.add_time(annotation, 60.0)
    clock.now += 8 * 60  # 16 min since the lease, 8 since her active time
    assert route_next(routed, annotator="cy", now=clock) is None
    clock.now += 2 * 60 + 1  # 10 min and 1 s since it
    pick = route_next(routed, annotator="cy", now=clock)
    assert pick is not None and (pick.document_id, pick.reason) == (held.document_id, "pool")


def test_skipping_gives_the_document_back_and_done_without_a_lease_counts(routed: Store) -> None:
    set_policy(routed, per_doc=1)
    clock = Clock()
    first, second = order(routed)[:2]
    pick = route_next(routed, annotator="alice", now=clock)
    assert pick is not None and pick.document_id == first
    routed.set_status(routed.annotation(first, routed.annotator("alice").id).id, "skipped")
    bob = route_next(routed, annotator="bob", now=clock)
    assert bob is not None and bob.document_id == second  # alice's lease is not due yet
    finish(routed, second, "bob")
    clock.now += 31 * 60
    cy = route_next(routed, annotator="cy", now=clock)
    assert cy is not None and cy.document_id == first  # skipped: back in the pool
    # cy finishes the third document without asking (opened by name): it counts as taken.
    third = order(routed)[2]
    routed.set_status(routed.annotation(third, routed.annotator("cy").id).id, "done")
    alice = route_next(routed, annotator="alice", now=clock)
    assert alice is not None and alice.document_id == order(routed)[3]


def test_documents_imported_later_join_the_end_of_the_order(routed: Store) -> None:
    set_policy(routed, per_doc=3)
    before = order(routed)
    routed.add_documents([NewDocument("late", "A document imported after the policy.")])
    late = routed.document_by_name("late")
    for _ in range(6):
        pick = route_next(routed, annotator="alice")
        assert pick is not None and pick.document_id != late
        routed.set_status(
            routed.annotation(pick.document_id, routed.annotator("alice").id).id, "done"
        )
    assert order(routed) == [*before, late]
    pick = route_next(routed, annotator="alice")
    assert pick is not None and pick.document_id == late


def test_who_may_ask(routed: Store) -> None:
    set_policy(routed, per_doc=1, annotators=["alice"])
    with pytest.raises(FieldError, match="'bob' is not routed: the policy routes alice"):
        route_next(routed, annotator="bob")
    with pytest.raises(FieldError, match="gold"):
        route_next(routed, annotator="gold")
    set_policy(routed, per_doc=1)
    with pytest.raises(FieldError, match="no annotator named 'nobody'"):
        route_next(routed, annotator="nobody")


def test_the_session_s_next_unfinished_document_follows_the_policy(routed: Store) -> None:
    set_policy(routed, per_doc=1)
    first, second = order(routed)[:2]
    alice = routed.annotator("alice")
    assert route_next(routed, annotator="bob") is not None  # bob holds the first
    session = AnnotationSession(routed, alice, first)
    session.open()
    assert session.next_document(unfinished=True) == second
    assert holders(routed)[second] == {alice.id}
    clear_policy(routed)
    ids = [row.id for row in routed.list_documents(alice.id)]
    here = ids.index(first)
    assert session.next_document(unfinished=True) == ids[(here + 1) % len(ids)]


CONCURRENT = 20
CALLER = """
import os, sys, time
from workbench.cli import main
from workbench.store.leases import HOLDERS, Leaser
go, url, name = sys.argv[1:4]
run = Leaser.run
def slow_run(self, sql, *args, **kwargs):
    result = run(self, sql, *args, **kwargs)
    if sql == HOLDERS:
        time.sleep(0.05)  # between counting a document's holders and leasing it: a race shows
    return result
Leaser.run = slow_run
while not os.path.exists(go):
    time.sleep(0.005)
sys.argv = ["workbench", "--db", url, "route", "next", "--annotator", name, "--json"]
main()
"""
"""One ``workbench route next`` process, started when the file ``go`` appears. It waits 50 ms
between counting a document's holders and leasing it, so that calls overlap: without the
locking, two of them lease one document past K (checked by removing it)."""


@pytest.mark.slow
def test_twenty_concurrent_route_next_never_exceed_k(backend_url: str, tmp_path: Path) -> None:
    store = open_store(backend_url)
    store.add_documents(NewDocument(name, body) for name, body in SMALL_TEXTS.items())
    store.add_documents([NewDocument("fourth", "A fourth document for the pool.")])
    for i in range(CONCURRENT):
        store.annotator(f"a{i:02d}")
    set_policy(store, per_doc=2)
    store.close()
    go = tmp_path / "go"
    callers = [
        subprocess.Popen(
            [sys.executable, "-c", CALLER, str(go), backend_url, f"a{i:02d}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(CONCURRENT)
    ]
    go.touch()  # every caller has imported Workbench by now or soon: they start together
    answers = []
    for caller in callers:
        out, err = caller.communicate(timeout=240)
        assert caller.returncode == 0, err
        answers.append(json.loads(out))
    given = [a["document"] for a in answers if a["document"] is not None]
    assert len(given) == 4 * 2  # every slot taken, none twice
    assert all(given.count(name) == 2 for name in set(given)) and len(set(given)) == 4
    store = open_store(backend_url)
    try:
        assert sorted(len(h) for h in holders(store).values()) == [2, 2, 2, 2]
    finally:
        store.close()


def test_a_version_4_database_gains_the_routing_tables(backend_url: str) -> None:
    store = open_store(backend_url)
    store.add_documents(NewDocument(name, body) for name, body in SMALL_TEXTS.items())
    annotation = store.annotation(store.document_by_name("summit"), store.annotator("ann").id)
    store.add_span(annotation.id, 0, 2, "FACT")
    before = [(name, rows) for name, rows in dump(store) if not name.startswith("route_")]
    store.close()
    engine = create_engine(resolve_url(backend_url))
    try:
        with engine.begin() as connection:
            for table in ("route_lease", "route_document", "route_policy"):
                connection.execute(text(f"DROP TABLE {table}"))
            connection.execute(text("UPDATE meta SET value = '4' WHERE key = 'schema_version'"))
    finally:
        engine.dispose()
    store = open_store(backend_url)
    try:
        after = dump(store)
        assert [(n, r) for n, r in after if not n.startswith("route_")] == before
        assert dict(after)["meta"] and show_policy(store)["policy"] is None
        set_policy(store, per_doc=1)
        assert route_next(store, annotator="ann") is not None
    finally:
        store.close()
