"""Export throughput: ``export spacy`` and ``export jsonl`` against raw spaCy and orjson."""

# How it runs: the parent builds a fresh SQLite database with bulk inserts (synthetic articles
# made of the seed sentences, tokenized once; three annotators who each mark 20 claim spans
# copied from a shared "truth" with seeded noise, plus stance and topics). Then fresh
# interpreters of this script time each phase on their own, each reporting its peak RSS:
#
# - ours, spaCy: ``export_spacy(source="majority")``, the whole call (database reads, the
#   majority merge, Docs, the streamed DocBin files, config and summary);
# - raw, spaCy: the same Docs built from in-memory token lists, spans, cats and user data
#   (taken from our output before the clock starts, a chunk at a time) into spaCy's own
#   ``DocBin``, then ``DocBin.to_disk``;
# - ours, JSONL: ``export_jsonl(source="all")``, one line per annotation;
# - raw, JSONL: ``orjson.dumps`` of the same records (parsed from our file before the clock
#   starts, a chunk at a time) written to a file; its bytes must equal ours.
#
# The ratios are rates, ours over raw (raw seconds / our seconds): 1.0 means as fast as the
# raw work alone.

from __future__ import annotations

import argparse
import hashlib
import json
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import psutil
from _common import MB, peak_rss_mb, run_child
from sqlalchemy import insert

from workbench import models
from workbench.nlp import Tokenization, pipeline
from workbench.store import Store, open_store, text_hash

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
FULL_N = 20_000
QUICK_N = 300
ANNOTATORS = ("ann", "bob", "cy")
SPANS_PER_DOC = 20
SENTENCES_PER_DOC = 40
"""About 950 tokens (800 words) an article, as in bench/import_bench.py."""
CHUNK = 256
INSERT_BATCH = 20_000
TARGET_DOCBIN = 0.8
TARGET_JSONL = 0.7

Sentence = tuple[str, list[tuple[int, int, bool]]]
"""A sentence's text and its tokens: start, end, followed by a space."""


# -- the database ------------------------------------------------------------------------------


def seed_sentences() -> list[Sentence]:
    """Every seed sentence (whitespace collapsed) with its spaCy tokens, relative offsets."""
    nlp = pipeline()
    sentences: list[Sentence] = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = " ".join(path.read_text(encoding="utf-8").split())
        for sent in nlp(text).sents:
            if len(sent) < 4:
                continue
            base = sent.start_char
            tokens = [(t.idx - base, t.idx - base + len(t.text), bool(t.whitespace_)) for t in sent]
            last_start, last_end, _ = tokens[-1]
            tokens[-1] = (last_start, last_end, False)
            sentences.append((sent.text, tokens))
    if not sentences:
        raise SystemExit(f"no seed sentences found in {SEEDS}")
    return sentences


def article(
    number: int, sentences: list[Sentence], rng: random.Random
) -> tuple[str, Tokenization, list[tuple[int, int]]]:
    """A synthetic article: a title, then seed sentences in paragraphs; its tokens and the
    token range of each sentence."""
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    spaces: list[bool] = []
    sent_starts: list[int] = []
    ranges: list[tuple[int, int]] = []
    offset = 0

    def add(text: str, tokens: list[tuple[int, int, bool]]) -> None:
        nonlocal offset
        sent_starts.append(len(starts))
        for start, end, space in tokens:
            starts.append(offset + start)
            ends.append(offset + end)
            spaces.append(space)
        parts.append(text)
        offset += len(text)

    title = f"Article {number:06d}"
    add(title, [(0, 7, True), (8, len(title), False)])
    for index, (text, tokens) in enumerate(rng.sample(sentences, SENTENCES_PER_DOC)):
        if index % 5 == 0:  # a paragraph break: spaCy makes it a token of its own
            starts.append(offset)
            ends.append(offset + 2)
            spaces.append(False)
            parts.append("\n\n")
            offset += 2
        else:
            spaces[-1] = True
            parts.append(" ")
            offset += 1
        first = len(starts)
        add(text, tokens)
        ranges.append((first, len(starts)))
    tokenization = Tokenization(
        np.array(starts, dtype=np.int64),
        np.array(ends, dtype=np.int64),
        np.array(spaces, dtype=np.bool_),
        np.array(sent_starts, dtype=np.int64),
    )
    return "".join(parts), tokenization, ranges


