"""How a training run shows its progress: a live Rich display on a terminal, plain lines
otherwise (one per evaluation), both on stderr."""

from __future__ import annotations

import sys
from typing import IO, Any, Final

from workbench.train.run import Checkpoint

SHOWN_SCORES: Final = ("spans_claim_type_f", "ents_f", "cats_score")
"""The dev scores a line shows (whichever the pipeline has), besides the weighted score."""
ROWS: Final = 8
"""Evaluations the live table keeps."""


def _scores(checkpoint: Checkpoint) -> list[tuple[str, float]]:
    return [(key, checkpoint.scores[key]) for key in SHOWN_SCORES if key in checkpoint.scores]


def describe(checkpoint: Checkpoint) -> str:
    """One evaluation as a line: step, epoch, losses, dev scores."""
    losses = " ".join(f"{name}={value:.2f}" for name, value in checkpoint.losses.items())
    scores = " ".join(f"{name}={value:.3f}" for name, value in _scores(checkpoint))
    best = " (best)" if checkpoint.best else ""
    return (
        f"step {checkpoint.step} epoch {checkpoint.epoch} loss {losses or '-'}"
        f" score {checkpoint.score:.3f}{best} {scores}"
    ).rstrip()


class PlainProgress:
    """A line per evaluation, for logs and pipes."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr

    def started(self, components: list[str], max_steps: int, eval_frequency: int) -> None:
        """Say what trains."""
        limit = f"at most {max_steps} steps" if max_steps else "until the score stops rising"
        print(
            f"training {', '.join(components)}: {limit}, dev scored every {eval_frequency}",
            file=self.stream,
            flush=True,
        )

    def stepped(self, step: int) -> None:
        """Nothing: only evaluations get a line."""

    def evaluated(self, checkpoint: Checkpoint) -> None:
        """A line for the evaluation."""
        print(describe(checkpoint), file=self.stream, flush=True)

    def finished(self) -> None:
        """Nothing more to say."""


class LiveProgress:
    """A Rich live display: a step bar and a table of the latest evaluations."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self._live: Any = None
        self._rows: list[Checkpoint] = []
        self._step = 0
        self._max = 0
        self._components: list[str] = []

    def started(self, components: list[str], max_steps: int, eval_frequency: int) -> None:
        """Open the display."""
        from rich.live import Live

        self._components, self._max = components, max_steps
        self._live = Live(self._render(), console=self.console, refresh_per_second=4)
        self._live.__enter__()

    def stepped(self, step: int) -> None:
        """Move the step counter."""
        self._step = step + 1
        if self._live is not None:
            self._live.update(self._render())

    def evaluated(self, checkpoint: Checkpoint) -> None:
        """Add the evaluation to the table."""
        self._rows = [*self._rows, checkpoint][-ROWS:]
        if self._live is not None:
            self._live.update(self._render())

    def finished(self) -> None:
        """Close the display, leaving the last table on screen."""
        if self._live is not None:
            self._live.update(self._render())
            self._live.__exit__(None, None, None)
            self._live = None

    def _render(self) -> Any:
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        of = f"/{self._max}" if self._max else ""
        head = Text(f"training {', '.join(self._components)}: step {self._step}{of}")
        table = Table(show_edge=False, pad_edge=False)
        for column in ("step", "epoch", "losses", "score", *self._score_columns()):
            table.add_column(column, justify="left" if column == "losses" else "right")
        for row in self._rows:
            losses = " ".join(f"{name} {value:.2f}" for name, value in row.losses.items())
            table.add_row(
                str(row.step),
                str(row.epoch),
                losses,
                Text(f"{row.score:.3f}", style="bold green" if row.best else ""),
                *(f"{value:.3f}" for _, value in _scores(row)),
            )
        parts: list[Any] = [head]
        if self._max:
            parts.append(ProgressBar(total=self._max, completed=self._step, width=40))
        parts.append(table)
        return Group(*parts)

    def _score_columns(self) -> list[str]:
        return [key for key, _ in _scores(self._rows[-1])] if self._rows else []


def progress_for(stream: IO[str] | None = None) -> PlainProgress | LiveProgress:
    """The live display on a terminal, plain lines otherwise."""
    stream = stream or sys.stderr
    return LiveProgress() if stream.isatty() else PlainProgress(stream)
