"""``export jsonl``: the selected records written as JSONL in a format of the registry
(Workbench's own, a superset of Prodigy's task format, or doccano's)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Final

from workbench.export.output import PieceWriter, open_output
from workbench.export.sources import MergeReport, document_hashes, iter_records, resolve_source
from workbench.formats.registry import LineEncoder, jsonl_writer
from workbench.store.records import ExportRecord

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
    progress: Callable[[int, int], None] | None = None,
) -> JsonlExport:
    """Write the selected annotations as JSONL to ``out`` (``-`` is standard output).

    One line per record, by document name then annotator name; the same database gives the
    same bytes. A file is written under a temporary name and renamed when complete.
    """
    writer = jsonl_writer(format)
    selection = resolve_source(store, source, status, docs)
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


CHUNK_PIECES: Final = 320
"""Pieces per write: 64 lines of 5, well under the 1,024 buffers one ``writev`` may take."""
