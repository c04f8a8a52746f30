"""Agreement at scale: our nominal alpha against the ``krippendorff`` package, and the report."""

# How it runs: a fresh SQLite database is filled directly with bulk inserts (synthetic texts
# split on spaces, so no spaCy): N documents, 3 annotators who each give every document a
# stance, topics and 20 claim spans, copied from a shared "truth" with seeded noise so the
# figures are neither 0 nor 1. Then, in the same process: our ``alpha_nominal_matrix`` and
# ``krippendorff.alpha`` on the same coders x documents stance matrix (best of several runs,
# values checked equal), the whole report as ``workbench agreement --json`` builds it
# (``agreement_report`` plus the JSON dump), and the real command in a fresh interpreter; then
# ``workbench report --html`` in a fresh interpreter on the same database, against that command
# (``report_ratio``, issue 16: at most 2).

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import orjson
from sqlalchemy import insert

from workbench import models
from workbench.agreement import alpha_nominal_matrix
from workbench.agreement.collect import collect, resolve
from workbench.agreement.report import agreement_report
from workbench.nlp import Tokenization
from workbench.store import Store, open_store, text_hash

FULL_N = 20_000
QUICK_N = 500
ANNOTATORS = ("ann", "bob", "cy")
SPANS_PER_DOC = 20
SLOT = 12
"""Tokens per span slot: each of the 20 spans lives in its own slot, the text is 20 slots."""
REPEATS = 7
TARGET_ALPHA_RATIO = 1.5
TARGET_REPORT_RATIO = 2.0
VOCABULARY = (
    "Xi Putin Moscow Beijing trade gas pipeline summit talks partners sanctions energy grain"
    " oil yuan ruble border security treaty analysts say expect closer ties the a of and in"
)
WORDS = tuple(VOCABULARY.split())
INSERT_BATCH = 20_000


