"""Each annotator against the gold set, on the documents gold has done (issue 15.4).

Gold is the reviewer's adjudicated work, stored under the reserved annotator ``gold``. An
annotator's figures cover the documents where gold's annotation is done and the annotator's
own counts (by the report's statuses); gold is the reference, so span precision is the share
of the annotator's spans gold also has. The figures are the report's own metrics: the
exact- and overlap-rule span tallies, Cohen's kappa and percent agreement on the document
stance, and the MASI distance between topic sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench import models
from workbench.agreement.coefficients import cohen_kappa, masi_distance, percent_agreement
from workbench.agreement.collect import Corpus, build_corpus
from workbench.agreement.score import Score
from workbench.agreement.sections import _put
from workbench.agreement.spans import PrecisionRecallF1
from workbench.agreement.tallies import tally_exact, tally_overlap
from workbench.selection import Selection
from workbench.store.bulk import (
    AnnotationColumns,
    BulkAnnotations,
    annotator_ids,
    load_annotations,
)

if TYPE_CHECKING:
    from workbench.store import Store

GOLD_STATUS = "done"
"""Gold counts on a document once the reviewer has marked it done."""
NONE_SHARED = "gold has done none of the annotator's documents"


def gold_corpus(store: Store, selection: Selection, coders: Sequence[str]) -> Corpus | None:
    """A corpus of ``coders`` (their annotations counted by the selection's statuses) and gold
    (its done annotations), over the selection's documents; None if there is no gold set."""
    gold_id = annotator_ids(store.db, [models.GOLD]).get(models.GOLD)
    if gold_id is None:
        return None
    ids = {name: selection.annotators[name] for name in coders if name != models.GOLD}
    wanted = set(selection.statuses)
    # Only the documents gold has done are read: often a small part of the corpus.
    documents = _gold_done(store, gold_id)
    if selection.document_ids is not None:
        documents &= selection.document_ids
    bulk = load_annotations(store.db, [*ids.values(), gold_id], wanted | {GOLD_STATUS}, documents)
    rows = bulk.annotations
    # Gold counts only where done, the annotators only with the statuses asked for.
    keep = [
        (status == GOLD_STATUS) if annotator == gold_id else (status in wanted)
        for annotator, status in zip(rows.annotator_id, rows.status, strict=True)
    ]
    kept = AnnotationColumns(
        id=list(compress(rows.id, keep)),
        document_id=list(compress(rows.document_id, keep)),
        annotator_id=list(compress(rows.annotator_id, keep)),
        status=list(compress(rows.status, keep)),
        stance=list(compress(rows.stance, keep)),
        topics=list(compress(rows.topics, keep)),
    )
    both = Selection(
        annotators=dict(sorted({**ids, models.GOLD: gold_id}.items())),
        statuses=tuple(sorted(wanted | {GOLD_STATUS})),
        document_ids=frozenset(documents),
        explicit_annotators=True,
    )
    return build_corpus(BulkAnnotations(kept, bulk.spans, bulk.documents), both, store.scheme)


def _gold_done(store: Store, gold_id: int) -> set[int]:
    """The ids of the documents gold has done."""
    from sqlalchemy import select
    from sqlmodel import col

    annotation = models.Annotation
    with store.db.read() as session:
        return set(
            session.connection()
            .execute(
                select(col(annotation.document_id))
                .where(col(annotation.annotator_id) == gold_id)
                .where(col(annotation.status) == GOLD_STATUS)
            )
            .scalars()
        )


def _spans(corpus: Corpus, gold: int, coder: int, reason: str | None) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for rule, tally in (("exact", tally_exact), ("overlap", tally_overlap)):
        tp, fp, fn = (int(count) for count in tally(corpus, gold, coder).per_label.sum(axis=0))
        counts = PrecisionRecallF1(tp, fp, fn)
        for name, score in (
            (f"f1_{rule}", counts.f1),
            (f"precision_{rule}", counts.precision),
            (f"recall_{rule}", counts.recall),
        ):
            if reason is not None:
                score = Score.undefined_because(reason)
            elif not score.is_defined:
                score = Score.undefined_because("neither gold nor the annotator marked a span")
            _put(figures, name, score)
    return figures


def _stance(corpus: Corpus, gold: int, coder: int, reason: str | None) -> dict[str, Any]:
    both = ~np.isnan(corpus.stance[gold]) & ~np.isnan(corpus.stance[coder])
    units = corpus.stance[[gold, coder]][:, both].T.tolist()
    why = reason or (None if both.any() else "no document has a stance from both")
    figures: dict[str, Any] = {"documents": int(both.sum())}
    for name, score in (
        ("accuracy", percent_agreement(units)),
        ("cohen_kappa", cohen_kappa(units)),
    ):
        _put(figures, name, Score.undefined_because(why) if why else score)
    return figures


def _topics(corpus: Corpus, gold: int, shared: np.ndarray[Any, Any], coder: int) -> Score:
    sets = corpus.topic_sets
    similarities = [
        1.0 - masi_distance(sets[corpus.topic_set[gold, d]], sets[corpus.topic_set[coder, d]])
        for d in np.flatnonzero(shared).tolist()
    ]
    if not similarities:
        return Score.undefined_because(NONE_SHARED)
    return Score.of(sum(similarities) / len(similarities))


def against_gold(store: Store, selection: Selection, coders: Sequence[str]) -> dict[str, Any]:
    """Per annotator of ``coders`` (gold itself left out), the figures against gold.

    ``gold_documents`` counts the selected documents gold has done. Each annotator has
    ``documents`` (those gold has done that the annotator's annotation counts on);
    ``spans``: ``f1_exact``, ``f1_overlap`` and their precision and recall (gold the
    reference); ``stance``: ``accuracy`` and ``cohen_kappa`` over the ``documents`` both
    chose a stance for; ``topics``: ``masi``, the mean over the documents of 1 minus the MASI
    distance between the two topic sets. Undefined figures are None with a reason.
    """
    names = [name for name in coders if name != models.GOLD]
    corpus = gold_corpus(store, selection, names)
    gold = corpus.coders.index(models.GOLD) if corpus is not None else -1
    gold_documents = int(corpus.counted[gold].sum()) if corpus is not None else 0
    annotators: dict[str, Any] = {}
    for name in names:
        if corpus is None or not gold_documents:
            nothing = "there is no gold set" if corpus is None else "gold has done no document"
            annotators[name] = _undefined(nothing)
            continue
        coder = corpus.coders.index(name)
        shared = corpus.counted[gold] & corpus.counted[coder]
        reason = None if shared.any() else NONE_SHARED
        topics: dict[str, Any] = {}
        _put(topics, "masi", _topics(corpus, gold, shared, coder))
        annotators[name] = {
            "documents": int(shared.sum()),
            "spans": _spans(corpus, gold, coder, reason),
            "stance": _stance(corpus, gold, coder, reason),
            "topics": topics,
        }
    return {"gold": models.GOLD, "gold_documents": gold_documents, "annotators": annotators}


def _undefined(reason: str) -> dict[str, Any]:
    """An annotator's figures when there is nothing to compare with."""
    nothing = Score.undefined_because(reason)
    spans: dict[str, Any] = {}
    for rule in ("exact", "overlap"):
        for figure in ("f1", "precision", "recall"):
            _put(spans, f"{figure}_{rule}", nothing)
    stance: dict[str, Any] = {"documents": 0}
    _put(stance, "accuracy", nothing)
    _put(stance, "cohen_kappa", nothing)
    topics: dict[str, Any] = {}
    _put(topics, "masi", nothing)
    return {"documents": 0, "spans": spans, "stance": stance, "topics": topics}
