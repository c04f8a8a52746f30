"""Import throughput: synthetic articles through ``import_paths`` against raw ``nlp.pipe``."""

# How it runs: the parent only writes the articles to a temp folder (streaming, keeping none of
# them), then starts fresh interpreters of this script for each timed phase: raw ``nlp.pipe``,
# the import of N/4 articles, the import of all N, and raw again. Every child builds and warms
# the pipeline before its clock starts, and each reports its own peak RSS, so the import's
# memory is measured alone and can be compared between N/4 and N.

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
from _common import MB, peak_rss_mb
from _common import run_child as run_shared

from workbench.importer import import_paths
from workbench.nlp import pipeline
from workbench.store import open_store
from workbench.store.documents import BATCH_SIZE

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
FULL_N = 20_000
QUICK_N = 300
WORDS_PER_ARTICLE = 800
TARGET_RATIO = 0.6


def seed_sentences() -> list[str]:
    """Every sentence of the seed articles, whitespace collapsed, split by the sentencizer."""
    nlp = pipeline()
    sentences: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = re.sub(r"\s+", " ", path.read_text(encoding="utf-8")).strip()
        # Two-word fragments (stray headings) would make articles read like lists.
        sentences.extend(s.text for s in nlp(text).sents if len(s.text.split()) >= 3)
    if not sentences:
        raise SystemExit(f"no seed sentences found in {SEEDS}")
    return sentences


def articles(n: int, sentences: list[str]) -> Iterator[str]:
    """``n`` distinct articles of about WORDS_PER_ARTICLE words, the same on every run.

    The numbered title line alone makes every text unique, so no article is skipped as a
    duplicate even if the seeded sampling happened to repeat a body.
    """
    rng = random.Random(0)
    for number in range(1, n + 1):
        paragraphs: list[str] = []
        words = 0
        while words < WORDS_PER_ARTICLE:
            paragraph = rng.sample(sentences, rng.randint(3, 7))
            paragraphs.append(" ".join(paragraph))
            words += sum(len(s.split()) for s in paragraph)
        yield f"Article {number:06d}\n\n" + "\n\n".join(paragraphs) + "\n"


def write_articles(n: int, folder: Path, quarter: int) -> int:
    """Write the articles as .txt files, the first ``quarter`` in ``a/`` and the rest in ``b/``;
    the number of words written.

    Importing ``a/`` alone gives the N/4 run without a second copy of the files.
    """
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    words = 0
    for index, text in enumerate(articles(n, seed_sentences())):
        part = folder / ("a" if index < quarter else "b")
        (part / f"article_{index + 1:06d}.txt").write_text(text, encoding="utf-8")
        words += len(text.split())
    return words


def child_raw(folder: Path) -> dict[str, Any]:
    """Time ``nlp.pipe`` (tokenizer plus sentencizer) over the folder's texts, nothing stored.

    The files are read, in the order the import reads them, before the clock starts.
    """
    texts = [path.read_text(encoding="utf-8") for path in sorted(folder.rglob("*.txt"))]
    nlp = pipeline()
    nlp("Warm up the tokenizer before the clock starts.")
    tokens = 0
    start = time.perf_counter()
    for doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
        tokens += len(doc)  # touch every doc so each one is really produced
    elapsed = time.perf_counter() - start
    return {"docs": len(texts), "tokens": tokens, "seconds": elapsed, "peak_rss_mb": peak_rss_mb()}


