"""The real TUI in a pseudo-terminal, killed with SIGKILL: every acknowledged change survives."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest
from helpers import SMALL_TEXTS

from workbench.store import NewDocument, open_store

SHIFT_RIGHT = "\x1b[1;2C"
RIGHT = "\x1b[C"


class Terminal:
    """A child process on a pseudo-terminal of a fixed size, with its output collected."""

    def __init__(self, args: list[str], cwd: Path, columns: int = 120, rows: int = 36) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the TUI
            os.chdir(cwd)
            os.environ["TERM"] = "xterm-256color"
            os.environ.pop("WORKBENCH_DB", None)
            os.execv(sys.executable, [sys.executable, "-m", "workbench", *args])
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.output = b""

    def read(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                return
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def wait_for(self, text: str, seconds: float = 30) -> None:
        """Read until ``text`` shows up in what the program drew since the last wait."""
        start = len(self.output)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if text.encode() in self.output[start:]:
                return
            self.read(0.1)
        raise AssertionError(f"{text!r} never appeared on the screen")

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.mark.slow
def test_sigkill_loses_no_acknowledged_change(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    store = open_store(url)
    store.add_documents([NewDocument("summit", SMALL_TEXTS["summit"])])
    store.close()
    args = ["annotate", "--annotator", "alice", "--doc", "summit", "--db", url]

    terminal = Terminal(args, tmp_path)
    try:
        terminal.wait_for("tokens, 0 spans")
        terminal.type(SHIFT_RIGHT)
        terminal.read(0.3)
        terminal.type("1")  # "Xi Jinping" as FACT
        terminal.wait_for("saved: FACT")
        terminal.type("s")
        terminal.wait_for("Stance of the FACT span")
        terminal.type("c")  # its stance: CRITICAL
        terminal.wait_for("saved: span stance CRITICAL")
        terminal.type(RIGHT * 2 + SHIFT_RIGHT)  # from "Jinping" to "Vladimir Putin"
        terminal.read(0.3)
        terminal.type("3")  # "Vladimir Putin" as QUOTE
        terminal.wait_for("saved: QUOTE")
    finally:
        terminal.kill()

    store = open_store(url)
    annotation = store.find_annotation(
        store.document_by_name("summit"), store.annotator("alice").id
    )
    assert annotation is not None
    text = SMALL_TEXTS["summit"]
    assert [(text[s.start : s.end], s.label, s.stance) for s in annotation.spans] == [
        ("Xi Jinping", "FACT", "CRITICAL"),
        ("Vladimir Putin", "QUOTE", None),
    ]
    with store.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    store.close()

    again = Terminal(args, tmp_path)
    try:
        again.wait_for("tokens, 2 spans")  # the same document, with what was saved
        again.type("u")  # and the history is still there to undo
        again.wait_for("saved: undo add of QUOTE span")
    finally:
        again.kill()
