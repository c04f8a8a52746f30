"""The import's first pass checks every line as the store would, so a bad line anywhere is
refused before the first short transaction writes (issue 12.7); ``--skip-invalid`` leaves the
bad lines out and lists them (issue 11.9); two lines of one annotator for one text merge
(issue 11.11); messages give a span as the file gave it, for the --align mode in use (11.6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import dump
from test_formats_prodigy_doccano import SENTENCE, annotation, spans, write_jsonl

from workbench.errors import ImportFormatError
from workbench.importer import import_paths
from workbench.store import Store
from workbench.store.documents import BATCH_SIZE

WORDS = SENTENCE.split()


def line(n: int, **fields: Any) -> dict[str, Any]:
    return {"text": f"Text number {n}: {SENTENCE}", "_annotator_id": "kim", **fields}


def test_a_bad_span_past_the_first_batch_is_refused_before_anything_is_written(
    store: Store, workdir: Path
) -> None:
    good = [line(n, answer="accept") for n in range(BATCH_SIZE + 10)]
    bad = line(999, spans=[{"start": 1, "end": 4, "label": "FACT"}], answer="accept")
    path = write_jsonl(workdir / "big.jsonl", *good, bad)
    before = dump(store)
    with pytest.raises(ImportFormatError) as caught:
        import_paths(store, [path])
    assert str(caught.value).startswith(f"{path}:{BATCH_SIZE + 11}: span 1-4 ('ext')")
    assert "token boundaries" in str(caught.value)
    assert dump(store) == before


@pytest.mark.parametrize(
    ("align", "given", "expect"),
    [
        ("strict", (1, 4), "span 1-4 ('ext') does not start and end on token boundaries"),
        ("contract", (1, 4), "span 1-4 ('ext') covers no whole token of big-000001 (--align"),
        ("strict", (4, 5), "span 4-5 (' ') holds only whitespace"),
        ("expand", (4, 5), "span 4-5 (' ') holds only whitespace"),
        ("strict", (0, 5), "span 0-5 ('Text ') starts or ends with whitespace"),
    ],
)
def test_an_align_message_gives_the_span_as_given_for_the_mode_in_use(
    store: Store, workdir: Path, align: str, given: tuple[int, int], expect: str
) -> None:
    start, end = given
    path = write_jsonl(
        workdir / "big.jsonl", line(1, spans=[{"start": start, "end": end, "label": "FACT"}])
    )
    with pytest.raises(ImportFormatError) as caught:
        import_paths(store, [path], align=align)  # type: ignore[arg-type]
    assert str(caught.value).startswith(f"{path}:1: {expect}")
    assert store.count_documents() == 0


def test_skip_invalid_imports_the_valid_lines_and_lists_every_invalid_one(
    store: Store, workdir: Path
) -> None:
    path = write_jsonl(
        workdir / "mixed.jsonl",
        line(1, answer="accept"),
        {"text": "   "},
        "{not json",
        line(4, spans=[{"start": 4, "end": 5, "label": "FACT"}]),
        line(5, stance="NOPE"),
        line(6, answer="accept", spans=[{"start": 0, "end": 4, "label": "FACT"}]),
    )
    with pytest.raises(ImportFormatError):
        import_paths(store, [path])  # the default stays all or nothing
    assert store.count_documents() == 0
    summary = import_paths(store, [path], skip_invalid=True)
    assert len(summary.imported) == 2
    assert [entry.split(":")[1] for entry in summary.invalid] == ["2", "3", "4", "5"]
    assert all(entry.startswith(f"{path}:") for entry in summary.invalid)
    assert "holds only whitespace" in summary.invalid[2]
    assert "NOPE" in summary.invalid[3]
    assert spans(annotation(store, "mixed-000006", "kim")) == [(0, 4, "FACT")]


def test_skip_invalid_leaves_out_a_bad_text_file_of_a_folder(store: Store, workdir: Path) -> None:
    folder = workdir / "texts"
    folder.mkdir()
    (folder / "good.txt").write_text(SENTENCE, encoding="utf-8")
    (folder / "bad.txt").write_bytes("café".encode("latin-1"))
    summary = import_paths(store, [folder], skip_invalid=True)
    assert summary.imported == ["good"]
    (invalid,) = summary.invalid
    assert "bad.txt" in invalid and "UTF-8" in invalid


def test_two_lines_of_one_annotator_for_one_text_merge(store: Store, workdir: Path) -> None:
    text = {"text": SENTENCE, "_annotator_id": "kim", "meta": {"name": "doc"}}
    path = write_jsonl(
        workdir / "passes.jsonl",
        {**text, "spans": [{"start": 0, "end": 2, "label": "FACT"}], "answer": "accept"},
        {**text, "label": "ENERGY", "answer": "accept"},
        {**text, "label": "CRITICAL", "answer": "accept"},
        {**text, "spans": [{"start": 0, "end": 2, "label": "FACT"}], "answer": "accept"},
    )
    summary = import_paths(store, [path])
    assert summary.skipped == []
    merged = annotation(store, "doc", "kim")
    assert spans(merged) == [(0, 2, "FACT")]
    assert (merged.stance, merged.topics, merged.status) == ("CRITICAL", ("ENERGY",), "done")
    assert (summary.annotations, summary.spans) == (1, 1)


def test_two_lines_that_give_one_text_two_stances_are_refused(store: Store, workdir: Path) -> None:
    text = {"text": SENTENCE, "_annotator_id": "kim"}
    path = write_jsonl(
        workdir / "two.jsonl", {**text, "stance": "CRITICAL"}, {**text, "stance": "SUPPORTIVE"}
    )
    with pytest.raises(ImportFormatError) as caught:
        import_paths(store, [path])
    message = str(caught.value)
    assert message.startswith(f"{path}:2: kim's stance of this text is SUPPORTIVE")
    assert f"{path}:1 gave it CRITICAL" in message
    assert store.count_documents() == 0


def test_a_line_of_an_earlier_import_is_still_kept_unless_replace(
    store: Store, workdir: Path
) -> None:
    first = write_jsonl(workdir / "a.jsonl", line(1, stance="CRITICAL"))
    import_paths(store, [first])
    second = write_jsonl(workdir / "b.jsonl", line(1, stance="SUPPORTIVE"))
    summary = import_paths(store, [second])
    assert summary.skip_counts == {"stored": 1, "kept": 1}
    assert annotation(store, "a-000001", "kim").stance == "CRITICAL"


def test_a_doccano_span_off_the_tokens_is_reported_with_its_utf16_offsets(
    store: Store, workdir: Path
) -> None:
    text = "🎉 Party time in Paris today."
    start = text.index("arty")  # code points; doccano counts the emoji as two units
    path = write_jsonl(
        workdir / "doccano.jsonl",
        {"text": text, "label": [[start + 1, start + 5, "FACT"]], "annotator": "kim"},
    )
    with pytest.raises(ImportFormatError) as caught:
        import_paths(store, [path], format="doccano")
    assert f"span {start + 1}-{start + 5} ('arty')" in str(caught.value)
