"""Importing .txt files, folders and Workbench JSONL: exact text, all-or-nothing runs, errors."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from helpers import SEEDS, SMALL_TEXTS, dump

from workbench.errors import ImportFormatError, InvariantError, WorkbenchError
from workbench.formats.text import MAX_DOCUMENT_BYTES
from workbench.importer import import_paths
from workbench.nlp import sentence_starts
from workbench.store import DocumentData, NewAnnotation, NewDocument, NewSpan, Store

SENTENCE = "Xi Jinping met Vladimir Putin in Moscow."
"""Token boundaries: Xi 0-2, Jinping 3-10, met 11-14, Vladimir 15-23, Putin 24-29, ..."""


# -- helpers ----------------------------------------------------------------------------------


def write(path: Path, data: bytes | str) -> Path:
    """Write bytes (or UTF-8 text, byte for byte) to a file, creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def write_jsonl(path: Path, *lines: dict[str, Any] | str) -> Path:
    """A JSONL file: objects are serialized, strings written as they are (bad lines, blanks)."""
    raw = [line if isinstance(line, str) else orjson.dumps(line).decode() for line in lines]
    return write(path, "\n".join(raw) + "\n")


def documents(store: Store) -> dict[str, DocumentData]:
    """Every stored document by name."""
    return {row.name: store.document(row.id) for row in store.list_documents()}


def annotation_of(store: Store, document: str, annotator: str) -> Any:
    """One annotator's annotation of a document (by names), or None."""
    person = store.annotator(annotator, create=False)
    return store.find_annotation(store.document_by_name(document), person.id)


@pytest.fixture(scope="module")
def nlp() -> Any:
    """spaCy's blank English pipeline with a sentencizer: the reference tokenization."""
    import spacy

    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    return pipeline


def assert_fails_cleanly(store: Store, run: Callable[[], object], *fragments: str) -> str:
    """Run an import that must fail, check its message and that the database did not change."""
    before = dump(store)
    count = store.count_documents()
    with pytest.raises(WorkbenchError) as failure:
        run()
    message = str(failure.value)
    for fragment in fragments:
        assert fragment in message
    assert store.count_documents() == count
    assert dump(store) == before
    return message


# -- plain text: exact text, names, folders ---------------------------------------------------

EXACT_TEXTS = {
    "crlf": "Xi met Putin.\r\nTrade rose.\r\n",
    "tabs": "Col\tumn\t\tdata\tand  two spaces",
    "padded": "  \n\t Leading and trailing whitespace kept. \n\n  ",
    "accents": "Zoë’s café in Zürich: “naïve” façade — ½ price. Москва 北京",
    "emoji": "Talks 🤝 went well 👍🏽; family 👨‍👩‍👧 photo 📸 at 10:00.",
    "nbsp": "Vladimir\u00a0Putin said\u2009so\u200b.",
    "lone-cr": "old\rmac\rline ends",
}


@pytest.mark.parametrize("name", list(EXACT_TEXTS))
def test_text_file_is_stored_exactly_as_read(store: Store, workdir: Path, name: str) -> None:
    original = EXACT_TEXTS[name]
    path = write(workdir / f"{name}.txt", original)
    summary = import_paths(store, [path])
    assert summary.imported == [name]
    stored = documents(store)[name]
    assert stored.text == original
    assert store.list_documents()[0].n_chars == len(original)
    assert stored.meta == {"source": str(path)}


def test_utf8_bom_is_dropped_and_offsets_are_code_points(store: Store, workdir: Path) -> None:
    text = "😀 Zoë met Putin in Moscow."
    path = write(workdir / "bom.txt", b"\xef\xbb\xbf" + text.encode("utf-8"))
    import_paths(store, [path])
    stored = documents(store)["bom"]
    assert stored.text == text
    words = stored.tokens.words(stored.text)
    moscow = words.index("Moscow")
    # Code points, not UTF-8 bytes (the emoji is 4 bytes, ë is 2): 19, not 23.
    assert int(stored.tokens.starts[moscow]) == text.index("Moscow") == 19
    assert stored.text[int(stored.tokens.starts[moscow]) : int(stored.tokens.ends[moscow])] == (
        "Moscow"
    )


def test_folder_is_searched_recursively_with_names_from_relative_paths(
    store: Store, workdir: Path
) -> None:
    folder = workdir / "corpus"
    write(folder / "top.txt", "Top level article.")
    write(folder / "2024" / "may" / "summit.txt", "Nested article about the summit.")
    write(folder / "2024" / "UPPER.TXT", "Upper-case suffix article.")
    write(folder / ".git" / "ignored.txt", "Inside a hidden folder.")
    write(folder / "2024" / ".cache" / "deep" / "ignored.txt", "Inside a nested hidden folder.")
    write(folder / ".hidden.txt", "A hidden file.")
    write(folder / "readme.md", "Not a text file suffix.")
    write(folder / "data.jsonl", '{"text": "JSONL is not picked up from folders."}\n')
    summary = import_paths(store, [folder])
    assert sorted(summary.imported) == ["2024/UPPER", "2024/may/summit", "top"]
    assert documents(store)["2024/may/summit"].text == "Nested article about the summit."
    assert store.count_documents() == 3


