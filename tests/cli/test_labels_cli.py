"""``workbench labels rename|merge|history`` (issue 15.5): the scheme file in use is rewritten
with the database, history lists what changed, and bad input is one line that changes nothing,
on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
from cli_helpers import assert_user_error, invoke
from helpers import SMALL_TEXTS, dump

from workbench.scheme import load_scheme
from workbench.store import NewDocument, open_store

SCHEME = """\
# The team's scheme.
[[claim_type]]
name = "FACT"  # checkable
key = "7"

[[claim_type]]
name = "OPINION"
key = "8"

[[stance]]
name = "CRITICAL"

[[stance]]
name = "MIXED"

# topics
[[topics]]
name = "ECONOMY"

[[topics]]
name = "ENERGY"
"""


@pytest.fixture
def team(backend_url: str, workdir: Path) -> tuple[str, Path]:
    """A database with ann's and gold's labels on summit, and the scheme file it uses (in the
    working directory, as labels/scheme.toml: the file found without --scheme)."""
    path = workdir / "labels" / "scheme.toml"
    path.parent.mkdir()
    path.write_text(SCHEME, encoding="utf-8")
    store = open_store(backend_url, path)
    try:
        store.add_documents(NewDocument(name, body) for name, body in SMALL_TEXTS.items())
        summit = store.document_by_name("summit")
        for who in ("ann", "gold"):
            annotation = store.annotation(summit, store.annotator(who).id).id
            store.add_span(annotation, 0, 10, "FACT", topics=["ECONOMY", "ENERGY"])
            store.set_topics(annotation, ["ECONOMY", "ENERGY"])
            store.set_stance(annotation, "MIXED")
    finally:
        store.close()
    return backend_url, path


def snapshot(url: str, path: Path) -> tuple[object, str]:
    store = open_store(url, path)
    try:
        return dump(store), path.read_text("utf-8")
    finally:
        store.close()


def test_rename_rewrites_the_scheme_file_in_use(team: tuple[str, Path]) -> None:
    url, path = team
    result = invoke("labels", "rename", "FACT", "CLAIM", "--by", "lead", "--db", url)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Renamed claim type FACT to CLAIM: 2 annotations, 2 spans, 0 suggestions;"
        " labels/scheme.toml rewritten"
    ]
    assert path.read_text("utf-8") == SCHEME.replace('"FACT"', '"CLAIM"')
    assert load_scheme(path).get("claim_type", "CLAIM").key == "7"  # type: ignore[union-attr]
    status = invoke("agreement", "--json", "--db", url)
    assert status.exit_code == 0, status.output  # the file and the database agree


def test_merge_and_history(team: tuple[str, Path]) -> None:
    url, path = team
    merged = invoke(
        "labels", "merge", "ECONOMY", "ENERGY", "--into", "ECONOMY", "--db", url, "--by", "lead"
    )
    assert merged.exit_code == 0, merged.output
    assert "Merged topics ECONOMY, ENERGY into ECONOMY: 2 annotations, 2 spans" in merged.stdout
    assert "ENERGY" not in path.read_text("utf-8")
    assert "# topics" in path.read_text("utf-8")
    store = open_store(url, path)
    try:
        gold = store.find_annotation(store.document_by_name("summit"), store.annotator("gold").id)
        assert gold is not None and gold.topics == ("ECONOMY",)
        assert [s.topics for s in gold.spans] == [("ECONOMY",)]
    finally:
        store.close()
    invoke("labels", "merge", "MIXED", "--into", "CRITICAL", "--kind", "stance", "--db", url)
    history = invoke("labels", "history", "--json", "--db", url)
    assert history.exit_code == 0, history.output
    rows = orjson.loads(history.stdout)
    assert [(r["action"], r["kind"], r["from"], r["to"], r["annotations"]) for r in rows] == [
        ("merge", "topics", ["ECONOMY", "ENERGY"], "ECONOMY", 2),
        ("merge", "stance", ["MIXED"], "CRITICAL", 2),
    ]
    assert set(rows[0]) == {
        "id",
        "at",
        "by",
        "action",
        "kind",
        "from",
        "to",
        "annotations",
        "spans",
        "suggestions",
        "scheme_file",
    }
    assert rows[0]["by"] == "lead"
    table = invoke("labels", "history", "--db", url)
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert len(lines) == 2
    assert "  lead  Merged topics ECONOMY, ENERGY into ECONOMY: 2 annotations" in lines[0]
    assert "Merged stance MIXED into CRITICAL" in lines[1]


def test_history_of_a_new_database(backend_url: str, workdir: Path) -> None:
    result = invoke("labels", "history", "--db", backend_url)
    assert result.exit_code == 0
    assert result.stdout.strip() == "No label has been renamed or merged."
    assert orjson.loads(invoke("labels", "history", "--json", "--db", backend_url).stdout) == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["rename", "FACT", "OPINION"], "the new name 'OPINION' is taken"),
        (["rename", "FACT", "ECONOMY"], "the scheme has the topic ECONOMY"),
        (["rename", "NOPE", "X"], "unknown label 'NOPE'"),
        (["rename", "FACT", "X", "--kind", "topic"], "'FACT' is not a topic"),
        (["rename", "FACT", "X", "--kind", "label"], "--kind 'label': use claim_type"),
        (["merge", "FACT", "MIXED", "--into", "X"], "say which with --kind"),
        (["merge", "FACT", "--into", "NEW"], "rename it"),
        (["rename", "FACT", "BAD\x1bNAME"], "holds a control"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    team: tuple[str, Path], args: list[str], fragment: str
) -> None:
    url, path = team
    before = snapshot(url, path)
    result = invoke("labels", *args, "--db", url)
    lines = assert_user_error(result, fragment)
    assert len(lines) == 1, lines
    assert snapshot(url, path) == before


def test_an_unwritable_scheme_file_changes_nothing(team: tuple[str, Path]) -> None:
    if os.geteuid() == 0:
        pytest.skip(
            "root writes into a read-only folder anyway (tests/core/test_relabel.py"
            " checks a refused write)"
        )
    url, path = team
    before = snapshot(url, path)
    path.parent.chmod(0o555)  # the temporary file beside it cannot be made
    try:
        result = invoke("labels", "rename", "FACT", "CLAIM", "--db", url)
    finally:
        path.parent.chmod(0o755)
    assert_user_error(result, "scheme.toml")
    assert snapshot(url, path) == before


def test_the_scheme_option_names_the_file_to_rewrite(team: tuple[str, Path]) -> None:
    url, default = team
    other = default.parent.parent / "team-scheme.toml"
    other.write_text(default.read_text("utf-8"), encoding="utf-8")
    result = invoke("--scheme", str(other), "labels", "rename", "OPINION", "VIEW", "--db", url)
    assert result.exit_code == 0, result.output
    assert f"{other} rewritten" in result.stdout
    assert 'name = "VIEW"' in other.read_text("utf-8")
    assert default.read_text("utf-8") == SCHEME  # not the file in use: left alone
