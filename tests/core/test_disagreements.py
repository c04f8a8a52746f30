"""The pairs behind the confusion matrices' cells agree with the report's counts and say where."""

from __future__ import annotations

from helpers import SMALL_TEXTS
from tui_helpers import three_annotators

from workbench.agreement.collect import collect, resolve
from workbench.agreement.disagreements import (
    NO_SPAN,
    SpanDisagreement,
    StanceDisagreement,
    disagreements,
    with_texts,
)
from workbench.agreement.report import agreement_report
from workbench.html_report.data import stance_confusion
from workbench.store import Store

SUMMIT = SMALL_TEXTS["summit"]


def _span(
    store: Store, who: str, document: str, text: str, label: str, *, done: bool = True
) -> None:
    annotation = store.annotation(store.document_by_name(document), store.annotator(who).id)
    start = SMALL_TEXTS[document].index(text)
    store.add_span(annotation.id, start, start + len(text), label)
    if done:
        store.set_status(annotation.id, "done")


def _stance(store: Store, who: str, document: str, stance: str) -> None:
    annotation = store.annotation(store.document_by_name(document), store.annotator(who).id)
    store.set_stance(annotation.id, stance)
    store.set_status(annotation.id, "done")


def test_a_cell_lists_the_overlapping_spans_behind_it_first_side_first(small_store: Store) -> None:
    _span(small_store, "alice", "summit", "Trade rose 26% last year", "STATISTIC")
    _span(small_store, "bob", "summit", "Trade rose 26%", "FACT")
    _span(small_store, "alice", "summit", "Analysts expect closer ties", "OPINION")
    _span(small_store, "bob", "summit", "Analysts expect closer ties", "OPINION")
    _span(small_store, "bob", "summit", "Putin said", "QUOTE")  # alice has nothing there
    cells = disagreements(small_store).claim_type
    [pair] = cells.pairs("STATISTIC", "FACT")
    assert pair.document == "summit"
    assert pair.annotators == ("alice", "bob")
    assert pair.spans[0] is not None and pair.spans[0].label == "STATISTIC"
    assert pair.spans[1] is not None and pair.spans[1].label == "FACT"
    start = SUMMIT.index("Trade")
    assert (pair.spans[1].start, pair.spans[1].end) == (start, start + len("Trade rose 26%"))
    assert pair.spans[1].token_end - pair.spans[1].token_start == 4  # Trade rose 26 %
    # The other way round: the side that said FACT comes first.
    [mirror] = cells.pairs("FACT", "STATISTIC")
    assert mirror.annotators == ("bob", "alice")
    assert mirror.spans == (pair.spans[1], pair.spans[0])
    assert cells.count("OPINION", "OPINION") == 1
    every = [cells.pairs(x, y) for x in cells.labels for y in cells.labels]
    firsts = [cells.pairs(x, y, limit=1) for x in cells.labels for y in cells.labels]
    assert firsts == [found[:1] for found in every]
    [alone] = cells.pairs("QUOTE", NO_SPAN)
    assert alone.annotators == ("bob", "alice") and alone.spans[1] is None
    assert alone.first.label == "QUOTE"
    assert cells.pairs(NO_SPAN, "QUOTE")[0].spans[0] is None
    assert cells.count("FACT", "FACT") == 0


def test_the_span_texts_are_read_from_the_documents(small_store: Store) -> None:
    _span(small_store, "alice", "summit", "Trade rose 26% last year", "STATISTIC")
    _span(small_store, "bob", "summit", "Trade rose 26%", "FACT")
    _span(small_store, "alice", "energy", "Russia", "FACT")
    _span(small_store, "bob", "energy", "gas", "FACT")
    cells = disagreements(small_store).claim_type
    [pair] = with_texts(small_store, cells.pairs("STATISTIC", "FACT"))
    assert pair.texts == ("Trade rose 26% last year", "Trade rose 26%")
    alone = with_texts(small_store, cells.pairs("FACT", NO_SPAN))
    assert [(item.document, item.annotators, item.texts) for item in alone] == [
        ("energy", ("alice", "bob"), ("Russia", "")),
        ("energy", ("bob", "alice"), ("gas", "")),
    ]


