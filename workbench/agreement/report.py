"""The agreement report: every figure of ``workbench agreement`` as JSON-ready data, and as tables.

The figures and their keys are documented in the README ("Agreement"), where the JSON shape is
declared stable. A document's *disagreement* is 1 minus the mean of its defined field
agreements (see :func:`agreement_report`).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import TYPE_CHECKING, Any

from workbench.agreement.against_gold import against_gold
from workbench.agreement.collect import Corpus, collect, resolve
from workbench.agreement.render import print_agreement
from workbench.agreement.sections import (
    FIELDS,
    ranked_documents,
    spans_section,
    stance_section,
    topics_section,
    uncompared_documents,
)
from workbench.agreement.tallies import tally_exact, tally_overlap, tally_tokens
from workbench.agreement.throughput import throughput

if TYPE_CHECKING:
    from workbench.selection import Selection
    from workbench.store import Store

# print_agreement and FIELDS live elsewhere; the CLI and the TUI take the whole API from here.
__all__ = [
    "FIELDS",
    "agreement_report",
    "annotator_sections",
    "corpus_report",
    "print_agreement",
]


def agreement_report(
    store: Store,
    *,
    annotators: Sequence[str] | None = None,
    status: str = "done",
    docs: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Every agreement figure of the selected annotations, as one JSON-ready dict.

    ``annotators`` defaults to every annotator who has a counted annotation, except the
    reserved ``gold`` (which counts only if named). Only annotations whose status is in ``status``
    count: ``done``, ``any``, or a comma list such as ``done,in_progress``. ``docs`` limits the
    report to those document names. Unknown names raise :class:`~workbench.errors.NotFoundError`.

    Undefined figures are ``None`` with a sibling ``"<key>_undefined"`` giving the reason;
    annotator pairs are named ``"a|b"`` with the names sorted. ``documents`` ranks every
    document at least two annotators annotated, worst first. A document's *disagreement* is
    1 minus the mean of its defined field agreements, each averaged over annotator pairs:
    ``stance``, the share of pairs who chose the same document stance (pairs where both chose
    one); ``topics``, 1 minus the MASI distance between the pair's topic sets; ``spans``, the
    pair's overlap-rule F1 on the document (pairs where either marked a span). Its
    ``worst_field`` is the field with the lowest agreement (ties: stance, topics, spans).
    ``uncompared`` lists the documents only one annotator's counted annotation covers (by
    name, with that ``annotator``): nothing to compare, still to adjudicate.
    ``against_gold`` and ``throughput`` give each annotator's figures against the gold set and
    pace (see :func:`annotator_sections`).
    """
    selection = resolve(store, annotators, status, docs)
    corpus = collect(store, selection)
    return corpus_report(corpus, selection.statuses) | annotator_sections(store, selection, corpus)


def annotator_sections(store: Store, selection: Selection, corpus: Corpus) -> dict[str, Any]:
    """The per-annotator sections read from the store beyond the corpus: ``against_gold``
    (see :func:`~workbench.agreement.against_gold.against_gold`) and ``throughput`` (see
    :func:`~workbench.agreement.throughput.throughput`), for the report's annotators."""
    return {
        "against_gold": against_gold(store, selection, corpus.coders),
        "throughput": throughput(store, selection, corpus.coders),
    }


def corpus_report(corpus: Corpus, statuses: Sequence[str]) -> dict[str, Any]:
    """The report of an already collected :class:`Corpus` (see :func:`agreement_report`)."""
    pairs = list(combinations(range(len(corpus.coders)), 2))
    tallies = {
        rule: {pair: tally(corpus, *pair) for pair in pairs}
        for rule, tally in (
            ("exact", tally_exact),
            ("overlap", tally_overlap),
            ("token", tally_tokens),
        )
    }
    documents = ranked_documents(corpus, pairs, tallies["overlap"])
    return {
        "annotators": list(corpus.coders),
        "statuses": list(statuses),
        "documents_counted": len(corpus.documents),
        "documents_compared": len(documents),
        "stance": stance_section(corpus, pairs),
        "topics": topics_section(corpus),
        "spans": spans_section(corpus, pairs, tallies),
        "documents": documents,
        "uncompared": uncompared_documents(corpus),
    }
