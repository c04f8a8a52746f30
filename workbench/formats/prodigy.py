"""Prodigy task JSONL: read as span tasks (with or without tokens) and choice tasks
(``accept``). Written as Workbench JSONL, a superset Prodigy reads (see ``formats.workbench``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from workbench.errors import ImportFormatError
from workbench.formats.jsonl import expect, string_list
from workbench.formats.offsets import OffsetUnits
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


KNOWN_FIELDS: Final = frozenset(
    {
        # The task and its input (Prodigy's recipes and views).
        "text", "meta", "spans", "tokens", "label", "options", "accept", "answer", "cats",
        "html", "image", "audio", "video", "width", "height", "config", "priority", "score",
        "pattern", "flagged", "_is_binary", "_input_hash", "_task_hash", "_view_id",
        "_session_id", "_annotator_id", "_timestamp", "relations", "versions", "sessions",
        # Workbench's own fields.
        "stance", "topics", "note", "status", "seconds",
    }
)  # fmt: skip
"""Top-level fields of known meaning: any other is counted as not imported."""

NOT_LABELS: Final = "spans of rejected or ignored tasks (not labels)"
NOT_CHOICES: Final = "choices of rejected or ignored tasks (not labels)"
RELATIONS: Final = "relations (Workbench does not store relations yet)"
VERSIONS: Final = "review versions (Workbench keeps the reviewed answer only)"


def _binary(obj: dict[str, Any], where: str, scheme: Scheme) -> tuple[str | None, list[str]]:
    """The stance and topics of an accepted binary classification task (``label`` and
    ``answer``, no spans nor choices); a rejected one has neither. A label the scheme lacks
    is kept as a topic, to be reported as unknown; rejected, it is an error here."""
    label = obj["label"]
    answer = obj.get("answer")
    if answer == "accept":
        return classes([label], scheme, where)
    if (
        answer == "reject"
        and scheme.get("stance", label) is None
        and scheme.get("topics", label) is None
    ):
        raise ImportFormatError(
            f"{where}: unknown label {label!r} (rejected class); add it to the scheme"
            " (labels/scheme.toml) as a stance or topic, or fix the file"
        )
    return None, []


def _cats(obj: dict[str, Any], where: str, scheme: Scheme) -> tuple[str | None, list[str]]:
    """spaCy's ``cats``: a class scored at least 0.5 is chosen, any lower is not."""
    cats = expect(obj, "cats", dict, where)
    for score in cats.values():
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise ImportFormatError(f"{where}: field 'cats' must map class names to scores")
    return classes([name for name, score in cats.items() if score >= 0.5], scheme, where)


def _accept(obj: dict[str, Any], where: str) -> list[str]:
    """The ``accept`` list of a choice task as option names: ids that are numbers are named
    by their option's ``text``."""
    accept = obj["accept"]
    if not isinstance(accept, list):
        raise ImportFormatError(f"{where}: field 'accept' must be a list of option ids")
    options = obj.get("options")
    texts = {
        option["id"]: option.get("text")
        for option in (options if isinstance(options, list) else [])
        if isinstance(option, dict) and isinstance(option.get("id"), int)
    }
    names = []
    for item in accept:
        if isinstance(item, int) and not isinstance(item, bool):
            text = texts.get(item)
            if not isinstance(text, str):
                raise ImportFormatError(
                    f"{where}: 'accept' holds option id {item}, but no option has that id"
                    " and a text"
                )
            item = text
        if not isinstance(item, str):
            raise ImportFormatError(
                f"{where}: field 'accept' must be a list of option ids that are label names"
                " or numbers"
            )
        names.append(item)
    return names


def read_line(
    obj: dict[str, Any],
    where: str,
    fallback_name: str,
    annotator: str | None,
    scheme: Scheme,
    offsets: OffsetUnits | None = None,
) -> NewDocument:
    """One line of Prodigy task JSONL (or of Workbench JSONL, its superset) as a document.

    Beyond the Workbench fields: spans given only by token indices are placed through the
    line's ``tokens``; the ``accept`` list of a choice task, the ``label`` of a binary
    classification task and spaCy's ``cats`` give the stance and topics. The spans and
    choices of a rejected or ignored task are not labels: they are dropped and counted, as
    are relations, review versions and fields of unknown meaning. Offsets (of spans and
    tokens) count code points unless ``offsets`` says otherwise.
    """
    normalized = dict(obj)
    dropped: list[str] = []
    answer = obj.get("answer")
    turned_down = answer in ("reject", "ignore")
    spans = _char_spans(obj, where)
    if turned_down and isinstance(spans, list) and spans:
        dropped += [NOT_LABELS] * len(spans)
        spans = []
    normalized["spans"] = spans
    chosen: tuple[str | None, list[str]] | None = None
    if obj.get("accept") is not None:
        names = _accept(obj, where)
        if turned_down:
            dropped += [NOT_CHOICES] * len(names)
            names = []
        chosen = classes(names, scheme, where)
    elif isinstance(obj.get("label"), str) and not spans and answer in ("accept", "reject"):
        chosen = _binary(obj, where, scheme)
        # A rejected class is an answer about the class, not a skipped task.
        normalized["status"] = obj.get("status") or "done"
    elif obj.get("cats") is not None:
        chosen = _cats(obj, where, scheme)
        if answer is None:
            # spaCy's cats judge every class they name: the annotation is complete.
            normalized["status"] = obj.get("status") or "done"
    if chosen is not None:
        stance, topics = chosen
        own = expect(obj, "stance", str, where)
        if stance is not None and own is not None and own != stance:
            raise ImportFormatError(
                f"{where}: field 'stance' is {own} but the chosen classes hold {stance}"
            )
        normalized["stance"] = own or stance
        normalized["topics"] = list(dict.fromkeys([*string_list(obj, "topics", where), *topics]))
    relations = obj.get("relations")
    if isinstance(relations, list):
        dropped += [RELATIONS] * len(relations)
    if obj.get("versions"):
        dropped.append(VERSIONS)
    dropped += [
        f"lines with the field {key!r} (not imported)" for key in obj if key not in KNOWN_FIELDS
    ]
    document = workbench_record(
        normalized, where, fallback_name, annotator, offsets or "codepoints"
    )
    cats = obj.get("cats")
    if isinstance(cats, dict) and cats and document.annotations:
        scores = tuple((name, float(score)) for name, score in cats.items())
        annotations = tuple(replace(new, scores=scores) for new in document.annotations)
        document = replace(document, annotations=annotations)
    return replace(document, dropped=(*document.dropped, *dropped)) if dropped else document
