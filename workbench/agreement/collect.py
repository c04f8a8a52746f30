"""The annotations an agreement report compares, loaded in bulk and laid out as numpy arrays."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from workbench import models
from workbench.agreement.coefficients import NO_PAIRABLE_UNIT
from workbench.agreement.score import Score
from workbench.errors import NotFoundError, WorkbenchError
from workbench.store.bulk import BulkAnnotations, annotator_ids, document_ids, load_annotations

if TYPE_CHECKING:
    from workbench.scheme import Scheme
    from workbench.store import Store

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

ANY_STATUS = "any"


@dataclass(frozen=True)
class Selection:
    """What a report counts: annotators (by name, sorted), statuses, and optionally documents."""

    annotators: dict[str, int]
    statuses: tuple[str, ...]
    document_ids: frozenset[int] | None
    explicit_annotators: bool


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


def parse_statuses(status: str) -> tuple[str, ...]:
    """``done``, ``any`` (every status) or a comma-separated list of statuses, checked."""
    names = [part.strip() for part in status.split(",") if part.strip()]
    if names == [ANY_STATUS]:
        return models.STATUSES
    unknown = [name for name in names if name not in models.STATUSES]
    if not names or unknown:
        shown = ", ".join(repr(name) for name in unknown) or repr(status)
        raise WorkbenchError(
            f"status {shown}: use {ANY_STATUS} or a comma list of {', '.join(models.STATUSES)}"
        )
    return tuple(dict.fromkeys(names))


def resolve(
    store: Store,
    annotators: Sequence[str] | None,
    status: str,
    docs: Sequence[str] | None,
) -> Selection:
    """Check the requested annotators, statuses and documents against the database.

    With no ``annotators``, every annotator but the reserved ``gold`` is selected; naming
    ``gold`` explicitly includes it. Unknown names raise :class:`NotFoundError`.
    """
    statuses = parse_statuses(status)
    if annotators is None:
        found = {info.name: info.id for info in store.annotators() if info.name != models.GOLD}
    else:
        wanted = [name.strip() for name in annotators if name.strip()]
        if not wanted:
            raise WorkbenchError("the list of annotators to compare is empty")
        found = annotator_ids(store.db, wanted)
        missing = [name for name in wanted if name not in found]
        if missing:
            known = ", ".join(info.name for info in store.annotators()) or "none yet"
            raise NotFoundError(
                f"unknown annotator{'s' * (len(missing) > 1)} "
                f"{', '.join(repr(name) for name in missing)}; known annotators: {known}"
            )
    selected: frozenset[int] | None = None
    if docs is not None:
        wanted_docs = [name.strip() for name in docs if name.strip()]
        if not wanted_docs:
            raise WorkbenchError("the list of documents to compare is empty")
        found_docs = document_ids(store.db, wanted_docs)
        missing_docs = [name for name in wanted_docs if name not in found_docs]
        if missing_docs:
            raise NotFoundError(
                f"unknown document{'s' * (len(missing_docs) > 1)} "
                f"{', '.join(repr(name) for name in missing_docs[:5])}"
                f"{' and more' if len(missing_docs) > 5 else ''}; `workbench docs` lists them"
            )
        selected = frozenset(found_docs.values())
    return Selection(
        annotators=dict(sorted(found.items())),
        statuses=statuses,
        document_ids=selected,
        explicit_annotators=annotators is not None,
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
    rows = bulk.annotations
    annotation_ids = np.asarray(rows.id, dtype=np.int64)
    row_document = np.asarray(rows.document_id, dtype=np.int64)
    row_annotator = np.asarray(rows.annotator_id, dtype=np.int64)
    keep = np.ones(annotation_ids.shape[0], dtype=np.bool_)
    if selection.document_ids is not None:
        keep &= np.isin(row_document, np.fromiter(selection.document_ids, dtype=np.int64))
    coder_names = list(selection.annotators)
    if not selection.explicit_annotators:
        # By default only annotators with something counted are compared: one who never
        # finished a document would leave every all-annotator figure undefined.
        active = set(row_annotator[keep].tolist())
        coder_names = [name for name in coder_names if selection.annotators[name] in active]
    coder_of_annotator = {selection.annotators[name]: i for i, name in enumerate(coder_names)}

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


# -- pairwise span tallies ---------------------------------------------------------------------


@dataclass(frozen=True)
class PairTally:
    """Match counts of one annotator pair, A (first by name) as reference and B compared.

    Columns are true positives, false positives (B's unmatched items) and false negatives
    (A's unmatched items); ``per_label`` has one row per label, ``per_document`` one per
    document. Items are spans (exact and overlap rules) or (token, label) pairs (token rule).
    """

    per_label: Ints
    per_document: Ints


def pair_spans(corpus: Corpus, a: int, b: int) -> tuple[Ints, Ints]:
    """Positions of coder ``a``'s and coder ``b``'s spans in the documents both have counted
    (a document only one of them annotated says nothing about their agreement)."""
    spans = corpus.spans
    shared = (corpus.counted[a] & corpus.counted[b])[spans.document]
    return np.flatnonzero(shared & (spans.coder == a)), np.flatnonzero(shared & (spans.coder == b))


def _bincount(index: Ints, size: int, weights: npt.ArrayLike | None = None) -> Ints:
    return np.rint(np.bincount(index, weights=weights, minlength=size)).astype(np.int64)


@dataclass(frozen=True)
class _Items:
    """Counted items as (label, document, weight) arrays: how many items each entry stands for."""

    label: Ints
    document: Ints
    weight: npt.NDArray[np.floating[Any]] | Ints

    @classmethod
    def spans(cls, corpus: Corpus, positions: Ints) -> _Items:
        """One item per span."""
        spans = corpus.spans
        return cls(spans.label[positions], spans.document[positions], np.ones(positions.size))


def _tally(corpus: Corpus, matched: _Items, marked_a: _Items, marked_b: _Items) -> PairTally:
    """TP, FP, FN per label and per document from the matched items and each side's items."""
    rows: list[Ints] = []
    for size, field in ((len(corpus.labels), "label"), (len(corpus.documents), "document")):
        tp, by_a, by_b = (
            _bincount(getattr(items, field), size, items.weight)
            for items in (matched, marked_a, marked_b)
        )
        rows.append(np.stack([tp, by_b - tp, by_a - tp], axis=1))
    return PairTally(rows[0], rows[1])


def tally_exact(corpus: Corpus, a: int, b: int) -> PairTally:
    """Counts under the exact rule (same start, end and label; duplicates one to one), as
    :func:`workbench.agreement.span_agreement_exact` defines them."""
    spans = corpus.spans
    in_a, in_b = pair_spans(corpus, a, b)
    keys = spans.exact_key
    size = int(keys.max()) + 1 if keys.size else 0
    matched = np.minimum(_bincount(keys[in_a], size), _bincount(keys[in_b], size))
    key_label = np.zeros(size, dtype=np.int64)
    key_document = np.zeros(size, dtype=np.int64)
    key_label[keys] = spans.label
    key_document[keys] = spans.document
    return _tally(
        corpus,
        _Items(key_label, key_document, matched),
        _Items.spans(corpus, in_a),
        _Items.spans(corpus, in_b),
    )


def _overlapping(query_start: Ints, query_end: Ints, target_start: Ints, target_end: Ints) -> Ints:
    """For each query interval, how many target intervals share a position with it.

    Keys must place each group (document, or document and label) in its own range, so
    intervals of different groups never overlap. A target overlaps a query iff it starts
    before the query ends and does not end at or before the query starts; the second set is
    a subset of the first, so the count is a difference of two bisections.
    """
    return np.searchsorted(np.sort(target_start), query_end, "left") - np.searchsorted(
        np.sort(target_end), query_start, "right"
    )


def tally_overlap(corpus: Corpus, a: int, b: int) -> PairTally:
    """Counts under the overlap rule (same label, sharing a character, matched one to one by a
    maximum matching), as :func:`workbench.agreement.span_agreement_overlap` defines them.

    Where every span of a document and label overlaps at most one span of the other
    annotator, the overlaps are the matching and are counted with arrays; only the groups
    with a span that overlaps two or more go through the matching itself.
    """
    from workbench.agreement.spans import span_agreement_overlap

    spans = corpus.spans
    in_a, in_b = pair_spans(corpus, a, b)
    documents = len(corpus.documents)
    group = spans.label * documents + spans.document
    width = int(corpus.lengths.max()) + 1 if corpus.lengths.size else 1
    start, end = group * width + spans.start, group * width + spans.end
    degree_a = _overlapping(start[in_a], end[in_a], start[in_b], end[in_b])
    degree_b = _overlapping(start[in_b], end[in_b], start[in_a], end[in_a])
    tangled = np.union1d(group[in_a][degree_a > 1], group[in_b][degree_b > 1])
    simple = ~np.isin(group[in_a], tangled)
    tp_group = [group[in_a][simple]]
    tp_weight = [degree_a[simple].astype(np.float64)]
    if tangled.size:
        # Spans are sorted by label and document, so each group is one run of positions.
        order_a, order_b = in_a, in_b
        bounds_a = np.searchsorted(group[order_a], [tangled, tangled + 1])
        bounds_b = np.searchsorted(group[order_b], [tangled, tangled + 1])
        matched = np.zeros(tangled.size)
        for k in range(tangled.size):
            pieces = [
                [
                    (int(spans.start[i]), int(spans.end[i]), "")
                    for i in order[bounds[0, k] : bounds[1, k]]
                ]
                for order, bounds in ((order_a, bounds_a), (order_b, bounds_b))
            ]
            matched[k] = span_agreement_overlap([(pieces[0], pieces[1])]).micro.true_positives
        tp_group.append(tangled)
        tp_weight.append(matched)
    groups = np.concatenate(tp_group)
    return _tally(
        corpus,
        _Items(groups // documents, groups % documents, np.concatenate(tp_weight)),
        _Items.spans(corpus, in_a),
        _Items.spans(corpus, in_b),
    )


def _union_lengths(group: Ints, start: Ints, end: Ints) -> Ints:
    """Each interval's share of the union of its group's intervals, for intervals sorted by
    group and start: an interval adds what reaches past every earlier interval's end."""
    width = int(end.max()) + 1 if end.size else 1
    reach = np.maximum.accumulate(group * width + end)
    # Relative to its own group; an earlier group's reach comes out negative and is ignored.
    before = np.concatenate([[-1], reach[:-1]]) - group * width
    return np.maximum(0, end - np.maximum(start, before))


def tally_tokens(corpus: Corpus, a: int, b: int) -> PairTally:
    """Counts under the token rule ((token, label) pairs each annotator covers), as
    :func:`workbench.agreement.span_agreement_tokens` defines them with the documents'
    tokens: spans are token-aligned, so a span covers exactly its token range.

    |A and B| = |A| + |B| - |A or B|, each a union of token ranges per document and label.
    """
    spans = corpus.spans
    in_a, in_b = pair_spans(corpus, a, b)
    group = spans.label * len(corpus.documents) + spans.document
    # Both annotators' spans, still in the corpus's order: by label, document and start (token
    # order is character order, as spans are token-aligned).
    in_either = np.zeros(len(spans), dtype=np.bool_)
    in_either[in_a] = in_either[in_b] = True
    sides: list[_Items] = []
    for chosen in (in_a, in_b, np.flatnonzero(in_either)):
        shares = _union_lengths(group[chosen], spans.token_start[chosen], spans.token_end[chosen])
        sides.append(_Items(spans.label[chosen], spans.document[chosen], shares))
    side_a, side_b, either = sides
    # |A and B| = |A| + |B| - |A or B|, bincounted term by term with signed weights.
    both = _Items(
        np.concatenate([side_a.label, side_b.label, either.label]),
        np.concatenate([side_a.document, side_b.document, either.document]),
        np.concatenate([side_a.weight, side_b.weight, -either.weight]),
    )
    return _tally(corpus, both, side_a, side_b)


def overlap_confusion(corpus: Corpus, a: int, b: int) -> Ints:
    """labels x labels: how many pairs of an ``a`` span labelled x and a ``b`` span labelled
    y share a character, over the documents both annotated (every overlapping pair counts)."""
    spans = corpus.spans
    in_a, in_b = pair_spans(corpus, a, b)
    labels = len(corpus.labels)
    width = int(corpus.lengths.max()) + 1 if corpus.lengths.size else 1
    start, end = spans.document * width + spans.start, spans.document * width + spans.end
    confusion = np.zeros((labels, labels), dtype=np.int64)
    for label in range(labels):
        targets = in_b[spans.label[in_b] == label]
        if targets.size:
            hits = _overlapping(start[in_a], end[in_a], start[targets], end[targets])
            confusion[:, label] = _bincount(spans.label[in_a], labels, hits)
    return confusion


# -- unitizing alpha ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Unitizing:
    """alpha_U over the documents every coder annotated: overall, per label, and what it used."""

    overall: Score
    per_label: dict[str, Score]
    documents: int
    ignored_overlapping_spans: int


def unitizing(corpus: Corpus) -> Unitizing:
    """Krippendorff's alpha_U over character positions, per label and overall, on the documents
    every coder has counted, laid end to end in name order.

    The same definition, conventions and results as
    :func:`workbench.agreement.alpha_unitizing` (DKPro's computation; a span is ignored when
    an earlier one of the same coder and label reaches into it), computed with arrays: that
    function walks every span in Python, which takes many seconds on a large corpus.
    """
    coders = len(corpus.coders)
    complete: Bools = np.all(corpus.counted, axis=0) if coders else np.zeros(0, dtype=np.bool_)
    documents = int(complete.sum())
    reason = None
    if coders < 2:
        reason = f"alpha_U compares two or more coders, found {coders}"
    elif documents == 0:
        reason = f"no document was annotated by all {coders} annotators"
    lengths = np.where(complete, corpus.lengths, 0)
    total = int(lengths.sum())
    spans = corpus.spans
    chosen = np.flatnonzero(complete[spans.document]) if reason is None else np.zeros(0, np.int64)
    if reason is None and total == 0:
        reason = "the documents are empty"
    elif reason is None and chosen.size == 0:
        reason = "no coder marked any span"
    if reason is not None:
        return Unitizing(Score.undefined_because(reason), {}, documents, 0)
    offsets = np.cumsum(lengths) - lengths
    start = offsets[spans.document[chosen]] + spans.start[chosen]
    end = offsets[spans.document[chosen]] + spans.end[chosen]
    label, coder = spans.label[chosen], spans.coder[chosen]
    # Per coder and label, in INCEpTION's order (start ascending, longer first): a span is kept
    # only if it starts at or after the furthest end of every earlier one, kept or not.
    order = np.lexsort((-end, start, label, coder))
    start, end, label, coder = start[order], end[order], label[order], coder[order]
    group = coder * len(corpus.labels) + label
    reach = np.maximum.accumulate(group * (total + 1) + end)
    before = np.concatenate([[-1], reach[:-1]]) - group * (total + 1)
    kept = start >= before
    observed: dict[str, float] = {}
    expected: dict[str, float] = {}
    for code in np.unique(label).tolist():
        units = [
            (start[picked], end[picked])
            for picked in (kept & (label == code) & (coder == c) for c in range(coders))
        ]
        pair_sum = sum(
            _unit_distances(*units[i], *units[j])
            for i in range(coders)
            for j in range(i + 1, coders)
        )
        name = corpus.labels[code]
        observed[name] = 2 * pair_sum / (coders * (coders - 1) * total**2)
        expected[name] = _expected_disagreement(units, total)
    per_label = {name: _unitizing_alpha(observed[name], expected[name], name) for name in observed}
    overall = _unitizing_alpha(sum(observed.values()), sum(expected.values()), "all labels")
    return Unitizing(overall, per_label, documents, int((~kept).sum()))


def _unitizing_alpha(observed: float, expected: float, what: str) -> Score:
    if expected == 0:
        return Score.undefined_because(
            f"{what}: expected disagreement is zero (every unit spans the whole text)"
        )
    return Score.of(1.0 - observed / expected)


def _unit_distances(start_a: Ints, end_a: Ints, start_b: Ints, end_b: Ints) -> int:
    """Krippendorff's summed unit distances between two coders' disjoint, sorted units:
    (b1 - b2)^2 + (e1 - e2)^2 for each overlapping pair, the squared length of each unit that
    overlaps none of the other's."""
    first = np.searchsorted(end_b, start_a, "right")
    count = np.maximum(np.searchsorted(start_b, end_a, "left") - first, 0)
    pair_a = np.repeat(np.arange(start_a.size), count)
    pair_b = np.repeat(first - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
    total = int(
        np.sum((start_a[pair_a] - start_b[pair_b]) ** 2 + (end_a[pair_a] - end_b[pair_b]) ** 2)
    )
    lone_b = np.ones(start_b.size, dtype=np.bool_)
    lone_b[pair_b] = False
    total += int(np.sum((end_a - start_a)[count == 0] ** 2))
    total += int(np.sum((end_b - start_b)[lone_b] ** 2))
    return total


def _expected_disagreement(units: list[tuple[Ints, Ints]], total: int) -> float:
    """D_E(c) over every coder's units and gaps, as ``workbench.agreement.unitizing`` has it."""
    lengths = np.concatenate([end - start for start, end in units])
    gap_parts = []
    for start, end in units:
        edges = np.concatenate([[0], end])
        gap_parts.append(np.concatenate([start, [total]]) - edges)
    gaps = np.sort(np.concatenate(gap_parts))
    gaps = gaps[gaps > 0]
    suffix = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0]])
    fitting = np.searchsorted(gaps, lengths, "left")
    placements = suffix[fitting] - (lengths - 1) * (gaps.size - fitting)
    # Floats: l^2 times a placement count can pass int64 on very long corpora.
    size = lengths.astype(np.float64)
    numerator = float(
        np.sum((lengths.size - 1) * size * (size - 1) * (2 * size - 1) / 3 + size**2 * placements)
    )
    pairable = len(units) * total * (len(units) * total - 1) - int(np.sum(lengths * (lengths - 1)))
    return 2 * numerator / (total * pairable)


# -- set-valued alpha --------------------------------------------------------------------------


def alpha_set_distance(
    ids: Ints,
    sets: Sequence[frozenset[str]],
    distance: Callable[[frozenset[str], frozenset[str]], float],
) -> Score:
    """Krippendorff's alpha with a set distance over a coders x units matrix of indices into
    ``sets`` (-1 where a coder left a unit uncoded).

    The same definition and results as :func:`workbench.agreement.alpha_with_distance` (with
    ``masi_distance`` it is ``alpha_masi``), with the per-value bookkeeping done by arrays:
    each coder gives a unit at most one value, so the ordered pairs of values within units are
    the pairs of coders who both coded them.
    """
    present = ids >= 0
    ratings = present.sum(axis=0)
    pairable = ratings >= 2
    ids, present, ratings = ids[:, pairable], present[:, pairable], ratings[pairable]
    values = int(ratings.sum())
    if values == 0:
        return Score.undefined_because(NO_PAIRABLE_UNIT)
    used = np.flatnonzero(np.bincount(ids[present]))
    lookup = np.zeros(int(used[-1]) + 1, dtype=np.int64)
    lookup[used] = np.arange(used.size)
    position = lookup[np.where(present, ids, 0)]
    distances = np.zeros((used.size, used.size))
    for i in range(used.size):
        for j in range(i + 1, used.size):
            distances[i, j] = distances[j, i] = distance(sets[used[i]], sets[used[j]])
    totals = np.bincount(position[present], minlength=used.size).astype(np.float64)
    expected = float(totals @ distances @ totals)
    if expected == 0.0:
        return Score.undefined_because(
            "all values are at distance zero from each other, so expected disagreement is zero"
        )
    observed = 0.0
    for first in range(ids.shape[0]):
        for second in range(first + 1, ids.shape[0]):
            both = present[first] & present[second]
            pair = distances[position[first, both], position[second, both]]
            # Both orders of the pair, each weighted 1 / (m_u - 1) as in D_o.
            observed += 2.0 * float(np.sum(pair / (ratings[both] - 1)))
    return Score.of(1.0 - (values - 1) * observed / expected)
