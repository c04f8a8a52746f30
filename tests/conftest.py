"""Shared fixtures: a fresh store in a temporary SQLite file, small documents, the seeds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.store import NewDocument, Store, open_store

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"

SMALL_TEXTS = {
    "summit": "Xi Jinping met Vladimir Putin in Moscow. Trade rose 26% last year.\n\n"
    'Analysts expect closer ties. "We are partners," Putin said.',
    "energy": "Russia will sell more gas to China. The Power of Siberia 2 pipeline is delayed.",
    "sanctions": "Western sanctions have not stopped the trade. Critics call it a marriage"
    " of convenience.",
}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working directory with no scheme file and no database variables."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WORKBENCH_DB", raising=False)
    monkeypatch.delenv("WORKBENCH_SCHEME", raising=False)
    return tmp_path


@pytest.fixture
def db_url(workdir: Path) -> str:
    """A SQLite file in the test's own folder."""
    return f"sqlite:///{workdir / 'test.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An empty store with the default scheme."""
    opened = open_store(db_url)
    yield opened
    opened.close()


@pytest.fixture
def small_store(store: Store) -> Store:
    """A store holding the three small documents of ``SMALL_TEXTS``."""
    store.add_documents(NewDocument(name, text) for name, text in SMALL_TEXTS.items())
    return store
