"""The label scheme: claim types, stances and topics, loaded from TOML and validated."""

from __future__ import annotations

import colorsys
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from workbench._css_colors import CSS_COLORS
from workbench.errors import SchemeError

LabelKind = Literal["claim_type", "stance", "topics"]
KINDS: tuple[LabelKind, ...] = ("claim_type", "stance", "topics")
"""The three label sets, in the order the TOML file and the TUI show them."""

OPTIONAL_KINDS: frozenset[LabelKind] = frozenset({"stance", "topics"})
"""The sets a scheme may leave empty or out: a claims-only (NER) project needs no stances or
topics, and placeholder labels would only be exported as classes with no data."""

KIND_TITLES: dict[LabelKind, str] = {
    "claim_type": "claim type",
    "stance": "stance",
    "topics": "topic",
}

MAX_LABEL_LENGTH = 64
"""The longest label name, in characters: the width of the label columns (``models.Span.label``,
the stance columns), which PostgreSQL enforces and SQLite does not, so the scheme enforces it
for both."""
FREE_KEYS = "123456789abcdefghijklmnopqrstuvwxyz0"
"""Hotkeys handed out, in order, to labels that do not name one (skipping taken keys)."""

_APP_KEYS = {"?": 'the app\'s key for "Help"'}
TAKEN_KEYS: dict[LabelKind, dict[str, str]] = {
    # Claim-type hotkeys are live on the annotation and review screens, over the article.
    "claim_type": {
        **{
            key: f'the annotation screen\'s key for "{use}"'
            for key, use in {
                "s": "Span stance",
                "t": "Span topics",
                "S": "Doc stance",
                "T": "Doc topics",
                ">": "Grow end",
                "<": "Shrink end",
                "u": "Undo",
                "U": "Redo",
                "d": "Done → next",
                "x": "Skip",
                "n": "Next doc",
                "p": "Prev doc",
                "o": "Note",
                "/": "Find",
                "l": "Span list",
                "q": "List",
                "r": "Reject",
                "v": "Suggestions",
                "*": "Occurrences",
                "f": "Flag for the reviewer",
            }.items()
        },
        **{
            key: f'the article\'s key for "{use}"'
            for key, use in {
                "[": "Previous sentence",
                "]": "Next sentence",
                "{": "Select: previous sentence",
                "}": "Select: next sentence",
                ".": "Select sentence",
            }.items()
        },
        **{
            key: f'the review screen\'s key for "{use}"'
            for key, use in {
                "a": "Accept",
                "A": "Accept majority",
                "j": "Next open",
                "k": "Prev open",
                "c": "Compare",
            }.items()
        },
        **_APP_KEYS,
    },
    # Stance and topic hotkeys are live in the chooser, which binds no characters of its own.
    "stance": _APP_KEYS,
    "topics": _APP_KEYS,
}
"""Per label set, the one-character keys already bound where its hotkeys are used, with that
use; a label may not take one, or one of the two would never fire. tests/test_tui_keys.py
checks this against the screens' bindings (this module must not import Textual)."""

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
"""Tableau 10: colours handed out to labels that do not name one (readable on dark and light)."""

ENTRY_KEYS = frozenset({"name", "key", "color", "guideline"})
DEFAULT_SCHEME_FILE = "default_scheme.toml"


@dataclass(frozen=True)
class Label:
    """One label of a set: its name, hotkey, colour (as ``#rrggbb``) and one-line guideline."""

    name: str
    key: str
    color: str
    guideline: str = ""

    def to_dict(self) -> dict[str, str]:
        """The label as the TOML entry that would define it."""
        return {
            "name": self.name,
            "key": self.key,
            "color": self.color,
            "guideline": self.guideline,
        }


