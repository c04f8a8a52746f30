"""The ``workbench`` command line: import, status and docs, database options, clean user errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from cli_helpers import assert_user_error, invoke
from helpers import REPO, SEEDS, SMALL_TEXTS

from workbench.store import open_store

DEFAULT_DB = Path("labels/workbench.db")


# -- helpers ----------------------------------------------------------------------------------


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def write_jsonl(path: Path, *lines: dict[str, Any]) -> Path:
    return write(path, b"".join(orjson.dumps(line) + b"\n" for line in lines))


def labelled_jsonl(path: Path) -> Path:
    """Three documents: alice finished one (2 spans) and skipped one, bob is midway (1 span)."""
    summit = SMALL_TEXTS["summit"]
    assert summit[15:29] == "Vladimir Putin"
    return write_jsonl(
        path,
        {
            "text": summit,
            "meta": {"name": "summit"},
            "_annotator_id": "alice",
            "spans": [
                {"start": 0, "end": 2, "label": "FACT"},
                {"start": 15, "end": 29, "label": "QUOTE", "stance": "SUPPORTIVE"},
            ],
            "stance": "SUPPORTIVE",
            "topics": ["DIPLOMACY"],
            "answer": "accept",
        },
        {
            "text": summit,
            "_annotator_id": "bob",
            "spans": [{"start": 3, "end": 10, "label": "FACT"}],
        },
        {
            "text": SMALL_TEXTS["energy"],
            "meta": {"name": "energy"},
            "_annotator_id": "alice",
            "answer": "ignore",
        },
        {"text": SMALL_TEXTS["sanctions"], "meta": {"name": "sanctions"}},
    )


def status_json(*options: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = invoke(*options, "status", "--json", env=env)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# -- import, status, docs ---------------------------------------------------------------------


def test_import_seeds_then_status_table(workdir: Path) -> None:
    result = invoke("import", str(SEEDS))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"imported 5 documents, skipped 0 (database: {DEFAULT_DB})"
    ]
    assert (workdir / DEFAULT_DB).is_file()
    status = invoke("status")
    assert status.exit_code == 0
    assert status.stdout.splitlines() == [f"5 documents in {DEFAULT_DB}", "No annotations yet."]
    assert status.stderr == ""
    assert status_json() == {"documents": 5, "annotators": {}, "flagged": 0}


def test_reimport_reports_the_skipped_documents(workdir: Path) -> None:
    invoke("import", str(SEEDS))
    again = invoke("import", str(SEEDS))
    assert again.exit_code == 0
    lines = again.stderr.splitlines()
    assert (
        lines[0]
        == f"imported 0 documents, skipped 5 texts already imported (database: {DEFAULT_DB})"
    )
    stems = sorted(path.stem for path in SEEDS.glob("*.txt"))
    assert lines[1:] == [f"  skipped {stem}: already imported as {stem}" for stem in stems]


def test_status_json_has_the_documented_shape(workdir: Path) -> None:
    result = invoke("import", str(labelled_jsonl(workdir / "labels.jsonl")))
    assert result.exit_code == 0, result.output
    # bob's line of summit adds his labels to it: no skip (issue 11.6)
    assert "imported 3 documents, 3 annotations with 3 spans, skipped 0" in result.stderr
    data = status_json()
    assert set(data) == {"documents", "annotators", "flagged"}  # flagged: issue 15.6
    assert data["documents"] == 3
    assert list(data["annotators"]) == ["alice", "bob"]
    required = {"done", "in_progress", "skipped", "spans"}
    for row in data["annotators"].values():
        assert required <= set(row)
        assert all(isinstance(row[key], int) for key in required)
    alice, bob = data["annotators"]["alice"], data["annotators"]["bob"]
    assert {k: alice[k] for k in (*required, "todo")} == {
        "done": 1,
        "in_progress": 0,
        "skipped": 1,
        "spans": 2,
        "todo": 1,
    }
    assert {k: bob[k] for k in (*required, "todo")} == {
        "done": 0,
        "in_progress": 1,
        "skipped": 0,
        "spans": 1,
        "todo": 2,
    }


def test_status_table_lists_each_annotator(workdir: Path) -> None:
    invoke("import", str(labelled_jsonl(workdir / "labels.jsonl")))
    result = invoke("status", env={"COLUMNS": "80"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"3 documents in {DEFAULT_DB}"
    alice = next(line for line in lines if "alice" in line)
    bob = next(line for line in lines if "bob" in line)
    # No outer edges (the table fits 80 columns): cells are what lies between the bars.
    cells = [cell.strip() for cell in alice.split("│")]
    assert cells[:6] == ["alice", "1", "0", "1", "1", "2"]
    assert [cell.strip() for cell in bob.split("│")][:6] == ["bob", "0", "1", "0", "2", "1"]
    assert all(len(line) <= 80 for line in lines), "fits an 80-column terminal"


def test_status_names_roles_other_than_annotator(workdir: Path) -> None:
    invoke("import", str(labelled_jsonl(workdir / "labels.jsonl")))
    store = open_store(str(workdir / DEFAULT_DB))
    store.annotator("lead", role="reviewer")
    store.close()
    lines = invoke("status").stdout.splitlines()
    assert [line.split("│")[0].strip() for line in lines if "lead" in line] == ["lead reviewer"]
    assert next(line for line in lines if "alice" in line).split("│")[0].strip() == "alice"


def test_docs_json_lists_tokens_and_spans_per_annotator(workdir: Path) -> None:
    invoke("import", str(labelled_jsonl(workdir / "labels.jsonl")))
    result = invoke("docs", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    store = open_store(str(DEFAULT_DB))
    try:
        expected_tokens = {row.name: row.n_tokens for row in store.list_documents()}
    finally:
        store.close()
    assert [row["name"] for row in rows] == ["energy", "sanctions", "summit"]
    assert {row["name"]: row["tokens"] for row in rows} == expected_tokens
    assert all(tokens > 10 for tokens in expected_tokens.values())
    assert {row["name"]: row["chars"] for row in rows} == {
        name: len(SMALL_TEXTS[name]) for name in ("energy", "sanctions", "summit")
    }
    assert {row["name"]: row["spans"] for row in rows} == {
        "energy": {},
        "sanctions": {},
        "summit": {"alice": 2, "bob": 1},
    }
    found = json.loads(invoke("docs", "--json", "--search", "sum").stdout)
    assert [row["name"] for row in found] == ["summit"]


def test_docs_table_shows_one_span_column_per_annotator(workdir: Path) -> None:
    invoke("import", str(labelled_jsonl(workdir / "labels.jsonl")))
    result = invoke("docs")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    header = next(line for line in lines if "document" in line)
    assert "alice spans" in header
    assert "bob spans" in header
    summit = next(line for line in lines if "summit" in line)
    cells = [cell.strip() for cell in summit.split("│")[1:-1]]
    assert cells[0] == "summit"
    assert cells[2] == str(len(SMALL_TEXTS["summit"]))
    assert cells[3:] == ["2", "1"]
    assert lines[-1] == "3 documents"


def test_tables_show_names_with_brackets_verbatim(workdir: Path) -> None:
    path = write_jsonl(
        workdir / "odd.jsonl",
        {
            "text": SMALL_TEXTS["energy"],
            "meta": {"name": "notes [/x] v2"},
            "_annotator_id": "[bold]eve",
            "spans": [{"start": 0, "end": 6, "label": "FACT"}],
        },
        {"text": SMALL_TEXTS["summit"], "meta": {"name": "draft[red]"}},
    )
    assert invoke("import", str(path)).exit_code == 0
    docs = invoke("docs")
    assert docs.exit_code == 0, docs.output
    assert "notes [/x] v2" in docs.stdout
    assert "draft[red]" in docs.stdout
    assert "[bold]eve spans" in docs.stdout
    status = invoke("status")
    assert status.exit_code == 0, status.output
    assert "[bold]eve" in status.stdout
    odd_db = invoke("--db", "w[/b].db", "status")
    assert odd_db.exit_code == 0, odd_db.output
    assert odd_db.stdout.startswith("0 documents in w[/b].db\n")


def test_import_from_stdin(workdir: Path) -> None:
    body = orjson.dumps({"text": SMALL_TEXTS["energy"], "_annotator_id": "zoe", "status": "done"})
    result = invoke("import", "-", stdin=body + b"\n")
    assert result.exit_code == 0, result.output
    data = status_json()
    assert data["documents"] == 1
    assert data["annotators"]["zoe"]["done"] == 1
    docs = json.loads(invoke("docs", "--json").stdout)
    assert [row["name"] for row in docs] == ["stdin-000001"]


def test_import_options_annotator_align_and_replace(workdir: Path) -> None:
    text = SMALL_TEXTS["summit"]
    off = write_jsonl(
        workdir / "off.jsonl", {"text": text, "spans": [{"start": 4, "end": 8, "label": "FACT"}]}
    )
    strict = invoke("import", str(off), "--annotator", "kim")
    assert_user_error(strict, f"{off}:1: ", "4-8")
    assert status_json()["documents"] == 0
    assert invoke("import", str(off), "--annotator", "kim", "--align", "expand").exit_code == 0
    assert status_json()["annotators"]["kim"]["spans"] == 1
    other = write_jsonl(
        workdir / "other.jsonl",
        {
            "text": text,
            "spans": [
                {"start": 0, "end": 2, "label": "FACT"},
                {"start": 3, "end": 10, "label": "FACT"},
            ],
        },
    )
    kept = invoke("import", str(other), "--annotator", "kim")
    assert "skipped other-000001: kim already annotated it (use --replace)" in kept.stderr
    assert status_json()["annotators"]["kim"]["spans"] == 1
    assert invoke("import", str(other), "--annotator", "kim", "--replace").exit_code == 0
    assert status_json()["annotators"]["kim"]["spans"] == 2


# -- choosing the database ---------------------------------------------------------------------


def test_default_database_is_labels_workbench_db_in_the_working_directory(workdir: Path) -> None:
    write(workdir / "a.txt", SMALL_TEXTS["energy"])
    assert invoke("import", "a.txt").exit_code == 0
    assert (workdir / "labels" / "workbench.db").is_file()
    assert sorted(p.name for p in workdir.iterdir()) == ["a.txt", "labels"]


def test_global_db_option_before_the_command(workdir: Path) -> None:
    write(workdir / "a.txt", SMALL_TEXTS["energy"])
    assert invoke("--db", "global.db", "import", "a.txt").exit_code == 0
    assert (workdir / "global.db").is_file()
    assert not (workdir / "labels").exists()
    assert status_json("--db", "global.db")["documents"] == 1


def test_command_db_option_after_the_command_wins(workdir: Path) -> None:
    write(workdir / "a.txt", SMALL_TEXTS["energy"])
    write(workdir / "b.txt", SMALL_TEXTS["summit"])
    assert invoke("import", "a.txt", "b.txt", "--db", "own.db").exit_code == 0
    assert invoke("--db", "global.db", "import", "a.txt", "--db", "sub/own2.db").exit_code == 0
    assert not (workdir / "global.db").exists()
    assert (workdir / "sub" / "own2.db").is_file()
    assert json.loads(invoke("status", "--json", "--db", "own.db").stdout)["documents"] == 2
    result = invoke("--db", "own.db", "status", "--json", "--db", "sub/own2.db")
    assert json.loads(result.stdout)["documents"] == 1
    assert json.loads(invoke("docs", "--json", "--db", "own.db").stdout)[0]["name"] == "a"


def test_workbench_db_environment_variable(workdir: Path) -> None:
    write(workdir / "a.txt", SMALL_TEXTS["energy"])
    env = {"WORKBENCH_DB": str(workdir / "env.db")}
    result = invoke("import", "a.txt", env=env)
    assert result.exit_code == 0
    assert f"(database: {workdir / 'env.db'})" in result.stderr
    assert status_json(env=env)["documents"] == 1
    assert not (workdir / "labels").exists()
    url_env = {"WORKBENCH_DB": f"sqlite:///{workdir / 'env.db'}"}
    assert status_json(env=url_env)["documents"] == 1
    assert status_json("--db", "other.db", env=env)["documents"] == 0


# -- user errors: exit 1, "error:" lines on stderr, no traceback -------------------------------


def test_bad_files_exit_1_naming_each_file(workdir: Path) -> None:
    write(workdir / "good.txt", SMALL_TEXTS["energy"])
    write(workdir / "empty.txt", b"")
    write(workdir / "latin.txt", "café".encode("latin-1"))
    write(workdir / "blob.txt", b"\x00\x01\x02")
    result = invoke("import", "good.txt", "empty.txt", "latin.txt", "blob.txt")
    lines = assert_user_error(result)
    assert lines[0] == "error: 3 problems; nothing was imported:"
    assert [line.split(":")[1].strip() for line in lines[1:]] == [
        "empty.txt",
        "latin.txt",
        "blob.txt",
    ]
    assert status_json()["documents"] == 0


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("missing.txt", "missing.txt: no such file or folder"),
        (
            "table.csv",
            "table.csv: unsupported file type '.csv'; import .txt files, folders of them,"
            " or .jsonl files",
        ),
        ("folder", "folder: no .txt files in this folder"),
    ],
)
def test_unusable_paths_exit_1(workdir: Path, path: str, message: str) -> None:
    write(workdir / "table.csv", "a,b\n")
    write(workdir / "folder" / "notes.md", "no text files")
    assert assert_user_error(invoke("import", path)) == [
        f"error: {message}; nothing was imported",
    ]


def test_bad_jsonl_line_exits_1_naming_file_and_line(workdir: Path) -> None:
    path = write(workdir / "bad.jsonl", b'{"text": "Fine."}\n{"text": \n')
    assert_user_error(invoke("import", str(path)), f"{path}:2: not valid JSON")


def test_bad_align_exits_1_before_touching_the_database(workdir: Path) -> None:
    write(workdir / "a.txt", SMALL_TEXTS["energy"])
    lines = assert_user_error(invoke("import", "a.txt", "--align", "sideways"))
    assert lines == ["error: --align 'sideways': use strict, expand or contract"]
    assert not (workdir / "labels").exists()


BAD_SCHEMES = {
    "bad-name.toml": '[[claim_type]]\nname = "two\\tcolumns"\n[[stance]]\nname = "A"\n'
    '[[topics]]\nname = "B"\n',
    "bad-toml.toml": "[[claim_type]\nname = 1\n",
    "empty.toml": "",
}


@pytest.mark.parametrize("name", list(BAD_SCHEMES))
@pytest.mark.parametrize("where", ["global", "command", "env"])
def test_bad_scheme_file_exits_1(workdir: Path, name: str, where: str) -> None:
    write(workdir / name, BAD_SCHEMES[name])
    if where == "global":
        result = invoke("--scheme", name, "status")
    elif where == "command":
        result = invoke("status", "--scheme", name)
    else:
        result = invoke("status", env={"WORKBENCH_SCHEME": name})
    lines = assert_user_error(result)
    assert all(line.startswith(f"error: {name}: ") for line in lines)


def test_a_new_scheme_is_stored_by_a_command_that_succeeds_not_by_one_refused(
    workdir: Path,
) -> None:
    from workbench.scheme import default_scheme, parse_scheme

    db = f"sqlite:///{workdir / 'w.db'}"
    write(workdir / "a.txt", SMALL_TEXTS["energy"])
    assert invoke("--db", db, "import", "a.txt").exit_code == 0
    scheme = default_scheme().to_dict()
    scheme["topics"] = [*scheme["topics"], {"name": "NEWTOPIC"}]
    write(workdir / "s.toml", parse_scheme(scheme, "s.toml").to_toml())

    def stored() -> tuple[str, ...]:
        store = open_store(db)
        try:
            return store.scheme.names("topics")
        finally:
            store.close()

    assert_user_error(invoke("--db", db, "--scheme", "s.toml", "agreement", "--status", "x"))
    assert "NEWTOPIC" not in stored()
    assert invoke("--db", db, "--scheme", "s.toml", "status").exit_code == 0  # reads only
    assert "NEWTOPIC" in stored()


def test_missing_scheme_file_exits_1(workdir: Path) -> None:
    assert assert_user_error(invoke("status", "--scheme", "nope.toml")) == [
        "error: nope.toml: scheme file not found"
    ]


def test_database_path_that_is_a_folder_exits_1(workdir: Path) -> None:
    (workdir / "data").mkdir()
    assert assert_user_error(invoke("--db", "data", "status")) == [
        "error: data: is a folder, not a database file"
    ]


def test_file_that_is_not_a_database_exits_1_and_is_left_alone(workdir: Path) -> None:
    junk = bytes(range(256)) * 64
    write(workdir / "junk.db", junk)
    for args in (["status"], ["docs"], ["import", str(SEEDS)]):
        assert_user_error(invoke(*args, "--db", "junk.db"), "junk.db: not a Workbench database")
    assert (workdir / "junk.db").read_bytes() == junk


def test_sqlite_database_of_another_program_exits_1(workdir: Path) -> None:
    import sqlite3

    connection = sqlite3.connect(workdir / "other.db")
    connection.execute("CREATE TABLE things (id INTEGER)")
    connection.commit()
    connection.close()
    assert_user_error(invoke("status", "--db", "other.db"), "not a Workbench database")


def test_help_exits_0(workdir: Path) -> None:
    for args in (["--help"], ["-h"], ["import", "--help"], ["status", "--help"], ["docs", "-h"]):
        result = invoke(*args)
        assert result.exit_code == 0, args
        assert "Usage:" in result.stdout
    top = invoke("--help").stdout
    for command in ("import", "status", "docs"):
        assert command in top
    assert "--align" in invoke("import", "--help").stdout
    assert not (workdir / "labels").exists()


def test_usage_errors_exit_2(workdir: Path) -> None:
    assert invoke("no-such-command").exit_code == 2
    assert invoke("import").exit_code == 2
    assert invoke("status", "--bogus").exit_code == 2


# -- real processes ---------------------------------------------------------------------------

HELP_PROBE = """
import sys
from workbench.cli import app
try:
    app({args!r})
