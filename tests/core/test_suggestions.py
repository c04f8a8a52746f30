"""Suggestions as data (issue 13, first step): stored per source, apart from annotations; a
source re-run replaces its pending suggestions and keeps decided ones; spaCy's SpanRuler
patterns over the stored tokens."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from helpers import SMALL_TEXTS, dump

from workbench import models
from workbench.errors import WorkbenchError
from workbench.export.jsonl import export_jsonl
from workbench.report import status_data
from workbench.store import NewDocument, NewSuggestion, Store
from workbench.suggest import suggest_patterns


@pytest.fixture
def summit(store: Store) -> int:
    store.add_documents(NewDocument(name, text) for name, text in SMALL_TEXTS.items())
    return store.document_by_name("summit")


def decide(store: Store, suggestion_id: int, annotator: str, decision: str) -> None:
    """A decision row as the annotation screen will write it (the keys come next)."""
    person = store.annotator(annotator).id
    with store.db.write() as session:
        session.add(
            models.Decision(suggestion_id=suggestion_id, annotator_id=person, decision=decision)
        )


def test_a_rerun_replaces_pending_suggestions_and_keeps_decided_ones(
    store: Store, summit: int
) -> None:
    first = [
        NewSuggestion(summit, "FACT", start=0, end=2),
        NewSuggestion(summit, "QUOTE", start=15, end=29),
    ]
    assert store.add_suggestions("patterns:a", first).added == 2
    _, quote = store.suggestions(summit)
    decide(store, quote.id, "kim", "rejected")
    again = [
        NewSuggestion(summit, "QUOTE", start=15, end=29),
        NewSuggestion(summit, "FACT", start=3, end=10),
    ]
    summary = store.add_suggestions("patterns:a", again)
    assert (summary.added, summary.replaced, summary.kept) == (1, 1, 1)
    now = store.suggestions(summit, store.annotator("kim").id)
    assert [(s.label, s.start, s.end, s.decision) for s in now] == [
        ("FACT", 3, 10, None),
        ("QUOTE", 15, 29, "rejected"),
    ]
    assert store.suggestions(summit, store.annotator("lee").id)[1].decision is None  # blind
    assert store.clear_suggestions("patterns:a") == 1
    assert [s.label for s in store.suggestions(summit)] == ["QUOTE"]


def test_span_suggestions_lie_on_the_tokens_and_use_the_scheme(store: Store, summit: int) -> None:
    store.add_suggestions("import:x", [NewSuggestion(summit, "FACT", start=0, end=2, score=0.7)])
    (span,) = store.suggestions(summit)
    assert (span.token_start, span.token_end, span.score) == (0, 1, 0.7)
    for bad, fragment in [
        (NewSuggestion(summit, "FACT", start=1, end=2), "token boundaries"),
        (NewSuggestion(summit, "RUMOUR", start=0, end=2), "RUMOUR"),
        (NewSuggestion(summit, "FACT", start=0, end=2, score=1.5), "score"),
        (NewSuggestion(summit, "NOPE", kind="stance"), "NOPE"),
        (NewSuggestion(summit, "FACT", kind="entity"), "kind"),
    ]:
        with pytest.raises(WorkbenchError, match=fragment):
            store.add_suggestions("import:x", [bad])
    assert len(store.suggestions(summit)) == 1  # a refused batch changes nothing


def test_suggestions_are_not_annotations(store: Store, summit: int, workdir: Path) -> None:
    annotation = store.annotation(summit, store.annotator("kim").id)
    store.add_span(annotation.id, 0, 2, "FACT")
    export_jsonl(store, out=workdir / "before.jsonl", source="all", status="any")
    progress = status_data(store)
    store.add_suggestions(
        "model:m",
        [
            NewSuggestion(summit, "QUOTE", start=15, end=29),
            NewSuggestion(summit, "CRITICAL", kind="stance", score=0.9),
        ],
    )
    export_jsonl(store, out=workdir / "after.jsonl", source="all", status="any")
    assert (workdir / "after.jsonl").read_bytes() == (workdir / "before.jsonl").read_bytes()
    assert status_data(store) == progress


def test_spacy_patterns_match_the_stored_tokens(store: Store, summit: int, workdir: Path) -> None:
    text = SMALL_TEXTS["summit"]
    patterns = workdir / "claims.jsonl"
    patterns.write_bytes(
        b"".join(
            orjson.dumps(line) + b"\n"
            for line in (
                {"label": "QUOTE", "pattern": "Vladimir Putin", "id": "putin"},
                {"label": "FACT", "pattern": [{"LOWER": "xi"}, {"IS_TITLE": True}]},
            )
        )
    )
    summary = suggest_patterns(store, patterns, docs=["summit"])
    assert summary.source == "patterns:claims" and summary.added == 2
    found = [(text[s.start or 0 : s.end], s.label, s.pattern) for s in store.suggestions(summit)]
    assert found == [("Xi Jinping", "FACT", None), ("Vladimir Putin", "QUOTE", "putin")]
    before = dump(store)
    assert suggest_patterns(store, patterns, docs=["summit"]).replaced == 2
    assert [row for name, row in dump(store) if name != "suggestion"] == [
        row for name, row in before if name != "suggestion"
    ]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ({"pattern": "x"}, "needs a 'label'"),
        ({"label": "FACT", "pattern": 3}, "'pattern' must be"),
        ({"label": "FACT", "pattern": "x", "id": 7}, "'id' must be a string"),
        ({"label": "RUMOUR", "pattern": "x"}, "RUMOUR x1"),
        ({"label": "FACT", "pattern": [{"LOWR": "x"}]}, "spaCy refuses a pattern"),
        ({"label": "FACT", "pattern": [{"POS": "NOUN"}]}, "POS needs a trained pipeline"),
        ({"label": "FACT", "pattern": [{"lemma": "say"}]}, "LEMMA needs a trained pipeline"),
    ],
)
def test_a_bad_pattern_file_is_one_clear_error(
    store: Store, summit: int, workdir: Path, line: dict[str, object], fragment: str
) -> None:
    path = workdir / "bad.jsonl"
    path.write_bytes(orjson.dumps(line) + b"\n")
    before = dump(store)
    with pytest.raises(WorkbenchError, match=fragment):
        suggest_patterns(store, path)
    assert dump(store) == before


def kims(store: Store, document: int) -> int:
    return store.annotation(document, store.annotator("kim").id).id


def decisions(store: Store, document: int, who: str = "kim") -> list[tuple[str, str | None]]:
    return [(s.label, s.decision) for s in store.suggestions(document, store.annotator(who).id)]


def test_accepting_a_span_suggestion_adds_the_span_and_undo_takes_both_back(
    store: Store, summit: int
) -> None:
    from workbench.store.maintenance import check_database

    store.add_suggestions("patterns:a", [NewSuggestion(summit, "FACT", start=0, end=2)])
    (suggestion,) = store.suggestions(summit)
    annotation = kims(store, summit)
    assert store.accept_suggestion(annotation, suggestion.id).decision == "accepted"
    assert [(s.start, s.end, s.label) for s in store.get_annotation(annotation).spans] == [
        (0, 2, "FACT")
    ]
    assert decisions(store, summit) == [("FACT", "accepted")]
    assert decisions(store, summit, "lee") == [("FACT", None)]  # blind
    with pytest.raises(WorkbenchError, match="accepted already"):
        store.reject_suggestion(annotation, suggestion.id)
    store.undo(annotation)  # one step: the span and the decision
    assert store.get_annotation(annotation).spans == ()
    assert decisions(store, summit) == [("FACT", None)]
    store.redo(annotation)
    assert decisions(store, summit) == [("FACT", "accepted")]
    (span,) = store.get_annotation(annotation).spans
    assert store.accepted_span(annotation, suggestion.id) == span
    assert store.decisions(summit, store.annotator("kim").id) == {suggestion.id: "accepted"}
    store.relabel_span(annotation, span.id, "QUOTE")
    assert decisions(store, summit) == [("FACT", "edited")]
    assert store.decisions(summit, store.annotator("kim").id) == {suggestion.id: "edited"}
    assert store.decisions(summit, store.annotator("lee").id) == {}  # blind
    assert check_database(store) == []


def test_accepting_a_span_the_annotator_has_adds_no_second(store: Store, summit: int) -> None:
    annotation = kims(store, summit)
    store.add_span(annotation, 0, 2, "FACT")
    store.add_suggestions("patterns:a", [NewSuggestion(summit, "FACT", start=0, end=2)])
    (suggestion,) = store.suggestions(summit)
    store.accept_suggestion(annotation, suggestion.id)
    assert len(store.get_annotation(annotation).spans) == 1
    assert decisions(store, summit) == [("FACT", "accepted")]
    assert (
        store.accepted_span(annotation, suggestion.id) == store.get_annotation(annotation).spans[0]
    )
    store.undo(annotation)  # the decision alone
    assert len(store.get_annotation(annotation).spans) == 1
    assert decisions(store, summit) == [("FACT", None)]


def test_document_suggestions_and_rejections(store: Store, summit: int) -> None:
    store.add_suggestions(
        "model:m",
        [
            NewSuggestion(summit, "CRITICAL", kind="stance", score=0.8),
            NewSuggestion(summit, "ENERGY", kind="topic", score=0.6),
            NewSuggestion(summit, "ECONOMY", kind="topic", score=0.2),
        ],
    )
    annotation = kims(store, summit)
    found = {s.label: s for s in store.suggestions(summit)}
    stance, energy, economy = found["CRITICAL"], found["ENERGY"], found["ECONOMY"]
    store.accept_suggestion(annotation, stance.id)
    store.accept_suggestion(annotation, energy.id)
    store.reject_suggestion(annotation, economy.id)
    info = store.get_annotation(annotation)
    assert (info.stance, info.topics) == ("CRITICAL", ("ENERGY",))
    assert store.accepted_span(annotation, stance.id) is None  # no span: a document's label
    assert store.accepted_span(annotation, economy.id) is None
    assert sorted(decisions(store, summit)) == [
        ("CRITICAL", "accepted"),
        ("ECONOMY", "rejected"),
        ("ENERGY", "accepted"),
    ]
    store.undo(annotation)
    store.undo(annotation)
    info = store.get_annotation(annotation)
    assert (info.stance, info.topics) == ("CRITICAL", ())
    assert store.add_suggestions("model:m", []).replaced == 2  # the decided one stays


def test_import_suggestions_makes_suggestions_not_annotations(store: Store, workdir: Path) -> None:
    """Issue 13.4: any Workbench, Prodigy or doccano JSONL, scores on spans and in cats."""
    from workbench.importer import import_paths

    text = "Xi Jinping met Vladimir Putin in Moscow on Tuesday."
    path = workdir / "model.jsonl"
    path.write_bytes(
        orjson.dumps(
            {
                "text": text,
                "spans": [
                    {"start": 0, "end": 10, "label": "FACT", "score": 0.92},
                    {"start": 16, "end": 29, "label": "QUOTE", "score": 0.31},  # mid-word
                ],
                "cats": {"CRITICAL": 0.8, "ENERGY": 0.2},
            }
        )
        + b"\n"
    )
    summary = import_paths(store, [path], suggestions="import:llm", align="expand")
    assert summary.annotations == 0 and store.annotators() == []
    assert summary.suggested.added == 4
    document = store.document_by_name("model-000001")
    found = {(s.kind, s.label): (s.start, s.end, s.score) for s in store.suggestions(document)}
    assert found == {
        ("span", "FACT"): (0, 10, 0.92),
        ("span", "QUOTE"): (15, 29, 0.31),  # widened to whole tokens, as --align expand says
        ("stance", "CRITICAL"): (None, None, 0.8),
        ("topic", "ENERGY"): (None, None, 0.2),
    }
    assert (
        import_paths(store, [path], suggestions="import:llm", align="expand").suggested.replaced
        == 4
    )


def test_a_span_score_outside_zero_to_one_is_an_error(store: Store, workdir: Path) -> None:
    from workbench.importer import import_paths

    path = workdir / "bad.jsonl"
    line = {
        "text": "Xi Jinping met Putin.",
        "spans": [{"start": 0, "end": 10, "label": "FACT", "score": 3}],
    }
    path.write_bytes(orjson.dumps(line) + b"\n")
    with pytest.raises(WorkbenchError, match=r"bad.jsonl:1: spans\[0\]: field 'score' 3"):
        import_paths(store, [path], suggestions="import:x")
    assert store.count_documents() == 0


def test_accepting_several_at_once_is_one_undo_step(store: Store, summit: int) -> None:
    from workbench.store.maintenance import check_database

    store.add_suggestions(
        "patterns:a",
        [
            NewSuggestion(summit, "FACT", start=0, end=2),
            NewSuggestion(summit, "QUOTE", start=15, end=29),
            NewSuggestion(summit, "CRITICAL", kind="stance"),
        ],
    )
    annotation = kims(store, summit)
    store.add_span(annotation, 0, 2, "FACT")  # already there: accepted without a second
    assert store.accept_suggestions(annotation, [s.id for s in store.suggestions(summit)]) == 3
    info = store.get_annotation(annotation)
    assert (len(info.spans), info.stance) == (2, "CRITICAL")
    assert all(decision == "accepted" for _, decision in decisions(store, summit))
    store.undo(annotation)
    info = store.get_annotation(annotation)
    assert ([s.label for s in info.spans], info.stance) == (["FACT"], None)
    assert all(decision is None for _, decision in decisions(store, summit))
    store.redo(annotation)
    assert len(store.get_annotation(annotation).spans) == 2
    assert check_database(store) == []


def test_the_report_counts_decisions_and_scores_against_gold(store: Store, summit: int) -> None:
    """Issue 13.10: per source and label; precision and recall on the documents gold has done."""
    from workbench.suggestion_report import suggestion_report

    store.add_suggestions(
        "patterns:a",
        [
            NewSuggestion(summit, "FACT", start=0, end=2),  # gold has it
            NewSuggestion(summit, "FACT", start=3, end=10),  # gold has not
            NewSuggestion(summit, "QUOTE", start=15, end=29),
        ],
    )
    fact, other, quote = store.suggestions(summit)
    kim = kims(store, summit)
    store.accept_suggestion(kim, fact.id)
    store.accept_suggestion(kim, quote.id)
    store.reject_suggestion(kim, other.id)
    (span,) = [s for s in store.get_annotation(kim).spans if s.label == "QUOTE"]
    store.relabel_span(kim, span.id, "OPINION")  # accepted, then changed: edited
    gold = store.annotation(summit, store.annotator("gold", "reviewer").id).id
    store.add_span(gold, 0, 2, "FACT")
    store.add_span(gold, 15, 29, "QUOTE")
    store.set_status(gold, "done")
    report = suggestion_report(store)["sources"]["patterns:a"]
    total, fact_row = report["total"], report["labels"]["FACT"]
    assert (
        total["made"],
        total["pending"],
        total["accepted"],
        total["edited"],
        total["rejected"],
    ) == (3, 0, 1, 1, 1)
    assert total["acceptance_rate"] == pytest.approx(2 / 3)
    assert fact_row["against"]["gold"] == {
        "documents": 1,
        "precision": 0.5,
        "recall": 1.0,
        "f1": pytest.approx(2 / 3),
    }
    assert report["labels"]["QUOTE"]["against"]["gold"] == {
        "documents": 1,
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
    }
    assert "kim" not in total["against"]  # kim is not done with the document


def test_export_jsonl_names_the_source_a_span_was_accepted_from(
    store: Store, summit: int, workdir: Path
) -> None:
    """Issue 13.2: ``suggested_by`` on the span, in the fast writer and its plain reference."""
    from workbench.export.sources import iter_records, resolve_source
    from workbench.formats.workbench import WorkbenchLines, workbench_line_plain

    store.add_suggestions("patterns:claims", [NewSuggestion(summit, "FACT", start=0, end=2)])
    kim = kims(store, summit)
    store.accept_suggestion(kim, store.suggestions(summit)[0].id)
    store.add_span(kim, 15, 29, "QUOTE")  # the annotator's own
    export_jsonl(store, out=workdir / "out.jsonl", source="kim", status="any")
    (line,) = [orjson.loads(raw) for raw in (workdir / "out.jsonl").read_bytes().splitlines()]
    assert [span.get("suggested_by") for span in line["spans"]] == ["patterns:claims", None]
    (record,) = iter_records(store, resolve_source(store, "kim", "any", None))
    assert b"".join(WorkbenchLines("kim")(record)) == workbench_line_plain(record, "kim")


def test_occurrences_offer_a_labelled_text_wherever_it_recurs(store: Store) -> None:
    """Issue 13.5 (corpus-wide, from an annotator's spans)."""
    from workbench.suggest import suggest_occurrences

    store.add_documents(
        [
            NewDocument("a", "Gazprom cut supplies. Later Gazprom said so."),
            NewDocument("b", "Analysts doubt Gazprom and Gazpromneft alike."),
        ]
    )
    a = store.document_by_name("a")
    store.add_span(store.annotation(a, store.annotator("kim").id).id, 0, 7, "FACT")
    summary = suggest_occurrences(store, "kim")
    assert (summary.source, summary.added) == ("occurrences", 3)
    b = store.document_by_name("b")
    assert [(s.start, s.end, s.label) for s in store.suggestions(b)] == [(15, 22, "FACT")]
    with pytest.raises(WorkbenchError, match="no spans"):
        suggest_occurrences(store, "lee") if store.annotator("lee") else None
