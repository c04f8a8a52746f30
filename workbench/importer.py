"""``workbench import``: check every input first, then stream it into the store in one go."""

from __future__ import annotations

import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from dataclasses import replace as replace_record
from functools import partial
from pathlib import Path

from workbench.errors import ImportFormatError, InvariantError
from workbench.formats.jsonl import OnBadLine, iter_lines, read_lines, unknown_labels
from workbench.formats.offsets import offset_units
from workbench.formats.registry import import_format, line_reader
from workbench.formats.text import (
    JSONL_SUFFIXES,
    TEXT_SUFFIXES,
    not_regular,
    read_text_file,
    shown,
    text_files,
)
from workbench.models import GOLD, STATUSES, document_name_problem, note_problem
from workbench.nlp import AlignMode, tokenize_many
from workbench.scheme import Scheme
from workbench.store import ImportSummary, NewDocument, NewSuggestion, Store
from workbench.store.aligning import span_rows
from workbench.store.documents import BATCH_SIZE, text_hash
from workbench.store.suggestions import check_source

MAX_REPORTED = 20
"""How many bad files one error message lists before it says how many more there are."""


@dataclass(frozen=True)
class Source:
    """One input: a path, whether it is JSONL, and (for text) the document name."""

    path: Path
    jsonl: bool
    name: str = ""


def expand(paths: Sequence[Path]) -> list[Source]:
    """The inputs named on the command line: folders become the ``.txt`` files below them."""
    sources: list[Source] = []
    for path in paths:
        if str(path) == "-":
            sources.append(Source(path, jsonl=True))
            continue
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise ImportFormatError(f"{shown(path)}: no such file or folder") from None
        except OSError as exc:
            raise ImportFormatError(f"{shown(path)}: cannot read it ({exc.strerror})") from None
        if stat.S_ISDIR(mode):
            found = [Source(file, False, name) for file, name in text_files(path)]
            if not found:
                raise ImportFormatError(f"{shown(path)}: no .txt files in this folder")
            sources.extend(found)
        elif not stat.S_ISREG(mode):  # a FIFO would block the first read for ever
            raise not_regular(path, mode)
        elif path.suffix.lower() in TEXT_SUFFIXES:
            sources.append(Source(path, False, path.stem))
        elif path.suffix.lower() in JSONL_SUFFIXES:
            sources.append(Source(path, jsonl=True))
        else:
            raise ImportFormatError(
                f"{path}: unsupported file type {path.suffix or '(none)'!r};"
                " import .txt files, folders of them, or .jsonl files"
            )
    return sources


def read_jsonl(
    path: Path,
    lines: Iterable[bytes],
    *,
    scheme: Scheme,
    annotator: str | None = None,
    format: str = "auto",
    bad: OnBadLine | None = None,
    offsets: str | None = None,
) -> Iterator[NewDocument]:
    """Documents from a JSONL stream in an importable format of the registry
    (:func:`workbench.formats.registry.import_names`).

    ``auto`` reads a line with a ``label`` list or ``entities`` as doccano and any other as
    Prodigy's task format (of which the Workbench format is a superset). A line that cannot be
    read is an :class:`ImportFormatError`, or given to ``bad`` and left out. ``offsets``
    (``codepoints`` or ``utf16``) overrides what each format's offsets count.
    """
    chosen = import_format(format)
    units = None if offsets is None else offset_units(offsets)
    source = str(path)
    stem = "stdin" if source == "-" else path.stem
    for number, obj in iter_lines(lines, source, bad):
        where = f"{source}:{number}"
        try:
            read = line_reader(chosen, obj, where)
            yield read(obj, where, f"{stem}-{number:06d}", annotator, scheme, units)
        except ImportFormatError as exc:
            if bad is None:
                raise
            bad(exc)


def check_record(record: NewDocument, annotator: str | None) -> None:
    """What the store would refuse or must not be told by a file, found in the first pass: a
    document name it cannot hold, labels for the reserved annotator ``gold`` that the command
    line did not ask for (a file's ``_annotator_id`` never writes the reviewed set)."""
    where = record.origin or record.name
    problem = document_name_problem(record.name)
    if problem:
        raise ImportFormatError(f"{where}: the document name {record.name!r} {problem}")
    if annotator != GOLD and any(new.annotator == GOLD for new in record.annotations):
        raise ImportFormatError(
            f"{where}: the annotator {GOLD!r} is reserved for the reviewed set; to import"
            f" reviewed labels, pass --annotator {GOLD}"
        )
    for new in record.annotations:
        if new.status not in STATUSES:
            raise ImportFormatError(
                f"{where}: status {new.status!r} must be one of {', '.join(STATUSES)}"
            )
        problem = note_problem(new.note)
        if problem:
            raise ImportFormatError(f"{where}: field 'note' {problem}")


def _line_number(entry: str, prefix: str) -> int:
    """The line an entry ``file:line: reason`` names (0 for a whole file)."""
    number = entry.removeprefix(prefix).partition(":")[0]
    return int(number) if entry.startswith(prefix) and number.isdigit() else 0


