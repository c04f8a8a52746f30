"""The HTML report a lead can send: progress, agreement tables, charts and the review queue.

:func:`write_report` reads the database once (:mod:`.data`), draws the charts with matplotlib
(:mod:`.charts`) and writes one self-contained page (:mod:`.template`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import FieldError

if TYPE_CHECKING:
    from workbench.store import Store

__all__ = ["ReportFiles", "write_report"]


@dataclass(frozen=True)
class ReportFiles:
    """What a report wrote: the page, its size, the charts drawn and any PNG files."""

    html: Path
    bytes: int
    charts: tuple[str, ...]
    """The names of the charts drawn (a chart with nothing to draw is not among them)."""
    missing: tuple[str, ...]
    pngs: tuple[Path, ...]


def write_report(
    store: Store,
    *,
    html: Path,
    png: Path | None = None,
    annotators: Sequence[str] | None = None,
    status: str = "done",
    docs: Sequence[str] | None = None,
) -> ReportFiles:
    """Write the report of the selected annotations (``workbench agreement``'s selection) to
    ``html``, replacing it whole or not at all; with ``png``, each chart as ``png/NAME.png``
    too (the folder is made if missing)."""
    from workbench.html_report.charts import Chart, draw_charts
    from workbench.html_report.data import gather
    from workbench.html_report.template import page

    folder = html.parent
    if html.is_dir():
        raise FieldError("html", f"html {str(html)!r} is a folder; give a file name")
    if not folder.is_dir():
        raise FieldError("html", f"html {str(html)!r}: no folder {str(folder)!r} to write it in")
    if png is not None:
        if png.exists() and not png.is_dir():
            raise FieldError("png", f"png {str(png)!r} is a file; give a folder")
        try:
            png.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FieldError("png", f"png {str(png)!r}: cannot make it ({exc.strerror})") from None
    data = gather(store, annotators=annotators, status=status, docs=docs)
    charts = draw_charts(data, png)
    text = page(data, charts).encode()
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{html.name}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(text)
        staged = Path(temporary)
        staged.chmod(0o644)
        staged.replace(html)
    except OSError as exc:
        raise FieldError("html", f"html {str(html)!r}: cannot write it ({exc.strerror})") from None
    drawn = tuple(chart.name for chart in charts if isinstance(chart, Chart))
    return ReportFiles(
        html=html,
        bytes=len(text),
        charts=drawn,
        missing=tuple(chart.name for chart in charts if not isinstance(chart, Chart)),
        pngs=tuple(png / f"{name}.png" for name in drawn) if png is not None else (),
    )
