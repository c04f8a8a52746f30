"""The label scheme: loading, validation messages, defaults, and the copy kept in the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO
from textual.color import Color

from workbench.errors import SchemeError, WorkbenchError
from workbench.scheme import (
    PALETTE,
    default_scheme,
    load_scheme,
    parse_color,
    parse_scheme,
)
from workbench.store import NewDocument, open_store

MINIMAL = {
    "claim_type": [{"name": "FACT"}],
    "stance": [{"name": "PRO"}],
    "topics": [{"name": "ENERGY"}],
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scheme.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_scheme_matches_the_design() -> None:
    scheme = default_scheme()
    assert scheme.names("claim_type") == ("FACT", "STATISTIC", "QUOTE", "OPINION", "PREDICTION")
    assert scheme.names("stance") == ("SUPPORTIVE", "CRITICAL", "NEUTRAL", "MIXED")
    assert scheme.names("topics") == (
        "ECONOMY",
        "ENERGY",
        "SECURITY",
        "DIPLOMACY",
        "UKRAINE",
        "WORLD_ORDER",
        "SANCTIONS",
        "TECHNOLOGY",
    )
    assert [label.key for label in scheme.claim_type] == ["1", "2", "3", "4", "5"]
    for kind in ("claim_type", "stance", "topics"):
        for label in scheme.labels(kind):
            assert label.guideline, label.name
            assert label.color.startswith("#") and len(label.color) == 7


def test_repository_scheme_file_is_the_packaged_default() -> None:
    assert load_scheme(REPO / "labels" / "scheme.toml") == default_scheme()
    assert (REPO / "labels" / "scheme.toml").read_bytes() == (
        REPO / "workbench" / "default_scheme.toml"
    ).read_bytes()


def test_minimal_scheme_gets_keys_and_colours(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[claim_type]]\nname = "A"\n[[claim_type]]\nname = "B"\nkey = "1"\n'
        '[[stance]]\nname = "S"\n[[topics]]\nname = "T"\ncolor = "red"\n',
    )
    scheme = load_scheme(path)
    first, second = scheme.claim_type
    assert (first.key, second.key) == ("2", "1")  # the first free digit
    assert first.color == PALETTE[0] and second.color == PALETTE[1]
    assert scheme.topics[0].color == "#ff0000"
    assert scheme.source == str(path)


def test_scheme_round_trips_through_toml_and_dict(tmp_path: Path) -> None:
    scheme = default_scheme()
    assert parse_scheme(scheme.to_dict(), "copy") == scheme
    assert load_scheme(write(tmp_path, scheme.to_toml())) == scheme


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[[claim_type]\nname = "A"', "invalid TOML"),
        ('[[stance]]\nname = "S"\n[[topics]]\nname = "T"', "claim_type: the set is empty"),
        (
            '[[claim_type]]\nname = "A"\n[[stance]]\nname = "a"\n[[topics]]\nname = "T"',
            "stance[0] (a).name: a is already defined in claim_type",
        ),
        (
            '[[claim_type]]\nname = "A"\nkey = "1"\n[[claim_type]]\nname = "B"\nkey = "1"\n'
            '[[stance]]\nname = "S"\n[[topics]]\nname = "T"',
            "claim_type[1] (B).key: '1' is already the hotkey of A",
        ),
        (
            '[[claim_type]]\nname = "A"\ncolor = "blurple"\n[[stance]]\nname = "S"\n'
            '[[topics]]\nname = "T"',
            "claim_type[0] (A).color: 'blurple' is not a colour",
        ),
        (
            '[[claim_type]]\nname = "A\\u001b[31m"\n[[stance]]\nname = "S"\n[[topics]]\nname = "T"',
            "name: 'A\\x1b[31m' holds a control or other unprintable character",
        ),
        (
            '[[claim_type]]\nname = " A"\n[[stance]]\nname = "S"\n[[topics]]\nname = "T"',
            "name: ' A' starts or ends with a space",
        ),
        (
            f'[[claim_type]]\nname = "{"x" * 65}"\n[[stance]]\nname = "S"\n[[topics]]\nname = "T"',
            "is 65 characters long; a label holds at most 64",
        ),
        (
            '[[claim_type]]\nname = "A"\nkey = "12"\n[[stance]]\nname = "S"\n'
            '[[topics]]\nname = "T"',
            "claim_type[0] (A).key: '12' must be exactly one visible character",
        ),
        (
            '[[claim_type]]\nname = "A"\nhotkey = "1"\n[[stance]]\nname = "S"\n'
            '[[topics]]\nname = "T"',
            "claim_type[0].hotkey: unknown key",
        ),
        (
            '[[claim_type]]\nname = 3\n[[stance]]\nname = "S"\n[[topics]]\nname = "T"',
            "claim_type[0].name: must be a string",
        ),
        (
            '[[claim_type]]\nkey = "1"\n[[stance]]\nname = "S"\n[[topics]]\nname = "T"',
            "claim_type[0]: missing name",
        ),
        (
            'claim_type = "FACT"\n[[stance]]\nname = "S"\n[[topics]]\nname = "T"',
            "claim_type: must be an array of tables",
        ),
        (
            '[[claim_type]]\nname = "A"\n[[stance]]\nname = "S"\n[[topics]]\nname = "T"\n'
            '[[topic]]\nname = "U"',
            "topic: unknown table",
        ),
    ],
)
def test_scheme_problems_name_file_key_and_problem(
    tmp_path: Path, toml: str, expected: str
) -> None:
    path = write(tmp_path, toml)
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    message = str(caught.value)
    assert expected in message
    assert all(line.startswith(str(path)) for line in message.splitlines())


def test_every_problem_is_reported_once_per_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[claim_type]]\nname = "A"\ncolor = "nope"\n[[claim_type]]\nname = "A"\n'
        "[[stance]]\n[[topics]]\nname = 'T'",
    )
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert any("color" in line for line in lines)
    assert any("already defined" in line for line in lines)
    assert any("missing name" in line for line in lines)


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(SchemeError, match="scheme file not found"):
        load_scheme(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'[[claim_type]]\nname = "\xff"\n')
    with pytest.raises(SchemeError, match="not UTF-8"):
        load_scheme(bad)


@pytest.mark.parametrize(
    "text",
    ["red", "teal", "#abc", "#aabbcc", "#aabbccdd", "rgb(10, 20, 30)", "hsl(120, 50%, 50%)"],
)
def test_colours_we_accept_textual_accepts_too(text: str) -> None:
    ours = parse_color(text)
    assert ours is not None
    theirs = Color.parse(text)
    assert ours == f"#{theirs.r:02x}{theirs.g:02x}{theirs.b:02x}"


def test_colour_names_are_case_insensitive_and_stored_as_hex() -> None:
    assert parse_color("Teal") == parse_color("teal") == "#008080"


@pytest.mark.parametrize("text", ["blurple", "#12", "rgb(300, 0, 0)", "", "#ggg"])
def test_invalid_colours_are_refused(text: str) -> None:
    assert parse_color(text) is None


def test_database_keeps_the_scheme_it_was_opened_with(workdir: Path) -> None:
    custom = write(
        workdir, '[[claim_type]]\nname = "A"\n[[stance]]\nname = "S"\n[[topics]]\nname = "T"'
    )
    url = f"sqlite:///{workdir / 'db.sqlite'}"
    open_store(url, custom).close()
    reopened = open_store(url)  # no scheme file: the stored copy is in force
    assert reopened.scheme.names("claim_type") == ("A",)
    reopened.close()


def test_a_new_database_without_scheme_file_uses_the_default(workdir: Path) -> None:
    store = open_store(f"sqlite:///{workdir / 'db.sqlite'}")
    assert store.scheme == default_scheme()
    store.close()


def test_scheme_file_in_labels_folder_is_picked_up(workdir: Path) -> None:
    (workdir / "labels").mkdir()
    write(
        workdir / "labels",
        '[[claim_type]]\nname = "X"\n[[stance]]\nname = "S"\n[[topics]]\nname = "T"',
    )
    store = open_store()
    assert store.scheme.names("claim_type") == ("X",)
    assert (workdir / "labels" / "workbench.db").exists()
    store.close()


def test_dropping_a_label_in_use_is_refused_with_counts(workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'db.sqlite'}"
    store = open_store(url)
    store.add_documents([NewDocument("d", "Xi met Putin. Trade rose.")])
    annotation = store.annotation(store.document_by_name("d"), store.annotator("ann").id)
    store.add_span(annotation.id, 0, 2, "OPINION", topics=["ENERGY"])
    store.add_span(annotation.id, 7, 12, "OPINION")
    store.set_stance(annotation.id, "MIXED")
    store.close()

    scheme = default_scheme().to_dict()
    scheme["claim_type"] = [e for e in scheme["claim_type"] if e["name"] != "OPINION"]
    scheme["stance"] = [e for e in scheme["stance"] if e["name"] != "MIXED"]
    scheme["topics"] = [e for e in scheme["topics"] if e["name"] not in ("ENERGY", "UKRAINE")]
    smaller = parse_scheme(scheme, "new.toml")
    path = write(workdir, smaller.to_toml())
    with pytest.raises(SchemeError) as caught:
        open_store(url, path)
    lines = str(caught.value).splitlines()
    assert any("claim type OPINION, still used by 2 spans" in line for line in lines)
    assert any("stance MIXED, still used by 1 document annotation" in line for line in lines)
    assert any("topic ENERGY, still used by 1 span" in line for line in lines)
    assert not any("UKRAINE" in line for line in lines)  # unused: dropping it is fine
    still = open_store(url)  # the refusal changed nothing
    assert "OPINION" in still.scheme.names("claim_type")
    still.close()


def test_dropping_an_unused_label_updates_the_stored_scheme(workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'db.sqlite'}"
    open_store(url).close()
    scheme = default_scheme().to_dict()
    scheme["topics"] = scheme["topics"][:2]
    path = write(workdir, parse_scheme(scheme, "x").to_toml())
    opened = open_store(url, path)
    opened.keep_scheme()  # what a command that succeeds does
    opened.close()
    reopened = open_store(url)
    assert reopened.scheme.names("topics") == ("ECONOMY", "ENERGY")
    reopened.close()


def test_a_new_scheme_is_stored_with_the_first_change_and_not_before(workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'db.sqlite'}"
    first = open_store(url)
    first.add_documents([NewDocument("a", "Prices rose.")])
    annotation = first.annotation(first.document_by_name("a"), first.annotator("kim").id).id
    first.close()

    def stored_topics() -> tuple[str, ...]:
        again = open_store(url)
        try:
            return again.scheme.names("topics")
        finally:
            again.close()

    scheme = default_scheme().to_dict()
    scheme["topics"] = [*scheme["topics"], {"name": "NEWTOPIC"}]
    path = write(workdir, parse_scheme(scheme, "x").to_toml())
    opened = open_store(url, path)
    assert "NEWTOPIC" in opened.scheme.names("topics")  # in force at once
    assert "NEWTOPIC" not in stored_topics()  # not stored yet
    with pytest.raises(WorkbenchError):  # a refused change stores nothing, the scheme neither
        opened.add_span(annotation, 0, 3, "FACT")
    assert "NEWTOPIC" not in stored_topics()
    opened.add_span(annotation, 0, 6, "FACT", topics=["NEWTOPIC"])  # stored with the change
    assert "NEWTOPIC" in stored_topics()
    opened.close()