class _FileFailed(Exception):
    """The current file has a problem (recorded): the check goes on with the next file."""


class Checker:
    """The first pass of an import: every input read and every line checked as the store
    would check it (names, labels, statuses, notes, span offsets on the tokens), nothing
    written and nothing kept but what a later line needs.

    Without ``skip_invalid`` a file's first problem is recorded and the file left (one run
    reports every bad file at once); with it, every bad line is recorded and left out, and the
    rest of the file goes on (:attr:`left_out` holds their origins for the second pass).
    """

    def __init__(
        self,
        store: Store,
        annotator: str | None,
        align: AlignMode,
        skip_invalid: bool,
        *,
        merging: bool = True,
    ) -> None:
        self.store = store
        self.merging = merging
        """Whether records of one annotator for one text merge (labels) or not (suggestions,
        where two stances are simply two suggestions)."""
        self.annotator = annotator
        self.align = align
        self.skip_invalid = skip_invalid
        self.problems: list[str] = []
        self.invalid: list[str] = []
        self.left_out: set[str] = set()
        self.total = 0
        self.not_kept: Counter[str] = Counter()
        self._stances: dict[tuple[str, str], tuple[str, str]] = {}
        self._pending: list[NewDocument] = []

    def check(
        self, source: Source, records: Callable[[OnBadLine | None], Iterator[NewDocument]]
    ) -> None:
        """Check one input, its records made by ``records(bad)``."""
        missing: Counter[str] = Counter()
        first, before = len(self.invalid), self.total
        try:
            for record in records(self._bad_line if self.skip_invalid else None):
                self._record(record, missing)
            self._flush()
            # Spans are checked in batches, after the lines that follow them: back in order.
            prefix = f"{source.path}:"
            self.invalid[first:] = sorted(
                self.invalid[first:], key=lambda entry: _line_number(entry, prefix)
            )
        except _FileFailed:
            self._pending.clear()
            return
        except ImportFormatError as exc:  # a line that cannot be read, or the file itself
            self._pending.clear()
            self.problems.append(str(exc))
            return
        if source.jsonl and self.total == before and len(self.invalid) == first and not missing:
            where = "stdin" if str(source.path) == "-" else shown(source.path)
            self.problems.append(f"{where}: no documents: it is empty or holds only blank lines")
        if missing:
            listed = ", ".join(f"{name} x{count}" for name, count in missing.most_common())
            self.problems.append(
                f"{source.path}: unknown labels {listed}; add them to the scheme"
                " (labels/scheme.toml) or fix the file"
            )

    def _bad_line(self, exc: ImportFormatError) -> None:
        self.invalid.append(str(exc))

    def _fail(self, record: NewDocument, message: str) -> None:
        if not self.skip_invalid:
            self.problems.append(message)
            raise _FileFailed
        self.invalid.append(message)
        self.left_out.add(record.origin)

    def _record(self, record: NewDocument, missing: Counter[str]) -> None:
        where = record.origin or record.name
        try:
            check_record(record, self.annotator)
        except ImportFormatError as exc:
            self._fail(record, str(exc))
            return
        unknown = unknown_labels([record], self.store.scheme)
        if unknown:
            if not self.skip_invalid:
                missing.update(unknown)  # one message for the file, with counts
            else:
                listed = ", ".join(unknown)
                self._fail(record, f"{where}: unknown labels {listed}; add them to the scheme")
            return
        if self.merging and not self._merges(record):
            return
        self.total += 1
        self.not_kept.update(record.dropped)
        if any(new.spans for new in record.annotations):
            self._pending.append(record)
            if len(self._pending) >= BATCH_SIZE:
                self._flush()

    def _merges(self, record: NewDocument) -> bool:
        """Whether the record's stances agree with those an earlier record of the same text
        and annotator gave (the two merge into one annotation when stored)."""
        digest = ""
        for new in record.annotations:
            if new.stance is None:
                continue
            digest = digest or text_hash(record.text)
            key = (digest, new.annotator)
            earlier = self._stances.setdefault(key, (new.stance, record.origin))
            if earlier[0] != new.stance:
                self._fail(
                    record,
                    f"{record.origin}: {new.annotator}'s stance of this text is {new.stance},"
                    f" but {earlier[1]} gave it {earlier[0]}; the two lines merge into one"
                    " annotation, so keep one stance",
                )
                return False
        return True

    def _flush(self) -> None:
        """Check the spans of the records waiting, on their texts' tokens."""
        pending, self._pending = self._pending, []
        texts = (record.text for record in pending)
        for record, tokens in zip(pending, tokenize_many(texts, len(pending) or 1), strict=True):
            try:
                for new in record.annotations:
                    span_rows(
                        record.text, tokens, record.name, new.spans, self.align, record.origin
                    )
            except InvariantError as exc:
                self._fail(record, str(exc))

    def refuse(self) -> None:
        """Raise the problems found (one line each, the first :data:`MAX_REPORTED`), if any."""
        problems = self.problems
        if not problems:
            return
        more = len(problems) - MAX_REPORTED
        listed = problems[:MAX_REPORTED] + ([f"... and {more} more"] if more > 0 else [])
        if len(problems) == 1:
            raise ImportFormatError(f"{problems[0]}; nothing was imported")
        header = f"{len(problems)} problems; nothing was imported:"
        raise ImportFormatError("\n".join([header, *listed]))


