"""The user's TUI settings: key remapping by binding id, read from a TOML file."""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.scheme import Scheme
from workbench.tui.keys import key_problem, known_binding_ids, loaded_binding_ids

ENV_CONFIG = "WORKBENCH_CONFIG"


def config_path() -> Path:
    """``$WORKBENCH_CONFIG``, else ``$XDG_CONFIG_HOME/workbench/config.toml`` (``~/.config``)."""
    if env := os.environ.get(ENV_CONFIG):
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "workbench" / "config.toml"


@dataclass(frozen=True)
class TuiConfig:
    """Settings for the TUI; ``keymap`` maps a binding id to the keys that trigger it."""

    keymap: dict[str, str] = field(default_factory=dict)
    source: str = ""


def load_config(path: Path | None = None) -> TuiConfig:
    """Read the config file if it exists; a bad file or a key Textual would never match is a
    one-line :class:`WorkbenchError` (binding ids need the scheme: :func:`check_keymap`).

    ```toml
    [keymap]
    "document-view.right" = "l,right"   # keys are comma-separated, as Textual writes them
    annotate.undo = "ctrl+z"            # quotes are optional
    ```
    """
    path = path or config_path()
    try:
        if not path.is_file():
            return TuiConfig(source=str(path))
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise WorkbenchError(
            f"{path}: cannot read the config file ({exc.strerror}); fix its permissions or"
            " set WORKBENCH_CONFIG to another file"
        ) from None
    except UnicodeDecodeError as exc:
        raise WorkbenchError(f"{path}: cannot read the config file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise WorkbenchError(f"{path}: invalid TOML: {exc}") from None
    unknown = sorted(set(data) - {"keymap"})
    if unknown:
        raise WorkbenchError(f"{path}: unknown table {unknown[0]!r}; expected [keymap]")
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict):
        raise WorkbenchError(f'{path}: keymap must be a table of binding id = "keys"')
    problems: list[str] = []
    cleaned: dict[str, str] = {}
    for binding_id, keys in _flatten(keymap):
        if not isinstance(keys, str) or not keys.strip():
            problems.append(f'{path}: keymap.{binding_id}: must be a string of keys, e.g. "ctrl+z"')
            continue
        cleaned[binding_id] = keys.replace(" ", "")
        if problem := key_problem(cleaned[binding_id]):
            problems.append(f"{path}: keymap.{binding_id}: {problem}")
    if problems:
        raise WorkbenchError("\n".join(problems))
    return TuiConfig(keymap=cleaned, source=str(path))


def _flatten(table: dict[str, object], prefix: str = "") -> list[tuple[str, object]]:
    """The entries of a table with dotted ids: TOML reads ``annotate.undo = "u"`` unquoted
    as a table ``annotate`` holding ``undo``, and that is what was meant."""
    entries: list[tuple[str, object]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            entries.extend(_flatten(value, f"{prefix}{key}."))
        else:
            entries.append((prefix + key, value))
    return entries


def check_keymap(config: TuiConfig, scheme: Scheme) -> None:
    """Refuse a keymap entry that names no binding: remapping nothing must not pass quietly.

    Known ids are those of the app, its screens and widgets, and ``annotate.label.<NAME>``
    for the claim types of ``scheme``; each unknown one is a line naming the file and entry.
    """
    if not config.keymap:
        return
    known = loaded_binding_ids(scheme)
    if not known.issuperset(config.keymap):
        known = known_binding_ids(scheme)  # imports the screens not shown yet, only if needed
    problems = []
    for binding_id in config.keymap:
        if binding_id in known:
            continue
        close = difflib.get_close_matches(binding_id, sorted(known), n=1)
        hint = f"did you mean {close[0]}?" if close else "the help screen (?) lists every id"
        problems.append(f"{config.source}: keymap.{binding_id}: no binding has this id; {hint}")
    if problems:
        raise WorkbenchError("\n".join(problems))
