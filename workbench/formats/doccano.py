"""doccano JSONL: read with ``label`` as span triples or class names, or ``entities`` objects;
written as sequence-labelling lines (``label`` triples) with our own fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import orjson

from workbench.errors import ImportFormatError
from workbench.formats.jsonl import expect, string_list
from workbench.formats.prodigy import classes
from workbench.formats.workbench import workbench_record
from workbench.scheme import Scheme
from workbench.store.records import ExportRecord, NewDocument

LABEL_KEYS: Final = ("label", "labels")
"""Where doccano puts a line's labels (``labels`` in older versions)."""
SIGNS: Final = "'label' list or 'entities'"
"""What tells a doccano line from a Workbench or Prodigy one, for error messages."""


# -- reading -----------------------------------------------------------------------------------


def looks_like_doccano(obj: dict[str, Any]) -> bool:
    """Whether a line is in doccano's shape: a ``label`` list or ``entities`` (our own and
    Prodigy's lines never have either)."""
    return (
        any(isinstance(obj.get(key), list) for key in LABEL_KEYS)
        or isinstance(obj.get("entities"), list)
        or ("data" in obj and "text" not in obj)
    )


def _offsets(start: Any, end: Any, text: str, at: str) -> tuple[int, int]:
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (start, end)):
        raise ImportFormatError(f"{at}: offsets must be integers, got {start!r} and {end!r}")
    if not 0 <= start < end <= len(text):
        raise ImportFormatError(
            f"{at}: offsets {start}-{end} must satisfy 0 <= start < end <= {len(text)}"
            " (the text length)"
        )
    return start, end


def _labels(obj: dict[str, Any], text: str, where: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The spans and class names of a line, from ``label``/``labels`` and ``entities``."""
    spans: list[dict[str, Any]] = []
    names: list[str] = []
    for key in LABEL_KEYS:
        items = obj.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            raise ImportFormatError(f"{where}: field {key!r} must be a list")
        for index, item in enumerate(items):
            at = f"{where}: {key}[{index}]"
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, list) and len(item) == 3 and isinstance(item[2], str):
                start, end = _offsets(item[0], item[1], text, at)
                spans.append({"start": start, "end": end, "label": item[2]})
            elif isinstance(item, dict):
                spans.append(_entity(item, text, at))
            else:
                raise ImportFormatError(
                    f'{at}: must be [start, end, "LABEL"] or a class name, got {item!r}'
                )
    entities = obj.get("entities")
    if entities is not None:
        if not isinstance(entities, list):
            raise ImportFormatError(f"{where}: field 'entities' must be a list")
        for index, item in enumerate(entities):
            at = f"{where}: entities[{index}]"
            if not isinstance(item, dict):
                raise ImportFormatError(f"{at}: must be an object with start_offset, end_offset")
            spans.append(_entity(item, text, at))
    return spans, names


def _entity(item: dict[str, Any], text: str, at: str) -> dict[str, Any]:
    start, end = _offsets(item.get("start_offset"), item.get("end_offset"), text, at)
    label = item.get("label")
    if not isinstance(label, str):
        raise ImportFormatError(f"{at}: field 'label' must be a string, got {label!r}")
    return {"start": start, "end": end, "label": label}


def read_line(
    obj: dict[str, Any], where: str, fallback_name: str, annotator: str | None, scheme: Scheme
) -> NewDocument:
    """One line of doccano JSONL as a document, with an annotation if it carries labels.

    Spans come from ``label`` triples and ``entities``; class names in ``label`` become the
    stance and topics (see :func:`classes`); our own ``stance``, ``topics``, ``status``,
    ``note``, ``name`` and ``annotator`` fields are read too. ``--annotator`` wins over the
    line's ``annotator``.
    """
    text = obj.get("text", obj.get("data"))
    if not isinstance(text, str):
        raise ImportFormatError(f"{where}: needs the document in 'text' (or 'data') as a string")
    spans, names = _labels(obj, text, where)
    stance, topics = classes(names, scheme, where)
    own = expect(obj, "stance", str, where)
    if stance is not None and own is not None and own != stance:
        raise ImportFormatError(f"{where}: field 'stance' is {own} but 'label' holds {stance}")
    meta = dict(expect(obj, "meta", dict, where) or {})
    name = obj.get("name")
    if name is not None:
        meta["name"] = name
    note = expect(obj, "note", str, where)
    if note is None:
        comments = obj.get("Comments")
        if isinstance(comments, list) and all(isinstance(c, str) for c in comments):
            note = "\n".join(comments)
    normalized: dict[str, Any] = {
        "text": text,
        "meta": meta,
        "spans": spans,
        "stance": own or stance,
        "topics": list(dict.fromkeys([*string_list(obj, "topics", where), *topics])),
        "note": note,
        "status": obj.get("status"),
        "_annotator_id": obj.get("annotator"),
        "_timestamp": obj.get("_timestamp"),
        "seconds": obj.get("seconds"),
    }
    return workbench_record(normalized, where, fallback_name, annotator)


# -- writing -----------------------------------------------------------------------------------


def doccano_line(record: ExportRecord) -> list[bytes]:
    """One doccano sequence-labelling line: ``label`` as ``[start, end, "LABEL"]`` triples,
    plus the document name, annotator, status, stance, topics and note."""
    line = {
        "text": record.document.text,
        "label": [[span.start, span.end, span.label] for span in record.spans],
        "name": record.document.name,
        "annotator": record.annotator,
        "status": record.status,
        "stance": record.stance,
        "topics": record.topics,
        "note": record.note,
    }
    return [orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)]


def doccano_lines(source: str) -> Callable[[ExportRecord], list[bytes]]:
    """The line encoder of an export of ``source`` (doccano lines do not name it)."""
    return doccano_line
