"""``workbench suggest patterns`` against spaCy's ``SpanRuler`` alone, over the same Docs.

The corpus is import_bench's synthetic articles, stored once. The raw baseline holds every
document's text and stored tokens in memory before its clock starts, then builds each ``Doc``
from the stored tokens and runs the same ``SpanRuler`` over it; ours is the whole command:
reading the documents from the database, matching, and storing the suggestions.
``patterns_ratio`` is our rate over the raw rate (target at least 0.8): the median over rounds
of raw then ours, so that a slow spell of a shared machine weighs on both alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from import_bench import articles, seed_sentences

from workbench.nlp import pipeline
from workbench.store import NewDocument, open_store
from workbench.suggest import SPANS_KEY, _documents, _ruler, read_patterns, suggest_patterns

FULL_N = 20_000
QUICK_N = 500
TARGET_RATIO = 0.8
ROUNDS = 3
PATTERNS = [
    {"label": "FACT", "pattern": "China", "id": "china"},
    {"label": "FACT", "pattern": "Russia", "id": "russia"},
    {"label": "QUOTE", "pattern": [{"LOWER": "said"}, {"IS_PUNCT": True, "OP": "?"}]},
    {"label": "STATISTIC", "pattern": [{"LIKE_NUM": True}, {"LOWER": {"IN": ["percent", "%"]}}]},
    {
        "label": "PREDICTION",
        "pattern": [{"LOWER": "will"}, {"IS_ALPHA": True}],
    },
    {"label": "OPINION", "pattern": [{"LOWER": {"IN": ["crucial", "vital", "significant"]}}]},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"smoke size: {QUICK_N} documents")
    parser.add_argument("--n", type=int, help=f"number of documents (default {FULL_N})")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="raw-then-ours rounds")
    args = parser.parse_args()
    n = args.n or (QUICK_N if args.quick else FULL_N)
    with tempfile.TemporaryDirectory() as folder:
        figures = run(n, Path(folder), max(args.rounds, 1))
    print(f"documents                  {figures['n_docs']:,}")
    print(f"suggestions stored         {figures['suggestions']:,}")
    print(f"raw SpanRuler              {figures['raw_docs_per_s']:,.0f} docs/s")
    print(f"suggest patterns           {figures['ours_docs_per_s']:,.0f} docs/s")
    met = "met" if figures["meets_target"] else "NOT met"
    ratio = figures["patterns_ratio"]
    rounds = ", ".join(f"{r:.3f}" for r in figures["round_ratios"])
    print(
        f"patterns_ratio             {ratio:.3f} (target >= {TARGET_RATIO}: {met}), median of"
        f" {figures['rounds']} rounds: {rounds}"
    )
    print(json.dumps(figures))


def run(n: int, folder: Path, rounds: int) -> dict[str, Any]:
    store = open_store(f"sqlite:///{folder / 'suggest.db'}")
    store.add_documents(
        NewDocument(f"article-{i:06d}", text)
        for i, text in enumerate(articles(n, seed_sentences()))
    )
    path = folder / "claims.jsonl"
    path.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in PATTERNS))
    vocab = pipeline().vocab
    ruler = _ruler(read_patterns(path, store), path)
    stored = list(_documents(store, None))  # in memory before the raw clock starts
    ruler(stored[0][2].to_doc(vocab, stored[0][1]))  # warm up
    raws, ours, ratios = [], [], []
    summary = None
    # Rounds of raw then ours, so that a slow spell of a shared machine hits both alike.
    for _ in range(rounds):
        start = time.perf_counter()
        raw_spans = 0
        for _, text, tokens in stored:
            raw_spans += len(ruler(tokens.to_doc(vocab, text)).spans[SPANS_KEY])
        raws.append(time.perf_counter() - start)
        store.clear_suggestions(f"patterns:{path.stem}")  # each round stores them anew
        start = time.perf_counter()
        summary = suggest_patterns(store, path)
        ours.append(time.perf_counter() - start)
        if summary.added != raw_spans:
            raise SystemExit(f"stored {summary.added} suggestions, the raw run found {raw_spans}")
        ratios.append(raws[-1] / ours[-1])
    store.close()
    assert summary is not None
    ratio = statistics.median(ratios)
    raw, our = statistics.median(raws), statistics.median(ours)
    return {
        "n_docs": n,
        "rounds": rounds,
        "suggestions": summary.added,
        "raw_seconds": round(raw, 3),
        "ours_seconds": round(our, 3),
        "raw_docs_per_s": n / raw,
        "ours_docs_per_s": n / our,
        "round_ratios": [round(r, 3) for r in ratios],
        "patterns_ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
    }


if __name__ == "__main__":
    main()