def test_label_cells_count_what_the_report_counts(small_store: Store) -> None:
    three_annotators(small_store)
    _span(small_store, "alice", "sanctions", "Western sanctions", "FACT")
    _span(small_store, "bob", "sanctions", "Western sanctions have not stopped", "OPINION")
    _span(small_store, "bob", "sanctions", "sanctions", "QUOTE")  # nested in bob's own
    report = agreement_report(small_store)
    confusion = report["spans"]["confusion"]
    cells = disagreements(small_store).claim_type
    assert cells.labels[:-1] == tuple(confusion["labels"]) and cells.labels[-1] is NO_SPAN
    assert sum(cells.count(x, y) for x in confusion["labels"] for y in confusion["labels"]) > 0
    for row in confusion["labels"]:
        for column in confusion["labels"]:
            behind = cells.pairs(row, column)
            assert len(behind) == confusion["counts"][row][column] == cells.count(row, column)
            for item in behind:
                assert isinstance(item, SpanDisagreement)
                a, b = item.spans
                assert a is not None and b is not None
                assert (a.label, b.label) == (row, column)
                assert a.start < b.end and b.start < a.end  # they share a character
                assert item.annotators[0] != item.annotators[1]


def test_unmatched_spans_overlap_nothing_of_the_other_annotator(small_store: Store) -> None:
    three_annotators(small_store)
    cells = disagreements(small_store).claim_type
    assert sum(cells.count(label, NO_SPAN) for label in cells.labels) > 0
    for label in cells.labels[:-1]:
        for item in cells.pairs(label, NO_SPAN):
            span = item.spans[0]
            assert span is not None and item.spans[1] is None and span.label == label
            other = small_store.find_annotation(
                small_store.document_by_name(item.document),
                small_store.annotator(item.annotators[1]).id,
            )
            assert other is not None
            assert not any(s.start < span.end and span.start < s.end for s in other.spans)
    # Each span of each annotator is, per other annotator, overlapped or unmatched.
    assert cells.count(NO_SPAN, NO_SPAN) == 0


def test_only_documents_both_annotators_counted_are_compared(small_store: Store) -> None:
    _span(small_store, "alice", "summit", "Trade rose 26%", "FACT")
    _span(small_store, "bob", "summit", "Trade rose 26%", "QUOTE", done=False)
    _span(small_store, "carol", "energy", "Russia", "FACT")
    cells = disagreements(small_store).claim_type
    assert all(cells.count(x, y) == 0 for x in cells.labels for y in cells.labels)
    counted = disagreements(small_store, status="any").claim_type
    assert counted.count("FACT", "QUOTE") == 1


def test_stance_cells_match_the_stance_confusion(small_store: Store) -> None:
    _stance(small_store, "alice", "summit", "CRITICAL")
    _stance(small_store, "bob", "summit", "NEUTRAL")
    _stance(small_store, "carol", "summit", "CRITICAL")
    _stance(small_store, "alice", "energy", "MIXED")
    _stance(small_store, "bob", "energy", "MIXED")
    cells = disagreements(small_store).stance
    corpus = collect(small_store, resolve(small_store, None, "done", None))
    expected = stance_confusion(corpus)
    assert cells.labels == tuple(expected["labels"])
    for row in cells.labels:
        for column in cells.labels:
            assert cells.count(row, column) == expected["counts"][row][column]
    pairs = cells.pairs("CRITICAL", "NEUTRAL")
    assert pairs == [
        StanceDisagreement("summit", ("alice", "bob"), ("CRITICAL", "NEUTRAL")),
        StanceDisagreement("summit", ("carol", "bob"), ("CRITICAL", "NEUTRAL")),
    ]
    assert [p.annotators for p in cells.pairs("CRITICAL", "CRITICAL")] == [("alice", "carol")]
    assert cells.pairs("CRITICAL", "NEUTRAL", limit=1) == pairs[:1]
    assert cells.count("MIXED", "MIXED") == 1


def test_nothing_to_compare_gives_empty_cells(store: Store) -> None:
    found = disagreements(store)
    assert found.claim_type.counts() == [[0] * len(found.claim_type.labels)] * len(
        found.claim_type.labels
    )
    assert found.stance.pairs(found.stance.labels[0], found.stance.labels[0]) == []
