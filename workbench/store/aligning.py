"""Spans read from a file, put on the document's tokens the way ``--align`` says, or refused
with a message that gives the offsets as the file gave them and speaks of the mode in use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from workbench.errors import InvariantError
from workbench.nlp import AlignMode, Tokenization
from workbench.store.records import NewSpan

_ALIGN_HINT = "fix the offsets, or pass --align expand (widen to whole tokens) or --align contract"


def span_rows(
    text: str,
    tokens: Tokenization,
    name: str,
    spans: Iterable[NewSpan],
    align: AlignMode,
    where: str,
) -> list[dict[str, Any]]:
    """The span rows to store for ``spans`` of the document ``name``: character offsets put
    on token boundaries (``strict`` refuses a span off them, ``expand`` widens it to whole
    tokens, ``contract`` narrows it to the tokens it covers), then stripped of whitespace at
    either end; a span given twice is stored once. Any span that cannot be stored is an
    :class:`InvariantError` naming ``where`` and the span as given."""
    rows: list[dict[str, Any]] = []
    seen: set[tuple[int, int, str]] = set()
    for span in spans:
        start, end = _aligned(text, tokens, name, span, align, where)
        if (start, end, span.label) in seen:
            continue
        seen.add((start, end, span.label))
        token_start, token_end = tokens.align(start, end) or (0, 0)
        rows.append(
            {
                "start": start,
                "end": end,
                "token_start": token_start,
                "token_end": token_end,
                "label": span.label,
                "stance": span.stance,
                "topics": orjson.dumps(sorted(set(span.topics))).decode(),
            }
        )
    return rows


def _aligned(
    text: str, tokens: Tokenization, name: str, span: NewSpan, align: AlignMode, where: str
) -> tuple[int, int]:
    first, last = span.given or (span.start, span.end)
    given, start, end = f"span {first}-{last}", span.start, span.end
    if not 0 <= start < end <= len(text):
        raise InvariantError(
            f"{where}: {given} must satisfy 0 <= start < end <= {len(text)} (the length of {name})"
        )
    covered = repr(text[start:end])
    if not text[start:end].strip():
        raise InvariantError(f"{where}: {given} ({covered}) holds only whitespace; remove it")
    if align == "strict":
        inner = text[start:end]
        trimmed = (start + len(inner) - len(inner.lstrip()), end - len(inner) + len(inner.rstrip()))
        if trimmed != (start, end) and tokens.align(*trimmed) is not None:
            raise InvariantError(
                f"{where}: {given} ({covered}) starts or ends with whitespace; fix the offsets or"
                " pass --align contract"
            )
        if tokens.align(start, end) is None:
            raise InvariantError(
                f"{where}: {given} ({covered}) does not start and end on token boundaries of"
                f" {name}; {_ALIGN_HINT}"
            )
    else:
        snapped = tokens.align(start, end, align)
        if snapped is None:
            what = "covers no whole token" if align == "contract" else "cannot be widened"
            raise InvariantError(
                f"{where}: {given} ({covered}) {what} of {name} (--align {align}); fix the"
                " offsets" + (" or pass --align expand" if align == "contract" else "")
            )
        start, end = tokens.char_span(*snapped)
    inner = text[start:end]
    stripped = inner.strip()
    if align == "strict" and stripped != inner:
        raise InvariantError(
            f"{where}: {given} ({covered}) starts or ends with whitespace; fix the offsets or"
            " pass --align contract"
        )
    start += len(inner) - len(inner.lstrip())
    end -= len(inner) - len(inner.rstrip())
    if tokens.align(start, end) is None:  # whitespace inside a token: never after spaCy
        raise InvariantError(
            f"{where}: {given} ({covered}) does not fit the tokens of {name}; {_ALIGN_HINT}"
        )
    return start, end
