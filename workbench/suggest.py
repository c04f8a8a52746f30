"""``workbench suggest``: suggestions made by rules, stored as a source of their own.

``patterns``: spaCy's own pattern files (what ``SpanRuler`` and ``EntityRuler`` read), run by
spaCy's ``SpanRuler`` over the stored tokens, so every match lies on the tokens annotators see.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from workbench.errors import ImportFormatError
from workbench.formats.jsonl import iter_lines, read_lines
from workbench.formats.text import shown
from workbench.nlp import Tokenization, pipeline
from workbench.selection import resolve_documents
from workbench.store import OCCURRENCES, NewSuggestion, Store
from workbench.store.suggestions import SuggestSummary

SPANS_KEY = "workbench_suggestions"
TRAINED_ATTRS = frozenset(
    {"POS", "TAG", "MORPH", "LEMMA", "DEP", "HEAD", "ENT_TYPE", "ENT_IOB", "ENT_ID", "ENT_KB_ID"}
)
"""Token attributes a blank pipeline never sets: spaCy's matcher refuses them at match time."""


def read_patterns(path: Path, store: Store) -> list[dict[str, Any]]:
    """The patterns of a JSONL file, each checked: a ``label`` that is a claim type of the
    scheme, a ``pattern`` that is a phrase (a string) or a token pattern (a list of objects),
    an optional string ``id``. Problems are errors naming the file and line."""
    if not path.is_file():
        raise ImportFormatError(f"{shown(path)}: no such pattern file")
    patterns: list[dict[str, Any]] = []
    unknown: dict[str, int] = {}
    for number, line in iter_lines(read_lines(path), shown(path)):
        where = f"{shown(path)}:{number}"
        label, pattern = line.get("label"), line.get("pattern")
        if not isinstance(label, str) or not label:
            raise ImportFormatError(f"{where}: a pattern needs a 'label' (a claim type)")
        is_phrase = isinstance(pattern, str) and bool(pattern.strip())
        is_tokens = (
            isinstance(pattern, list)
            and bool(pattern)
            and all(isinstance(t, dict) for t in pattern)
        )
        if not (is_phrase or is_tokens):
            raise ImportFormatError(
                f"{where}: 'pattern' must be a phrase (a string) or a list of token objects"
            )
        needs = sorted(
            {key.upper() for token in pattern or [] if isinstance(token, dict) for key in token}
            & TRAINED_ATTRS
        ) if is_tokens else []  # fmt: skip
        if needs:
            raise ImportFormatError(
                f"{where}: {', '.join(needs)} needs a trained pipeline (a tagger, a parser);"
                " Workbench's is blank, with tokens and sentences only: match on ORTH, LOWER,"
                " TEXT, SHAPE, IS_* or LIKE_* instead"
            )
        if "id" in line and not isinstance(line["id"], str):
            raise ImportFormatError(f"{where}: 'id' must be a string")
        if store.scheme.get("claim_type", label) is None:
            unknown[label] = unknown.get(label, 0) + 1
        patterns.append({key: line[key] for key in ("label", "pattern", "id") if key in line})
    if unknown:
        listed = ", ".join(f"{name} x{count}" for name, count in unknown.items())
        raise ImportFormatError(
            f"{shown(path)}: labels that are no claim type of the scheme: {listed}"
        )
    if not patterns:
        raise ImportFormatError(f"{shown(path)}: no patterns in the file")
    return patterns


def suggest_patterns(
    store: Store, path: Path, *, source: str | None = None, docs: Sequence[str] | None = None
) -> SuggestSummary:
    """Run a pattern file over the stored documents (all, or ``docs``) and store its matches
    as the source ``patterns:NAME`` (NAME: ``source``, else the file's stem), replacing that
    source's pending suggestions there."""
    patterns = read_patterns(path, store)
    wanted = resolve_documents(store, docs)
    ruler = _ruler(patterns, path)
    return store.add_suggestions(
        f"patterns:{source or path.stem}", _matches(store, ruler, wanted), wanted
    )


