"""Wrapping keeps punctuation on the line of the word it is written against."""

from __future__ import annotations

import pytest
from helpers import SEEDS

from workbench.nlp import tokenize
from workbench.tui.layout import LineLayout, TokenMetrics, cell_width, closes, opens

SEED_002 = SEEDS / "002_bc7cba856f6147bf.txt"


def lines(text: str, width: int) -> list[str]:
    layout = TokenMetrics.measure(text, tokenize(text)).wrap(width)
    return drawn(layout)


def drawn(layout: LineLayout) -> list[str]:
    text, out = layout.metrics.text, []
    for line in range(layout.line_count):
        row = ""
        for fragment in layout.line_fragments(line):
            row += " " * (fragment.x - cell_width(row)) + text[fragment.start : fragment.end]
        out.append(row)
    return out


def test_a_comma_that_does_not_fit_takes_its_word_down() -> None:
    text = "a delicate balancing act, offering"
    assert lines(text, 24) == ["a delicate balancing", "act, offering"]
    assert lines(text, 25) == ["a delicate balancing act,", "offering"]


def test_seed_002_balancing_act_keeps_its_comma() -> None:
    text = SEED_002.read_text(encoding="utf-8")
    layout = TokenMetrics.measure(text, tokenize(text)).wrap(76)
    rows = drawn(layout)
    assert not any(row.startswith(", offering") for row in rows)
    assert any(row.endswith(" act, offering") or row.startswith("act, offering") for row in rows)
    assert not any(row[:1] in {",", ".", ";", ":", ")", "’", "%"} for row in rows)


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        # Runs of closing punctuation go down together with their word.
        ("the Belt and Road Initiative (BRI).", 31, ["the Belt and Road Initiative", "(BRI)."]),
        ('"We are partners," Putin said.', 17, ['"We are', 'partners," Putin', "said."]),
        ("the decision of China’s leaders", 9, ["the", "decision", "of", "China’s", "leaders"]),
        ("trade rose 26%, analysts said", 13, ["trade rose", "26%, analysts", "said"]),
        ("so we're here", 6, ["so", "we're", "here"]),
        # An opening bracket or quote never ends a line.
        ("the initiative (BRI) grew", 16, ["the initiative", "(BRI) grew"]),
        ("he said “yes” twice", 9, ["he said", "“yes”", "twice"]),
        # A hyphen may end a line, never start one.
        ("a high-profile summit", 7, ["a high-", "profile", "summit"]),
        ("a high-profile summit", 6, ["a", "high-", "profil", "e", "summit"]),
        # A Chinese full stop stays with what it ends.
        ("我们 去了。", 10, ["我们", "去了。"]),
    ],
)
def test_glued_punctuation_stays_with_its_word(text: str, width: int, expected: list[str]) -> None:
    assert lines(text, width) == expected


def test_a_glued_run_wider_than_a_line_is_cut() -> None:
    # "interdependence." cannot fit in 8 cells: it is broken, and the rest goes on as usual.
    assert lines("their interdependence. Both", 8) == ["their", "interdep", "endence", ". Both"]
    assert lines("x (abcdefgh) y", 6) == ["x", "(", "abcdef", "gh", ") y"]


def test_punctuation_after_a_space_may_start_a_line() -> None:
    assert lines("one two - three", 7) == ["one two", "- three"]
    assert lines("said : yes", 5) == ["said", ": yes"]


def test_what_closes_and_what_opens() -> None:
    for char in ",.;:!?)]}”’»%…。、」）-—\"'":
        assert closes(char), char
    for char in "([{“‘«「（¡¿":
        assert not closes(char), char
    for char in "([{“‘«「（\"'":
        assert opens(char), char
    for char in ",.)]”’a1 ":
        assert not opens(char), char
