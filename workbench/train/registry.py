"""``models/``: the trained pipelines, each a spaCy pipeline folder with a ``workbench.json``
that says what it was trained and evaluated on."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import orjson

from workbench.errors import FieldError, NotFoundError

if TYPE_CHECKING:
    from workbench.store import Store

MODELS_ENV: Final = "WORKBENCH_MODELS"
DEFAULT_MODELS: Final = Path("models")
META: Final = "workbench.json"
SOURCE_PREFIX: Final = "model:"
"""Suggestions of a model are stored under the source ``model:NAME``."""
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}")


def models_dir(given: Path | None = None) -> Path:
    """Where models live: ``given``, else ``$WORKBENCH_MODELS``, else ``models/``."""
    if given is not None:
        return given
    env = os.environ.get(MODELS_ENV)
    return Path(env) if env else DEFAULT_MODELS


def check_name(name: str) -> str:
    """A model name fit for a folder and a source (``gold-20261203-1500``)."""
    if not NAME.fullmatch(name) or name in (".", ".."):
        raise FieldError(
            "name",
            f"name {name!r}: use 1-100 letters, digits, '_', '-', '.', '+' (no slashes),"
            " starting with a letter or digit",
        )
    return name


@dataclass(frozen=True)
class ModelInfo:
    """A trained pipeline: its folder and what its ``workbench.json`` says."""

    name: str
    path: Path
    meta: dict[str, Any]

    @property
    def source(self) -> str:
        """The suggestion source its predictions are stored under."""
        return SOURCE_PREFIX + self.name

    @property
    def train_documents(self) -> list[str]:
        """The names of the documents it was trained on."""
        return list(self.meta.get("train_documents", []))


def read_model(path: Path) -> ModelInfo:
    """The model in a folder (``models/NAME``), or a :class:`NotFoundError` saying why not."""
    meta_path = path / META
    if not meta_path.is_file():
        raise NotFoundError(
            f"{path}: not a Workbench model (no {META}); train one with `workbench train`"
        )
    try:
        meta = orjson.loads(meta_path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise NotFoundError(f"{meta_path}: not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise NotFoundError(f"{meta_path}: not a JSON object")
    return ModelInfo(name=str(meta.get("name") or path.name), path=path, meta=meta)


def find_model(name_or_path: str, models: Path | None = None) -> ModelInfo:
    """A model by folder (``models/NAME``) or by name in the models folder."""
    given = Path(name_or_path)
    if given.is_dir():
        return read_model(given)
    inside = models_dir(models) / name_or_path
    if inside.is_dir():
        return read_model(inside)
    known = ", ".join(model.name for model in list_models(models)) or "none yet"
    raise NotFoundError(f"model {name_or_path!r}: no such model folder (models: {known})")


def model_for_source(source: str, models: Path | None = None) -> ModelInfo | None:
    """The model whose suggestions are stored as ``source`` (``model:NAME``), if its folder is
    still in the models folder."""
    if not source.startswith(SOURCE_PREFIX):
        return None
    folder = models_dir(models) / source.removeprefix(SOURCE_PREFIX)
    try:
        return read_model(folder)
    except NotFoundError:
        return None


def list_models(models: Path | None = None) -> list[ModelInfo]:
    """Every model in the models folder, oldest first (by when it was trained)."""
    folder = models_dir(models)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() and (path / META).is_file() and not path.name.startswith("."):
            try:
                found.append(read_model(path))
            except NotFoundError:
                continue
    return sorted(found, key=lambda model: (str(model.meta.get("trained_at", "")), model.name))


def models_data(models: Path | None = None) -> list[dict[str, Any]]:
    """``workbench models --json``: each model's name, folder and ``workbench.json``."""
    return [{"name": m.name, "path": str(m.path), **m.meta} for m in list_models(models)]


def trained_on_by_source(store: Store, models: Path | None = None) -> dict[str, set[int] | None]:
    """Per ``model:NAME`` source with suggestions stored, the ids of the documents its model
    was trained on (None when its folder is gone), for an evaluation that leaves them out."""
    from sqlalchemy import select
    from sqlmodel import col

    from workbench import models as tables

    suggestion, document = tables.Suggestion, tables.Document
    query = (
        select(col(suggestion.source))
        .where(col(suggestion.source).startswith(SOURCE_PREFIX, autoescape=True))
        .distinct()
    )
    with store.db.read() as session:
        sources = [str(source) for (source,) in session.connection().execute(query)]
    found: dict[str, set[int] | None] = {}
    for source in sources:
        model = model_for_source(source, models)
        if model is None:
            found[source] = None
            continue
        names = model.train_documents
        ids: set[int] = set()
        for start in range(0, len(names), 500):  # bound the IN list
            chunk = names[start : start + 500]
            with store.db.read() as session:
                rows = session.connection().execute(
                    select(col(document.id)).where(col(document.name).in_(chunk))
                )
                ids.update(i for (i,) in rows if i is not None)
        found[source] = ids
    return found
