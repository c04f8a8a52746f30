"""Renaming and merging labels mid-project (issue 15.5): the plan, the new scheme, its file.

A rename gives one label a new name; a merge folds labels of one set into one (a new name, or
one of them, or another label of the set). The surviving label keeps its place, hotkey,
colour and guideline (a new merge target takes the first source's). The store applies the
plan to the data and the stored scheme in one transaction
(:meth:`~workbench.store.relabel.RelabelStore.relabel`); the scheme file in use is rewritten
with ``tomlkit``, so its comments, order and layout stay as they were.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import (
    FieldError,
    FieldNotFoundError,
    InvariantError,
    NotFoundError,
    SchemeError,
)
from workbench.scheme import (
    KIND_TITLES,
    KINDS,
    Label,
    LabelKind,
    Scheme,
    label_name_problem,
    parse_scheme,
)

if TYPE_CHECKING:
    from tomlkit.items import AoT, Table

    from workbench.store import LabelChangeInfo, Store

KIND_NAMES: dict[str, LabelKind] = {
    "claim_type": "claim_type",
    "claim-type": "claim_type",
    "claim": "claim_type",
    "stance": "stance",
    "topic": "topics",
    "topics": "topics",
}
"""What ``--kind`` accepts, and the set each names."""


@dataclass(frozen=True)
class Relabel:
    """A checked rename or merge: ``sources`` of the set ``kind`` become ``target``."""

    action: str
    """``rename`` or ``merge``."""
    kind: LabelKind
    sources: tuple[str, ...]
    target: str
    scheme: Scheme
    """The scheme after the change."""

    @property
    def title(self) -> str:
        """The set's name for people: claim type, stance, topic."""
        return KIND_TITLES[self.kind]

    @property
    def mapping(self) -> dict[str, str]:
        """Old name -> new name, for the names that change."""
        return {source: self.target for source in self.sources if source != self.target}


def parse_kind(kind: str | None) -> LabelKind | None:
    """The set ``--kind`` names (None: find it from the names), or a :class:`FieldError`."""
    if kind is None:
        return None
    found = KIND_NAMES.get(kind.strip().lower())
    if found is None:
        raise FieldError("kind", f"kind {kind!r}: use claim_type, stance or topic")
    return found


def find_kind(scheme: Scheme, names: Sequence[str], kind: LabelKind | None) -> LabelKind:
    """The one set that holds every name of ``names``, checked against ``kind`` if given."""
    kinds: dict[str, list[LabelKind]] = {
        name: [k for k in KINDS if scheme.get(k, name) is not None] for name in names
    }
    for name, found in kinds.items():
        if kind is not None and kind not in found:
            where = f"; it is a {KIND_TITLES[found[0]]}" if found else ""
            raise FieldNotFoundError(
                "kind", f"kind: {name!r} is not a {KIND_TITLES[kind]} of the scheme{where}"
            )
        if not found:
            raise NotFoundError(f"unknown label {name!r}; {_known(scheme)}")
    if kind is not None:
        return kind
    sets = {k for found in kinds.values() for k in found}
    if len(sets) > 1:
        raise FieldError(
            "kind",
            "kind: the names are in more than one set ("
            + ", ".join(KIND_TITLES[k] for k in KINDS if k in sets)
            + "); say which with --kind claim_type, stance or topic",
        )
    return sets.pop()


def _known(scheme: Scheme) -> str:
    return "; ".join(
        f"{KIND_TITLES[kind]}s: {', '.join(scheme.names(kind)) or 'none'}" for kind in KINDS
    )


def plan(
    scheme: Scheme,
    *,
    action: str,
    sources: Sequence[str],
    target: str,
    kind: str | None = None,
) -> Relabel:
    """Check a rename (one source, a name not in use) or a merge (one or more sources into a
    target that is new, one of them or another label of the same set); the new scheme."""
    sources = tuple(dict.fromkeys(name.strip() for name in sources))
    target = target.strip()
    if action not in ("rename", "merge"):
        raise FieldError("action", f"action {action!r}: use rename or merge")
    if not sources or not all(sources):
        raise InvariantError("name the labels to change")
    if action == "rename" and len(sources) != 1:
        raise InvariantError("a rename changes one label; merge changes several")
    problem = label_name_problem(target)
    if problem:
        raise InvariantError(f"the new name {target!r} {problem}")
    chosen = find_kind(scheme, sources, parse_kind(kind))
    existing = scheme.get(chosen, target)
    clash = next(
        (
            (k, label.name)
            for k in KINDS
            for label in scheme.labels(k)
            if label.name.lower() == target.lower() and label.name not in sources
        ),
        None,
    )
    if action == "rename" and target == sources[0]:
        raise InvariantError(f"{target!r} is already the label's name")
    if clash is not None and (action == "rename" or clash[0] != chosen or existing is None):
        other, name = clash
        hint = " (merge them instead)" if action == "rename" and other == chosen else ""
        raise InvariantError(
            f"the new name {target!r} is taken:"
            f" the scheme has the {KIND_TITLES[other]} {name}{hint}",
        )
    if action == "merge" and existing is None and len(sources) == 1:
        raise InvariantError(
            f"{target!r} is not a {KIND_TITLES[chosen]}; to give one label a new name, rename it",
        )
    labels: list[Label] = []
    placed = False
    for label in scheme.labels(chosen):
        if label.name == target or (label.name in sources and existing is None and not placed):
            if not placed:
                labels.append(Label(target, label.key, label.color, label.guideline))
                placed = True
        elif label.name not in sources:
            labels.append(label)
    data: dict[str, Any] = scheme.to_dict()
    data[chosen] = [label.to_dict() for label in labels]
    try:
        new = parse_scheme(data, "the renamed scheme")
    except SchemeError as exc:
        raise InvariantError(f"the new name {target!r}: {exc}") from None
    return Relabel(action, chosen, sources, target, new)


