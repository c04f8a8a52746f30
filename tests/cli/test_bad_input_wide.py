"""The wide bad-input suite (issue 12, "Figures"): every case of tests/bad_input_cases.py, on
SQLite and PostgreSQL, exits 1 with one ``error:`` line per problem on stderr, nothing on
stdout, no traceback, no password, no raw control character (the output is taken as a terminal
gets it: ANSI sequences are not stripped), and leaves every table of the database exactly as
it was. No case may start the terminal UI: one that would fails at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bad_input_cases import CASES, LIVE_DB, PENDING, Case
from helpers import SMALL_TEXTS, dump
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from workbench import models
from workbench.cli import app
from workbench.models import unprintable
from workbench.routing import route_next, set_policy
from workbench.scheme import default_scheme
from workbench.store import Database, NewDocument, NewSuggestion, Store, open_store, resolve_url


class TuiStarted(Exception):
    """Raised in place of running the terminal UI: a bad input must be refused before it."""


@pytest.fixture(autouse=True)
def no_tui(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.tui.app import WorkbenchApp

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise TuiStarted("the terminal UI started")

    monkeypatch.setattr(WorkbenchApp, "run", refuse)


@pytest.fixture
def database(backend_url: str) -> str:
    """The three small documents and one annotation by ``ann``: a span, stance, topic, flag;
    a suggestion and its decision; a logged label change; a routing policy with a lease."""
    store = open_store(backend_url)
    store.add_documents(NewDocument(name, text) for name, text in SMALL_TEXTS.items())
    annotation = store.annotation(store.document_by_name("summit"), store.annotator("ann").id)
    store.add_span(annotation.id, 0, 2, "OPINION", topics=["ENERGY"])
    store.set_stance(annotation.id, "MIXED")
    store.flag_document(annotation.id, "is the quote right?")
    summit = store.document_by_name("summit")
    store.add_suggestions("patterns:claims", [NewSuggestion(summit, "FACT", start=0, end=2)])
    (suggestion,) = store.suggestions(summit)
    with store.db.write() as session:
        session.add(
            models.Decision(
                suggestion_id=suggestion.id,
                annotator_id=annotation.annotator_id,
                decision="rejected",
            )
        )
        session.add(
            models.LabelChange(
                by="lead", action="rename", kind="topics", sources='["ENERGY"]', target="ENERGY"
            )
        )
    set_policy(store, per_doc=1)  # routing: a policy, the order and a lease
    route_next(store, annotator="ann")
    store.close()
    return backend_url


def bare_store(url: str) -> Store:
    """The store on ``url`` without reading a scheme file (a case may leave a bad one in the
    working directory) and without writing anything."""
    return Store(Database(resolve_url(url)), default_scheme())


def snapshot(url: str) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Every row of every table; on SQLite also the id counters (``sqlite_sequence``, which a
    committed insert moves even if the row is deleted later)."""
    store = bare_store(url)
    try:
        rows = dump(store)
        if url.startswith("sqlite"):
            with store.db.engine.connect() as connection:
                sequence = connection.execute(
                    text("SELECT name, seq FROM sqlite_sequence ORDER BY name")
                )
                rows.append(("sqlite_sequence", [tuple(row) for row in sequence]))
        return rows
    finally:
        store.close()


def test_the_dump_covers_every_table(database: str) -> None:
    store = bare_store(database)
    try:
        tables = set(inspect(store.db.engine).get_table_names()) - {"sqlite_sequence"}
        dumped = dump(store)
    finally:
        store.close()
    assert {name for name, _ in dumped} == tables
    # The fixture writes every table, so an unchanged dump means unchanged rows, not none.
    assert all(rows for _, rows in dumped), [name for name, rows in dumped if not rows]


def backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def check_refused(case: Case, database: str, workdir: Path) -> None:
    """Run ``case`` against ``database`` and check every promise of a refused input."""
    folder = workdir / "input"
    folder.mkdir()
    live = make_url(database).database or ""
    args = [live if arg == LIVE_DB else arg for arg in case.make(folder)]
    env = {
        "COLUMNS": "200",
        "WORKBENCH_CONFIG": str(workdir / "config.toml"),
        **{key: value.replace("{folder}", str(folder)) for key, value in case.env.items()},
    }
    before = snapshot(database)
    result = CliRunner(env=env).invoke(app, ["--db", database, *args], input=case.stdin, color=True)
    output = result.stdout + result.stderr
    assert not isinstance(result.exception, TuiStarted), "the terminal UI started"
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in output
    assert result.exit_code == 1, (result.exit_code, output)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == case.lines, lines
    assert all(line.startswith("error: ") for line in lines), lines
    assert case.expect in result.stderr, lines
    assert not any(unprintable(ch) for ch in result.stderr.replace("\n", "")), lines
    password = make_url(database).password
    for secret in (*case.secrets, *([str(password)] if password else [])):
        assert secret not in output, f"{secret!r} shown"
    assert snapshot(database) == before


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused_in_one_line_per_problem(
    name: str, database: str, workdir: Path
) -> None:
    case = CASES[name]
    if backend(database) not in case.backends:
        pytest.skip(f"a case for {', '.join(case.backends)} only")
    check_refused(case, database, workdir)


@pytest.mark.xfail(strict=True, reason="main does not refuse it yet (see PENDING)")
@pytest.mark.parametrize("name", list(PENDING))
def test_pending_bad_input_is_not_refused_yet(name: str, database: str, workdir: Path) -> None:
    case = PENDING[name]
    if backend(database) not in case.backends:
        pytest.skip(f"a case for {', '.join(case.backends)} only")
    check_refused(case, database, workdir)