@dataclass(frozen=True)
class Scheme:
    """A validated label scheme; ``source`` says where it came from (a path or ``database``)."""

    claim_type: tuple[Label, ...]
    stance: tuple[Label, ...]
    topics: tuple[Label, ...]
    source: str = field(default="", compare=False)

    def labels(self, kind: LabelKind) -> tuple[Label, ...]:
        """The labels of one set, in display order."""
        result: tuple[Label, ...] = getattr(self, kind)
        return result

    def names(self, kind: LabelKind) -> tuple[str, ...]:
        """The label names of one set, in display order."""
        return tuple(label.name for label in self.labels(kind))

    def get(self, kind: LabelKind, name: str) -> Label | None:
        """The label of that name in a set, or None."""
        return next((label for label in self.labels(kind) if label.name == name), None)

    def by_key(self, kind: LabelKind, key: str) -> Label | None:
        """The label whose hotkey is ``key`` in a set, or None."""
        return next((label for label in self.labels(kind) if label.key == key), None)

    def to_dict(self) -> dict[str, list[dict[str, str]]]:
        """The scheme as plain data, the shape of the TOML file (stored in the database)."""
        return {kind: [label.to_dict() for label in self.labels(kind)] for kind in KINDS}

    def to_toml(self) -> str:
        """The scheme as TOML text that :func:`parse_scheme` reads back unchanged."""
        out: list[str] = []
        for kind in KINDS:
            for label in self.labels(kind):
                out.append(f"[[{kind}]]")
                for key, value in label.to_dict().items():
                    if value:
                        out.append(f"{key} = {_toml_string(value)}")
                out.append("")
        return "\n".join(out)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def parse_color(text: str) -> str | None:
    """The colour as ``#rrggbb`` if Textual understands it (hex, rgb(), hsl(), CSS name), else None.

    Alpha is accepted and dropped: a label colour is drawn opaque.
    """
    value = text.strip().lower()
    if value in CSS_COLORS:
        return "#{:02x}{:02x}{:02x}".format(*CSS_COLORS[value])
    if match := re.fullmatch(r"#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})", value):
        digits = match.group(1)
        if len(digits) <= 4:
            digits = "".join(ch * 2 for ch in digits)
        return "#" + digits[:6]
    number = r"\s*(-?\d+(?:\.\d+)?)(%?)\s*"
    if match := re.fullmatch(rf"(rgb|hsl)a?\({number},{number},{number}(?:,{number})?\)", value):
        func = match.group(1)
        parts = [(float(match.group(i)), match.group(i + 1) == "%") for i in (2, 4, 6)]
        if func == "rgb":
            channels = [p * 2.55 if pct else p for p, pct in parts]
            if any(not 0 <= c <= 255 for c in channels):
                return None
            return "#{:02x}{:02x}{:02x}".format(*(round(c) for c in channels))
        hue, sat, light = parts[0][0], parts[1][0], parts[2][0]
        if not (0 <= sat <= 100 and 0 <= light <= 100):
            return None
        red, green, blue = colorsys.hls_to_rgb((hue % 360) / 360, light / 100, sat / 100)
        return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (red, green, blue)))
    return None


def parse_scheme(data: Mapping[str, Any], source: str) -> Scheme:
    """Validate scheme data (parsed TOML or a stored dict) and fill in missing keys and colours.

    Raises :class:`SchemeError` listing every problem, one line each, as ``source: key: problem``.
    """
    problems: list[str] = []
    for key in data:
        if key not in KINDS:
            problems.append(f"{source}: {key}: unknown table; expected one of {', '.join(KINDS)}")
    seen_names: dict[str, str] = {}
    sets: dict[LabelKind, list[dict[str, str]]] = {}
    for kind in KINDS:
        entries = data.get(kind)
        if kind in OPTIONAL_KINDS and (entries is None or entries == []):
            sets[kind] = []
            continue
        if entries is None or (isinstance(entries, list) and not entries):
            problems.append(
                f"{source}: {kind}: the set is empty; add at least one [[{kind}]] entry"
            )
            sets[kind] = []
            continue
        if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
            problems.append(f"{source}: {kind}: must be an array of tables ([[{kind}]] entries)")
            sets[kind] = []
            continue
        sets[kind] = _check_entries(kind, entries, source, seen_names, problems)
    if problems:
        raise SchemeError("\n".join(problems))
    labels = {kind: _fill_defaults(kind, sets[kind], source, problems) for kind in KINDS}
    if problems:
        raise SchemeError("\n".join(problems))
    return Scheme(labels["claim_type"], labels["stance"], labels["topics"], source=source)


