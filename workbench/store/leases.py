"""Handing out one document under the routing policy: the SQL of ``route next``, in one write
transaction on the driver's own cursor (issue 15.2-3).

It runs on every ``route next`` and every "next unfinished document", so it is written as
plain SQL on the DBAPI cursor (SQLAlchemy's statement building cost more than the database's
work here: ``bench/route_bench.py``). The same statements run on SQLite (inside ``BEGIN
IMMEDIATE``: one writer at a time) and PostgreSQL (each row it hands out locked with ``FOR
UPDATE SKIP LOCKED``, so concurrent callers take different documents and never wait on each
other's pick)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson

from workbench import models
from workbench.errors import FieldError, FieldNotFoundError, WorkbenchError

UNFINISHED = "('todo', 'in_progress')"
FINISHED = "('done', 'skipped')"
MINE = (
    "NOT EXISTS (SELECT 1 FROM route_lease l WHERE l.document_id = rd.document_id"
    " AND l.annotator_id = ?) AND NOT EXISTS (SELECT 1 FROM annotation a WHERE a.document_id ="
    f" rd.document_id AND a.annotator_id = ? AND a.status IN {FINISHED})"
)
"""Documents the annotator neither holds nor finished (takes their id twice)."""

POLICY = (
    "SELECT p.per_doc, p.calibration, p.lease_minutes, p.annotators, p.documents_up_to,"
    " (SELECT max(id) FROM document), (SELECT id FROM annotator WHERE name = ?),"
    " (SELECT id FROM annotator WHERE name = ?) FROM route_policy p WHERE p.id = 1"
)
SWEEP = (
    # The holder's last change, or the last active time the screen counted (reading, moving
    # the cursor): an annotator reading a long article keeps it.
    "SELECT l.id, l.document_id, l.taken_at, a.status, a.updated_at, ("
    "SELECT max(e.at) FROM event e WHERE e.annotation_id = a.id AND e.state = 'meta'"
    " AND e.action = 'time') FROM route_lease l"
    " LEFT JOIN annotation a ON a.document_id = l.document_id AND a.annotator_id = l.annotator_id"
    " WHERE l.due_at <= ?"
)
OWN = (
    "SELECT 0, l.id, l.document_id, rd.position"
    " FROM route_lease l JOIN route_document rd ON rd.document_id = l.document_id"
    " LEFT JOIN annotation a ON a.document_id = l.document_id AND a.annotator_id = l.annotator_id"
    " WHERE l.annotator_id = ? AND l.due_at IS NOT NULL"
    f" AND (a.status IS NULL OR a.status IN {UNFINISHED})"
    " UNION ALL SELECT 1, CAST(NULL AS INTEGER), rd.document_id, rd.position FROM annotation a"
    " JOIN route_document rd ON rd.document_id = a.document_id"
    " WHERE a.annotator_id = ? AND a.status = 'in_progress' AND NOT EXISTS (SELECT 1 FROM"
    " route_lease l WHERE l.document_id = a.document_id AND l.annotator_id = ?)"
    " UNION ALL SELECT * FROM (SELECT 2, CAST(NULL AS INTEGER), rd.document_id, rd.position"
    f" FROM route_document rd WHERE rd.position < ? AND {MINE} ORDER BY rd.position LIMIT 1)"
    " AS calibrating"
)
"""In one statement: the documents the annotator holds and has not finished (kind 0), the
ones they began without a lease (1), the first calibration document left for them (2); sorted
by the caller (a sort here would build temporary trees for a handful of rows)."""
POOL = (
    "SELECT rd.document_id, rd.position FROM route_document rd"
    f" WHERE rd.filled = ? AND rd.position >= ? AND {MINE} ORDER BY rd.position LIMIT 1"
)
"""The pick: the first document past the calibration set with room, by the
``(filled, position)`` index."""
LOCK = "SELECT 1 FROM route_document WHERE document_id = ?"
HOLDERS = (
    "SELECT annotator_id FROM route_lease WHERE document_id = ? UNION SELECT annotator_id"
    " FROM annotation WHERE document_id = ? AND status = 'done' AND annotator_id <> ?"
)
LEASE = "INSERT INTO route_lease (document_id, annotator_id, taken_at, due_at) VALUES (?, ?, ?, ?)"
RENEW = "UPDATE route_lease SET taken_at = ?, due_at = ? WHERE id = ?"
COUNT = "UPDATE route_document SET taken = ?, filled = ? WHERE document_id = ?"
LAPSE = (
    "UPDATE route_document SET taken = CASE WHEN taken > ? THEN taken - ? ELSE 0 END,"
    " filled = (CASE WHEN taken > ? THEN taken - ? ELSE 0 END) >= ? WHERE document_id = ?"
)


class Leaser:
    """One ``route next`` on a cursor inside a write transaction."""

    def __init__(self, cursor: Any, *, postgresql: bool) -> None:
        self.cursor = cursor
        self.postgresql = postgresql

    def run(self, sql: str, params: tuple[Any, ...] = (), *, lock: str = "") -> Any:
        """Execute ``sql`` (``?`` placeholders); ``lock`` is appended on PostgreSQL only."""
        if self.postgresql:
            sql = sql.replace("?", "%s") + lock
        self.cursor.execute(sql, params)
        return self.cursor

    def next_for(self, name: str, now: float) -> tuple[int, int, str, float] | None:
        """(document id, position, reason, lease due) for annotator ``name``, its lease
        taken; None if nothing is left for them. Raises for a name the policy does not route."""
        row = self.run(POLICY, (name, models.GOLD)).fetchone()
        if row is None:
            raise WorkbenchError(
                "no routing policy is set (every annotator sees every document);"
                " set one with `workbench route set --per-doc K`"
            )
        per_doc, calibration, minutes, routed_json, placed, newest, me, gold = row
        routed = orjson.loads(routed_json)
        if name == models.GOLD:
            raise FieldError(
                "annotator",
                "annotator 'gold' is the reviewed set, never routed: `workbench review` opens it",
            )
        if routed and name not in routed:
            raise FieldError(
                "annotator",
                f"annotator {name!r} is not routed: the policy routes {', '.join(routed)}",
            )
        if me is None:
            raise FieldNotFoundError(
                "annotator",
                f"annotator: no annotator named {name!r}; `workbench status` lists them",
            )
        if (newest or 0) > placed:
            self.place_new(placed)
        lease = float(minutes) * 60.0
        due = now + lease
        self.sweep(now, lease, per_doc)
        # 1. What they were given and have not finished: the same document again; or one
        #    they began without a lease (or whose lease lapsed), if it has room.
        # 2. The calibration documents, which everyone does.
        own = sorted(
            self.run(OWN, (me, me, me, calibration, me, me)).fetchall(), key=_kind_position
        )
        for kind, lease_id, document_id, position in own:
            if kind == 0 and self.run(RENEW, (now, due, lease_id)).rowcount:
                return document_id, position, "in progress", due
            calibrating = position < calibration
            limit = None if calibrating else per_doc
            if (
                kind == 1
                and (calibrating or self.lock(document_id))
                and self.give(document_id, me, gold, now, due, limit)
            ):
                return document_id, position, "in progress", due
            if kind == 2:
                self.give(document_id, me, gold, now, due, None)
                return document_id, position, "calibration", due
        # 3. The first document in the order with room that is not theirs already.
        while True:
            found = self.run(
                POOL, (False, calibration, me, me), lock=" FOR UPDATE OF rd SKIP LOCKED"
            ).fetchone()
            if found is None:
                return None
            if self.give(found[0], me, gold, now, due, per_doc):
                return found[0], found[1], "pool", due

    def lock(self, document_id: int) -> bool:
        """Lock the document's routing row (PostgreSQL); False if another caller has it."""
        if not self.postgresql:
            return True  # the write lock is already ours
        return self.run(LOCK, (document_id,), lock=" FOR UPDATE SKIP LOCKED").fetchone() is not None

    def give(
        self,
        document_id: int,
        me: int,
        gold: int | None,
        now: float,
        due: float,
        per_doc: int | None,
    ) -> bool:
        """Lease the document to ``me`` unless ``per_doc`` others have it already (None: no
        limit, the calibration set); the stored count is set to the exact one either way."""
        params = (document_id, document_id, -1 if gold is None else gold)
        others = sum(1 for (a,) in self.run(HOLDERS, params).fetchall() if a != me)
        if per_doc is not None and others >= per_doc:
            self.run(COUNT, (others, True, document_id))
            return False
        self.run(LEASE, (document_id, me, now, due))
        count = others + 1
        self.run(COUNT, (count, per_doc is not None and count >= per_doc, document_id))
        return True

    def sweep(self, now: float, lease: float, per_doc: int) -> None:
        """The leases due by ``now``: a done one counts for good, a skipped one, or one its
        holder has neither changed nor spent active time on for a lease's length, lapses (the
        document goes back to the pool), any other is due again a lease's length after the
        holder's last change or active time."""
        due = self.run(SWEEP, (now,), lock=" FOR UPDATE OF l SKIP LOCKED").fetchall()
        lapsed: Counter[int] = Counter()
        for lease_id, document_id, taken_at, status, updated_at, active_at in due:
            last = max(taken_at, updated_at or 0.0, active_at or 0.0)
            if status == "done":
                self.run("UPDATE route_lease SET due_at = NULL WHERE id = ?", (lease_id,))
            elif status == "skipped" or last + lease <= now:
                self.run("DELETE FROM route_lease WHERE id = ?", (lease_id,))
                lapsed[document_id] += 1
            else:
                self.run("UPDATE route_lease SET due_at = ? WHERE id = ?", (last + lease, lease_id))
        # In document order, so two sweeps never wait on each other's rows in a cycle.
        for document_id in sorted(lapsed):
            n = lapsed[document_id]
            self.run(LAPSE, (n, n, n, n, per_doc, document_id))

    def place_new(self, placed: int) -> None:
        """Append the documents imported since the order was made, in their seeded order."""
        from workbench.store.routing import order_key

        # The policy row is locked, so two callers never place the same documents.
        row = self.run(
            "SELECT documents_up_to, seed FROM route_policy WHERE id = 1", lock=" FOR UPDATE"
        ).fetchone()
        placed, seed = row
        added = self.run("SELECT id, hash FROM document WHERE id > ?", (placed,)).fetchall()
        if not added:
            return
        added.sort(key=lambda d: order_key(seed, d[1]))
        last = self.run("SELECT max(position) FROM route_document").fetchone()[0]
        start = -1 if last is None else last
        self.cursor.executemany(
            "INSERT INTO route_document (document_id, position, taken, filled) VALUES"
            + (" (%s, %s, 0, %s)" if self.postgresql else " (?, ?, 0, ?)"),
            [(d[0], start + 1 + i, False) for i, d in enumerate(added)],
        )
        self.run(
            "UPDATE route_policy SET documents_up_to = ? WHERE id = 1", (max(d[0] for d in added),)
        )


def _kind_position(row: tuple[int, int | None, int, int]) -> tuple[int, int]:
    return row[0], row[3]
