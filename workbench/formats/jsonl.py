"""JSONL input shared by the formats: lines streamed and parsed, fields checked, errors naming
the file, line and field."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from workbench.errors import ImportFormatError
from workbench.formats.offsets import FileOffsets, OffsetUnits
from workbench.formats.text import MAX_DOCUMENT_BYTES
from workbench.scheme import KIND_TITLES, LabelKind, Scheme
from workbench.store.records import NewDocument, NewSpan

OnBadLine = Callable[[ImportFormatError], None]
"""What a reader does with a line it cannot read when the import skips invalid lines
(``--skip-invalid``): told the error, it goes on with the next line."""


def iter_lines(
    lines: Iterable[bytes], source: str, bad: OnBadLine | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Parse JSONL: ``(line number, object)`` per non-blank line, or :class:`ImportFormatError`
    (given to ``bad`` instead, if set, and the line left out)."""
    for number, raw in enumerate(lines, start=1):
        try:
            value = _parse_line(number, raw, source)
        except ImportFormatError as exc:
            if bad is None:
                raise
            bad(exc)
            continue
        if value is not None:
            yield number, value


def _parse_line(number: int, raw: bytes, source: str) -> dict[str, Any] | None:
    where = f"{source}:{number}"
    if len(raw) > MAX_DOCUMENT_BYTES * 4:
        raise ImportFormatError(f"{where}: the line is {len(raw) / 1e6:.0f} MB, too long")
    if not raw.strip():
        return None
    try:
        value = orjson.loads(raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw)
    except orjson.JSONDecodeError as exc:
        raise ImportFormatError(f"{where}: not valid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise ImportFormatError(f"{where}: expected a JSON object, got {type(value).__name__}")
    keys = _count_keys(value)
    if keys is None:
        raise ImportFormatError(
            f"{where}: nested more than {MAX_DEPTH} levels deep; flatten the object"
        )
    if len(_KEY_END.findall(raw)) > keys:  # a key given twice, or just `":` inside a string
        _refuse_duplicate_keys(raw, where)
    return value


MAX_DEPTH = 64
"""How deep a line's objects and lists may nest (orjson writes at most 254 levels back)."""


_KEY_END = re.compile(rb'"\s*:')
"""Where a key may end: every key of a line ends so (and a string value holding ``":`` too),
so a line with no more of these than its parsed keys has no key twice."""


def _count_keys(value: Any) -> int | None:
    """How many keys ``value``'s objects hold in all, or None if it nests more than
    :data:`MAX_DEPTH` objects or lists (walked level by level, without recursion)."""
    keys = 0
    level: list[Any] = [value]
    for _ in range(MAX_DEPTH):
        keys += sum(len(item) for item in level if isinstance(item, dict))
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, (dict, list))
        ]
        if not level:
            return keys
    return None


def _refuse_duplicate_keys(raw: bytes, where: str) -> None:
    """An error naming the first key an object of the line gives twice (JSON parsers keep
    the last silently, so the file would mean something its writer may not have meant)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                raise ImportFormatError(
                    f"{where}: the key {key!r} appears twice in one object; keep one"
                )
            seen.add(key)
        return dict(items)

    json.loads(raw, object_pairs_hook=pairs)


def read_lines(path: Path) -> Iterator[bytes]:
    """The lines of a file, streamed (``-`` is standard input)."""
    if str(path) == "-":
        import sys

        yield from sys.stdin.buffer
        return
    try:
        with path.open("rb") as handle:
            yield from handle
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read it ({exc.strerror})") from None


def expect(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``obj[key]`` if it is of ``kind``, None if it is missing or null, else an error."""
    value = obj.get(key)
    if value is None:
        return None
    # bool is an int in Python, but never a valid offset or count here.
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise ImportFormatError(f"{where}: field {key!r} must be {_kind(kind)}, got {value!r}")
    if not isinstance(value, kind):
        raise ImportFormatError(
            f"{where}: field {key!r} must be {_kind(kind)}, got {type(value).__name__}"
        )
    return value


