"""``export jsonl``: the Workbench (Prodigy) and doccano shapes, determinism, files and stdout,
and the round trip through ``workbench import``."""

from __future__ import annotations

import errno
import os
import string
import threading
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from export_corpus import ENERGY, STAMP, SUMMIT, annotated, corpus, many
from helpers import SMALL_TEXTS
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from workbench.cli import app
from workbench.errors import WorkbenchError
from workbench.export.jsonl import export_jsonl
from workbench.formats import tokens_json as tokens_module
from workbench.formats import workbench as workbench_format
from workbench.formats.tokens_json import tokens_json
from workbench.importer import import_paths
from workbench.nlp import Tokenization, tokenize
from workbench.store import NewAnnotation, NewDocument, Store, open_store


def lines(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def by_key(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["meta"]["name"], r["_annotator_id"]): r for r in records}


# -- the Workbench (Prodigy) shape ----------------------------------------------------------


def test_workbench_lines_are_prodigy_tasks_with_our_fields(store: Store, workdir: Path) -> None:
    annotated(store)
    result = export_jsonl(store, out=workdir / "all.jsonl", source="all")
    records = lines(workdir / "all.jsonl")
    assert (result.records, result.documents) == (9, 3)
    # By document name, then annotator.
    assert [(r["meta"]["name"], r["_annotator_id"]) for r in records] == [
        ("energy", "ann"),
        ("energy", "bob"),
        ("energy", "cy"),
        ("energy", "gold"),
        ("sanctions", "ann"),
        ("summit", "ann"),
        ("summit", "bob"),
        ("summit", "cy"),
        ("summit", "gold"),
    ]
    ann = by_key(records)[("summit", "ann")]
    assert ann["text"] == SUMMIT
    assert ann["meta"] == {"name": "summit", "source": "all", "url": "https://example.org/summit"}
    stored = store.document(store.document_by_name("summit"))
    assert ann["tokens"] == [
        {"text": SUMMIT[s:e], "start": s, "end": e, "id": i, "ws": ws}
        for i, (s, e, ws) in enumerate(
            zip(
                stored.tokens.starts.tolist(),
                stored.tokens.ends.tolist(),
                stored.tokens.spaces.tolist(),
                strict=True,
            )
        )
    ]
    fact = SUMMIT.index("Xi")
    assert ann["spans"][0] == {
        "start": fact,
        "end": fact + 40,
        "token_start": 0,
        "token_end": 7,  # inclusive, as Prodigy has it: "Moscow" is 6, "." is 7
        "label": "FACT",
        "stance": "SUPPORTIVE",
    }
    assert ann["tokens"][7]["text"] == "."
    assert ann["spans"][1]["topics"] == ["ECONOMY"]
    assert "stance" not in ann["spans"][1]
    assert [span["label"] for span in ann["spans"]] == ["FACT", "STATISTIC", "QUOTE"]
    assert ann["answer"] == "accept"
    assert ann["_session_id"] == "ann"
    assert ann["_timestamp"] == int(STAMP)
    assert (ann["stance"], ann["topics"], ann["status"], ann["note"]) == (
        "SUPPORTIVE",
        ["DIPLOMACY", "ECONOMY"],
        "done",
        "checked twice",
    )
    assert ann["seconds"] == 95.5
    assert by_key(records)[("energy", "cy")]["stance"] is None
    assert all(
        isinstance(r["_input_hash"], int) and -(2**31) <= r["_input_hash"] < 2**31 for r in records
    )
    summit = [r for r in records if r["meta"]["name"] == "summit"]
    assert len({r["_input_hash"] for r in summit}) == 1
    assert len({r["_task_hash"] for r in summit}) == 4  # different labels, different tasks


def test_answers_follow_the_status_and_other_statuses_have_none(
    store: Store, workdir: Path
) -> None:
    annotated(store)
    export_jsonl(store, out=workdir / "bob.jsonl", source="bob", status="any")
    records = {r["meta"]["name"]: r for r in lines(workdir / "bob.jsonl")}
    assert records["summit"]["answer"] == "accept"
    assert records["sanctions"]["status"] == "in_progress"
    assert "answer" not in records["sanctions"]