def label_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a label ("Sports Brand" and "Person/Org" can), or None: it must be
    printable text with no control characters, no space at either end, and at most
    :data:`MAX_LABEL_LENGTH` characters."""
    if not name.strip():
        return "is empty"
    if name != name.strip():
        return "starts or ends with a space"
    if not name.isprintable():
        return "holds a control or other unprintable character"
    if len(name) > MAX_LABEL_LENGTH:
        return f"is {len(name)} characters long; a label holds at most {MAX_LABEL_LENGTH}"
    return None


def _check_entries(
    kind: LabelKind,
    entries: list[Mapping[str, Any]],
    source: str,
    seen_names: dict[str, str],
    problems: list[str],
) -> list[dict[str, str]]:
    """Check each entry of a set; return them as dicts of strings (colours normalised)."""
    checked: list[dict[str, str]] = []
    seen_keys: dict[str, str] = {}
    for index, entry in enumerate(entries):
        where = f"{source}: {kind}[{index}]"
        for key in entry:
            if key not in ENTRY_KEYS:
                problems.append(
                    f"{where}.{key}: unknown key; expected name, key, color or guideline"
                )
        values: dict[str, str] = {}
        for key in ENTRY_KEYS & set(entry):
            if not isinstance(entry[key], str):
                problems.append(f"{where}.{key}: must be a string, got {entry[key]!r}")
            else:
                values[key] = entry[key]
        name = values.get("name")
        if name is None:
            if "name" not in entry:
                problems.append(f"{where}: missing name")
            continue
        problem = label_name_problem(name)
        if problem:  # the name as a literal: it may hold what must not reach the terminal
            problems.append(f"{source}: {kind}[{index}].name: {name!r} {problem}")
            continue
        where = f"{source}: {kind}[{index}] ({name})"
        if name.lower() in seen_names:
            problems.append(
                f"{where}.name: {name} is already defined in {seen_names[name.lower()]}"
            )
        else:
            seen_names[name.lower()] = kind
        hotkey = values.get("key")
        if hotkey is not None:
            if len(hotkey) != 1 or not hotkey.isprintable() or hotkey.isspace():
                problems.append(f"{where}.key: {hotkey!r} must be exactly one visible character")
            elif hotkey in TAKEN_KEYS[kind]:
                problems.append(
                    f"{where}.key: {hotkey!r} is {TAKEN_KEYS[kind][hotkey]}; choose another"
                )
            elif hotkey in seen_keys:
                problems.append(
                    f"{where}.key: {hotkey!r} is already the hotkey of {seen_keys[hotkey]}"
                )
            else:
                seen_keys[hotkey] = name
        color = values.get("color")
        if color is not None:
            parsed = parse_color(color)
            if parsed is None:
                problems.append(
                    f"{where}.color: {color!r} is not a colour;"
                    " use #rrggbb, rgb(r,g,b) or a CSS name"
                )
            else:
                values["color"] = parsed
        guideline = values.get("guideline", "")
        if "\n" in guideline:
            problems.append(f"{where}.guideline: must be one line")
        checked.append(values)
    return checked


def _fill_defaults(
    kind: LabelKind, entries: list[dict[str, str]], source: str, problems: list[str]
) -> tuple[Label, ...]:
    """Give entries without a hotkey the first free one, without a colour the next free one."""
    used_keys = {e["key"] for e in entries if "key" in e}
    free_keys = [k for k in FREE_KEYS if k not in used_keys and k not in TAKEN_KEYS[kind]]
    used_colors = {e["color"] for e in entries if "color" in e}
    free_colors = [c for c in PALETTE if c not in used_colors] or list(PALETTE)
    labels: list[Label] = []
    for index, entry in enumerate(entries):
        key = entry.get("key")
        if key is None:
            if not free_keys:
                problems.append(f"{source}: {kind}[{index}].key: no free hotkey left; set one")
                continue
            key = free_keys.pop(0)
        color = entry.get("color")
        if color is None:
            color = free_colors[index % len(free_colors)]
        labels.append(Label(entry["name"], key, color, entry.get("guideline", "").strip()))
    return tuple(labels)


def load_scheme(path: Path) -> Scheme:
    """Read and validate a scheme file; any problem raises :class:`SchemeError` naming the file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SchemeError(f"{path}: scheme file not found") from None
    except OSError as exc:
        raise SchemeError(f"{path}: cannot read the scheme file: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise SchemeError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(f"{path}: invalid TOML: {exc}") from None
    return parse_scheme(data, str(path))


def default_scheme() -> Scheme:
    """The scheme that ships with Workbench (the repository's ``labels/scheme.toml``)."""
    text = resources.files("workbench").joinpath(DEFAULT_SCHEME_FILE).read_text("utf-8")
    return parse_scheme(tomllib.loads(text), "the built-in default scheme")


def dropped_labels(old: Scheme, new: Scheme) -> dict[LabelKind, list[str]]:
    """The labels of ``old`` that ``new`` no longer has, per set (only sets that lose some)."""
    dropped: dict[LabelKind, list[str]] = {}
    for kind in KINDS:
        kept = set(new.names(kind))
        gone = [name for name in old.names(kind) if name not in kept]
        if gone:
            dropped[kind] = gone
    return dropped


def unknown_names(scheme: Scheme, kind: LabelKind, names: Iterable[str]) -> list[str]:
    """The names not in a set of the scheme, sorted and without repeats."""
    known = set(scheme.names(kind))
    return sorted({name for name in names if name not in known})
