"""The format registry (lookups, choices, field-named errors, line readers) and the Workbench
line encoder against its plain reference."""

from __future__ import annotations

import string
import subprocess
import sys

import orjson
import pytest
from export_corpus import annotated
from helpers import SMALL_TEXTS
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.errors import FieldError, ImportFormatError
from workbench.export.sources import iter_records, resolve_source
from workbench.formats import doccano, prodigy, workbench
from workbench.formats.registry import (
    AUTO,
    DOCCANO,
    FORMATS,
    PRODIGY,
    SPACY,
    WORKBENCH,
    import_format,
    import_names,
    jsonl_export_names,
    jsonl_writer,
    line_reader,
)
from workbench.nlp import tokenize
from workbench.scheme import default_scheme
from workbench.store import Store
from workbench.store.records import ExportDocument, ExportRecord, SpanRow, topics_json

# -- the registry -----------------------------------------------------------------------------


def test_every_interchange_format_is_registered_once_with_what_it_does() -> None:
    assert list(FORMATS) == ["workbench", "prodigy", "doccano", "spacy"]
    assert import_names() == ("auto", "workbench", "prodigy", "doccano")
    assert jsonl_export_names() == ("workbench", "doccano")
    assert WORKBENCH.read_line is workbench.read_line
    assert PRODIGY.read_line is prodigy.read_line
    assert DOCCANO.read_line is doccano.read_line
    assert SPACY.read_line is None and SPACY.write_lines is None
    assert SPACY.write_docs is not None
    assert (WORKBENCH.suffix, DOCCANO.suffix, SPACY.suffix) == (
        ".jsonl",
        ".doccano.jsonl",
        ".spacy",
    )
    assert jsonl_writer("workbench") is workbench.WorkbenchLines
    assert jsonl_writer("doccano") is doccano.doccano_lines
    assert import_format(AUTO) is None
    assert import_format("doccano") is DOCCANO


@pytest.mark.parametrize(
    ("lookup", "name", "message"),
    [
        (import_format, "csv", "format 'csv' unknown; expected one of auto, workbench, prodigy"),
        (import_format, "spacy", "format 'spacy' cannot be imported; expected one of auto,"),
        (jsonl_writer, "csv", "format 'csv' unknown; expected one of workbench, doccano"),
        (jsonl_writer, "prodigy", "format 'prodigy' cannot be exported as JSONL; expected"),
        (jsonl_writer, "auto", "format 'auto' cannot be exported as JSONL; expected"),
    ],
)
def test_a_format_that_does_not_fit_is_an_error_naming_the_field(
    lookup: object, name: str, message: str
) -> None:
    with pytest.raises(FieldError, match=message) as raised:
        lookup(name)  # type: ignore[operator]
    assert raised.value.field == "format"
    assert raised.value.with_flag("--format").startswith(f"--format {name!r}")


def test_field_errors_begin_with_their_field() -> None:
    with pytest.raises(ValueError, match="must begin with its field"):
        FieldError("format", "the format is wrong")


def test_lines_go_to_the_format_that_claims_them_or_are_refused() -> None:
    line = {"text": "Xi met Putin.", "label": [[0, 2, "FACT"]]}
    plain = {"text": "Xi met Putin.", "accept": ["MIXED"]}
    assert line_reader(None, line, "f:1") is doccano.read_line
    assert line_reader(None, plain, "f:2") is prodigy.read_line
    assert line_reader(DOCCANO, plain, "f:2") is doccano.read_line
    assert line_reader(WORKBENCH, plain, "f:2") is workbench.read_line
    for chosen in (WORKBENCH, PRODIGY):
        with pytest.raises(ImportFormatError, match="f:1: a doccano line"):
            line_reader(chosen, line, "f:1")


# -- the Workbench line encoder against its plain reference ----------------------------------


def test_workbench_lines_equal_the_plain_reference_on_stored_records(store: Store) -> None:
    annotated(store)
    for source in ("all", "majority"):
        encode = workbench.WorkbenchLines(source)
        records = list(iter_records(store, resolve_source(store, source, "any")))
        assert records
        for record in records:
            assert b"".join(encode(record)) == workbench.workbench_line_plain(record, source)


PIECES = ["a", "B", " ", "\n", "\t", '"', "\\", "é", "’", "😀", "\x01", ",", "]", "{"]
LABELS = ["FACT", "QUOTE", "OPINION"]
STANCES = [None, "SUPPORTIVE", "CRITICAL"]
TOPICS = ["ECONOMY", "ENERGY", "UKRAINE"]


