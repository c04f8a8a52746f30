"""Training and model suggestions: ``workbench train`` against ``python -m spacy train``, and
``suggest model`` against bare ``nlp.pipe`` (issue 14 figures)."""

# How it runs: a fresh SQLite database of N gold documents (sentences of the seed articles,
# each document with two claim spans, a stance and a topic), then, each in a fresh interpreter:
# `workbench train --max-steps S` (export, spaCy's training, the best pipeline kept), and
# `python -m spacy train` on the same export (the config `workbench export spacy` wrote, the
# same corpus, the same step count): `train_ratio` is our wall time over spaCy's (target at
# most 1.1). Then, in this process on M documents: `suggest_model` (documents read a page at
# a time, Docs built from the stored tokens, nlp.pipe, suggestions stored in one transaction)
# against bare `nlp.pipe` of the same pipeline over the same Docs built beforehand:
# `suggest_model_ratio` is our rate over the bare rate (target at least 0.8).

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from workbench.export.docbin import export_spacy
from workbench.store import NewAnnotation, NewDocument, NewSpan, Store, open_store

FULL = {"train_docs": 400, "steps": 200, "suggest_docs": 5_000}
QUICK = {"train_docs": 40, "steps": 10, "suggest_docs": 300}
TARGET_TRAIN_RATIO = 1.1
TARGET_SUGGEST_RATIO = 0.8
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SCHEME = """
[[claim_type]]
name = "FACT"
[[claim_type]]
name = "STATISTIC"
[[stance]]
name = "NEUTRAL"
[[stance]]
name = "CRITICAL"
[[topics]]
name = "ECONOMY"
[[topics]]
name = "ENERGY"
"""


def sentences() -> list[str]:
    """The seed articles' sentences of five words or more (the corpus's vocabulary)."""
    found = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for sentence in line.replace("? ", ". ").split(". "):
                if len(sentence.split()) >= 5:
                    found.append(sentence.strip().rstrip(".") + ".")
    if not found:
        raise SystemExit(f"no seed sentences in {SEEDS}")
    return found


