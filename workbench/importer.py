"""``workbench import``: check every input first, then stream it into the store in one go."""

from __future__ import annotations

import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import ImportFormatError
from workbench.formats.jsonl import iter_lines, read_lines, unknown_labels
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
from workbench.nlp import AlignMode
from workbench.scheme import Scheme
from workbench.store import ImportSummary, NewDocument, Store

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
    offsets: str | None = None,
) -> Iterator[NewDocument]:
    """Documents from a JSONL stream in an importable format of the registry
    (:func:`workbench.formats.registry.import_names`).

    ``auto`` reads a line with a ``label`` list or ``entities`` as doccano and any other as
    Prodigy's task format (of which the Workbench format is a superset). ``offsets``
    (``codepoints`` or ``utf16``) overrides what each format's offsets count.
    """
    chosen = import_format(format)
    units = None if offsets is None else offset_units(offsets)
    source = str(path)
    stem = "stdin" if source == "-" else path.stem
    for number, obj in iter_lines(lines, source):
        where = f"{source}:{number}"
        read = line_reader(chosen, obj, where)
        yield read(obj, where, f"{stem}-{number:06d}", annotator, scheme, units)


def import_paths(
    store: Store,
    paths: Sequence[Path],
    *,
    annotator: str | None = None,
    align: AlignMode = "strict",
    replace: bool = False,
    format: str = "auto",
    offsets: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import files and folders; any bad input stops the run before anything is written.

    JSONL is read in ``format``, its offsets counting ``offsets`` (see :func:`read_jsonl`).
    ``progress(done, total)`` is called as documents are stored.
    """
    import_format(format)  # an unknown format stops the run before any file is read
    if offsets is not None:
        offset_units(offsets)
    # Unusable paths are gathered with bad files, so one run reports every problem at once.
    problems: list[str] = []
    sources: list[Source] = []
    for path in paths:
        try:
            sources.extend(expand([path]))
        except ImportFormatError as exc:
            problems.append(str(exc))
    stdin: list[bytes] | None = None
    if any(str(source.path) == "-" for source in sources):
        import sys

        stdin = list(sys.stdin.buffer)  # read once: it is checked, then imported

    def jsonl(path: Path) -> Iterator[NewDocument]:
        lines = stdin if stdin is not None and str(path) == "-" else read_lines(path)
        return read_jsonl(
            path, lines, scheme=store.scheme, annotator=annotator, format=format, offsets=offsets
        )

    def documents() -> Iterator[NewDocument]:
        for source in sources:
            if not source.jsonl:
                yield read_text_file(source.path, source.name)
            else:
                yield from jsonl(source.path)

    # First pass: every file read and checked, all problems gathered, nothing kept in memory.
    total = 0
    not_kept: Counter[str] = Counter()

    def counted(records: Iterator[NewDocument]) -> Iterator[NewDocument]:
        nonlocal total
        for record in records:
            total += 1
            not_kept.update(record.dropped)
            yield record

    for source in sources:
        try:
            if source.jsonl:
                missing = unknown_labels(counted(jsonl(source.path)), store.scheme)
                if missing:
                    listed = ", ".join(f"{name} x{count}" for name, count in missing.most_common())
                    problems.append(
                        f"{source.path}: unknown labels {listed}; add them to the scheme"
                        " (labels/scheme.toml) or fix the file"
                    )
            else:
                read_text_file(source.path, source.name)
                total += 1
        except ImportFormatError as exc:
            problems.append(str(exc))
    if problems:
        more = len(problems) - MAX_REPORTED
        shown = problems[:MAX_REPORTED] + ([f"... and {more} more"] if more > 0 else [])
        if len(problems) == 1:
            raise ImportFormatError(f"{problems[0]}; nothing was imported")
        header = f"{len(problems)} problems; nothing was imported:"
        raise ImportFormatError("\n".join([header, *shown]))

    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    summary = store.add_documents(documents(), align=align, replace=replace, progress=advance)
    summary.not_kept.update(not_kept.most_common())
    return summary