def build(store: Store, n: int, seed: int = 0) -> tuple[int, int]:
    """Fill the store with ``n`` articles annotated by three annotators; tokens and spans."""
    rng = random.Random(seed)
    sentences = seed_sentences()
    scheme = store.scheme
    labels = scheme.names("claim_type")
    stances = scheme.names("stance")
    topics = scheme.names("topics")
    stamp = 1_700_000_000.0
    annotator_ids = [store.annotator(name).id for name in ANNOTATORS]
    rows: dict[Any, list[dict[str, Any]]] = {
        models.Document: [],
        models.Annotation: [],
        models.Span: [],
    }

    def flush() -> None:
        # Parents before children, all in one transaction, so foreign keys always hold.
        with store.db.write() as session:
            for table, batch in rows.items():
                if batch:
                    session.execute(insert(table), batch)
                    batch.clear()

    token_count = span_count = 0
    for number in range(1, n + 1):
        text, tokens, ranges = article(number, sentences, rng)
        token_count += len(tokens)
        rows[models.Document].append(
            {
                "id": number,
                "name": f"article{number:06d}",
                "text": text,
                "hash": text_hash(text),
                "meta": orjson.dumps({"source": "bench"}).decode(),
                "n_chars": len(text),
                "n_tokens": len(tokens),
                "n_sents": len(tokens.sent_starts),
                "created_at": stamp,
                **tokens.to_columns(),
            }
        )
        stance = rng.choice((None, *stances, *stances))
        chosen = set(rng.sample(topics, rng.randint(1, 3)))
        truth = []
        for first, stop in sorted(rng.sample(ranges, SPANS_PER_DOC)):
            if rng.random() < 0.5:  # part of a sentence rather than all of it
                first = rng.randrange(first, stop - 1)
                stop = rng.randrange(first + 1, stop)
            truth.append((first, stop, rng.choice(labels)))
        for coder, annotator_id in enumerate(annotator_ids):
            annotation_id = (number - 1) * len(annotator_ids) + coder + 1
            mine = set(chosen) ^ ({rng.choice(topics)} if rng.random() < 0.3 else set())
            rows[models.Annotation].append(
                {
                    "id": annotation_id,
                    "document_id": number,
                    "annotator_id": annotator_id,
                    "status": "done",
                    "stance": stance if rng.random() < 0.8 else rng.choice((None, *stances)),
                    "topics": orjson.dumps(sorted(mine)).decode(),
                    "note": "",
                    "seconds": round(rng.uniform(30, 600), 1),
                    "created_at": stamp,
                    "updated_at": stamp + number,
                }
            )
            for first, stop, label in truth:
                if rng.random() < 0.15:
                    label = rng.choice(labels)
                if rng.random() < 0.1 and stop - first > 1:
                    stop -= 1
                start, end = tokens.char_span(first, stop)
                rows[models.Span].append(
                    {
                        "annotation_id": annotation_id,
                        "start": start,
                        "end": end,
                        "token_start": first,
                        "token_end": stop,
                        "label": label,
                        "stance": rng.choice((None, None, *stances)),
                        "topics": orjson.dumps(
                            sorted(rng.sample(topics, rng.randint(0, 1)))
                        ).decode(),
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                )
                span_count += 1
        if len(rows[models.Span]) >= INSERT_BATCH:
            flush()
    flush()
    return token_count, span_count


# -- the children ------------------------------------------------------------------------------


def _marks(samples: list[float]) -> list[float]:
    """RSS at a quarter, half, three quarters and the end: flat if the work streams."""
    if not samples:
        return []
    return [samples[max(0, len(samples) * k // 4 - 1)] for k in (1, 2, 3, 4)]


def child_ours(kind: str, db: str, out: str) -> dict[str, Any]:
    """Time our export the way the CLI runs it (store opened and spaCy imported first)."""
    import spacy

    from workbench.export import output
    from workbench.export.docbin import export_spacy
    from workbench.export.jsonl import export_jsonl

    spacy.blank("en")
    store = open_store(f"sqlite:///{db}")
    # The final flush to disk is part of the export; its share is reported on its own. (The
    # JSONL writer flushes in the background while it writes, every 64 MB, so this is only
    # what is left at the end; the background flushes are inside the export's time.)
    synced = 0.0
    fsync = output._fsync

    def timed_fsync(path: Path) -> None:
        nonlocal synced
        start = time.perf_counter()
        fsync(path)
        synced += time.perf_counter() - start

    output._fsync = timed_fsync
    process = psutil.Process()
    rss_before = process.memory_info().rss / MB
    samples: list[float] = []

    def progress(done: int, total: int) -> None:
        samples.append(process.memory_info().rss / MB)

    start = time.perf_counter()
    if kind == "spacy":
        result = export_spacy(store, out=Path(out), source="majority", progress=progress)
        docs = sum(split["docs"] for split in result.summary["splits"].values())
    else:
        docs = export_jsonl(store, out=out, source="all", progress=progress).records
    elapsed = time.perf_counter() - start
    store.close()
    return {
        "docs": docs,
        "seconds": elapsed,
        "fsync_seconds": synced,
        "rss_before_mb": rss_before,
        "rss_marks_mb": _marks(samples),
        "peak_rss_mb": peak_rss_mb(),
    }


def _docbin_inputs(path: Path, vocab: Any) -> Iterator[list[dict[str, Any]]]:
    """Our Docs as plain in-memory lists (words, spaces, sentence starts, spans, cats, user
    data), a chunk at a time."""
    from spacy.tokens import DocBin

    chunk: list[dict[str, Any]] = []
    for doc in DocBin().from_disk(path).get_docs(vocab):
        chunk.append(
            {
                "words": [token.text for token in doc],
                "spaces": [bool(token.whitespace_) for token in doc],
                "sent_starts": [sent.start for sent in doc.sents],
                "spans": {
                    key: [(span.start, span.end, span.label_) for span in group]
                    for key, group in doc.spans.items()
                },
                "cats": dict(doc.cats),
                "user_data": dict(doc.user_data),
            }
        )
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def child_raw_spacy(ours: str, out: str) -> dict[str, Any]:
    """Build the same Docs from in-memory lists into spaCy's DocBin, then ``to_disk``."""
    import spacy
    from spacy.attrs import SENT_START
    from spacy.tokens import Doc, DocBin, Span

    from workbench.formats.spacy_docbin import DOCBIN_ATTRS

    vocab = spacy.blank("en").vocab
    elapsed = 0.0
    docs = 0
    for split in ("train", "dev"):
        bin_ = DocBin(attrs=list(DOCBIN_ATTRS), store_user_data=True)
        for chunk in _docbin_inputs(Path(ours) / f"{split}.spacy", vocab):
            start = time.perf_counter()
            for item in chunk:
                doc = Doc(vocab, words=item["words"], spaces=item["spaces"])
                flags = np.full((len(doc), 1), -1, dtype=np.int64)
                flags[item["sent_starts"], 0] = 1
                doc.from_array([SENT_START], flags.astype(np.uint64))  # type: ignore[arg-type]
                for key, spans in item["spans"].items():
                    doc.spans[key] = [Span(doc, s, e, label) for s, e, label in spans]
                doc.cats = item["cats"]
                doc.user_data.update(item["user_data"])
                bin_.add(doc)
            elapsed += time.perf_counter() - start
            docs += len(chunk)
        start = time.perf_counter()
        bin_.to_disk(Path(out) / f"{split}.spacy")
        elapsed += time.perf_counter() - start
    return {"docs": docs, "seconds": elapsed, "peak_rss_mb": peak_rss_mb()}


def child_raw_jsonl(ours: str, out: str) -> dict[str, Any]:
    """``orjson.dumps`` of the same records written to a file, a chunk at a time."""
    elapsed = 0.0
    docs = 0
    written = hashlib.sha256()
    with Path(ours).open("rb") as source, Path(out).open("wb", buffering=1 << 20) as target:
        while True:
            records = [orjson.loads(line) for _, line in zip(range(CHUNK), source, strict=False)]
            if not records:
                break
            start = time.perf_counter()
            for record in records:
                line = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
                target.write(line)
            elapsed += time.perf_counter() - start
            docs += len(records)
            for record in records:  # outside the clock: the proof the bytes are the same
                written.update(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
    original = hashlib.sha256()
    with Path(ours).open("rb") as source:
        while block := source.read(1 << 24):
            original.update(block)
    same = written.hexdigest() == original.hexdigest()
    return {"docs": docs, "seconds": elapsed, "same_bytes": same, "peak_rss_mb": peak_rss_mb()}


# -- main --------------------------------------------------------------------------------------


def main() -> None:
    """Parse the options, run the benchmark and print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"smoke size: {QUICK_N} articles")
    parser.add_argument("--n", type=int, help=f"number of articles (default {FULL_N})")
    parser.add_argument("--child", nargs=3, metavar=("PHASE", "IN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        phase, source, target = args.child
        if phase in ("ours-spacy", "ours-jsonl"):
            figures = child_ours(phase.removeprefix("ours-"), source, target)
        elif phase == "raw-spacy":
            figures = child_raw_spacy(source, target)
        else:
            figures = child_raw_jsonl(source, target)
        print(json.dumps(figures))
        return

    n = args.n if args.n is not None else QUICK_N if args.quick else FULL_N
    if n < 2:
        parser.error("--n must be at least 2")
    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as tmp:
        folder = Path(tmp)
        db = folder / "export.db"
        store = open_store(f"sqlite:///{db}")
        start = time.perf_counter()
        tokens, spans = build(store, n)
        build_seconds = time.perf_counter() - start
        store.close()
        db_mb = db.stat().st_size / MB
        (folder / "raw").mkdir()
        ours_spacy = run_child(__file__, "--child", "ours-spacy", str(db), str(folder / "spacy"))
        raw_spacy = run_child(
            __file__, "--child", "raw-spacy", str(folder / "spacy"), str(folder / "raw")
        )
        ours_jsonl = run_child(
            __file__, "--child", "ours-jsonl", str(db), str(folder / "all.jsonl")
        )
        raw_jsonl = run_child(
            __file__, "--child", "raw-jsonl", str(folder / "all.jsonl"), str(folder / "raw.jsonl")
        )
        jsonl_mb = (folder / "all.jsonl").stat().st_size / MB
    if raw_spacy["docs"] != ours_spacy["docs"] or raw_jsonl["docs"] != ours_jsonl["docs"]:
        raise SystemExit("the raw baselines did not see the same records as the exports")
    if not raw_jsonl["same_bytes"]:
        raise SystemExit("orjson.dumps of the parsed records differs from our JSONL")

    docbin_ratio = raw_spacy["seconds"] / ours_spacy["seconds"]
    jsonl_ratio = raw_jsonl["seconds"] / ours_jsonl["seconds"]
    figures = {
        "n_docs": n,
        "annotators": len(ANNOTATORS),
        "tokens_per_doc": round(tokens / n, 1),
        "spans": spans,
        "build_seconds": round(build_seconds, 1),
        "db_mb": round(db_mb, 1),
        "spacy_docs": ours_spacy["docs"],
        "spacy_seconds": round(ours_spacy["seconds"], 3),
        "spacy_fsync_seconds": round(ours_spacy["fsync_seconds"], 3),
        "raw_docbin_seconds": round(raw_spacy["seconds"], 3),
        "docbin_ratio": round(docbin_ratio, 3),
        "jsonl_records": ours_jsonl["docs"],
        "jsonl_mb": round(jsonl_mb, 1),
        "jsonl_seconds": round(ours_jsonl["seconds"], 3),
        "jsonl_fsync_seconds": round(ours_jsonl["fsync_seconds"], 3),
        "raw_jsonl_seconds": round(raw_jsonl["seconds"], 3),
        "jsonl_ratio": round(jsonl_ratio, 3),
        "target_docbin_ratio": TARGET_DOCBIN,
        "target_jsonl_ratio": TARGET_JSONL,
        "meets_targets": docbin_ratio >= TARGET_DOCBIN and jsonl_ratio >= TARGET_JSONL,
        "spacy_peak_rss_mb": round(ours_spacy["peak_rss_mb"], 1),
        "spacy_rss_marks_mb": [round(mark, 1) for mark in ours_spacy["rss_marks_mb"]],
        "raw_docbin_peak_rss_mb": round(raw_spacy["peak_rss_mb"], 1),
        "jsonl_peak_rss_mb": round(ours_jsonl["peak_rss_mb"], 1),
        "jsonl_rss_marks_mb": [round(mark, 1) for mark in ours_jsonl["rss_marks_mb"]],
        "raw_jsonl_peak_rss_mb": round(raw_jsonl["peak_rss_mb"], 1),
    }

    def verdict(ratio: float, target: float) -> str:
        return f"{ratio:.3f} (target >= {target}: {'met' if ratio >= target else 'NOT met'})"

    def marks(values: list[float]) -> str:
        return ", ".join(f"{value:.0f}" for value in values) + " MB"

    rows = [
        ("articles", f"{n:,} x {len(ANNOTATORS)} annotators, {tokens / n:.0f} tokens each"),
        ("database", f"{spans:,} spans, {db_mb:.0f} MB, built in {build_seconds:.1f} s"),
        (
            "export spacy (majority)",
            f"{ours_spacy['docs']:,} Docs in {ours_spacy['seconds']:.2f} s"
            f" ({ours_spacy['docs'] / ours_spacy['seconds']:,.0f} docs/s;"
            f" fsync {ours_spacy['fsync_seconds']:.2f} s)",
        ),
        (
            "raw Docs + DocBin",
            f"{raw_spacy['seconds']:.2f} s"
            f" ({raw_spacy['docs'] / raw_spacy['seconds']:,.0f} docs/s)",
        ),
        ("docbin_ratio", verdict(docbin_ratio, TARGET_DOCBIN)),
        (
            "export jsonl (all)",
            f"{ours_jsonl['docs']:,} lines, {jsonl_mb:.0f} MB in {ours_jsonl['seconds']:.2f} s"
            f" ({ours_jsonl['docs'] / ours_jsonl['seconds']:,.0f} lines/s;"
            f" fsync {ours_jsonl['fsync_seconds']:.2f} s)",
        ),
        (
            "raw orjson.dumps",
            f"{raw_jsonl['seconds']:.2f} s ({raw_jsonl['docs'] / raw_jsonl['seconds']:,.0f}"
            " lines/s, same bytes)",
        ),
        ("jsonl_ratio", verdict(jsonl_ratio, TARGET_JSONL)),
        (
            "peak RSS, spacy export",
            f"{ours_spacy['peak_rss_mb']:.0f} MB (during: {marks(ours_spacy['rss_marks_mb'])});"
            f" raw DocBin {raw_spacy['peak_rss_mb']:.0f} MB",
        ),
        (
            "peak RSS, jsonl export",
            f"{ours_jsonl['peak_rss_mb']:.0f} MB (during: {marks(ours_jsonl['rss_marks_mb'])});"
            f" raw {raw_jsonl['peak_rss_mb']:.0f} MB",
        ),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