def test_explicit_files_are_named_by_their_stem(store: Store, workdir: Path) -> None:
    one = write(workdir / "a" / "first.article.txt", "One article.")
    two = write(workdir / "b" / "second.txt", "Another article.")
    summary = import_paths(store, [one, two])
    assert summary.imported == ["first.article", "second"]


def test_seeds_import_with_file_stems_and_exact_text(store: Store) -> None:
    files = sorted(SEEDS.glob("*.txt"))
    assert len(files) == 5
    summary = import_paths(store, [SEEDS])
    assert sorted(summary.imported) == [path.stem for path in files]
    assert summary.skipped == []
    stored = documents(store)
    for path in files:
        assert stored[path.stem].text == path.read_bytes().decode("utf-8")
        assert len(stored[path.stem].tokens) > 500


# -- duplicates and name clashes --------------------------------------------------------------


def test_reimporting_the_same_text_is_a_skipped_no_op(store: Store, workdir: Path) -> None:
    for name, text in SMALL_TEXTS.items():
        write(workdir / "docs" / f"{name}.txt", text)
    first = import_paths(store, [workdir / "docs"])
    assert sorted(first.imported) == sorted(SMALL_TEXTS)
    before = dump(store)
    again = import_paths(store, [workdir / "docs"])
    assert again.imported == []
    assert sorted(name for name, _ in again.skipped) == sorted(SMALL_TEXTS)
    assert all(why == f"already imported as {name}" for name, why in again.skipped)
    assert store.count_documents() == 3
    assert dump(store) == before


def test_same_text_under_another_name_is_skipped(store: Store, workdir: Path) -> None:
    text = SMALL_TEXTS["energy"]
    original = write(workdir / "original.txt", text)
    copy = write(workdir / "copy.txt", text)
    summary = import_paths(store, [original, copy])
    assert summary.imported == ["original"]
    assert summary.skipped == [("copy", "same text earlier in this import as original")]
    later = import_paths(store, [write(workdir / "later" / "third.txt", text)])
    assert later.imported == []
    assert later.skipped == [("third", "already imported as original")]
    assert list(documents(store)) == ["original"]


def test_different_text_under_an_existing_name_is_stored_under_the_name_and_its_hash(
    store: Store, workdir: Path
) -> None:
    import_paths(store, [write(workdir / "first" / "summit.txt", SMALL_TEXTS["summit"])])
    other = "A different article with the same name."
    clash = write(workdir / "second" / "summit.txt", other)
    summary = import_paths(store, [clash])
    renamed = f"summit-{hashlib.sha256(other.encode()).hexdigest()[:8]}"
    assert summary.imported == [renamed]
    assert summary.renamed == [("summit", renamed)]
    assert {name: d.text for name, d in documents(store).items()} == {
        "summit": SMALL_TEXTS["summit"],
        renamed: other,
    }


def test_two_texts_with_one_name_in_a_run_both_import(store: Store, workdir: Path) -> None:
    """A ``meta.name`` (or file stem) two texts share is no reason to refuse: the first keeps
    it, the next is named with its text's hash added, and the summary says so."""
    one = write(workdir / "a" / "report.txt", "First report.")
    two = write(workdir / "b" / "report.txt", "Second report, other text.")
    feed = write_jsonl(
        workdir / "feed.jsonl",
        {"text": "Third report.", "meta": {"name": "report"}},
    )
    summary = import_paths(store, [one, two, feed])
    hashed = {
        text: f"report-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
        for text in ("Second report, other text.", "Third report.")
    }
    assert summary.imported == ["report", *hashed.values()]
    assert summary.renamed == [("report", name) for name in hashed.values()]
    assert store.count_documents() == 3


