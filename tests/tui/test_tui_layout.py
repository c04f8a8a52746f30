"""The pure layout of the document view: wrapping, lookups, wide characters, newlines, motions."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import unicodedata

import numpy as np
import pytest
from helpers import SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.nlp import Tokenization, tokenize
from workbench.tui.layout import MIN_WIDTH, TAB_SIZE, LineLayout, TokenMetrics, cell_width
from workbench.tui.motion import changed_ranges, land, sentence_around

SUMMIT = "Xi Jinping met Vladimir Putin in Moscow. Trade rose 26% last year."


def wrap(text: str, width: int, tokens: Tokenization | None = None) -> LineLayout:
    return TokenMetrics.measure(text, tokens or tokenize(text)).wrap(width)


def lines_of(layout: LineLayout) -> list[str]:
    """Each visual line as drawn (raw characters at their cells, wide ones taking two)."""
    text = layout.metrics.text
    out = []
    for line in range(layout.line_count):
        drawn = ""
        for fragment in layout.line_fragments(line):
            drawn += " " * (fragment.x - cell_width(drawn)) + text[fragment.start : fragment.end]
        out.append(drawn)
    return out


def whitespace_tokens(text: str) -> Tokenization:
    """A tokenizer unlike spaCy's: runs of non-space only, so newlines fall between tokens."""
    found = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    starts = np.array([s for s, _ in found], dtype=np.int64)
    ends = np.array([e for _, e in found], dtype=np.int64)
    spaces = np.array([text[e : e + 1] == " " for _, e in found], dtype=np.bool_)
    return Tokenization(starts, ends, spaces, np.zeros(min(len(found), 1), dtype=np.int64))


def index_of(layout: LineLayout, word: str, nth: int = 0) -> int:
    words = layout.metrics.tokens.words(layout.metrics.text)
    return [i for i, w in enumerate(words) if w == word][nth]


def test_wraps_at_token_boundaries_with_hanging_spaces() -> None:
    layout = wrap(SUMMIT, 20)
    assert lines_of(layout) == [
        "Xi Jinping met",
        "Vladimir Putin in",
        "Moscow. Trade rose",
        "26% last year.",
    ]
    assert all(layout.line_width(line) <= 20 for line in range(layout.line_count))


def test_a_line_that_fits_exactly_is_not_broken() -> None:
    assert lines_of(wrap("abc def", 7)) == ["abc def"]
    assert lines_of(wrap("abc def", 6)) == ["abc", "def"]


def test_token_and_line_lookups_agree() -> None:
    layout = wrap(SUMMIT, 20)
    putin = index_of(layout, "Putin")
    assert layout.locate(putin) == (1, 9, 14)
    assert layout.token_lines(putin) == (1, 2)
    first, stop = layout.line_tokens(1)
    assert layout.metrics.tokens.words(SUMMIT)[first:stop] == ["Vladimir", "Putin", "in"]
    assert layout.range_lines(0, len(layout.metrics)) == (0, 4)
    assert layout.range_lines(3, 3) == (0, 0)
    assert [f.token for f in layout.line_fragments(1)] == list(range(first, stop))


def test_cell_to_token() -> None:
    layout = wrap(SUMMIT, 20)
    putin = index_of(layout, "Putin")
    assert [layout.token_at(x, 1) for x in (9, 13)] == [putin, putin]
    assert layout.token_at(8, 1) == putin - 1  # the space after "Vladimir" belongs to it
    assert layout.token_at(50, 1) == putin + 1  # past the end of the line: its last token
    assert layout.token_at(-3, 1) == putin - 1  # left of the line: its first token
    assert layout.token_at(0, 99) == layout.line_tokens(3)[0]  # lines are clamped
    assert TokenMetrics.measure("", tokenize("")).wrap(10).token_at(0, 0) is None


def test_wide_characters_take_two_cells() -> None:
    text = "中文测试 ok 😀 done"
    layout = wrap(text, 11)
    assert [layout.token_fragments(i)[0].width for i in range(len(layout.metrics))] == [8, 2, 2, 4]
    assert lines_of(layout) == ["中文测试 ok", "😀 done"]
    assert layout.token_at(7, 0) == 0
    assert layout.token_at(9, 0) == 1
    assert lines_of(wrap(text, 10)) == ["中文测试", "ok 😀 done"]


