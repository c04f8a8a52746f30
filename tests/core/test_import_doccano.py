"""doccano in and out (issue 11.4, 11.7, 12.11): UTF-16 offsets by default and ``--offsets``
for any format, every doccano export shape, a span's own text checked before alignment, and
``label`` objects refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from cli_helpers import assert_user_error, invoke
from hypothesis import given
from hypothesis import strategies as st
from test_formats_prodigy_doccano import SENTENCE, annotation, fails_cleanly, spans, write_jsonl

from workbench.export.jsonl import export_jsonl
from workbench.formats.offsets import FileOffsets, astral, to_utf16
from workbench.importer import import_paths
from workbench.nlp import AlignMode
from workbench.store import Store, open_store

TWEET = "Loving it 😍🔥 my new Free People dress from 🇺🇸 Nike"
"""Four characters beyond U+FFFF (two before the first span, two flags before the second):
each counts two UTF-16 units in doccano's browser annotator."""


def utf16(text: str, part: str) -> tuple[int, int]:
    """Where ``part`` is in ``text`` in UTF-16 units, as JavaScript (so doccano) counts."""
    start = text.index(part)
    before = len(text[:start].encode("utf-16-le")) // 2
    return before, before + len(part.encode("utf-16-le")) // 2


def codepoints(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def covered(store: Store, document: str, annotator: str, text: str) -> list[tuple[str, str]]:
    """The text and claim type of each span of an annotation."""
    return [(text[s:e], label) for s, e, label in spans(annotation(store, document, annotator))]


def sequence_line(text: str, *parts: tuple[str, str], at: Any = utf16) -> dict[str, Any]:
    """A doccano sequence-labelling export line, its offsets counted by ``at``."""
    return {
        "id": 1,
        "text": text,
        "label": [[*at(text, part), label] for part, label in parts],
        "Comments": [],
    }


# -- UTF-16 offsets ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["auto", "doccano"])
def test_doccano_offsets_count_utf16_units(store: Store, workdir: Path, fmt: str) -> None:
    line = sequence_line(TWEET, ("Free People", "FACT"), ("Nike", "QUOTE"))
    assert line["label"][0][:2] != list(codepoints(TWEET, "Free People"))  # shifted by two
    path = write_jsonl(workdir / "kim.jsonl", line)
    import_paths(store, [path], annotator="kim", format=fmt)
    assert covered(store, "kim-000001", "kim", TWEET) == [
        ("Free People", "FACT"),
        ("Nike", "QUOTE"),
    ]


def test_offsets_codepoints_overrides_doccano(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "kim.jsonl", sequence_line(TWEET, ("Free People", "FACT"), at=codepoints)
    )
    # Read as UTF-16 (the default), these code point offsets would cover "w Free Peop".
    fails_cleanly(
        store, lambda: import_paths(store, [path], annotator="kim"), f"{path}:1: ", "'w Free Peop'"
    )
    import_paths(store, [path], annotator="kim", offsets="codepoints")
    assert covered(store, "kim-000001", "kim", TWEET) == [("Free People", "FACT")]


@pytest.mark.parametrize("fmt", ["prodigy", "workbench"])
def test_offsets_utf16_overrides_the_other_formats(store: Store, workdir: Path, fmt: str) -> None:
    start, end = utf16(TWEET, "Free People")
    line = {
        "text": TWEET,
        "spans": [{"start": start, "end": end, "label": "FACT"}],
        "_annotator_id": "kim",
    }
    path = write_jsonl(workdir / "p.jsonl", line)
    import_paths(store, [path], format=fmt, offsets="utf16")
    assert covered(store, "p-000001", "kim", TWEET) == [("Free People", "FACT")]


def test_prodigy_token_offsets_count_the_chosen_units(store: Store, workdir: Path) -> None:
    text = "Wow 😍 Free People"
    tokens = [
        {"text": word, "start": utf16(text, word)[0], "end": utf16(text, word)[1], "id": index}
        for index, word in enumerate(["Wow", "😍", "Free", "People"])
    ]
    line = {
        "text": text,
        "tokens": tokens,
        "spans": [{"token_start": 2, "token_end": 3, "label": "FACT"}],
        "_annotator_id": "kim",
    }
    path = write_jsonl(workdir / "p.jsonl", line)
    import_paths(store, [path], offsets="utf16")
    assert covered(store, "p-000001", "kim", text) == [("Free People", "FACT")]


@pytest.mark.parametrize(
    ("line", "offset"),
    [
        ({"text": "Go 😍 now", "label": [[4, 8, "FACT"]]}, 4),
        ({"text": "Go 😍 now", "entities": [[0, 4, "FACT"]], "cats": []}, 4),
        (
            {
                "text": "Go 😍 now",
                "entities": [{"id": 1, "label": "FACT", "start_offset": 0, "end_offset": 4}],
                "relations": [],
            },
            4,
        ),
    ],
)
def test_an_offset_inside_a_surrogate_pair_is_an_error(
    store: Store, workdir: Path, line: dict[str, Any], offset: int
) -> None:
    path = write_jsonl(workdir / "d.jsonl", {"text": "A fine line."}, line)
    message = fails_cleanly(
        store,
        lambda: import_paths(store, [path], annotator="kim"),
        f"{path}:2: ",
        f"offset {offset} falls inside a character",
    )
    assert "--offsets codepoints" in message
    assert store.count_documents() == 0


def test_offsets_beyond_the_utf16_length_name_the_units(store: Store, workdir: Path) -> None:
    path = write_jsonl(workdir / "d.jsonl", {"text": "Go 😍", "label": [[0, 6, "FACT"]]})
    fails_cleanly(
        store,
        lambda: import_paths(store, [path], annotator="kim"),
        f"{path}:1: label[0]: offsets 0-6 must satisfy 0 <= start < end <= 5",
        "UTF-16 units",
    )


# -- export ------------------------------------------------------------------------------------


def _tweet_store(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "kim.jsonl", sequence_line(TWEET, ("Free People", "FACT"), ("Nike", "QUOTE"))
    )
    import_paths(store, [path], annotator="kim")


def test_doccano_export_writes_utf16_and_round_trips(store: Store, workdir: Path) -> None:
    _tweet_store(store, workdir)
    out = workdir / "out.doccano.jsonl"
    export_jsonl(store, out=out, source="kim", status="any", format="doccano")
    (line,) = [orjson.loads(raw) for raw in out.read_bytes().splitlines()]
    assert line["label"] == [
        [*utf16(TWEET, "Free People"), "FACT"],
        [*utf16(TWEET, "Nike"), "QUOTE"],
    ]
    again = open_store(f"sqlite:///{workdir / 'again.db'}")
    try:
        import_paths(again, [out])
        assert covered(again, "kim-000001", "kim", TWEET) == [
            ("Free People", "FACT"),
            ("Nike", "QUOTE"),
        ]
    finally:
        again.close()


def test_export_offsets_option_overrides_the_format(store: Store, workdir: Path) -> None:
    _tweet_store(store, workdir)
    plain = workdir / "plain.doccano.jsonl"
    export_jsonl(
        store, out=plain, source="kim", status="any", format="doccano", offsets="codepoints"
    )
    assert orjson.loads(plain.read_bytes())["label"][0][:2] == list(
        codepoints(TWEET, "Free People")
    )
    wide = workdir / "wide.jsonl"
    export_jsonl(store, out=wide, source="kim", status="any", offsets="utf16")
    line = orjson.loads(wide.read_bytes())
    units = TWEET.encode("utf-16-le")
    for token in line["tokens"]:
        # JavaScript's text.slice(start, end): the UTF-16 units between the offsets.
        assert units[2 * token["start"] : 2 * token["end"]].decode("utf-16-le") == token["text"]
    assert [(span["start"], span["end"]) for span in line["spans"]] == [
        utf16(TWEET, "Free People"),
        utf16(TWEET, "Nike"),
    ]
    default = workdir / "default.jsonl"
    export_jsonl(store, out=default, source="kim", status="any")
    assert orjson.loads(default.read_bytes())["spans"][0]["start"] == TWEET.index("Free")


# -- a span's own text -------------------------------------------------------------------------

NIKE = "The new Nike shoe sold out."
"""Tokens: The, new, Nike 8-12, shoe 13-17, sold, out, ."""


def _mismatched(fmt: str, start: int, end: int) -> dict[str, Any]:
    span = {"start": start, "end": end, "text": "Nike", "label": "FACT"}
    if fmt == "doccano":
        # doccano writes no span text; a file that adds one is checked like the others.
        entity = {"id": 1, "label": "FACT", "start_offset": start, "end_offset": end}
        return {"text": NIKE, "entities": [{**entity, "text": "Nike"}], "relations": []}
    return {"text": NIKE, "spans": [span], "_annotator_id": "kim", "answer": "accept"}


@pytest.mark.parametrize("align", ["strict", "expand", "contract"])
@pytest.mark.parametrize("fmt", ["workbench", "prodigy", "doccano"])
@pytest.mark.parametrize(("start", "end", "shown"), [(8, 14, "'Nike s'"), (13, 17, "'shoe'")])
def test_a_span_text_that_disagrees_with_its_offsets_is_an_error(
    store: Store, workdir: Path, align: AlignMode, fmt: str, start: int, end: int, shown: str
) -> None:
    path = write_jsonl(workdir / "n.jsonl", {"text": "A fine line."}, _mismatched(fmt, start, end))
    fails_cleanly(
        store,
        lambda: import_paths(store, [path], annotator="kim", align=align, format=fmt),
        f"{path}:2: ",
        f"offsets {start}-{end} cover {shown} but the span's 'text' is 'Nike'",
    )
    assert store.count_documents() == 0
    fixed = write_jsonl(workdir / "n.jsonl", _mismatched(fmt, 8, 12))
    import_paths(store, [fixed], annotator="kim", align=align, format=fmt)
    assert covered(store, "n-000001", "kim", NIKE) == [("Nike", "FACT")]


def test_a_span_text_is_compared_in_the_files_units(store: Store, workdir: Path) -> None:
    start, end = utf16(TWEET, "Nike")
    line = {"text": TWEET, "spans": [{"start": start, "end": end, "text": "Nike", "label": "FACT"}]}
    path = write_jsonl(workdir / "p.jsonl", line)
    fails_cleanly(store, lambda: import_paths(store, [path], annotator="kim"), f"{path}:1: ")
    import_paths(store, [path], annotator="kim", offsets="utf16")
    assert covered(store, "p-000001", "kim", TWEET) == [("Nike", "FACT")]


# -- doccano's export shapes ---------------------------------------------------------------------


def test_every_doccano_export_shape_keeps_its_meaning(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "lee.jsonl",
        # Sequence labelling.
        {"id": 1, "text": SENTENCE, "label": [[0, 10, "QUOTE"]], "Comments": []},
        # Relation extraction.
        {
            "id": 2,
            "text": SENTENCE + " One.",
            "entities": [
                {"id": 11, "label": "FACT", "start_offset": 0, "end_offset": 10},
                {"id": 12, "label": "FACT", "start_offset": 15, "end_offset": 29},
            ],
            "relations": [{"id": 5, "from_id": 11, "to_id": 12, "type": "MET"}],
            "Comments": [],
        },
        # Intent detection and slot filling.
        {
            "id": 3,
            "text": SENTENCE + " Two.",
            "entities": [[33, 39, "FACT"]],
            "cats": ["DIPLOMACY", "SUPPORTIVE"],
            "Comments": ["intent checked"],
        },
        # Text classification.
        {"id": 4, "text": SENTENCE + " Three.", "label": ["CRITICAL", "ECONOMY"], "Comments": []},
    )
    summary = import_paths(store, [path], annotator="lee")
    first = annotation(store, "lee-000001", "lee")
    assert spans(first) == [(0, 10, "QUOTE")]
    second = annotation(store, "lee-000002", "lee")
    assert spans(second) == [(0, 10, "FACT"), (15, 29, "FACT")]
    third = annotation(store, "lee-000003", "lee")
    assert spans(third) == [(33, 39, "FACT")]
    assert (third.stance, third.topics, third.note) == (
        "SUPPORTIVE",
        ("DIPLOMACY",),
        "intent checked",
    )
    fourth = annotation(store, "lee-000004", "lee")
    assert (fourth.stance, fourth.topics, fourth.spans) == ("CRITICAL", ("ECONOMY",), ())
    assert "relations (Workbench does not store relations yet)" in dict(summary.not_kept)


def test_intent_classes_the_scheme_lacks_are_reported(store: Store, workdir: Path) -> None:
    path = write_jsonl(
        workdir / "d.jsonl",
        {"id": 1, "text": SENTENCE, "entities": [], "cats": ["BOOK_FLIGHT"], "Comments": []},
    )
    fails_cleanly(
        store, lambda: import_paths(store, [path], annotator="lee"), "unknown labels BOOK_FLIGHT"
    )


@pytest.mark.parametrize("fmt", ["auto", "doccano"])
@pytest.mark.parametrize("key", ["label", "labels"])
def test_a_doccano_label_object_is_an_error(
    store: Store, workdir: Path, fmt: str, key: str
) -> None:
    line = {"text": SENTENCE, key: {"start_offset": 0, "end_offset": 10, "label": "QUOTE"}}
    path = write_jsonl(workdir / "d.jsonl", {"text": "A fine line."}, line)
    fails_cleanly(
        store,
        lambda: import_paths(store, [path], annotator="kim", format=fmt),
        f"{path}:2: field {key!r} must be a list",
        "got an object",
    )
    assert store.count_documents() == 0


def test_a_doccano_cats_that_is_not_a_list_of_names_is_an_error(
    store: Store, workdir: Path
) -> None:
    line = {"text": SENTENCE, "entities": [], "cats": ["ECONOMY", 3]}
    path = write_jsonl(workdir / "d.jsonl", line)
    fails_cleanly(
        store,
        lambda: import_paths(store, [path], annotator="kim"),
        f"{path}:1: field 'cats' must be a list of strings",
    )


# -- the command line ----------------------------------------------------------------------------


def test_offsets_on_the_command_line(workdir: Path, db_url: str) -> None:
    path = write_jsonl(
        workdir / "kim.jsonl", sequence_line(TWEET, ("Free People", "FACT"), at=codepoints)
    )
    wrong = invoke("--db", db_url, "import", str(path), "--annotator", "kim")
    assert_user_error(wrong, f"{path}:1: ", "'w Free Peop'")
    done = invoke(
        "--db", db_url, "import", str(path), "--annotator", "kim", "--offsets", "codepoints"
    )
    assert done.exit_code == 0, done.output
    out = invoke(
        "--db", db_url, "export", "jsonl", "--source", "kim", "--status", "any",
        "--format", "doccano", "--out", "-",
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert orjson.loads(out.stdout)["label"][0][:2] == list(utf16(TWEET, "Free People"))
    plain = invoke(
        "--db", db_url, "export", "jsonl", "--source", "kim", "--status", "any",
        "--format", "doccano", "--offsets", "codepoints", "--out", "-",
    )  # fmt: skip
    assert orjson.loads(plain.stdout)["label"][0][:2] == list(codepoints(TWEET, "Free People"))


@pytest.mark.parametrize("command", [["import", "x.jsonl"], ["export", "jsonl", "--out", "-"]])
def test_an_unknown_offsets_value_is_refused(
    workdir: Path, db_url: str, command: list[str]
) -> None:
    result = invoke("--db", db_url, *command, "--offsets", "bytes")
    assert_user_error(result, "--offsets 'bytes' unknown; expected one of codepoints, utf16")


# -- the conversion itself -----------------------------------------------------------------------


@given(
    text=st.text(st.sampled_from("ab 😍🇺é\U0010ffff\n"), min_size=1, max_size=40),
    data=st.data(),
)
def test_utf16_offsets_round_trip_through_code_points(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    found = astral(text)
    wide = to_utf16(start, found), to_utf16(end, found)
    units = text.encode("utf-16-le")
    assert units[2 * wide[0] : 2 * wide[1]].decode("utf-16-le") == text[start:end]
    assert FileOffsets(text, "utf16").span(*wide, "f:1") == (start, end)
    assert FileOffsets(text, "codepoints").span(start, end, "f:1") == (start, end)
