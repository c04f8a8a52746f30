"""The export writer: pieces written in order on a writer thread and flushed to disk as it
goes, with nothing left running afterwards (a write error raised in the caller's thread is in
test_export_jsonl.py)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cli_helpers import assert_user_error, invoke
from export_corpus import annotated
from typer.testing import Result

from workbench.export.docbin import FILES, export_spacy
from workbench.export.output import STAGING_PREFIX, PieceWriter, staging_name
from workbench.store import Store, open_store


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


# -- what --out may replace (issue 12.5) -------------------------------------------------------


def exported(db_url: str, *args: str) -> Result:
    """Run ``workbench export ...`` on a database holding the small annotated corpus."""
    store = open_store(db_url)
    if not store.count_documents():
        annotated(store)
    store.close()
    return invoke("--db", db_url, "export", *args, "--source", "all")


def a_device(workdir: Path) -> Path:
    """A character device to aim an export at. As root (who could replace the system's
    /dev/null if the refusal ever broke), a null device of the test's own; else /dev/null,
    which only root may replace."""
    if os.geteuid() != 0:
        return Path(os.devnull)
    node = workdir / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except OSError:
        pytest.skip("root without the right to make a device node: /dev/null is not risked")
    return node


def test_a_device_is_never_replaced(workdir: Path, db_url: str) -> None:
    device = a_device(workdir)
    result = exported(db_url, "jsonl", "--out", str(device))
    lines = assert_user_error(result, f"{device}: is a character device")
    assert len(lines) == 1
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    # A folder where a file is expected, as before.
    (workdir / "taken.jsonl").mkdir()
    result = exported(db_url, "jsonl", "--out", "taken.jsonl")
    assert len(assert_user_error(result, "taken.jsonl: is a folder")) == 1
    folder = workdir / "spacy"
    (folder / "train.spacy").mkdir(parents=True)
    result = exported(db_url, "spacy", "--out", str(folder))
    assert len(assert_user_error(result, "train.spacy: is a folder")) == 1
    assert sorted(path.name for path in folder.iterdir()) == ["train.spacy"]


def test_a_fifo_is_refused_at_once_and_left_as_it_is(workdir: Path, db_url: str) -> None:
    fifo = workdir / "pipe.jsonl"
    os.mkfifo(fifo)
    # Opening a FIFO for writing blocks until a reader comes: a refusal must not open it.
    lines = assert_user_error(exported(db_url, "jsonl", "--out", str(fifo)), "is a FIFO")
    assert len(lines) == 1
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    folder = workdir / "spacy"
    folder.mkdir()
    os.mkfifo(folder / "dev.spacy")
    lines = assert_user_error(exported(db_url, "spacy", "--out", str(folder)), "dev.spacy")
    assert len(lines) == 1
    assert sorted(path.name for path in folder.iterdir()) == ["dev.spacy"]


def test_a_symbolic_link_is_refused_and_what_it_points_to_is_unchanged(
    workdir: Path, db_url: str
) -> None:
    elsewhere = workdir / "precious.txt"
    elsewhere.write_bytes(b"keep me")
    link = workdir / "out.jsonl"
    link.symlink_to(elsewhere)
    result = exported(db_url, "jsonl", "--out", str(link))
    lines = assert_user_error(result, f"{link}: is a symbolic link to {elsewhere}")
    assert len(lines) == 1
    assert link.is_symlink() and elsewhere.read_bytes() == b"keep me"
    folder = workdir / "spacy"
    folder.mkdir()
    (folder / "config.cfg").symlink_to(elsewhere)
    lines = assert_user_error(exported(db_url, "spacy", "--out", str(folder)), "config.cfg")
    assert len(lines) == 1
    assert sorted(path.name for path in folder.iterdir()) == ["config.cfg"]
    assert elsewhere.read_bytes() == b"keep me"
    # A regular file is replaced, and the folder itself may be a link (the files may not).
    (workdir / "old.jsonl").write_bytes(b"old\n")
    assert exported(db_url, "jsonl", "--out", "old.jsonl").exit_code == 0
    assert (workdir / "old.jsonl").read_bytes().count(b"\n") == 9
    real = workdir / "real"
    real.mkdir()
    (workdir / "linked").symlink_to(real)
    assert exported(db_url, "spacy", "--out", "linked").exit_code == 0
    assert (real / "train.spacy").is_file()


# -- temporaries of interrupted exports (issue 12.6) ---------------------------------------------


def dead_pid() -> int:
    """The process id of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def staging_folder(folder: Path, pid: int, size: int = 1000) -> Path:
    """A staging folder as an export running as ``pid`` leaves it when killed."""
    staging = folder / staging_name(pid)
    (staging / ".docbin-x1").mkdir(parents=True)
    (staging / "train.spacy.tmp").write_bytes(b"x" * size)
    (staging / ".docbin-x1" / "tokens").write_bytes(b"x" * size)
    return staging


