"""The store: the one API through which the TUI, the CLI and exports read and change data."""

from __future__ import annotations

import os
from pathlib import Path

from workbench.scheme import Scheme, default_scheme, load_scheme
from workbench.store.documents import DocumentStore, text_hash
from workbench.store.engine import DEFAULT_URL, ENV_DB, Database, describe, initialise, resolve_url
from workbench.store.flags import FlagInfo, FlagStore
from workbench.store.records import (
    AnnotationInfo,
    AnnotatorInfo,
    AnnotatorStats,
    DocumentData,
    DocumentRow,
    ImportSummary,
    NewAnnotation,
    NewDocument,
    NewSpan,
    SpanInfo,
    UndoResult,
)
from workbench.store.relabel import LabelChangeInfo, RelabelStore
from workbench.store.routing import RoutingStore
from workbench.store.schemes import sync_scheme
from workbench.store.suggestions import OCCURRENCES, NewSuggestion, SuggestionInfo, SuggestionStore

ENV_SCHEME = "WORKBENCH_SCHEME"
DEFAULT_SCHEME_PATH = Path("labels/scheme.toml")

__all__ = [
    "DEFAULT_URL",
    "ENV_DB",
    "OCCURRENCES",
    "AnnotationInfo",
    "AnnotatorInfo",
    "AnnotatorStats",
    "Database",
    "DocumentData",
    "DocumentRow",
    "FlagInfo",
    "ImportSummary",
    "LabelChangeInfo",
    "NewAnnotation",
    "NewDocument",
    "NewSpan",
    "NewSuggestion",
    "SpanInfo",
    "Store",
    "SuggestionInfo",
    "UndoResult",
    "describe",
    "open_store",
    "resolve_url",
    "text_hash",
]


class Store(DocumentStore, SuggestionStore, FlagStore, RelabelStore, RoutingStore):
    """Documents, annotators, annotations and spans in one database, under one scheme."""

    def keep_scheme(self) -> None:
        """Store the scheme in force if the database does not hold it yet (it is stored with
        the first change; a command that succeeds without changing anything calls this, so
        the database still remembers the scheme it was last used with)."""
        if self.db.first_write is not None and not self.db.read_only:
            with self.db.write():
                pass

    def close(self) -> None:
        """Release the database connections."""
        self.db.dispose()


def scheme_file(path: Path | None) -> Path | None:
    """The scheme file in force: ``path``, else ``$WORKBENCH_SCHEME``, else ``labels/scheme.toml``
    if it exists here; None means the database's stored scheme (or the built-in default)."""
    if path is not None:
        return path
    if env := os.environ.get(ENV_SCHEME):
        return Path(env)
    return DEFAULT_SCHEME_PATH if DEFAULT_SCHEME_PATH.is_file() else None


def open_store(db: str | None = None, scheme: Path | None = None) -> Store:
    """Open (creating if needed) the database at ``db`` and bring its scheme up to date.

    The scheme file (see :func:`scheme_file`) is the source of truth and the database keeps a
    copy; a file that drops a label still in use is refused.
    """
    path = scheme_file(scheme)
    loaded: Scheme | None = load_scheme(path) if path is not None else None
    database = Database(resolve_url(db))
    try:
        initialise(database)
        in_force = sync_scheme(database, loaded, default_scheme())
    except BaseException:
        database.dispose()
        raise
    return Store(database, in_force)
