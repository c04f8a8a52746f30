"""The interchange formats by name: what each one reads and writes, found here rather than by
``if format == ...`` wherever a format is chosen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from workbench.errors import FieldError, ImportFormatError
from workbench.formats import doccano, prodigy, spacy_docbin, workbench
from workbench.formats.offsets import OffsetUnits
from workbench.scheme import Scheme
from workbench.store.records import ExportRecord, NewDocument

if TYPE_CHECKING:
    from spacy.vocab import Vocab


class LineReader(Protocol):
    """Reads one parsed JSONL line: ``(line, where, fallback name, annotator, scheme,
    offsets)``, where ``where`` is ``file:line`` for errors, the fallback name is for a line
    that names no document, ``annotator`` (``--annotator``) wins over the line's own, and
    ``offsets`` (``--offsets``; None: the format's own) is what the line's offsets count."""

    def __call__(
        self,
        obj: dict[str, Any],
        where: str,
        fallback_name: str,
        annotator: str | None,
        scheme: Scheme,
        offsets: OffsetUnits | None = None,
    ) -> NewDocument: ...


LineEncoder = Callable[[ExportRecord], list[bytes]]
"""Encodes a record as one JSONL line (ending in a newline), in pieces to write in order."""


@dataclass(frozen=True)
class Format:
    """An interchange format and what Workbench does with it."""

    name: str
    title: str
    read_line: LineReader | None = None
    """Reads a JSONL line of this format (None: not imported)."""
    claims_line: Callable[[dict[str, Any]], bool] | None = None
    """Whether a line is unmistakably of this format: ``auto`` reads it so, and the reader of
    another format refuses it rather than drop its labels."""
    signs: str = ""
    """What :attr:`claims_line` looks for, for the refusal's message."""
    write_lines: Callable[[str], LineEncoder] | None = None
    """The JSONL line encoder of an export of a source (None: not exported as JSONL)."""
    write_docs: Callable[[Vocab, Scheme], spacy_docbin.RecordEncoder] | None = None
    """The encoder of records as spaCy ``Doc`` parts for a ``DocBin`` (spaCy only)."""
    suffix: str = ".jsonl"
    """The end of an export's default file name."""
    offsets: OffsetUnits = "codepoints"
    """What the format's offsets count when ``--offsets`` does not say: its reader converts
    from these units; its line encoder writes code points, which ``export jsonl`` converts."""


WORKBENCH: Final = Format(
    "workbench",
    "Workbench JSONL (a superset of Prodigy's task format)",
    read_line=workbench.read_line,
    write_lines=workbench.WorkbenchLines,
)
PRODIGY: Final = Format(
    "prodigy",
    "Prodigy task JSONL (written as Workbench JSONL)",
    read_line=prodigy.read_line,
)
DOCCANO: Final = Format(
    "doccano",
    "doccano JSONL",
    read_line=doccano.read_line,
    claims_line=doccano.looks_like_doccano,
    signs=doccano.SIGNS,
    write_lines=doccano.doccano_lines,
    suffix=".doccano.jsonl",
    offsets=doccano.OFFSETS,
)
SPACY: Final = Format(
    "spacy",
    "spaCy DocBin corpora",
    write_docs=spacy_docbin.RecordEncoder,
    suffix=".spacy",
)

FORMATS: Final = {fmt.name: fmt for fmt in (WORKBENCH, PRODIGY, DOCCANO, SPACY)}
"""Every format, by name, in the order messages list them."""

AUTO: Final = "auto"
"""The import format that tells the others apart line by line."""
UNCLAIMED: Final = PRODIGY
"""How ``auto`` reads a line no format claims: as Prodigy's task format, which reads the
Workbench format too (its superset)."""
_CLAIMING: Final = tuple(fmt for fmt in FORMATS.values() if fmt.claims_line is not None)


def import_names() -> tuple[str, ...]:
    """The names ``import`` accepts as its format: ``auto`` and every format it reads."""
    return (AUTO, *(fmt.name for fmt in FORMATS.values() if fmt.read_line is not None))


def jsonl_export_names() -> tuple[str, ...]:
    """The names ``export jsonl`` accepts as its format."""
    return tuple(fmt.name for fmt in FORMATS.values() if fmt.write_lines is not None)


def _lookup(name: str, field: str, usable: tuple[str, ...], purpose: str) -> Format:
    if name not in usable:
        what = "unknown" if name not in FORMATS and name != AUTO else f"cannot be {purpose}"
        raise FieldError(field, f"{field} {name!r} {what}; expected one of {', '.join(usable)}")
    return FORMATS[name]


def import_format(name: str, field: str = "format") -> Format | None:
    """The format an import reads (None for ``auto``); any other name is a
    :class:`FieldError` that lists the choices."""
    if name == AUTO:
        return None
    return _lookup(name, field, import_names(), "imported")


def jsonl_writer(name: str, field: str = "format") -> Callable[[str], LineEncoder]:
    """The line encoder maker of the format ``export jsonl`` writes (it takes the source's
    name); any other name is a :class:`FieldError` that lists the choices."""
    writer = _lookup(name, field, jsonl_export_names(), "exported as JSONL").write_lines
    assert writer is not None  # only formats that write lines are listed
    return writer


def line_reader(chosen: Format | None, line: dict[str, Any], where: str) -> LineReader:
    """The reader of one JSONL line: the chosen format's, or for ``auto`` (None) the format
    that claims the line (:data:`UNCLAIMED` if none does). A line another format claims is
    refused: read as the chosen one, its labels would be dropped without a word."""
    claimant = next((fmt for fmt in _CLAIMING if fmt.claims_line and fmt.claims_line(line)), None)
    fmt = chosen or claimant or UNCLAIMED
    if claimant is not None and fmt is not claimant:
        raise ImportFormatError(
            f"{where}: a {claimant.name} line ({claimant.signs}); use --format {claimant.name}"
            " or --format auto"
        )
    assert fmt.read_line is not None  # only formats that read lines are chosen or claim
    return fmt.read_line