def test_the_same_database_gives_the_same_bytes(store: Store, workdir: Path) -> None:
    annotated(store)
    for fmt in ("workbench", "doccano"):
        export_jsonl(store, out=workdir / "a.jsonl", source="all", format=fmt)
        export_jsonl(store, out=workdir / "b.jsonl", source="all", format=fmt)
        assert (workdir / "a.jsonl").read_bytes() == (workdir / "b.jsonl").read_bytes()


def test_majority_lines_and_ties(store: Store, workdir: Path) -> None:
    annotated(store)
    result = export_jsonl(store, out=workdir / "m.jsonl", source="majority")
    records = {r["meta"]["name"]: r for r in lines(workdir / "m.jsonl")}
    assert result.stance_ties == ["energy"]
    assert records["energy"]["stance"] is None
    assert records["energy"]["_annotator_id"] == "majority"
    assert records["summit"]["stance"] == "SUPPORTIVE"
    assert records["summit"]["topics"] == ["DIPLOMACY", "ECONOMY"]
    assert [s["label"] for s in records["summit"]["spans"]] == ["FACT", "STATISTIC"]
    assert records["summit"]["_timestamp"] == int(STAMP) + 60  # the latest contributor


# -- tokens -------------------------------------------------------------------------------------

ODD_TEXTS = [
    *SMALL_TEXTS.values(),
    'He said "hi\\" there"\t\tand \\u0000 left',
    "Zoë’s 👨‍👩‍👧 café\r\n\x01control , - ,true, ],[ x",
    '"",  ","  \\\\ "\\"',
    "  leading and trailing  \n",
    "one",
]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_tokens_json_fast_path_matches_plain(text: str) -> None:
    tokens = Tokenization.from_columns(**tokenize(text).to_columns())
    expected = tokens_module.tokens_json_plain(text, tokens)
    assert tokens_json(text, tokens) == expected
    assert [t["text"] for t in orjson.loads(expected)] == tokens.words(text)


PIECES = [
    *string.ascii_letters[:6],
    *"0 \t\n\r\"\\,.-[]{}:'’—é😀\x01\x1f",
    "\\u0000",
    ",true,",
    "],[",
    "  ",
]
"""Characters and sequences that could trip the fast path: escapes that change a character's
length, characters of two to four UTF-8 bytes, and text that looks like JSON."""


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=40).map("".join))
def test_tokens_json_matches_plain_for_any_text(text: str) -> None:
    if not text.strip():
        return
    tokens = Tokenization.from_columns(**tokenize(text).to_columns())
    assert tokens_json(text, tokens) == tokens_module.tokens_json_plain(text, tokens)


@st.composite
def any_tokens(draw: st.DrawFn) -> tuple[str, Tokenization]:
    """A text and tokens laid out any way: gaps, overlaps, out of order, empty or past the
    end (those the fast path must hand to the plain one)."""
    text = draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join))
    count = draw(st.integers(1, 8))
    starts = draw(st.lists(st.integers(0, len(text)), min_size=count, max_size=count))
    ends = [start + draw(st.integers(-1, 6)) for start in starts]
    spaces = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    return text, Tokenization(
        np.array(starts, dtype=np.int64),
        np.array(ends, dtype=np.int64),
        np.array(spaces, dtype=np.bool_),
        np.zeros(1, dtype=np.int64),
    )


@settings(max_examples=300, deadline=None)
@given(any_tokens())
def test_tokens_json_matches_plain_for_any_token_layout(case: tuple[str, Tokenization]) -> None:
    text, tokens = case
    assert tokens_json(text, tokens) == tokens_module.tokens_json_plain(text, tokens)