def test_combining_marks_take_no_cell() -> None:
    text = "cafe\u0301 au lait"
    layout = wrap(text, 8)
    assert layout.token_fragments(0)[0].width == 4
    assert lines_of(layout) == ["cafe\u0301 au", "lait"]


def test_tabs_expand_to_a_fixed_width() -> None:
    layout = wrap("a\tb", 20)
    assert [f.width for f in layout.line_fragments(0)] == [1, TAB_SIZE, 1]
    assert layout.locate(2) == (0, 1 + TAB_SIZE, 2 + TAB_SIZE)


def test_newlines_break_lines_and_blank_lines_stay() -> None:
    text = "One two.\n\nThree.\nFour\n\n\nFive"
    layout = wrap(text, 40)
    assert lines_of(layout) == ["One two.", "", "Three.", "Four", "", "", "Five"]
    five = index_of(layout, "Five")
    assert layout.locate(five)[0] == 6
    # The whitespace token "\n\n" sits at the end of its line, then on the blank line.
    breaks = index_of(layout, "\n\n")
    assert layout.token_lines(breaks) == (0, 2)
    assert layout.line_tokens(1) == (breaks, breaks + 1)
    assert layout.metrics.space[breaks]
    assert layout.token_at(0, 1) == breaks


def test_indentation_after_a_paragraph_break_is_kept() -> None:
    text = "Introduction\n\n    The meeting"
    layout = wrap(text, 40)
    assert lines_of(layout) == ["Introduction", "", "    The meeting"]
    assert layout.locate(index_of(layout, "The")) == (2, 4, 7)


def test_newlines_between_tokens_of_another_tokenizer() -> None:
    text = "\n\nalpha beta\n\ngamma \n"
    layout = wrap(text, 40, whitespace_tokens(text))
    assert lines_of(layout) == ["", "", "alpha beta", "", "gamma"]
    assert layout.line_tokens(0) == (0, 0)  # blank lines before the first token
    assert layout.line_tokens(3) == (2, 2)  # a blank line between tokens
    assert layout.token_at(0, 3) == 2


def test_crlf_line_endings() -> None:
    text = "one\r\ntwo"
    layout = wrap(text, 10)
    assert layout.line_count == 2
    assert [layout.line_width(line) for line in (0, 1)] == [3, 3]


def test_control_characters_are_drawn_in_one_cell() -> None:
    assert cell_width("a\x07b") == 3
    assert wrap("a\x07b c", 10).line_fragments(0)[0].width == 3


def test_long_tokens_are_cut_across_lines() -> None:
    text = "a supercalifragilistic b"
    layout = wrap(text, 8)
    assert lines_of(layout) == ["a", "supercal", "ifragili", "stic", "b"]
    long = index_of(layout, "supercalifragilistic")
    assert layout.token_lines(long) == (1, 4)
    assert layout.line_tokens(2) == (long, long + 1)
    assert layout.token_at(3, 2) == long


def test_long_wide_tokens_are_cut_between_characters() -> None:
    layout = wrap("中文中文中文", 5)
    assert lines_of(layout) == ["中文", "中文", "中文"]
    assert all(layout.line_width(line) == 4 for line in range(3))


def test_width_is_clamped_to_the_minimum() -> None:
    layout = wrap("中文 a", 1)
    assert layout.width == MIN_WIDTH
    assert all(layout.line_width(line) <= MIN_WIDTH for line in range(layout.line_count))


def test_visible_tokens_skip_whitespace() -> None:
    text = "One.\n\nTwo  three"
    metrics = TokenMetrics.measure(text, tokenize(text))
    words = metrics.tokens.words(text)
    assert [words[i] for i in metrics.visible.tolist()] == ["One", ".", "Two", "three"]
    assert metrics.next_visible(2) == 3
    assert metrics.previous_visible(2) == 1
    assert metrics.next_visible(len(words)) is None


