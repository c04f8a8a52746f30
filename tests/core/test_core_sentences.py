"""Sentences as a reader sees them: line breaks that end headings, labels and paragraphs."""

from __future__ import annotations

import itertools
import re

import numpy as np
from helpers import SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.nlp import (
    Tokenization,
    line_sentence_starts,
    pipeline,
    sentence_starts,
    tokenize,
    tokenize_many,
)

SEED_002 = SEEDS / "002_bc7cba856f6147bf.txt"


def spacy_tokens(text: str) -> Tokenization:
    """spaCy's own tokens and sentencizer sentences, nothing added."""
    return Tokenization.from_doc(pipeline()(text))


def whitespace_tokens(text: str) -> Tokenization:
    """Runs of non-space only: newlines fall between tokens, not inside them."""
    found = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    starts = np.array([s for s, _ in found], dtype=np.int64)
    ends = np.array([e for _, e in found], dtype=np.int64)
    spaces = np.array([text[e : e + 1] == " " for _, e in found], dtype=np.bool_)
    return Tokenization(starts, ends, spaces, np.zeros(min(len(found), 1), dtype=np.int64))


def reference(text: str, tokens: Tokenization) -> list[int]:
    """The rule spelled out token by token: between two consecutive words (tokens that are
    not whitespace), a blank line, or a line break before a line not going on in lower case,
    starts a sentence at the token after the first word."""
    words = [i for i, w in enumerate(tokens.words(text)) if w and not w.isspace()]
    found = []
    for word, following in itertools.pairwise(words):
        between = text[int(tokens.ends[word]) : int(tokens.starts[following])]
        breaks = between.count("\n")
        if breaks > 1 or (breaks == 1 and not text[int(tokens.starts[following])].islower()):
            found.append(word + 1)
    return found


def sentences(text: str, tokens: Tokenization) -> list[str]:
    """Each sentence's text from its first word to its last."""
    out = []
    bounds = [*tokens.sent_starts.tolist(), len(tokens)]
    for first, stop in itertools.pairwise(bounds):
        out.append(text[int(tokens.starts[first]) : int(tokens.ends[stop - 1])].strip())
    return out


def test_headings_and_bullet_labels_end_sentences() -> None:
    text = (
        "Xi, Putin Discuss Relations\n\nYou need 3 min read\nArticle with TOC\n\n"
        "The meeting was long. It ended.\n\n  • Economic Cooperation\nTrade rose.\n"
        "Key themes:\n- energy\n- trade"
    )
    assert sentences(text, tokenize(text)) == [
        "Xi, Putin Discuss Relations",
        "You need 3 min read",
        "Article with TOC",
        "The meeting was long.",
        "It ended.",
        "• Economic Cooperation",
        "Trade rose.",
        "Key themes:",
        "- energy",
        "- trade",
    ]


def test_a_paragraph_wrapped_by_hand_stays_one_sentence() -> None:
    text = "The summit in Moscow was\nlonger than planned, and\nended late.\n\nnext paragraph"
    assert sentences(text, tokenize(text)) == [
        "The summit in Moscow was\nlonger than planned, and\nended late.",
        "next paragraph",
    ]


def test_no_sentence_of_whitespace_alone_is_added() -> None:
    for text in ("\n\nHeading\n\n", "Heading \n \n ", "  \n", "A\r\n\r\nB\r\n"):
        tokens = tokenize(text)
        added = set(tokens.sent_starts.tolist()) - set(spacy_tokens(text).sent_starts.tolist())
        words = tokens.words(text)
        for start in added:
            assert any(not w.isspace() for w in words[start:]), (text, start)
            assert any(not w.isspace() for w in words[:start]), (text, start)


def test_seed_002_headings_are_sentences_of_their_own() -> None:
    text = SEED_002.read_text(encoding="utf-8")
    found = sentences(text, tokenize(text))
    assert found[:8] == [
        "Xi, Putin Discuss Relations, Ukraine",
        "You need 3 min read Post on Jan 22, 2025",
        "Xi, Putin Discuss Relations, Ukraine",
        "Xi, Putin Discuss Relations, Ukraine",
        "Article with TOC",
        "Table of Contents",
        "Xi, Putin Discuss Relations Amidst Ongoing Ukraine Conflict",
        found[7],
    ]
    assert found[7].startswith("The recent meeting between Chinese President Xi Jinping")
    assert found[7].endswith("the ongoing conflict in Ukraine.")
    assert "Strengthening Bilateral Ties: A Strategic Partnership" in found


def test_tokens_are_spacys_and_sentences_only_grow() -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    texts += ["a", "\n", "Line one\nLine two.", "x.\n\ny", "中文\n\n标题\n正文。"]
    for text, many in zip(texts, tokenize_many(texts), strict=True):
        plain, ours = spacy_tokens(text), tokenize(text)
        assert ours == many
        for name in ("starts", "ends", "spaces"):
            assert getattr(ours, name).tobytes() == getattr(plain, name).tobytes(), name
        assert set(plain.sent_starts.tolist()) <= set(ours.sent_starts.tolist())
        assert ours.sent_starts.tolist() == sorted(set(ours.sent_starts.tolist()))


def test_a_text_without_line_breaks_keeps_the_sentencizers_array() -> None:
    tokens = spacy_tokens("One sentence. Another one.")
    same = sentence_starts("One sentence. Another one.", tokens.starts, tokens.sent_starts)
    assert same is tokens.sent_starts


PIECES = ["Xi", "met", "putin", "Trade", "rose", ".", ",", ":", "•", "-", "中文", "é", "É"]
PIECES += [" ", " ", "  ", "\n", "\n", "\n\n", "\r\n", " \n ", "\t", "\u00a0", "\u2028", "“", "”"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_line_sentences_follow_the_rule(text: str) -> None:
    for tokens in (spacy_tokens(text), whitespace_tokens(text)):
        assert line_sentence_starts(text, tokens.starts).tolist() == reference(text, tokens)
    plain, ours = spacy_tokens(text), tokenize(text)
    assert ours.starts.tolist() == plain.starts.tolist()
    assert ours.ends.tolist() == plain.ends.tolist()
    assert ours.spaces.tolist() == plain.spaces.tolist()
    expected = sorted(set(plain.sent_starts.tolist()) | set(reference(text, plain)))
    assert ours.sent_starts.tolist() == expected
    assert ours.to_doc(pipeline().vocab, text).text == text
