"""The wide bad-input table (issue 12, "Figures"): name -> how to make the bad input and what
the one error line says. tests/cli/test_bad_input_wide.py runs each case on SQLite and
PostgreSQL and checks that it is refused with exit code 1, one ``error:`` line per problem,
nothing on stdout, no traceback, no password, no raw control character, and an unchanged
database. :data:`PENDING` holds the cases main does not refuse so yet (run as strict xfails).

Every case is made inline in the real shape of its format (Workbench/Prodigy task JSONL,
doccano JSONL, scheme TOML, database URLs); none is copied from third-party data.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from workbench.formats.text import MAX_DOCUMENT_BYTES
from workbench.scheme import FREE_KEYS, KINDS, TAKEN_KEYS, default_scheme

BOTH = ("sqlite", "postgresql")

LIVE_DB = "<the live database file>"
"""An argument the test replaces with the path of the SQLite database under test."""


Make = Callable[[Path], list[str]]
"""Makes a case's input files in the folder it is given; returns the command line."""

LIVE_SQLITE = Path("test.db")
"""The SQLite database under test, relative to the working directory (tests/conftest.py's
``backend_url`` makes it there), for cases that reach it by another path or a link."""


@dataclass(frozen=True)
class Case:
    """How to make the bad input (files in the folder it is given; the result is the command
    line), and a fragment of what the error says."""

    make: Make
    expect: str
    lines: int = 1
    """How many ``error:`` lines: one per problem (plus a header line when there are several)."""
    stdin: bytes | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    """Environment variables; ``{folder}`` in a value is the case's folder."""
    secrets: tuple[str, ...] = ()
    """Passwords (or parts of them) that must appear nowhere in the output."""
    backends: tuple[str, ...] = BOTH


# -- making inputs -------------------------------------------------------------------------------


def write(path: Path, data: bytes | str) -> str:
    """Write a file (and its folders); its path as an argument."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def encode(line: object) -> bytes:
    """A JSONL line: bytes and strings as they are, anything else as JSON."""
    if isinstance(line, bytes):
        return line
    return line.encode() if isinstance(line, str) else orjson.dumps(line)


def jsonl(folder: Path, *lines: object, name: str = "bad.jsonl") -> str:
    """A JSONL file of ``lines`` (see :func:`encode`), each ending in a newline."""
    return write(folder / name, b"".join(encode(line) + b"\n" for line in lines))


def importing(*lines: object, options: tuple[str, ...] = (), name: str = "bad.jsonl") -> Make:
    """The command line that imports a JSONL file of ``lines``."""
    return lambda d: ["import", *options, jsonl(d, *lines, name=name)]


def text_file(name: str, data: bytes | str) -> Make:
    """The command line that imports one text file."""
    return lambda d: ["import", write(d / name, data)]


def command(*args: str) -> Make:
    """A command line that needs no input files."""
    return lambda d: list(args)


NEW_TEXT = "Moscow and Beijing signed a gas deal. Prices fell by 5% in May."
"""A text the database does not hold yet; ``Moscow`` is 0-6, ``and`` 7-10, ``Beijing`` 11-18."""
SPAN = {"start": 0, "end": 6, "label": "FACT"}
LINE: dict[str, Any] = {
    "text": NEW_TEXT,
    "meta": {"name": "new-doc"},
    "_annotator_id": "carol",
    "answer": "accept",
    "spans": [SPAN],
}
"""A good Workbench JSONL line: each case changes one thing."""
TOKENS = [
    {"text": "Moscow", "start": 0, "end": 6, "id": 0, "ws": True},
    {"text": "and", "start": 7, "end": 10, "id": 1, "ws": True},
    {"text": "Beijing", "start": 11, "end": 18, "id": 2, "ws": True},
]
DOCCANO: dict[str, Any] = {
    "text": NEW_TEXT,
    "label": [[0, 6, "FACT"]],
    "name": "new-doc",
    "annotator": "carol",
    "status": "done",
}
"""A good doccano line."""


def line(**changes: Any) -> dict[str, Any]:
    """:data:`LINE` with fields changed (a value of ``...`` removes the field)."""
    return _changed(LINE, changes)


def doccano(**changes: Any) -> dict[str, Any]:
    """:data:`DOCCANO` with fields changed (a value of ``...`` removes the field)."""
    return _changed(DOCCANO, changes)


def _changed(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = {**base, **changes}
    return {key: value for key, value in out.items() if value is not ...}


def span(**changes: Any) -> dict[str, Any]:
    """A line whose one span has fields changed."""
    return line(spans=[_changed(SPAN, changes)])


def nested(depth: int) -> dict[str, Any]:
    """A line whose ``meta`` nests objects ``depth`` levels deep."""
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return line(meta=value)


def nested_raw(depth: int) -> bytes:
    """:func:`nested` written by hand (orjson refuses to write more than 254 levels)."""
    meta = b'{"a":' * depth + b"{}" + b"}" * depth
    return b'{"text": "' + NEW_TEXT.encode() + b'", "meta": ' + meta + b"}"


def folder(path: Path, files: Mapping[str, bytes | str]) -> str:
    """A folder holding ``files`` (relative path -> content); its path as an argument."""
    for name, data in files.items():
        write(path / name, data)
    return str(path)


def gigabytes_sparse(folder: Path, name: str, size: int) -> str:
    """A sparse file of ``size`` bytes (no disk is used): its size says it all."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)
    return str(path)


def fifo(folder: Path, name: str) -> str:
    """A FIFO: reading it would block for ever, so it must be refused at once."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return str(path)


def dangling(folder: Path, name: str) -> str:
    """A symbolic link to nothing."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(folder / "gone")
    return str(path)


def link_to_elsewhere(folder: Path, name: str) -> str:
    """A symbolic link to a file outside the export's folder (which must not be replaced)."""
    elsewhere = Path(write(folder / "elsewhere" / "precious.txt", "keep me"))
    path = folder / "out" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(elsewhere)
    return str(path)


def link(path: Path, target: Path) -> str:
    """A symbolic link to ``target``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return str(path)


def hard_link(path: Path, target: Path) -> str:
    """A second name of ``target``'s file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.hardlink_to(target)
    return str(path)


def foreign_sqlite(folder: Path) -> str:
    """A SQLite database of another application."""
    import sqlite3

    path = folder / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    connection.close()
    return str(path)


# -- schemes -------------------------------------------------------------------------------------


def scheme_toml(extra: str = "", drop: tuple[str, ...] = ()) -> str:
    """The default scheme's TOML (which keeps every label the database uses), without the sets
    in ``drop``, with ``extra`` appended."""
    data = default_scheme().to_dict()
    out: list[str] = []
    for kind in KINDS:
        if kind in drop:
            continue
        for entry in data[kind]:
            out.append(f"[[{kind}]]")
            out.extend(f"{key} = {orjson.dumps(value).decode()}" for key, value in entry.items())
    return "\n".join(out) + "\n" + extra


def scheme_without_label(kind: str, name: str) -> str:
    """The default scheme without one label."""
    data = default_scheme().to_dict()
    out: list[str] = []
    for table in KINDS:
        for entry in data[table]:
            if table == kind and entry["name"] == name:
                continue
            out.append(f"[[{table}]]")
            out.extend(f"{key} = {orjson.dumps(value).decode()}" for key, value in entry.items())
    return "\n".join(out) + "\n"


def with_scheme(
    text: str | bytes, *args: str, name: str = "scheme.toml", where: str = "global"
) -> Make:
    """The command line ``args`` with ``--scheme FILE`` given before the command (``global``)
    or after it (``own``)."""

    def make(d: Path) -> list[str]:
        path = write(d / name, text)
        if where == "global":
            return ["--scheme", path, *args]
        return [*args, "--scheme", path]

    return make


def extra_label(kind: str, body: str) -> str:
    """The default scheme plus one more entry of ``kind`` (its TOML lines in ``body``)."""
    return scheme_toml(f"[[{kind}]]\n{body}\n")


FREE_CLAIM_KEYS = [key for key in FREE_KEYS if key not in TAKEN_KEYS["claim_type"]]
TOO_MANY_CLAIM_TYPES = "".join(
    f'[[claim_type]]\nname = "C{index}"\n' for index in range(len(FREE_CLAIM_KEYS) - 5 + 1)
)
"""Claim types without hotkeys, one more than the free keys left after the default's five."""


# -- database URLs -------------------------------------------------------------------------------

CLOSED = "127.0.0.1:9"
"""A port nothing listens on: connections are refused at once."""


