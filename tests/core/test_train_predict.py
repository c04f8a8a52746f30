"""``suggest model``: a trained pipeline's predictions stored as suggestions of model:NAME,
on the stored tokens; and the uncertainty order that ranks documents by them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_train import reports, tiny  # noqa: F401 (the fixture)

from workbench.errors import NotFoundError, WorkbenchError
from workbench.store import Store
from workbench.train.predict import LeftOut, suggest_model
from workbench.train.registry import find_model
from workbench.train.run import train_model
from workbench.train.uncertainty import latest_model_source, uncertainty


@pytest.fixture
def trained(tiny: Store, workdir: Path) -> Store:  # noqa: F811
    tiny.add_documents(reports(8))
    train_model(tiny, name="m1", max_steps=4, models=workdir / "models")
    return tiny


@pytest.mark.slow
def test_model_suggestions_are_its_predictions_on_the_stored_tokens(
    trained: Store, workdir: Path
) -> None:
    import spacy

    models = workdir / "models"
    summary = suggest_model(trained, "m1", min_score=0.0, max_per_doc=None, models=models)
    assert summary.source == "model:m1" and summary.added > 0
    # The same pipeline by hand, over Docs of the stored tokens: the same spans and scores.
    nlp = spacy.load(models / "m1")
    spancat: Any = nlp.get_pipe("spancat")
    spancat.cfg["threshold"] = 0.0
    first = trained.document(trained.document_by_name("r000"))
    doc = nlp(first.tokens.to_doc(nlp.vocab, first.text))
    group = doc.spans["claim_type"]
    expected = {
        (span.start_char, span.end_char, span.label_, round(float(score), 6))
        for span, score in zip(group, group.attrs["scores"], strict=True)
    }
    stored = trained.suggestions(first.id)
    spans = {(s.start, s.end, s.label, round(s.score or 0, 6)) for s in stored if s.kind == "span"}
    assert spans == expected
    for s in stored:
        if s.kind == "span":
            assert first.text[s.start or 0 : s.end or 0] == doc[s.token_start : s.token_end].text
    cats = {(s.kind, s.label): s.score for s in stored if s.kind != "span"}
    assert cats.keys() == {
        ("stance", "NEUTRAL"), ("stance", "CRITICAL"), ("topic", "ECONOMY"), ("topic", "ENERGY")
    }  # fmt: skip
    assert cats[("topic", "ENERGY")] == pytest.approx(doc.cats["ENERGY"], abs=1e-6)
    # At most so many per document: the best of them; the others counted.
    every = {i: trained.suggestions(i) for i in range(1, 9)}
    left_out = LeftOut(None)
    capped = suggest_model(
        trained, "m1", min_score=0.0, max_per_doc=3, models=models, left_out=left_out
    )
    assert capped.replaced == summary.added
    for document_id, before in every.items():
        made = [s for s in before if s.kind == "span"]
        kept = [s for s in trained.suggestions(document_id) if s.kind == "span"]
        assert len(kept) == min(3, len(made))
        best = sorted((s.score or 0 for s in made), reverse=True)[:3]
        assert sorted((s.score or 0 for s in kept), reverse=True) == best
    assert left_out.spans == sum(
        max(len([s for s in b if s.kind == "span"]) - 3, 0) for b in every.values()
    )
    assert left_out.documents == sum(
        len([s for s in b if s.kind == "span"]) > 3 for b in every.values()
    )
    # A higher bar keeps fewer; a re-run replaces the pending ones.
    again = suggest_model(trained, "m1", min_score=0.9, models=models)
    assert again.replaced == capped.added
    assert all((s.score or 0) >= 0.9 for s in trained.suggestions(first.id))


@pytest.mark.slow
def test_documents_and_not_done_by_narrow_the_run(trained: Store, workdir: Path) -> None:
    models = workdir / "models"
    suggest_model(trained, "m1", docs=["r001", "r002"], min_score=0.0, models=models)
    with_any = {i for i in range(1, 9) if trained.suggestions(i)}
    assert {trained.document(i).name for i in with_any} == {"r001", "r002"}
    trained.annotator("ann")
    suggest_model(trained, "m1", not_done="gold", min_score=0.0, models=models)  # gold: all done
    assert {trained.document(i).name for i in range(1, 9) if trained.suggestions(i)} == {
        "r001", "r002"
    }  # fmt: skip
    suggest_model(trained, "m1", not_done="ann", min_score=0.0, models=models)
    assert all(trained.suggestions(i) for i in range(1, 9))
    with pytest.raises(NotFoundError):
        suggest_model(trained, "m1", not_done="nobody", models=models)


@pytest.mark.slow
def test_uncertainty_ranks_by_mean_margin(trained: Store, workdir: Path) -> None:
    models = workdir / "models"
    with pytest.raises(WorkbenchError, match="no model has made suggestions"):
        uncertainty(trained)
    suggest_model(trained, "m1", min_score=0.0, models=models)
    assert latest_model_source(trained) == "model:m1"
    ranking = uncertainty(trained)
    for document_id, margin in ranking.margins.items():
        scores = [s.score for s in trained.suggestions(document_id) if s.score is not None]
        assert margin == pytest.approx(sum(abs(s - 0.5) for s in scores) / len(scores))
    ids = sorted(ranking.margins)
    ordered = ranking.order([*ids, 999])
    assert ordered[-1] == 999  # not scored: last
    margins = [ranking.margins[i] for i in ordered[:-1]]
    assert margins == sorted(margins)


def test_an_unknown_model_is_named(tiny: Store, workdir: Path) -> None:  # noqa: F811
    with pytest.raises(NotFoundError, match="no such model folder"):
        suggest_model(tiny, "missing", models=workdir / "models")
    (workdir / "models" / "broken").mkdir(parents=True)
    with pytest.raises(NotFoundError, match="not a Workbench model"):
        find_model(str(workdir / "models" / "broken"))
