"""The annotations an agreement report compares, loaded in bulk and laid out as numpy arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from workbench.selection import Everyone, Selection
from workbench.selection import resolve as select
from workbench.store.bulk import BulkAnnotations, load_annotations

if TYPE_CHECKING:
    from workbench.scheme import Scheme
    from workbench.store import Store

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SpanArrays:
    """The counted spans as parallel arrays, one position per span, sorted by label, document,
    start and end (the tallies rely on that order)."""

    document: Ints
    coder: Ints
    start: Ints
    end: Ints
    token_start: Ints
    token_end: Ints
    label: Ints
    """Index into ``Corpus.labels``."""
    stance: Floats
    """Index into ``Corpus.stances`` as a float; NaN for no stance."""
    topic_set: Ints
    """Index into ``Corpus.topic_sets``."""
    exact_key: Ints
    """Spans with the same document, start, end and label share a key (0, 1, 2, ...)."""

    def __len__(self) -> int:
        return int(self.document.shape[0])


@dataclass(frozen=True)
class Corpus:
    """Coders x documents arrays of the counted annotations, and their spans.

    Coders are the selected annotators sorted by name; documents are those with at least one
    counted annotation, sorted by name. An annotation counts if its annotator is selected and
    its status is one of the chosen ones.
    """

    coders: tuple[str, ...]
    documents: tuple[str, ...]
    lengths: Ints
    """Each document's length in characters."""
    counted: Bools
    """coders x documents: whether that coder's annotation of that document counts."""
    stance: Floats
    """coders x documents: index into ``stances``; NaN if not counted or no stance."""
    topic_set: Ints
    """coders x documents: index into ``topic_sets``; -1 if not counted."""
    stances: tuple[str, ...]
    topics: tuple[str, ...]
    labels: tuple[str, ...]
    topic_sets: tuple[frozenset[str], ...]
    spans: SpanArrays


def resolve(
    store: Store,
    annotators: Sequence[str] | None,
    status: str,
    docs: Sequence[str] | None,
) -> Selection:
    """Check the requested annotators, statuses and documents against the database (see
    :func:`workbench.selection.resolve`).

    With no ``annotators``, every annotator but the reserved ``gold`` is selected; naming
    ``gold`` explicitly includes it. Unknown names raise
    :class:`~workbench.errors.FieldNotFoundError`.
    """
    return select(
        store,
        annotators=Everyone.BUT_GOLD if annotators is None else annotators,
        status=status,
        docs=docs,
    )


def collect(store: Store, selection: Selection) -> Corpus:
    """Load the selected annotations in bulk and lay them out as a :class:`Corpus`."""
    bulk = load_annotations(
        store.db, selection.annotators.values(), selection.statuses, selection.document_ids
    )
    return build_corpus(bulk, selection, store.scheme)


def _codes(values: Sequence[str | None], names: list[str]) -> Floats:
    """Category indices (extending ``names`` with any unseen value, sorted); NaN for None."""
    names.extend(sorted({value for value in values if value is not None} - set(names)))
    index: dict[str | None, float] = {name: float(i) for i, name in enumerate(names)}
    index[None] = np.nan
    return np.fromiter(map(index.__getitem__, values), dtype=np.float64, count=len(values))