@st.composite
def records(draw: st.DrawFn) -> ExportRecord:
    """A record of a random text, with random spans, labels, statuses and metadata."""
    words = draw(st.lists(st.text(st.sampled_from(PIECES), min_size=1, max_size=6), min_size=1))
    text = " ".join(words)
    if not text.strip():
        text = "x" + text
    tokens = tokenize(text)
    spans = []
    for _ in range(draw(st.integers(0, 4))):
        first = draw(st.integers(0, len(tokens) - 1))
        stop = draw(st.integers(first + 1, len(tokens)))
        start, end = tokens.char_span(first, stop)
        topics = draw(st.lists(st.sampled_from(TOPICS), unique=True, max_size=2))
        spans.append(
            SpanRow(
                draw(st.integers(0, 9)),
                start,
                end,
                first,
                stop,
                draw(st.sampled_from(LABELS)),
                draw(st.sampled_from(STANCES)),
                topics_json(topics),
            )
        )
    spans.sort(key=lambda span: (span.start, -span.end, span.label))
    status = draw(st.sampled_from(["done", "skipped", "in_progress", "todo"]))
    meta = draw(st.dictionaries(st.sampled_from(["url", "name", "lang", "answer"]), st.text()))
    return ExportRecord(
        document=ExportDocument(
            draw(st.text(string.ascii_letters, min_size=1)), text, "hash", meta, tokens
        ),
        annotator=draw(st.text(string.ascii_letters, min_size=1)),
        status=status,
        stance=draw(st.sampled_from(STANCES)),
        topics=tuple(sorted(draw(st.lists(st.sampled_from(TOPICS), unique=True)))),
        note=draw(st.text()),
        seconds=draw(st.floats(0, 1e6)),
        timestamp=draw(st.floats(0, 2e9)),
        spans=spans,
        answer=draw(st.sampled_from([None, "reject", "ignore", "accept"])),
    )


@settings(max_examples=150, deadline=None)
@given(records(), st.sampled_from(["gold", "all", "majority", 'x"y']))
def test_workbench_lines_equal_the_plain_reference_for_any_record(
    record: ExportRecord, source: str
) -> None:
    pieces = workbench.WorkbenchLines(source)(record)
    line = b"".join(pieces)
    assert line == workbench.workbench_line_plain(record, source)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    parsed = orjson.loads(line)
    assert [span["label"] for span in parsed["spans"]] == [span.label for span in record.spans]


@settings(max_examples=50, deadline=None)
@given(records())
def test_a_written_line_reads_back_as_the_same_labels(record: ExportRecord) -> None:
    line = orjson.loads(b"".join(workbench.WorkbenchLines("all")(record)))
    document = workbench.workbench_record(line, "f:1", "fallback", None)
    assert document.text == record.document.text
    (annotation,) = document.annotations or (None,)
    if annotation is None:  # a line with no labels at all carries no annotation
        return
    assert [(s.start, s.end, s.label, s.stance, s.topics) for s in annotation.spans] == [
        (s.start, s.end, s.label, s.stance, s.topics) for s in record.spans
    ]


def test_doccano_lines_are_read_back_by_the_doccano_reader() -> None:
    text = SMALL_TEXTS["summit"]
    tokens = tokenize(text)
    span = SpanRow(1, 0, 2, 0, 1, "FACT", None, None)
    record = ExportRecord(
        document=ExportDocument("summit", text, "h", {}, tokens),
        annotator="ann",
        status="done",
        stance=None,
        topics=(),
        note="",
        seconds=0.0,
        timestamp=0.0,
        spans=[span],
    )
    (piece,) = jsonl_writer("doccano")("all")(record)
    document = doccano.read_line(orjson.loads(piece), "f:1", "x", None, default_scheme())
    assert document.name == "summit"
    assert [(s.start, s.end, s.label) for s in document.annotations[0].spans] == [(0, 2, "FACT")]


# -- import hygiene ----------------------------------------------------------------------------

NEW_CORE = [
    "workbench.selection",
    "workbench.voting",
    "workbench.formats.registry",
    "workbench.formats.workbench",
    "workbench.formats.tokens_json",
    "workbench.formats.spacy_docbin",
]


@pytest.mark.parametrize("module", NEW_CORE)
def test_the_registry_and_its_formats_import_neither_textual_nor_spacy(module: str) -> None:
    script = f"import sys\nimport {module}\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    modules = set(done.stdout.split())
    assert "textual" not in modules
    assert "spacy" not in modules
