"""``workbench train``: the chosen labels exported as ``export spacy`` writes them, then spaCy's
own training (``spacy.training.loop.train``) on that config and split, in process; the best
pipeline is kept under ``models/NAME`` with a ``workbench.json``."""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Protocol

import orjson

from workbench.errors import FieldError, WorkbenchError
from workbench.export.docbin import export_spacy
from workbench.export.spacy_config import NER, SPANCAT, STANCE_COMPONENT, TOPICS_COMPONENT
from workbench.store import Store
from workbench.train.registry import META, check_name, models_dir

LOGGER: Final = "workbench.TrainProgress.v1"
"""The training logger spaCy calls after every step (registered when training starts)."""
BEST: Final = "model-best"
LAST: Final = "model-last"


@dataclass(frozen=True)
class Checkpoint:
    """One evaluation on the dev documents during training."""

    step: int
    epoch: int
    losses: dict[str, float]
    score: float
    """spaCy's weighted score (the config's ``score_weights``): what "best" means."""
    scores: dict[str, Any]
    """Every score spaCy's evaluation gave (``spans_claim_type_f``, ``cats_score``...)."""
    best: bool


class TrainProgress(Protocol):
    """What a training run reports as it goes (a live display, plain lines, nothing)."""

    def started(self, components: list[str], max_steps: int, eval_frequency: int) -> None:
        """Training begins: the components trained, the step limit (0: none), how often the
        dev documents are scored."""

    def stepped(self, step: int) -> None:
        """An optimisation step is done (the first is 0)."""

    def evaluated(self, checkpoint: Checkpoint) -> None:
        """The dev documents were scored."""

    def finished(self) -> None:
        """Training has stopped (finished, out of patience, or interrupted)."""


@dataclass
class TrainResult:
    """What a training run saved."""

    name: str
    path: Path
    meta: dict[str, Any]
    interrupted: bool = False
    warnings: list[str] = field(default_factory=list)


class _Watcher:
    """spaCy's logger for one run: counts steps, keeps the best checkpoint, tells the
    progress display."""

    def __init__(self, progress: TrainProgress | None) -> None:
        self.progress = progress
        self.steps = 0
        self.best: Checkpoint | None = None
        self.last: Checkpoint | None = None

    def log_step(self, info: dict[str, Any] | None) -> None:
        self.steps += 1
        if info is None:
            if self.progress is not None:
                self.progress.stepped(self.steps - 1)
            return
        score = float(info["score"] or 0.0)
        checkpoint = Checkpoint(
            step=int(info["step"]),
            epoch=int(info["epoch"]),
            losses={k: float(v) for k, v in info["losses"].items()},
            score=score,
            scores=_plain(info["other_scores"] or {}),
            # As spaCy decides which checkpoint to copy to model-best: a tie goes to the later.
            best=self.best is None or score >= self.best.score,
        )
        self.last = checkpoint
        if checkpoint.best:
            self.best = checkpoint
        if self.progress is not None:
            self.progress.stepped(checkpoint.step)
            self.progress.evaluated(checkpoint)

    def finalize(self) -> None:
        if self.progress is not None:
            self.progress.finished()


_WATCHERS: list[_Watcher] = []
"""The run in progress (spaCy builds its logger from the config, so it is found here)."""


def _register_logger() -> None:
    from spacy.util import registry

    @registry.loggers(LOGGER)  # type: ignore[untyped-decorator]
    def make_logger() -> Callable[..., Any]:
        def setup(nlp: Any, stdout: Any, stderr: Any) -> tuple[Callable[..., Any], Any]:
            watcher = _WATCHERS[-1]
            return watcher.log_step, watcher.finalize

        return setup


def _plain(scores: dict[str, Any]) -> dict[str, Any]:
    """Scores as JSON: numbers as floats, per-label tables kept, anything else dropped."""
    kept: dict[str, Any] = {}
    for key, value in scores.items():
        if isinstance(value, dict):
            kept[key] = _plain(value)
        elif isinstance(value, int | float):
            kept[key] = float(value)
    return kept


