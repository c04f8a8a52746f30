"""The user's TUI settings: key remapping by binding id, read from a TOML file."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import WorkbenchError

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
    """Read the config file if it exists; a bad file is a one-line :class:`WorkbenchError`.

    ```toml
    [keymap]
    "document-view.right" = "l,right"   # keys are comma-separated, as Textual writes them
    "annotate.undo" = "ctrl+z"
    ```
    """
    path = path or config_path()
    if not path.is_file():
        return TuiConfig(source=str(path))
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkbenchError(f"{path}: cannot read the config file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise WorkbenchError(f"{path}: invalid TOML: {exc}") from None
    unknown = sorted(set(data) - {"keymap"})
    if unknown:
        raise WorkbenchError(f"{path}: unknown table {unknown[0]!r}; expected [keymap]")
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict):
        raise WorkbenchError(f'{path}: keymap must be a table of binding id = "keys"')
    for binding_id, keys in keymap.items():
        if not isinstance(keys, str) or not keys.strip():
            raise WorkbenchError(
                f'{path}: keymap.{binding_id}: must be a string of keys, e.g. "ctrl+z"'
            )
    return TuiConfig(keymap={k: v.replace(" ", "") for k, v in keymap.items()}, source=str(path))