def test_motions() -> None:
    text = "Xi met Putin. Trade rose.\n\nAnalysts expect ties. Putin said so."
    metrics = TokenMetrics.measure(text, tokenize(text))
    layout = metrics.wrap(14)
    words = metrics.tokens.words(text)
    assert lines_of(layout) == [
        "Xi met Putin.",
        "Trade rose.",
        "",
        "Analysts",
        "expect ties.",
        "Putin said so.",
    ]

    def at(word: str, nth: int = 0) -> int:
        return [i for i, w in enumerate(words) if w == word][nth]

    assert land("right", at("."), metrics, layout)[0] == at("Trade")
    assert land("right", at(".", 1), metrics, layout)[0] == at("Analysts")  # skips "\n\n"
    assert land("left", at("Analysts"), metrics, layout)[0] == at(".", 1)
    assert land("left", 0, metrics, layout)[0] is None
    # Down keeps the goal column and passes over the blank line.
    assert land("down", at("met"), metrics, layout) == (at("Trade"), 3)
    assert land("down", at("Putin"), metrics, layout) == (at("rose"), 7)
    assert land("down", at("rose"), metrics, layout, goal_x=7)[0] == at("Analysts")
    assert land("up", at("Analysts"), metrics, layout, goal_x=7)[0] == at("rose")
    assert land("up", at("Xi"), metrics, layout)[0] is None
    assert land("page-down", at("Xi"), metrics, layout, page=4)[0] == at("expect")
    assert land("page-down", at("Xi"), metrics, layout, page=50)[0] == at("Putin", 1)
    assert land("page-up", at("so"), metrics, layout, page=50)[0] == at("Putin")
    assert land("line-end", at("Trade"), metrics, layout)[0] == at(".", 1)
    assert land("line-start", at("rose"), metrics, layout)[0] == at("Trade")
    assert land("start", at("so"), metrics, layout)[0] == at("Xi")
    assert land("end", at("Xi"), metrics, layout)[0] == len(words) - 1
    assert land("sentence-next", at("met"), metrics, layout)[0] == at("Trade")
    assert land("sentence-next", at("Trade"), metrics, layout)[0] == at("Analysts")
    assert land("sentence-previous", at("rose"), metrics, layout)[0] == at("Trade")
    assert land("sentence-previous", at("Trade"), metrics, layout)[0] == at("Xi")
    assert land("sentence-previous", at("Xi"), metrics, layout)[0] is None
    assert sentence_around(at("rose"), metrics) == (at("Trade"), at(".", 1))


def test_changed_ranges() -> None:
    assert changed_ranges(None, None) == []
    assert changed_ranges(None, (2, 5)) == [(2, 5)]
    assert changed_ranges((2, 5), None) == [(2, 5)]
    assert changed_ranges((2, 5), (2, 7)) == [(5, 7)]
    assert changed_ranges((2, 5), (4, 5)) == [(2, 4)]
    assert changed_ranges((2, 5), (8, 9)) == [(2, 5), (8, 9)]


def test_wrapping_100k_tokens_is_fast() -> None:
    words = ["the", "summit", "Putin", "pipeline", "partnership", "26%", ",", "said"]
    text = " ".join(words[i % len(words)] for i in range(100_000))
    starts = np.array([m.start() for m in re.finditer(r"\S+", text)], dtype=np.int64)
    ends = np.array([m.end() for m in re.finditer(r"\S+", text)], dtype=np.int64)
    tokens = Tokenization(starts, ends, np.ones(len(starts), np.bool_), np.zeros(1, np.int64))
    metrics = TokenMetrics.measure(text, tokens)
    best = min(_timed(metrics, width) for width in (60, 61, 80, 81, 120))
    # The target is "well under 100 ms"; it takes about 5 ms, so this leaves room for slow CI.
    assert best < 0.1


def _timed(metrics: TokenMetrics, width: int) -> float:
    start = time.perf_counter()
    metrics.wrap(width)
    return time.perf_counter() - start


