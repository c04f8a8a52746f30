"""Key names as Textual reads them, and the binding ids a keymap may remap."""

from __future__ import annotations

import importlib
import pkgutil
import unicodedata
from collections.abc import Iterable

from textual.binding import Binding
from textual.keys import REPLACED_KEYS, Keys, key_to_character

from workbench.scheme import Scheme

MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
"""The modifiers Textual names, in the order it writes them in a key (sorted: "ctrl+shift+a")."""

NAMED_KEYS = frozenset(
    name
    for name in (key.value.rpartition("+")[2] for key in Keys)
    if len(name) > 1 and name.replace("_", "").isalnum()
)
"""Keys with a name of their own (escape, f5, pageup…); a character's key is named after it."""

LABEL_BINDING_PREFIX = "annotate.label."


def label_binding_id(name: str) -> str:
    """The binding id of a claim type's hotkey on the annotation screen (remappable)."""
    return LABEL_BINDING_PREFIX + name


def binding_key(character: str) -> str:
    """The key Textual reports for a typed character ("?" is "question_mark"): what a binding
    of a scheme hotkey must name, or it never fires."""
    if character == ",":
        return "comma"  # a comma separates the keys of one binding: it cannot be written as is
    (binding,) = Binding.make_bindings([Binding(character, "")])
    return binding.key


def key_character(key: str) -> str | None:
    """The character a key without modifiers types ("slash" is "/"), or None."""
    return key_to_character(REPLACED_KEYS.get(key, key))


def _is_key_name(name: str) -> bool:
    """A named key, or the name Textual gives a character (its Unicode name, lower case, with
    spaces and hyphens as underscores: "left_pointing_double_angle_quotation_mark")."""
    if name in NAMED_KEYS:
        return True
    words = REPLACED_KEYS.get(name, name).upper().split("_")
    # The underscores were spaces, or (in a few names) a hyphen: try each one as a hyphen.
    for hyphen in range(len(words)):
        spelled = " ".join(words[:hyphen]) + "-" * (hyphen > 0) + " ".join(words[hyphen:])
        try:
            character = unicodedata.lookup(spelled)
        except KeyError:
            continue
        if binding_key(character) == name:
            return True
    return False


def key_problem(keys: str) -> str | None:
    """Why Textual would never match ``keys`` (comma-separated, as a keymap writes them), or
    None if every key in it is one Textual reports. Textual itself takes any string."""
    for key in keys.split(","):
        if not key:
            return f"{keys!r} has an empty key; separate keys with one comma"
        if len(key) == 1:
            if not key.isprintable() or key.isspace():
                return f"{keys!r}: {key!r} is not a key; name it (e.g. space, tab)"
            continue
        *modifiers, base = key.split("+")
        unknown = [m for m in modifiers if m not in MODIFIERS]
        if unknown:
            return (
                f"{keys!r}: {unknown[0]!r} is not a modifier; use {', '.join(MODIFIERS[:-1])}"
                f" or {MODIFIERS[-1]}"
            )
        if not base:
            return f"{keys!r}: a key is missing after {key!r} (a + is written plus)"
        if len(base) == 1 and modifiers and not base.isalnum():
            named = "+".join([*modifiers, binding_key(base)])
            return f"{keys!r}: with a modifier, name the character: {named!r}"
        if len(base) > 1 and not _is_key_name(base):
            return (
                f"{keys!r}: no key is called {base!r}; write keys as Textual names them"
                " (ctrl+z, f2, pageup, question_mark)"
            )
        if modifiers != sorted(set(modifiers)):
            ordered = "+".join([*sorted(set(modifiers)), base])
            return f"{keys!r}: Textual writes that key {ordered!r}"
    return None


def binding_ids(classes: Iterable[type]) -> set[str]:
    """The ids of the bindings declared by these classes and the classes they inherit from."""
    ids: set[str] = set()
    for cls in classes:
        for base in cls.__mro__:
            declared = base.__dict__.get("BINDINGS", ())
            ids.update(b.id for b in Binding.make_bindings(declared) if b.id)
    return ids


def _tui_classes() -> list[type]:
    """The app, screens and widgets of Workbench's TUI among the classes imported so far."""
    from textual.dom import DOMNode

    found: list[type] = []
    pending: list[type] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("workbench.tui."):
            found.append(cls)
    return found


def loaded_binding_ids(scheme: Scheme) -> set[str]:
    """The binding ids of the TUI classes imported so far, and the scheme's label ids.

    Screens shown only on demand (the document list, agreement) are imported when first
    shown: their ids are here only once they are."""
    labels = {label_binding_id(label.name) for label in scheme.claim_type}
    return binding_ids(_tui_classes()) | labels


def known_binding_ids(scheme: Scheme) -> set[str]:
    """Every binding id a keymap may name: those of the app, its screens and widgets, and
    ``annotate.label.<NAME>`` for each claim type of ``scheme``. Imports every TUI module."""
    import workbench.tui

    for module in pkgutil.walk_packages(workbench.tui.__path__, "workbench.tui."):
        importlib.import_module(module.name)
    return loaded_binding_ids(scheme)
