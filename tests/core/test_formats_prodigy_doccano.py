"""Importing Prodigy and doccano JSONL: span tasks, choice tasks, label triples, class names and
entities; alignment, unknown labels, answers, timestamps, format detection."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers import dump

from workbench.errors import WorkbenchError
from workbench.export.jsonl import export_jsonl
from workbench.importer import import_paths
from workbench.store import AnnotationInfo, Store

SENTENCE = "Xi Jinping met Vladimir Putin in Moscow."
"""Tokens: Xi 0-2, Jinping 3-10, met 11-14, Vladimir 15-23, Putin 24-29, in 30-32, Moscow 33-39,
. 39-40."""


def write_jsonl(path: Path, *lines: dict[str, Any] | str) -> Path:
    raw = [line if isinstance(line, str) else orjson.dumps(line).decode() for line in lines]
    path.write_text("\n".join(raw) + "\n", encoding="utf-8")
    return path


def annotation(store: Store, document: str, annotator: str) -> AnnotationInfo:
    person = store.annotator(annotator, create=False)
    found = store.find_annotation(store.document_by_name(document), person.id)
    assert found is not None
    return found


def spans(info: AnnotationInfo) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.label) for s in info.spans]


def fails_cleanly(store: Store, run: Any, *fragments: str) -> str:
    before = dump(store)
    with pytest.raises(WorkbenchError) as failure:
        run()
    message = str(failure.value)
    for fragment in fragments:
        assert fragment in message
    assert dump(store) == before
    return message


# -- Prodigy ----------------------------------------------------------------------------------


def test_prodigy_span_task_without_tokens(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "ner.jsonl",
        {
            "text": SENTENCE,
            "meta": {"source": "news", "name": "summit"},
            "spans": [
                {"start": 24, "end": 29, "label": "FACT"},
                {"start": 0, "end": 10, "label": "QUOTE", "text": "Xi Jinping"},
            ],
            "answer": "accept",
            "_input_hash": 1,
            "_task_hash": 2,
            "_view_id": "spans_manual",
            "_session_id": "news-alex",
            "_timestamp": 1700000123,
        },
    )
    summary = import_paths(store, [path])
    assert (summary.annotations, summary.spans) == (1, 2)
    info = annotation(store, "summit", "news-alex")
    assert spans(info) == [(0, 10, "QUOTE"), (24, 29, "FACT")]
    assert info.status == "done"
    assert info.updated_at == 1700000123.0


def test_prodigy_spans_by_token_indices_use_the_lines_tokens(store: Store, workdir: Path) -> None:
    tokens = [
        {"text": word, "start": SENTENCE.index(word), "end": SENTENCE.index(word) + len(word)}
        for word in ["Xi", "Jinping", "met", "Vladimir", "Putin"]
    ]
    path = write_jsonl(
        workdir / "tok.jsonl",
        {
            "text": SENTENCE,
            "tokens": tokens,
            # token_end is inclusive in Prodigy: tokens 3..4 are "Vladimir Putin".
            "spans": [{"token_start": 3, "token_end": 4, "label": "FACT"}],
            "answer": "accept",
            "_annotator_id": "kim",
        },
    )
    import_paths(store, [path])
    assert spans(annotation(store, "tok-000001", "kim")) == [(15, 29, "FACT")]


def test_prodigy_choice_task_accept_list_gives_stance_and_topics(
    store: Store, workdir: Path
) -> None:
    options = [{"id": name, "text": name.title()} for name in ("SUPPORTIVE", "CRITICAL", "ENERGY")]
    path = write_jsonl(
        workdir / "choice.jsonl",
        {
            "text": SENTENCE,
            "options": options,
            "accept": ["CRITICAL", "ENERGY", "SANCTIONS"],
            "answer": "accept",
            "_annotator_id": "kim",
        },
    )
    import_paths(store, [path])
    info = annotation(store, "choice-000001", "kim")
    assert (info.stance, info.topics, info.status) == ("CRITICAL", ("ENERGY", "SANCTIONS"), "done")


def test_two_stances_in_a_choice_task_are_an_error(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "choice.jsonl",
        {"text": SENTENCE, "accept": ["CRITICAL", "MIXED"], "_annotator_id": "kim"},
    )
    fails_cleanly(
        store, lambda: import_paths(store, [path]), f"{path}:1: ", "two stances (CRITICAL, MIXED)"
    )


@pytest.mark.parametrize(
    ("answer", "status"), [("accept", "done"), ("ignore", "skipped"), ("reject", "skipped")]
)
def test_answers_become_statuses_and_the_answer_is_kept(
    store: Store, workdir: Path, answer: str, status: str
) -> None:
    path = write_jsonl(
        workdir / "a.jsonl",
        {"text": SENTENCE, "answer": answer, "_annotator_id": "kim", "meta": {"name": "s"}},
    )
    import_paths(store, [path])
    assert annotation(store, "s", "kim").status == status
    export_jsonl(store, out=workdir / "back.jsonl", source="kim", status="any")
    (line,) = [orjson.loads(raw) for raw in (workdir / "back.jsonl").read_bytes().splitlines()]
    assert line["answer"] == answer


def test_other_answers_are_refused_and_no_answer_is_in_progress(
    store: Store, workdir: Path
) -> None:
    path = write_jsonl(workdir / "x.jsonl", {"text": SENTENCE, "stance": "MIXED"})
    import_paths(store, [path], annotator="kim")
    assert annotation(store, "x-000001", "kim").status == "in_progress"
    bad = write_jsonl(workdir / "bad.jsonl", {"text": "Other.", "answer": "maybe"})
    fails_cleanly(store, lambda: import_paths(store, [bad]), f"{bad}:1: ", "'answer'")


# -- doccano ------------------------------------------------------------------------------------


def test_doccano_label_triples(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "kim.jsonl",
        {
            "id": 7,
            "text": SENTENCE,
            "label": [[0, 10, "QUOTE"], [24, 29, "FACT"]],
            "Comments": ["check the quote"],
        },
    )
    summary = import_paths(store, [path], annotator="kim")
    assert summary.spans == 2
    info = annotation(store, "kim-000001", "kim")
    assert spans(info) == [(0, 10, "QUOTE"), (24, 29, "FACT")]
    assert (info.status, info.note) == ("in_progress", "check the quote")


def test_doccano_class_names_and_entities(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "mixed.jsonl",
        {"text": SENTENCE, "label": ["SUPPORTIVE", "ECONOMY"], "annotator": "lee"},
        {
            "data": SENTENCE + " Again.",
            "entities": [{"id": 1, "label": "FACT", "start_offset": 15, "end_offset": 29}],
            "relations": [],
            "annotator": "lee",
            "status": "done",
        },
    )
    import_paths(store, [path])
    first = annotation(store, "mixed-000001", "lee")
    assert (first.stance, first.topics, first.spans) == ("SUPPORTIVE", ("ECONOMY",), ())
    second = annotation(store, "mixed-000002", "lee")
    assert spans(second) == [(15, 29, "FACT")]
    assert second.status == "done"


def test_doccano_without_an_annotator_is_an_error(store: Store, workdir: Path) -> None:
    path = write_jsonl(workdir / "d.jsonl", {"text": SENTENCE, "label": [[0, 2, "FACT"]]})
    fails_cleanly(store, lambda: import_paths(store, [path]), f"{path}:1: ", "--annotator")


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ({"text": SENTENCE, "label": [[0, 99, "FACT"]]}, "label[0]: offsets 0-99"),
        ({"text": SENTENCE, "label": [[0, "2", "FACT"]]}, "label[0]: offsets must be integers"),
        ({"text": SENTENCE, "label": [{"x": 1}]}, "label[0]: offsets must be integers"),
        ({"text": SENTENCE, "label": [7]}, "label[0]: must be [start, end"),
        ({"text": SENTENCE, "entities": [[0, 2]]}, "entities[0]: must be an object"),
        ({"data": 5, "label": []}, "needs the document in 'text'"),
    ],
)
def test_malformed_doccano_lines_name_the_line(
    store: Store, workdir: Path, line: dict[str, Any], why: str
) -> None:
    path = write_jsonl(workdir / "d.jsonl", {"text": "A fine line."}, line)
    fails_cleanly(store, lambda: import_paths(store, [path], annotator="kim"), f"{path}:2: ", why)
    assert store.count_documents() == 0


# -- alignment and unknown labels ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["prodigy", "doccano"])
def test_a_misaligned_span_stops_the_import_with_file_line_and_offsets(
    store: Store, workdir: Path, fmt: str
) -> None:
    good = {"text": "Another article.", "_annotator_id": "kim", "answer": "accept"}
    if fmt == "prodigy":
        bad: dict[str, Any] = {
            "text": SENTENCE,
            "spans": [{"start": 3, "end": 6, "label": "FACT"}],
            "_annotator_id": "kim",
        }
    else:
        bad = {"text": SENTENCE, "label": [[3, 6, "FACT"]], "annotator": "kim"}
    path = write_jsonl(workdir / f"{fmt}.jsonl", good, bad)
    message = fails_cleanly(
        store, lambda: import_paths(store, [path]), f"{path}:2: ", "span 3-6", "'Jin'"
    )
    assert "token boundaries" in message
    assert store.count_documents() == 0
    import_paths(store, [path], align="expand")
    name = f"{fmt}-000002"
    assert spans(annotation(store, name, "kim")) == [(3, 10, "FACT")]


def test_unknown_labels_of_every_format_are_all_reported_with_counts(
    store: Store, workdir: Path
) -> None:
    prodigy = write_jsonl(
        workdir / "prodigy.jsonl",
        {
            "text": SENTENCE,
            "spans": [
                {"start": 0, "end": 2, "label": "RUMOUR"},
                {"start": 3, "end": 10, "label": "RUMOUR"},
            ],
            "accept": ["HAPPY", "SPORT"],
            "_annotator_id": "kim",
        },
    )
    doccano = write_jsonl(
        workdir / "doccano.jsonl",
        {"text": SENTENCE, "label": [[0, 2, "GOSSIP"], "WEATHER", "ECONOMY"], "annotator": "kim"},
        {"text": SENTENCE + " B.", "label": [[0, 2, "GOSSIP"]], "annotator": "kim"},
    )
    message = fails_cleanly(store, lambda: import_paths(store, [prodigy, doccano]))
    lines = message.splitlines()
    assert len(lines) == 3
    assert lines[1].startswith(f"{prodigy}: unknown labels ")
    assert re.search(r"RUMOUR \(claim type\) x2\b", lines[1])
    assert "HAPPY (topic) x1" in lines[1]
    assert "SPORT (topic) x1" in lines[1]
    assert lines[2].startswith(f"{doccano}: unknown labels ")
    assert "GOSSIP (claim type) x2" in lines[2]
    assert "WEATHER (topic) x1" in lines[2]
    assert "ECONOMY" not in lines[2]
    assert "add them to the scheme" in lines[2]


# -- format detection -----------------------------------------------------------------------


def test_auto_detects_the_format_line_by_line(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "mixed.jsonl",
        {
            "text": SENTENCE,
            "spans": [{"start": 0, "end": 2, "label": "FACT"}],
            "_annotator_id": "a",
        },
        {"text": SENTENCE + " Two.", "label": [[3, 10, "QUOTE"]], "annotator": "a"},
        {"text": SENTENCE + " Three.", "accept": ["MIXED"], "_annotator_id": "a"},
    )
    summary = import_paths(store, [path])
    assert summary.annotations == 3
    assert spans(annotation(store, "mixed-000001", "a")) == [(0, 2, "FACT")]
    assert spans(annotation(store, "mixed-000002", "a")) == [(3, 10, "QUOTE")]
    assert annotation(store, "mixed-000003", "a").stance == "MIXED"


def test_forced_formats(store: Store, workdir: Path) -> None:
    doccano = write_jsonl(
        workdir / "d.jsonl", {"text": SENTENCE, "label": [[0, 2, "FACT"]], "annotator": "a"}
    )
    fails_cleanly(
        store,
        lambda: import_paths(store, [doccano], format="workbench"),
        f"{doccano}:1: a doccano line",
        "--format doccano",
    )
    choice = write_jsonl(
        workdir / "c.jsonl", {"text": SENTENCE, "accept": ["MIXED"], "_annotator_id": "a"}
    )
    import_paths(store, [choice], format="workbench")  # accept means nothing to our format
    assert store.annotators() == []
    import_paths(store, [doccano], format="doccano")  # the same text: labels go to c-000001
    assert spans(annotation(store, "c-000001", "a")) == [(0, 2, "FACT")]
    with pytest.raises(WorkbenchError, match="format 'csv' unknown; expected one of auto,"):
        import_paths(store, [doccano], format="csv")


def test_import_format_option_on_the_command_line(workdir: Path, db_url: str) -> None:
    from typer.testing import CliRunner

    from workbench.cli import app

    path = write_jsonl(
        workdir / "d.jsonl", {"text": SENTENCE, "label": [[0, 2, "FACT"]], "annotator": "a"}
    )
    runner = CliRunner()
    result = runner.invoke(app, ["--db", db_url, "import", str(path), "--format", "doccano"])
    assert result.exit_code == 0, result.output
    assert "1 annotations with 1 spans" in result.stderr
    bad = runner.invoke(app, ["--db", db_url, "import", str(path), "--format", "prodigy"])
    assert bad.exit_code == 1
    assert "a doccano line" in bad.stderr
