"""``export spacy --pipeline spancat|ner``: entities, overlapping claims, a config with only the
components the data can train (checked by ``spacy debug data``), schemes without stances or
topics, and the seed's range (issue 11.8, issue 12.3)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from cli_helpers import assert_user_error, invoke
from export_corpus import STAMP, annotated, span

from workbench.errors import WorkbenchError
from workbench.export.docbin import MAX_SEED, entity_spans, export_spacy, overlapping_spans
from workbench.export.jsonl import export_jsonl
from workbench.scheme import load_scheme, parse_scheme
from workbench.store import NewAnnotation, NewDocument, NewSpan, Store, open_store
from workbench.store.records import SpanRow, span_row


def load(folder: Path) -> dict[str, Any]:
    """Every exported Doc of both splits, by document name."""
    import spacy
    from spacy.tokens import DocBin

    vocab = spacy.blank("en").vocab
    docs = {}
    for split in ("train", "dev"):
        for doc in DocBin().from_disk(folder / f"{split}.spacy").get_docs(vocab):
            docs[doc.user_data["document"]] = doc
    return docs


def summary(folder: Path) -> dict[str, Any]:
    parsed: dict[str, Any] = orjson.loads((folder / "summary.json").read_bytes())
    return parsed


def pipeline_of(folder: Path) -> list[str]:
    from spacy.util import load_config

    names: list[str] = load_config(folder / "config.cfg")["nlp"]["pipeline"]
    return names


def shaped(
    store: Store,
    count: int,
    *,
    spans: bool = False,
    stance: bool = False,
    topics: bool = False,
    overlap_every: int = 0,
) -> Store:
    """``count`` one-sentence reports by ``ann`` with only the labels asked for; every
    ``overlap_every``-th also has an OPINION overlapping both of its other claims."""
    documents = []
    for number in range(count):
        text = f"Report {number} says trade rose {number}% as gas flows grew."
        claims: list[NewSpan] = []
        if spans:
            claims += [span(text, "trade rose", "STATISTIC"), span(text, "gas flows grew", "FACT")]
        if overlap_every and number % overlap_every == 0:
            claims.append(span(text, f"rose {number}% as gas", "OPINION"))
        annotation = NewAnnotation(
            "ann",
            stance=("NEUTRAL" if number % 2 else "CRITICAL") if stance else None,
            topics=(("ECONOMY",) if number % 3 else ("ENERGY",)) if topics else (),
            spans=tuple(claims),
            timestamp=STAMP,
        )
        documents.append(NewDocument(f"r{number:03d}", text, annotations=(annotation,)))
    store.add_documents(documents)
    return store


# -- --pipeline ner --------------------------------------------------------------------------


def test_ner_puts_the_claims_in_doc_ents_and_a_ner_component_in_the_config(
    sqlite_store: Store, workdir: Path
) -> None:
    from spacy.util import load_config, load_model_from_config

    store = annotated(sqlite_store)
    out = workdir / "ner"
    result = export_spacy(store, out=out, source="gold", dev=0.0, pipeline="ner")
    docs = load(out)
    summit = docs["summit"]
    assert [(ent.text, ent.label_) for ent in summit.ents] == [
        ("Xi Jinping met Vladimir Putin in Moscow.", "FACT"),
        ("Trade rose 26% last year.", "STATISTIC"),
        ('"We are partners,"', "QUOTE"),
    ]
    # Every other token is outside (a manual annotation is complete), never "missing".
    inside = {token.i for ent in summit.ents for token in ent}
    assert {token.ent_iob_ for token in summit if token.i not in inside} == {"O"}
    assert [(ent.text, ent.label_) for ent in docs["energy"].ents] == [
        ("Russia will sell more gas to China.", "PREDICTION"),
        ("pipeline is delayed", "FACT"),
    ]
    # The span groups and cats stay as for spancat.
    assert [span.label_ for span in summit.spans["claim_type"]] == ["FACT", "STATISTIC", "QUOTE"]
    assert summit.cats["SUPPORTIVE"] == 1.0
    config = load_config(out / "config.cfg")
    assert config["nlp"]["pipeline"] == ["ner", "stance", "topics"]
    assert "spancat" not in config["components"]
    assert config["training"]["score_weights"]["ents_f"] == 0.5
    assert "spans_claim_type_f" not in config["training"]["score_weights"]
    assert load_model_from_config(config, auto_fill=True, validate=True).pipe_names == [
        "ner",
        "stance",
        "topics",
    ]
    assert result.summary["pipeline"] == "ner"
    assert result.summary["components"] == ["ner", "stance", "topics"]
    assert result.summary["overlapping_spans_dropped"] == 0
    assert result.warnings == [
        "dev.spacy is empty: spacy train needs at least one dev document"
        " (use --dev above 0 with two or more documents)"
    ]


def test_overlapping_claims_refuse_a_ner_export_and_write_nothing(
    workdir: Path, db_url: str
) -> None:
    store = open_store(db_url)
    shaped(store, 30, spans=True, overlap_every=4)  # r000, r004, ... r028: 8 documents
    store.close()
    result = invoke("--db", db_url, "export", "spacy", "--source", "ann", "--pipeline", "ner")
    (line,) = assert_user_error(result)
    assert line == (
        "error: --pipeline ner: 24 claim spans overlap another span in 8 documents (r000, r004,"
        " r008, r012, r016 and 3 more), and entities cannot overlap; add --drop-overlapping to"
        " keep the longest of each overlapping set, or export them for spancat"
        " (--pipeline spancat)"
    )
    assert not (workdir / "exports").exists()  # not even the folder
    # Previous files stay as they were.
    assert invoke("--db", db_url, "export", "spacy", "--source", "ann").exit_code == 0
    before = {path.name: path.read_bytes() for path in (workdir / "exports" / "spacy").iterdir()}
    result = invoke("--db", db_url, "export", "spacy", "--source", "ann", "--pipeline", "ner")
    assert result.exit_code == 1
    after = {path.name: path.read_bytes() for path in (workdir / "exports" / "spacy").iterdir()}
    assert after == before
    # spancat takes overlapping spans as they are.
    assert summary(workdir / "exports" / "spacy")["overlapping_spans_dropped"] == 0


def test_drop_overlapping_keeps_the_longest_then_the_earliest_and_says_how_many(
    workdir: Path, db_url: str
) -> None:
    store = open_store(db_url)
    shaped(store, 12, spans=True, overlap_every=4)
    store.close()
    result = invoke(
        "--db", db_url, "export", "spacy", "--source", "ann", "--out", "out", "--dev", "0",
        "--pipeline", "ner", "--drop-overlapping",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "warning: ner: left 6 overlapping claim spans out of doc.ents in 3 documents"
        " (r000, r004, r008) (the longest was kept, then the earliest); doc.spans keeps them all"
    ) in result.stderr
    docs = load(workdir / "out")
    # "rose 4% as gas" (5 tokens) overlaps "trade rose" (2) and "gas flows grew" (3).
    assert [(ent.text, ent.label_) for ent in docs["r004"].ents] == [("rose 4% as gas", "OPINION")]
    assert len(docs["r004"].spans["claim_type"]) == 3
    assert [(ent.text, ent.label_) for ent in docs["r001"].ents] == [
        ("trade rose", "STATISTIC"),
        ("gas flows grew", "FACT"),
    ]
    assert summary(workdir / "out")["overlapping_spans_dropped"] == 6


def row(token_start: int, token_end: int, label: str) -> SpanRow:
    return span_row((0, token_start, token_end, token_start, token_end, label, None, None))


def test_the_entity_rule_longest_then_earliest_then_first_stored() -> None:
    spans = [
        row(0, 2, "A"),
        row(1, 3, "B"),  # as long as A, later: A wins
        row(4, 5, "C"),
        row(4, 5, "D"),  # the same tokens as C, stored after it: C wins
        row(6, 9, "E"),
        row(5, 7, "F"),  # shorter than E: E wins
        row(9, 10, "G"),  # touches E without overlapping it
    ]
    assert [span.label for span in entity_spans(spans)] == ["A", "C", "E", "G"]
    assert overlapping_spans(spans) == 6
    assert overlapping_spans([row(0, 1, "A"), row(1, 2, "B")]) == 0
    assert entity_spans([]) == [] and overlapping_spans([]) == 0


def test_an_unknown_pipeline_is_refused(workdir: Path, db_url: str) -> None:
    store = open_store(db_url)
    annotated(store)
    with pytest.raises(WorkbenchError, match="pipeline 'textcat' unknown; expected one of"):
        export_spacy(store, out=workdir / "out", source="all", pipeline="textcat")
    store.close()
    assert not (workdir / "out").exists()
    result = invoke("--db", db_url, "export", "spacy", "--source", "all", "--pipeline", "textcat")
    (line,) = assert_user_error(result)
    assert line == "error: --pipeline 'textcat' unknown; expected one of spancat, ner"


# -- only components with data ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "components"),
    [
        ({"spans": True}, ["spancat"]),
        ({"stance": True}, ["stance"]),
        ({"topics": True}, ["topics"]),
        ({"stance": True, "topics": True}, ["stance", "topics"]),
        ({"spans": True, "stance": True, "topics": True}, ["spancat", "stance", "topics"]),
    ],
)
def test_the_config_holds_only_components_that_have_data(
    sqlite_store: Store, workdir: Path, labels: dict[str, bool], components: list[str]
) -> None:
    shaped(sqlite_store, 6, **labels)
    result = export_spacy(sqlite_store, out=workdir / "out", source="ann")
    assert pipeline_of(workdir / "out") == components
    assert result.summary["components"] == components


def test_no_labels_at_all_is_an_empty_config_and_a_warning(
    sqlite_store: Store, workdir: Path
) -> None:
    shaped(sqlite_store, 4)
    result = export_spacy(sqlite_store, out=workdir / "out", source="ann")
    assert pipeline_of(workdir / "out") == []
    assert result.warnings[-1] == (
        "config.cfg has no component to train: the exported annotations hold no claim spans,"
        " stances or topics"
    )


def debug_data(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable, "-m", "spacy", "debug", "data", str(folder / "config.cfg"),
            "--paths.train", str(folder / "train.spacy"),
            "--paths.dev", str(folder / "dev.spacy"),
        ],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_spacy_debug_data_runs_clean_on_every_shape_of_export(workdir: Path) -> None:
    """``spacy debug data`` exits 0 on spans only, stance only, topics only, all, and ner.

    It fails any corpus of fewer than 100 training Docs, hence 130 documents."""
    shapes: dict[str, tuple[dict[str, bool], str]] = {
        "spans": ({"spans": True}, "spancat"),
        "stance": ({"stance": True}, "spancat"),
        "topics": ({"topics": True}, "spancat"),
        "all": ({"spans": True, "stance": True, "topics": True}, "spancat"),
        "ner": ({"spans": True, "stance": True}, "ner"),
    }
    for name, (labels, pipeline) in shapes.items():
        store = open_store(f"sqlite:///{workdir / name}.db")
        shaped(store, 130, **labels)
        export_spacy(store, out=workdir / name, source="ann", pipeline=pipeline)
        store.close()
        done = debug_data(workdir / name)
        assert done.returncode == 0, f"{name}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"


# -- schemes without stances or topics --------------------------------------------------------

CLAIMS_ONLY = '[[claim_type]]\nname = "FACT"\n[[claim_type]]\nname = "STATISTIC"\n'


def test_a_scheme_may_leave_out_or_empty_its_stances_and_topics(tmp_path: Path) -> None:
    path = tmp_path / "claims.toml"
    path.write_text(CLAIMS_ONLY, encoding="utf-8")
    scheme = load_scheme(path)
    assert scheme.names("claim_type") == ("FACT", "STATISTIC")
    assert scheme.stance == () and scheme.topics == ()
    claims = [{"name": "FACT"}, {"name": "STATISTIC"}]
    assert parse_scheme({"claim_type": claims, "stance": [], "topics": []}, "x") == scheme
    path.write_text("stance = []\ntopics = []\n" + CLAIMS_ONLY, encoding="utf-8")
    assert load_scheme(path) == scheme
    assert parse_scheme(scheme.to_dict(), "copy") == scheme
    path.write_text(scheme.to_toml(), encoding="utf-8")
    assert load_scheme(path) == scheme
    topics_only = parse_scheme({"claim_type": [{"name": "A"}], "topics": [{"name": "T"}]}, "x")
    assert topics_only.stance == () and topics_only.names("topics") == ("T",)
    # Claim types stay required: the annotation screen's span keys need one.
    with pytest.raises(WorkbenchError, match="claim_type: the set is empty"):
        parse_scheme({"stance": [{"name": "S"}]}, "x")


def test_a_claims_only_project_exports_for_spancat_and_ner(workdir: Path) -> None:
    (workdir / "claims.toml").write_text(CLAIMS_ONLY, encoding="utf-8")
    store = open_store(f"sqlite:///{workdir / 'claims.db'}", workdir / "claims.toml")
    shaped(store, 6, spans=True)
    for pipeline in ("spancat", "ner"):
        out = workdir / pipeline
        result = export_spacy(store, out=out, source="ann", pipeline=pipeline)
        assert pipeline_of(out) == [pipeline]
        assert {doc.cats.__len__() for doc in load(out).values()} == {0}
        assert result.summary["labels"] == {
            "claim_type": ["FACT", "STATISTIC"],
            "stance": [],
            "topics": [],
        }
    export_jsonl(store, out=workdir / "ann.jsonl", source="ann")
    first = orjson.loads((workdir / "ann.jsonl").read_bytes().splitlines()[0])
    assert first["stance"] is None and first["topics"] == []
    with pytest.raises(WorkbenchError, match="'CRITICAL'; the scheme has no stance labels"):
        shaped(store, 1, stance=True)  # a stance the scheme lacks is refused
    store.close()


def test_a_stance_only_project_exports_a_stance_classifier(workdir: Path) -> None:
    (workdir / "stance.toml").write_text(
        CLAIMS_ONLY + '[[stance]]\nname = "NEUTRAL"\n[[stance]]\nname = "CRITICAL"\n',
        encoding="utf-8",
    )
    store = open_store(f"sqlite:///{workdir / 'stance.db'}", workdir / "stance.toml")
    shaped(store, 6, stance=True)
    export_spacy(store, out=workdir / "out", source="ann")
    assert pipeline_of(workdir / "out") == ["stance"]
    assert {tuple(doc.cats) for doc in load(workdir / "out").values()} == {("NEUTRAL", "CRITICAL")}
    store.close()


# -- the seed ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [str(2**70), str(MAX_SEED + 1), "-1"])
def test_a_seed_outside_64_bits_is_one_error_line(workdir: Path, db_url: str, seed: str) -> None:
    store = open_store(db_url)
    annotated(store)
    store.close()
    result = invoke("--db", db_url, "export", "spacy", "--source", "all", f"--seed={seed}")
    (line,) = assert_user_error(result)
    assert line == f"error: --seed {seed}: use a whole number from 0 to {MAX_SEED}"
    assert not (workdir / "exports").exists()


def test_the_largest_seed_works(sqlite_store: Store, workdir: Path) -> None:
    annotated(sqlite_store)
    result = export_spacy(sqlite_store, out=workdir / "out", source="all", seed=MAX_SEED)
    assert summary(workdir / "out")["seed"] == MAX_SEED == result.summary["seed"]
