"""Plain-text documents: ``.txt`` files and folders of them, read exactly as written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from workbench.errors import ImportFormatError
from workbench.store.records import NewDocument

MAX_DOCUMENT_BYTES = 10_000_000
"""Larger files are refused: one document that size is about 1.5 million tokens."""
TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")


def decode_text(data: bytes, where: str) -> str:
    """The text of a file's bytes (UTF-8, BOM dropped), or :class:`ImportFormatError`."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ImportFormatError(
            f"{where}: {len(data) / 1e6:.1f} MB is more than one document may hold"
            f" ({MAX_DOCUMENT_BYTES / 1e6:.0f} MB); split it into several files"
        )
    if b"\x00" in data:
        raise ImportFormatError(f"{where}: a binary file (it contains NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise ImportFormatError(
            f"{where}: not UTF-8 (byte 0x{bad} at offset {exc.start}); convert it to UTF-8"
        ) from None
    text = text.removeprefix("\ufeff")
    if not text or text.isspace():  # not .strip(): that copies the whole text
        raise ImportFormatError(f"{where}: the file is empty (no text to annotate)")
    return text


def read_text_file(path: Path, name: str) -> NewDocument:
    """One ``.txt`` file as a document named ``name``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read it ({exc.strerror})") from None
    return NewDocument(
        name=name, text=decode_text(data, str(path)), meta={"source": str(path)}, origin=str(path)
    )


def text_files(folder: Path) -> Iterator[tuple[Path, str]]:
    """The ``.txt`` files under a folder (recursively, sorted) with their document names:
    the path below the folder without the suffix."""
    for path in sorted(folder.rglob("*")):
        # The stat of is_file last: the cheap tests rule out most paths that are not .txt files.
        if path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        relative = path.relative_to(folder)
        if not any(part.startswith(".") for part in relative.parts) and path.is_file():
            yield path, relative.with_suffix("").as_posix()
