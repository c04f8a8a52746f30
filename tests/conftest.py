"""Shared fixtures: a fresh store in a temporary SQLite file, small documents, the seeds."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import SMALL_TEXTS

from workbench.store import NewDocument, Store, open_store

PG_ENV = "WORKBENCH_TEST_PG_URL"
"""A PostgreSQL server URL (a superuser's); .ci/postgres starts one and sets it."""


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


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, workdir: Path) -> Iterator[str]:
    """A fresh, empty database on each backend: a SQLite file, and a new PostgreSQL database
    (skipped, with the reason, when no server is configured)."""
    if request.param == "sqlite":
        yield f"sqlite:///{workdir / 'test.db'}"
        return
    server = os.environ.get(PG_ENV)
    if not server:
        pytest.skip(f"no PostgreSQL server: set {PG_ENV} (CI starts one with .ci/postgres)")
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(server)
    name = f"wb_{uuid.uuid4().hex[:12]}"
    plain = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield admin.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def store(backend_url: str) -> Iterator[Store]:
    """An empty store with the default scheme, on each backend."""
    opened = open_store(backend_url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(db_url: str) -> Iterator[Store]:
    """An empty store in a SQLite file (for tests that look at the file itself)."""
    opened = open_store(db_url)
    yield opened
    opened.close()


@pytest.fixture
def small_store(store: Store) -> Store:
    """A store holding the three small documents of ``SMALL_TEXTS``."""
    store.add_documents(NewDocument(name, text) for name, text in SMALL_TEXTS.items())
    return store


def pytest_report_header() -> str:
    if os.environ.get(PG_ENV):
        return f"PostgreSQL: tests run on SQLite and on {PG_ENV}"
    return f"PostgreSQL: not configured, its half of the tests is skipped (set {PG_ENV})"