def default_name(source: str) -> str:
    """The source and the time, e.g. ``gold-20261203-154501``."""
    safe = re.sub(r"[^A-Za-z0-9_.+-]", "_", source.strip()) or "model"
    return f"{safe}-{datetime.now(UTC):%Y%m%d-%H%M%S}"


@dataclass(frozen=True)
class CorpusDocuments:
    """The documents of a split and which of them carry any label."""

    names: list[str]
    labelled: set[str]


def corpus_documents(path: Path) -> CorpusDocuments:
    """The document names of a ``.spacy`` file (in file order, each once) and the ones with a
    claim span, a stance or a topic, read from the DocBin's parts without building Docs."""
    import srsly  # type: ignore[import-untyped]
    from spacy.tokens import DocBin

    docbin = DocBin(store_user_data=True).from_disk(path)
    names: dict[str, None] = {}
    labelled: set[str] = set()
    for index, user in enumerate(docbin.user_data):
        name = str(srsly.msgpack_loads(user).get("document", f"#{index}"))
        names[name] = None
        cats = docbin.cats[index]
        groups = srsly.msgpack_loads(docbin.span_groups[index]) if docbin.span_groups else []
        has_spans = any(srsly.msgpack_loads(group).get("spans") for group in groups)
        if has_spans or any(value > 0.5 for value in cats.values()):
            labelled.add(name)
    return CorpusDocuments(list(names), labelled)


def check_enough(summary: dict[str, Any], train: CorpusDocuments, dev: CorpusDocuments) -> None:
    """Refuse, in one line, data too small to train on: fewer than two labelled documents, no
    dev documents, or a label of a trained component with no example in the train split."""
    labelled = len(train.labelled | dev.labelled)
    if labelled < 2:
        raise WorkbenchError(
            f"too little data to train: {labelled} document{'s' * (labelled != 1)} with labels"
            f" from source {summary['source']} (at least 2 are needed; label and finish more)"
        )
    if not dev.names:
        raise FieldError("dev", "dev: no dev documents to score the model on; use --dev above 0")
    if not train.labelled:
        raise FieldError("dev", "dev: no labelled document is left to train on; lower --dev")
    counts = summary["splits"]["train"]
    components = summary["components"]
    wanted = [
        ("claim types", "claim_type", components and components[0] in (SPANCAT, NER)),
        ("stances", "stance", STANCE_COMPONENT in components),
        ("topics", "topics", TOPICS_COMPONENT in components),
    ]
    missing = [
        f"{what} {', '.join(name for name, n in counts[kind].items() if not n)}"
        for what, kind, trained in wanted
        if trained and not all(counts[kind].values())
    ]
    if missing:
        raise WorkbenchError(
            "too little data to train: no example in the train split of "
            + "; ".join(missing)
            + " (label some, or take them out of the scheme)"
        )


