"""Prodigy task JSONL: read as span tasks (with or without tokens) and choice tasks
(``accept``). Written as Workbench JSONL, a superset Prodigy reads (see ``formats.workbench``)."""

from __future__ import annotations

from typing import Any

from workbench.errors import ImportFormatError
from workbench.formats.jsonl import expect, string_list
from workbench.formats.workbench import workbench_record
from workbench.scheme import Scheme
from workbench.store.records import NewDocument


def classes(names: list[str], scheme: Scheme, where: str) -> tuple[str | None, list[str]]:
    """Class names (Prodigy choices, doccano categories) as a stance and topics.

    A name the scheme has as a stance is the stance (two different stances are an error);
    anything else counts as a topic, so a name the scheme lacks is reported with the other
    unknown labels.
    """
    stances = sorted({name for name in names if scheme.get("stance", name) is not None})
    if len(stances) > 1:
        raise ImportFormatError(
            f"{where}: the chosen classes hold two stances ({', '.join(stances)});"
            " a document has one"
        )
    topics = [name for name in dict.fromkeys(names) if name not in stances]
    return (stances[0] if stances else None), topics


def _token_offsets(obj: dict[str, Any], where: str) -> list[tuple[int, int]] | None:
    tokens = obj.get("tokens")
    if tokens is None:
        return None
    if not isinstance(tokens, list):
        raise ImportFormatError(f"{where}: field 'tokens' must be a list")
    offsets = []
    for index, token in enumerate(tokens):
        at = f"{where}: tokens[{index}]"
        if not isinstance(token, dict):
            raise ImportFormatError(f"{at}: must be an object with start and end")
        start = expect(token, "start", int, at)
        end = expect(token, "end", int, at)
        if start is None or end is None:
            raise ImportFormatError(f"{at}: needs start and end")
        offsets.append((start, end))
    return offsets


def _char_spans(obj: dict[str, Any], where: str) -> Any:
    """The spans, each given character offsets from ``tokens`` if it has only token indices
    (``token_end`` inclusive, as Prodigy writes it)."""
    spans = obj.get("spans")
    if not isinstance(spans, list) or not any(
        isinstance(span, dict) and ("start" not in span or "end" not in span) for span in spans
    ):
        return spans
    offsets = _token_offsets(obj, where)
    resolved = []
    for index, span in enumerate(spans):
        if not isinstance(span, dict) or ("start" in span and "end" in span):
            resolved.append(span)
            continue
        at = f"{where}: spans[{index}]"
        first = expect(span, "token_start", int, at)
        last = expect(span, "token_end", int, at)
        if first is None or last is None or offsets is None:
            raise ImportFormatError(
                f"{at}: needs start and end, or token_start and token_end with 'tokens'"
            )
        if not 0 <= first <= last < len(offsets):
            raise ImportFormatError(
                f"{at}: tokens {first}-{last} are not among the line's {len(offsets)} tokens"
            )
        resolved.append({**span, "start": offsets[first][0], "end": offsets[last][1]})
    return resolved


def read_line(
    obj: dict[str, Any], where: str, fallback_name: str, annotator: str | None, scheme: Scheme
) -> NewDocument:
    """One line of Prodigy task JSONL (or of Workbench JSONL, its superset) as a document.

    Beyond the Workbench fields: spans given only by token indices are placed through the
    line's ``tokens``, and the ``accept`` list of a choice task gives the stance and topics.
    """
    normalized = dict(obj)
    normalized["spans"] = _char_spans(obj, where)
    accept = obj.get("accept")
    if accept is not None:
        if not isinstance(accept, list) or not all(isinstance(item, str) for item in accept):
            raise ImportFormatError(
                f"{where}: field 'accept' must be a list of option ids that are label names"
            )
        stance, topics = classes(accept, scheme, where)
        own = expect(obj, "stance", str, where)
        if stance is not None and own is not None and own != stance:
            raise ImportFormatError(
                f"{where}: field 'stance' is {own} but 'accept' chooses {stance}"
            )
        normalized["stance"] = own or stance
        normalized["topics"] = list(dict.fromkeys([*string_list(obj, "topics", where), *topics]))
    return workbench_record(normalized, where, fallback_name, annotator)