def test_tokens_json_grows_its_tables_and_hands_huge_documents_to_the_plain_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = tokens_module.tokens_json_plain
    encoder = tokens_module.TokensEncoder()
    with monkeypatch.context() as patched:
        patched.setattr(tokens_module, "tokens_json_plain", None)  # the fast path only, here
        # Past the first tables' 4,096 offsets and 1,024 tokens, then a short one again.
        for words in (3, 5_000, 20_000, 2):
            text = " ".join(f"w{index}’" for index in range(words))
            tokens = tokenize(text)
            assert encoder(text, tokens) == plain(text, tokens)
    # From TABLE_LIMIT characters on: the plain path, the same bytes.
    count = tokens_module.TABLE_LIMIT // 2
    text = "a " * count
    starts = np.arange(count, dtype=np.int64) * 2
    huge = Tokenization(
        starts, starts + 1, np.ones(count, dtype=np.bool_), np.zeros(1, dtype=np.int64)
    )
    assert len(text) == tokens_module.TABLE_LIMIT
    assert encoder(text, huge) == plain(text, huge)


# -- doccano ------------------------------------------------------------------------------------


def test_doccano_lines_have_label_triples_and_the_annotator(store: Store, workdir: Path) -> None:
    annotated(store)
    export_jsonl(store, out=workdir / "d.jsonl", source="all", format="doccano")
    records = lines(workdir / "d.jsonl")
    first = records[0]
    assert list(first) == [
        "text",
        "label",
        "name",
        "annotator",
        "status",
        "stance",
        "topics",
        "note",
    ]
    assert (first["name"], first["annotator"], first["stance"]) == ("energy", "ann", "NEUTRAL")
    russia = ENERGY.index("Russia")
    pipeline = ENERGY.index("pipeline")
    assert first["text"] == ENERGY
    assert first["label"] == [
        [russia, russia + 35, "PREDICTION"],
        [pipeline, pipeline + 19, "FACT"],
    ]
    assert [r["annotator"] for r in records] == [
        "ann",
        "bob",
        "cy",
        "gold",
        "ann",
        "ann",
        "bob",
        "cy",
        "gold",
    ]


# -- files and stdout --------------------------------------------------------------------------


