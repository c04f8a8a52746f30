"""Tokenization: what is stored equals spaCy's own tokens, and alignment snaps correctly."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.nlp import Tokenization, pipeline, tokenize

TEXTS = [
    "Xi met Putin.  Trade rose 26%.\n\nNew paragraph\there! ",
    "  leading spaces and trailing\n",
    "emoji 🇨🇳🤝🇷🇺 and 中文 text. Ünïcödé?",
    "a",
    "\r\nWindows\r\nlines\r\n",
]


def spacy_view(text: str) -> tuple[list[int], list[int], list[bool], list[int]]:
    doc = pipeline()(text)
    return (
        [t.idx for t in doc],
        [t.idx + len(t) for t in doc],
        [bool(t.whitespace_) for t in doc],
        [t.i for t in doc if t.is_sent_start],
    )


def test_stored_tokens_equal_spacy_tokens() -> None:
    for text in TEXTS:
        tokens = tokenize(text)
        starts, ends, spaces, sents = spacy_view(text)
        assert tokens.starts.tolist() == starts
        assert tokens.ends.tolist() == ends
        assert tokens.spaces.tolist() == spaces
        assert tokens.sent_starts.tolist() == sents


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=200))
def test_round_trip_through_bytes_and_doc(text: str) -> None:
    tokens = tokenize(text)
    assert Tokenization.from_columns(**tokens.to_columns()) == tokens
    if len(tokens):
        assert tokens.to_doc(pipeline().vocab, text).text == text
        _, _, spaces, _ = spacy_view(text)
        assert tokens.spaces.tolist() == spaces


def test_alignment_modes() -> None:
    text = "Xi Jinping met Vladimir Putin."
    tokens = tokenize(text)
    assert tokens.align(3, 10) == (1, 2)  # "Jinping"
    assert tokens.align(4, 10) is None
    assert tokens.align(4, 10, "expand") == (1, 2)
    assert tokens.align(4, 17, "contract") == (2, 3)  # only "met" is fully covered
    assert tokens.align(2, 3, "contract") is None  # a space covers no token
    assert tokens.align(0, 0) is None
    assert tokens.char_span(3, 5) == (15, 29)
    assert tokens.sentence_of(2) == (0, len(tokens))
    assert tokens.token_at(12) == 2
    assert np.array_equal(tokens.starts, tokenize(text).starts)


SENTENCE_PIECES = [*"ab .!?,;:\"')(…。\n-—", "Mr.", "U.S.", "  ", "e.g.", "!!", "?!", "Dr"]


def test_sentence_starts_found_at_once_are_the_sentencizers_own() -> None:
    """The tokenizer-only path (the import's) marks the sentences spaCy's sentencizer does."""
    import random

    from helpers import SEEDS

    nlp = pipeline()
    rng = random.Random(11)
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    texts += [
        "".join(rng.choice(SENTENCE_PIECES) for _ in range(rng.randint(1, 80))) for _ in range(2000)
    ]
    texts += [". starts with a full stop", "...", "Hi!!! There? Yes.", "“Quoted.” Then."]
    for text in texts:
        by_spacy = Tokenization.from_doc(nlp(text))
        at_once = Tokenization.from_tokens(nlp.make_doc(text))
        assert at_once == by_spacy, text
