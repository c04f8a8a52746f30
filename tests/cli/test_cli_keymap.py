"""``annotate`` and ``review`` check the keymap before the TUI starts: a bad entry is one line
naming the file and the entry, and exit code 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.store import NewDocument, open_store
from workbench.tui.app import WorkbenchApp

COMMANDS = [["annotate", "--annotator", "alice"], ["review", "--reviewer", "lead"]]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[WorkbenchApp]:
    """The apps the command started (none is run: a test has no terminal)."""
    apps: list[WorkbenchApp] = []
    monkeypatch.setattr(WorkbenchApp, "run", lambda self, *a, **k: apps.append(self))
    return apps


def run(workdir: Path, args: list[str], config: str) -> tuple[int, str, str]:
    path = workdir / "config.toml"
    path.write_text(config, encoding="utf-8")
    url = f"sqlite:///{workdir / 'test.db'}"
    store = open_store(url)
    store.add_documents([NewDocument("summit", "Xi met Putin. Trade rose.")])
    store.close()
    runner = CliRunner(env={"WORKBENCH_CONFIG": str(path), "COLUMNS": "200"})
    result = runner.invoke(app, ["--db", url, *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("args", COMMANDS)
@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('"annotate.undoo" = "u"', "keymap.annotate.undoo: no binding has this id"),
        ('"annotate.label.NOPE" = "u"', "keymap.annotate.label.NOPE: no binding has this id"),
        ('"annotate.undo" = "ctrl+z,,u"', "keymap.annotate.undo: 'ctrl+z,,u' has an empty key"),
        ('"app.help" = "ctrl+questionmark"', "keymap.app.help: 'ctrl+questionmark': no key"),
    ],
)
def test_a_bad_keymap_entry_stops_the_command_before_the_tui(
    workdir: Path, started: list[WorkbenchApp], args: list[str], entry: str, problem: str
) -> None:
    code, stdout, stderr = run(workdir, args, f"[keymap]\n{entry}\n")
    assert (code, stdout, started) == (1, "", [])
    (line,) = stderr.splitlines()
    assert line.startswith(f"error: {workdir / 'config.toml'}: {problem}"), line


@pytest.mark.parametrize("args", COMMANDS)
def test_a_good_keymap_reaches_the_tui(
    workdir: Path, started: list[WorkbenchApp], args: list[str]
) -> None:
    config = (
        '[keymap]\nannotate.undo = "ctrl+u"\n"annotate.label.FACT" = "f"\nagreement.review = "r"\n'
    )
    code, _, stderr = run(workdir, args, config)
    assert code == 0, stderr
    (tui,) = started
    assert tui._config.keymap == {
        "annotate.undo": "ctrl+u",
        "annotate.label.FACT": "f",
        "agreement.review": "r",
    }