def test_the_next_export_removes_stale_temporaries_it_can_prove_are_its_own(
    sqlite_store: Store, workdir: Path
) -> None:
    annotated(sqlite_store)
    out = workdir / "spacy"
    out.mkdir()
    stale = [staging_folder(out, dead_pid()) for _ in range(3)]
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as alive:
        try:
            running = staging_folder(out, alive.pid)
            mine = staging_folder(out, os.getpid())
            # Not provably Workbench's, or not this machine's: never touched.
            others = [
                out / ".train.spacy.0123456789abcdef.tmp",  # an older Workbench's name
                out / staging_name(dead_pid()).replace(".tmp", ".bak"),
                out / f"{STAGING_PREFIX}00000000-{dead_pid()}-{'0' * 16}.tmp",  # another host
            ]
            for path in others:
                path.mkdir()
            plain = out / staging_name(dead_pid())  # a file, not a folder Workbench made
            plain.write_bytes(b"someone's")
            outside = workdir / "outside"
            outside.mkdir()
            (outside / "data").write_bytes(b"keep")
            linked = out / staging_name(dead_pid())
            linked.symlink_to(outside)
            export_spacy(sqlite_store, out=out, source="all")
            assert not any(path.exists() for path in stale)
            assert running.is_dir() and (running / "train.spacy.tmp").stat().st_size == 1000
            assert mine.is_dir()
            assert all(path.is_dir() for path in others)
            assert plain.read_bytes() == b"someone's"
            assert linked.is_symlink() and (outside / "data").read_bytes() == b"keep"
            names = {path.name for path in out.iterdir() if not path.name.startswith(".")}
            assert names == set(FILES)
        finally:
            alive.kill()


def test_a_killed_export_leaves_one_staging_folder_that_the_next_one_removes(
    workdir: Path, db_url: str
) -> None:
    store = open_store(db_url)
    annotated(store)
    store.close()
    out = workdir / "out.jsonl"
    script = (
        "import os, sys\n"
        "from workbench.export import output\n"
        "real = output.StagedFiles.commit\n"
        "def killed(self):\n"
        "    os._exit(9)  # as SIGKILL would: no clean-up runs\n"
        "output.StagedFiles.commit = killed\n"
        "from workbench.cli import main\n"
        "sys.argv = ['workbench', '--db', sys.argv[1], 'export', 'jsonl', '--source', 'all',"
        " '--out', sys.argv[2]]\n"
        "main()\n"
    )
    killed = subprocess.run([sys.executable, "-c", script, db_url, str(out)], check=False)
    assert killed.returncode == 9
    left = [path.name for path in workdir.iterdir() if path.name.startswith(STAGING_PREFIX)]
    assert len(left) == 1 and not out.exists()
    assert exported(db_url, "jsonl", "--out", str(out)).exit_code == 0
    assert [path.name for path in workdir.iterdir() if path.name.startswith(".")] == []
    # An export that fails, or succeeds, leaves no staging folder of its own.
    assert exported(db_url, "jsonl", "--out", str(out), "--format", "csv").exit_code == 1
    assert exported(db_url, "spacy", "--out", str(workdir)).exit_code == 0
    assert [path.name for path in workdir.iterdir() if path.name.startswith(".")] == []
