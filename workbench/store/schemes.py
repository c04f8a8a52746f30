"""The scheme kept in the database: stored on first use, replaced only if no used label is lost."""

from __future__ import annotations

import orjson
from sqlalchemy import func
from sqlmodel import Session, col, select

from workbench import models
from workbench.errors import SchemeError
from workbench.scheme import KIND_TITLES, LabelKind, Scheme, dropped_labels, parse_scheme
from workbench.store.engine import Database

SCHEME_KEY = "scheme"


def stored_scheme(session: Session) -> Scheme | None:
    """The scheme the database was last used with, if any."""
    row = session.get(models.Meta, SCHEME_KEY)
    if row is None:
        return None
    return parse_scheme(orjson.loads(row.value), "the scheme stored in the database")


def label_usage(session: Session, kind: LabelKind, name: str) -> list[str]:
    """How a label is in use, as phrases like ``12 spans``; empty if unused."""
    quoted = f'%"{name}"%'
    uses: list[str] = []
    if kind == "claim_type":
        spans = session.exec(
            select(func.count()).select_from(models.Span).where(col(models.Span.label) == name)
        ).one()
        uses.append(f"{spans} span{'s' * (spans != 1)}")
    else:
        if kind == "stance":
            span_match = col(models.Span.stance) == name
            doc_match = col(models.Annotation.stance) == name
        else:
            span_match = col(models.Span.topics).like(quoted)
            doc_match = col(models.Annotation.topics).like(quoted)
        spans = session.exec(select(func.count()).select_from(models.Span).where(span_match)).one()
        docs = session.exec(
            select(func.count()).select_from(models.Annotation).where(doc_match)
        ).one()
        if spans:
            uses.append(f"{spans} span{'s' * (spans != 1)}")
        if docs:
            uses.append(f"{docs} document annotation{'s' * (docs != 1)}")
        if not spans and not docs:
            uses.append("0 spans")
    return [use for use in uses if not use.startswith("0 ")]


def sync_scheme(db: Database, scheme: Scheme | None, default: Scheme) -> Scheme:
    """The scheme to use with the database: ``scheme`` if given, else the stored one (or
    ``default`` for a new database).

    A new database stores its scheme at once. A scheme that differs from the stored one is
    checked now (one that drops a label still in use is refused, naming the label and its
    uses) and stored with the first change the command makes, in the same transaction: a
    command refused before it writes leaves the database as it was, and a read-only one opens.
    """
    with db.read() as session:
        current = stored_scheme(session)
    if current is not None and (scheme is None or current.to_dict() == scheme.to_dict()):
        return current  # nothing to write
    chosen = scheme or default
    if current is None:
        with db.write() as session:
            _store_scheme(session, chosen)
        return chosen
    with db.read() as session:
        _check_dropped(session, current, chosen)
    db.first_write = lambda session: _store_scheme(session, chosen)
    return chosen


def _store_scheme(session: Session, scheme: Scheme) -> None:
    """Store ``scheme`` in an open write transaction, checked again against the stored one
    (another process may have changed it since)."""
    current = stored_scheme(session)
    if current is not None and current.to_dict() == scheme.to_dict():
        return
    if current is not None:
        _check_dropped(session, current, scheme)
    row = session.get(models.Meta, SCHEME_KEY) or models.Meta(key=SCHEME_KEY, value="")
    row.value = orjson.dumps(scheme.to_dict()).decode()
    session.add(row)


def _check_dropped(session: Session, current: Scheme, scheme: Scheme) -> None:
    """Refuse a scheme that drops a label still in use, naming the label and its uses."""
    problems = []
    for kind, names in dropped_labels(current, scheme).items():
        for name in names:
            uses = label_usage(session, kind, name)
            if uses:
                problems.append(
                    f"{scheme.source}: drops the {KIND_TITLES[kind]} {name}, still used by"
                    f" {' and '.join(uses)}; keep it in the scheme or remove those labels first"
                )
    if problems:
        raise SchemeError("\n".join(problems))
