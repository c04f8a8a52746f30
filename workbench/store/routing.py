"""Routing in the database: the policy, the seeded document order and the leases (issue 15.1-3).

``route_next`` runs as one write transaction: on SQLite it holds the write lock from its start
(``BEGIN IMMEDIATE``), on PostgreSQL it locks the one ``route_document`` row it hands out with
``FOR UPDATE SKIP LOCKED``, so twenty annotators asking at once never get one document more
than ``per_doc`` times. Each document's ``taken`` (annotators who are done with it or hold a
live lease) is kept beside it with ``filled``, so the pick is one walk of the
``(filled, position)`` index; the count is checked exactly before a lease is given and put
right if an annotator finished a document without a lease."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import (
    and_,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    union,
)
from sqlalchemy import exc as sa_exc
from sqlmodel import SQLModel

from workbench import models
from workbench.store.core import StoreBase
from workbench.store.engine import is_sqlite, translate
from workbench.store.leases import Leaser
from workbench.store.records import DocumentRow

RD = SQLModel.metadata.tables[models.RouteDocument.__tablename__]
LEASE = SQLModel.metadata.tables[models.RouteLease.__tablename__]
ANN = SQLModel.metadata.tables[models.Annotation.__tablename__]
DOC = SQLModel.metadata.tables[models.Document.__tablename__]
POLICY = SQLModel.metadata.tables[models.RoutePolicy.__tablename__]
FINISHED = ("done", "skipped")
UNFINISHED = ("todo", "in_progress")


@dataclass(frozen=True)
class PolicyInfo:
    """The routing policy in force."""

    per_doc: int
    calibration: int
    lease_minutes: float
    seed: int
    annotators: tuple[str, ...]
    """Whom it routes, by name; empty: every annotator but gold."""

    @property
    def lease_seconds(self) -> float:
        """How long a lease lasts without a change, in seconds."""
        return self.lease_minutes * 60.0


@dataclass(frozen=True)
class Pick:
    """The document ``route next`` gave an annotator, and why."""

    document_id: int
    position: int
    """Its place in the seeded order (from 0)."""
    reason: str
    """``in progress`` (the annotator's own), ``calibration`` or ``pool``."""
    due_at: float
    """When its lease lapses if the annotator changes nothing (Unix seconds)."""


@dataclass(frozen=True)
class Queue:
    """One annotator's routing figures."""

    annotator: str
    done: int
    leased: int
    """Documents they hold a live lease on and have not finished."""
    to_do: int
    """Documents route next could still give them (calibration left, then the open pool)."""


def order_key(seed: int, content_hash: str) -> bytes:
    """A document's place in the seeded order: stable for a seed and a text, anywhere."""
    return hashlib.blake2b(f"{seed}:{content_hash}".encode(), digest_size=16).digest()


def _policy_info(row: Any) -> PolicyInfo:
    return PolicyInfo(
        per_doc=row.per_doc,
        calibration=row.calibration,
        lease_minutes=row.lease_minutes,
        seed=row.seed,
        annotators=tuple(orjson.loads(row.annotators)),
    )


class RoutingStore(StoreBase):
    """Stores, reads and clears the routing policy and hands out leases."""

    @property
    def _no_routing(self) -> bool:
        """The database predates routing and this process may not upgrade it."""
        return models.RoutePolicy.__tablename__ in self.db.absent_tables

    def route_policy(self) -> PolicyInfo | None:
        """The policy in force, or None (every annotator sees every document)."""
        if self._no_routing:
            return None
        with self.db.read() as session:
            row = session.get(models.RoutePolicy, 1)
            return None if row is None else _policy_info(row)

    def set_route_policy(self, policy: PolicyInfo) -> PolicyInfo:
        """Store ``policy`` (replacing any), place every document in its seeded order and
        count who has each (done, or a lease): one transaction. Leases already given stay."""
        with self.db.write() as session:
            row = session.get(models.RoutePolicy, 1) or models.RoutePolicy(per_doc=1)
            row.per_doc, row.calibration = policy.per_doc, policy.calibration
            row.lease_minutes, row.seed = policy.lease_minutes, policy.seed
            row.annotators = orjson.dumps(sorted(policy.annotators)).decode()
            documents = list(session.execute(select(DOC.c.id, DOC.c.hash)).all())
            documents.sort(key=lambda d: order_key(policy.seed, d[1]))
            taken = Counter(document_id for document_id, _ in session.execute(_holders_query()))
            session.execute(delete(RD))
            rows = [
                {
                    "document_id": document_id,
                    "position": position,
                    "taken": taken[document_id],
                    "filled": taken[document_id] >= policy.per_doc,
                }
                for position, (document_id, _) in enumerate(documents)
            ]
            for first in range(0, len(rows), 10_000):
                session.execute(insert(RD), rows[first : first + 10_000])
            row.documents_up_to = max((d[0] for d in documents), default=0)
            session.add(row)
        return policy

    def clear_route_policy(self) -> bool:
        """Remove the policy, the order and every lease; whether there was a policy."""
        with self.db.write() as session:
            had = session.get(models.RoutePolicy, 1) is not None
            for table in (LEASE, RD, POLICY):
                session.execute(delete(table))
            return had

    def routed_rows(self, annotator_id: int, *, search: str = "") -> list[DocumentRow]:
        """The annotator's own documents (annotated or leased by them) as the document list
        shows them, by name (whose name contains ``search``): read without the rest of the
        corpus, however large it is."""
        own = union(
            select(ANN.c.document_id).where(ANN.c.annotator_id == annotator_id),
            select(LEASE.c.document_id).where(LEASE.c.annotator_id == annotator_id),
        ).subquery()
        spans = SQLModel.metadata.tables[models.Span.__tablename__]
        span_count = (
            select(func.count(spans.c.id))
            .where(spans.c.annotation_id == ANN.c.id)
            .correlate(ANN)
            .scalar_subquery()
        )
        query = (
            select(DOC.c.id, DOC.c.name, DOC.c.n_chars, DOC.c.n_tokens, ANN.c.status, ANN.c.id)
            .add_columns(span_count)
            .select_from(DOC.join(own, own.c.document_id == DOC.c.id))
            .outerjoin(ANN, _own_annotation(DOC.c.id, annotator_id))
            .order_by(DOC.c.name)
        )
        if search:
            query = query.where(DOC.c.name.icontains(search, autoescape=True))
        with self.db.read() as session:
            return [DocumentRow.from_listing(row) for row in session.execute(query)]

    # -- handing out ---------------------------------------------------------------------------

    def route_next(self, annotator: str, now: float) -> Pick | None:
        """The next document for ``annotator`` under the policy, its lease taken (or renewed)
        at ``now``; None if nothing is left for them. One write transaction (see
        :mod:`workbench.store.leases`); a policy that does not route them raises."""
        engine = self.db.engine
        sqlite = is_sqlite(engine)
        try:
            # The driver's connection from the pool, with its pragmas: no statement building.
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                try:
                    if sqlite:
                        cursor.execute("BEGIN IMMEDIATE")  # the write lock, from the start
                    found = Leaser(cursor, postgresql=not sqlite).next_for(annotator, now)
                    if sqlite:
                        cursor.execute("COMMIT")
                    else:
                        raw.commit()
                except BaseException:
                    raw.rollback()
                    raise
                finally:
                    cursor.close()
            finally:
                raw.close()
        except engine.dialect.loaded_dbapi.Error as exc:
            wrapped = sa_exc.DBAPIError.instance(None, None, exc, engine.dialect.loaded_dbapi.Error)
            assert isinstance(wrapped, sa_exc.DBAPIError)
            raise translate(wrapped, self.db.name) from None
        except sa_exc.DBAPIError as exc:
            raise translate(exc, self.db.name) from None
        return None if found is None else Pick(*found)

    # -- reading the queues ---------------------------------------------------------------------

    def route_queues(self, annotators: Iterable[tuple[int, str]], now: float) -> list[Queue]:
        """Each annotator's done, leased and to-do counts under the policy (none: [])."""
        policy = self.route_policy()
        if policy is None:
            return []
        queues = []
        with self.db.read() as session:
            placed = session.execute(
                select(func.coalesce(func.max(POLICY.c.documents_up_to), 0))
            ).scalar()
            unplaced = session.execute(
                select(func.count()).select_from(DOC).where(DOC.c.id > placed)
            ).scalar()
            open_pool = session.execute(
                select(func.count())
                .select_from(RD)
                .where(RD.c.filled == false(), RD.c.position >= policy.calibration)
            ).scalar()
            placed_count = session.execute(select(func.count()).select_from(RD)).scalar()
            calibration = min(policy.calibration, placed_count or 0)
            for annotator_id, name in annotators:
                done = session.execute(
                    select(func.count())
                    .select_from(ANN)
                    .where(ANN.c.annotator_id == annotator_id, ANN.c.status == "done")
                ).scalar()
                leased = session.execute(
                    select(func.count())
                    .select_from(LEASE)
                    .outerjoin(ANN, _own_annotation(LEASE.c.document_id, annotator_id))
                    .where(LEASE.c.annotator_id == annotator_id)
                    .where(or_(ANN.c.status.is_(None), ANN.c.status.in_(UNFINISHED)))
                    .where(
                        or_(
                            LEASE.c.due_at > now,
                            ANN.c.updated_at + policy.lease_seconds > now,
                        )
                    )
                ).scalar()
                # From the annotator's own rows, not a walk over every document.
                own = union(
                    select(LEASE.c.document_id).where(LEASE.c.annotator_id == annotator_id),
                    select(ANN.c.document_id).where(
                        ANN.c.annotator_id == annotator_id, ANN.c.status.in_(FINISHED)
                    ),
                ).subquery()
                mine = (
                    select(RD.c.position, RD.c.filled)
                    .join(own, own.c.document_id == RD.c.document_id)
                    .subquery()
                )
                calibration_mine, pool_mine = session.execute(
                    select(
                        func.count().filter(mine.c.position < policy.calibration),
                        func.count().filter(
                            and_(mine.c.position >= policy.calibration, mine.c.filled == false())
                        ),
                    ).select_from(mine)
                ).one()
                to_do = calibration - calibration_mine + open_pool - pool_mine + (unplaced or 0)
                queues.append(Queue(name, done or 0, leased or 0, max(0, to_do)))
        return queues


def _own_annotation(document: Any, annotator_id: int) -> Any:
    return and_(ANN.c.document_id == document, ANN.c.annotator_id == annotator_id)


def _gold_ids() -> Any:
    table = SQLModel.metadata.tables[models.Annotator.__tablename__]
    return select(table.c.id).where(table.c.name == models.GOLD)


def _holders_query() -> Any:
    """(document, annotator) for every lease and done annotation but gold's."""
    return union(
        select(LEASE.c.document_id, LEASE.c.annotator_id),
        select(ANN.c.document_id, ANN.c.annotator_id).where(
            ANN.c.status == "done", ANN.c.annotator_id.not_in(_gold_ids())
        ),
    )
