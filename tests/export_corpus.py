"""A small annotated corpus for the export and import tests: three annotators, gold, and the
cases the exports must handle (no stance, tied stance, span stance and topics, skipped)."""

from __future__ import annotations

from typing import Any

from helpers import SMALL_TEXTS

from workbench.store import NewAnnotation, NewDocument, NewSpan, Store

SUMMIT = SMALL_TEXTS["summit"]
ENERGY = SMALL_TEXTS["energy"]
SANCTIONS = SMALL_TEXTS["sanctions"]
STAMP = 1_750_000_000.0


def span(text: str, phrase: str, label: str, **labels: Any) -> NewSpan:
    """The span of ``phrase`` (its first occurrence) in ``text``."""
    start = text.index(phrase)
    return NewSpan(
        start, start + len(phrase), label, labels.get("stance"), labels.get("topics", ())
    )


def corpus() -> list[NewDocument]:
    """The three small documents, annotated.

    summit: ann, bob and cy agree on a FACT (cy calls it OPINION) and a STATISTIC; only ann
    marks the QUOTE; stance 2 SUPPORTIVE to 1 CRITICAL. energy: stances NEUTRAL and CRITICAL
    (a tie), cy gives none. sanctions: ann only, no stance; bob has not finished it.
    """
    fact = span(SUMMIT, "Xi Jinping met Vladimir Putin in Moscow.", "FACT", stance="SUPPORTIVE")
    statistic = span(SUMMIT, "Trade rose 26% last year.", "STATISTIC", topics=("ECONOMY",))
    quote = span(SUMMIT, '"We are partners,"', "QUOTE")
    opinion = span(SUMMIT, "Xi Jinping met Vladimir Putin in Moscow.", "OPINION")
    gas = span(ENERGY, "Russia will sell more gas to China.", "PREDICTION", stance="NEUTRAL")
    delayed = span(ENERGY, "pipeline is delayed", "FACT", topics=("ENERGY", "ECONOMY"))

    def done(who: str, *spans: NewSpan, **labels: Any) -> NewAnnotation:
        return NewAnnotation(
            annotator=who,
            status=labels.get("status", "done"),
            stance=labels.get("stance"),
            topics=labels.get("topics", ()),
            note=labels.get("note", ""),
            seconds=labels.get("seconds", 0.0),
            spans=spans,
            timestamp=labels.get("timestamp", STAMP),
        )

    return [
        NewDocument(
            "summit",
            SUMMIT,
            meta={"url": "https://example.org/summit"},
            annotations=(
                done(
                    "ann",
                    fact,
                    statistic,
                    quote,
                    stance="SUPPORTIVE",
                    topics=("DIPLOMACY", "ECONOMY"),
                    note="checked twice",
                    seconds=95.5,
                ),
                done("bob", fact, statistic, stance="SUPPORTIVE", topics=("DIPLOMACY",)),
                done(
                    "cy",
                    opinion,
                    statistic,
                    stance="CRITICAL",
                    topics=("DIPLOMACY", "ECONOMY"),
                    timestamp=STAMP + 60,
                ),
                done("gold", fact, statistic, quote, stance="SUPPORTIVE", topics=("DIPLOMACY",)),
            ),
        ),
        NewDocument(
            "energy",
            ENERGY,
            annotations=(
                done("ann", gas, delayed, stance="NEUTRAL", topics=("ENERGY",)),
                done("bob", gas, stance="CRITICAL", topics=("ENERGY",)),
                done("cy", delayed, topics=("ENERGY", "SANCTIONS")),
                done("gold", gas, delayed, stance="NEUTRAL", topics=("ENERGY",)),
            ),
        ),
        NewDocument(
            "sanctions",
            SANCTIONS,
            annotations=(
                done("ann", topics=("SANCTIONS",)),
                done("bob", stance="MIXED", status="in_progress"),
            ),
        ),
    ]


def annotated(store: Store) -> Store:
    """``store`` filled with :func:`corpus`."""
    store.add_documents(corpus())
    return store


def many(store: Store, count: int, annotators: tuple[str, ...] = ("ann", "bob")) -> Store:
    """``count`` short documents, each annotated by ``annotators`` (the same labels)."""
    documents = []
    for number in range(count):
        text = f"Report {number} says trade rose {number}% as gas flows grew."
        labels = (
            span(text, "trade rose", "STATISTIC", topics=("ECONOMY",)),
            span(text, "gas flows grew", "FACT"),
        )
        annotations = tuple(
            NewAnnotation(
                who,
                stance=None if number % 4 == 0 else "NEUTRAL",
                topics=("ECONOMY", "ENERGY"),
                spans=labels,
                timestamp=STAMP,
            )
            for who in annotators
        )
        documents.append(NewDocument(f"report{number:03d}", text, annotations=annotations))
    store.add_documents(documents)
    return store