def import_paths(
    store: Store,
    paths: Sequence[Path],
    *,
    annotator: str | None = None,
    align: AlignMode = "strict",
    replace: bool = False,
    format: str = "auto",
    skip_invalid: bool = False,
    offsets: str | None = None,
    suggestions: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import files and folders: every input is read and checked first, and any bad input
    stops the run before anything is written (with ``skip_invalid``, bad lines and files are
    left out and reported in :attr:`ImportSummary.invalid` instead).

    With ``suggestions`` (a source name, ``import:NAME``), the labels the files hold become
    that source's suggestions instead of anyone's annotations (:func:`_suggestions`): the
    door for an external model or an LLM. Their texts are imported as documents as ever.

    JSONL is read in ``format`` (see :func:`read_jsonl`). The store writes in short
    transactions (:meth:`Store.add_documents`). ``progress(done, total)`` is called as
    documents are stored.
    """
    import_format(format)  # an unknown format stops the run before any file is read
    if offsets is not None:
        offset_units(offsets)
    if suggestions is not None:
        suggestions = check_source(suggestions)
        annotator = SUGGESTING  # the labels are nobody's: no annotator is asked of a line
    checker = Checker(store, annotator, align, skip_invalid, merging=suggestions is None)
    # Unusable paths are gathered with bad files, so one run reports every problem at once.
    sources: list[Source] = []
    for path in paths:
        try:
            sources.extend(expand([path]))
        except ImportFormatError as exc:
            checker.problems.append(str(exc))
    stdin: list[bytes] | None = None
    if any(str(source.path) == "-" for source in sources):
        import sys

        stdin = list(sys.stdin.buffer)  # read once: it is checked, then imported

    def records(source: Source, bad: OnBadLine | None) -> Iterator[NewDocument]:
        if not source.jsonl:
            try:
                yield read_text_file(source.path, source.name)
            except ImportFormatError as exc:
                if bad is None:
                    raise
                bad(exc)
            return
        path = source.path
        lines = stdin if stdin is not None and str(path) == "-" else read_lines(path)
        yield from read_jsonl(
            path,
            lines,
            scheme=store.scheme,
            annotator=annotator,
            format=format,
            bad=bad,
            offsets=offsets,
        )

    for source in sources:
        checker.check(source, partial(records, source))
    checker.refuse()

    def documents() -> Iterator[NewDocument]:
        ignore: OnBadLine | None = (lambda exc: None) if skip_invalid else None
        for source in sources:
            for record in records(source, ignore):
                if record.origin not in checker.left_out:
                    yield record

    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, checker.total)

    if suggestions is None:
        summary = store.add_documents(documents(), align=align, replace=replace, progress=advance)
    else:
        ids: dict[str, int] = {}
        bare = (replace_record(record, annotations=()) for record in documents())
        summary = store.add_documents(bare, progress=advance, ids=ids)
        summary.suggested = store.add_suggestions(
            suggestions, _suggestions(store, documents(), ids, align), set(ids.values())
        )
    summary.not_kept.update(checker.not_kept.most_common())
    summary.invalid.extend(checker.invalid)
    return summary


SUGGESTING = "suggestions"
"""Who a line's labels belong to while they are read as suggestions (never stored)."""


def _suggestions(
    store: Store, records: Iterable[NewDocument], ids: dict[str, int], align: AlignMode
) -> Iterator[NewSuggestion]:
    """The labels of the records as suggestions: each span (aligned as ``align`` says, its
    ``score`` kept), the document stance and each topic, and every class a line scored
    (spaCy's ``cats``, chosen or not) with its score."""
    for record in records:
        if not record.annotations:
            continue
        document_id = ids[text_hash(record.text)]
        tokens = store.document(document_id).tokens
        where = record.origin or record.name
        for new in record.annotations:
            for span in new.spans:
                (row,) = span_rows(record.text, tokens, record.name, [span], align, where)
                yield NewSuggestion(
                    document_id,
                    span.label,
                    start=row["start"],
                    end=row["end"],
                    stance=span.stance,
                    topics=span.topics,
                    score=span.score,
                )
            scores = dict(new.scores)
            labels = [*([new.stance] if new.stance else []), *new.topics]
            for label in dict.fromkeys([*labels, *scores]):
                if store.scheme.get("stance", label) is not None:
                    kind = "stance"
                elif store.scheme.get("topics", label) is not None:
                    kind = "topic"
                else:
                    continue  # not in the scheme (a chosen class was reported by the check)
                yield NewSuggestion(document_id, label, kind=kind, score=scores.get(label))