def child_import(folder: Path, db: Path) -> dict[str, Any]:
    """Import ``folder`` into a fresh database the way the CLI does, timed.

    Only ``import_paths`` is timed: opening the store and building the pipeline come first,
    as they do before the raw baseline's clock starts.
    """
    store = open_store(f"sqlite:///{db}")
    pipeline()("Warm up the tokenizer before the clock starts.")
    process = psutil.Process()
    rss_before = process.memory_info().rss / MB
    samples: list[float] = []

    def progress(done: int, total: int) -> None:
        samples.append(process.memory_info().rss / MB)

    start = time.perf_counter()
    summary = import_paths(store, [folder], progress=progress)
    elapsed = time.perf_counter() - start
    store.close()
    # Current RSS at a quarter, half, three quarters and the end of the import: flat if the
    # import streams, rising if it keeps documents around.
    marks = [samples[max(0, len(samples) * k // 4 - 1)] for k in (1, 2, 3, 4)] if samples else []
    return {
        "docs": len(summary.imported),
        "skipped": len(summary.skipped),
        "seconds": elapsed,
        "rss_before_mb": rss_before,
        "rss_marks_mb": marks,
        "peak_rss_mb": peak_rss_mb(),
        "db_mb": db.stat().st_size / MB,
    }


def run_child(expected: int, *args: str) -> dict[str, Any]:
    """Run one phase in a fresh interpreter; its figures, checked to cover ``expected`` docs."""
    result = run_shared(__file__, *args)
    if result["docs"] != expected or result.get("skipped"):
        raise SystemExit(
            f"{args[0]}: expected {expected} documents and none skipped, got {result['docs']}"
            f" and {result.get('skipped', 0)} skipped"
        )
    return result


def main() -> None:
    """Parse the options, run the benchmark and print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"smoke size: {QUICK_N} articles")
    parser.add_argument("--n", type=int, help=f"number of articles (default {FULL_N})")
    parser.add_argument("--child-raw", metavar="FOLDER", help=argparse.SUPPRESS)
    parser.add_argument("--child-import", nargs=2, metavar=("FOLDER", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_raw:
        print(json.dumps(child_raw(Path(args.child_raw))))
        return
    if args.child_import:
        folder, db = args.child_import
        print(json.dumps(child_import(Path(folder), Path(db))))
        return

    n = args.n if args.n is not None else QUICK_N if args.quick else FULL_N
    if n < 4:
        parser.error("--n must be at least 4")
    quarter = n // 4

    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as tmp:
        folder = Path(tmp) / "articles"
        words = write_articles(n, folder, quarter)
        # Raw runs before and after the imports, the faster one kept: on a shared 2-core
        # machine the faster run is the better estimate of what the tokenizer alone can do,
        # and taking the best makes the ratio conservative (the import gets one run only).
        raw_first = run_child(n, "--child-raw", str(folder))
        small = run_child(quarter, "--child-import", str(folder / "a"), f"{tmp}/quarter.db")
        full = run_child(n, "--child-import", str(folder), f"{tmp}/bench.db")
        raw_second = run_child(n, "--child-raw", str(folder))
    raw_seconds = min(raw_first["seconds"], raw_second["seconds"])

    raw_rate = n / raw_seconds
    import_rate = n / full["seconds"]
    quarter_rate = quarter / small["seconds"]
    ratio = import_rate / raw_rate
    meets = ratio >= TARGET_RATIO
    figures: dict[str, Any] = {
        "n_docs": n,
        "words_per_doc": round(words / n, 1),
        "tokens_per_doc": round(raw_first["tokens"] / n, 1),
        "batch_size": BATCH_SIZE,
        "raw_docs_per_s": round(raw_rate, 1),
        "raw_seconds_runs": [round(raw_first["seconds"], 3), round(raw_second["seconds"], 3)],
        "import_docs_per_s": round(import_rate, 1),
        "import_seconds": round(full["seconds"], 3),
        "import_ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": meets,
        "peak_rss_mb": round(full["peak_rss_mb"], 1),
        "rss_before_import_mb": round(full["rss_before_mb"], 1),
        "rss_during_import_mb": [round(mark, 1) for mark in full["rss_marks_mb"]],
        "quarter_n_docs": quarter,
        "quarter_import_docs_per_s": round(quarter_rate, 1),
        "quarter_peak_rss_mb": round(small["peak_rss_mb"], 1),
        "raw_peak_rss_mb": round(raw_first["peak_rss_mb"], 1),
        "db_mb": round(full["db_mb"], 1),
    }

    rows = [
        ("articles", f"{n:,} (about {words / n:.0f} words each, batch size {BATCH_SIZE})"),
        (
            "raw nlp.pipe",
            f"{raw_rate:,.0f} docs/s (best of {raw_first['seconds']:.2f} s"
            f" before, {raw_second['seconds']:.2f} s after the imports)",
        ),
        ("import_paths", f"{import_rate:,.0f} docs/s ({full['seconds']:.2f} s)"),
        ("ratio", f"{ratio:.3f} (target >= {TARGET_RATIO}: {'met' if meets else 'NOT met'})"),
        (f"import_paths N/4 = {quarter:,}", f"{quarter_rate:,.0f} docs/s"),
        ("peak RSS, import N", f"{full['peak_rss_mb']:.1f} MB"),
        ("peak RSS, import N/4", f"{small['peak_rss_mb']:.1f} MB"),
        (
            "RSS during import N",
            f"{full['rss_before_mb']:.1f} MB before; at 1/4, 1/2, 3/4, end: "
            + ", ".join(f"{mark:.1f}" for mark in full["rss_marks_mb"])
            + " MB",
        ),
        ("peak RSS, raw (all texts)", f"{raw_first['peak_rss_mb']:.1f} MB"),
        ("database size", f"{full['db_mb']:.1f} MB"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