def test_jsonl_without_names_imports_again_after_new_lines_were_inserted(
    store: Store, workdir: Path
) -> None:
    """Lines without ``meta.name`` are named by file and line; a later version of the file with
    a line inserted keeps the known texts (matched by content) and names the new one apart
    instead of failing on a line number another text holds; so does a given name."""
    first, second = "First article. It is here.", "Second article text."
    feed = write_jsonl(workdir / "feed.jsonl", {"text": first}, {"text": second})
    assert import_paths(store, [feed]).imported == ["feed-000001", "feed-000002"]
    inserted = "A new one in between."
    write_jsonl(feed, {"text": first}, {"text": inserted}, {"text": second})
    summary = import_paths(store, [feed])
    digest = hashlib.sha256(inserted.encode()).hexdigest()[:8]
    assert summary.imported == [f"feed-000002-{digest}"]
    assert [why for _, why in summary.skipped] == [
        "already imported as feed-000001",
        "already imported as feed-000002",
    ]
    assert {name: d.text for name, d in documents(store).items()} == {
        "feed-000001": first,
        "feed-000002": second,
        f"feed-000002-{digest}": inserted,
    }
    named = write_jsonl(
        workdir / "named.jsonl", {"text": "Other text.", "meta": {"name": "feed-000001"}}
    )
    renamed = f"feed-000001-{hashlib.sha256(b'Other text.').hexdigest()[:8]}"
    assert import_paths(store, [named]).renamed == [("feed-000001", renamed)]


# -- bad files: each named, all reported together, nothing written ----------------------------

