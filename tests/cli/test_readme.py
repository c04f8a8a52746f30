"""The README's quick start and CI stay in step."""

from __future__ import annotations

import re

from helpers import REPO


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    match = re.search(r'^TEST_COMMAND="(.+)"$', ci, re.MULTILINE)
    assert match is not None
    block = readme.split("<!-- test-command", 1)[1].split("```sh\n", 1)[1].split("\n```", 1)[0]
    assert block == match.group(1)


def test_quick_start_has_exactly_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.+?)\n```", quick, re.DOTALL)
    assert len(blocks) == 2
    assert all("\n" not in block for block in blocks)
