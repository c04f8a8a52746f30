"""``workbench route set|show|clear|next`` (issue 15.1-2): the policy stored and shown with each
annotator's queue, ``route next`` printing the document and taking its lease, and bad input a
one-line error (exit 1) that changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import assert_user_error, invoke
from helpers import SMALL_TEXTS, dump

from workbench.store import NewDocument, open_store


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A database with the three small documents and annotators alice, bob and cy."""
    url = f"sqlite:///{tmp_path / 'route.db'}"
    store = open_store(url)
    store.add_documents(NewDocument(name, body) for name, body in SMALL_TEXTS.items())
    for name in ("alice", "bob", "cy"):
        store.annotator(name)
    store.close()
    return {"WORKBENCH_DB": url}


def rows(env: dict[str, str]) -> object:
    store = open_store(env["WORKBENCH_DB"])
    try:
        return dump(store)
    finally:
        store.close()


def test_set_show_next_and_clear(env: dict[str, str]) -> None:
    shown = invoke("route", "show", env=env)
    assert shown.exit_code == 0
    assert "no routing policy" in shown.stdout
    result = invoke(
        "route", "set", "--per-doc", "2", "--calibration", "1", "--lease", "20",
        "--annotators", "alice,bob", env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "routes alice, bob" in result.stderr and result.stdout == ""
    data = json.loads(invoke("route", "show", "--json", env=env).stdout)
    assert data["policy"] == {
        "per_doc": 2, "calibration": 1, "lease_minutes": 20.0, "seed": 0,
        "annotators": ["alice", "bob"],
    }  # fmt: skip
    assert [(q["annotator"], q["done"], q["leased"], q["to_do"]) for q in data["queues"]] == [
        ("alice", 0, 0, 3),
        ("bob", 0, 0, 3),
    ]
    first = invoke("route", "next", "--annotator", "alice", env=env)
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() in SMALL_TEXTS and "calibration; leased to alice" in first.stderr
    again = json.loads(invoke("route", "next", "--annotator", "alice", "--json", env=env).stdout)
    assert again["document"] == first.stdout.strip() and again["reason"] == "in progress"
    table = invoke("route", "show", env=env).stdout.splitlines()
    assert table[0].startswith("2 annotators per document, 1 calibration documents")
    assert table[-2].split() == ["alice", "0", "1", "2"]
    assert invoke("route", "clear", env=env).stderr == "routing policy removed\n"
    assert invoke("route", "clear", env=env).stderr == "no routing policy was set\n"
    assert "no routing policy" in invoke("route", "show", env=env).stdout


def test_nothing_left_is_not_an_error(env: dict[str, str]) -> None:
    assert invoke("route", "set", "--per-doc", "1", env=env).exit_code == 0
    given = []
    for _ in range(3):
        done = json.loads(invoke("route", "next", "--annotator", "alice", "--json", env=env).stdout)
        given.append(done["document"])
        store = open_store(env["WORKBENCH_DB"])
        document = store.document_by_name(done["document"])
        store.set_status(store.annotation(document, store.annotator("alice").id).id, "done")
        store.close()
    assert sorted(given) == sorted(SMALL_TEXTS)
    result = invoke("route", "next", "--annotator", "bob", env=env)
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == "nothing left for bob\n"
    quiet = invoke("route", "next", "--annotator", "bob", "--json", env=env)
    assert json.loads(quiet.stdout) == {"annotator": "bob", "document": None}


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("set", "--per-doc", "0"), "--per-doc 0: use a whole number from 1"),
        (("set", "--per-doc", "two"), "--per-doc 'two': use a whole number from 1"),
        (("set", "--per-doc", "1", "--calibration", "-2"), "--calibration -2:"),
        (("set", "--per-doc", "1", "--lease", "0"), "--lease 0.0: use a number of minutes"),
        (("set", "--per-doc", "1", "--lease", "inf"), "--lease inf:"),
        (("set", "--per-doc", "1", "--annotators", "alice,z\ted"), "--annotators: annotator name"),
        (("set", "--per-doc", "3", "--annotators", "alice,bob"), "more than the 2 annotators"),
        (("set", "--per-doc", "1", "--seed", "-1"), "--seed -1:"),
        (("next", "--annotator", "zed"), "--annotator: no annotator named 'zed'"),
        (("next", "--annotator", "gold"), "gold"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    env: dict[str, str], args: tuple[str, ...], fragment: str
) -> None:
    assert invoke("route", "set", "--per-doc", "1", env=env).exit_code == 0
    before = rows(env)
    assert_user_error(invoke("route", *args, env=env), fragment)
    assert rows(env) == before


def test_next_without_a_policy_or_for_someone_not_routed(env: dict[str, str]) -> None:
    before = rows(env)
    assert_user_error(invoke("route", "next", "--annotator", "alice", env=env), "no routing policy")
    assert rows(env) == before
    assert invoke("route", "set", "--per-doc", "1", "--annotators", "bob", env=env).exit_code == 0
    assert_user_error(
        invoke("route", "next", "--annotator", "alice", env=env),
        "--annotator 'alice' is not routed: the policy routes bob",
    )


def test_a_team_is_routed_before_its_annotators_have_begun(env: dict[str, str]) -> None:
    made = invoke("route", "set", "--per-doc", "1", "--annotators", "alice,zed", env=env)
    assert made.exit_code == 0, made.output
    assert "new annotators: zed (check the spelling)" in made.stderr
    shown = json.loads(invoke("route", "show", "--json", env=env).stdout)
    assert [queue["annotator"] for queue in shown["queues"]] == ["alice", "zed"]
    picked = invoke("route", "next", "--annotator", "zed", "--json", env=env)
    assert picked.exit_code == 0 and json.loads(picked.stdout)["document"] is not None