def tokenization(words: list[str]) -> tuple[str, Tokenization]:
    """The text of ``words`` joined by single spaces, and its tokens (one per word)."""
    lengths = np.array([len(word) for word in words], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    spaces = np.ones(len(words), dtype=np.bool_)
    spaces[-1] = False
    sentences = np.arange(0, len(words), SLOT, dtype=np.int64)
    return " ".join(words), Tokenization(starts, starts + lengths, spaces, sentences)


def build(store: Store, n: int, seed: int = 0) -> int:
    """Fill the store with ``n`` documents annotated by three annotators; the span count."""
    rng = random.Random(seed)
    scheme = store.scheme
    labels = scheme.names("claim_type")
    stances = scheme.names("stance")
    topics = scheme.names("topics")
    stamp = models.now()
    documents: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    spans: list[dict[str, Any]] = []
    annotator_ids = [store.annotator(name).id for name in ANNOTATORS]

    def flush() -> None:
        # Parents before children, all in one transaction, so foreign keys always hold.
        with store.db.write() as session:
            for table, rows in (
                (models.Document, documents),
                (models.Annotation, annotations),
                (models.Span, spans),
            ):
                if rows:
                    session.execute(insert(table), rows)
                    rows.clear()

    span_count = 0
    for number in range(1, n + 1):
        words = [f"Document{number:06d}"] + [
            rng.choice(WORDS) for _ in range(SPANS_PER_DOC * SLOT - 1)
        ]
        text, tokens = tokenization(words)
        documents.append(
            {
                "id": number,
                "name": f"doc{number:06d}",
                "text": text,
                "hash": text_hash(text),
                "meta": "{}",
                "n_chars": len(text),
                "n_tokens": len(tokens),
                "n_sents": len(tokens.sent_starts),
                "created_at": stamp,
                **tokens.to_columns(),
            }
        )
        stance = rng.choice(stances)
        topic_set = set(rng.sample(topics, rng.randint(1, 3)))
        truth = []
        for slot in range(SPANS_PER_DOC):
            first = slot * SLOT + rng.randint(1, 3)
            truth.append((first, first + rng.randint(2, 7), rng.choice(labels)))
        for coder, annotator_id in enumerate(annotator_ids):
            annotation_id = (number - 1) * len(annotator_ids) + coder + 1
            chosen = set(topic_set)
            if rng.random() < 0.3:
                chosen ^= {rng.choice(topics)}
            annotations.append(
                {
                    "id": annotation_id,
                    "document_id": number,
                    "annotator_id": annotator_id,
                    "status": "done",
                    "stance": stance if rng.random() < 0.75 else rng.choice(stances),
                    "topics": orjson.dumps(sorted(chosen)).decode(),
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
            for first, last, label in truth:
                roll = rng.random()
                if 0.7 <= roll < 0.85:  # a boundary one token off
                    last = max(first + 1, last + rng.choice((-1, 1)))
                elif roll >= 0.85:
                    label = rng.choice(labels)
                start, end = tokens.char_span(first, last)
                spans.append(
                    {
                        "annotation_id": annotation_id,
                        "start": start,
                        "end": end,
                        "token_start": first,
                        "token_end": last,
                        "label": label,
                        "stance": rng.choice((None, *stances)),
                        "topics": orjson.dumps(
                            sorted(rng.sample(topics, rng.randint(0, 1)))
                        ).decode(),
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                )
                span_count += 1
        if len(spans) >= INSERT_BATCH:
            flush()
    flush()
    return span_count


def best_of(repeats: int, function: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``repeats`` timed calls, and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    """Parse the options, run the benchmark and print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"smoke size: {QUICK_N} documents")
    parser.add_argument("--n", type=int, help=f"number of documents (default {FULL_N})")
    args = parser.parse_args()
    n = args.n if args.n is not None else QUICK_N if args.quick else FULL_N
    if n < 1:
        parser.error("--n must be at least 1")

    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'agreement.db'}"
        store = open_store(url)
        start = time.perf_counter()
        span_count = build(store, n)
        build_seconds = time.perf_counter() - start

        # The reliability matrix the report itself uses: annotators x documents stance codes.
        matrix = collect(store, resolve(store, None, "done", None)).stance
        ours_seconds, ours = best_of(REPEATS, lambda: alpha_nominal_matrix(matrix))
        package_seconds, package = best_of(
            REPEATS,
            lambda: krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"),
        )
        difference = abs(ours.defined_value - float(package))
        if difference > 1e-9:
            raise SystemExit(f"alpha differs: ours {ours.value!r}, krippendorff {package!r}")

        def report() -> bytes:
            return orjson.dumps(agreement_report(store), option=orjson.OPT_INDENT_2)

        report_seconds, payload = best_of(1 if n >= FULL_N else 3, report)
        data = json.loads(payload)
        store.close()

        command = [sys.executable, "-c", "from workbench.cli import main; main()"]
        command += ["--db", url, "agreement", "--json"]
        start = time.perf_counter()
        done = subprocess.run(command, check=True, capture_output=True)
        cli_seconds = time.perf_counter() - start
        if json.loads(done.stdout)["stance"]["alpha"] != data["stance"]["alpha"]:
            raise SystemExit("the command's JSON differs from the report's")

        page = Path(tmp) / "report.html"
        command[-2:] = ["report", "--html", str(page)]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        html_seconds = time.perf_counter() - start
        html_mb = page.stat().st_size / 1e6
        if page.read_text(encoding="utf-8").count("<svg") < 4:
            raise SystemExit("the HTML report has fewer charts than it should")

    ratio = ours_seconds / package_seconds
    meets = ratio <= TARGET_ALPHA_RATIO
    report_ratio = html_seconds / cli_seconds
    meets_report = report_ratio <= TARGET_REPORT_RATIO
    figures: dict[str, Any] = {
        "n_docs": n,
        "annotators": len(ANNOTATORS),
        "spans": span_count,
        "build_seconds": round(build_seconds, 2),
        "alpha": ours.value,
        "alpha_package": float(package),
        "alpha_difference": difference,
        "alpha_ours_ms": round(ours_seconds * 1000, 3),
        "alpha_package_ms": round(package_seconds * 1000, 3),
        "alpha_time_ratio": round(ratio, 3),
        "target_alpha_ratio": TARGET_ALPHA_RATIO,
        "meets_target": meets,
        "report_seconds": round(report_seconds, 3),
        "report_json_mb": round(len(payload) / 1e6, 2),
        "cli_seconds": round(cli_seconds, 3),
        "documents_compared": data["documents_compared"],
        "report_html_seconds": round(html_seconds, 3),
        "report_html_mb": round(html_mb, 2),
        "report_ratio": round(report_ratio, 3),
        "target_report_ratio": TARGET_REPORT_RATIO,
        "meets_report_target": meets_report,
    }
    rows = [
        ("documents", f"{n:,} x {len(ANNOTATORS)} annotators, {span_count:,} spans"),
        ("database built in", f"{build_seconds:.1f} s (bulk inserts, not timed below)"),
        ("alpha, ours", f"{ours_seconds * 1000:.2f} ms (best of {REPEATS}) = {ours.value:.12f}"),
        (
            "alpha, krippendorff",
            f"{package_seconds * 1000:.2f} ms (best of {REPEATS}) = {float(package):.12f}",
        ),
        (
            "alpha time ratio",
            f"{ratio:.3f} ours / package (target <= {TARGET_ALPHA_RATIO}:"
            f" {'met' if meets else 'NOT met'}); values differ by {difference:.1e}",
        ),
        ("report (in process)", f"{report_seconds:.2f} s, {len(payload) / 1e6:.1f} MB of JSON"),
        ("workbench agreement --json", f"{cli_seconds:.2f} s in a fresh interpreter"),
        (
            "workbench report --html",
            f"{html_seconds:.2f} s in a fresh interpreter, {html_mb:.1f} MB",
        ),
        (
            "report ratio",
            f"{report_ratio:.3f} report --html / agreement --json (target <="
            f" {TARGET_REPORT_RATIO}: {'met' if meets_report else 'NOT met'})",
        ),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
