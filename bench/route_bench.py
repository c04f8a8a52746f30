"""Routing at scale: ``route next`` against the bare SQL that picks and leases the same document."""

# How it runs: a SQLite database is filled with bulk inserts (short synthetic texts, no spaCy):
# N documents, 50 annotators, a policy of 2 annotators per document and 20 calibration
# documents. Mid-project: every annotator has done the calibration set, the first 40% of the
# pool is done by two annotators (through leases, as route next gives them), the next 10% by
# one. The file is then copied, and the same sequence of calls runs on both copies, alternating:
# ours is ``workbench.routing.route_next`` in this process (the policy read, new documents
# placed, the lease sweep, the annotator's own documents, the calibration set, the pool pick,
# the exact count and the lease, one BEGIN IMMEDIATE transaction through SQLAlchemy); the bare
# baseline is the same pick and lease in Python's sqlite3 with nothing around it (BEGIN
# IMMEDIATE, the pick SELECT, the INSERT and UPDATE, COMMIT). After each call the annotator's
# annotation of the picked document is marked done (not timed), so the next call picks anew;
# every call must pick the same document on both copies. Then ``route show`` (every queue) once.
# ``route_next_ratio`` = median ours / median bare (issue 15: at most 2);
# ``route_next_ms_median`` at most 20 ms.

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, text

from workbench import models
from workbench.nlp import Tokenization
from workbench.routing import route_next, set_policy, show_policy
from workbench.store import Store, open_store, text_hash

FULL_N = 100_000
QUICK_N = 2_000
ANNOTATORS = 50
PER_DOC = 2
CALIBRATION = 20
FULL_CALLS = 400
QUICK_CALLS = 60
TARGET_MS = 20.0
TARGET_RATIO = 2.0
BATCH = 20_000

PICK = (
    "SELECT document_id, position FROM route_document"
    " WHERE filled = 0 AND position >= ?"
    " AND NOT EXISTS (SELECT 1 FROM route_lease l WHERE l.document_id ="
    " route_document.document_id AND l.annotator_id = ?)"
    " AND NOT EXISTS (SELECT 1 FROM annotation a WHERE a.document_id ="
    " route_document.document_id AND a.annotator_id = ? AND a.status IN ('done', 'skipped'))"
    " ORDER BY position LIMIT 1"
)