def test_layout_modules_do_not_import_textual() -> None:
    code = (
        "import sys, workbench.tui.layout, workbench.tui.motion, workbench.tui.span_index\n"
        "print('textual' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


PIECES = ["a", "bc", "Xi", ".", ",", " ", " ", "  ", "\n", "\n\n", "\t", "中", "😀", "e\u0301"]
PIECES += [
    "supercalifragilistic",
    "\r\n",
    "\x07",
    "    ",
    "\u2764\ufe0f",
    "👨\u200d👩\u200d👧",
    "\u00a0",
]
PIECES += ["(", ")", '"', "'s", "’", "”", "“", "%", "-", "—", "…", "。", "」", "¿", ";"]


def glued(text: str, tokens: Tokenization, token: int) -> bool:
    """Whether a line may not start with ``token``: written against the word before it and
    starting with closing punctuation (Pe, Pf, Po but ¡¿⸘, Pd) or following opening (Ps, Pi,
    straight quotes)."""
    if token == 0 or tokens.ends[token - 1] != tokens.starts[token]:
        return False
    before = text[tokens.starts[token - 1] : tokens.ends[token - 1]]
    word = text[tokens.starts[token] : tokens.ends[token]]
    if before.isspace() or word.isspace():
        return False
    closing = unicodedata.category(word[0]) in ("Pe", "Pf", "Po", "Pd") and word[0] not in "¡¿⸘"
    opening = unicodedata.category(before[-1]) in ("Ps", "Pi") or before[-1] in "\"'"
    return closing or opening


def check_layout(text: str, tokens: Tokenization, width: int) -> None:
    """Every token is on exactly the consecutive lines that hold its fragments, in order,
    its fragments spell it (newlines aside), hard breaks hold, and no line is too wide."""
    layout = TokenMetrics.measure(text, tokens).wrap(width)
    assert layout.width == max(width, MIN_WIDTH)
    seen: list[int] = []
    for line in range(layout.line_count):
        fragments = layout.line_fragments(line)
        x = 0
        for fragment in fragments:
            assert fragment.x >= x  # left to right, no overlap
            assert fragment.width == cell_width(text[fragment.start : fragment.end])
            x = fragment.x + fragment.width
            seen.append(fragment.token)
        assert layout.line_width(line) == x <= layout.width
        first, stop = layout.line_tokens(line)
        assert sorted({f.token for f in fragments}) == list(range(first, stop))
    assert seen == sorted(seen)  # tokens appear in order
    assert sorted(set(seen)) == list(range(len(tokens)))  # and all of them
    for token in range(len(tokens)):
        fragments = layout.token_fragments(token)
        first, stop = layout.token_lines(token)
        assert [f.line for f in fragments] == list(range(first, stop))
        word = text[tokens.starts[token] : tokens.ends[token]]
        assert "".join(text[f.start : f.end] for f in fragments) == word.replace("\n", "")
        for fragment in fragments:
            for x in range(fragment.x, fragment.x + fragment.width):
                assert layout.token_at(x, fragment.line) == token
        if token and "\n" in text[layout.token_fragments(token - 1)[-1].end : tokens.starts[token]]:
            assert layout.token_lines(token - 1)[1] <= layout.token_lines(token)[0]
    # A line starts with punctuation glued to the word before only if the glued run up to it
    # is wider than a line (then it must be cut somewhere).
    for line in range(1, layout.line_count):
        fragments = layout.line_fragments(line)
        if not fragments or fragments[0].start != tokens.starts[fragments[0].token]:
            continue
        token = fragments[0].token
        if glued(text, tokens, token):
            run = token
            while glued(text, tokens, run):
                run -= 1
            assert cell_width(text[tokens.starts[run] : tokens.ends[token]]) > layout.width, line


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join), st.integers(1, 30))
def test_layout_properties_with_spacy_tokens(text: str, width: int) -> None:
    check_layout(text, tokenize(text), width)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join), st.integers(1, 30))
def test_layout_properties_with_gaps_between_tokens(text: str, width: int) -> None:
    check_layout(text, whitespace_tokens(text), width)


@pytest.mark.parametrize("width", [4, 9, 33])
def test_layout_properties_on_a_seed_article(width: int) -> None:

    seed = sorted((SEEDS).glob("*.txt"))[0]
    text = seed.read_text(encoding="utf-8")
    check_layout(text, tokenize(text), width)
