"""Export files written whole or not at all: a temporary file beside the target, then a rename."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import queue
import re
import secrets
import shutil
import socket
import stat
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, ClassVar

from workbench.errors import WorkbenchError

STDOUT = "-"


def is_stdout(path: Path | str) -> bool:
    """Whether ``path`` means standard output (``-``)."""
    return str(path) == STDOUT


STAGING_PREFIX = ".workbench-export-"
"""How the staging folder of a running export is named: this prefix, a tag of the host, the
writer's process id and a random token, then ``.tmp`` (see :func:`staging_name`)."""
_STAGING = re.compile(r"\.workbench-export-([0-9a-f]{8})-([0-9]{1,10})-[0-9a-f]{16}\.tmp")


def _host_tag() -> str:
    # A process id means something only on the machine that wrote it (an export folder on a
    # network drive is shared), so the staging name says which machine that was.
    return hashlib.blake2b(socket.gethostname().encode(), digest_size=4).hexdigest()


def staging_name(pid: int | None = None) -> str:
    """A fresh staging folder name of this host and ``pid`` (default: this process)."""
    writer = os.getpid() if pid is None else pid
    return f"{STAGING_PREFIX}{_host_tag()}-{writer}-{secrets.token_hex(8)}.tmp"


def _process_gone(pid: int) -> bool:
    """Whether ``pid`` provably runs no process on this machine (anything unclear: no)."""
    if os.name != "posix" or pid <= 0:
        return False  # elsewhere os.kill(pid, 0) is not a harmless probe
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):
        return False  # alive under another user (EPERM), or not a pid at all
    return False


