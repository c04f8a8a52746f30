"""Several annotator processes and a reader on one database: no lost change, no lock error."""

from __future__ import annotations

import multiprocessing
import time

import pytest
from helpers import REPO, SMALL_TEXTS
from sqlalchemy import text

from workbench.store import NewDocument, open_store

WRITERS = 4
MUTATIONS = 150
SCHEME = REPO / "labels" / "scheme.toml"


def annotate(url: str, name: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """One annotator: add spans, relabel, set stance and status; report what was acknowledged."""
    store = open_store(url, SCHEME)
    acknowledged = {"spans": 0, "relabels": 0, "errors": []}
    try:
        annotator = store.annotator(name)
        documents = [row.id for row in store.list_documents()]
        for i in range(MUTATIONS):
            document = documents[i % len(documents)]
            annotation = store.annotation(document, annotator.id)
            tokens = store.document(document).tokens
            token = (i // len(documents)) % len(tokens)
            start, end = tokens.char_span(token, token + 1)
            text = store.document(document).text[start:end]
            if not text.strip() or text != text.strip():
                continue
            try:
                span = store.add_span(annotation.id, start, end, "FACT")
            except Exception as exc:  # a duplicate from an earlier loop is fine, a lock is not
                if "already a FACT span" not in str(exc):
                    acknowledged["errors"].append(str(exc))  # type: ignore[attr-defined]
                continue
            acknowledged["spans"] += 1  # type: ignore[operator]
            if i % 3 == 0:
                store.relabel_span(annotation.id, span.id, "QUOTE")
                acknowledged["relabels"] += 1  # type: ignore[operator]
            if i % 5 == 0:
                store.set_stance(annotation.id, "NEUTRAL")
                store.set_status(annotation.id, "done")
    except Exception as exc:
        acknowledged["errors"].append(f"{type(exc).__name__}: {exc}")  # type: ignore[attr-defined]
    finally:
        store.close()
    results.put((name, acknowledged))


def read_loop(url: str, stop: float, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """The lead, watching: status, docs and a JSONL export over and over while they write."""
    from pathlib import Path
    from tempfile import TemporaryDirectory

    from workbench.export.jsonl import export_jsonl
    from workbench.report import docs_data, status_data

    errors: list[str] = []
    rounds = 0
    store = open_store(url, SCHEME)
    with TemporaryDirectory() as folder:
        while time.monotonic() < stop:
            try:
                status_data(store)
                docs_data(store)
                export_jsonl(store, out=Path(folder) / "all.jsonl", source="all", status="any")
                rounds += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
    store.close()
    results.put(("reader", {"rounds": rounds, "errors": errors}))


@pytest.mark.slow
def test_parallel_annotators_lose_nothing(backend_url: str) -> None:
    url = backend_url
    store = open_store(url, SCHEME)
    store.add_documents(NewDocument(name, text) for name, text in SMALL_TEXTS.items())
    store.close()

    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    reader = context.Process(target=read_loop, args=(url, time.monotonic() + 8, results))
    writers = [
        context.Process(target=annotate, args=(url, f"annotator-{i}", results))
        for i in range(WRITERS)
    ]
    reader.start()
    for process in writers:
        process.start()
    reports = dict(results.get(timeout=240) for _ in range(WRITERS + 1))
    for process in [*writers, reader]:
        process.join(timeout=60)
        assert process.exitcode == 0

    assert reports["reader"]["errors"] == []
    assert reports["reader"]["rounds"] > 0
    store = open_store(url, SCHEME)
    if url.startswith("sqlite"):
        with store.db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    counts = {(stats.name): stats.spans for stats in store.annotator_stats()}
    with store.db.engine.connect() as connection:
        for i in range(WRITERS):
            name = f"annotator-{i}"
            report = reports[name]
            assert report["errors"] == [], report["errors"][:3]
            quotes = connection.execute(
                text(
                    "SELECT count(*) FROM span JOIN annotation"
                    " ON annotation.id = span.annotation_id JOIN annotator"
                    " ON annotator.id = annotation.annotator_id"
                    " WHERE annotator.name = :name AND span.label = 'QUOTE'"
                ),
                {"name": name},
            ).scalar()
            assert counts[name] == report["spans"] > 0
            assert quotes == report["relabels"]
    store.close()
