"""Every benchmark runs in its --quick mode and ends with one JSON line of figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

BENCHES = sorted((REPO / "bench").glob("*_bench.py"))


@pytest.mark.slow
@pytest.mark.parametrize("bench", BENCHES, ids=[b.stem for b in BENCHES])
def test_benchmark_quick_mode_prints_its_figures(bench: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(bench), "--quick"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    ratios = [key for key in figures if key.endswith("_ratio")]
    assert ratios, "a benchmark reports at least one ratio"
    assert all(isinstance(figures[key], int | float) for key in ratios)