def on_db(url: str, *args: str, where: str = "own") -> Make:
    """``args`` with ``--db url`` after the command (``own``) or before it (``global``)."""
    if where == "global":
        return command("--db", url, *args)
    return command(*args, "--db", url)


def on_db_file(make_db: Callable[[Path], str], *args: str) -> Make:
    """``args`` with ``--db`` naming a file ``make_db`` makes."""
    return lambda d: [*args, "--db", make_db(d)]


def _export(*options: str) -> list[str]:
    return ["export", "jsonl", "--out", "-", *options]


# -- the table -----------------------------------------------------------------------------------

LONG_NAME = "n" * 513
LONG_LABEL = "L" * 65
LONG_NOTE = "x" * 10_001

CASES: dict[str, Case] = {
    # --- Workbench JSONL: the text -------------------------------------------------------------
    "wb: text is a list": Case(importing(line(text=["a"])), "'text'"),
    "wb: text is null": Case(importing(line(text=None)), "'text'"),
    "wb: text is missing": Case(importing(line(text=...)), "'text'"),
    "wb: text is true": Case(importing(line(text=True)), "'text'"),
    "wb: text is an object": Case(importing(line(text={"t": "x"})), "'text'"),
    "wb: text is empty": Case(importing(line(text="", spans=...)), "'text' is empty"),
    "wb: text is blank": Case(importing(line(text=" \n\t ", spans=...)), "'text' is empty"),
    "wb: text holds NUL": Case(importing(line(text="a\x00b", spans=...)), "NUL"),
    "wb: text over 10 M characters": Case(
        importing({"text": "é" * (MAX_DOCUMENT_BYTES + 1)}), "more than one document"
    ),
    # --- Workbench JSONL: meta and the document name --------------------------------------------
    "wb: meta is a string": Case(importing(line(meta="x")), "'meta'"),
    "wb: meta is a list": Case(importing(line(meta=["name", "x"])), "'meta'"),
    "wb: meta is a number": Case(importing(line(meta=3)), "'meta'"),
    "wb: meta.name is a number": Case(importing(line(meta={"name": 7})), "'meta.name'"),
    "wb: meta.name is a list": Case(importing(line(meta={"name": ["a"]})), "'meta.name'"),
    "wb: meta.name is empty": Case(importing(line(meta={"name": ""})), "'meta.name'"),
    "wb: meta.name is blank": Case(importing(line(meta={"name": "   "})), "'meta.name'"),
    "wb: meta.name holds ESC": Case(
        importing(line(meta={"name": "doc\x1b[31mred"})), "control character"
    ),
    "wb: meta.name holds NUL": Case(importing(line(meta={"name": "a\x00b"})), "control character"),
    "wb: meta.name holds a newline": Case(
        importing(line(meta={"name": "two\nlines"})), "control character"
    ),
    "wb: meta.name holds a tab": Case(importing(line(meta={"name": "a\tb"})), "control character"),
    "wb: meta.name holds a bidi override": Case(
        importing(line(meta={"name": "abc\u202edef"})), "control character"
    ),
    "wb: meta.name of 513 characters": Case(
        importing(line(meta={"name": LONG_NAME})), "at most 512"
    ),
    "wb: meta nested 1000 levels": Case(importing(nested_raw(1000)), "nested more than"),
    "wb: meta nested 100 levels": Case(importing(nested(100)), "nested more than"),
    # --- Workbench JSONL: spans ----------------------------------------------------------------
    "wb: spans is an object": Case(importing(line(spans=SPAN)), "'spans'"),
    "wb: spans is a number": Case(importing(line(spans=1)), "'spans'"),
    "wb: span is a string": Case(importing(line(spans=["FACT"])), "spans[0]"),
    "wb: span is a triple": Case(importing(line(spans=[[0, 6, "FACT"]])), "spans[0]"),
    "wb: span without label": Case(importing(span(label=...)), "needs start, end and label"),
    "wb: span without start": Case(importing(span(start=...)), "spans[0]"),
    "wb: span end is null": Case(importing(span(end=None)), "needs start, end and label"),
    "wb: span label is a number": Case(importing(span(label=1)), "'label'"),
    "wb: span start is a float": Case(importing(span(start=0.0)), "'start'"),
    "wb: span start is true": Case(importing(span(start=True)), "'start'"),
    "wb: span end is a string": Case(importing(span(end="6")), "'end'"),
    "wb: span is empty": Case(importing(span(start=6, end=6)), "spans[0]"),
    "wb: span ends past the text": Case(importing(span(end=len(NEW_TEXT) + 1)), "spans[0]"),
    "wb: span misaligned at the end": Case(importing(span(end=5)), "token boundaries"),
    "wb: second span misaligned": Case(
        importing(line(spans=[SPAN, {"start": 12, "end": 18, "label": "FACT"}])),
        "token boundaries",
    ),
    "wb: span stance is a number": Case(importing(span(stance=2)), "'stance'"),
    "wb: span topics is a string": Case(importing(span(topics="ENERGY")), "'topics'"),
    "wb: span topics holds a number": Case(importing(span(topics=[1])), "'topics'"),
    "wb: span label in lower case": Case(importing(span(label="fact")), "fact (claim type)"),
    "wb: span label is a stance": Case(importing(span(label="MIXED")), "MIXED (claim type)"),
    "wb: span stance unknown": Case(importing(span(stance="ANGRY")), "ANGRY (stance)"),
    "wb: span topic unknown": Case(importing(span(topics=["SPORT"])), "SPORT (topic)"),
    "wb: unknown labels of every kind": Case(
        importing(
            line(
                spans=[{"start": 0, "end": 6, "label": "RUMOUR", "stance": "ANGRY"}],
                stance="BORED",
                topics=["SPORT"],
            )
        ),
        "RUMOUR (claim type)",
    ),
    # --- Workbench JSONL: document labels, note, status, answer, times ---------------------------
    "wb: stance is a number": Case(importing(line(stance=1)), "'stance'"),
    "wb: stance is a list": Case(importing(line(stance=["MIXED"])), "'stance'"),
    "wb: stance unknown": Case(importing(line(stance="ANGRY")), "ANGRY (stance)"),
    "wb: stance is a topic": Case(importing(line(stance="ENERGY")), "ENERGY (stance)"),
    "wb: topics is a string": Case(importing(line(topics="ENERGY")), "'topics'"),
    "wb: topics holds null": Case(importing(line(topics=[None])), "'topics'"),
    "wb: topic unknown": Case(importing(line(topics=["SPORT"])), "SPORT (topic)"),
    "wb: topic is a stance": Case(importing(line(topics=["MIXED"])), "MIXED (topic)"),
    "wb: note is a number": Case(importing(line(note=5)), "'note'"),
    "wb: note is a list": Case(importing(line(note=["a"])), "'note'"),
    "wb: note holds NUL": Case(importing(line(note="a\x00b")), "NUL"),
    "wb: note of 10,001 characters": Case(importing(line(note=LONG_NOTE)), "10,000"),
    "wb: status is a number": Case(importing(line(status=1)), "'status'"),
    "wb: status in capitals": Case(importing(line(status="DONE")), "'status'"),
    "wb: status is empty": Case(importing(line(status="")), "'status'"),
    "wb: status is accept": Case(importing(line(status="accept")), "'status'"),
    "wb: answer unknown": Case(importing(line(answer="maybe")), "'answer'"),
    "wb: answer is a number": Case(importing(line(answer=1)), "'answer'"),
    "wb: answer is true": Case(importing(line(answer=True)), "'answer'"),
    "wb: answer in capitals": Case(importing(line(answer="ACCEPT")), "'answer'"),
    "wb: _timestamp is a string": Case(importing(line(_timestamp="2024-01-01")), "'_timestamp'"),
    "wb: _timestamp is negative": Case(importing(line(_timestamp=-5)), "'_timestamp'"),
    "wb: _timestamp is true": Case(importing(line(_timestamp=True)), "'_timestamp'"),
    "wb: _timestamp is a list": Case(importing(line(_timestamp=[1])), "'_timestamp'"),
    "wb: seconds is a string": Case(importing(line(seconds="12")), "'seconds'"),
    "wb: seconds is negative": Case(importing(line(seconds=-0.5)), "'seconds'"),
    "wb: seconds is true": Case(importing(line(seconds=True)), "'seconds'"),
    "wb: seconds is NaN": Case(
        importing(b'{"text": "' + NEW_TEXT.encode() + b'", "seconds": NaN}'), "not valid JSON"
    ),
    "wb: seconds is Infinity": Case(
        importing(b'{"text": "' + NEW_TEXT.encode() + b'", "seconds": Infinity}'), "not valid JSON"
    ),
    # --- Workbench JSONL: annotators ------------------------------------------------------------
    "wb: _annotator_id is a number": Case(importing(line(_annotator_id=3)), "'_annotator_id'"),
    "wb: _session_id is a list": Case(
        importing(line(_annotator_id=..., _session_id=["x"])), "'_session_id'"
    ),
    "wb: labels, annotator blank": Case(importing(line(_annotator_id="  ")), "no annotator"),
    "wb: only a note, no annotator": Case(
        importing({"text": NEW_TEXT, "note": "check this"}), "no annotator"
    ),
    "wb: only a status, no annotator": Case(
        importing({"text": NEW_TEXT, "status": "done"}), "no annotator"
    ),
    "wb: _annotator_id gold": Case(importing(line(_annotator_id="gold")), "--annotator gold"),
    "wb: _session_id gold": Case(
        importing(line(_annotator_id=..., _session_id="gold")), "--annotator gold"
    ),
    "wb: meta.annotator gold": Case(
        importing(line(_annotator_id=..., meta={"name": "m", "annotator": "gold"})),
        "--annotator gold",
    ),
    "wb: _annotator_id gold, --annotator 'gold ' spaced": Case(
        importing(line(_annotator_id="gold"), options=("--annotator", "gold ")), "gold"
    ),
    "wb: _annotator_id holds ESC": Case(
        importing(line(_annotator_id="eve\x1b[2J")), "annotator name"
    ),
    "wb: _annotator_id of 129 characters": Case(
        importing(line(_annotator_id="a" * 129)), "annotator name"
    ),
    "wb: --annotator holds a newline": Case(
        importing(line(), options=("--annotator", "a\nb")), "annotator name"
    ),
    "wb: --annotator blank": Case(importing(line(), options=("--annotator", "   ")), "annotator"),
    # --- Workbench JSONL: duplicate keys --------------------------------------------------------
    "wb: text given twice": Case(
        importing(b'{"text": "' + NEW_TEXT.encode() + b'", "text": "Other text."}'), "'text'"
    ),
    "wb: meta.name given twice": Case(
        importing(b'{"text": "' + NEW_TEXT.encode() + b'", "meta": {"name": "a", "name": "b"}}'),
        "'name' appears twice",
    ),
    "wb: span label given twice": Case(
        importing(
            b'{"text": "'
            + NEW_TEXT.encode()
            + b'", "_annotator_id": "carol", "spans": [{"start": 0, "end": 6,'
            b' "label": "FACT", "label": "QUOTE"}]}'
        ),
        "'label' appears twice",
    ),
    "wb: a key twice, once escaped": Case(
        importing(b'{"text": "' + NEW_TEXT.encode() + b'", "te\\u0078t": "Other."}'),
        "'text' appears twice",
    ),
    "wb: stance given twice": Case(
        importing(
            b'{"text": "' + NEW_TEXT.encode() + b'", "_annotator_id": "carol",'
            b' "stance": "MIXED", "stance": "CRITICAL"}'
        ),
        "'stance' appears twice",
    ),
    # --- JSONL lines and files ------------------------------------------------------------------
    "jsonl: line is null": Case(importing("null"), "a JSON object"),
    "jsonl: line is a number": Case(importing("42"), "a JSON object"),
    "jsonl: line is a string": Case(importing('"text"'), "a JSON object"),
    "jsonl: trailing garbage": Case(importing('{"text": "A text."} x'), "not valid JSON"),
    "jsonl: truncated last line": Case(
        lambda d: ["import", write(d / "cut.jsonl", b'{"text": "A text."}\n{"text": "B')],
        ":2:",
    ),
    "jsonl: single quotes": Case(importing("{'text': 'A text.'}"), "not valid JSON"),
    "jsonl: invalid UTF-8": Case(importing(b'{"text": "caf\xe9"}'), "not valid JSON"),
    "jsonl: a lone surrogate": Case(importing(b'{"text": "a \\ud800 b"}'), "not valid JSON"),
    "jsonl: BOM on the second line": Case(
        importing({"text": "A text."}, b"\xef\xbb\xbf" + orjson.dumps({"text": "B text."})),
        ":2:",
    ),
    "jsonl: a BOM and nothing else": Case(
        lambda d: ["import", write(d / "bom.jsonl", b"\xef\xbb\xbf\n")], "bom.jsonl"
    ),
    "jsonl: a 41 MB line": Case(importing(b'{"text": "' + b"w " * 20_500_000 + b'"}'), "too long"),
    "jsonl: the bad line is the 3rd": Case(
        importing({"text": "One."}, {"text": "Two."}, {"text": 3}), ":3:"
    ),
    "jsonl: .ndjson file": Case(importing("{oops", name="bad.ndjson"), "bad.ndjson:1:"),
    "jsonl: .JSONL in capitals": Case(importing("{oops", name="BAD.JSONL"), "BAD.JSONL:1:"),
    "jsonl: two bad files": Case(
        lambda d: [
            "import",
            jsonl(d, "{oops", name="one.jsonl"),
            jsonl(d, "[1]", name="two.jsonl"),
        ],
        "2 problems",
        lines=3,
    ),
    "jsonl: a good file and a bad one": Case(
        lambda d: [
            "import",
            jsonl(d, {"text": "Good text."}, name="good.jsonl"),
            jsonl(d, {"text": 1}, name="bad.jsonl"),
        ],
        "bad.jsonl:1:",
    ),
    "jsonl: CRLF line with bad JSON": Case(
        lambda d: ["import", write(d / "crlf.jsonl", b'{"text": "A."}\r\n{"text": }\r\n')],
        ":2:",
    ),
    # --- standard input -------------------------------------------------------------------------
    "stdin: not JSON": Case(command("import", "-"), "-:1:", stdin=b"just some text\n"),
    "stdin: bad second line": Case(
        command("import", "-"), "-:2:", stdin=b'{"text": "A text."}\n{"text": 5}\n'
    ),
    "stdin: gold from _annotator_id": Case(
        command("import", "-"), "--annotator gold", stdin=orjson.dumps(line(_annotator_id="gold"))
    ),
    "stdin: unknown label": Case(
        command("import", "-"), "RUMOUR", stdin=orjson.dumps(span(label="RUMOUR"))
    ),
    # --- Prodigy task JSONL ---------------------------------------------------------------------
    "prodigy: tokens is a string": Case(
        importing(line(spans=[{"token_start": 0, "token_end": 0, "label": "FACT"}], tokens="x")),
        "'tokens'",
    ),
    "prodigy: token is a number": Case(
        importing(line(spans=[{"token_start": 0, "token_end": 0, "label": "FACT"}], tokens=[0])),
        "tokens[0]",
    ),
    "prodigy: token without end": Case(
        importing(
            line(
                spans=[{"token_start": 0, "token_end": 0, "label": "FACT"}],
                tokens=[{"start": 0}],
            )
        ),
        "tokens[0]",
    ),
    "prodigy: token indices without tokens": Case(
        importing(line(spans=[{"token_start": 0, "token_end": 0, "label": "FACT"}])),
        "token_start and token_end",
    ),
    "prodigy: token index past the tokens": Case(
        importing(line(spans=[{"token_start": 0, "token_end": 7, "label": "FACT"}], tokens=TOKENS)),
        "not among the line's 3 tokens",
    ),
    "prodigy: token_end before token_start": Case(
        importing(line(spans=[{"token_start": 2, "token_end": 1, "label": "FACT"}], tokens=TOKENS)),
        "spans[0]",
    ),
    "prodigy: token_start is a string": Case(
        importing(
            line(spans=[{"token_start": "0", "token_end": 0, "label": "FACT"}], tokens=TOKENS),
            options=("--format", "prodigy"),
        ),
        "'token_start'",
    ),
    "prodigy: accept is a string": Case(importing(line(spans=..., accept="ENERGY")), "'accept'"),
    "prodigy: accept holds an object": Case(
        importing(line(spans=..., accept=[{"id": "ENERGY"}])), "'accept'"
    ),
    "prodigy: accept id without option": Case(
        importing(line(spans=..., accept=[3], options=[{"id": 1, "text": "ENERGY"}])),
        "option id 3",
    ),
    "prodigy: accept holds two stances": Case(
        importing(line(spans=..., accept=["MIXED", "CRITICAL"])), "two stances"
    ),
    "prodigy: accept holds an unknown class": Case(
        importing(line(spans=..., accept=["SPORT"])), "SPORT (topic)"
    ),
    "prodigy: accepted binary label unknown": Case(
        importing(line(spans=..., label="SPORT")), "SPORT (topic)"
    ),
    "prodigy: rejected binary label unknown": Case(
        importing(line(spans=..., label="SPORT", answer="reject")), "'SPORT' (rejected class)"
    ),
    # A cats list is doccano's intent shape, which names its annotator as "annotator".
    "prodigy: cats is a list": Case(importing(line(spans=..., cats=["ENERGY"])), "no annotator"),
    "prodigy: cats score is a string": Case(
        importing(line(spans=..., cats={"ENERGY": "1"})), "'cats'"
    ),
    "prodigy: cats score is true": Case(
        importing(line(spans=..., cats={"ENERGY": True})), "'cats'"
    ),
    "prodigy: cats hold two stances": Case(
        importing(line(spans=..., cats={"MIXED": 1.0, "CRITICAL": 0.9})), "two stances"
    ),
    "prodigy: stance against the choices": Case(
        importing(line(spans=..., accept=["MIXED"], stance="CRITICAL")), "CRITICAL"
    ),
    "prodigy: answer unknown": Case(
        importing(line(answer="later"), options=("--format", "prodigy")), "'answer'"
    ),
    "prodigy: a doccano line": Case(
        importing(doccano(), options=("--format", "prodigy")), "--format doccano"
    ),
    "workbench: a doccano line": Case(
        importing(doccano(), options=("--format", "workbench")), "--format doccano"
    ),
    # --- doccano JSONL --------------------------------------------------------------------------
    "doccano: no text": Case(
        importing(doccano(text=...), options=("--format", "doccano")), "'text' (or 'data')"
    ),
    "doccano: data is a number": Case(
        importing(doccano(text=..., data=5), options=("--format", "doccano")), "'data'"
    ),
    "doccano: label is a string": Case(
        importing(doccano(label="FACT"), options=("--format", "doccano")), "'label'"
    ),
    "doccano: labels is an object": Case(
        importing(doccano(label=..., labels={"a": 1}), options=("--format", "doccano")), "'labels'"
    ),
    "doccano: offsets as strings": Case(importing(doccano(label=[["0", "6", "FACT"]])), "label[0]"),
    "doccano: offsets as booleans": Case(
        importing(doccano(label=[[False, True, "FACT"]])), "label[0]"
    ),
    "doccano: offsets reversed": Case(importing(doccano(label=[[6, 0, "FACT"]])), "label[0]"),
    "doccano: offsets past the text": Case(
        importing(doccano(label=[[0, 999, "FACT"]])), "label[0]"
    ),
    "doccano: offsets misaligned": Case(
        importing(doccano(label=[[1, 6, "FACT"]])), "token boundaries"
    ),
    "doccano: a pair, not a triple": Case(importing(doccano(label=[[0, 6]])), "label[0]"),
    "doccano: a number as a label": Case(importing(doccano(label=[7])), "label[0]"),
    "doccano: label triple with a number label": Case(
        importing(doccano(label=[[0, 6, 7]])), "label[0]"
    ),
    "doccano: unknown span label": Case(importing(doccano(label=[[0, 6, "RUMOUR"]])), "RUMOUR"),
    "doccano: unknown class": Case(importing(doccano(label=["SPORT"])), "SPORT (topic)"),
    "doccano: two stances": Case(importing(doccano(label=["MIXED", "CRITICAL"])), "two stances"),
    "doccano: stance against the label": Case(
        importing(doccano(label=["MIXED"], stance="CRITICAL")), "CRITICAL"
    ),
    "doccano: entities is an object": Case(importing(doccano(entities={"a": 1})), "'entities'"),
    "doccano: entity triple with an offset not a number": Case(
        importing(doccano(label=..., entities=[[0, "six", "FACT"]])), "entities[0]"
    ),
    "doccano: entity without end_offset": Case(
        importing(doccano(label=..., entities=[{"start_offset": 0, "label": "FACT"}])),
        "entities[0]",
    ),
    "doccano: entity label is a number": Case(
        importing(doccano(label=..., entities=[{"start_offset": 0, "end_offset": 6, "label": 1}])),
        "entities[0]",
    ),
    "doccano: entity label unknown": Case(
        importing(
            doccano(label=..., entities=[{"start_offset": 0, "end_offset": 6, "label": "X1"}])
        ),
        "X1 (claim type)",
    ),
    "doccano: meta is a list": Case(importing(doccano(meta=[1])), "'meta'"),
    "doccano: name is a number": Case(importing(doccano(name=12)), "name"),
    "doccano: name holds ESC": Case(importing(doccano(name="x\x1b]0;pwned\x07")), "control"),
    "doccano: name of 513 characters": Case(importing(doccano(name=LONG_NAME)), "at most 512"),
    "doccano: annotator gold": Case(importing(doccano(annotator="gold")), "--annotator gold"),
    "doccano: annotator is a number": Case(importing(doccano(annotator=5)), "annotator"),
    "doccano: status unknown": Case(importing(doccano(status="finished")), "'status'"),
    "doccano: note is a number": Case(importing(doccano(note=1)), "'note'"),
    "doccano: note holds NUL": Case(importing(doccano(note="a\x00")), "NUL"),
    "doccano: note too long": Case(importing(doccano(note=LONG_NOTE)), "10,000"),
    "doccano: _timestamp is a string": Case(importing(doccano(_timestamp="now")), "'_timestamp'"),
    "doccano: seconds negative": Case(importing(doccano(seconds=-1)), "'seconds'"),
    "doccano: topics is a string": Case(importing(doccano(topics="ENERGY")), "'topics'"),
    "doccano: label given twice": Case(
        importing(
            b'{"text": "' + NEW_TEXT.encode() + b'", "annotator": "carol",'
            b' "label": [[0, 6, "FACT"]], "label": []}'
        ),
        "'label' appears twice",
    ),
    # --- text files, folders and paths ----------------------------------------------------------
    "txt: only a BOM": Case(text_file("bom.txt", b"\xef\xbb\xbf"), "empty"),
    "txt: UTF-16": Case(text_file("utf16.txt", "Hello there.".encode("utf-16")), "utf16.txt"),
    "txt: a sparse 3 GB file": Case(
        lambda d: ["import", gigabytes_sparse(d, "sparse.txt", 3 * 1024**3)], "more than one"
    ),
    "txt: 10 MB plus one byte": Case(
        text_file("big.txt", b"a" * (MAX_DOCUMENT_BYTES + 1)), "more than one"
    ),
    "txt: name holds ESC": Case(text_file("evil\x1b[2J.txt", "A text."), "control character"),
    "txt: name holds a newline": Case(text_file("two\nlines.txt", "A text."), "control character"),
    "txt: name of 513 characters": Case(
        lambda d: [
            "import",
            str(
                Path(
                    write(d / "f" / ("n" * 200) / ("m" * 200) / ("o" * 120 + ".txt"), "A.")
                ).parents[2]
            ),
        ],
        "at most 512",
    ),
    "txt: a FIFO": Case(lambda d: ["import", fifo(d, "pipe.txt")], "a FIFO"),
    "txt: a FIFO inside a folder": Case(
        lambda d: ["import", str(Path(fifo(d / "f", "pipe.txt")).parent)], "a FIFO"
    ),
    "txt: a device": Case(command("import", "/dev/null"), "a device"),
    "txt: a dangling link": Case(lambda d: ["import", dangling(d, "link.txt")], "no such file"),
    "txt: no suffix": Case(text_file("README", "A text."), "(none)"),
    "txt: a .json file": Case(text_file("data.json", '{"text": "A."}'), "'.json'"),
    "txt: a .txt.gz file": Case(text_file("a.txt.gz", b"\x1f\x8b\x08"), "'.gz'"),
    "txt: missing path with ESC in its name": Case(
        lambda d: ["import", str(d / "gone\x1b[31m.txt")], "no such file"
    ),
    "txt: a bad file in a folder": Case(
        lambda d: ["import", folder(d / "f", {"ok.txt": "Fine text.", "sub/bin.txt": b"\x00\x01"})],
        "sub/bin.txt: a binary file",
    ),
    "txt: a folder of only .md and .csv": Case(
        lambda d: [
            "import",
            folder(d / "f", {"a.md": "x"}),
            write(d / "f" / "b.csv", "a,b"),
        ],
        "2 problems",
        lines=3,
    ),
    "txt: a folder of hidden .txt only": Case(
        lambda d: ["import", folder(d / "f", {".hidden.txt": "A text."})],
        "no .txt files",
    ),
    "txt: an empty .TXT in a folder": Case(
        lambda d: [
            "import",
            folder(d / "f", {"EMPTY.TXT": ""}),
        ],
        "empty",
    ),
    "txt: good file and a missing one": Case(
        lambda d: ["import", write(d / "ok.txt", "A good text."), str(d / "missing.txt")],
        "no such file",
    ),
    "txt: three missing paths": Case(
        lambda d: ["import", str(d / "a.txt"), str(d / "b.txt"), str(d / "c.jsonl")],
        "3 problems",
        lines=4,
    ),
    # --- import options -------------------------------------------------------------------------
    "import: --format unknown": Case(
        lambda d: ["import", "--format", "conll", jsonl(d, {"text": "A."})], "--format 'conll'"
    ),
    "import: --format spacy": Case(
        lambda d: ["import", "--format", "spacy", jsonl(d, {"text": "A."})], "--format 'spacy'"
    ),
    "import: --format empty": Case(
        lambda d: ["import", "--format", "", jsonl(d, {"text": "A."})], "--format ''"
    ),
    "import: --format in capitals": Case(
        lambda d: ["import", "--format", "DOCCANO", jsonl(d, {"text": "A."})], "--format"
    ),
    "import: --format unknown with text files": Case(
        lambda d: ["import", "--format", "csv", write(d / "a.txt", "A text.")], "--format 'csv'"
    ),
    "import: --align empty": Case(
        lambda d: ["import", "--align", "", write(d / "a.txt", "A text.")], "--align"
    ),
    "import: --align in capitals": Case(
        lambda d: ["import", "--align", "EXPAND", write(d / "a.txt", "A text.")], "--align"
    ),
    "import: --replace with a bad line": Case(
        importing(line(status="bogus"), options=("--replace",)), "'status'"
    ),
    "import: --align expand, span past the text": Case(
        importing(span(end=999), options=("--align", "expand")), "spans[0]"
    ),
    # --- export jsonl ---------------------------------------------------------------------------
    "export jsonl: --source unknown": Case(command(*_export("--source", "nobody")), "nobody"),
    "export jsonl: --source gold, none yet": Case(
        command(*_export("--source", "gold")), "no gold annotations"
    ),
    "export jsonl: --source empty": Case(command(*_export("--source", "")), "--source"),
    "export jsonl: --source blank": Case(command(*_export("--source", "  ")), "--source"),
    "export jsonl: --status unknown": Case(
        command(*_export("--source", "all", "--status", "finished")), "--status 'finished'"
    ),
    "export jsonl: --status empty": Case(
        command(*_export("--source", "all", "--status", "")), "--status"
    ),
    "export jsonl: --status only commas": Case(
        command(*_export("--source", "all", "--status", ",,")), "--status"
    ),
    "export jsonl: --status one bad of two": Case(
        command(*_export("--source", "all", "--status", "done,bogus")), "'bogus'"
    ),
    "export jsonl: --status any with another": Case(
        command(*_export("--source", "all", "--status", "any,done")), "'any'"
    ),
    "export jsonl: --docs unknown": Case(
        command(*_export("--source", "all", "--status", "any", "--docs", "nope")), "'nope'"
    ),
    "export jsonl: --docs one unknown of two": Case(
        command(*_export("--source", "all", "--status", "any", "--docs", "summit,nope")),
        "'nope'",
    ),
    "export jsonl: --docs empty": Case(
        command(*_export("--source", "all", "--status", "any", "--docs", "")), "--docs"
    ),
    "export jsonl: --docs only commas": Case(
        command(*_export("--source", "all", "--status", "any", "--docs", ",")), "--docs"
    ),
    "export jsonl: --format unknown": Case(
        command(*_export("--source", "all", "--status", "any", "--format", "csv")),
        "--format 'csv'",
    ),
    "export jsonl: --format prodigy": Case(
        command(*_export("--source", "all", "--status", "any", "--format", "prodigy")),
        "--format 'prodigy'",
    ),
    "export jsonl: --format spacy": Case(
        command(*_export("--source", "all", "--status", "any", "--format", "spacy")),
        "--format 'spacy'",
    ),
    "export jsonl: --format auto": Case(
        command(*_export("--source", "all", "--status", "any", "--format", "auto")),
        "--format 'auto'",
    ),
    "export jsonl: --out onto a folder": Case(
        lambda d: [
            "export",
            "jsonl",
            "--source",
            "all",
            "--status",
            "any",
            "--out",
            folder(d / "dir", {"x": ""}),
        ],
        "is a folder",
    ),
    "export jsonl: --out empty": Case(
        command("export", "jsonl", "--source", "all", "--status", "any", "--out", ""), "folder"
    ),
    "export jsonl: --out under /dev/null": Case(
        command(
            "export", "jsonl", "--source", "all", "--status", "any", "--out", "/dev/null/x.jsonl"
        ),
        "/dev/null",
    ),
    # --- export spacy ---------------------------------------------------------------------------
    "export spacy: --source unknown": Case(
        lambda d: ["export", "spacy", "--out", str(d / "o"), "--source", "nobody"], "nobody"
    ),
    "export spacy: --source gold, none yet": Case(
        lambda d: ["export", "spacy", "--out", str(d / "o")], "no gold annotations"
    ),
    "export spacy: --status unknown": Case(
        lambda d: ["export", "spacy", "--out", str(d / "o"), "--source", "all", "--status", "x"],
        "--status 'x'",
    ),
    "export spacy: --docs unknown": Case(
        lambda d: [
            "export",
            "spacy",
            "--out",
            str(d / "o"),
            "--source",
            "all",
            "--status",
            "any",
            "--docs",
            "nope",
        ],
        "'nope'",
    ),
    "export spacy: nothing done yet": Case(
        lambda d: ["export", "spacy", "--out", str(d / "o"), "--source", "ann"],
        "nothing to export",
    ),
    "export spacy: --out -": Case(
        command("export", "spacy", "--out", "-", "--source", "all", "--status", "any"),
        "--out -",
    ),
    "export spacy: --out under /dev/null": Case(
        command("export", "spacy", "--out", "/dev/null/o", "--source", "all", "--status", "any"),
        "/dev/null",
    ),
    "export spacy: --dev 1": Case(
        lambda d: ["export", "spacy", "--out", str(d / "o"), "--source", "all", "--dev", "1"],
        "--dev 1",
    ),
    "export spacy: --dev negative": Case(
        lambda d: ["export", "spacy", "--out", str(d / "o"), "--source", "all", "--dev", "-0.1"],
        "--dev -0.1",
    ),
    "export spacy: --dev 1.5": Case(
        lambda d: ["export", "spacy", "--out", str(d / "o"), "--source", "all", "--dev", "1.5"],
        "--dev 1.5",
    ),
    "export spacy: --dev nan": Case(
        lambda d: ["export", "spacy", "--out", str(d / "o"), "--source", "all", "--dev", "nan"],
        "--dev",
    ),
    "export spacy: --dev inf": Case(
        lambda d: ["export", "spacy", "--out", str(d / "o"), "--source", "all", "--dev", "inf"],
        "--dev",
    ),
    "export spacy: --out a link to a file": Case(
        lambda d: [
            "export",
            "spacy",
            "--source",
            "all",
            "--status",
            "any",
            "--out",
            link_to_elsewhere(d, "spacy"),
        ],
        "spacy",
    ),
    # --- agreement ------------------------------------------------------------------------------
    "agreement: --annotators unknown": Case(
        command("agreement", "--annotators", "nobody"), "'nobody'"
    ),
    "agreement: --annotators one unknown of two": Case(
        command("agreement", "--annotators", "ann,nobody"), "'nobody'"
    ),
    "agreement: --annotators empty": Case(command("agreement", "--annotators", ""), "--annotators"),
    "agreement: --annotators only commas": Case(
        command("agreement", "--annotators", ",,"), "--annotators"
    ),
    "agreement: --status unknown": Case(
        command("agreement", "--status", "finished"), "--status 'finished'"
    ),
    "agreement: --status empty": Case(command("agreement", "--status", ""), "--status"),
    "agreement: --docs unknown": Case(command("agreement", "--docs", "nope"), "'nope'"),
    "agreement: --docs empty": Case(command("agreement", "--docs", ""), "--docs"),
    "agreement: --docs one unknown of two": Case(
        command("agreement", "--docs", "summit,nope", "--json"), "'nope'"
    ),
    # --- --db: every shape ----------------------------------------------------------------------
    "db: unknown scheme": Case(on_db("bogus://x/y", "status"), "unknown database type"),
    "db: http URL": Case(on_db("http://example.invalid/db", "docs"), "unknown database type"),
    "db: mysql without its driver": Case(
        on_db("mysql://u:Pw-My9@127.0.0.1:9/db", "status"),
        "mysql://u:***@127.0.0.1:9/db",
        secrets=("Pw-My9",),
    ),
    "db: a folder": Case(lambda d: ["status", "--db", str(d)], "is a folder"),
    "db: a folder as a URL": Case(lambda d: ["check", "--db", f"sqlite:///{d}"], "is a folder"),
    "db: its folder under a file": Case(
        lambda d: ["docs", "--db", str(Path(write(d / "plain", "x")) / "sub" / "w.db")],
        "cannot create its folder",
    ),
    "db: a text file": Case(
        on_db_file(lambda d: write(d / "notes.db", "just some notes\n" * 100), "status"),
        "not a Workbench database",
    ),
    "db: random bytes": Case(
        on_db_file(lambda d: write(d / "noise.db", bytes(range(256)) * 64), "check"),
        "not a Workbench database",
    ),
    "db: another application's database": Case(
        on_db_file(foreign_sqlite, "status"), "not a Workbench database"
    ),
    "db: another application's, for backup": Case(
        lambda d: ["backup", str(d / "copy.db"), "--db", foreign_sqlite(d)],
        "not a Workbench database",
    ),
    "db: postgresql, closed port, status": Case(
        on_db(f"postgresql://ann:Pw-Plain7@{CLOSED}/wb", "status"),
        "cannot connect",
        secrets=("Pw-Plain7",),
    ),
    "db: postgresql, closed port, global --db": Case(
        on_db(f"postgresql://ann:Pw-Glob8@{CLOSED}/wb", "docs", where="global"),
        "cannot connect",
        secrets=("Pw-Glob8",),
    ),
    "db: postgresql, a / in the password": Case(
        on_db(f"postgresql://ann:S3c/retPW@{CLOSED}/wb", "status"),
        "ann:***@127.0.0.1:9/wb: cannot connect",
        secrets=("S3c/retPW", "retPW"),
    ),
    "db: postgresql, a / in the password, bad port": Case(
        on_db("postgresql://u:S3c/retPW@host:abc/db", "docs"),
        "u:***@host:abc/db",
        secrets=("S3c/retPW", "retPW"),
    ),
    "db: postgresql, a ? in the password": Case(
        on_db(f"postgresql://ann:S3c?retPW@{CLOSED}/wb", "status"),
        "ann:***@127.0.0.1:9/wb: cannot connect",
        secrets=("S3c?retPW", "retPW"),
    ),
    "db: postgresql, a # in the password": Case(
        on_db(f"postgresql://ann:S3c#retPW@{CLOSED}/wb", "status"),
        "ann:***@127.0.0.1:9/wb: cannot connect",
        secrets=("S3c#retPW", "retPW"),
    ),
    "db: postgresql, ?password= in the query": Case(
        on_db(f"postgresql://ann@{CLOSED}/wb?password=Qry-Secret1", "status"),
        "cannot connect",
        secrets=("Qry-Secret1",),
    ),
    "db: postgresql, ?PASSWORD= in capitals": Case(
        on_db(f"postgresql://ann@{CLOSED}/wb?PASSWORD=Qry-Secret2", "docs"),
        "password=%2A%2A%2A",
        secrets=("Qry-Secret2",),
    ),
    "db: postgresql, a percent-encoded password": Case(
        on_db(f"postgresql://ann:Pc%2Fsecret3@{CLOSED}/wb", "status"),
        "cannot connect",
        secrets=("Pc%2Fsecret3", "Pc/secret3", "secret3"),
    ),
    "db: postgres:// alias, closed port": Case(
        on_db(f"postgres://ann:Alias-Pw4@{CLOSED}/wb", "status"),
        "cannot connect",
        secrets=("Alias-Pw4",),
    ),
    "db: postgresql+psycopg2, no such driver": Case(
        on_db(f"postgresql+psycopg2://ann:Drv-Pw5@{CLOSED}/wb", "status"),
        "ann:***@127.0.0.1:9/wb",
        secrets=("Drv-Pw5",),
    ),
    "db: postgresql, closed port, agreement": Case(
        on_db(f"postgresql://ann:Pw-Agr6@{CLOSED}/wb", "agreement"),
        "cannot connect",
        secrets=("Pw-Agr6",),
    ),
    "db: postgresql, closed port, export": Case(
        on_db(f"postgresql://ann:Pw-Exp6@{CLOSED}/wb", "export", "jsonl", "--out", "-"),
        "cannot connect",
        secrets=("Pw-Exp6",),
    ),
    "db: postgresql, closed port, import": Case(
        lambda d: [
            "import",
            write(d / "a.txt", "A text."),
            "--db",
            f"postgresql://a:Pw-Imp6@{CLOSED}/wb",
        ],
        "cannot connect",
        secrets=("Pw-Imp6",),
    ),
    "db: postgresql, closed port, backup": Case(
        lambda d: ["backup", str(d / "b.db"), "--db", f"postgresql://a:Pw-Bak6@{CLOSED}/wb"],
        "cannot connect",
        secrets=("Pw-Bak6",),
    ),
    "db: postgresql, closed port, annotate": Case(
        on_db(f"postgresql://a:Pw-Ann6@{CLOSED}/wb", "annotate", "--annotator", "ann"),
        "cannot connect",
        secrets=("Pw-Ann6",),
    ),
    "db: postgresql, no host, bad port": Case(
        on_db("postgresql://u:Pw-Port7@:notaport/db", "status"),
        "u:***@:notaport/db",
        secrets=("Pw-Port7",),
    ),
    # --- backup ---------------------------------------------------------------------------------
    "backup: target exists": Case(
        lambda d: ["backup", write(d / "old.db", "x")], "already exists", backends=("sqlite",)
    ),
    "backup: target is a folder": Case(
        lambda d: ["backup", "--force", folder(d / "dir", {"x": ""})],
        "is a folder",
        backends=("sqlite",),
    ),
    "backup: target under a file": Case(
        lambda d: ["backup", str(Path(write(d / "plain", "x")) / "copy.db")],
        "plain",
        backends=("sqlite",),
    ),
    "backup: onto the live database": Case(
        command("backup", LIVE_DB), "live database", backends=("sqlite",)
    ),
    "backup: onto the live database, --force": Case(
        command("backup", "--force", LIVE_DB), "live database", backends=("sqlite",)
    ),
    "backup: onto the live database by a relative path": Case(
        command("backup", "--force", LIVE_SQLITE.name), "live database", backends=("sqlite",)
    ),
    "backup: onto a symbolic link to the live database": Case(
        lambda d: ["backup", "--force", link(d / "alias.db", Path.cwd() / LIVE_SQLITE)],
        "live database",
        backends=("sqlite",),
    ),
    "backup: onto a hard link to the live database": Case(
        lambda d: ["backup", "--force", hard_link(d / "same.db", Path.cwd() / LIVE_SQLITE)],
        "live database",
        backends=("sqlite",),
    ),
    "backup: of a PostgreSQL database": Case(
        lambda d: ["backup", str(d / "copy.db")], "pg_dump", backends=("postgresql",)
    ),
    # --- --scheme -------------------------------------------------------------------------------
    "scheme: missing file": Case(
        lambda d: ["--scheme", str(d / "none.toml"), "status"], "scheme file not found"
    ),
    "scheme: not UTF-8": Case(
        with_scheme(
            scheme_toml().encode() + '[[topics]]\nname = "CAF\xc9"\n'.encode("latin-1"), "status"
        ),
        "not UTF-8",
    ),
    "scheme: unclosed string": Case(
        with_scheme(scheme_toml('[[topics]]\nname = "OPEN\n'), "status"), "invalid TOML"
    ),
    "scheme: a key twice in an entry": Case(
        with_scheme(scheme_toml('[[topics]]\nname = "A1"\nname = "A2"\n'), "status"),
        "invalid TOML",
    ),
    "scheme: a table, not an array": Case(
        with_scheme(scheme_toml('[topics]\nname = "A1"\n', drop=("topics",)), "status"),
        "array of tables",
    ),
    "scheme: a set is a string": Case(
        with_scheme('claim_type = "FACT"\n' + scheme_toml(drop=("claim_type",)), "status"),
        "array of tables",
    ),
    "scheme: a set of numbers": Case(
        with_scheme("stance = [1, 2]\n" + scheme_toml(drop=("stance",)), "status"),
        "array of tables",
    ),
    "scheme: an empty claim_type list": Case(
        with_scheme("claim_type = []\n" + scheme_toml(drop=("claim_type",)), "status"),
        "the set is empty",
    ),
    "scheme: no claim types": Case(
        with_scheme(scheme_toml(drop=("claim_type",)), "status"), "claim_type: the set is empty"
    ),
    "scheme: an empty file": Case(with_scheme("", "status"), "the set is empty"),
    "scheme: unknown table": Case(
        with_scheme(scheme_toml('[[claims]]\nname = "A1"\n'), "status"), "unknown table"
    ),
    "scheme: unknown key": Case(
        with_scheme(extra_label("topics", 'name = "A1"\ncolour = "red"'), "status"),
        "unknown key",
    ),
    "scheme: missing name": Case(
        with_scheme(extra_label("topics", 'key = "z"'), "status"), "missing name"
    ),
    "scheme: name is a number": Case(
        with_scheme(extra_label("topics", "name = 5"), "status"), "must be a string"
    ),
    "scheme: name is empty": Case(
        with_scheme(extra_label("topics", 'name = ""'), "status"), "is empty"
    ),
    "scheme: name starts with a space": Case(
        with_scheme(extra_label("topics", 'name = " A1"'), "status"), "space"
    ),
    "scheme: name of 65 characters": Case(
        with_scheme(extra_label("claim_type", f'name = "{LONG_LABEL}"'), "status"), "at most 64"
    ),
    "scheme: duplicate name in one set": Case(
        with_scheme(extra_label("claim_type", 'name = "FACT"'), "status"), "already defined"
    ),
    "scheme: duplicate name in other case": Case(
        with_scheme(extra_label("topics", 'name = "energy"'), "status"), "already defined"
    ),
    "scheme: hotkey of two characters": Case(
        with_scheme(extra_label("topics", 'name = "A1"\nkey = "zz"'), "status"), "one visible"
    ),
    "scheme: hotkey a space": Case(
        with_scheme(extra_label("topics", 'name = "A1"\nkey = " "'), "status"), "one visible"
    ),
    "scheme: hotkey empty": Case(
        with_scheme(extra_label("topics", 'name = "A1"\nkey = ""'), "status"), "one visible"
    ),
    "scheme: hotkey is a number": Case(
        with_scheme(extra_label("topics", 'name = "A1"\nkey = 7'), "status"), "must be a string"
    ),
    "scheme: hotkey taken by the screen": Case(
        with_scheme(extra_label("claim_type", 'name = "A1"\nkey = "u"'), "status"), "Undo"
    ),
    "scheme: hotkey taken by the app": Case(
        with_scheme(extra_label("stance", 'name = "A1"\nkey = "?"'), "status"), "Help"
    ),
    "scheme: no free hotkey left": Case(
        with_scheme(scheme_toml(TOO_MANY_CLAIM_TYPES), "status"), "no free hotkey"
    ),
    "scheme: colour too short": Case(
        with_scheme(extra_label("topics", 'name = "A1"\ncolor = "#12"'), "status"),
        "not a colour",
    ),
    "scheme: rgb out of range": Case(
        with_scheme(extra_label("topics", 'name = "A1"\ncolor = "rgb(300,0,0)"'), "status"),
        "not a colour",
    ),
    "scheme: hsl saturation over 100%": Case(
        with_scheme(extra_label("topics", 'name = "A1"\ncolor = "hsl(0,200%,50%)"'), "status"),
        "not a colour",
    ),
    "scheme: colour is a number": Case(
        with_scheme(extra_label("topics", 'name = "A1"\ncolor = 255'), "status"),
        "must be a string",
    ),
    "scheme: colour empty": Case(
        with_scheme(extra_label("topics", 'name = "A1"\ncolor = ""'), "status"), "not a colour"
    ),
    "scheme: guideline of two lines": Case(
        with_scheme(extra_label("topics", 'name = "A1"\nguideline = "one\\ntwo"'), "status"),
        "one line",
    ),
    "scheme: guideline is a list": Case(
        with_scheme(extra_label("topics", 'name = "A1"\nguideline = ["x"]'), "status"),
        "must be a string",
    ),
    "scheme: drops a stance in use": Case(
        with_scheme(scheme_without_label("stance", "MIXED"), "status"), "MIXED, still used"
    ),
    "scheme: drops a topic in use": Case(
        with_scheme(scheme_without_label("topics", "ENERGY"), "docs"), "ENERGY, still used"
    ),
    "scheme: two problems": Case(
        with_scheme(
            scheme_toml('[[topics]]\nname = "A1"\ncolor = "nope"\n[[topics]]\nname = ""\n'),
            "status",
        ),
        "not a colour",
        lines=2,
    ),
    "scheme: bad, for import": Case(
        lambda d: ["import", write(d / "a.txt", "A text."), "--scheme", write(d / "s.toml", "[[x")],
        "invalid TOML",
    ),
    "scheme: bad, for export": Case(
        with_scheme("[[x", "export", "jsonl", "--out", "-", where="own"), "invalid TOML"
    ),
    "scheme: bad, for agreement": Case(
        with_scheme("[[x", "agreement", where="own"), "invalid TOML"
    ),
    "scheme: bad, for check": Case(with_scheme("[[x", "check", where="own"), "invalid TOML"),
    "scheme: bad, for annotate": Case(
        with_scheme("[[x", "annotate", "--annotator", "ann", where="own"), "invalid TOML"
    ),
    "scheme: bad, from $WORKBENCH_SCHEME": Case(
        lambda d: [write(d / "env.toml", "[[x"), "status"][1:],
        "invalid TOML",
        env={"WORKBENCH_SCHEME": "{folder}/env.toml"},
    ),
    "scheme: bad, from labels/scheme.toml": Case(
        lambda d: [write(Path("labels") / "scheme.toml", "[[x"), "status"][1:], "invalid TOML"
    ),
    # --- annotate and review: refused before the terminal UI starts ------------------------------
    "annotate: --role empty": Case(command("annotate", "--role", "", "--annotator", "a"), "--role"),
    "annotate: --role in capitals": Case(
        command("annotate", "--role", "REVIEWER", "--annotator", "a"), "--role"
    ),
    "annotate: --annotator gold": Case(command("annotate", "--annotator", "gold"), "reserved"),
    "annotate: --annotator gold, spaced": Case(
        command("annotate", "--annotator", " gold "), "reserved"
    ),
    "annotate: --doc empty": Case(command("annotate", "--doc", "", "--annotator", "a"), "''"),
    "annotate: --doc with ESC": Case(
        command("annotate", "--doc", "x\x1b[2J", "--annotator", "a"), "no document"
    ),
    "annotate: --doc of another case": Case(
        command("annotate", "--doc", "SUMMIT", "--annotator", "a"), "'SUMMIT'"
    ),
    "annotate: an empty database, no seeds": Case(
        lambda d: ["annotate", "--annotator", "a", "--db", str(d / "empty.db")], "no documents"
    ),
    "review: --reviewer gold": Case(command("review", "--reviewer", "gold"), "reserved"),
    "review: --doc unknown": Case(command("review", "--doc", "nope", "--reviewer", "r"), "'nope'"),
    "review: an empty database": Case(
        lambda d: ["review", "--reviewer", "r", "--db", str(d / "empty.db")], "no documents"
    ),
    "review: a bad --db": Case(
        on_db(f"postgresql://r:Pw-Rev9@{CLOSED}/wb", "review", "--reviewer", "r"),
        "cannot connect",
        secrets=("Pw-Rev9",),
    ),
    "config: invalid TOML": Case(
        lambda d: [write(d / "config.toml", "[keymap\n"), "annotate", "--annotator", "a"][1:],
        "invalid TOML",
        env={"WORKBENCH_CONFIG": "{folder}/config.toml"},
    ),
    "config: unknown table": Case(
        lambda d: [write(d / "config.toml", "[colours]\n"), "annotate", "--annotator", "a"][1:],
        "unknown table",
        env={"WORKBENCH_CONFIG": "{folder}/config.toml"},
    ),
    "config: keymap not a table": Case(
        lambda d: [write(d / "config.toml", 'keymap = "x"\n'), "review", "--reviewer", "r"][1:],
        "keymap",
        env={"WORKBENCH_CONFIG": "{folder}/config.toml"},
    ),
    "config: unknown binding id": Case(
        lambda d: [
            write(d / "config.toml", '[keymap]\n"annotate.fly" = "f"\n'),
            "annotate",
            "--annotator",
            "a",
        ][1:],
        "annotate.fly",
        env={"WORKBENCH_CONFIG": "{folder}/config.toml"},
    ),
    # --- escape sequences in option values: shown escaped, never raw --------------------------
    "export jsonl: --docs with ESC": Case(
        command(*_export("--source", "all", "--status", "any", "--docs", "x\x1b[2J")),
        "unknown document",
    ),
    "export jsonl: --format with ESC": Case(
        command(*_export("--source", "all", "--format", "x\x1b[2J")), "--format"
    ),
    "agreement: --annotators with ESC": Case(
        command("agreement", "--annotators", "eve\x1b[2J"), "unknown annotator"
    ),
    "agreement: --status with ESC": Case(command("agreement", "--status", "x\x1b[2J"), "--status"),
    "db: unknown scheme with ESC": Case(on_db("bo\x1b[2Jgus://x/y", "status"), "database"),
    "import: --format with ESC": Case(
        lambda d: ["import", "--format", "x\x1b[2J", jsonl(d, {"text": "A."})], "--format"
    ),
    "import: --align with ESC": Case(
        lambda d: ["import", "--align", "x\x1b[2J", write(d / "a.txt", "A text.")], "--align"
    ),
    "annotate: --role with ESC": Case(
        command("annotate", "--role", "x\x1b[2J", "--annotator", "a"), "--role"
    ),
    "wb: _annotator_id holds NUL": Case(importing(line(_annotator_id="a\x00b")), "annotator name"),
    "doccano: annotator holds ESC": Case(
        importing(doccano(annotator="eve\x1b[2J")), "annotator name"
    ),
    # --- numbers and nesting JSON allows but Workbench cannot hold -------------------------------
    "wb: span start beyond 64 bits": Case(
        importing(
            b'{"text": "' + NEW_TEXT.encode() + b'", "_annotator_id": "c", "spans": [{"start":'
            b' 100000000000000000000, "end": 6, "label": "FACT"}]}'
        ),
        "'start'",
    ),
    "wb: span start in exponent form": Case(
        importing(
            b'{"text": "' + NEW_TEXT.encode() + b'", "_annotator_id": "c", "spans": [{"start":'
            b' 0e0, "end": 6, "label": "FACT"}]}'
        ),
        "'start'",
    ),
    "wb: _timestamp beyond a double": Case(
        importing(b'{"text": "' + NEW_TEXT.encode() + b'", "_timestamp": 1e400}'), ":1:"
    ),
    "wb: spans nested 100 lists deep": Case(
        importing(b'{"text": "A text.", "spans": ' + b"[" * 100 + b"]" * 100 + b"}"),
        "nested more than",
    ),
    "wb: meta.annotator is a number": Case(
        importing(line(_annotator_id=..., meta={"name": "m", "annotator": 5})), "no annotator"
    ),
    # Fixed since the suite was written (issues 12.2, 12.3, 12.5, 12.11, control characters).
    "export spacy: --dev not a number": Case(
        lambda d: ["export", "spacy", "--out", str(d / "o"), "--source", "all", "--dev", "half"],
        "--dev",
    ),
    "export spacy: --seed not an integer": Case(
        lambda d: ["export", "spacy", "--out", str(d / "o"), "--source", "all", "--seed", "x"],
        "--seed",
    ),
    "export spacy: --seed a fraction": Case(
        lambda d: ["export", "spacy", "--out", str(d / "o"), "--source", "all", "--seed", "1.5"],
        "--seed",
    ),
    "scheme: a folder": Case(lambda d: ["--scheme", str(d), "status"], "scheme"),
    "scheme: name holds a newline": Case(
        with_scheme(extra_label("claim_type", 'name = "A\\nB"'), "status"), "control"
    ),
    "db: postgresql, an @ in the password": Case(
        on_db(f"postgresql://ann:S3c@retPW@{CLOSED}/wb", "check"),
        "cannot connect",
        secrets=("S3c@retPW", "retPW"),
    ),
    "jsonl: empty lines only": Case(
        lambda d: ["import", write(d / "blank.jsonl", b"\n\n  \n")], "blank.jsonl"
    ),
    "jsonl: an empty file": Case(
        lambda d: ["import", write(d / "empty.jsonl", b"")], "empty.jsonl"
    ),
    "stdin: empty": Case(command("import", "-"), "stdin", stdin=b""),
    "export jsonl: --out onto a FIFO": Case(
        lambda d: [
            "export",
            "jsonl",
            "--source",
            "all",
            "--status",
            "any",
            "--out",
            fifo(d, "pipe.jsonl"),
        ],
        "pipe.jsonl",
    ),
    "export jsonl: --out onto a link to elsewhere": Case(
        lambda d: [
            "export",
            "jsonl",
            "--source",
            "all",
            "--status",
            "any",
            "--out",
            link_to_elsewhere(d, "out.jsonl"),
        ],
        "out.jsonl",
    ),
    "export spacy: --seed beyond 64 bits": Case(
        lambda d: [
            "export",
            "spacy",
            "--out",
            str(d / "o"),
            "--source",
            "all",
            "--status",
            "any",
            "--seed",
            str(2**70),
        ],
        "--seed",
    ),
    "scheme: name holds ESC": Case(
        with_scheme(extra_label("topics", 'name = "A\\u001b[31m"'), "status"), "control"
    ),
    "scheme: name holds a tab": Case(
        with_scheme(extra_label("stance", 'name = "A\\tB"'), "status"), "control"
    ),
    "scheme: name holds NUL": Case(
        with_scheme(extra_label("claim_type", 'name = "A\\u0000"'), "status"), "control"
    ),
    "backup: target with ESC in its name exists": Case(
        lambda d: ["backup", write(d / "old\x1b[2J.db", "x")],
        "already exists",
        backends=("sqlite",),
    ),
    "export jsonl: --out onto a folder with ESC in its name": Case(
        lambda d: [
            "export",
            "jsonl",
            "--source",
            "all",
            "--status",
            "any",
            "--out",
            folder(d / "dir\x1b[2J", {"x": ""}),
        ],
        "is a folder",
    ),
    "export jsonl: --source with ESC": Case(
        command(*_export("--source", "eve\x1b[2J")), "no annotator named"
    ),
    "export spacy: --out onto a file with ESC in its name": Case(
        lambda d: [
            "export",
            "spacy",
            "--source",
            "all",
            "--status",
            "any",
            "--out",
            write(d / "taken\x1b[2J", "x"),
        ],
        "is a file",
    ),
    "db: a folder with ESC in its name": Case(
        lambda d: ["status", "--db", folder(d / "db\x1b[2J", {"x": ""})], "is a folder"
    ),
    "db: a text file with ESC in its name": Case(
        on_db_file(lambda d: write(d / "n\x1b[2J.db", "notes\n" * 500), "status"),
        "not a Workbench database",
    ),
    "scheme: missing file with ESC in its name": Case(
        lambda d: ["--scheme", str(d / "s\x1b[2J.toml"), "status"], "scheme file not found"
    ),
    "wb: span label holds ESC": Case(importing(span(label="FA\x1b[2JCT")), "unknown labels"),
    "wb: topic holds NUL": Case(importing(line(topics=["EN\x00ERGY"])), "unknown labels"),
    "prodigy: stance against the choices, with ESC": Case(
        importing(line(spans=..., accept=["MIXED"], stance="CRI\x1b[2JTICAL")), "'stance'"
    ),
    # A scheme with a new label is stored with the first change only: a refused command
    # leaves the database as it was.
    "scheme: a new label, then a bad --status": Case(
        with_scheme(extra_label("topics", 'name = "NEWTOPIC"'), "agreement", "--status", "x"),
        "--status 'x'",
    ),
    # As above, an import that imports nothing.
    "scheme: a new label, then a bad import": Case(
        lambda d: [
            "--scheme",
            write(d / "s.toml", extra_label("topics", 'name = "NEWTOPIC"')),
            "import",
            jsonl(d, {"text": 5}),
        ],
        "'text'",
    ),
}


PENDING: dict[str, Case] = {
    # Cases main fails today, each with what it does instead: run as strict xfails, so the fix
    # of one shows as an unexpected pass; then move it up into CASES.
}
