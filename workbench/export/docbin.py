"""spaCy training corpora: ``train.spacy`` and ``dev.spacy`` streamed, a config and a summary."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import orjson

from workbench.errors import FieldError, WorkbenchError
from workbench.export.output import StagedFiles, is_stdout
from workbench.export.sources import (
    MergeReport,
    document_hashes,
    iter_records,
    nothing_to_export,
    resolve_source,
    ties_message,
)
from workbench.export.spacy_config import (
    MAX_SUGGESTED_TOKENS,
    NER,
    SPANCAT,
    STANCE_COMPONENT,
    TOPICS_COMPONENT,
    spacy_config,
)
from workbench.formats.registry import SPACY
from workbench.formats.spacy_docbin import DocBinWriter, EncodedDoc, build_doc
from workbench.scheme import KINDS, Scheme
from workbench.store.records import ExportRecord, SpanRow

if TYPE_CHECKING:
    from spacy.vocab import Vocab

    from workbench.store import Store

TRAIN: Final = "train"
DEV: Final = "dev"
FILES: Final = ("train.spacy", "dev.spacy", "config.cfg", "summary.json")
PIPELINES: Final = (SPANCAT, NER)
"""What the claim spans train: spaCy's span categorizer on ``doc.spans`` (spans may overlap
and nest) or its entity recognizer on ``doc.ents`` (they may not)."""
MAX_SEED: Final = 2**64 - 1
"""The largest seed: ``summary.json`` holds it as a 64-bit number (spaCy takes any)."""
SHOWN: Final = 5
"""Documents named in a message, at most."""


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


# -- entities (--pipeline ner) -----------------------------------------------------------------


def entity_spans(spans: Sequence[SpanRow]) -> list[SpanRow]:
    """The claims that become ``doc.ents``, which cannot overlap: the longest span (in tokens)
    is kept first, then the one that starts earlier, then the one stored first; a span that
    shares a token with one kept is dropped. In document order."""
    kept: list[SpanRow] = []
    taken: set[int] = set()
    for span in sorted(
        spans, key=lambda span: (span.token_start - span.token_end, span.token_start)
    ):
        tokens = range(span.token_start, span.token_end)
        if taken.isdisjoint(tokens):
            kept.append(span)
            taken.update(tokens)
    return sorted(kept, key=lambda span: (span.token_start, span.token_end))


def overlapping_spans(spans: Sequence[SpanRow]) -> int:
    """How many of the spans share a token with another one."""
    if len(spans) < 2:
        return 0
    starts = np.fromiter((span.token_start for span in spans), dtype=np.int64, count=len(spans))
    ends = np.fromiter((span.token_end for span in spans), dtype=np.int64, count=len(spans))
    steps = np.zeros(int(ends.max()) + 1, dtype=np.int64)
    np.add.at(steps, starts, 1)
    np.add.at(steps, ends, -1)
    cover = np.cumsum(steps)  # how many spans cover each token
    return sum(
        bool(cover[start:end].max(initial=0) > 1) for start, end in zip(starts, ends, strict=True)
    )


OUTSIDE: Final = 2
BEGIN: Final = 3
INSIDE: Final = 1
"""spaCy's ``ENT_IOB`` codes (0 would be "missing": no loss on that token)."""


class EntityColumns:
    """``doc.ents`` for the fast encoder's Docs: the ``ENT_IOB`` and ``ENT_TYPE`` token
    columns that ``DocBin`` stores them as. Every token outside the entities is "outside",
    not "missing": a manual annotation marks every claim, as Prodigy's ``data-to-spacy`` reads
    ``ner.manual`` data."""

    def __init__(self, vocab: Vocab, scheme: Scheme) -> None:
        from spacy.attrs import ENT_IOB, ENT_TYPE, ORTH, SENT_START

        self.attrs = [ORTH, SENT_START, ENT_IOB, ENT_TYPE]
        """The token attributes of the files (the fast encoder's two, then these two)."""
        self.vocab = vocab
        self.scheme = scheme
        self._checked = False

    def add(self, encoded: EncodedDoc, record: ExportRecord, ents: Sequence[SpanRow]) -> EncodedDoc:
        """``encoded`` with the entity columns of ``ents`` added to its tokens."""
        table = np.frombuffer(encoded.tokens, dtype=np.uint64).reshape(encoded.length, -1)
        columns = np.zeros((encoded.length, 2), dtype=np.uint64)
        columns[:, 0] = OUTSIDE
        for span in ents:
            columns[span.token_start, 0] = BEGIN
            columns[span.token_start + 1 : span.token_end, 0] = INSIDE
            columns[span.token_start : span.token_end, 1] = self.vocab.strings.add(span.label)
        tokens = np.hstack([table, columns])
        if not self._checked and ents:
            self._check(record, ents, tokens)
        return dataclasses.replace(encoded, tokens=tokens.tobytes())

    def _check(
        self, record: ExportRecord, ents: Sequence[SpanRow], tokens: np.ndarray[Any, Any]
    ) -> None:
        # As for the fast encoder: a spaCy that stores entities otherwise must fail loudly.
        from spacy.tokens import Span

        doc, _ = build_doc(self.vocab, record, self.scheme)
        doc.ents = [Span(doc, span.token_start, span.token_end, span.label) for span in ents]
        if not np.array_equal(doc.to_array(self.attrs).astype(np.uint64), tokens):
            raise WorkbenchError(
                "this spaCy version stores entities differently from what Workbench writes;"
                " report it with the output of `python -m spacy info`"
            )
        self._checked = True


