"""``workbench train`` and ``workbench models`` in the core: spaCy's training on the export's
split and config, the refusals of too little data, the kept pipeline and its workbench.json."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from helpers import TRAIN_SCHEME

from workbench.errors import FieldError, WorkbenchError
from workbench.export.docbin import export_spacy
from workbench.store import NewAnnotation, NewDocument, NewSpan, Store, open_store
from workbench.train.registry import find_model, list_models, models_data
from workbench.train.run import Checkpoint, corpus_documents, train_model

SCHEME = TRAIN_SCHEME


def span(text: str, phrase: str, label: str) -> NewSpan:
    start = text.index(phrase)
    return NewSpan(start, start + len(phrase), label, None, ())


def reports(count: int, *, labels: bool = True, who: str = "gold") -> list[NewDocument]:
    """``count`` short reports, each with a FACT, a STATISTIC, a stance and a topic."""
    documents = []
    for number in range(count):
        text = f"Report {number} says trade rose {number}% as gas flows grew. Critics were loud."
        spans = (span(text, "trade rose", "STATISTIC"), span(text, "gas flows grew", "FACT"))
        annotation = NewAnnotation(
            who,
            stance=("NEUTRAL" if number % 2 else "CRITICAL") if labels else None,
            topics=(("ECONOMY",) if number % 3 else ("ENERGY",)) if labels else (),
            spans=spans if labels else (),
        )
        documents.append(NewDocument(f"r{number:03d}", text, annotations=(annotation,)))
    return documents


@pytest.fixture
def tiny(workdir: Path) -> Iterator[Store]:
    """A SQLite store with a two-of-each scheme (training runs on SQLite alone: the store's
    reads are the export's, tested on both backends there)."""
    (workdir / "scheme.toml").write_text(SCHEME, encoding="utf-8")
    opened = open_store(f"sqlite:///{workdir / 'train.db'}", workdir / "scheme.toml")
    yield opened
    opened.close()


class Recorder:
    """A progress display that remembers what it was told."""

    def __init__(self) -> None:
        self.components: list[str] = []
        self.steps: list[int] = []
        self.checkpoints: list[Checkpoint] = []
        self.done = False

    def started(self, components: list[str], max_steps: int, eval_frequency: int) -> None:
        self.components = components

    def stepped(self, step: int) -> None:
        self.steps.append(step)

    def evaluated(self, checkpoint: Checkpoint) -> None:
        self.checkpoints.append(checkpoint)

    def finished(self) -> None:
        self.done = True


@pytest.mark.slow
def test_train_keeps_the_best_pipeline_on_the_exports_split(tiny: Store, workdir: Path) -> None:
    import spacy

    tiny.add_documents(reports(10))
    progress = Recorder()
    result = train_model(
        tiny, name="first", max_steps=6, seed=3, models=workdir / "models", progress=progress
    )
    assert result.path == workdir / "models" / "first"
    assert not result.interrupted
    assert progress.components == ["spancat", "stance", "topics"] and progress.done
    assert progress.steps == list(range(7))  # steps 0..6, as spaCy counts them
    assert [c.step for c in progress.checkpoints] == [0, 6]  # scored at the end too
    meta = orjson.loads((result.path / "workbench.json").read_bytes())
    # The split is export spacy's for the same seed and dev share.
    exported = export_spacy(tiny, out=workdir / "export", source="gold", seed=3)
    assert meta["train_documents"] == corpus_documents(workdir / "export/train.spacy").names
    assert meta["dev_documents"] == corpus_documents(workdir / "export/dev.spacy").names
    assert len(meta["dev_documents"]) == 2 and len(meta["train_documents"]) == 8
    assert meta["source"] == "gold" and meta["pipeline"] == "spancat" and meta["seed"] == 3
    assert meta["scheme"] == exported.summary["labels"]
    best = max(progress.checkpoints, key=lambda c: (c.score, c.step))
    assert meta["score"] == best.score and meta["best_step"] == best.step
    assert meta["scores"]["spans_claim_type_f"] == best.scores["spans_claim_type_f"]
    # The kept folder is a pipeline spaCy loads, with the export's logger back in its config.
    nlp = spacy.load(result.path)
    assert nlp.pipe_names == ["spancat", "stance", "topics"]
    config = (result.path / "config.cfg").read_text(encoding="utf-8")
    assert "workbench.TrainProgress" not in config and "spacy.ConsoleLogger" in config
    assert [m.name for m in list_models(workdir / "models")] == ["first"]
    assert models_data(workdir / "models")[0]["dev_documents"] == meta["dev_documents"]
    assert find_model("first", workdir / "models").path == result.path
    with pytest.raises(FieldError, match="exists already"):
        train_model(tiny, name="first", max_steps=1, models=workdir / "models")


def test_one_labelled_document_is_too_little(tiny: Store, workdir: Path) -> None:
    tiny.add_documents([*reports(1), *reports(4, labels=False)[1:]])
    with pytest.raises(WorkbenchError, match="too little data to train: 1 document with labels"):
        train_model(tiny, max_steps=1, models=workdir / "models")
    assert not (workdir / "models").exists()


def test_a_label_without_examples_is_named(tiny: Store, workdir: Path) -> None:
    documents = reports(6)
    documents = [  # nobody says ENERGY
        NewDocument(
            d.name,
            d.text,
            annotations=(
                NewAnnotation(
                    "gold",
                    stance=d.annotations[0].stance,
                    topics=("ECONOMY",),
                    spans=d.annotations[0].spans,
                ),
            ),
        )
        for d in documents
    ]
    tiny.add_documents(documents)
    with pytest.raises(WorkbenchError, match="no example in the train split of topics ENERGY"):
        train_model(tiny, max_steps=1, models=workdir / "models")


def test_no_dev_documents_is_refused(tiny: Store, workdir: Path) -> None:
    tiny.add_documents(reports(4))
    with pytest.raises(FieldError, match="no dev documents"):
        train_model(tiny, dev=0.0, max_steps=1, models=workdir / "models")


def test_bad_names_and_steps_are_refused(tiny: Store, workdir: Path) -> None:
    tiny.add_documents(reports(4))
    for name in ("../up", "a/b", "", ".hidden"):
        with pytest.raises(FieldError, match="name"):
            train_model(tiny, name=name, models=workdir / "models")
    with pytest.raises(FieldError, match="max_steps"):
        train_model(tiny, max_steps=0, models=workdir / "models")
