"""``workbench report --html FILE [--png DIR]``: the report a lead sends, as one HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbench.cli import (
    CompareOption,
    DbOption,
    DocOption,
    DocsOption,
    SchemeOption,
    StatusOption,
    _documents,
    _names,
    app,
    open_store,
    user_errors,
)


@app.command()
@user_errors
def report(
    ctx: typer.Context,
    html: Annotated[
        Path,
        typer.Option(
            "--html",
            help="Write the report here: one self-contained HTML page (opens with no network).",
            show_default=False,
            dir_okay=False,
        ),
    ],
    png: Annotated[
        Path | None,
        typer.Option(
            "--png",
            help="Also write each chart as DIR/NAME.png (for slides); DIR is made if missing.",
            show_default=False,
            file_okay=False,
        ),
    ] = None,
    annotators: CompareOption = None,
    status: StatusOption = "done",
    documents: DocsOption = None,
    doc: DocOption = None,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Progress, every agreement table, charts and the review queue as one HTML page."""
    from workbench.html_report import write_report

    store = open_store(ctx, db, scheme)
    try:
        written = write_report(
            store,
            html=html,
            png=png,
            annotators=_names(annotators),
            status=status,
            docs=_documents(documents, doc),
        )
    finally:
        store.close()
    charts = f"{len(written.charts)} chart{'s' * (len(written.charts) != 1)}"
    typer.echo(f"wrote {written.html} ({written.bytes / 1024:,.0f} KiB, {charts})", err=True)
    for path in written.pngs:
        typer.echo(f"wrote {path}", err=True)