@dataclass
class Overlaps:
    """The records whose claims overlap, for ``--pipeline ner``."""

    spans: int = 0
    """Spans that share a token with another span of their record."""
    dropped: int = 0
    """Spans left out of ``doc.ents``."""
    documents: list[str] = field(default_factory=list)
    """The documents with overlaps, each once, in export order."""

    def add(self, record: ExportRecord, kept: int) -> None:
        """Count a record whose entities keep ``kept`` of its spans."""
        self.spans += overlapping_spans(record.spans)
        self.dropped += len(record.spans) - kept
        if not self.documents or self.documents[-1] != record.document.name:
            self.documents.append(record.document.name)

    def where(self) -> str:
        """ "in N documents (a, b, ...)"."""
        names = self.documents
        shown = ", ".join(names[:SHOWN]) + (
            f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
        )
        return f"in {len(names)} document{'s' if len(names) != 1 else ''} ({shown})"

    def refusal(self) -> FieldError:
        """The error of an export that may not drop them."""
        return FieldError(
            "pipeline",
            f"pipeline ner: {self.spans} claim spans overlap another span {self.where()}, and"
            " entities cannot overlap; add --drop-overlapping to keep the longest of each"
            " overlapping set, or export them for spancat (--pipeline spancat)",
        )

    def warning(self) -> str:
        """What an export that dropped them says."""
        return (
            f"ner: left {self.dropped} overlapping claim spans out of doc.ents {self.where()}"
            " (the longest was kept, then the earliest); doc.spans keeps them all"
        )


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
    pipeline: str = SPANCAT,
    drop_overlapping: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SpacyExport:
    """Write ``train.spacy``, ``dev.spacy``, ``config.cfg`` and ``summary.json`` into ``out``.

    The split is by document: a seeded hash of each document's text decides, so all of a
    document's records land in one split and the same seed gives the same split. Nothing in
    ``out`` changes unless the whole export succeeds.

    ``pipeline`` says what the claim spans train (see :data:`PIPELINES`). For ``ner`` the
    claims are also ``doc.ents``; overlapping claims refuse the export unless
    ``drop_overlapping`` (then :func:`entity_spans` keeps a non-overlapping subset). The
    config holds only the components the exported data can train.
    """
    if is_stdout(out):
        raise FieldError("out", "out -: export spacy writes a folder of files, not a stream")
    if not 0 <= dev < 1:
        raise FieldError("dev", f"dev {dev}: use a fraction from 0 up to (not including) 1")
    if not 0 <= seed <= MAX_SEED:
        raise FieldError("seed", f"seed {seed}: use a whole number from 0 to {MAX_SEED}")
    if pipeline not in PIPELINES:
        raise FieldError(
            "pipeline", f"pipeline {pipeline!r} unknown; expected one of {', '.join(PIPELINES)}"
        )
    selection = resolve_source(store, source, status, docs)
    hashes = document_hashes(store, selection)
    if not hashes:
        raise nothing_to_export(selection)
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
    entities = EntityColumns(encoder.vocab, scheme) if pipeline == NER else None
    overlaps = Overlaps()
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
            if entities is not None:
                for writer in writers.values():
                    writer.attrs = entities.attrs
            last_hash = ""
            for record in iter_records(store, selection, report=report, progress=advance):
                ents = entity_spans(record.spans) if entities is not None else record.spans
                if len(ents) < len(record.spans):
                    overlaps.add(record, len(ents))
                if overlaps.spans and not drop_overlapping:
                    continue  # refused below: only count the rest
                split = DEV if split_key(record.document.hash, seed) <= threshold else TRAIN
                if record.document.hash != last_hash:
                    counts[split].documents += 1
                    last_hash = record.document.hash
                encoded = encoder.encode(record)
                if entities is not None:
                    encoded = entities.add(encoded, record, ents)
                writers[split].add(encoded)
                counts[split].add(record)
                for span in record.spans:
                    length = span.token_end - span.token_start
                    longest = max(longest, length)
                    beyond += length > MAX_SUGGESTED_TOKENS
            if overlaps.spans and not drop_overlapping:
                raise overlaps.refusal()
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
        splits = counts.values()
        has = {
            "spans": any(split.spans for split in splits),
            "stance": any(split.stance.total() for split in splits),
            "topics": any(split.topics.total() for split in splits),
        }
        span_component = pipeline if has["spans"] else None
        summary["pipeline"] = pipeline
        summary["components"] = [
            name
            for name, present in (
                (span_component, span_component is not None),
                (STANCE_COMPONENT, has["stance"]),
                (TOPICS_COMPONENT, has["topics"]),
            )
            if present
        ]
        summary["overlapping_spans_dropped"] = overlaps.dropped
        config = spacy_config(
            scheme,
            seed=seed,
            max_span_tokens=longest,
            spans=span_component,
            stance=has["stance"],
            topics=has["topics"],
        )
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
    if overlaps.dropped:
        warnings.append(overlaps.warning())
    if not summary["components"]:
        warnings.append(
            "config.cfg has no component to train: the exported annotations hold no claim"
            " spans, stances or topics"
        )
    return SpacyExport(folder=str(out), summary=summary, warnings=warnings)
