"""doccano JSONL: every shape doccano exports (sequence labelling, relation extraction, intent
detection and slot filling, text classification), read with its meaning kept; written as
sequence-labelling lines (``label`` triples) with our own fields. Offsets count UTF-16 units,
as doccano's browser annotator does, unless ``--offsets`` says otherwise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, Final

import orjson

from workbench.errors import ImportFormatError
from workbench.formats.jsonl import check_span_text, expect, string_list
from workbench.formats.offsets import FileOffsets, OffsetUnits
from workbench.formats.prodigy import RELATIONS, classes
from workbench.formats.workbench import workbench_record
from workbench.scheme import Scheme
from workbench.store.records import ExportRecord, NewDocument

OFFSETS: Final[OffsetUnits] = "utf16"
"""What doccano's offsets count: its annotator runs in the browser, where JavaScript strings
are UTF-16, so an emoji before a span shifts it by one."""
LABEL_KEYS: Final = ("label", "labels")
"""Where doccano puts a line's labels (``labels`` in older versions)."""
SIGNS: Final = "'label' list or object, or 'entities' or 'cats' list"
"""What tells a doccano line from a Workbench or Prodigy one, for error messages."""


# -- reading -----------------------------------------------------------------------------------
#
# The shapes of doccano's JSONL exports, by project type:
#   sequence labelling    {"text", "label": [[start, end, "LABEL"], ...], "Comments": [...]}
#   relation extraction   {"text", "entities": [{"id", "label", "start_offset",
#                          "end_offset"}, ...], "relations": [{"id", "from_id", "to_id",
#                          "type"}, ...], "Comments": [...]}
#   intent detection and  {"text", "entities": [[start, end, "LABEL"], ...],
#   slot filling           "cats": ["INTENT", ...], "Comments": [...]}
#   text classification   {"text", "label": ["CLASS", ...], "Comments": [...]}
# Each also has an "id"; older versions say "data" for "text" and "labels" for "label".


def looks_like_doccano(obj: dict[str, Any]) -> bool:
    """Whether a line is in doccano's shape: a ``label`` list (or object, to be refused by
    name), ``entities``, a ``cats`` list, or ``data`` for the text (our own and Prodigy's lines
    have none of these; spaCy's ``cats`` is an object)."""
    return (
        any(isinstance(obj.get(key), list | dict) for key in LABEL_KEYS)
        or isinstance(obj.get("entities"), list)
        or isinstance(obj.get("cats"), list)
        or ("data" in obj and "text" not in obj)
    )


GIVEN: Final = "_given"
"""The key under which a span passed on keeps its offsets as the file gave them (in
UTF-16 units), for messages (:attr:`NewSpan.given`)."""


def _triple(item: Any) -> bool:
    return isinstance(item, list) and len(item) == 3 and isinstance(item[2], str)


def _offsets(start: Any, end: Any, units: FileOffsets, at: str) -> tuple[int, int]:
    """Offsets in the file's units as code points."""
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (start, end)):
        raise ImportFormatError(f"{at}: offsets must be integers, got {start!r} and {end!r}")
    return units.span(start, end, at)


def _triple_span(item: list[Any], units: FileOffsets, at: str) -> dict[str, Any]:
    """A ``[start, end, "LABEL"]`` span."""
    start, end = _offsets(item[0], item[1], units, at)
    return {"start": start, "end": end, "label": item[2], GIVEN: [item[0], item[1]]}


def _entity(item: dict[str, Any], units: FileOffsets, text: str, at: str) -> dict[str, Any]:
    """A relation-extraction entity object (its ``id`` only links relations)."""
    given = item.get("start_offset"), item.get("end_offset")
    start, end = _offsets(*given, units, at)
    label = item.get("label")
    if not isinstance(label, str):
        raise ImportFormatError(f"{at}: field 'label' must be a string, got {label!r}")
    check_span_text(item, text, (start, end), given, at)
    return {"start": start, "end": end, "label": label, GIVEN: list(given)}


def _labels(
    obj: dict[str, Any], text: str, where: str, units: FileOffsets
) -> tuple[list[dict[str, Any]], list[str]]:
    """The spans and class names of a line, from ``label``/``labels``, ``entities`` and
    ``cats``."""
    spans: list[dict[str, Any]] = []
    names: list[str] = []
    for key in LABEL_KEYS:
        items = obj.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            raise ImportFormatError(
                f'{where}: field {key!r} must be a list of [start, end, "LABEL"] triples or'
                f" class names, got {'an object' if isinstance(items, dict) else repr(items)}"
            )
        for index, item in enumerate(items):
            at = f"{where}: {key}[{index}]"
            if isinstance(item, str):
                names.append(item)
            elif _triple(item):
                spans.append(_triple_span(item, units, at))
            elif isinstance(item, dict):
                spans.append(_entity(item, units, text, at))
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
            if isinstance(item, dict):
                spans.append(_entity(item, units, text, at))
            elif _triple(item):
                spans.append(_triple_span(item, units, at))
            else:
                raise ImportFormatError(
                    f"{at}: must be an object with label, start_offset and end_offset,"
                    ' or [start, end, "LABEL"]'
                )
    if obj.get("cats") is not None:
        if not isinstance(obj["cats"], list):
            raise ImportFormatError(f"{where}: field 'cats' must be a list of class names")
        names.extend(string_list(obj, "cats", where))
    return spans, names


def read_line(
    obj: dict[str, Any],
    where: str,
    fallback_name: str,
    annotator: str | None,
    scheme: Scheme,
    offsets: OffsetUnits | None = None,
) -> NewDocument:
    """One line of doccano JSONL as a document, with an annotation if it carries labels.

    Spans come from ``label`` triples and ``entities`` (triples or objects), at offsets in
    UTF-16 units unless ``offsets`` says otherwise; class names in ``label`` and ``cats``
    become the stance and topics (see :func:`classes`); relations are counted as not kept.
    Our own ``stance``, ``topics``, ``status``, ``note``, ``name`` and ``annotator`` fields are
    read too. ``--annotator`` wins over the line's ``annotator``.
    """
    text = obj.get("text", obj.get("data"))
    if not isinstance(text, str):
        raise ImportFormatError(f"{where}: needs the document in 'text' (or 'data') as a string")
    spans, names = _labels(obj, text, where, FileOffsets(text, offsets or OFFSETS))
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
    document = workbench_record(normalized, where, fallback_name, annotator)
    relations = obj.get("relations")
    if isinstance(relations, list) and relations:
        return replace(document, dropped=(*document.dropped, *[RELATIONS] * len(relations)))
    return document


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