def suggest_occurrences(
    store: Store, annotator: str, *, docs: Sequence[str] | None = None
) -> SuggestSummary:
    """Suggest, under the source ``occurrences``, each claim type an annotator (or gold) gave
    a text on every occurrence of that text in the documents (all, or ``docs``), as whole
    tokens: the same text labelled once is offered everywhere it recurs. The annotator's own
    spans come out as suggestions too; accepting one of those records it, adding no span."""
    from sqlmodel import col, select

    from workbench import models

    person = store.annotator(annotator, create=False)
    with store.db.read() as session:
        rows = session.exec(
            select(models.Span, models.Annotation.document_id)
            .join(models.Annotation, col(models.Annotation.id) == col(models.Span.annotation_id))
            .where(col(models.Annotation.annotator_id) == person.id)
        ).all()
    phrases: dict[tuple[str, str], None] = {}
    for span, document_id in rows:
        text = store.document(document_id).text[span.start : span.end]
        phrases[(span.label, text)] = None
    if not phrases:
        raise ImportFormatError(f"--from {annotator}: has no spans to look for")
    patterns = [{"label": label, "pattern": text} for label, text in phrases]
    wanted = resolve_documents(store, docs)
    ruler = _ruler(patterns, Path(f"the spans of {annotator}"))
    return store.add_suggestions(OCCURRENCES, _matches(store, ruler, wanted), wanted)


def _ruler(patterns: list[dict[str, Any]], path: Path) -> Any:
    import spacy

    nlp = spacy.blank("en", vocab=pipeline().vocab)  # the vocab of the Docs it matches
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": SPANS_KEY, "validate": True})
    try:
        ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    except ValueError as exc:  # spaCy's own check of a token pattern
        first = str(exc).strip().splitlines()[0]
        raise ImportFormatError(f"{shown(path)}: spaCy refuses a pattern: {first}") from None
    return ruler


def _matches(store: Store, ruler: Any, wanted: frozenset[int] | None) -> Iterator[NewSuggestion]:
    vocab = pipeline().vocab
    strings = vocab.strings
    names: dict[int, str | None] = {0: None}  # hashes of labels and pattern ids, as strings
    for document_id, text, tokens in _documents(store, wanted):
        starts, ends = tokens.starts.tolist(), tokens.ends.tolist()
        # The ruler's matching alone: the spans it would put in doc.spans, not put there.
        for span in ruler.match(tokens.to_doc(vocab, text)):
            first, stop, label, pattern = span.start, span.end, span.label, span.id
            if label not in names:
                names[label] = strings[label]
            if pattern not in names:
                names[pattern] = strings[pattern] or None
            yield NewSuggestion(
                document_id,
                names[label] or "",
                "span",
                starts[first],
                ends[stop - 1],
                pattern=names[pattern],
                tokens=(first, stop),
            )


PAGE = 500
"""Documents read per query while matching."""
COLUMNS = ("id", "text", "tok_starts", "tok_ends", "tok_spaces", "sent_starts")


def _documents(
    store: Store, wanted: frozenset[int] | None
) -> Iterator[tuple[int, str, Tokenization]]:
    """``(id, text, tokens)`` of the documents (all, or ``wanted``), by id, a page per query
    (one query per document would cost as much as the matching)."""
    from sqlalchemy import select
    from sqlmodel import col

    from workbench import models

    table = models.Document
    columns = [col(getattr(table, name)) for name in COLUMNS]
    last = 0
    while True:
        query = select(*columns).where(col(table.id) > last).order_by(col(table.id)).limit(PAGE)
        if wanted is not None:
            query = query.where(col(table.id).in_(sorted(wanted)))
        with store.db.read() as session:
            rows = session.connection().execute(query).all()
        if not rows:
            return
        for document_id, text, starts, ends, spaces, sentences in rows:
            assert document_id is not None
            yield document_id, text, Tokenization.from_columns(starts, ends, spaces, sentences)
        last = rows[-1][0] or last
