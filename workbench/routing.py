"""Routing (issue 15.1-3): who annotates what. A policy gives each document ``per_doc``
annotators, a calibration set everyone does and leases that lapse, so an absent annotator never
blocks the overlap. ``route_next`` is the one function that picks an annotator's next document:
the ``route next`` command, the annotation screen's next unfinished document and the document
list all call it. With no policy, every annotator sees every document, as before."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from workbench import models
from workbench.errors import FieldError, InvariantError
from workbench.store import AnnotatorInfo, DocumentRow, Store
from workbench.store.core import check_annotator_name
from workbench.store.routing import Pick, PolicyInfo, Queue

DEFAULT_LEASE_MINUTES = 30.0
Clock = Callable[[], float]
"""Unix seconds now: ``models.now`` unless a test controls the clock."""

__all__ = [
    "DEFAULT_LEASE_MINUTES",
    "Pick",
    "PolicyInfo",
    "Queue",
    "Routed",
    "clear_policy",
    "route_next",
    "routed_list",
    "routes",
    "set_policy",
    "show_policy",
]


def set_policy(
    store: Store,
    *,
    per_doc: int,
    calibration: int = 0,
    lease: float = DEFAULT_LEASE_MINUTES,
    annotators: Sequence[str] | None = None,
    seed: int = 0,
) -> PolicyInfo:
    """Store the routing policy (replacing any): each document goes to ``per_doc``
    annotators; the first ``calibration`` documents of the order seeded by ``seed`` go to
    everyone; a lease lapses after ``lease`` minutes without a change by its holder;
    ``annotators`` (names; None: everyone but gold) are the ones routed, those not known yet
    registered as new annotators. Checked whole before anything is written."""
    if isinstance(per_doc, bool) or not isinstance(per_doc, int) or per_doc < 1:
        raise FieldError("per_doc", f"per_doc {per_doc!r}: use a whole number from 1")
    if isinstance(calibration, bool) or not isinstance(calibration, int) or calibration < 0:
        raise FieldError("calibration", f"calibration {calibration!r}: use a whole number from 0")
    if not isinstance(lease, int | float) or not math.isfinite(lease) or lease <= 0:
        raise FieldError("lease", f"lease {lease!r}: use a number of minutes above 0")
    if not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise FieldError("seed", f"seed {seed!r}: use a whole number from 0 to 2**63-1")
    names: tuple[str, ...] = ()
    if annotators is not None:
        names = tuple(sorted({name.strip() for name in annotators}))
        if not names or "" in names:
            raise FieldError("annotators", "annotators: name at least one, separated by commas")
        for name in names:  # the names new ones will get, checked before anything is written
            try:
                check_annotator_name(name, "annotators")
            except InvariantError as exc:
                raise FieldError("annotators", str(exc)) from None
        if models.GOLD in names:
            raise FieldError("annotators", "annotators: gold is the reviewed set, not routed")
        if per_doc > len(names):
            raise FieldError(
                "per_doc",
                f"per_doc {per_doc}: more than the {len(names)} annotator"
                f"{'s' * (len(names) != 1)} routed, so no document could be finished",
            )
    policy = PolicyInfo(per_doc, calibration, float(lease), seed, names)
    for name in names:  # a lead routes a team before its annotators have begun
        store.annotator(name)
    return store.set_route_policy(policy)


def clear_policy(store: Store) -> bool:
    """Remove the policy and its leases (every annotator sees every document again);
    whether there was one."""
    return store.clear_route_policy()


def routes(store: Store, annotator: str) -> bool:
    """Whether a policy is in force and routes ``annotator``."""
    policy = store.route_policy()
    return policy is not None and _routed(policy, annotator)


def _routed(policy: PolicyInfo, annotator: str) -> bool:
    if annotator == models.GOLD:
        return False
    return not policy.annotators or annotator in policy.annotators


def route_next(store: Store, *, annotator: str, now: Clock | None = None) -> Pick | None:
    """The annotator's next document under the policy, its lease taken: their own unfinished
    ones first, then the calibration documents, then the first document in the seeded order
    that fewer than ``per_doc`` others are done with or hold. None: nothing left for them.
    ``now``: the clock (a test's own; default the system's)."""
    return store.route_next(annotator, (now or models.now)())


@dataclass(frozen=True)
class Routed:
    """What the document list shows an annotator under a policy."""

    rows: list[DocumentRow]
    """Their documents, annotated or leased by them (the pick included), by name."""
    pick: int | None
    """The document :func:`route_next` gave them, or None: nothing left."""


def routed_list(store: Store, annotator: AnnotatorInfo, *, search: str = "") -> Routed | None:
    """For the document list: the annotator's routed documents (whose name contains
    ``search``) and their next one, its lease taken; None when no policy routes them (every
    document is listed)."""
    if not routes(store, annotator.name):
        return None
    pick = route_next(store, annotator=annotator.name)
    rows = store.routed_rows(annotator.id, search=search)
    return Routed(rows, None if pick is None else pick.document_id)


def show_policy(store: Store, *, now: Clock | None = None) -> dict[str, Any]:
    """The policy and each routed annotator's queue (done, leased, to do), as JSON data;
    ``policy`` is None when there is none."""
    policy = store.route_policy()
    if policy is None:
        return {"policy": None, "queues": []}
    everyone = [a for a in store.annotators() if a.name != models.GOLD]
    chosen = [a for a in everyone if _routed(policy, a.name)]
    queues = store.route_queues([(a.id, a.name) for a in chosen], (now or models.now)())
    return {
        "policy": {
            "per_doc": policy.per_doc,
            "calibration": policy.calibration,
            "lease_minutes": policy.lease_minutes,
            "seed": policy.seed,
            "annotators": list(policy.annotators) or None,
        },
        "documents": store.count_documents(),
        "queues": [
            {"annotator": q.annotator, "done": q.done, "leased": q.leased, "to_do": q.to_do}
            for q in queues
        ],
    }


def print_policy(data: dict[str, Any]) -> None:
    """The ``route show`` table."""
    policy = data["policy"]
    if policy is None:
        print("no routing policy: every annotator sees every document")
        return
    who = ", ".join(policy["annotators"]) if policy["annotators"] else "every annotator"
    print(
        f"{policy['per_doc']} annotator{'s' * (policy['per_doc'] != 1)} per document,"
        f" {policy['calibration']} calibration documents, leases of"
        f" {policy['lease_minutes']:g} min, seed {policy['seed']}; routes {who}"
    )
    print(f"{data['documents']} documents")
    width = max([len("annotator"), *(len(q["annotator"]) for q in data["queues"])])
    print(f"{'annotator':<{width}}  {'done':>6}  {'leased':>6}  {'to do':>7}")
    for queue in data["queues"]:
        print(
            f"{queue['annotator']:<{width}}  {queue['done']:>6}  {queue['leased']:>6}"
            f"  {queue['to_do']:>7}"
        )
