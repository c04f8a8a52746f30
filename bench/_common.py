"""What the benchmarks share: peak memory of this process, and phases run in fresh interpreters.

The benchmarks run as scripts (``python bench/x_bench.py``), so this folder is on ``sys.path``
and they import it as ``_common``."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

MB = 1024 * 1024


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB."""
    status = Path("/proc/self/status")
    if status.exists():
        # On Linux ru_maxrss survives fork + exec, so a child would report the parent's peak
        # if that were higher; VmHWM belongs to this process's own address space.
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MB if sys.platform == "darwin" else peak / 1024


def run_child(script: str, *args: str) -> dict[str, Any]:
    """Run ``script`` with ``args`` (one phase) in a fresh interpreter; the JSON object on the
    last line of its output. A failed phase ends the benchmark with the end of its stderr."""
    done = subprocess.run(
        [sys.executable, script, *args], check=False, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{args[0] if args else script} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