def remove_stale_staging(folder: Path) -> list[Path]:
    """Remove the staging folders that interrupted exports left in ``folder``: only folders
    named by :func:`staging_name` for this host whose process is gone (so never a running
    export's, nor anything Workbench did not name). The folders removed."""
    removed: list[Path] = []
    host = _host_tag()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _STAGING.fullmatch(entry.name)
        if match is None or match.group(1) != host or not _process_gone(int(match.group(2))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
                removed.append(Path(entry.path))
    return removed


def describe_kind(path: Path) -> str | None:
    """What ``path`` is when it is neither missing nor a regular file ("a FIFO", "a symbolic
    link to ..."), else None."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        with contextlib.suppress(OSError):
            return f"a symbolic link to {path.readlink()}"
        return "a symbolic link"
    kinds = {
        stat.S_ISDIR: "a folder",
        stat.S_ISFIFO: "a FIFO (named pipe)",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISSOCK: "a socket",
    }
    return next((kind for test, kind in kinds.items() if test(mode)), "not a regular file")


def check_replaceable(target: Path, what: str = "choose another --out") -> None:
    """Refuse a target that exists and is not a regular file: an export replaces files, never
    a device, a FIFO, a folder or a symbolic link (renaming over a link would replace the link,
    not what it points to)."""
    kind = describe_kind(target)
    if kind is not None:
        raise WorkbenchError(
            f"{target}: is {kind}, not a regular file; an export only replaces regular files"
            f" ({what})"
        )


def _prepare_folder(folder: Path) -> list[Path]:
    """Make ``folder`` if needed; the folders made, innermost first."""
    if folder.exists() and not folder.is_dir():
        kind = describe_kind(folder) or "a file"
        raise WorkbenchError(f"{folder}: is {kind}; give a folder to write into")
    missing = [path for path in (folder, *folder.parents) if not path.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkbenchError(f"{folder}: cannot create the folder ({exc.strerror})") from None
    return missing


class StagedFiles:
    """Files written under temporary names in one folder and renamed into place together by
    :meth:`commit`, so an interrupted export leaves the previous files (or none), never a
    half-written one.

    The temporary files live in one staging folder beside the targets (see
    :func:`staging_name`), scratch files of the writers too, so a killed export leaves one
    folder that the next export into the same folder removes.
    """

    def __init__(self, folder: Path) -> None:
        self._made = _prepare_folder(folder)
        self.folder = folder
        self._staged: dict[Path, Path] = {}
        self._staging: Path | None = None
        remove_stale_staging(folder)

    def _staging_folder(self) -> Path:
        # Made on the first file, so an export refused before writing leaves nothing.
        if self._staging is None:
            staging = self.folder / staging_name()
            try:
                staging.mkdir()
            except OSError as exc:
                raise WorkbenchError(f"{self.folder}: cannot write here ({exc.strerror})") from None
            self._staging = staging
        return self._staging

    def stage(self, name: str) -> Path:
        """A fresh temporary path that :meth:`commit` will rename to ``folder/name``."""
        target = self.folder / name
        check_replaceable(target, "remove it or choose another --out")
        # Created with open(mode "x") rather than mkstemp, so it gets the usual permissions.
        temporary = self._staging_folder() / f"{name}.tmp"
        try:
            temporary.open("xb").close()
        except OSError as exc:
            raise WorkbenchError(f"{self.folder}: cannot write here ({exc.strerror})") from None
        self._staged[target] = temporary
        return temporary

    def commit(self) -> list[Path]:
        """Rename every staged file to its target; the targets."""
        for target in self._staged:
            # Checked again: something may have taken the name while the export ran.
            check_replaceable(target, "remove it or choose another --out")
        for target, temporary in self._staged.items():
            _fsync(temporary)
            temporary.replace(target)
        targets = list(self._staged)
        self._staged.clear()
        self._remove_staging()
        self._made = []
        return targets

    def abort(self) -> None:
        """Remove the staged files that were not committed, and the folders made for them
        (if still empty): a refused export leaves nothing behind."""
        self._staged.clear()
        self._remove_staging()
        for folder in self._made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        self._made = []

    def _remove_staging(self) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        self.abort()
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            # A full disk, a quota, an I/O error while writing or renaming: the user's
            # problem to fix, so one line (the previous files are still there), not a trace.
            reason = exc.strerror or str(exc)
            raise WorkbenchError(
                f"{self.folder}: writing the export failed ({reason}); the previous files"
                " are unchanged"
            ) from None


def _fsync(path: Path) -> None:
    # The rename must not reach the disk before the data: otherwise a power cut could leave
    # a complete-looking name over an empty file.
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


@contextmanager
def open_output(path: Path | str) -> Iterator[BinaryIO]:
    """A binary stream for ``path``: standard output for ``-``, else a temporary file that is
    renamed to ``path`` when the block ends without an error (and removed if it fails)."""
    if is_stdout(path):
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    check_replaceable(target, "give a file name, or - for stdout")
    with StagedFiles(target.parent if str(target.parent) else Path()) as staged:
        temporary = staged.stage(target.name)
        try:
            handle = temporary.open("wb", buffering=1 << 20)
        except OSError as exc:
            raise WorkbenchError(f"{target}: cannot write it ({exc.strerror})") from None
        with handle:
            yield handle
        staged.commit()


class PieceWriter:
    """Writes lists of byte strings, in order: to a regular file with one ``writev`` call per
    list (the pieces go to the kernel as they are, with no joined copy; a document's tokens,
    shared by all its lines, are never copied), else joined and written.

    To a regular file the writes run on a thread of their own, so the kernel copies one chunk
    while the caller builds the next, and every ``SYNC_EVERY`` bytes another thread has the
    kernel flush what is written so far to disk, so the final ``fsync`` (which makes the file
    durable before it is renamed into place) finds little left to do. At most ``QUEUED``
    lists wait, so memory stays flat. Use it as a context manager: leaving the block waits for
    the writes (and raises the first write error); leaving it with an exception drops what is
    still queued.
    """

    QUEUED: ClassVar[int] = 8
    SYNC_EVERY: ClassVar[int] = 64 << 20

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self._fd: int | None = None
        try:
            fd = handle.fileno()
            if hasattr(os, "writev") and stat.S_ISREG(os.fstat(fd).st_mode):
                handle.flush()
                self._fd = fd
        except (OSError, ValueError, io.UnsupportedOperation):
            self._fd = None
        self._error: BaseException | None = None
        self._dropping = False
        self._queue: queue.Queue[list[bytes] | None] = queue.Queue(self.QUEUED)
        self._writer: threading.Thread | None = None
        self._syncer: threading.Thread | None = None
        self._sync_due = threading.Event()
        self._stopping = False
        if self._fd is not None:
            self._writer = threading.Thread(target=self._write_queued, daemon=True)
            self._syncer = threading.Thread(target=self._sync_while_writing, daemon=True)
            self._writer.start()
            self._syncer.start()

    def write(self, pieces: list[bytes]) -> None:
        """Write the pieces in order (to a file: queue them for the writer thread)."""
        if self._writer is None:
            self.handle.write(b"".join(pieces))
            return
        if self._error is not None:
            raise self._error
        self._queue.put(pieces)

    def close(self) -> None:
        """Wait until everything queued is written; raise the first write error."""
        self._stop()
        if self._error is not None:
            raise self._error

    def _stop(self) -> None:
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join()
            self._writer = None
        if self._syncer is not None:
            self._stopping = True
            self._sync_due.set()
            self._syncer.join()
            self._syncer = None

    def __enter__(self) -> PieceWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
            return
        self._dropping = True  # the caller failed: what is still queued is not written
        self._stop()

    def _write_queued(self) -> None:
        unsynced = 0
        while (pieces := self._queue.get()) is not None:
            if self._error is not None or self._dropping:
                continue  # failed or abandoned: drain the queue up to the end marker
            try:
                unsynced += self._writev(pieces)
            except BaseException as exc:  # handed to the caller's thread
                self._error = exc
                continue
            if unsynced >= self.SYNC_EVERY:
                unsynced = 0
                self._sync_due.set()

    def _writev(self, pieces: list[bytes]) -> int:
        assert self._fd is not None
        total = sum(map(len, pieces))
        while pieces:
            written = os.writev(self._fd, pieces)
            # A short write (rare on a regular file): drop what went out and go on.
            for index, piece in enumerate(pieces):
                if written < len(piece):
                    pieces = [piece[written:], *pieces[index + 1 :]]
                    break
                written -= len(piece)
            else:
                pieces = []
        return total

    def _sync_while_writing(self) -> None:
        # Only a head start for the final fsync, so a failure here is left for it to report.
        sync = getattr(os, "fdatasync", os.fsync)
        while True:
            self._sync_due.wait()
            self._sync_due.clear()
            if self._stopping or self._dropping or self._error is not None or self._fd is None:
                return
            with contextlib.suppress(OSError):
                sync(self._fd)