@pytest.mark.parametrize("failure", ["encoding", "writing"])
def test_a_failed_export_leaves_the_previous_file(
    store: Store, workdir: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    many(store, 5)
    target = workdir / "out.jsonl"
    export_jsonl(store, out=target, source="all")
    before = target.read_bytes()
    threads = threading.active_count()
    calls = 0

    def fail_later(self: Any, record: Any) -> list[bytes]:
        nonlocal calls
        calls += 1
        if calls > 3:
            raise RuntimeError("interrupted")
        return [b"partial\n"]

    def disk_full(fd: int, pieces: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    if failure == "encoding":
        monkeypatch.setattr(workbench_format.WorkbenchLines, "__call__", fail_later)
    else:  # on the writer thread: raised in the caller's
        monkeypatch.setattr(os, "writev", disk_full)  # as the writer thread sees it
    with pytest.raises(
        RuntimeError if failure == "encoding" else WorkbenchError,
        match="interrupted" if failure == "encoding" else "No space left on device",
    ):
        export_jsonl(store, out=target, source="all")
    assert target.read_bytes() == before
    assert threading.active_count() == threads
    assert [path.name for path in workdir.iterdir() if path.name.startswith(".")] == []


def test_export_to_a_folder_or_bad_format_is_an_error(store: Store, workdir: Path) -> None:
    annotated(store)
    with pytest.raises(WorkbenchError, match="is a folder"):
        export_jsonl(store, out=workdir, source="all")
    with pytest.raises(
        WorkbenchError, match="format 'csv' unknown; expected one of workbench, doccano"
    ):
        export_jsonl(store, out=workdir / "x.jsonl", source="all", format="csv")


def test_command_writes_data_to_stdout_and_messages_to_stderr(workdir: Path, db_url: str) -> None:
    store = open_store(db_url)
    annotated(store)
    store.close()
    runner = CliRunner()
    result = runner.invoke(
        app, ["--db", db_url, "export", "jsonl", "--source", "all", "--out", "-"]
    )
    assert result.exit_code == 0, result.output
    records = [orjson.loads(line) for line in result.stdout_bytes.splitlines()]
    assert len(records) == 9
    assert result.stderr.startswith("wrote 9 lines (3 documents, workbench) to stdout")
    default = runner.invoke(app, ["--db", db_url, "export", "jsonl", "--source", "gold"])
    assert default.exit_code == 0, default.output
    assert len(lines(workdir / "exports" / "gold.jsonl")) == 2
    doccano = runner.invoke(
        app, ["--db", db_url, "export", "jsonl", "--source", "ann", "--format", "doccano"]
    )
    assert doccano.exit_code == 0, doccano.output
    assert len(lines(workdir / "exports" / "ann.doccano.jsonl")) == 3
    bad = runner.invoke(
        app, ["--db", db_url, "export", "jsonl", "--source", "all", "--status", "x"]
    )
    assert bad.exit_code == 1
    assert bad.stderr.startswith("error: --status 'x'")


# -- the round trip ---------------------------------------------------------------------------

ANNOTATOR = {"workbench": "_annotator_id", "doccano": "annotator"}


@pytest.mark.parametrize("fmt", ["workbench", "doccano"])
@pytest.mark.parametrize("source", ["all", "majority", "gold"])
def test_export_import_export_is_byte_identical(workdir: Path, fmt: str, source: str) -> None:
    first = open_store(f"sqlite:///{workdir / 'first.db'}")
    first.add_documents(corpus())
    # An imported Prodigy "reject" is kept and written back.
    rejected = NewAnnotation("dee", status="skipped", answer="reject", timestamp=STAMP)
    first.add_documents([NewDocument("summit", SUMMIT, annotations=(rejected,))])
    status = "any"
    one = workdir / f"one.{fmt}.jsonl"
    export_jsonl(first, out=one, source=source, status=status, format=fmt)
    second = open_store(f"sqlite:///{workdir / 'second.db'}")
    # Gold is imported only when the command line names it (issue 12.11): its lines apart.
    raw = one.read_bytes().splitlines(keepends=True)
    gold = [line for line in raw if orjson.loads(line).get(ANNOTATOR[fmt]) == "gold"]
    rest = [line for line in raw if line not in gold]
    (workdir / "gold.jsonl").write_bytes(b"".join(gold))
    (workdir / "rest.jsonl").write_bytes(b"".join(rest))
    annotations = 0
    if rest:
        annotations += import_paths(second, [workdir / "rest.jsonl"]).annotations
    if gold:
        annotations += import_paths(second, [workdir / "gold.jsonl"], annotator="gold").annotations
    assert annotations == len(lines(one))
    assert bool(gold) == (source in ("all", "gold"))
    two = workdir / f"two.{fmt}.jsonl"
    export_jsonl(second, out=two, source=source, status=status, format=fmt)
    assert two.read_bytes() == one.read_bytes()
    if fmt == "workbench" and source == "all":
        dee = by_key(lines(two))[("summit", "dee")]
        assert (dee["answer"], dee["status"]) == ("reject", "skipped")
        assert by_key(lines(two))[("summit", "ann")]["note"] == "checked twice"
    first.close()
    second.close()


def test_round_trip_keeps_timestamps_and_time_spent(workdir: Path) -> None:
    first = open_store(f"sqlite:///{workdir / 'first.db'}")
    first.add_documents(corpus())
    export_jsonl(first, out=workdir / "one.jsonl", source="ann")
    second = open_store(f"sqlite:///{workdir / 'second.db'}")
    import_paths(second, [workdir / "one.jsonl"])
    person = second.annotator("ann", create=False)
    info = second.find_annotation(second.document_by_name("summit"), person.id)
    assert info is not None
    assert (info.updated_at, info.created_at, info.seconds) == (STAMP, STAMP, 95.5)
    first.close()
    second.close()


def test_large_corpus_exports_in_pages(store: Store, workdir: Path) -> None:
    many(store, 300, annotators=("ann",))
    calls: list[tuple[int, int]] = []
    result = export_jsonl(
        store, out=workdir / "big.jsonl", source="ann", progress=lambda d, t: calls.append((d, t))
    )
    assert result.records == 300
    assert calls[-1] == (300, 300)
    assert len(calls) >= 3
    names = [r["meta"]["name"] for r in lines(workdir / "big.jsonl")]
    assert names == sorted(names)
