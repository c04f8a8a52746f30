"""The CLI puts its flags where the core names a field: one line, exit 1, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_corpus import annotated
from typer.testing import CliRunner

from workbench.cli import app
from workbench.store import open_store


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["export", "jsonl", "--source", "all", "--format", "csv"],
            "--format 'csv' unknown; expected one of workbench, doccano",
        ),
        (
            ["import", "--format", "spacy", "x.jsonl"],
            "--format 'spacy' cannot be imported; expected one of auto, workbench, prodigy,"
            " doccano",
        ),
        (["export", "jsonl", "--source", "all", "--status", "x"], "--status 'x': use any or"),
        (["export", "spacy", "--source", "all", "--docs", "nope"], "--docs: unknown document"),
        (["export", "spacy", "--source", "all", "--out", "-"], "--out -: export spacy writes"),
        (["export", "spacy", "--source", "all", "--dev", "2"], "--dev 2.0: use a fraction"),
        (
            ["export", "spacy", "--source", "all", "--status", "todo"],
            "--source all: nothing to export, no annotations with status todo",
        ),
        (["export", "jsonl", "--source", "zed"], "--source zed: no annotator named 'zed'"),
        (["agreement", "--annotators", "ann,zed"], "--annotators: unknown annotator 'zed'"),
        (["agreement", "--docs", "summit,"], None),
        (["agreement", "--status", "y"], "--status 'y': use any"),
    ],
)
def test_core_field_errors_name_the_flag(
    workdir: Path, db_url: str, args: list[str], message: str | None
) -> None:
    store = open_store(db_url)
    annotated(store)
    store.close()
    result = CliRunner().invoke(app, ["--db", db_url, *args])
    if message is None:  # a trailing comma is no error
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: {message}")
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output
