"""Plain-text documents: ``.txt`` files and folders of them, read exactly as written."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from workbench.errors import ImportFormatError
from workbench.models import unprintable
from workbench.store.records import NewDocument

MAX_DOCUMENT_BYTES = 10_000_000
"""Larger files are refused: one document that size is about 1.5 million tokens."""
TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")


def too_large(size: int, where: str) -> ImportFormatError:
    """The error for a file of ``size`` bytes, more than one document may hold."""
    return ImportFormatError(
        f"{where}: {size / 1e6:.1f} MB is more than one document may hold"
        f" ({MAX_DOCUMENT_BYTES / 1e6:.0f} MB); split it into several files"
    )


def decode_text(data: bytes, where: str) -> str:
    """The text of a file's bytes (UTF-8, BOM dropped), or :class:`ImportFormatError`."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise too_large(len(data), where)
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


def decoded(path: Path | str) -> str:
    """A path as text: bytes of a name that is not UTF-8 become ``\\xNN``."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def shown(path: Path | str) -> str:
    """A path as printable text for a message: bytes that are not UTF-8 become ``\\xNN`` and
    control characters (ESC, a line break) their escapes, so no file name acts on the
    terminal."""
    text = decoded(path)
    if not any(unprintable(ch) for ch in text):
        return text
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unprintable(ch) else ch for ch in text
    )


def not_regular(path: Path | str, mode: int) -> ImportFormatError:
    """The error for a path that is neither a regular file nor a folder (FIFO, device, socket)."""
    if stat.S_ISFIFO(mode):
        kind = "a FIFO"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        kind = "not a file"
    return ImportFormatError(f"{shown(path)}: {kind}, not a regular file; import files or folders")


def read_text_file(path: Path, name: str) -> NewDocument:
    """One ``.txt`` file as a document named ``name``: a regular file of at most
    :data:`MAX_DOCUMENT_BYTES`, its size checked before a byte is read."""
    where = shown(path)
    try:
        # O_NONBLOCK: a FIFO put in place of the file is refused, never waited on.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ImportFormatError(f"{where}: cannot read it ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise not_regular(path, info.st_mode)
        if info.st_size > MAX_DOCUMENT_BYTES:
            raise too_large(info.st_size, where)
        try:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)  # the file may grow after the stat
        except OSError as exc:
            raise ImportFormatError(f"{where}: cannot read it ({exc.strerror})") from None
    return NewDocument(
        name=decoded(name), text=decode_text(data, where), meta={"source": where}, origin=where
    )


def text_files(folder: Path) -> Iterator[tuple[Path, str]]:
    """The ``.txt`` files under a folder (recursively, sorted) with their document names:
    the path below the folder without the suffix. Hidden files and folders are left out; a
    folder that cannot be read, or a ``.txt`` entry that is not a regular file, is an error."""

    def refuse(exc: OSError) -> None:
        raise ImportFormatError(
            f"{shown(exc.filename or folder)}: cannot read this folder ({exc.strerror})"
        )

    found: list[tuple[Path, str]] = []
    for root, dirs, files in os.walk(folder, onerror=refuse):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in files:
            if file.startswith(".") or Path(file).suffix.lower() not in TEXT_SUFFIXES:
                continue
            path = Path(root, file)
            try:
                mode = path.stat().st_mode
            except OSError as exc:
                raise ImportFormatError(f"{shown(path)}: cannot read it ({exc.strerror})") from None
            if not stat.S_ISREG(mode):
                raise not_regular(path, mode)
            found.append((path, path.relative_to(folder).with_suffix("").as_posix()))
    yield from sorted(found)
