"""Active learning: the documents the latest model is least sure of, first.

The measure is a document's mean margin, ``mean(|score - 0.5|)`` over the latest model's
stored suggestions on it (its claim spans and its stance and topic scores): 0 when every
prediction sits on the fence, 0.5 when every one is certain. The smallest margin comes first;
documents the model suggested nothing for (or gave no score) come last, by name. The latest
model is the ``model:NAME`` source whose suggestions were stored last (``suggest model``
run last).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select
from sqlmodel import col

from workbench import models
from workbench.errors import WorkbenchError
from workbench.store import Store
from workbench.train.registry import SOURCE_PREFIX

ORDERS: Final = ("name", "uncertain")
"""What ``annotate --order`` takes."""


@dataclass(frozen=True)
class Ranking:
    """Each document's mean margin under one model source (documents it scored only)."""

    source: str
    margins: dict[int, float]

    def order(self, ids: list[int]) -> list[int]:
        """``ids`` (in their given order) with the least sure documents first."""
        unscored = len(ids) + 1.0
        position = {document_id: index for index, document_id in enumerate(ids)}
        return sorted(ids, key=lambda i: (self.margins.get(i, unscored), position[i]))


def latest_model_source(store: Store) -> str | None:
    """The ``model:NAME`` source stored last, if any."""
    table = models.Suggestion
    query = (
        select(col(table.source), func.max(col(table.created_at)).label("last"))
        .where(col(table.source).startswith(SOURCE_PREFIX, autoescape=True))
        .group_by(col(table.source))
        .order_by(func.max(col(table.created_at)).desc(), col(table.source))
        .limit(1)
    )
    with store.db.read() as session:
        row = session.connection().execute(query).first()
    return None if row is None else str(row[0])


def uncertainty(store: Store, source: str | None = None) -> Ranking:
    """The mean margin of every document the model source (default: the latest) scored."""
    source = source or latest_model_source(store)
    if source is None:
        raise WorkbenchError(
            "order uncertain: no model has made suggestions yet; run `workbench train`, then"
            " `workbench suggest model models/NAME`"
        )
    table = models.Suggestion
    query = (
        select(col(table.document_id), func.avg(func.abs(col(table.score) - 0.5)))
        .where(col(table.source) == source)
        .where(col(table.score).is_not(None))
        .group_by(col(table.document_id))
    )
    with store.db.read() as session:
        rows = session.connection().execute(query).all()
    return Ranking(source, {int(d): float(margin) for d, margin in rows})
