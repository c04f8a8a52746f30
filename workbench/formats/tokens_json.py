"""The ``tokens`` array of Workbench (Prodigy) JSONL: a fast encoder that gathers the bytes in
one numpy call, beside the plain reference it must equal (tests/test_export_jsonl.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import orjson

from workbench.nlp import Index, Tokenization

TABLE_LIMIT: Final = 1 << 18
"""Offsets (and token counts) up to which the numbers' JSON pieces are kept in shared tables;
a longer document (over about 40,000 tokens) takes the plain path."""


def _width(byte: int) -> int:
    if byte < 0x80:  # ASCII: itself, or escaped
        return len(orjson.dumps(chr(byte))) - 2
    return 0 if byte < 0xC0 else 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4


_WIDTHS: Final = bytes(map(_width, range(256)))
"""For ``bytes.translate``: how many bytes orjson writes inside a string for the character a
UTF-8 byte begins: ASCII as itself or escaped (``"`` is ``\\"``, a newline ``\\n``, other
controls ``\\u00XX``), every other character as its UTF-8 bytes, counted at its first byte
(the bytes that continue a character count 0)."""
_OPEN: Final = np.frombuffer(b'[{"text":"', dtype=np.uint8)
_NEXT: Final = len(b',{"text":"')
_CLOSE: Final = ord("]")
_WS: Final = (b"false", b"true")


@dataclass(frozen=True)
class _Tables:
    """The JSON pieces that hold a token's numbers, for every offset below ``chars`` and every
    index below ``tokens``, laid end to end in ``data``: ``","start":S``, ``,"end":E`` and
    ``,"id":I,"ws":B},{"text":"`` (number ``2 * I + B``), with where each begins and its
    length."""

    chars: int
    tokens: int
    data: npt.NDArray[np.uint8]
    start_at: Index
    start_len: Index
    end_at: Index
    end_len: Index
    tail_at: Index
    tail_len: Index
    evens: Index
    """``2 * I`` for every index ``I``: the tails' numbers, less ``B``."""


def _build_tables(chars: int, tokens: int) -> _Tables:
    kinds = (
        [b'","start":%d' % n for n in range(chars)],
        [b',"end":%d' % n for n in range(chars)],
        [b',"id":%d,"ws":%s},{"text":"' % (n, ws) for n in range(tokens) for ws in _WS],
    )
    places: list[tuple[Index, Index]] = []
    base = 0
    for pieces in kinds:
        lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        ends = np.cumsum(lengths) + base
        places.append((ends - lengths, lengths))
        base = int(ends[-1])
    data = np.frombuffer(b"".join(b"".join(pieces) for pieces in kinds), dtype=np.uint8)
    (start_at, start_len), (end_at, end_len), (tail_at, tail_len) = places
    evens = 2 * np.arange(tokens, dtype=np.int64)
    return _Tables(
        chars, tokens, data, start_at, start_len, end_at, end_len, tail_at, tail_len, evens
    )


_TABLES: _Tables | None = None
"""The tables every encoder starts from, grown (replaced, never changed) as documents need."""


def _shared_tables(chars: int, tokens: int) -> _Tables:
    global _TABLES
    tables = _TABLES
    if tables is None or chars > tables.chars or tokens > tables.tokens:
        have_chars, have_tokens = (tables.chars, tables.tokens) if tables else (0, 0)
        tables = _build_tables(_grown(have_chars, chars, 4096), _grown(have_tokens, tokens, 1024))
        _TABLES = tables
    return tables


def _grown(have: int, need: int, least: int) -> int:
    """A table size that covers ``need``: ``have`` if it does, else doubled (at least
    ``least``, at most ``TABLE_LIMIT``)."""
    return have if need <= have else min(max(need, 2 * have, least), TABLE_LIMIT)


class TokensEncoder:
    """Writes documents' ``tokens`` arrays (``text``, ``start``, ``end``, ``id``, ``ws``) as
    orjson would, without a dict per token: the output is gathered byte by byte, in one numpy
    call, from the document's escaped text and shared tables of the numbers' pieces
    (:class:`_Tables`).

    An encoder keeps one buffer, the tables followed by room for a text, so it serves one
    thread at a time.
    """

    def __init__(self) -> None:
        self._tables: _Tables | None = None
        self._buffer = np.empty(0, dtype=np.uint8)
        self._counting = np.empty(0, dtype=np.int64)

    def __call__(self, text: str, tokens: Tokenization, escaped: bytes | None = None) -> bytes:
        """The tokens array of ``text`` as JSON (``escaped``: ``orjson.dumps(text)``, if the
        caller has it already)."""
        if len(tokens) == 0:
            return b"[]"
        fast = None
        if len(text) < TABLE_LIMIT and len(tokens) <= TABLE_LIMIT:
            try:
                fast = self._gather(text, tokens, escaped or orjson.dumps(text))
            except (UnicodeError, orjson.JSONEncodeError):
                fast = None
        return fast if fast is not None else tokens_json_plain(text, tokens)

    def _gather(self, text: str, tokens: Tokenization, escaped: bytes) -> bytes | None:
        starts, ends = tokens.starts, tokens.ends
        if starts.min() < 0 or ends.max() > len(text) or not (ends > starts).all():
            return None
        encoded = text.encode("utf-8")
        if len(escaped) == len(encoded) + 2 and len(encoded) == len(text):
            begins, word_ends = starts, ends  # ASCII with nothing escaped: a byte a character
        else:
            # Where each character's escaped form begins (after the opening quote).
            widths = np.frombuffer(encoded.translate(_WIDTHS), dtype=np.uint8)
            if len(encoded) != len(text):
                widths = widths[widths != 0]  # one a character, not a byte
            offsets = np.empty(len(text) + 1, dtype=np.int64)
            offsets[0] = 0
            np.cumsum(widths, out=offsets[1:])
            if int(offsets[-1]) != len(escaped) - 2:
                return None
            begins, word_ends = offsets[starts], offsets[ends]
        count = len(tokens)
        tables = self._tables_for(len(text) + 1, count, len(escaped))
        text_at = len(tables.data)
        self._buffer[text_at : text_at + len(escaped)] = np.frombuffer(escaped, dtype=np.uint8)
        # Four pieces a token: its escaped text, then the start, end and tail pieces.
        piece_at = np.empty((count, 4), dtype=np.int64)
        piece_len = np.empty((count, 4), dtype=np.int64)
        piece_at[:, 0] = begins + (text_at + 1)
        piece_len[:, 0] = word_ends - begins
        piece_at[:, 1] = tables.start_at[starts]
        piece_len[:, 1] = tables.start_len[starts]
        piece_at[:, 2] = tables.end_at[ends]
        piece_len[:, 2] = tables.end_len[ends]
        tails = tables.evens[:count] + tokens.spaces
        piece_at[:, 3] = tables.tail_at[tails]
        piece_len[:, 3] = tables.tail_len[tails]
        sources = piece_at.ravel()
        lengths = piece_len.ravel()
        lengths[-1] -= _NEXT  # the last token closes the array instead
        # The index of every output byte in the buffer: where its piece starts, plus how far
        # into the output the piece it is.
        firsts = np.cumsum(lengths)
        size = int(firsts[-1])
        firsts -= lengths
        sources -= firsts
        index = np.repeat(sources, lengths)
        if len(self._counting) < size:
            self._counting = np.arange(max(size, 2 * len(self._counting)), dtype=np.int64)
        index += self._counting[:size]
        out = np.empty(len(_OPEN) + size + 1, dtype=np.uint8)
        out[: len(_OPEN)] = _OPEN
        np.take(self._buffer, index, out=out[len(_OPEN) : -1], mode="clip")
        out[-1] = _CLOSE
        return out.tobytes()

    def _tables_for(self, chars: int, tokens: int, room: int) -> _Tables:
        """The tables covering ``chars`` and ``tokens``, copied into the buffer, with ``room``
        bytes after them."""
        tables = self._tables
        if tables is None or chars > tables.chars or tokens > tables.tokens:
            tables = _shared_tables(chars, tokens)
            self._tables = tables
            self._buffer = np.empty(0, dtype=np.uint8)
        size = len(tables.data)
        if len(self._buffer) < size + room:
            buffer = np.empty(size + max(room, 1 << 16, 2 * (len(self._buffer) - size)), np.uint8)
            buffer[:size] = tables.data
            self._buffer = buffer
        return tables


_ENCODERS = threading.local()


def tokens_json(text: str, tokens: Tokenization) -> bytes:
    """The ``tokens`` array of a document (``text``, ``start``, ``end``, ``id``, ``ws``)."""
    encoder: TokensEncoder | None = getattr(_ENCODERS, "encoder", None)
    if encoder is None:
        encoder = _ENCODERS.encoder = TokensEncoder()
    return encoder(text, tokens)


def tokens_json_plain(text: str, tokens: Tokenization) -> bytes:
    """The ``tokens`` array the plain way: a dict per token, one ``orjson.dumps``. The
    reference :class:`TokensEncoder` must equal, and its path for what it cannot gather."""
    starts = tokens.starts.tolist()
    ends = tokens.ends.tolist()
    return orjson.dumps(
        [
            {"text": text[start:end], "start": start, "end": end, "id": index, "ws": ws}
            for index, (start, end, ws) in enumerate(
                zip(starts, ends, tokens.spaces.tolist(), strict=True)
            )
        ]
    )
