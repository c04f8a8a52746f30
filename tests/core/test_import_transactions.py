"""A large import writes in short transactions (issue 12.7): an annotator's save goes through
while it runs, a killed import leaves a database that ``check`` passes, and run again the
import completes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import SMALL_TEXTS

from workbench.store import NewDocument, open_store
from workbench.store.maintenance import check_database

pytestmark = pytest.mark.slow

ARTICLE = " ".join(SMALL_TEXTS.values())


def write_articles(folder: Path, count: int) -> None:
    folder.mkdir()
    for n in range(count):
        body = "\n\n".join([ARTICLE] * 12)
        (folder / f"article-{n:05d}.txt").write_text(f"Article {n}.\n\n{body}\n")


def start_import(url: str, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "WORKBENCH_DB": url}
    return subprocess.Popen(
        [sys.executable, "-m", "workbench", "import", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for_documents(url: str, importer: subprocess.Popen[bytes], at_least: int) -> int:
    deadline = time.monotonic() + 120
    store = open_store(url)
    try:
        while time.monotonic() < deadline and importer.poll() is None:
            count = store.count_documents()
            if count >= at_least:
                return count
            time.sleep(0.05)
    finally:
        store.close()
    raise AssertionError(f"the import wrote nothing in time: {importer.communicate()}")


def test_a_save_goes_through_while_a_large_import_runs(workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'busy.db'}"
    store = open_store(url)
    store.add_documents([NewDocument("mine", "The annotator's own article, opened first.")])
    mine = store.annotation(store.document_by_name("mine"), store.annotator("ann").id)
    write_articles(workdir / "feed", 6000)
    importer = start_import(url, workdir / "feed")
    waits: list[float] = []
    try:
        wait_for_documents(url, importer, 2)
        stances = ["CRITICAL", "SUPPORTIVE"]
        while importer.poll() is None and len(waits) < 40:
            started = time.monotonic()
            store.set_stance(mine.id, stances[len(waits) % 2])
            waits.append(time.monotonic() - started)
            time.sleep(0.05)
        saved_during = importer.poll() is None
    finally:
        importer.wait(timeout=300)
    assert importer.returncode == 0, importer.stderr.read() if importer.stderr else ""
    assert saved_during, "the import ended before the saves could be measured"
    # Before: one transaction held the lock for the whole import and saves waited 30 s.
    assert max(waits) < 3.0, waits
    assert store.count_documents() == 6001
    assert check_database(store) == []
    store.close()


def test_a_killed_import_leaves_a_sound_database_and_completes_when_run_again(
    workdir: Path,
) -> None:
    url = f"sqlite:///{workdir / 'killed.db'}"
    write_articles(workdir / "feed", 5000)
    importer = start_import(url, workdir / "feed")
    try:
        written = wait_for_documents(url, importer, 500)
    finally:
        importer.send_signal(signal.SIGKILL)
        importer.wait()
    store = open_store(url)
    partial = store.count_documents()
    assert written <= partial < 5000
    assert check_database(store) == []
    store.close()
    again = start_import(url, workdir / "feed")
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert f"imported {5000 - partial} documents, skipped {partial}" in err.decode()
    store = open_store(url)
    assert store.count_documents() == 5000
    assert check_database(store) == []
    store.close()


def test_an_annotators_save_during_the_import_is_kept(workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'both.db'}"
    store = open_store(url)
    store.add_documents([NewDocument("mine", "The annotator's own article, opened first.")])
    mine = store.annotation(store.document_by_name("mine"), store.annotator("ann").id)
    write_articles(workdir / "feed", 600)
    done = threading.Event()

    def save() -> None:
        store.add_span(mine.id, 0, 3, "FACT")
        done.set()

    importer = start_import(url, workdir / "feed")
    wait_for_documents(url, importer, 1)
    threading.Thread(target=save).start()
    assert done.wait(30)
    importer.wait(timeout=300)
    assert importer.returncode == 0
    assert [
        s.label
        for s in store.annotation(store.document_by_name("mine"), store.annotator("ann").id).spans
    ] == ["FACT"]
    store.close()