def build_corpus(bulk: BulkAnnotations, selection: Selection, scheme: Scheme) -> Corpus:
    """Arrays from the bulk columns: coders and documents by name, labels in scheme order
    (followed by any label the data uses that the scheme lacks)."""
    annotators = selection.annotators
    rows = bulk.annotations
    annotation_ids = np.asarray(rows.id, dtype=np.int64)
    row_document = np.asarray(rows.document_id, dtype=np.int64)
    row_annotator = np.asarray(rows.annotator_id, dtype=np.int64)
    keep = np.ones(annotation_ids.shape[0], dtype=np.bool_)
    if selection.document_ids is not None:
        keep &= np.isin(row_document, np.fromiter(selection.document_ids, dtype=np.int64))
    coder_names = list(annotators)
    if not selection.explicit_annotators:
        # By default only annotators with something counted are compared: one who never
        # finished a document would leave every all-annotator figure undefined.
        active = set(row_annotator[keep].tolist())
        coder_names = [name for name in coder_names if annotators[name] in active]
    coder_of_annotator = {annotators[name]: i for i, name in enumerate(coder_names)}

    documents = bulk.documents
    by_name = sorted(
        (name, document_id, length)
        for document_id, name, length in zip(
            documents.id, documents.name, documents.n_chars, strict=True
        )
        if selection.document_ids is None or document_id in selection.document_ids
    )
    document_index = {document_id: i for i, (_, document_id, _) in enumerate(by_name)}
    row_coder = np.array([coder_of_annotator.get(a, -1) for a in rows.annotator_id], np.int64)
    keep &= row_coder >= 0
    row_doc = np.array([document_index.get(d, -1) for d in rows.document_id], dtype=np.int64)
    keep &= row_doc >= 0

    stances = list(scheme.names("stance"))
    topics = list(scheme.names("topics"))
    labels = list(scheme.names("claim_type"))
    # Stored topic lists are sorted, so equal sets arrive as equal tuples.
    distinct = list(dict.fromkeys([*rows.topics, *bulk.spans.topics]))
    set_index = {names: i for i, names in enumerate(distinct)}
    topic_sets = [frozenset(names) for names in distinct]
    topics.extend(sorted({name for names in distinct for name in names} - set(topics)))

    def set_ids(column: list[tuple[str, ...]]) -> Ints:
        return np.fromiter(map(set_index.__getitem__, column), dtype=np.int64, count=len(column))

    shape = (len(coder_names), len(by_name))
    counted = np.zeros(shape, dtype=np.bool_)
    stance = np.full(shape, np.nan)
    topic_set = np.full(shape, -1, dtype=np.int64)
    row_stance = _codes(rows.stance, stances)
    row_topics = set_ids(rows.topics)
    coder_k, doc_k = row_coder[keep], row_doc[keep]
    counted[coder_k, doc_k] = True
    stance[coder_k, doc_k] = row_stance[keep]
    topic_set[coder_k, doc_k] = row_topics[keep]

    spans = bulk.spans
    # Annotations come ordered by id, so each span finds its annotation by bisection. A span
    # whose annotation was not read (saved between two of the reads, where the database gives
    # each statement its own snapshot) finds another id and is left out.
    span_owner = np.asarray(spans.annotation_id, dtype=np.int64)
    owner = np.minimum(np.searchsorted(annotation_ids, span_owner), max(len(rows.id) - 1, 0))
    span_keep = (
        keep[owner] & (annotation_ids[owner] == span_owner)
        if owner.size
        else np.zeros(0, dtype=np.bool_)
    )
    label_codes = _codes(spans.label, labels).astype(np.int64)
    span_arrays = _span_arrays(
        document=row_doc[owner][span_keep],
        coder=row_coder[owner][span_keep],
        start=np.asarray(spans.start, dtype=np.int64)[span_keep],
        end=np.asarray(spans.end, dtype=np.int64)[span_keep],
        token_start=np.asarray(spans.token_start, dtype=np.int64)[span_keep],
        token_end=np.asarray(spans.token_end, dtype=np.int64)[span_keep],
        label=label_codes[span_keep],
        stance=_codes(spans.stance, stances)[span_keep],
        topic_set=set_ids(spans.topics)[span_keep],
    )
    return Corpus(
        coders=tuple(coder_names),
        documents=tuple(name for name, _, _ in by_name),
        lengths=np.array([length for _, _, length in by_name], dtype=np.int64),
        counted=counted,
        stance=stance,
        topic_set=topic_set,
        stances=tuple(stances),
        topics=tuple(topics),
        labels=tuple(labels),
        topic_sets=tuple(topic_sets),
        spans=span_arrays,
    )


def _span_arrays(
    *,
    document: Ints,
    coder: Ints,
    start: Ints,
    end: Ints,
    token_start: Ints,
    token_end: Ints,
    label: Ints,
    stance: Floats,
    topic_set: Ints,
) -> SpanArrays:
    # Sorted by label, document and position once, so every later selection of spans (by a
    # boolean mask, which keeps order) arrives grouped and sorted with no further sort.
    order = np.lexsort((end, start, document, label))
    document, start, end, label = document[order], start[order], end[order], label[order]
    changed = (
        (np.diff(label) != 0)
        | (np.diff(document) != 0)
        | (np.diff(start) != 0)
        | (np.diff(end) != 0)
    )
    return SpanArrays(
        document=document,
        coder=coder[order],
        start=start,
        end=end,
        token_start=token_start[order],
        token_end=token_end[order],
        label=label,
        stance=stance[order],
        topic_set=topic_set[order],
        exact_key=np.concatenate([[0], np.cumsum(changed)])[: order.size].astype(np.int64),
    )
