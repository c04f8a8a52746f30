"""An export killed half-way leaves the previous output whole (or none), never a half file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import SMALL_TEXTS

from workbench.store import NewAnnotation, NewDocument, NewSpan, open_store

DOCUMENTS = 3000


def build(url: str) -> None:
    store = open_store(url)
    text = " ".join(SMALL_TEXTS.values())
    store.add_documents(
        NewDocument(
            f"doc{i:05d}",
            f"Report {i}. {text}",
            annotations=(
                NewAnnotation("ann", "done", spans=(NewSpan(0, 6, "FACT"),), stance="MIXED"),
            ),
        )
        for i in range(DOCUMENTS)
    )
    store.close()


def export(url: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "workbench", "--db", url, "export", *args, "--source", "all"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_once_writing(process: subprocess.Popen[bytes], folder: Path) -> None:
    """SIGKILL the export as soon as its temporary file exists (it is then mid-way)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(folder.glob(".*.tmp")):
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return
        if process.poll() is not None:
            pytest.fail("the export finished before it could be killed: make it bigger")
        time.sleep(0.005)
    pytest.fail("the export never started writing")


@pytest.mark.slow
def test_killed_jsonl_export_keeps_the_previous_file_whole(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'big.db'}"
    build(url)
    out = tmp_path / "out" / "all.jsonl"
    assert export(url, "jsonl", "--out", str(out)).wait() == 0
    complete = out.read_bytes()
    assert complete.count(b"\n") == DOCUMENTS
    kill_once_writing(export(url, "jsonl", "--out", str(out)), out.parent)
    assert out.read_bytes() == complete  # the earlier export, untouched


@pytest.mark.slow
def test_killed_spacy_export_leaves_no_half_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'big.db'}"
    build(url)
    out = tmp_path / "spacy"
    kill_once_writing(export(url, "spacy", "--out", str(out)), out)
    finished = [p.name for p in out.iterdir() if not p.name.startswith(".")]
    assert finished == [], f"half an export was left: {finished}"