BAD_FILES: dict[str, tuple[bytes, str]] = {
    "latin1": ("Caf\xe9 au lait".encode("latin-1"), "not UTF-8 (byte 0xe9 at offset 3)"),
    "empty": (b"", "the file is empty"),
    "blank": (b" \r\n\t\n  ", "the file is empty"),
    "bom-only": (b"\xef\xbb\xbf\n", "the file is empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    "utf16": ("Hello".encode("utf-16"), "binary file"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_is_named_and_stops_the_whole_run(
    store: Store, workdir: Path, kind: str
) -> None:
    data, why = BAD_FILES[kind]
    good = write(workdir / "in" / "good.txt", SMALL_TEXTS["summit"])
    bad = write(workdir / "in" / f"{kind}.txt", data)
    message = assert_fails_cleanly(store, lambda: import_paths(store, [good, bad]), why)
    assert len(message.splitlines()) == 1
    assert message.startswith(f"{bad}: ") and message.endswith("; nothing was imported")
    assert store.count_documents() == 0


def test_a_file_over_the_size_limit_is_refused(store: Store, workdir: Path) -> None:
    good = write(workdir / "good.txt", SMALL_TEXTS["energy"])
    big = write(workdir / "huge.txt", b"word " * (MAX_DOCUMENT_BYTES // 5) + b"x")
    assert big.stat().st_size == MAX_DOCUMENT_BYTES + 1
    message = assert_fails_cleanly(
        store, lambda: import_paths(store, [good, big]), f"{big}: ", "split it"
    )
    assert "MB" in message
    assert store.count_documents() == 0


def test_every_bad_file_of_a_run_is_reported_one_line_each(store: Store, workdir: Path) -> None:
    folder = workdir / "mixed"
    for name, text in SMALL_TEXTS.items():
        write(folder / f"{name}.txt", text)
    bad = {
        kind: write(folder / "bad" / f"{kind}.txt", data) for kind, (data, _) in BAD_FILES.items()
    }
    jsonl = write_jsonl(workdir / "broken.jsonl", {"text": "fine"}, "{not json")
    message = assert_fails_cleanly(store, lambda: import_paths(store, [folder, jsonl]))
    lines = message.splitlines()
    assert lines[0] == f"{len(bad) + 1} problems; nothing was imported:"
    assert len(lines) == 1 + len(bad) + 1
    for kind, path in bad.items():
        matching = [line for line in lines if line.startswith(f"{path}: ")]
        assert len(matching) == 1, kind
        assert BAD_FILES[kind][1] in matching[0]
    assert lines[-1].startswith(f"{jsonl}:2: not valid JSON")
    assert store.count_documents() == 0


def test_unusable_paths_are_reported_together_with_bad_files(store: Store, workdir: Path) -> None:
    empty = write(workdir / "empty.txt", b"")
    missing = workdir / "missing.txt"
    table = write(workdir / "table.csv", "a,b\n")
    folder = write(workdir / "notes" / "readme.md", "no text").parent
    good = write(workdir / "good.txt", SMALL_TEXTS["energy"])
    paths = [good, empty, missing, table, folder]
    message = assert_fails_cleanly(store, lambda: import_paths(store, paths))
    lines = message.splitlines()
    assert lines[0] == f"{len(paths) - 1} problems; nothing was imported:"
    assert sorted(line.split(": ")[0] for line in lines[1:]) == sorted(
        str(path) for path in paths[1:]
    )


def test_many_bad_files_are_summarized_after_twenty(store: Store, workdir: Path) -> None:
    for number in range(25):
        write(workdir / "bad" / f"empty{number:02d}.txt", b"")
    message = assert_fails_cleanly(store, lambda: import_paths(store, [workdir / "bad"]))
    lines = message.splitlines()
    assert len(lines) == 1 + 20 + 1
    assert lines[-1] == "... and 5 more"


def test_unsupported_suffix_is_a_clear_error(store: Store, workdir: Path) -> None:
    good = write(workdir / "good.txt", "Fine.")
    table = write(workdir / "table.csv", "a,b\n1,2\n")
    message = assert_fails_cleanly(store, lambda: import_paths(store, [good, table]), str(table))
    assert "unsupported file type '.csv'" in message
    no_suffix = write(workdir / "README", "text")
    assert_fails_cleanly(store, lambda: import_paths(store, [no_suffix]), "'(none)'")


def test_missing_path_is_a_clear_error(store: Store, workdir: Path) -> None:
    good = write(workdir / "good.txt", "Fine.")
    missing = workdir / "nowhere" / "article.txt"
    assert_fails_cleanly(
        store, lambda: import_paths(store, [good, missing]), f"{missing}: no such file or folder"
    )


def test_folder_without_text_files_is_a_clear_error(store: Store, workdir: Path) -> None:
    folder = workdir / "notes"
    write(folder / "readme.md", "nothing to import")
    write(folder / ".hidden" / "secret.txt", "hidden folders do not count")
    assert_fails_cleanly(
        store, lambda: import_paths(store, [folder]), f"{folder}: no .txt files in this folder"
    )


# -- tokenization -----------------------------------------------------------------------------


def reader_sentences(text: str, doc: Any) -> list[int]:
    """The sentencizer's sentence starts plus those that line breaks start."""
    starts = np.array([token.idx for token in doc], dtype=np.int64)
    spacy_starts = np.array([s.start for s in doc.sents], dtype=np.int64)
    found: list[int] = sentence_starts(text, starts, spacy_starts).tolist()
    return found


TOKENIZE_TEXTS = [*SMALL_TEXTS.values(), *EXACT_TEXTS.values(), "x", "\n\nA. B.\n"]


def test_stored_tokenization_matches_spacy(store: Store, nlp: Any) -> None:
    store.add_documents(NewDocument(f"doc{i}", text) for i, text in enumerate(TOKENIZE_TEXTS))
    stored = documents(store)
    for index, text in enumerate(TOKENIZE_TEXTS):
        tokens = stored[f"doc{index}"].tokens
        doc = nlp(text)
        assert tokens.starts.tolist() == [token.idx for token in doc], text
        assert tokens.ends.tolist() == [token.idx + len(token.text) for token in doc], text
        assert tokens.spaces.tolist() == [bool(token.whitespace_) for token in doc], text
        assert tokens.sent_starts.tolist() == reader_sentences(text, doc), text
        rebuilt = tokens.to_doc(nlp.vocab, text)
        assert rebuilt.text == text
        assert [token.text for token in rebuilt] == [token.text for token in doc]
        assert [s.start for s in rebuilt.sents] == tokens.sent_starts.tolist()


def test_seed_tokenization_matches_spacy(store: Store, nlp: Any) -> None:
    import_paths(store, [SEEDS])
    for name, stored in documents(store).items():
        doc = nlp(stored.text)
        assert stored.tokens.starts.tolist() == [token.idx for token in doc], name
        assert stored.tokens.spaces.tolist() == [bool(token.whitespace_) for token in doc], name
        assert stored.tokens.sent_starts.tolist() == reader_sentences(stored.text, doc), name
        assert stored.tokens.to_doc(nlp.vocab, stored.text).text == stored.text


# -- progress ---------------------------------------------------------------------------------


def test_progress_reports_done_and_total_ending_at_total(store: Store, workdir: Path) -> None:
    lines = [{"text": f"Article number {number} about trade."} for number in range(300)]
    jsonl = write_jsonl(workdir / "many.jsonl", *lines)
    text = write(workdir / "one.txt", SMALL_TEXTS["summit"])
    calls: list[tuple[int, int]] = []
    summary = import_paths(store, [text, jsonl], progress=lambda d, t: calls.append((d, t)))
    assert len(summary.imported) == 301
    assert len(calls) >= 2
    assert {total for _, total in calls} == {301}
    assert [done for done, _ in calls] == sorted({done for done, _ in calls})
    assert calls[-1] == (301, 301)


def test_progress_counts_skipped_documents_too(store: Store, workdir: Path) -> None:
    path = write(workdir / "one.txt", SMALL_TEXTS["energy"])
    import_paths(store, [path])
    calls: list[tuple[int, int]] = []
    import_paths(store, [path], progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 1)]


# -- JSONL ------------------------------------------------------------------------------------


def test_jsonl_without_labels_imports_documents_only(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "batch.jsonl",
        {"text": SMALL_TEXTS["summit"], "meta": {"name": "summit", "source": "wire", "id": 7}},
        "",
        {"text": SMALL_TEXTS["energy"]},
        {"text": SMALL_TEXTS["sanctions"], "_annotator_id": "alice", "spans": []},
    )
    summary = import_paths(store, [path])
    assert summary.imported == ["summit", "batch-000003", "batch-000004"]
    assert summary.annotations == 0
    assert store.annotators() == []
    stored = documents(store)
    assert stored["summit"].text == SMALL_TEXTS["summit"]
    assert stored["summit"].meta == {"source": "wire", "id": 7}  # kept whole (issue 11.11)
    assert stored["batch-000003"].text == SMALL_TEXTS["energy"]


def test_jsonl_with_labels_stores_the_annotation(store: Store, workdir: Path) -> None:
    text = SENTENCE + " Trade rose 26% last year."
    path = write_jsonl(
        workdir / "labelled.jsonl",
        {
            "text": text,
            "meta": {"name": "summit"},
            "_annotator_id": "alice",
            "spans": [
                {"start": 0, "end": 40, "label": "FACT", "stance": "NEUTRAL"},
                {"start": 41, "end": 66, "label": "STATISTIC", "topics": ["ECONOMY", "ENERGY"]},
                {"start": 3, "end": 10, "label": "FACT"},
            ],
            "stance": "SUPPORTIVE",
            "topics": ["DIPLOMACY", "ECONOMY"],
            "status": "done",
            "note": "checked twice",
        },
    )
    summary = import_paths(store, [path])
    assert (summary.imported, summary.annotations, summary.spans) == (["summit"], 1, 3)
    annotation = annotation_of(store, "summit", "alice")
    assert annotation.status == "done"
    assert annotation.stance == "SUPPORTIVE"
    assert annotation.topics == ("DIPLOMACY", "ECONOMY")
    assert annotation.note == "checked twice"
    spans = [(s.start, s.end, s.label, s.stance, s.topics) for s in annotation.spans]
    assert spans == [
        (0, 40, "FACT", "NEUTRAL", ()),
        (3, 10, "FACT", None, ()),
        (41, 66, "STATISTIC", None, ("ECONOMY", "ENERGY")),
    ]
    assert text[41:66] == "Trade rose 26% last year."
    tokens = store.document(annotation.document_id).tokens
    for span in annotation.spans:
        assert tokens.char_span(span.token_start, span.token_end) == (span.start, span.end)
    assert [text[s.start : s.end] for s in annotation.spans][1] == "Jinping"


@pytest.mark.parametrize(
    ("answer", "status"), [("accept", "done"), ("ignore", "skipped"), ("reject", "skipped")]
)
def test_prodigy_answer_sets_the_status(
    store: Store, workdir: Path, answer: str, status: str
) -> None:
    path = write_jsonl(
        workdir / "prodigy.jsonl",
        {"text": SENTENCE, "answer": answer, "_annotator_id": "bob"},
    )
    import_paths(store, [path])
    assert annotation_of(store, "prodigy-000001", "bob").status == status
    assert documents(store)["prodigy-000001"].meta == {"answer": answer}


def test_labelled_line_without_a_status_is_in_progress(store: Store, workdir: Path) -> None:
    path = write_jsonl(workdir / "x.jsonl", {"text": SENTENCE, "stance": "CRITICAL"})
    import_paths(store, [path], annotator="carol")
    annotation = annotation_of(store, "x-000001", "carol")
    assert (annotation.status, annotation.stance, annotation.spans) == (
        "in_progress",
        "CRITICAL",
        (),
    )


def test_annotator_option_overrides_the_file(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "x.jsonl",
        {
            "text": SENTENCE,
            "_annotator_id": "alice",
            "spans": [{"start": 0, "end": 2, "label": "FACT"}],
        },
        {"text": SENTENCE + " Again.", "_session_id": "x-bob", "status": "done"},
    )
    summary = import_paths(store, [path], annotator="dave")
    assert summary.annotations == 2
    assert [a.name for a in store.annotators()] == ["dave"]
    assert [s.label for s in annotation_of(store, "x-000001", "dave").spans] == ["FACT"]


def test_session_id_and_meta_annotator_name_the_annotator(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "x.jsonl",
        {"text": SENTENCE, "_session_id": "news-erin", "status": "done"},
        {"text": SENTENCE + " More.", "meta": {"annotator": "frank"}, "status": "done"},
    )
    import_paths(store, [path])
    assert [a.name for a in store.annotators()] == ["frank", "news-erin"]


MALFORMED: dict[str, tuple[str, str]] = {
    "bad json": ('{"text": "cut off', "not valid JSON"),
    "not an object": ('["a", "list"]', "expected a JSON object, got list"),
    "a string": ('"just text"', "expected a JSON object, got str"),
    "missing text": ('{"meta": {"name": "x"}}', "missing the field 'text'"),
    "text not a string": ('{"text": 42}', "field 'text' must be a string, got int"),
    "blank text": ('{"text": "  \\n "}', "field 'text' is empty"),
    "meta not an object": ('{"text": "Hi.", "meta": [1]}', "field 'meta' must be an object"),
    "empty name": ('{"text": "Hi.", "meta": {"name": " "}}', "'meta.name' must be a non-empty"),
    "spans not a list": (
        '{"text": "Hi.", "spans": {"start": 0}, "_annotator_id": "a"}',
        "field 'spans' must be a list",
    ),
    "span not an object": ('{"text": "Hi.", "spans": [[0, 2]]}', "spans[0]: must be an object"),
    "span without label": (
        '{"text": "Hi.", "spans": [{"start": 0, "end": 2}], "_annotator_id": "a"}',
        "spans[0]: needs start, end and label",
    ),
    "bool offset": (
        '{"text": "Hi there.", "spans": [{"start": true, "end": 2, "label": "FACT"}]}',
        "field 'start' must be an integer, got True",
    ),
    "float offset": (
        '{"text": "Hi there.", "spans": [{"start": 0, "end": 2.0, "label": "FACT"}]}',
        "field 'end' must be an integer, got float",
    ),
    "label not a string": (
        '{"text": "Hi there.", "spans": [{"start": 0, "end": 2, "label": 1}]}',
        "field 'label' must be a string",
    ),
    "span past the end": (
        '{"text": "Hi there.", "spans": [{"start": 3, "end": 99, "label": "FACT"}]}',
        "offsets 3-99 must satisfy 0 <= start < end <= 9",
    ),
    "reversed span": (
        '{"text": "Hi there.", "spans": [{"start": 8, "end": 3, "label": "FACT"}]}',
        "offsets 8-3",
    ),
    "empty span": (
        '{"text": "Hi there.", "spans": [{"start": 3, "end": 3, "label": "FACT"}]}',
        "offsets 3-3",
    ),
    "negative offset": (
        '{"text": "Hi there.", "spans": [{"start": -1, "end": 2, "label": "FACT"}]}',
        "offsets -1-2",
    ),
    "second span bad": (
        '{"text": "Hi there.", "spans": [{"start": 0, "end": 2, "label": "FACT"},'
        ' {"start": 0, "end": 2, "label": "FACT", "topics": "ENERGY"}], "_annotator_id": "a"}',
        "spans[1]: field 'topics' must be a list",
    ),
    "topics not strings": ('{"text": "Hi.", "topics": [1, 2]}', "must be a list of strings"),
    "stance not a string": ('{"text": "Hi.", "stance": ["MIXED"]}', "field 'stance' must be"),
    "bad answer": ('{"text": "Hi.", "answer": "maybe"}', "field 'answer' must be accept"),
    "bad status": (
        '{"text": "Hi.", "status": "finished", "_annotator_id": "a"}',
        "field 'status' 'finished' must be one of",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_jsonl_line_is_named_and_nothing_is_written(
    store: Store, workdir: Path, case: str
) -> None:
    line, why = MALFORMED[case]
    text = write(workdir / "plain.txt", SMALL_TEXTS["energy"])
    path = write_jsonl(
        workdir / "data.jsonl",
        {"text": SMALL_TEXTS["summit"]},
        "",
        line,
        {"text": SMALL_TEXTS["sanctions"]},
    )
    message = assert_fails_cleanly(store, lambda: import_paths(store, [text, path]), why)
    assert f"{path}:3: " in message
    assert store.count_documents() == 0
    assert store.annotators() == []


def test_jsonl_problems_are_reported_together_with_bad_text_files(
    store: Store, workdir: Path
) -> None:
    empty = write(workdir / "empty.txt", b"")
    status = write_jsonl(
        workdir / "status.jsonl", {"text": SENTENCE, "_annotator_id": "a", "status": "finished"}
    )
    message = assert_fails_cleanly(store, lambda: import_paths(store, [empty, status]))
    lines = message.splitlines()
    assert len(lines) == 3
    assert lines[1].startswith(f"{empty}: the file is empty")
    assert lines[2].startswith(f"{status}:1: field 'status' 'finished' must be one of")


def test_misaligned_span_names_the_line_and_offsets(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "spans.jsonl",
        {"text": SMALL_TEXTS["summit"], "_annotator_id": "alice", "status": "done"},
        {
            "text": SENTENCE,
            "_annotator_id": "alice",
            "spans": [
                {"start": 0, "end": 2, "label": "FACT"},
                {"start": 3, "end": 6, "label": "FACT"},
            ],
        },
    )
    message = assert_fails_cleanly(
        store, lambda: import_paths(store, [path]), f"{path}:2: ", "3-6", "'Jin'"
    )
    assert "token boundaries" in message
    assert store.count_documents() == 0


@pytest.mark.parametrize(
    ("align", "start", "end", "snapped"),
    [
        ("expand", 3, 6, "Jinping"),
        ("expand", 1, 10, "Xi Jinping"),
        ("expand", 2, 13, "Jinping met"),
        ("expand", 14, 17, "Vladimir"),
        ("contract", 1, 12, "Jinping"),
        ("contract", 2, 16, "Jinping met"),
        ("contract", 0, 40, SENTENCE),
        ("strict", 3, 10, "Jinping"),
    ],
)
def test_align_snaps_spans_to_tokens(
    store: Store, workdir: Path, align: Any, start: int, end: int, snapped: str
) -> None:
    path = write_jsonl(
        workdir / "spans.jsonl",
        {
            "text": SENTENCE,
            "_annotator_id": "alice",
            "spans": [{"start": start, "end": end, "label": "FACT"}],
        },
    )
    import_paths(store, [path], align=align)
    (span,) = annotation_of(store, "spans-000001", "alice").spans
    assert SENTENCE[span.start : span.end] == snapped
    tokens = store.document(store.document_by_name("spans-000001")).tokens
    assert tokens.char_span(span.token_start, span.token_end) == (span.start, span.end)


def test_contract_that_leaves_no_whole_token_is_an_error(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "spans.jsonl",
        {
            "text": SENTENCE,
            "_annotator_id": "a",
            "spans": [{"start": 4, "end": 8, "label": "FACT"}],
        },
    )
    assert_fails_cleanly(
        store, lambda: import_paths(store, [path], align="contract"), f"{path}:1: ", "4-8"
    )


def test_unknown_labels_are_all_reported_with_counts(store: Store, workdir: Path) -> None:
    span = {"start": 0, "end": 2, "label": "RUMOUR"}
    first = write_jsonl(
        workdir / "one.jsonl",
        {"text": SENTENCE, "_annotator_id": "a", "spans": [span, {**span, "end": 10}]},
        {"text": SENTENCE + " B.", "_annotator_id": "a", "spans": [span], "stance": "HAPPY"},
        {"text": SENTENCE + " C.", "_annotator_id": "a", "topics": ["SPORT", "ECONOMY", "SPORT"]},
        {"text": SENTENCE + " D.", "_annotator_id": "a", "spans": [{**span, "label": "FACT"}]},
    )
    second = write_jsonl(
        workdir / "two.jsonl",
        {"text": "Other text.", "_annotator_id": "a", "spans": [{**span, "stance": "ANGRY"}]},
    )
    message = assert_fails_cleanly(store, lambda: import_paths(store, [first, second]))
    lines = message.splitlines()
    assert len(lines) == 3
    assert lines[1].startswith(f"{first}: unknown labels ")
    assert re.search(r"RUMOUR \(claim type\) x3\b", lines[1])
    assert re.search(r"SPORT \(topic\) x2\b", lines[1])
    assert re.search(r"HAPPY \(stance\) x1\b", lines[1])
    assert "ECONOMY" not in lines[1]
    assert "FACT" not in lines[1]
    assert lines[2].startswith(f"{second}: unknown labels ")
    assert "RUMOUR (claim type) x1" in lines[2]
    assert "ANGRY (stance) x1" in lines[2]
    assert store.count_documents() == 0


def test_labels_without_an_annotator_are_an_error(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "anon.jsonl",
        {"text": SENTENCE},
        {"text": SENTENCE + " Two.", "spans": [{"start": 0, "end": 2, "label": "FACT"}]},
    )
    assert_fails_cleanly(
        store, lambda: import_paths(store, [path]), f"{path}:2: ", "no annotator", "--annotator"
    )
    summary = import_paths(store, [path], annotator="gina")
    assert (summary.annotations, summary.spans) == (1, 1)


def test_jsonl_labels_attach_to_an_already_imported_text(store: Store, workdir: Path) -> None:
    import_paths(store, [write(workdir / "summit.txt", SENTENCE)])
    path = write_jsonl(
        workdir / "labels.jsonl",
        {
            "text": SENTENCE,
            "meta": {"name": "other-name"},
            "_annotator_id": "alice",
            "spans": [{"start": 24, "end": 29, "label": "QUOTE"}],
            "status": "done",
        },
        {"text": SENTENCE, "_annotator_id": "bob", "status": "skipped"},
    )
    summary = import_paths(store, [path])
    assert summary.imported == []
    assert (summary.annotations, summary.spans) == (2, 1)
    assert ("other-name", "already imported as summit") in summary.skipped
    assert list(documents(store)) == ["summit"]
    alice = annotation_of(store, "summit", "alice")
    assert [(s.start, s.end, s.label) for s in alice.spans] == [(24, 29, "QUOTE")]
    assert annotation_of(store, "summit", "bob").status == "skipped"


def test_existing_annotation_is_kept_unless_replace(store: Store, workdir: Path) -> None:
    first = write_jsonl(
        workdir / "first.jsonl",
        {
            "text": SENTENCE,
            "_annotator_id": "alice",
            "spans": [{"start": 0, "end": 2, "label": "FACT"}],
        },
    )
    import_paths(store, [first])
    second = write_jsonl(
        workdir / "second.jsonl",
        {
            "text": SENTENCE,
            "_annotator_id": "alice",
            "spans": [{"start": 15, "end": 29, "label": "QUOTE"}],
            "status": "done",
        },
    )
    before = dump(store)
    kept = import_paths(store, [second])
    assert (kept.annotations, kept.spans) == (0, 0)
    assert ("second-000001", "alice already annotated it (use --replace)") in kept.skipped
    assert dump(store) == before
    annotation = annotation_of(store, "first-000001", "alice")
    assert [(s.start, s.end, s.label) for s in annotation.spans] == [(0, 2, "FACT")]
    replaced = import_paths(store, [second], replace=True)
    assert (replaced.annotations, replaced.spans) == (1, 1)
    annotation = annotation_of(store, "first-000001", "alice")
    assert [(s.start, s.end, s.label) for s in annotation.spans] == [(15, 29, "QUOTE")]
    assert annotation.status == "done"


def test_an_untouched_annotation_is_filled_without_replace(store: Store, workdir: Path) -> None:
    import_paths(store, [write(workdir / "summit.txt", SENTENCE)])
    alice = store.annotator("alice")
    store.annotation(store.document_by_name("summit"), alice.id)  # opened, nothing done
    path = write_jsonl(
        workdir / "x.jsonl",
        {
            "text": SENTENCE,
            "_annotator_id": "alice",
            "spans": [{"start": 0, "end": 2, "label": "FACT"}],
        },
    )
    summary = import_paths(store, [path])
    assert summary.annotations == 1
    assert len(annotation_of(store, "summit", "alice").spans) == 1


def test_jsonl_bom_and_crlf_lines_are_accepted(store: Store, workdir: Path) -> None:
    body = orjson.dumps({"text": "Line one.\r\nLine two.", "meta": {"name": "crlf"}})
    path = write(workdir / "win.jsonl", b"\xef\xbb\xbf" + body + b"\r\n\r\n")
    import_paths(store, [path])
    assert documents(store)["crlf"].text == "Line one.\r\nLine two."


# -- Store.add_documents directly -------------------------------------------------------------


def test_a_batch_of_add_documents_is_all_or_nothing(store: Store) -> None:
    good = NewDocument("good", SENTENCE)
    bad = NewDocument(
        "bad",
        "Another text.",
        origin="feed:2",
        annotations=(NewAnnotation("alice", spans=(NewSpan(0, 3, "FACT"),)),),
    )
    with pytest.raises(InvariantError, match=r"feed:2: span 0-3 \('Ano'\)"):
        store.add_documents([good, bad])
    assert store.count_documents() == 0
    assert store.annotators() == []


def test_add_documents_refuses_blank_text(store: Store) -> None:
    with pytest.raises(ImportFormatError, match="empty"):
        store.add_documents([NewDocument("good", SENTENCE), NewDocument("blank", " \n")])
    assert store.count_documents() == 0


def test_add_documents_reports_progress_per_batch(store: Store) -> None:
    batches: list[int] = []
    texts = [f"Text number {n}." for n in range(7)]
    summary = store.add_documents(
        (NewDocument(f"d{n}", t) for n, t in enumerate(texts)),
        batch_size=3,
        progress=batches.append,
    )
    assert batches == [3, 3, 1]
    assert len(summary.imported) == 7


# -- store rules seen through import ------------------------------------------------------------


@pytest.mark.parametrize("name", ["al\nice", "bell\x07", "tab\tbed"])
def test_imported_annotator_names_must_be_printable(store: Store, workdir: Path, name: str) -> None:
    with pytest.raises(InvariantError):
        store.annotator(name)
    path = write_jsonl(
        workdir / "x.jsonl", {"text": SENTENCE, "_annotator_id": name, "status": "done"}
    )
    with pytest.raises(WorkbenchError):
        import_paths(store, [path])
    assert store.annotators() == []


def test_replacing_import_leaves_no_stale_undo_step(store: Store, workdir: Path) -> None:
    import_paths(store, [write(workdir / "summit.txt", SENTENCE)])
    alice = store.annotator("alice")
    annotation = store.annotation(store.document_by_name("summit"), alice.id)
    store.add_span(annotation.id, 0, 2, "FACT")
    path = write_jsonl(
        workdir / "x.jsonl",
        {
            "text": SENTENCE,
            "_annotator_id": "alice",
            "spans": [{"start": 3, "end": 10, "label": "FACT"}],
        },
    )
    assert import_paths(store, [path], replace=True).annotations == 1
    undoable, _ = store.history(annotation.id)
    if undoable:
        store.undo(annotation.id)
    spans = annotation_of(store, "summit", "alice").spans
    assert [(s.start, s.end) for s in spans] == [(3, 10)]
