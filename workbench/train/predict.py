"""``workbench suggest model``: a trained pipeline run over the stored Docs (built from the
stored tokens, so every offset is the annotators'), its spans and document categories stored
as suggestions of the source ``model:NAME``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from workbench.errors import FieldError, WorkbenchError
from workbench.export.spacy_config import NER, SPANCAT, STANCE_COMPONENT, TOPICS_COMPONENT
from workbench.nlp import Tokenization
from workbench.selection import resolve_documents
from workbench.store import NewSuggestion, Store
from workbench.store.suggestions import SuggestSummary
from workbench.suggest import _documents
from workbench.train.registry import ModelInfo, find_model

MIN_SCORE: Final = 0.3
"""Predictions scoring below this are not stored. Below spancat's own threshold (0.5) on
purpose: the doubtful ones are the ones an annotator should see, and ``annotate``'s ``A``
accepts only those at its own ``--min-score`` (0.5) at once."""
MAX_PER_DOC: Final = 200
"""The most span predictions stored per document (its highest scoring): a barely trained
span categorizer scores nearly every candidate span about 0.5, and two hundred thousand
suggestions on five articles help nobody."""
BATCH: Final = 256
"""Docs per ``nlp.pipe`` batch."""
CATEGORIES: Final = ((STANCE_COMPONENT, "stance"), (TOPICS_COMPONENT, "topic"))
"""The document classifiers of an exported config and the suggestion kind each gives."""


def load_pipeline(model: ModelInfo, min_score: float) -> Any:
    """The model's spaCy pipeline, its span categorizer set to keep spans from ``min_score``."""
    import spacy

    try:
        nlp = spacy.load(model.path)
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WorkbenchError(f"{model.path}: spaCy cannot load the pipeline: {first}") from None
    if SPANCAT in nlp.pipe_names:
        spancat: Any = nlp.get_pipe(SPANCAT)
        spancat.cfg["threshold"] = min_score
    return nlp


def check_labels(store: Store, nlp: Any) -> None:
    """Refuse a model whose labels the scheme in force lacks (it was trained on another)."""
    wanted = (
        (SPANCAT, "claim_type"), (NER, "claim_type"),
        (STANCE_COMPONENT, "stance"), (TOPICS_COMPONENT, "topics"),
    )  # fmt: skip
    for component, kind in wanted:
        if component not in nlp.pipe_names:
            continue
        known = set(store.scheme.names(kind))  # type: ignore[arg-type]
        missing = [label for label in nlp.get_pipe(component).labels if label not in known]
        if missing:
            raise WorkbenchError(
                f"model: its {component} labels {', '.join(missing)} are not {kind} labels of"
                " the scheme in force; train it again on this scheme"
            )


@dataclass
class LeftOut:
    """Span predictions not stored because their document had ``max_per_doc`` better ones."""

    max_per_doc: int | None
    spans: int = 0
    documents: int = 0


def predictions(
    store: Store,
    nlp: Any,
    wanted: frozenset[int] | None,
    min_score: float,
    left_out: LeftOut | None = None,
) -> Iterator[NewSuggestion]:
    """The model's suggestions over the documents (all, or ``wanted``): its claim spans (with
    spancat's score; an entity recognizer gives none), at most ``left_out.max_per_doc`` per
    document, the best first (the rest counted in ``left_out``), and each stance and topic
    scoring at least ``min_score``."""
    left_out = left_out or LeftOut(None)
    cap = left_out.max_per_doc
    vocab = nlp.vocab
    key = nlp.get_pipe(SPANCAT).key if SPANCAT in nlp.pipe_names else None
    ents = NER in nlp.pipe_names
    categories = [
        (kind, tuple(nlp.get_pipe(component).labels))
        for component, kind in CATEGORIES
        if component in nlp.pipe_names
    ]

    def inputs() -> Iterator[tuple[Any, tuple[int, Tokenization]]]:
        for document_id, text, tokens in _documents(store, wanted):
            yield tokens.to_doc(vocab, text), (document_id, tokens)

    for doc, (document_id, tokens) in nlp.pipe(inputs(), as_tuples=True, batch_size=BATCH):
        starts, ends = tokens.starts, tokens.ends
        if key is not None and key in doc.spans:
            group = doc.spans[key]
            scores = group.attrs.get("scores")
            found = []
            for index, span in enumerate(group):
                score = float(scores[index]) if scores is not None else None
                if score is not None and score < min_score:
                    continue
                found.append(
                    NewSuggestion(
                        document_id, span.label_, "span", int(starts[span.start]),
                        int(ends[span.end - 1]), score=score, tokens=(span.start, span.end),
                    )
                )  # fmt: skip
            if cap is not None and len(found) > cap:
                left_out.spans += len(found) - cap
                left_out.documents += 1
                found.sort(key=lambda s: (-(s.score or 0.0), s.start, s.end, s.label))
                found = found[:cap]
            yield from found
        if ents:
            for span in doc.ents:
                yield NewSuggestion(
                    document_id, span.label_, "span", int(starts[span.start]),
                    int(ends[span.end - 1]), tokens=(span.start, span.end),
                )  # fmt: skip
        cats = doc.cats
        for kind, labels in categories:
            for label in labels:
                score = float(cats.get(label, 0.0))
                if score >= min_score:
                    yield NewSuggestion(document_id, label, kind, score=score)


def not_done_by(store: Store, annotator: str, wanted: frozenset[int] | None) -> frozenset[int]:
    """The documents (all, or ``wanted``) the annotator has not marked done."""
    person = store.annotator(annotator, create=False)
    rows = store.list_documents(person.id)
    return frozenset(
        row.id for row in rows if row.status != "done" and (wanted is None or row.id in wanted)
    )


def suggest_model(
    store: Store,
    model: str,
    *,
    docs: Sequence[str] | None = None,
    not_done: str | None = None,
    min_score: float = MIN_SCORE,
    max_per_doc: int | None = MAX_PER_DOC,
    models: Path | None = None,
    left_out: LeftOut | None = None,
) -> SuggestSummary:
    """Run a trained model (``models/NAME``, or NAME in the models folder) over the stored
    documents (all, or ``docs``; without those ``not_done`` has finished) and store its
    predictions as the source ``model:NAME``: its pending suggestions there are replaced,
    decided ones stay. At most ``max_per_doc`` span predictions per document are kept (the
    best; None: all); ``left_out`` counts the others."""
    if not 0 <= min_score <= 1:
        raise FieldError("min_score", f"min_score {min_score}: use a score from 0 to 1")
    if max_per_doc is not None and max_per_doc < 1:
        raise FieldError("max_per_doc", f"max_per_doc {max_per_doc}: use 1 or more")
    if left_out is None:
        left_out = LeftOut(max_per_doc)
    left_out.max_per_doc = max_per_doc
    info = find_model(model, models)
    wanted = resolve_documents(store, docs)
    if not_done is not None:
        wanted = not_done_by(store, not_done, wanted)
    nlp = load_pipeline(info, min_score)
    check_labels(store, nlp)
    made = predictions(store, nlp, wanted, min_score, left_out)
    return store.add_suggestions(info.source, made, wanted)
