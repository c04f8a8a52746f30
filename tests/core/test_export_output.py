"""The export writer: pieces written in order on a writer thread and flushed to disk as it
goes, with nothing left running afterwards (a write error raised in the caller's thread is in
test_export_jsonl.py)."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest

from workbench.export.output import PieceWriter


def chunks() -> list[list[bytes]]:
    return [[b"%d:" % n, b"x" * (n % 7), b"\n"] for n in range(500)]


def expected() -> bytes:
    return b"".join(b"".join(pieces) for pieces in chunks())


def test_pieces_reach_a_file_in_order_and_no_thread_outlives_the_writer(tmp_path: Path) -> None:
    before = threading.active_count()
    path = tmp_path / "out"
    with path.open("wb") as handle, PieceWriter(handle) as writer:
        assert threading.active_count() == before + 2  # the writer and the syncer
        for pieces in chunks():
            writer.write(pieces)
    assert path.read_bytes() == expected()
    assert threading.active_count() == before


def test_pieces_to_a_stream_are_written_at_once_without_threads() -> None:
    before = threading.active_count()
    stream = io.BytesIO()
    with PieceWriter(stream) as writer:
        assert threading.active_count() == before
        for pieces in chunks():
            writer.write(pieces)
    assert stream.getvalue() == expected()


def test_the_file_is_flushed_to_disk_while_it_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    sync = getattr(os, "fdatasync", os.fsync)

    def counted(fd: int) -> None:
        synced.append(fd)
        sync(fd)

    monkeypatch.setattr(os, "fdatasync" if hasattr(os, "fdatasync") else "fsync", counted)
    monkeypatch.setattr(PieceWriter, "SYNC_EVERY", 1000)
    path = tmp_path / "out"
    with path.open("wb") as handle, PieceWriter(handle) as writer:
        for pieces in chunks():
            writer.write(pieces)
        deadline = time.monotonic() + 30
        while not synced and time.monotonic() < deadline:
            time.sleep(0.01)  # the syncer runs beside the writer, not in step with it
    assert synced, "no flush while writing"
    assert path.read_bytes() == expected()


def test_a_failing_caller_stops_the_threads_and_drops_what_is_queued(tmp_path: Path) -> None:
    before = threading.active_count()
    path = tmp_path / "out"
    with (
        pytest.raises(RuntimeError, match="interrupted"),
        path.open("wb") as handle,
        PieceWriter(handle) as writer,
    ):
        for pieces in chunks():
            writer.write(pieces)
        raise RuntimeError("interrupted")
    assert threading.active_count() == before
    assert expected().startswith(path.read_bytes())
