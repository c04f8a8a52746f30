"""Tokenization: spaCy's blank English tokenizer and a sentencizer, stored compactly."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

Index = npt.NDArray[np.int64]
AlignMode = Literal["strict", "expand", "contract"]

_DTYPE = np.dtype("<u4")
"""On-disk integer type: little-endian uint32 (texts up to 4 GiB code points)."""


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
        table = doc.to_array(["IDX", "LENGTH", "SENT_START"]).astype(np.int64)
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

    def to_columns(self) -> dict[str, bytes]:
        """The four arrays as compact bytes for the document row."""
        return {
            "tok_starts": self.starts.astype(_DTYPE).tobytes(),
            "tok_ends": self.ends.astype(_DTYPE).tobytes(),
            "tok_spaces": np.packbits(self.spaces).tobytes(),
            "sent_starts": self.sent_starts.astype(_DTYPE).tobytes(),
        }

    @classmethod
    def from_columns(
        cls, tok_starts: bytes, tok_ends: bytes, tok_spaces: bytes, sent_starts: bytes
    ) -> Tokenization:
        """Rebuild the arrays from the bytes :meth:`to_columns` wrote."""
        starts = np.frombuffer(tok_starts, dtype=_DTYPE).astype(np.int64)
        spaces = np.unpackbits(np.frombuffer(tok_spaces, dtype=np.uint8), count=len(starts))
        return cls(
            starts,
            np.frombuffer(tok_ends, dtype=_DTYPE).astype(np.int64),
            spaces.astype(np.bool_),
            np.frombuffer(sent_starts, dtype=_DTYPE).astype(np.int64),
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
    """Tokenize one text."""
    return Tokenization.from_doc(pipeline()(text))


def tokenize_many(texts: Iterable[str], batch_size: int = 256) -> Iterator[Tokenization]:
    """Tokenize a stream of texts in batches with ``nlp.pipe``, in order."""
    for doc in pipeline().pipe(texts, batch_size=batch_size):
        yield Tokenization.from_doc(doc)