def documents(count: int, pool: list[str], *, gold: bool, seed: int) -> list[NewDocument]:
    """``count`` documents of six sentences; with ``gold``, each labelled by gold: the first
    three words of its first sentence a FACT, "rose N%" a STATISTIC, a stance and a topic."""
    rng = random.Random(seed)
    made = []
    for number in range(count):
        rise = f"Trade rose {rng.randint(2, 90)}% last year."
        body = [*rng.sample(pool, 3), rise, *rng.sample(pool, 2)]
        text = " ".join(body)
        annotations: tuple[NewAnnotation, ...] = ()
        if gold:
            first = text.split(" ", 3)
            fact_end = len(" ".join(first[:3]))
            stat = text.index("rose ")
            spans = (
                NewSpan(0, fact_end, "FACT", None, ()),
                NewSpan(stat, text.index("%", stat) + 1, "STATISTIC", None, ()),
            )
            annotations = (
                NewAnnotation(
                    "gold",
                    stance="CRITICAL" if number % 3 == 0 else "NEUTRAL",
                    topics=("ENERGY",) if "gas" in text or "oil" in text else ("ECONOMY",),
                    spans=spans,
                ),
            )
        made.append(NewDocument(f"d{seed}-{number:05d}", text, annotations=annotations))
    return made


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """Wall time of a command in a fresh interpreter (it must succeed)."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def bare_rate(store: Store, model: Path, count: int) -> tuple[float, int]:
    """Documents per second of bare ``nlp.pipe`` over Docs built from the stored tokens
    beforehand (not timed), with the same batch size and span threshold as ours."""
    from workbench.suggest import _documents
    from workbench.train.predict import BATCH, MIN_SCORE, load_pipeline
    from workbench.train.registry import find_model

    nlp = load_pipeline(find_model(str(model)), MIN_SCORE)
    docs = [tokens.to_doc(nlp.vocab, text) for _, text, tokens in _documents(store, None)]
    docs = docs[:count]
    start = time.perf_counter()
    predicted = sum(1 for _ in nlp.pipe(docs, batch_size=BATCH))
    return predicted / (time.perf_counter() - start), predicted


def main() -> None:
    """Parse the options, run the benchmark and print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke size")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    pool = sentences()
    with tempfile.TemporaryDirectory(prefix="workbench-train-bench-") as folder:
        tmp = Path(folder)
        (tmp / "scheme.toml").write_text(SCHEME, encoding="utf-8")
        url = f"sqlite:///{tmp / 'train.db'}"
        store = open_store(url, tmp / "scheme.toml")
        store.add_documents(documents(size["train_docs"], pool, gold=True, seed=1))
        env = {
            **os.environ,
            "WORKBENCH_DB": url,
            "WORKBENCH_SCHEME": str(tmp / "scheme.toml"),
            "WORKBENCH_MODELS": str(tmp / "models"),
        }
        steps = str(size["steps"])
        ours = [sys.executable, "-m", "workbench", "train", "--name", "bench", "--max-steps"]
        ours_seconds = timed([*ours, steps], env, tmp)

        export_spacy(store, out=tmp / "corpus", source="gold")  # what ours trained on
        config = tmp / "corpus" / "config.cfg"
        from spacy import util

        written = util.load_config(config, interpolate=False)["training"]["eval_frequency"]
        eval_frequency = min(int(written), int(steps))  # as `workbench train` sets it
        spacy_train = [sys.executable, "-m", "spacy", "train", str(config)]
        spacy_train += ["--output", str(tmp / "spacy-out")]
        spacy_train += ["--paths.train", str(tmp / "corpus" / "train.spacy")]
        spacy_train += ["--paths.dev", str(tmp / "corpus" / "dev.spacy")]
        spacy_train += ["--training.max_steps", steps]
        spacy_train += ["--training.eval_frequency", str(eval_frequency)]
        spacy_seconds = timed(spacy_train, env, tmp)

        from workbench.train.predict import suggest_model

        store.add_documents(documents(size["suggest_docs"], pool, gold=False, seed=2))
        model = tmp / "models" / "bench"
        start = time.perf_counter()
        summary = suggest_model(store, str(model), models=tmp / "models")
        ours_suggest = time.perf_counter() - start
        total = size["train_docs"] + size["suggest_docs"]
        ours_rate = total / ours_suggest
        raw_rate, predicted = bare_rate(store, model, total)
        store.close()

    train_ratio = ours_seconds / spacy_seconds
    suggest_ratio = ours_rate / raw_rate
    figures: dict[str, Any] = {
        "train_docs": size["train_docs"],
        "steps": size["steps"],
        "train_seconds": round(ours_seconds, 2),
        "spacy_train_seconds": round(spacy_seconds, 2),
        "train_ratio": round(train_ratio, 3),
        "target_train_ratio": TARGET_TRAIN_RATIO,
        "meets_train_target": train_ratio <= TARGET_TRAIN_RATIO,
        "suggest_docs": total,
        "suggestions_stored": summary.added,
        "suggest_model_docs_per_s": round(ours_rate, 1),
        "bare_pipe_docs_per_s": round(raw_rate, 1),
        "bare_pipe_docs": predicted,
        "suggest_model_ratio": round(suggest_ratio, 3),
        "target_suggest_model_ratio": TARGET_SUGGEST_RATIO,
        "meets_suggest_model_target": suggest_ratio >= TARGET_SUGGEST_RATIO,
    }
    rows = [
        ("corpus", f"{size['train_docs']:,} gold documents, {size['steps']} training steps"),
        ("workbench train", f"{ours_seconds:.2f} s (export, training, the best pipeline kept)"),
        ("python -m spacy train", f"{spacy_seconds:.2f} s (same config, corpus and steps)"),
        (
            "train ratio",
            f"{train_ratio:.3f} ours / spaCy's (target <= {TARGET_TRAIN_RATIO}:"
            f" {'met' if train_ratio <= TARGET_TRAIN_RATIO else 'NOT met'})",
        ),
        ("suggest model", f"{ours_rate:,.0f} documents/s over {total:,} (stored included)"),
        ("bare nlp.pipe", f"{raw_rate:,.0f} documents/s over the same Docs, built beforehand"),
        (
            "suggest model ratio",
            f"{suggest_ratio:.3f} ours / bare (target >= {TARGET_SUGGEST_RATIO}:"
            f" {'met' if suggest_ratio >= TARGET_SUGGEST_RATIO else 'NOT met'})",
        ),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
