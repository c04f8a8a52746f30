"""Running the command line in tests: in process, never with a traceback."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from workbench.cli import app


def invoke(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None) -> Result:
    """Run the app in-process; it must never end in an uncaught exception or a traceback."""
    runner = CliRunner(env={"COLUMNS": "200", **(env or {})})
    result = runner.invoke(app, list(args), input=stdin)
    assert "Traceback" not in result.output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def assert_user_error(result: Result, *fragments: str) -> list[str]:
    """Exit 1, nothing on stdout, only ``error:`` lines on stderr holding every fragment."""
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines
    assert all(line.startswith("error: ") for line in lines), lines
    for fragment in fragments:
        assert fragment in result.stderr
    return lines
