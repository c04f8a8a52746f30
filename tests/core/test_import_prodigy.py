"""Prodigy's binary classification tasks, spaCy cats and rejected span tasks (issue 11)."""

from __future__ import annotations

from pathlib import Path

from test_formats_prodigy_doccano import SENTENCE, annotation, write_jsonl

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
