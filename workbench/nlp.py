"""Tokenization: spaCy's blank English tokenizer, its sentencizer and line breaks, stored."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

Index = npt.NDArray[np.int64]
AlignMode = Literal["strict", "expand", "contract"]


@cache
def _token_attrs() -> list[int | str]:
    """What :meth:`Tokenization.from_tokens` reads, as spaCy's attribute ids."""
    from spacy.attrs import IDX, IS_PUNCT, LENGTH, ORTH

    return [IDX, LENGTH, ORTH, IS_PUNCT]


@cache
def _boundary_attrs() -> list[int | str]:
    """What :meth:`Tokenization.from_doc` reads, as spaCy's attribute ids (names would cost a
    lookup each, per document); spaCy is imported only when first tokenizing."""
    from spacy.attrs import IDX, LENGTH, SENT_START

    return [IDX, LENGTH, SENT_START]


_DTYPE = np.dtype("<u4")
"""On-disk integer type: little-endian uint32 (texts up to 4 GiB code points)."""

_LINE_BREAK = re.compile(r"\n\s*")
"""A line break: a newline and the whitespace after it (blank lines included), up to the
next line's first character."""


def pack_index(values: Index) -> bytes:
    """An index array as stored in a document row (``tok_starts``, ``sent_starts``...)."""
    return values.astype(_DTYPE).tobytes()


