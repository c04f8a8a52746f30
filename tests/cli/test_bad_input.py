"""Bad input, table-driven: each case exits 1 with one line naming what is wrong, shows no
traceback, and leaves the database exactly as it was."""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from helpers import SMALL_TEXTS, dump
from typer.testing import CliRunner

from workbench.cli import app
from workbench.scheme import default_scheme
from workbench.store import NewDocument, open_store


@dataclass(frozen=True)
class Case:
    """How to make the bad input (files in ``folder``), the command, and what the error says."""

    make: Callable[[Path], list[str]]
    expect: str


def write(path: Path, data: bytes | str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def jsonl(folder: Path, *lines: object) -> str:
    raw = b"".join(
        (line.encode() if isinstance(line, str) else orjson.dumps(line)) + b"\n" for line in lines
    )
    return write(folder / "bad.jsonl", raw)


def scheme_without(kind: str, name: str) -> str:
    data = default_scheme().to_dict()
    data[kind] = [entry for entry in data[kind] if entry["name"] != name]
    lines = []
    for table, entries in data.items():
        for entry in entries:
            lines.append(f"[[{table}]]")
            lines.extend(f'{key} = "{value}"' for key, value in entry.items() if value)
    return "\n".join(lines) + "\n"


TEXT = SMALL_TEXTS["summit"]
LINE = {"text": TEXT, "meta": {"name": "x"}, "_annotator_id": "carol", "answer": "accept"}
MINIMAL = '[[claim_type]]\nname = "A"\n[[stance]]\nname = "S"\n[[topics]]\nname = "T"\n'

CASES: dict[str, Case] = {
    "invalid UTF-8": Case(
        lambda d: ["import", write(d / "latin.txt", "café".encode("latin-1"))], "not UTF-8"
    ),
    "binary file": Case(lambda d: ["import", write(d / "blob.txt", b"\x00\x01ab")], "binary"),
    "empty file": Case(lambda d: ["import", write(d / "empty.txt", b"")], "empty"),
    "whitespace-only file": Case(lambda d: ["import", write(d / "blank.txt", " \n\t")], "empty"),
    "50 MB text file": Case(
        lambda d: ["import", write(d / "huge.txt", b"word " * 10_000_000)], "more than one"
    ),
    "unsupported file type": Case(lambda d: ["import", write(d / "t.csv", "a,b")], ".csv"),
    "missing path": Case(lambda d: ["import", str(d / "nowhere.txt")], "no such file"),
    "folder without text": Case(
        lambda d: ["import", str(Path(write(d / "f" / "a.md", "x")).parent)], "no .txt files"
    ),
    "malformed JSONL line": Case(lambda d: ["import", jsonl(d, {"text": "ok"}, "{oops")], ":2:"),
    "JSONL not an object": Case(lambda d: ["import", jsonl(d, "[1, 2]")], "a JSON object"),
    "JSONL missing text": Case(lambda d: ["import", jsonl(d, {"meta": {}})], "'text'"),
    "JSONL text of wrong type": Case(lambda d: ["import", jsonl(d, {"text": 5})], "'text'"),
    "JSONL spans of wrong type": Case(
        lambda d: ["import", jsonl(d, {**LINE, "spans": "all"})], "'spans'"
    ),
    "JSONL offsets as strings": Case(
        lambda d: [
            "import",
            jsonl(d, {**LINE, "spans": [{"start": "0", "end": 2, "label": "FACT"}]}),
        ],
        "'start'",
    ),
    "JSONL span out of range": Case(
        lambda d: [
            "import",
            jsonl(d, {**LINE, "spans": [{"start": 0, "end": 9999, "label": "FACT"}]}),
        ],
        "spans[0]",
    ),
    "JSONL negative offset": Case(
        lambda d: [
            "import",
            jsonl(d, {**LINE, "spans": [{"start": -3, "end": 2, "label": "FACT"}]}),
        ],
        "spans[0]",
    ),
    "JSONL reversed offsets": Case(
        lambda d: [
            "import",
            jsonl(d, {**LINE, "spans": [{"start": 9, "end": 3, "label": "FACT"}]}),
        ],
        "spans[0]",
    ),
    "JSONL misaligned span": Case(
        lambda d: [
            "import",
            jsonl(d, {**LINE, "spans": [{"start": 1, "end": 5, "label": "FACT"}]}),
        ],
        "token boundaries",
    ),
    "JSONL unknown labels": Case(
        lambda d: [
            "import",
            jsonl(d, {**LINE, "spans": [{"start": 0, "end": 2, "label": "RUMOUR"}]}),
        ],
        "RUMOUR",
    ),
    "JSONL labels without annotator": Case(
        lambda d: ["import", jsonl(d, {"text": TEXT, "stance": "MIXED"})], "no annotator"
    ),
    "JSONL bad status": Case(
        lambda d: ["import", jsonl(d, {**LINE, "status": "finished"})], "'status'"
    ),
    "JSONL 10 MB single line": Case(
        lambda d: ["import", jsonl(d, {"text": "word " * 2_100_000})], "more than one"
    ),
    "scheme TOML syntax error": Case(
        lambda d: ["--scheme", write(d / "s.toml", "[[claim_type]\n"), "status"], "invalid TOML"
    ),
    "scheme duplicate hotkeys": Case(
        lambda d: [
            "--scheme",
            write(
                d / "s.toml",
                MINIMAL + '[[claim_type]]\nname = "B"\nkey = "1"\n'
                '[[claim_type]]\nname = "C"\nkey = "1"\n',
            ),
            "status",
        ],
        "already the hotkey",
    ),
    "scheme duplicate names": Case(
        lambda d: ["--scheme", write(d / "s.toml", MINIMAL + '[[topics]]\nname = "A"\n'), "status"],
        "already defined",
    ),
    "scheme unknown colour": Case(
        lambda d: [
            "--scheme",
            write(d / "s.toml", MINIMAL.replace('name = "A"', 'name = "A"\ncolor = "blurple"')),
            "status",
        ],
        "not a colour",
    ),
    "scheme empty set": Case(
        lambda d: [
            "--scheme",
            write(d / "s.toml", '[[stance]]\nname = "S"\n[[topics]]\nname = "T"\n'),
            "status",
        ],
        "the set is empty",
    ),
    "scheme drops a label in use": Case(
        lambda d: [
            "--scheme",
            write(d / "s.toml", scheme_without("claim_type", "OPINION")),
            "status",
        ],
        "OPINION, still used by 1 span",
    ),
    "bad --align": Case(
        lambda d: ["import", "--align", "sideways", write(d / "ok.txt", "Fine text.")], "--align"
    ),
    "bad --role": Case(lambda d: ["annotate", "--role", "boss", "--annotator", "a"], "--role"),
    "unknown --doc": Case(lambda d: ["annotate", "--doc", "nope", "--annotator", "a"], "'nope'"),
    "export into a path under a file": Case(
        lambda d: [
            "export",
            "jsonl",
            "--source",
            "all",
            "--status",
            "any",
            "--out",
            str(Path(write(d / "plain", "x")) / "out.jsonl"),
        ],
        "plain",
    ),
    "export spaCy into a file": Case(
        lambda d: [
            "export",
            "spacy",
            "--source",
            "all",
            "--status",
            "any",
            "--out",
            write(d / "taken", "x"),
        ],
        "taken",
    ),
    "bad TUI config": Case(lambda d: ["annotate", "--annotator", "a"], "keymap.annotate.undo"),
}


@pytest.fixture
def database(workdir: Path) -> Path:
    path = workdir / "work.db"
    store = open_store(f"sqlite:///{path}")
    store.add_documents(NewDocument(name, text) for name, text in SMALL_TEXTS.items())
    annotation = store.annotation(store.document_by_name("summit"), store.annotator("ann").id)
    store.add_span(annotation.id, 0, 2, "OPINION", topics=["ENERGY"])
    store.set_stance(annotation.id, "MIXED")
    store.close()
    return path


def run(database: Path, args: list[str], **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{database}", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def one_line_error(code: int, stdout: str, stderr: str) -> str:
    assert code == 1, (code, stderr)
    assert "Traceback" not in stdout + stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_clear_line_and_changes_nothing(
    name: str, database: Path, workdir: Path
) -> None:
    case = CASES[name]
    folder = workdir / "input"
    folder.mkdir()
    args = case.make(folder)
    # The config file is read first of all (before the store): only its own case has a bad one.
    config = workdir / "config.toml"
    if name == "bad TUI config":
        write(config, '[keymap]\n"annotate.undo" = 3\n')
    store = open_store(f"sqlite:///{database}")
    before = dump(store)
    store.close()
    line = one_line_error(*run(database, args, WORKBENCH_CONFIG=str(config)))
    assert case.expect in line
    store = open_store(f"sqlite:///{database}")
    assert dump(store) == before
    store.close()


def test_a_database_locked_by_another_writer(database: Path, workdir: Path) -> None:
    store = open_store(f"sqlite:///{database}")
    before = dump(store)
    store.close()
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        good = write(workdir / "new.txt", "A new article about the summit.")
        line = one_line_error(*run(database, ["import", good], WORKBENCH_BUSY_TIMEOUT="0.3"))
        assert "locked by another writer" in line
    finally:
        holder.rollback()
        holder.close()
    store = open_store(f"sqlite:///{database}")
    assert dump(store) == before
    store.close()


def test_a_read_only_database(database: Path, workdir: Path) -> None:
    good = write(workdir / "new.txt", "A new article about the summit.")
    url = f"sqlite:///file:{database}?mode=ro&uri=true"
    result = CliRunner().invoke(app, ["--db", url, "import", good])
    line = one_line_error(result.exit_code, result.stdout, result.stderr)
    assert "read-only" in line
    status = CliRunner().invoke(app, ["--db", url, "status", "--json"])
    assert status.exit_code == 0  # reading still works
    assert orjson.loads(status.stdout)["documents"] == 3


@pytest.mark.parametrize(
    "content",
    [random.Random(7).randbytes(4096), b"SQLite format 3\x00" + b"\x07" * 4000],
    ids=["random bytes", "damaged header"],
)
def test_a_corrupt_database(workdir: Path, content: bytes) -> None:
    path = workdir / "corrupt.db"
    path.write_bytes(content)
    line = one_line_error(*run(path, ["status"]))
    assert "corrupt" in line or "not a Workbench database" in line
    assert path.read_bytes() == content


def test_a_database_of_a_newer_version(database: Path) -> None:
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    before = database.read_bytes()
    line = one_line_error(*run(database, ["status"]))
    assert "newer Workbench" in line and "99" in line
    assert database.read_bytes() == before


def test_an_unreachable_postgresql_server_never_shows_the_password() -> None:
    url = "postgresql://ann:s3cret-pw@127.0.0.1:9/workbench"
    result = CliRunner().invoke(app, ["--db", url, "status"])
    line = one_line_error(result.exit_code, result.stdout, result.stderr)
    assert "cannot connect" in line
    assert "s3cret-pw" not in result.stdout + result.stderr


def test_a_wrong_postgresql_password_never_shows_it() -> None:
    server = os.environ.get("WORKBENCH_TEST_PG_URL")
    if not server:
        pytest.skip("no PostgreSQL server: set WORKBENCH_TEST_PG_URL")
    from sqlalchemy.engine import make_url

    url = make_url(server).set(password="wrong-pw-123").render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["--db", url, "status"])
    line = one_line_error(result.exit_code, result.stdout, result.stderr)
    assert "password authentication failed" in line
    assert "wrong-pw-123" not in result.stdout + result.stderr


def test_a_database_this_process_may_not_write_is_read_and_writes_are_refused(
    database: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """File permissions or a read-only mount (issue 12.9): os.access says no write, so the
    database opens read-only; SQLite itself then refuses every write (even for root)."""

    real_access = os.access

    def no_write_here(path: object, mode: int, **kwargs: object) -> bool:
        if mode & os.W_OK and str(path).startswith(str(database)):
            return False
        return real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", no_write_here)
    before = database.read_bytes()
    for args in (
        ["status", "--json"],
        ["docs"],
        ["agreement", "--status", "any"],
        ["check"],
        ["export", "jsonl", "--source", "all", "--status", "any", "--out", "-"],
        ["backup", str(workdir / "copy.db")],
    ):
        result = CliRunner().invoke(app, ["--db", f"sqlite:///{database}", *args])
        assert result.exit_code == 0, (args, result.output)
    good = write(workdir / "new.txt", "A new article about the summit.")
    for args in (["import", good], ["annotate", "--annotator", "ann"]):
        line = one_line_error(*run(database, args))
        assert ("read-only" in line and "nothing was changed" in line) or "annotating" in line
    assert database.read_bytes() == before
    assert not Path(f"{database}-shm").exists()  # nothing left behind for the owner