def document_row(number: int, stamp: float) -> dict[str, Any]:
    """A short synthetic document, tokenized on spaces."""
    words = [f"Document{number:06d}", "says", "trade", "rose", "again."]
    lengths = np.array([len(w) for w in words], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    spaces = np.ones(len(words), dtype=np.bool_)
    spaces[-1] = False
    tokens = Tokenization(starts, starts + lengths, spaces, np.array([0], dtype=np.int64))
    body = " ".join(words)
    return {
        "id": number,
        "name": f"doc{number:06d}",
        "text": body,
        "hash": text_hash(body),
        "meta": "{}",
        "n_chars": len(body),
        "n_tokens": len(words),
        "n_sents": 1,
        "created_at": stamp,
        **tokens.to_columns(),
    }


def build(store: Store, n: int) -> list[str]:
    """The documents, annotators, policy and mid-project state; the annotators' names."""
    stamp = models.now()
    with store.db.write() as session:
        for first in range(1, n + 1, BATCH):
            rows = [document_row(i, stamp) for i in range(first, min(n, first + BATCH - 1) + 1)]
            session.execute(insert(models.Document), rows)
    names = [f"annotator{i:02d}" for i in range(ANNOTATORS)]
    ids = [store.annotator(name).id for name in names]
    set_policy(store, per_doc=PER_DOC, calibration=CALIBRATION)
    with store.db.read() as session:
        order = [
            d
            for (d,) in session.execute(
                text("SELECT document_id FROM route_document ORDER BY position")
            )
        ]
    annotations: list[dict[str, Any]] = []
    leases: list[dict[str, Any]] = []

    def finished(document_id: int, annotator_id: int) -> None:
        annotations.append(
            {"document_id": document_id, "annotator_id": annotator_id, "status": "done",
             "created_at": stamp, "updated_at": stamp}
        )  # fmt: skip
        leases.append(
            {"document_id": document_id, "annotator_id": annotator_id, "taken_at": stamp,
             "due_at": None}
        )  # fmt: skip

    for document_id in order[:CALIBRATION]:
        for annotator_id in ids:
            finished(document_id, annotator_id)
    pool = order[CALIBRATION:]
    twice, once = int(len(pool) * 0.4), int(len(pool) * 0.5)
    for index, document_id in enumerate(pool[:once]):
        finished(document_id, ids[(2 * index) % len(ids)])
        if index < twice:
            finished(document_id, ids[(2 * index + 1) % len(ids)])
    with store.db.write() as session:
        for first in range(0, len(annotations), BATCH):
            session.execute(insert(models.Annotation), annotations[first : first + BATCH])
            session.execute(insert(models.RouteLease), leases[first : first + BATCH])
    # Counted again from what is stored: the counts route next keeps.
    set_policy(store, per_doc=PER_DOC, calibration=CALIBRATION)
    return names


def bare_connection(path: Path) -> sqlite3.Connection:
    """Python's sqlite3 on the copy, with the pragmas the store's engine sets."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA busy_timeout = 30000")
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    return connection


def bare_next(connection: sqlite3.Connection, annotator_id: int, now: float) -> int:
    """Pick and lease in bare SQL: the document, as ours must pick it."""
    connection.execute("BEGIN IMMEDIATE")
    document_id, _position = connection.execute(
        PICK, (CALIBRATION, annotator_id, annotator_id)
    ).fetchone()
    connection.execute(
        "INSERT INTO route_lease (document_id, annotator_id, taken_at, due_at) VALUES (?, ?, ?, ?)",
        (document_id, annotator_id, now, now + 1800.0),
    )
    connection.execute(
        "UPDATE route_document SET taken = taken + 1, filled = (taken + 1 >= ?)"
        " WHERE document_id = ?",
        (PER_DOC, document_id),
    )
    connection.execute("COMMIT")
    return int(document_id)


def mark_done(connection: sqlite3.Connection, document_id: int, annotator_id: int) -> None:
    """The annotator finishes the document (not timed)."""
    stamp = time.time()
    connection.execute(
        "INSERT INTO annotation (document_id, annotator_id, status, stance, topics, note,"
        " seconds, created_at, updated_at) VALUES (?, ?, 'done', NULL, '[]', '', 0, ?, ?)",
        (document_id, annotator_id, stamp, stamp),
    )


def main() -> None:
    """Parse the options, run the benchmark and print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"smoke size: {QUICK_N} documents")
    parser.add_argument("--n", type=int, help=f"number of documents (default {FULL_N})")
    parser.add_argument("--calls", type=int, help=f"route next calls (default {FULL_CALLS})")
    args = parser.parse_args()
    n = args.n if args.n is not None else QUICK_N if args.quick else FULL_N
    calls = args.calls or (QUICK_CALLS if args.quick else FULL_CALLS)
    if n < 100:
        parser.error("--n must be at least 100")

    # In the working directory, not /tmp: the disk the database would live on (fsync counts).
    with tempfile.TemporaryDirectory(prefix="workbench-route-bench-", dir=".") as tmp:
        ours_path, bare_path = Path(tmp) / "ours.db", Path(tmp) / "bare.db"
        store = open_store(f"sqlite:///{ours_path}")
        start = time.perf_counter()
        names = build(store, n)
        build_seconds = time.perf_counter() - start
        ids = {info.name: info.id for info in store.annotators()}
        store.close()
        with sqlite3.connect(ours_path) as source:
            source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(ours_path, bare_path)

        store = open_store(f"sqlite:///{ours_path}")
        # Each copy's annotator finishes through a connection of its own, as another process
        # would: both then read what changed since their last call.
        ours_done = bare_connection(ours_path)
        bare = bare_connection(bare_path)
        bare_done = bare_connection(bare_path)
        plan = bare.execute("EXPLAIN QUERY PLAN " + PICK, (CALIBRATION, 1, 1)).fetchall()
        plan_text = " | ".join(str(row[-1]) for row in plan)
        indexed = "INDEX ix_route_document_filled_position (filled=? AND position>?)" in plan_text
        ours_ms: list[float] = []
        bare_ms: list[float] = []
        query_ms: list[float] = []
        for call in range(calls):
            name = names[call % len(names)]
            annotator_id = ids[name]
            now = time.time()
            begin = time.perf_counter()
            pick = route_next(store, annotator=name)
            ours_ms.append((time.perf_counter() - begin) * 1000)
            begin = time.perf_counter()
            bare_pick = bare_next(bare, annotator_id, now)
            bare_ms.append((time.perf_counter() - begin) * 1000)
            begin = time.perf_counter()  # the query alone, on a warm cache (after the call)
            bare.execute(PICK, (CALIBRATION, annotator_id, annotator_id)).fetchone()
            query_ms.append((time.perf_counter() - begin) * 1000)
            if pick is None or pick.reason != "pool" or pick.document_id != bare_pick:
                raise SystemExit(f"call {call}: ours picked {pick}, the bare SQL {bare_pick}")
            mark_done(ours_done, pick.document_id, annotator_id)
            mark_done(bare_done, bare_pick, annotator_id)
        begin = time.perf_counter()
        shown = show_policy(store)
        show_seconds = time.perf_counter() - begin
        if len(shown["queues"]) != ANNOTATORS:
            raise SystemExit("route show lists the wrong annotators")
        store.close()
        ours_done.close()
        bare_done.close()
        bare.close()

        command = [sys.executable, "-c", "from workbench.cli import main; main()"]
        command += ["--db", f"sqlite:///{ours_path}", "route", "next", "--annotator", names[0]]
        begin = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        cli_seconds = time.perf_counter() - begin

    ours_median = statistics.median(ours_ms)
    bare_median = statistics.median(bare_ms)
    ratio = ours_median / bare_median
    figures: dict[str, Any] = {
        "n_docs": n,
        "annotators": ANNOTATORS,
        "per_doc": PER_DOC,
        "calibration": CALIBRATION,
        "calls": calls,
        "build_seconds": round(build_seconds, 2),
        "route_next_ms_median": round(ours_median, 3),
        "route_next_ms_p90": round(float(np.percentile(ours_ms, 90)), 3),
        "bare_next_ms_median": round(bare_median, 3),
        "pick_query_ms_median": round(statistics.median(query_ms), 3),
        "route_next_ratio": round(ratio, 3),
        "pick_uses_index": indexed,
        "cli_seconds": round(cli_seconds, 3),
        "route_show_seconds": round(show_seconds, 3),
        "target_ms": TARGET_MS,
        "target_ratio": TARGET_RATIO,
        "meets_target": ours_median <= TARGET_MS and ratio <= TARGET_RATIO and indexed,
    }
    rows = [
        ("documents", f"{n:,}, {ANNOTATORS} annotators, {PER_DOC} per document"),
        ("database built in", f"{build_seconds:.1f} s (bulk inserts, not timed below)"),
        ("route next (ours)", f"{ours_median:.3f} ms median of {calls} (target <= {TARGET_MS})"),
        ("bare pick and lease", f"{bare_median:.3f} ms median, sqlite3, same documents"),
        ("bare pick query alone", f"{statistics.median(query_ms):.3f} ms median (no lease)"),
        ("route next ratio", f"{ratio:.3f} ours / bare (target <= {TARGET_RATIO})"),
        ("pick query plan", plan_text),
        ("workbench route next", f"{cli_seconds:.2f} s in a fresh interpreter"),
        ("route show", f"{show_seconds:.2f} s for {ANNOTATORS} annotators' queues"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