def unpack_index(data: bytes) -> Index:
    """An index array read back from the bytes :func:`pack_index` wrote."""
    return np.frombuffer(data, dtype=_DTYPE).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Tokenization:
    """Token boundaries of one text: character starts and ends (end exclusive), whether each
    token is followed by a space, and the indices of the tokens that start a sentence."""

    starts: Index
    ends: Index
    spaces: npt.NDArray[np.bool_]
    sent_starts: Index

    def __len__(self) -> int:
        return int(self.starts.shape[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tokenization):
            return NotImplemented
        return (
            np.array_equal(self.starts, other.starts)
            and np.array_equal(self.ends, other.ends)
            and np.array_equal(self.spaces, other.spaces)
            and np.array_equal(self.sent_starts, other.sent_starts)
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_doc(cls, doc: Doc) -> Tokenization:
        """Read boundaries out of a spaCy ``Doc`` in one vectorized call."""
        if len(doc) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, np.zeros(0, dtype=np.bool_), empty)
        table = doc.to_array(_boundary_attrs()).astype(np.int64)
        starts = table[:, 0]
        ends = starts + table[:, 1]
        # spaCy's trailing whitespace is one space or nothing (more becomes a token of its own),
        # so a gap before the next token is that space; the last token's is read off the token.
        # (Not ``len(doc.text)``: that rebuilds the text from a Python object per token, which
        # cost a third as much as tokenizing it. A SPACY column in to_array costs more, too.)
        spaces = np.empty(len(starts), dtype=np.bool_)
        spaces[:-1] = ends[:-1] < starts[1:]
        spaces[-1] = bool(doc[-1].whitespace_)
        # SENT_START is 1 for a start, -1 (wrapped to uint64) otherwise and 0 if unknown.
        sent_starts = np.flatnonzero(table[:, 2] == 1)
        if sent_starts.shape[0] == 0 or sent_starts[0] != 0:
            sent_starts = np.concatenate([np.zeros(1, dtype=np.int64), sent_starts])
        return cls(starts, ends, spaces, sent_starts)

    @classmethod
    def from_tokens(cls, doc: Doc) -> Tokenization:
        """Boundaries of a ``Doc`` straight from the tokenizer, with the sentences spaCy's
        sentencizer would mark (:func:`sentencizer_starts`), found without running it: it
        looks at every token through a Python object, which costs more than tokenizing."""
        if len(doc) == 0:
            return cls.from_doc(doc)
        table = doc.to_array(_token_attrs())
        starts = table[:, 0].astype(np.int64)
        ends = starts + table[:, 1].astype(np.int64)
        spaces = np.empty(len(starts), dtype=np.bool_)
        spaces[:-1] = ends[:-1] < starts[1:]
        spaces[-1] = bool(doc[-1].whitespace_)
        return cls(starts, ends, spaces, sentencizer_starts(table[:, 2], table[:, 3]))

    def with_line_sentences(self, text: str) -> Tokenization:
        """The same tokens with a sentence starting after every line break a reader sees as
        one (see :func:`sentence_starts`)."""
        merged = sentence_starts(text, self.starts, self.sent_starts)
        if merged is self.sent_starts:
            return self
        return Tokenization(self.starts, self.ends, self.spaces, merged)

    def to_columns(self) -> dict[str, bytes]:
        """The four arrays as compact bytes for the document row."""
        return {
            "tok_starts": pack_index(self.starts),
            "tok_ends": pack_index(self.ends),
            "tok_spaces": np.packbits(self.spaces).tobytes(),
            "sent_starts": pack_index(self.sent_starts),
        }

    @classmethod
    def from_columns(
        cls, tok_starts: bytes, tok_ends: bytes, tok_spaces: bytes, sent_starts: bytes
    ) -> Tokenization:
        """Rebuild the arrays from the bytes :meth:`to_columns` wrote."""
        starts = unpack_index(tok_starts)
        spaces = np.unpackbits(np.frombuffer(tok_spaces, dtype=np.uint8), count=len(starts))
        return cls(
            starts, unpack_index(tok_ends), spaces.astype(np.bool_), unpack_index(sent_starts)
        )

    def token_at(self, char: int) -> int:
        """The index of the token that holds ``char``, or of the first token after it."""
        return int(np.searchsorted(self.ends, char, side="right"))

    def align(self, start: int, end: int, mode: AlignMode = "strict") -> tuple[int, int] | None:
        """Token indices ``(first, last + 1)`` of a character span, or None if it cannot align.

        ``strict`` needs both offsets on token boundaries; ``expand`` widens the span to whole
        tokens; ``contract`` narrows it to the tokens it fully covers.
        """
        if not 0 <= start < end or len(self) == 0 or end > int(self.ends[-1]) + 1:
            return None
        if mode == "expand":
            first = int(np.searchsorted(self.ends, start, side="right"))
            stop = int(np.searchsorted(self.starts, end, side="left"))
        elif mode == "contract":
            first = int(np.searchsorted(self.starts, start, side="left"))
            stop = int(np.searchsorted(self.ends, end, side="right"))
        else:
            first = int(np.searchsorted(self.starts, start, side="left"))
            stop = int(np.searchsorted(self.ends, end, side="left")) + 1
            if first >= len(self) or self.starts[first] != start:
                return None
            if stop - 1 >= len(self) or self.ends[stop - 1] != end:
                return None
        if first >= stop or first >= len(self):
            return None
        return first, stop

    def char_span(self, token_start: int, token_end: int) -> tuple[int, int]:
        """Character offsets of tokens ``token_start`` up to ``token_end`` (exclusive)."""
        return int(self.starts[token_start]), int(self.ends[token_end - 1])

    def sentence_of(self, token: int) -> tuple[int, int]:
        """Token indices ``(first, last + 1)`` of the sentence holding ``token``."""
        index = int(np.searchsorted(self.sent_starts, token, side="right")) - 1
        first = int(self.sent_starts[max(index, 0)])
        stop = int(self.sent_starts[index + 1]) if index + 1 < len(self.sent_starts) else len(self)
        return first, stop

    def words(self, text: str) -> list[str]:
        """The token texts."""
        return [text[s:e] for s, e in zip(self.starts.tolist(), self.ends.tolist(), strict=True)]

    def to_doc(self, vocab: Vocab, text: str) -> Doc:
        """A spaCy ``Doc`` with exactly these tokens and sentences; ``doc.text == text``."""
        from spacy.tokens import Doc

        sent_flags = np.zeros(len(self), dtype=np.bool_)
        sent_flags[self.sent_starts] = True
        doc = Doc(
            vocab,
            words=self.words(text),
            spaces=self.spaces.tolist(),
            sent_starts=sent_flags.tolist(),
        )
        return doc


@cache
def pipeline() -> Language:
    """The tokenizer pipeline: ``spacy.blank("en")`` plus a rule-based sentencizer (built once)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def tokenize(text: str) -> Tokenization:
    """Tokenize one text: spaCy's tokens, its sentencizer's sentences plus line breaks."""
    return Tokenization.from_tokens(pipeline().make_doc(text)).with_line_sentences(text)


def tokenize_many(texts: Iterable[str], batch_size: int = 256) -> Iterator[Tokenization]:
    """Tokenize a stream of texts with spaCy's tokenizer, in order (as :func:`tokenize`).
    ``batch_size`` is kept for callers: the tokenizer takes one text at a time either way."""
    make_doc = pipeline().make_doc
    for text in texts:
        yield Tokenization.from_tokens(make_doc(text)).with_line_sentences(text)


@cache
def _punct_hashes() -> npt.NDArray[np.uint64]:
    """The sentencizer's sentence-ending characters, as the ORTH hashes of their tokens."""
    nlp = pipeline()
    chars = nlp.get_pipe("sentencizer").punct_chars  # type: ignore[attr-defined]
    return np.array(sorted(nlp.vocab.strings[char] for char in chars), dtype=np.uint64)


def sentencizer_starts(orth: npt.NDArray[Any], is_punct: npt.NDArray[Any]) -> Index:
    """The sentence starts spaCy's rule-based sentencizer gives tokens of these ORTH hashes
    and IS_PUNCT flags, computed at once instead of token by token.

    The sentencizer starts a sentence at the first token, and then at the first token that
    is neither punctuation nor a sentence-ending character after each sentence-ending
    character: exactly the tokens that come first after some sentence end. (Checked against
    spaCy's own over many texts: tests/core/test_nlp.py.)
    """
    ending = np.isin(orth, _punct_hashes())
    word = np.flatnonzero(~ending & (is_punct == 0))
    after = np.searchsorted(word, np.flatnonzero(ending), side="right")
    found = word[after[after < len(word)]]
    return np.unique(np.concatenate([np.zeros(1, dtype=np.int64), found.astype(np.int64)]))


def sentence_starts(text: str, starts: Index, sent_starts: Index) -> Index:
    """``sent_starts`` (the sentencizer's) plus the sentences that line breaks start.

    A reader sees a sentence end where a line ends a heading, a bullet label or a paragraph:
    at a blank line, and at a single line break unless the next line goes on in lower case
    (a paragraph wrapped by hand). The new sentence starts at the token after the line's
    last word, as the sentencizer's do after a full stop. Only reads the text and where
    tokens start, so stored documents get the same starts without being tokenized again.
    Returns ``sent_starts`` itself when nothing is added.
    """
    added = _line_sentences(text, starts)
    if not added:
        return sent_starts
    # Plain lists: a few dozen numbers, where each numpy call would cost more than the work.
    old = sent_starts.tolist()
    merged = sorted(set(old).union(added))
    if len(merged) == len(old):
        return sent_starts
    return np.array(merged, dtype=np.int64)


def line_sentence_starts(text: str, starts: Index) -> Index:
    """The tokens (given by their first characters) that start a sentence because of a line
    break before them (see :func:`sentence_starts`), ascending."""
    return np.array(_line_sentences(text, starts), dtype=np.int64)


def _line_sentences(text: str, starts: Index) -> list[int]:
    """:func:`line_sentence_starts` as a list. Costs a scan for newlines and a little work
    per line, so a text without line breaks costs nothing."""
    if "\n" not in text or len(starts) < 2:
        return []
    # Per line break: the last character of the line before it that is not whitespace, and
    # the first of the next line.
    found: list[int] = []
    size = len(text)
    for match in _LINE_BREAK.finditer(text):
        last, after = match.span()
        # A single line break before a line going on in lower case is a paragraph wrapped by
        # hand, not a heading; nothing follows the last one.
        if after == size or (text[after].islower() and text.count("\n", last, after) == 1):
            continue
        while last and text[last - 1].isspace():  # the spaces that end the line, if any
            last -= 1
        if last:
            found += (last - 1, after)
    if not found:
        return []
    # Both characters are inside tokens (what lies between tokens is whitespace): the token
    # after the line's last word starts the sentence, unless the next line's first character
    # is in that same word (another tokenizer's token across the break).
    after_word = np.searchsorted(starts, found, side="right").tolist()
    return [
        word
        for word, next_word in zip(after_word[::2], after_word[1::2], strict=True)
        if word < next_word
    ]