def train_model(
    store: Store,
    *,
    source: str = "gold",
    pipeline: str = SPANCAT,
    name: str | None = None,
    max_steps: int | None = None,
    dev: float = 0.2,
    seed: int = 0,
    gpu_id: int = -1,
    status: str = "done",
    models: Path | None = None,
    progress: TrainProgress | None = None,
) -> TrainResult:
    """Export ``source`` as ``export spacy`` does (same split, same config) to a temporary
    folder, train it with spaCy's own training loop, and keep the best pipeline (by the dev
    score) as ``models/NAME`` with a ``workbench.json`` beside spaCy's files.

    Ctrl+C (``KeyboardInterrupt``) during training stops it; the best pipeline so far is
    kept and the result says it was interrupted."""
    name = check_name(name if name is not None else default_name(source))
    if max_steps is not None and max_steps < 1:
        raise FieldError("max_steps", f"max_steps {max_steps}: use a whole number from 1")
    target = models_dir(models) / name
    if target.exists():
        raise FieldError("name", f"name {name}: {target} exists already; choose another name")
    with tempfile.TemporaryDirectory(prefix="workbench-train-") as folder:
        work = Path(folder)
        corpus = work / "corpus"
        exported = export_spacy(
            store, out=corpus, source=source, status=status, dev=dev, seed=seed,
            pipeline=pipeline,
        )  # fmt: skip
        summary = exported.summary
        train_docs = corpus_documents(corpus / "train.spacy")
        dev_docs = corpus_documents(corpus / "dev.spacy")
        check_enough(summary, train_docs, dev_docs)
        watcher = _Watcher(progress)
        interrupted = _train(corpus, work / "output", watcher, max_steps=max_steps, gpu_id=gpu_id)
        if watcher.best is None:
            raise WorkbenchError("training stopped before the first evaluation: nothing to keep")
        chosen = work / "output" / BEST
        if not (chosen / "meta.json").is_file():  # interrupted while model-best was copied
            chosen = work / "output" / LAST
        meta = {
            "name": name,
            "source": source,
            "pipeline": pipeline,
            "components": summary["components"],
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": store.db.name,
            "scheme": summary["labels"],
            "statuses": summary["statuses"],
            "dev_fraction": dev,
            "seed": seed,
            "max_steps": max_steps,
            "steps": watcher.steps,
            "interrupted": interrupted,
            "best_step": watcher.best.step,
            "score": watcher.best.score,
            "scores": watcher.best.scores,
            "train_documents": train_docs.names,
            "dev_documents": dev_docs.names,
            "counts": summary["splits"],
        }
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.parent / f".{name}.partial"
        if staged.exists():
            shutil.rmtree(staged)
        shutil.copytree(chosen, staged)
        _restore_config(staged / "config.cfg", corpus / "config.cfg")
        (staged / META).write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2) + b"\n")
        staged.rename(target)
    return TrainResult(name, target, meta, interrupted, exported.warnings)


def _train(
    corpus: Path, output: Path, watcher: _Watcher, *, max_steps: int | None, gpu_id: int
) -> bool:
    """spaCy's training on the exported corpus, into ``output``; whether Ctrl+C stopped it."""
    from spacy import util
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train

    if gpu_id >= 0:
        from thinc.api import require_gpu

        try:
            require_gpu(gpu_id)
        except ValueError as exc:
            raise FieldError("gpu_id", f"gpu_id {gpu_id}: {exc}") from None
    overrides: dict[str, Any] = {
        "paths.train": str(corpus / "train.spacy"),
        "paths.dev": str(corpus / "dev.spacy"),
    }
    config = util.load_config(corpus / "config.cfg", interpolate=False)
    if max_steps is not None:
        overrides["training.max_steps"] = max_steps
        # A short run is still scored at its end, not only at step 0.
        frequency = int(config["training"]["eval_frequency"])
        overrides["training.eval_frequency"] = min(frequency, max_steps)
    config = util.load_config(corpus / "config.cfg", overrides=overrides, interpolate=False)
    config["training"]["logger"] = {"@loggers": LOGGER}
    _register_logger()
    nlp = init_nlp(config, use_gpu=gpu_id)
    training = nlp.config["training"]
    if watcher.progress is not None:
        watcher.progress.started(
            list(nlp.pipe_names), int(training["max_steps"]), int(training["eval_frequency"])
        )
    _WATCHERS.append(watcher)
    output.mkdir(parents=True, exist_ok=True)
    quiet = io.StringIO()  # spaCy's own lines; the progress display says what matters
    try:
        train(nlp, output, use_gpu=gpu_id, stdout=quiet, stderr=quiet)
    except KeyboardInterrupt:
        # spaCy saved model-best at each best evaluation, and model-last on the way out.
        return True
    finally:
        _WATCHERS.remove(watcher)
    return False


def _restore_config(saved: Path, exported: Path) -> None:
    """The kept pipeline's config as the export wrote it for training: spaCy's console
    logger (ours is registered only while Workbench trains) and no temporary corpus paths."""
    from thinc.api import Config

    config = Config().from_disk(saved, interpolate=False)
    original = Config().from_disk(exported, interpolate=False)
    config["training"]["logger"] = original["training"]["logger"]
    config["paths"]["train"] = None
    config["paths"]["dev"] = None
    config.to_disk(saved)
