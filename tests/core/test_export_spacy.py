"""``export spacy``: Docs from the stored tokens, spans, cats, the split, config and summary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from export_corpus import ENERGY, SANCTIONS, SUMMIT, annotated, many
from helpers import SEEDS

from workbench.errors import NotFoundError, WorkbenchError
from workbench.export.docbin import FILES, dev_threshold, export_spacy, split_key
from workbench.export.sources import iter_records, resolve_source
from workbench.formats import spacy_docbin
from workbench.importer import import_paths
from workbench.store import NewAnnotation, NewDocument, NewSpan, Store


def load(folder: Path, split: str) -> list[Any]:
    """The Docs of ``folder/split.spacy``."""
    import spacy
    from spacy.tokens import DocBin

    vocab = spacy.blank("en").vocab
    return list(DocBin().from_disk(folder / f"{split}.spacy").get_docs(vocab))


def docs_by_key(folder: Path) -> dict[tuple[str, str], Any]:
    """Every exported Doc by (document name, annotator)."""
    found = {}
    for split in ("train", "dev"):
        for doc in load(folder, split):
            found[(doc.user_data["document"], doc.user_data["annotator"])] = doc
    return found


def spans_of(doc: Any, key: str) -> list[tuple[int, int, str]]:
    return [(span.start_char, span.end_char, span.label_) for span in doc.spans[key]]


# -- Doc content --------------------------------------------------------------------------------


def test_docs_hold_the_stored_text_tokens_spans_cats_and_user_data(
    sqlite_store: Store, workdir: Path
) -> None:
    store = annotated(sqlite_store)
    result = export_spacy(store, out=workdir / "out", source="all", dev=0.0)
    assert sorted(path.name for path in (workdir / "out").iterdir()) == sorted(FILES)
    docs = docs_by_key(workdir / "out")
    assert set(docs) == {
        (name, who)
        for name, who in [
            ("summit", "ann"),
            ("summit", "bob"),
            ("summit", "cy"),
            ("summit", "gold"),
            ("energy", "ann"),
            ("energy", "bob"),
            ("energy", "cy"),
            ("energy", "gold"),
            ("sanctions", "ann"),
        ]
    }
    summit = docs[("summit", "ann")]
    assert summit.text == SUMMIT
    stored = store.document(store.document_by_name("summit"))
    assert [t.idx for t in summit] == stored.tokens.starts.tolist()
    assert [bool(t.whitespace_) for t in summit] == stored.tokens.spaces.tolist()
    assert [s.start for s in summit.sents] == stored.tokens.sent_starts.tolist()
    fact = SUMMIT.index("Xi")
    statistic = SUMMIT.index("Trade")
    quote = SUMMIT.index('"We')
    assert spans_of(summit, "claim_type") == [
        (fact, fact + 40, "FACT"),
        (statistic, statistic + 25, "STATISTIC"),
        (quote, quote + 18, "QUOTE"),
    ]
    assert spans_of(summit, "stance") == [(fact, fact + 40, "SUPPORTIVE")]
    assert spans_of(summit, "topic") == [(statistic, statistic + 25, "ECONOMY")]
    assert summit.spans["claim_type"][0].text == "Xi Jinping met Vladimir Putin in Moscow."
    assert summit.cats == {
        "SUPPORTIVE": 1.0,
        "CRITICAL": 0.0,
        "NEUTRAL": 0.0,
        "MIXED": 0.0,
        "ECONOMY": 1.0,
        "ENERGY": 0.0,
        "SECURITY": 0.0,
        "DIPLOMACY": 1.0,
        "UKRAINE": 0.0,
        "WORLD_ORDER": 0.0,
        "SANCTIONS": 0.0,
        "TECHNOLOGY": 0.0,
    }
    delayed = ENERGY.index("pipeline")
    assert spans_of(docs[("energy", "cy")], "topic") == [
        (delayed, delayed + 19, "ECONOMY"),
        (delayed, delayed + 19, "ENERGY"),
    ]
    assert docs[("energy", "ann")].text == ENERGY
    assert docs[("sanctions", "ann")].text == SANCTIONS
    splits = result.summary["splits"]
    assert splits["train"]["docs"] == 9
    assert splits["train"]["documents"] == 3
    assert splits["train"]["claim_type"]["FACT"] == 6
    assert splits["train"]["span_topics"]["ECONOMY"] == 7


def test_documents_without_a_stance_have_no_stance_cats(sqlite_store: Store, workdir: Path) -> None:
    store = annotated(sqlite_store)
    result = export_spacy(store, out=workdir / "out", source="all", dev=0.0)
    docs = docs_by_key(workdir / "out")
    for key in [("sanctions", "ann"), ("energy", "cy")]:
        cats = docs[key].cats
        assert not {"SUPPORTIVE", "CRITICAL", "NEUTRAL", "MIXED"} & set(cats)
        assert set(cats) == set(store.scheme.names("topics"))
    assert docs[("energy", "cy")].cats["SANCTIONS"] == 1.0
    assert result.summary["splits"]["train"]["no_stance"] == 2


def test_statuses_and_sources_select_the_records(sqlite_store: Store, workdir: Path) -> None:
    store = annotated(sqlite_store)
    export_spacy(store, out=workdir / "gold", source="gold", dev=0.0)
    assert sorted(docs_by_key(workdir / "gold")) == [("energy", "gold"), ("summit", "gold")]
    export_spacy(store, out=workdir / "bob", source="bob", status="any", dev=0.0)
    assert sorted(docs_by_key(workdir / "bob")) == [
        ("energy", "bob"),
        ("sanctions", "bob"),
        ("summit", "bob"),
    ]
    export_spacy(store, out=workdir / "some", source="all", docs=["energy"], dev=0.0)
    assert {name for name, _ in docs_by_key(workdir / "some")} == {"energy"}


def test_the_fast_encoder_writes_what_spacy_would(sqlite_store: Store) -> None:
    import spacy

    text = 'Zoë’s 👨‍👩‍👧 said "no"\n\nto   Putin\'s plan — twice.\tEnd'
    labels = (
        NewSpan(0, 5, "QUOTE", "MIXED", ("ECONOMY", "SECURITY")),
        NewSpan(0, 3, "FACT"),
        NewSpan(text.index("Putin"), len(text) - 4, "OPINION", None, ("UKRAINE",)),
    )
    sqlite_store.add_documents(
        [NewDocument("odd", text, annotations=(NewAnnotation("ann", spans=labels),))]
    )
    selection = resolve_source(sqlite_store, "all", "any")
    vocab = spacy.blank("en").vocab
    encoder = spacy_docbin.RecordEncoder(vocab, sqlite_store.scheme)
    for record in iter_records(sqlite_store, selection):
        doc, words = spacy_docbin.build_doc(vocab, record, sqlite_store.scheme)
        assert doc.text == text
        assert encoder.encode(record) == spacy_docbin.encode_doc(doc, words, encoder.pack)


# -- the split --------------------------------------------------------------------------------


def test_split_is_by_document_deterministic_and_sized(sqlite_store: Store, workdir: Path) -> None:
    store = many(sqlite_store, 20)
    export_spacy(store, out=workdir / "a", source="all", dev=0.25, seed=7)
    export_spacy(store, out=workdir / "b", source="all", dev=0.25, seed=7)
    for name in FILES:
        assert (workdir / "a" / name).read_bytes() == (workdir / "b" / name).read_bytes()
    train = {doc.user_data["document"] for doc in load(workdir / "a", "train")}
    dev = {doc.user_data["document"] for doc in load(workdir / "a", "dev")}
    assert not train & dev
    assert len(dev) == 5
    assert len(train) == 15
    assert len(load(workdir / "a", "dev")) == 10  # both annotators' Docs of each document
    export_spacy(store, out=workdir / "c", source="all", dev=0.25, seed=8)
    other = {doc.user_data["document"] for doc in load(workdir / "c", "dev")}
    assert other != dev
    summary = orjson.loads((workdir / "a" / "summary.json").read_bytes())
    assert summary["splits"]["dev"]["documents"] == 5
    assert summary["seed"] == 7


def test_split_keys_depend_only_on_the_document_and_seed() -> None:
    hashes = [f"{number:064x}" for number in range(100)]
    threshold = dev_threshold(hashes, 0.2, seed=3)
    chosen = [h for h in hashes if split_key(h, 3) <= threshold]
    assert len(chosen) == 20
    assert dev_threshold(hashes[:1], 0.5, seed=3) == -1
    assert sum(split_key(h, 3) <= dev_threshold(hashes[:2], 0.01, 3) for h in hashes[:2]) == 1


def test_an_empty_dev_set_is_a_warning_and_a_valid_file(sqlite_store: Store, workdir: Path) -> None:
    store = annotated(sqlite_store)
    result = export_spacy(store, out=workdir / "out", source="gold", dev=0.0)
    assert load(workdir / "out", "dev") == []
    assert any("dev.spacy is empty" in warning for warning in result.warnings)


# -- majority -------------------------------------------------------------------------------


def test_majority_merges_spans_stance_and_topics(sqlite_store: Store, workdir: Path) -> None:
    store = annotated(sqlite_store)
    result = export_spacy(store, out=workdir / "out", source="majority", dev=0.0)
    docs = docs_by_key(workdir / "out")
    assert set(docs) == {("summit", "majority"), ("energy", "majority"), ("sanctions", "majority")}
    summit = docs[("summit", "majority")]
    fact = SUMMIT.index("Xi")
    statistic = SUMMIT.index("Trade")
    assert spans_of(summit, "claim_type") == [
        (fact, fact + 40, "FACT"),
        (statistic, statistic + 25, "STATISTIC"),
    ]
    assert spans_of(summit, "stance") == [(fact, fact + 40, "SUPPORTIVE")]
    assert spans_of(summit, "topic") == [(statistic, statistic + 25, "ECONOMY")]
    assert summit.cats["SUPPORTIVE"] == 1.0
    assert [name for name, value in summit.cats.items() if value and name != "SUPPORTIVE"] == [
        "ECONOMY",
        "DIPLOMACY",
    ]
    energy = docs[("energy", "majority")]
    assert "NEUTRAL" not in energy.cats  # NEUTRAL 1, CRITICAL 1: a tie, left unset
    assert energy.cats["ENERGY"] == 1.0
    assert energy.cats["SANCTIONS"] == 0.0  # 1 of 3
    assert spans_of(energy, "claim_type") == [
        (ENERGY.index("Russia"), ENERGY.index("Russia") + 35, "PREDICTION"),
        (ENERGY.index("pipeline"), ENERGY.index("pipeline") + 19, "FACT"),
    ]
    assert spans_of(energy, "stance") == [(ENERGY.index("Russia"), 35, "NEUTRAL")]
    assert result.summary["stance_ties"] == ["energy"]
    assert any("tied in 1 documents" in warning for warning in result.warnings)
    sanctions = docs[("sanctions", "majority")]  # one done annotator: a majority of one
    assert sanctions.cats["SANCTIONS"] == 1.0


# -- files, errors ----------------------------------------------------------------------------


def test_config_is_complete_and_loads(sqlite_store: Store, workdir: Path) -> None:
    from spacy.util import load_config, load_model_from_config

    store = annotated(sqlite_store)
    export_spacy(store, out=workdir / "out", source="all", dev=0.4)
    config = load_config(workdir / "out" / "config.cfg")
    assert config["nlp"]["lang"] == "en"
    assert config["nlp"]["pipeline"] == ["spancat", "stance", "topics"]
    assert config["components"]["spancat"]["spans_key"] == "claim_type"
    assert config["components"]["stance"]["model"]["exclusive_classes"] is True
    assert config["components"]["topics"]["model"]["exclusive_classes"] is False
    labels = config["initialize"]["components"]
    assert labels["spancat"]["labels"] == list(store.scheme.names("claim_type"))
    assert labels["stance"]["labels"] == list(store.scheme.names("stance"))
    assert labels["topics"]["labels"] == list(store.scheme.names("topics"))
    # The longest claim, "Xi Jinping met Vladimir Putin in Moscow.", is 8 tokens.
    assert config["components"]["spancat"]["suggester"]["max_size"] == 8
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    assert nlp.pipe_names == ["spancat", "stance", "topics"]


def test_a_failed_export_leaves_the_previous_files(
    sqlite_store: Store, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = many(sqlite_store, 6)
    out = workdir / "out"
    export_spacy(store, out=out, source="all", dev=0.3)
    before = {name: (out / name).read_bytes() for name in FILES}

    def broken(self: Any, record: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(spacy_docbin.RecordEncoder, "_encode", broken)
    with pytest.raises(RuntimeError):
        export_spacy(store, out=out, source="all", dev=0.5, seed=3)
    assert {path.name for path in out.iterdir()} == set(FILES)
    assert {name: (out / name).read_bytes() for name in FILES} == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source": "nobody"}, "no annotator named 'nobody'"),
        ({"source": "all", "dev": 1.0}, "dev 1.0: use a fraction"),
        ({"source": "all", "docs": ["missing"]}, "unknown document 'missing'"),
        ({"source": "all", "status": "finished"}, "status 'finished'"),
        ({"source": "all", "status": "todo"}, "nothing to export"),
    ],
)
def test_bad_requests_are_clear_errors(
    sqlite_store: Store, workdir: Path, kwargs: dict[str, Any], message: str
) -> None:
    store = annotated(sqlite_store)
    with pytest.raises(WorkbenchError, match=message):
        export_spacy(store, out=workdir / "out", **kwargs)
    assert not (workdir / "out" / "train.spacy").exists()


def test_gold_without_gold_annotations_says_so(sqlite_store: Store, workdir: Path) -> None:
    many(sqlite_store, 2)
    with pytest.raises(NotFoundError, match="no gold annotations yet"):
        export_spacy(sqlite_store, out=workdir / "out", source="gold")


def test_export_spacy_command(workdir: Path, db_url: str) -> None:
    from typer.testing import CliRunner

    from workbench.cli import app
    from workbench.store import open_store

    store = open_store(db_url)
    annotated(store)
    store.close()
    runner = CliRunner()
    result = runner.invoke(
        app, ["--db", db_url, "export", "spacy", "--out", "out", "--source", "majority"]
    )
    assert result.exit_code == 0, result.output
    assert "python -m spacy train out/config.cfg" in result.stderr
    assert "tied in 1 documents" in result.stderr
    assert result.stdout == ""
    bad = runner.invoke(app, ["--db", db_url, "export", "spacy", "--source", "zed"])
    assert bad.exit_code == 1
    assert bad.stderr.startswith("error: --source zed: no annotator named 'zed'")


# -- a real training run ------------------------------------------------------------------------


@pytest.mark.slow
def test_spacy_trains_on_the_exported_seed_annotations(sqlite_store: Store, workdir: Path) -> None:
    """`python -m spacy train` runs on the export without edits (a few steps)."""
    import_paths(sqlite_store, [SEEDS])
    scheme = sqlite_store.scheme
    labels = scheme.names("claim_type")
    for index, row in enumerate(sqlite_store.list_documents()):
        document = sqlite_store.document(row.id)
        starts = document.tokens.starts.tolist()
        ends = document.tokens.ends.tolist()
        words = document.tokens.words(document.text)
        spans = tuple(
            NewSpan(starts[i], ends[i + 1], labels[i % len(labels)])
            for i in range(0, len(words) - 1, 40)
            if words[i].strip() and words[i + 1].strip()
        )
        for who in ("ann", "bob"):
            annotation = NewAnnotation(
                who,
                # One seed without a stance: the stance classifier must take it.
                stance=None if index == 0 else scheme.names("stance")[index % 4],
                topics=scheme.names("topics")[index : index + 3],
                spans=spans,
            )
            sqlite_store.add_documents(
                [NewDocument(row.name, document.text, annotations=(annotation,))]
            )
    out = workdir / "corpus"
    export_spacy(sqlite_store, out=out, source="majority", dev=0.2)
    command = [
        sys.executable,
        "-m",
        "spacy",
        "train",
        str(out / "config.cfg"),
        "--paths.train",
        str(out / "train.spacy"),
        "--paths.dev",
        str(out / "dev.spacy"),
        "--output",
        str(workdir / "model"),
        "--training.max_steps",
        "4",
        "--training.eval_frequency",
        "2",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    assert (workdir / "model" / "model-last" / "config.cfg").exists()
    import spacy

    nlp = spacy.load(workdir / "model" / "model-last")
    doc = nlp("Xi met Putin. Trade rose 26% last year.")
    assert set(doc.cats) == set(scheme.names("stance")) | set(scheme.names("topics"))
    assert abs(sum(doc.cats[name] for name in scheme.names("stance")) - 1.0) < 1e-4


# -- import hygiene -----------------------------------------------------------------------------


def test_exports_are_headless_and_load_spacy_only_when_they_build_docs() -> None:
    script = (
        "import sys\n"
        "import workbench.export.docbin, workbench.export.jsonl, workbench.export.sources\n"
        "import workbench.formats.prodigy, workbench.formats.doccano, workbench.importer\n"
        "from workbench.cli import app\n"
        "try:\n"
        "    app(['export', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    (listing,) = [line for line in done.stdout.splitlines() if line.startswith("MODULES ")]
    modules = set(listing.split())
    assert "workbench.export.docbin" in modules
    assert "textual" not in modules
    assert "spacy" not in modules


def test_a_full_disk_is_a_one_line_error_and_keeps_the_previous_files(
    sqlite_store: Store, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os as os_module

    from typer.testing import CliRunner

    from workbench.cli import app

    store = many(sqlite_store, 6)
    out = workdir / "out"
    export_spacy(store, out=out, source="all", dev=0.3)
    before = {name: (out / name).read_bytes() for name in FILES}

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os_module, "fsync", full)  # the flush before the rename
    result = CliRunner().invoke(
        app, ["--db", store.db.url, "export", "spacy", "--source", "all", "--out", str(out)]
    )
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0]
    assert "previous files are unchanged" in lines[0] and "Traceback" not in result.output
    assert {path.name for path in out.iterdir()} == set(FILES)
    assert {name: (out / name).read_bytes() for name in FILES} == before
