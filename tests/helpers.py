"""What tests share besides fixtures: the repository's paths, small texts, a database dump."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from workbench.store import Store

REPO = Path(__file__).resolve().parent.parent


SEEDS = REPO / "seeds"


TRAIN_SCHEME = """
[[claim_type]]
name = "FACT"
[[claim_type]]
name = "STATISTIC"
[[stance]]
name = "NEUTRAL"
[[stance]]
name = "CRITICAL"
[[topics]]
name = "ECONOMY"
[[topics]]
name = "ENERGY"
"""
"""Two labels of each kind: a scheme small enough for a few documents to train every label."""
SMALL_TEXTS = {
    "summit": "Xi Jinping met Vladimir Putin in Moscow. Trade rose 26% last year.\n\n"
    'Analysts expect closer ties. "We are partners," Putin said.',
    "energy": "Russia will sell more gas to China. The Power of Siberia 2 pipeline is delayed.",
    "sanctions": "Western sanctions have not stopped the trade. Critics call it a marriage"
    " of convenience.",
}


def dump(store: Store) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Every row of every table, in key order: equal dumps mean an unchanged database."""
    with store.db.engine.connect() as connection:
        return [
            (
                table.name,
                [
                    tuple(row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ],
            )
            for table in SQLModel.metadata.sorted_tables
        ]