def _kind(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", list: "a list", dict: "an object"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def string_list(obj: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """``obj[key]`` as a tuple of strings (empty if missing), or :class:`ImportFormatError`."""
    value = expect(obj, key, list, where) or []
    if not all(isinstance(item, str) for item in value):
        raise ImportFormatError(f"{where}: field {key!r} must be a list of strings")
    return tuple(value)


def parse_spans(
    raw: Any, text: str, where: str, offsets: OffsetUnits = "codepoints"
) -> tuple[NewSpan, ...]:
    """Spans as Workbench and Prodigy write them: objects with start, end (exclusive, in
    ``offsets`` units), label, and optionally the ``text`` they cover (checked)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ImportFormatError(f"{where}: field 'spans' must be a list")
    units = FileOffsets(text, offsets)
    spans = []
    for index, item in enumerate(raw):
        at = f"{where}: spans[{index}]"
        if not isinstance(item, dict):
            raise ImportFormatError(f"{at}: must be an object with start, end and label")
        given_start = expect(item, "start", int, at)
        given_end = expect(item, "end", int, at)
        label = expect(item, "label", str, at)
        if given_start is None or given_end is None or label is None:
            raise ImportFormatError(f"{at}: needs start, end and label")
        start, end = units.span(given_start, given_end, at)
        check_span_text(item, text, (start, end), (given_start, given_end), at)
        spans.append(
            NewSpan(
                start=start,
                end=end,
                label=label,
                stance=expect(item, "stance", str, at),
                topics=string_list(item, "topics", at),
                given=_given(item, (start, end), (given_start, given_end)),
                score=_score(item, at),
            )
        )
    return tuple(spans)


def _score(item: dict[str, Any], at: str) -> float | None:
    """A span's optional ``score``, a number in [0, 1]."""
    score = expect(item, "score", (int, float), at)
    if score is not None and not 0 <= score <= 1:
        raise ImportFormatError(f"{at}: field 'score' {score} must lie in [0, 1]")
    return None if score is None else float(score)


def _given(
    item: dict[str, Any], span: tuple[int, int], given: tuple[int, int]
) -> tuple[int, int] | None:
    """The offsets a span's file gave, where they differ from its code points: converted
    here, or already by the reader that passed it on (doccano's ``_given``)."""
    passed = item.get("_given")
    if isinstance(passed, list) and len(passed) == 2:
        given = (passed[0], passed[1])
    return None if given == span else given


def check_span_text(
    item: dict[str, Any], text: str, span: tuple[int, int], given: tuple[Any, Any], at: str
) -> None:
    """Refuse a span whose own ``text`` is not the text at its offsets (``span``, in code
    points; ``given`` are the offsets as the file gives them, for the message).

    Checked on the offsets as given, before ``--align`` moves them: a file whose offsets are
    shifted (another offset convention, an edited text) would otherwise be imported as spans
    over the wrong words.
    """
    claimed = expect(item, "text", str, at)
    covered = text[span[0] : span[1]]
    if claimed is not None and covered != claimed:
        raise ImportFormatError(
            f"{at}: offsets {given[0]}-{given[1]} cover {covered!r} but the span's 'text' is"
            f" {claimed!r}; fix the offsets (or --offsets) or the text"
        )


def unknown_labels(documents: Iterable[NewDocument], scheme: Scheme) -> Counter[str]:
    """Labels the scheme lacks, counted as ``'LABEL' (claim type)`` and so on."""
    missing: Counter[str] = Counter()
    for document in documents:
        for annotation in document.annotations:
            _count(missing, scheme, "stance", [annotation.stance] if annotation.stance else [])
            _count(missing, scheme, "topics", annotation.topics)
            for span in annotation.spans:
                _count(missing, scheme, "claim_type", [span.label])
                _count(missing, scheme, "stance", [span.stance] if span.stance else [])
                _count(missing, scheme, "topics", span.topics)
    return missing


def _count(missing: Counter[str], scheme: Scheme, kind: LabelKind, names: Iterable[str]) -> None:
    for name in names:
        if scheme.get(kind, name) is None:
            missing[f"{name} ({KIND_TITLES[kind]})"] += 1