# -- the scheme file -----------------------------------------------------------------------


def rewrite_scheme_text(text: str, change: Relabel, path: Path) -> str:
    """The scheme file's text with the change made in place: the surviving entry renamed, the
    others of the merge removed (their trailing comments kept), every other line as it was.
    Entries whose filled-in hotkey or colour would move (they depend on position) get it
    written out, so every label keeps its key and colour."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise SchemeError(f"{path}: invalid TOML: {exc}") from None
    entries = document.get(change.kind)
    if entries is None or not isinstance(entries, list):
        raise SchemeError(f"{path}: has no [[{change.kind}]] entries to change")
    aot: AoT = entries  # type: ignore[assignment]
    names = [str(entry.get("name", "")) for entry in aot]
    keep = (
        change.target
        if change.target in names
        else next((name for name in names if name in change.sources), change.sources[0])
    )
    if keep not in names:
        raise SchemeError(f"{path}: has no {change.title} {keep}; is it the scheme in use?")
    for index in reversed(range(len(names))):
        if names[index] in change.sources and names[index] != keep:
            _drop(aot, index)
    survivor = next(entry for entry in aot if str(entry.get("name")) == keep)
    if keep != change.target:
        survivor["name"] = change.target
    _pin_moved(document, aot, change, path)
    return tomlkit.dumps(document)


def _drop(aot: AoT, index: int) -> None:
    """Remove one entry; the comments and blank lines at its end (which introduce the next
    entry) move to the entry before it."""
    body = aot[index].value.body
    tail = []
    for key, item in reversed(body):
        if key is not None:
            break
        tail.append(item)
    del aot[index]
    if index > 0:
        for item in reversed(tail):
            aot[index - 1].value.append(None, item)


def _pin_moved(document: Any, aot: AoT, change: Relabel, path: Path) -> None:
    """Write out the hotkey and colour of entries that would otherwise be filled in anew."""
    import tomlkit

    try:
        filled = parse_scheme(document.unwrap(), str(path)).labels(change.kind)
    except SchemeError:
        return  # the file is checked as a whole before it is written
    for entry, label in zip(aot, filled, strict=False):
        wanted = change.scheme.get(change.kind, label.name)
        if wanted is None:
            continue
        for field, now, then in (
            ("key", label.key, wanted.key),
            ("color", label.color, wanted.color),
        ):
            if now != then:
                _set_after_last_key(entry, field, tomlkit.string(then))


def _set_after_last_key(table: Table, field: str, value: Any) -> None:
    """Set ``field``; a new one goes after the entry's last key, before its trailing comments."""
    body = table.value.body
    last = max((i for i, (key, _) in enumerate(body) if key is not None), default=-1)
    if field in table or last + 1 >= len(body):
        table[field] = value
        return
    # tomlkit 0.13-0.15: Container._insert_at places a key at a position in the body (no
    # public way); tests/core/test_relabel.py pins a key and checks the comments stay below.
    table.value._insert_at(last + 1, field, value)


def write_scheme_file(path: Path, text: str) -> None:
    """Replace the file's contents atomically (a temporary file renamed over it)."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise SchemeError(f"{path}: cannot write beside the scheme file ({exc.strerror})") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        if path.exists():
            Path(temporary).chmod(path.stat().st_mode & 0o7777)
        Path(temporary).replace(path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise SchemeError(f"{path}: cannot write the scheme file ({exc.strerror})") from None


def login_name() -> str:
    """Who runs the command, for the log: the login name, else ``unknown``."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def relabel(
    store: Store,
    *,
    action: str,
    sources: Sequence[str],
    target: str,
    kind: str | None = None,
    by: str | None = None,
    scheme_file: Path | None = None,
) -> LabelChangeInfo:
    """Rename (``action="rename"``, one source) or merge labels everywhere (see
    :func:`plan`), the scheme in the database and ``scheme_file`` (the file in use) with them;
    the logged change. Bad input raises a :class:`~workbench.errors.WorkbenchError` and
    changes nothing."""
    who = (by or login_name()).strip()
    if not who or len(who) > 128 or not who.isprintable():
        raise FieldError("by", f"by {who!r}: give a name of 1 to 128 printable characters")
    change = plan(store.scheme, action=action, sources=sources, target=target, kind=kind)
    return store.relabel(change, by=who, scheme_file=scheme_file)
