"""spaCy training corpora: ``train.spacy`` and ``dev.spacy`` streamed, a config and a summary."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import orjson

from workbench.errors import FieldError
from workbench.export.output import StagedFiles, is_stdout
from workbench.export.sources import (
    MergeReport,
    document_hashes,
    iter_records,
    resolve_source,
    ties_message,
)
from workbench.export.spacy_config import MAX_SUGGESTED_TOKENS, spacy_config
from workbench.formats.registry import SPACY
from workbench.formats.spacy_docbin import DocBinWriter
from workbench.scheme import KINDS, Scheme
from workbench.store.records import ExportRecord

if TYPE_CHECKING:
    from workbench.store import Store

TRAIN: Final = "train"
DEV: Final = "dev"
FILES: Final = ("train.spacy", "dev.spacy", "config.cfg", "summary.json")


@dataclass
class SplitCounts:
    """Counts of one split: documents, records (Docs), spans, and labels."""

    documents: int = 0
    docs: int = 0
    spans: int = 0
    no_stance: int = 0
    claim_type: Counter[str] = field(default_factory=Counter)
    stance: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)
    span_stance: Counter[str] = field(default_factory=Counter)
    span_topics: Counter[str] = field(default_factory=Counter)

    def add(self, record: ExportRecord) -> None:
        """Count one record."""
        self.docs += 1
        self.spans += len(record.spans)
        if record.stance is None:
            self.no_stance += 1
        else:
            self.stance[record.stance] += 1
        self.topics.update(record.topics)
        for span in record.spans:
            self.claim_type[span.label] += 1
            if span.stance is not None:
                self.span_stance[span.stance] += 1
            self.span_topics.update(span.topics)

    def to_dict(self, scheme: Scheme) -> dict[str, Any]:
        """The counts as JSON, labels in scheme order (zero counts included)."""

        def ordered(counts: Counter[str], kind: Any) -> dict[str, int]:
            return {name: counts[name] for name in scheme.names(kind)}

        return {
            "documents": self.documents,
            "docs": self.docs,
            "spans": self.spans,
            "no_stance": self.no_stance,
            "claim_type": ordered(self.claim_type, "claim_type"),
            "stance": ordered(self.stance, "stance"),
            "topics": ordered(self.topics, "topics"),
            "span_stance": ordered(self.span_stance, "stance"),
            "span_topics": ordered(self.span_topics, "topics"),
        }


@dataclass
class SpacyExport:
    """What ``export spacy`` wrote, and anything the user should hear about."""

    folder: str
    summary: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


# -- the split ---------------------------------------------------------------------------------


def split_key(document_hash: str, seed: int) -> int:
    """A document's place in the shuffled order of a seed (from its content hash, so it does
    not depend on the other documents or on names)."""
    digest = hashlib.blake2b(f"{seed}:{document_hash}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def dev_threshold(hashes: Sequence[str], dev: float, seed: int) -> int:
    """The largest split key that goes to dev: the ``round(dev * n)`` documents with the
    smallest keys do (at least one and not all, when there are two or more); -1 for none."""
    count = round(dev * len(hashes))
    if dev > 0 and len(hashes) >= 2:
        count = min(max(count, 1), len(hashes) - 1)
    if count <= 0 or not hashes:
        return -1
    keys = np.fromiter((split_key(h, seed) for h in hashes), dtype=np.uint64, count=len(hashes))
    return int(np.partition(keys, count - 1)[count - 1])


# -- the export --------------------------------------------------------------------------------


def export_spacy(
    store: Store,
    *,
    out: Path,
    source: str,
    status: str = "done",
    docs: Sequence[str] | None = None,
    dev: float = 0.2,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> SpacyExport:
    """Write ``train.spacy``, ``dev.spacy``, ``config.cfg`` and ``summary.json`` into ``out``.

    The split is by document: a seeded hash of each document's text decides, so all of a
    document's records land in one split and the same seed gives the same split. Nothing in
    ``out`` changes unless the whole export succeeds.
    """
    if is_stdout(out):
        raise FieldError("out", "out -: export spacy writes a folder of files, not a stream")
    if not 0 <= dev < 1:
        raise FieldError("dev", f"dev {dev}: use a fraction from 0 up to (not including) 1")
    selection = resolve_source(store, source, status, docs)
    hashes = document_hashes(store, selection)
    if not hashes:
        raise FieldError(
            "source",
            f"source {selection.source}: nothing to export, no annotations with status"
            f" {', '.join(selection.statuses)}",
        )
    threshold = dev_threshold(hashes, dev, seed)
    total = len(hashes)
    del hashes
    import spacy

    scheme = store.scheme
    encode_docs = SPACY.write_docs
    assert encode_docs is not None  # the spaCy format writes Docs
    encoder = encode_docs(spacy.blank("en").vocab, scheme)
    labels = [*scheme.names("claim_type"), *scheme.names("stance"), *scheme.names("topics")]
    counts = {TRAIN: SplitCounts(), DEV: SplitCounts()}
    report = MergeReport()
    longest = 0
    beyond = 0
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    with StagedFiles(out) as staged:
        writers: dict[str, DocBinWriter] = {}
        try:
            writers[TRAIN] = DocBinWriter(staged.stage("train.spacy"), labels)
            writers[DEV] = DocBinWriter(staged.stage("dev.spacy"), labels)
            last_hash = ""
            for record in iter_records(store, selection, report=report, progress=advance):
                split = DEV if split_key(record.document.hash, seed) <= threshold else TRAIN
                if record.document.hash != last_hash:
                    counts[split].documents += 1
                    last_hash = record.document.hash
                writers[split].add(encoder.encode(record))
                counts[split].add(record)
                for span in record.spans:
                    length = span.token_end - span.token_start
                    longest = max(longest, length)
                    beyond += length > MAX_SUGGESTED_TOKENS
            for writer in writers.values():
                writer.close()
        finally:
            for writer in writers.values():
                writer.discard()
        summary = {
            "source": selection.source,
            "statuses": list(selection.statuses),
            "dev_fraction": dev,
            "seed": seed,
            "splits": {name: split.to_dict(scheme) for name, split in counts.items()},
            "labels": {kind: list(scheme.names(kind)) for kind in KINDS},
            "longest_span_tokens": longest,
            "suggester_max_tokens": max(1, min(longest, MAX_SUGGESTED_TOKENS)),
            "spans_longer_than_suggester": beyond,
            "stance_ties": report.stance_ties,
        }
        config = spacy_config(scheme, seed=seed, max_span_tokens=longest)
        staged.stage("config.cfg").write_text(config, encoding="utf-8")
        staged.stage("summary.json").write_bytes(
            orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n"
        )
        staged.commit()
    warnings = []
    if counts[DEV].docs == 0:
        warnings.append(
            "dev.spacy is empty: spacy train needs at least one dev document"
            " (use --dev above 0 with two or more documents)"
        )
    if counts[TRAIN].docs == 0:
        warnings.append("train.spacy is empty: lower --dev or export more documents")
    if report.stance_ties:
        warnings.append(ties_message(report.stance_ties))
    return SpacyExport(folder=str(out), summary=summary, warnings=warnings)
