"""``export jsonl``: the selected records written as JSONL in a format of the registry
(Workbench's own, a superset of Prodigy's task format, or doccano's)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Final

import orjson

from workbench.export.output import PieceWriter, open_output
from workbench.export.sources import (
    MergeReport,
    document_hashes,
    iter_records,
    resolve_source,
)
from workbench.formats.offsets import astral, offset_units, to_utf16
from workbench.formats.registry import FORMATS, LineEncoder, jsonl_writer
from workbench.store.records import ExportDocument, ExportRecord

if TYPE_CHECKING:
    from workbench.store import Store


@dataclass
class JsonlExport:
    """What an export wrote: where, how many lines and documents, and the tied stances."""

    path: str
    format: str
    records: int = 0
    documents: int = 0
    stance_ties: list[str] = field(default_factory=list)


def export_jsonl(
    store: Store,
    *,
    out: Path | str,
    source: str,
    status: str = "done",
    docs: Sequence[str] | None = None,
    format: str = "workbench",
    offsets: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> JsonlExport:
    """Write the selected annotations as JSONL to ``out`` (``-`` is standard output).

    One line per record, by document name then annotator name; the same database gives the
    same bytes. A file is written under a temporary name and renamed when complete. Offsets
    count ``offsets`` units (``codepoints`` or ``utf16``; by default the format's own: UTF-16
    for doccano).
    """
    writer = jsonl_writer(format)
    units = FORMATS[format].offsets if offsets is None else offset_units(offsets)
    selection = resolve_source(store, source, status, docs)
    # An empty selection writes an empty file (valid JSONL, and what a script watching an
    # early project expects), not an error: only spaCy corpora need something to train on.
    total = len(document_hashes(store, selection))
    result = JsonlExport(path=str(out), format=format)
    report = MergeReport(stance_ties=result.stance_ties)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        result.documents = done
        if progress is not None:
            progress(done, total)

    encode = writer(selection.source)
    if units == "utf16":
        encode = Utf16Lines(encode)
    with open_output(out) as handle:
        result.records = write_lines(
            handle, iter_records(store, selection, report=report, progress=advance), encode
        )
    return result


def write_lines(handle: BinaryIO, records: Iterable[ExportRecord], encode: LineEncoder) -> int:
    """Encode and write each record as one line, in chunks; how many lines were written."""
    count = 0
    pieces: list[bytes] = []
    with PieceWriter(handle) as writer:
        for record in records:
            pieces.extend(encode(record))
            count += 1
            if len(pieces) >= CHUNK_PIECES:
                writer.write(pieces)
                pieces = []
        if pieces:
            writer.write(pieces)
    return count


class Utf16Lines:
    """A line encoder whose offsets count UTF-16 units: span offsets are moved before the
    wrapped encoder writes them, and a line's ``tokens`` (Workbench JSONL) after. A document
    with no character beyond U+FFFF, where the two counts agree, is encoded as it is."""

    def __init__(self, encode: LineEncoder) -> None:
        self._encode = encode
        self._document: ExportDocument | None = None
        self._astral: list[int] = []

    def __call__(self, record: ExportRecord) -> list[bytes]:
        """One line (in pieces) for a record, its offsets in UTF-16 units."""
        if record.document is not self._document:
            self._document = record.document
            self._astral = astral(record.document.text)
        found = self._astral
        if not found:
            return self._encode(record)
        spans = [
            span._replace(start=to_utf16(span.start, found), end=to_utf16(span.end, found))
            for span in record.spans
        ]
        pieces = self._encode(record._replace(spans=spans))
        joined = b"".join(pieces)
        if b'"tokens":' not in joined:  # a key: inside a JSON string the quotes are escaped
            return pieces
        line = orjson.loads(joined)
        tokens = line.get("tokens")
        if not isinstance(tokens, list):
            return pieces
        for token in tokens:
            token["start"] = to_utf16(token["start"], found)
            token["end"] = to_utf16(token["end"], found)
        return [orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)]


CHUNK_PIECES: Final = 320
"""Pieces per write: 64 lines of 5, well under the 1,024 buffers one ``writev`` may take."""
