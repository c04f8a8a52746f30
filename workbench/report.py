"""Progress reports for ``workbench status`` and ``workbench docs``: data first, then tables."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from workbench.store import Store


def status_data(store: Store) -> dict[str, Any]:
    """Documents, and per annotator the counts by status, spans and active time."""
    documents = store.count_documents()
    return {
        "documents": documents,
        "flagged": store.flagged_count(),
        "annotators": {
            stats.name: {
                "role": stats.role,
                "done": stats.done,
                "in_progress": stats.in_progress,
                "skipped": stats.skipped,
                "todo": stats.todo,
                "spans": stats.spans,
                "seconds": round(stats.seconds, 1),
            }
            for stats in store.annotator_stats()
        },
    }


def print_status(data: dict[str, Any], database: str, console: Console | None = None) -> None:
    """The status as a table: one row per annotator, with a progress bar."""
    console = console or Console()
    total = data["documents"]
    # Names come from users and files: shown as plain text, never read as Rich markup.
    console.print(Text.assemble((str(total), "bold"), f" documents in {database}"))
    if data.get("flagged"):
        console.print(f"{data['flagged']} flagged for review (workbench review lists them first)")
    if not data["annotators"]:
        console.print("No annotations yet.")
        return
    # Without edges the table fits an 80-column terminal; the bar takes what is left.
    table = Table(title=None, show_edge=False, pad_edge=False)
    table.add_column("annotator", no_wrap=True)
    for column in ("done", "in progress", "skipped", "todo", "spans"):
        table.add_column(column, justify="right")
    table.add_column("time", justify="right")
    table.add_column("progress", min_width=6, max_width=24, ratio=1)
    for name, row in data["annotators"].items():
        finished = row["done"] + row["skipped"]
        who = Text(name)
        if row["role"] != "annotator":
            who.append(f" {row['role']}", style="dim")
        table.add_row(
            who,
            str(row["done"]),
            str(row["in_progress"]),
            str(row["skipped"]),
            str(row["todo"]),
            str(row["spans"]),
            _duration(row["seconds"]),
            ProgressBar(total=max(total, 1), completed=finished),
        )
    console.print(table)


def docs_data(store: Store, search: str = "") -> list[dict[str, Any]]:
    """Every document with its length and span counts per annotator."""
    spans = store.span_counts()
    return [
        {
            "name": row.name,
            "tokens": row.n_tokens,
            "chars": row.n_chars,
            "spans": dict(sorted(spans.get(row.id, {}).items())),
        }
        for row in store.list_documents(search=search)
    ]


def print_docs(rows: list[dict[str, Any]], console: Console | None = None) -> None:
    """The documents as a table, one span-count column per annotator."""
    console = console or Console()
    annotators = sorted({name for row in rows for name in row["spans"]})
    table = Table()
    table.add_column("document", overflow="fold")
    table.add_column("tokens", justify="right")
    table.add_column("chars", justify="right")
    for name in annotators:
        table.add_column(Text(f"{name} spans"), justify="right")
    for row in rows:
        table.add_row(
            Text(row["name"]),
            str(row["tokens"]),
            str(row["chars"]),
            *(str(row["spans"].get(name, "")) for name in annotators),
        )
    console.print(table)
    console.print(f"{len(rows)} document{'s' * (len(rows) != 1)}")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
