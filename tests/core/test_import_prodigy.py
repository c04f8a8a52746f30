"""Prodigy's binary classification tasks, spaCy cats and rejected span tasks (issue 11)."""

from __future__ import annotations

from pathlib import Path

import orjson
from test_formats_prodigy_doccano import SENTENCE, annotation, write_jsonl

from workbench.export.jsonl import export_jsonl
from workbench.importer import import_paths
from workbench.store import Store


def test_binary_accept_gives_the_class_and_reject_is_an_explicit_negative(
    store: Store, workdir: Path
) -> None:
    path = write_jsonl(
        workdir / "teach.jsonl",
        {"text": SENTENCE, "label": "ENERGY", "answer": "accept", "_annotator_id": "kim"},
        {"text": "Other text.", "label": "ENERGY", "answer": "reject", "_annotator_id": "kim"},
        {"text": "Third text.", "label": "CRITICAL", "answer": "accept", "_annotator_id": "kim"},
    )
    import_paths(store, [path])
    yes = annotation(store, "teach-000001", "kim")
    no = annotation(store, "teach-000002", "kim")
    stance = annotation(store, "teach-000003", "kim")
    assert (yes.topics, yes.status) == (("ENERGY",), "done")
    assert (no.topics, no.status) == ((), "done")
    assert stance.stance == "CRITICAL"


def test_spans_of_a_rejected_task_are_not_labels(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "ner.jsonl",
        {
            "text": SENTENCE,
            "spans": [{"start": 0, "end": 10, "label": "FACT"}],
            "answer": "reject",
            "relations": [{"head": 0, "child": 1, "label": "R"}],
            "foo": 1,
            "_annotator_id": "kim",
        },
    )
    summary = import_paths(store, [path])
    assert annotation(store, "ner-000001", "kim").spans == ()
    text = repr(summary)
    assert "spans of rejected or ignored tasks (not labels)" in text
    assert "relations" in text and "'foo'" in text


def test_a_prodigy_tasks_identity_and_meta_are_written_back(store: Store, workdir: Path) -> None:
    """``meta`` whole, ``_view_id``, and the task's own hashes while its labels are unchanged
    (issue 11.11)."""
    task = {
        "text": SENTENCE,
        "meta": {"source": "BBC News", "section": "politics"},
        "_input_hash": -1_234_567,
        "_task_hash": 987_654,
        "_view_id": "spans_manual",
        "spans": [{"start": 0, "end": 2, "label": "FACT"}],
        "answer": "accept",
        "_annotator_id": "kim",
    }
    import_paths(store, [write_jsonl(workdir / "tasks.jsonl", task)])
    out = workdir / "out.jsonl"
    export_jsonl(store, out=out, source="kim", status="any", format="workbench")
    line = orjson.loads(out.read_bytes())
    assert line["meta"] == {"name": "tasks-000001", "source": "BBC News", "section": "politics"}
    assert (line["_input_hash"], line["_task_hash"], line["_view_id"]) == (
        -1_234_567,
        987_654,
        "spans_manual",
    )
    kim = annotation(store, "tasks-000001", "kim")
    store.set_stance(kim.id, "CRITICAL")  # changed: no longer the imported task
    export_jsonl(store, out=out, source="kim", status="any", format="workbench")
    changed = orjson.loads(out.read_bytes())
    assert (changed["_input_hash"], changed["_view_id"]) == (-1_234_567, "spans_manual")
    assert changed["_task_hash"] != 987_654


def test_merged_tasks_keep_the_input_hash_but_no_task_hash(store: Store, workdir: Path) -> None:
    base = {"text": SENTENCE, "_input_hash": 42, "_annotator_id": "kim", "answer": "accept"}
    path = write_jsonl(
        workdir / "passes.jsonl",
        {**base, "_task_hash": 1, "label": "ENERGY"},
        {**base, "_task_hash": 2, "label": "ECONOMY"},
    )
    import_paths(store, [path])
    out = workdir / "out.jsonl"
    export_jsonl(store, out=out, source="kim", status="any", format="workbench")
    line = orjson.loads(out.read_bytes())
    assert line["_input_hash"] == 42 and line["_task_hash"] not in (1, 2)
    assert line["topics"] == ["ECONOMY", "ENERGY"]


def test_spacy_cats_import_with_half_as_the_threshold(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "cats.jsonl",
        {
            "text": SENTENCE,
            "cats": {"CRITICAL": 0.9, "SUPPORTIVE": 0.1, "ENERGY": 0.5, "ECONOMY": 0.49},
            "_annotator_id": "kim",
        },
    )
    import_paths(store, [path])
    info = annotation(store, "cats-000001", "kim")
    assert (info.stance, info.topics, info.status) == ("CRITICAL", ("ENERGY",), "done")


def test_prodigy_review_versions_are_counted_as_not_imported(store: Store, workdir: Path) -> None:
    task = {"text": SENTENCE, "answer": "accept", "label": "ENERGY", "_annotator_id": "kim"}
    path = write_jsonl(
        workdir / "review.jsonl",
        {**task, "versions": [{**task, "sessions": ["a"]}, {**task, "sessions": ["b"]}]},
    )
    summary = import_paths(store, [path])
    assert any("versions" in what for what in summary.not_kept)
    assert annotation(store, "review-000001", "kim").topics == ("ENERGY",)


def test_choice_options_with_numeric_ids_map_through_their_text(
    store: Store, workdir: Path
) -> None:
    options = [{"id": 0, "text": "CRITICAL"}, {"id": 1, "text": "ENERGY"}, {"id": 2, "text": "X"}]
    path = write_jsonl(
        workdir / "numbers.jsonl",
        {"text": SENTENCE, "options": options, "accept": [0, 1], "answer": "accept",
         "_annotator_id": "kim"},
    )  # fmt: skip
    import_paths(store, [path])
    info = annotation(store, "numbers-000001", "kim")
    assert (info.stance, info.topics) == ("CRITICAL", ("ENERGY",))


def test_an_accepted_binary_class_exports_to_spacy_as_one(store: Store, workdir: Path) -> None:
    """Issue 11.1: accept is X = 1.0, reject X = 0.0 (they were the other way round)."""
    from spacy.tokens import DocBin

    from workbench.export.docbin import export_spacy
    from workbench.nlp import pipeline

    path = write_jsonl(
        workdir / "teach.jsonl",
        {"text": SENTENCE, "label": "ENERGY", "answer": "accept", "_annotator_id": "kim"},
        {"text": "Another text.", "label": "ENERGY", "answer": "reject", "_annotator_id": "kim"},
    )
    import_paths(store, [path])
    out = workdir / "corpus"
    export_spacy(store, out=out, source="kim", status="done", dev=0.0)
    vocab = pipeline().vocab
    docs = list(DocBin().from_disk(out / "train.spacy").get_docs(vocab))
    cats = {doc.text: doc.cats.get("ENERGY") for doc in docs}
    assert cats == {SENTENCE: 1.0, "Another text.": 0.0}