except SystemExit as exc:
    assert exc.code == 0, exc.code
print("MODULES", "spacy" in sys.modules, "textual" in sys.modules)
"""


@pytest.mark.parametrize("args", [["--help"], ["import", "--help"], ["status", "--help"]])
def test_help_does_not_import_spacy_or_textual(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", HELP_PROBE.format(args=args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout
    assert done.stdout.splitlines()[-1] == "MODULES False False"


def run_module(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_console_script_imports_and_reports(workdir: Path) -> None:
    assert (REPO / "workbench" / "__main__.py").is_file()
    imported = run_module("import", str(SEEDS), cwd=workdir)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == ""
    assert "imported 5 documents" in imported.stderr
    status = run_module("status", "--json", cwd=workdir)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout) == {"documents": 5, "annotators": {}, "flagged": 0}
    write(workdir / "empty.txt", b"")
    failed = run_module("import", "empty.txt", cwd=workdir)
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert "Traceback" not in failed.stderr
    assert failed.stderr.splitlines() == [
        "error: empty.txt: the file is empty (no text to annotate); nothing was imported",
    ]


def test_import_skip_invalid_lists_each_left_out_line(workdir: Path) -> None:
    lines = [{"text": f"Article {n} about the summit."} for n in range(13)]
    raw = "\n".join(orjson.dumps(line).decode() for line in lines).splitlines()
    raw[3] = '{"text": "  "}'
    raw[7] = "{oops"
    path = write(workdir / "feed.jsonl", "\n".join(raw) + "\n")
    refused = invoke("import", str(path))
    assert_user_error(refused, f"{path}:4: field 'text' is empty")
    result = invoke("import", "--skip-invalid", str(path))
    assert result.exit_code == 0, result.output
    lines_out = result.stderr.splitlines()
    assert lines_out[0].startswith("imported 11 documents, skipped 0, left out 2 invalid")
    assert lines_out[1:3] == [
        f"  invalid, left out: {path}:4: field 'text' is empty",
        f"  invalid, left out: {path}:8: not valid JSON (unexpected character, expected a"
        " string key)",
    ]


def test_a_document_whose_name_holds_a_comma_is_selected_with_doc(workdir: Path) -> None:
    """``--doc`` takes one name as it is and may be repeated (issue 12.11)."""
    path = write_jsonl(
        workdir / "named.jsonl",
        {"text": SMALL_TEXTS["summit"], "meta": {"name": "Paris, France"}},
        {"text": SMALL_TEXTS["energy"], "meta": {"name": "energy"}},
        {"text": SMALL_TEXTS["sanctions"], "meta": {"name": "sanctions"}},
    )
    assert invoke("import", str(path)).exit_code == 0
    for name in ("Paris, France", "energy"):
        labelled = {"text": SMALL_TEXTS["summit" if "," in name else "energy"], "stance": "MIXED"}
        line = write_jsonl(workdir / "l.jsonl", {**labelled, "_annotator_id": "ann"})
        assert invoke("import", str(line), "--replace").exit_code == 0
    out = invoke(
        "export", "jsonl", "--source", "ann", "--status", "any", "--out", "-",
        "--doc", "Paris, France", "--doc", "energy",
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    names = [orjson.loads(line)["meta"]["name"] for line in out.stdout.splitlines()]
    assert names == ["Paris, France", "energy"]
    split = invoke("export", "jsonl", "--source", "ann", "--out", "-", "--docs", "Paris, France")
    assert_user_error(split, "Paris")
    report = invoke("agreement", "--status", "any", "--doc", "Paris, France", "--json")
    assert report.exit_code == 0, report.output
