"""Which annotations count, for the agreement report and for exports: whose, with which statuses,
of which documents, each checked against the database with errors that name the field."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Final

from workbench import models
from workbench.errors import FieldError, FieldNotFoundError
from workbench.store.bulk import annotator_ids, document_ids

if TYPE_CHECKING:
    from workbench.store import Store

ANY_STATUS: Final = "any"
"""The status list that means every status."""


class Everyone(Enum):
    """Every annotator, rather than annotators named one by one."""

    WITH_GOLD = "everyone"
    """Every annotator, the reserved gold set included."""
    BUT_GOLD = "annotators"
    """Every annotator but the reserved gold set."""


Annotators = Sequence[str] | Everyone
"""Whose annotations count: the names given, or everyone (with or without gold)."""


@dataclass(frozen=True)
class Selection:
    """The annotations that count: by whom, with which statuses, of which documents."""

    annotators: dict[str, int]
    """Name -> id of the annotators, by name."""
    statuses: tuple[str, ...]
    document_ids: frozenset[int] | None
    """None: every document."""
    explicit_annotators: bool = False
    """Whether the annotators were named (then each counts even with nothing counted)."""
    everyone: bool = False
    """Whether every annotator counts, gold included: reads then filter by no annotator (one
    who appears meanwhile counts too)."""

    @property
    def annotator_ids(self) -> frozenset[int] | None:
        """The annotators' ids to filter by; None for everyone."""
        return None if self.everyone else frozenset(self.annotators.values())


def parse_statuses(status: str, field: str = "status") -> tuple[str, ...]:
    """``done``, ``any`` (every status) or a comma-separated list of statuses, checked."""
    names = [part.strip() for part in status.split(",") if part.strip()]
    if names == [ANY_STATUS]:
        return models.STATUSES
    unknown = [name for name in names if name not in models.STATUSES]
    if not names or unknown:
        shown = ", ".join(repr(name) for name in unknown) or repr(status)
        raise FieldError(
            field,
            f"{field} {shown}: use {ANY_STATUS} or a comma list of {', '.join(models.STATUSES)}",
        )
    return tuple(dict.fromkeys(names))


def resolve_documents(
    store: Store, names: Sequence[str] | None, field: str = "docs"
) -> frozenset[int] | None:
    """The ids of the documents named (None: every document); every unknown name is a
    :class:`FieldNotFoundError` that lists them."""
    if names is None:
        return None
    wanted = [name.strip() for name in names if name.strip()]
    if not wanted:
        raise FieldError(field, f"{field}: the list of documents is empty")
    found = document_ids(store.db, wanted)
    missing = [name for name in wanted if name not in found]
    if missing:
        raise FieldNotFoundError(
            field,
            f"{field}: unknown document{'s' * (len(missing) > 1)} "
            f"{', '.join(repr(name) for name in missing[:5])}"
            f"{' and more' if len(missing) > 5 else ''}; `workbench docs` lists them",
        )
    return frozenset(found.values())


def unknown_annotators(store: Store, field: str, missing: Sequence[str]) -> FieldError:
    """The error for annotator names that do not exist, with the names that do."""
    known = ", ".join(info.name for info in store.annotators()) or "none yet"
    return FieldNotFoundError(
        field,
        f"{field}: unknown annotator{'s' * (len(missing) > 1)} "
        f"{', '.join(repr(name) for name in missing)}; known annotators: {known}",
    )


def resolve_annotators(
    store: Store,
    annotators: Annotators,
    field: str = "annotators",
    unknown: Callable[[Sequence[str]], FieldError] | None = None,
) -> dict[str, int]:
    """Name -> id of the annotators asked for, by name.

    Names that do not exist raise ``unknown(names)`` (by default
    :func:`unknown_annotators`).
    """
    if isinstance(annotators, Everyone):
        gold = annotators is Everyone.WITH_GOLD
        found = {
            info.name: info.id for info in store.annotators() if gold or info.name != models.GOLD
        }
    else:
        wanted = [name.strip() for name in annotators if name.strip()]
        if not wanted:
            raise FieldError(field, f"{field}: the list of annotators is empty")
        found = annotator_ids(store.db, wanted)
        missing = [name for name in wanted if name not in found]
        if missing:
            raise (unknown or (lambda names: unknown_annotators(store, field, names)))(missing)
    return dict(sorted(found.items()))


def resolve(
    store: Store,
    *,
    annotators: Annotators = Everyone.BUT_GOLD,
    status: str = "done",
    docs: Sequence[str] | None = None,
    field: str = "annotators",
    unknown: Callable[[Sequence[str]], FieldError] | None = None,
    nobody: str | None = None,
) -> Selection:
    """Check the requested annotators, statuses and documents against the database, in that
    order: statuses, annotators, documents.

    ``field`` names the annotators in errors; ``unknown`` makes the error for names that do
    not exist (see :func:`resolve_annotators`); ``nobody``, if given, is the message (it
    begins with ``field``) for a selection of no annotator at all.
    """
    statuses = parse_statuses(status)
    found = resolve_annotators(store, annotators, field, unknown)
    if nobody is not None and not found:
        raise FieldNotFoundError(field, nobody)
    return Selection(
        annotators=found,
        statuses=statuses,
        document_ids=resolve_documents(store, docs),
        explicit_annotators=not isinstance(annotators, Everyone),
        everyone=annotators is Everyone.WITH_GOLD,
    )
