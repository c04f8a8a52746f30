"""Charts in the terminal: horizontal bars and a line of days, each giving way to a table when
too narrow to draw. Drawn with Unicode blocks: a cell is the unit, nothing else to install."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from workbench.agreement.daily import DailyDone

SERIES_STYLES = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1")
"""Series colours: the HTML report's, so a series looks alike in both."""
EIGHTHS = " ▏▎▍▌▋▊▉█"
LEVELS = "▁▂▃▄▅▆▇█"
MIN_BAR = 8
"""Cells a bar needs at least: narrower, the chart gives way to its table."""
VALUE = 7
"""Cells for a bar's value."""

Values = Sequence[float | None]


def _defined(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def bar(value: float, top: float, cells: int) -> str:
    """A horizontal bar of ``value`` out of ``top`` over ``cells`` cells, in eighths of a cell
    (a negative value or a zero top draws nothing)."""
    if top <= 0 or not value > 0 or not math.isfinite(value):
        return ""
    eighths = round(min(value / top, 1.0) * cells * 8)
    return "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def line(values: Sequence[int], cells: int) -> str:
    """Values as one row of rising blocks, each cell the largest value of the days it covers
    (so a busy day is never averaged away); a zero is a low dot."""
    if not values or cells <= 0:
        return ""
    per_cell = max(1, math.ceil(len(values) / cells))
    buckets = [max(values[i : i + per_cell]) for i in range(0, len(values), per_cell)]
    # Few days: each day gets several cells, so the line reads as one.
    repeat = max(1, cells // len(buckets))
    top = max(buckets) or 1
    out = []
    for value in buckets:
        block = (
            "·" if value == 0 else LEVELS[min(len(LEVELS) - 1, (value * len(LEVELS) - 1) // top)]
        )
        out.append(block * repeat)
    return "".join(out)


def _number(value: float | None, digits: int) -> str:
    if value is None or not _defined(value):
        return "–"
    return f"{value:.{digits}f}" if digits else f"{value:,.0f}"


class Chart(Widget):
    """A chart that draws itself at its width: as a picture when it fits, else as a table."""

    DEFAULT_CSS = """
    Chart { height: auto; width: 1fr; margin: 0 0 1 0; }
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.note = "Computing…"
        """Why there is nothing to draw, when there is not (yet)."""

    def lines(self, width: int) -> list[Text]:
        """The chart at ``width`` cells: the title, then the picture or its table."""
        heading = [Text(self.title, style="bold", no_wrap=True, overflow="ellipsis")]
        if self.note:
            return [*heading, Text(self.note, style="dim")]
        drawn = self.picture(width)
        return heading + (drawn if drawn is not None else self.table())

    @property
    def as_table(self) -> bool:
        """Drawn as a table at the current width (too narrow for the picture)."""
        return not self.note and self.picture(self.content_size.width) is None

    def picture(self, width: int) -> list[Text] | None:
        """The picture, or None if ``width`` is too narrow for it."""
        raise NotImplementedError

    def table(self) -> list[Text]:
        """The same figures as rows of text."""
        raise NotImplementedError

    def render(self) -> Text:
        return Text("\n").join(self.lines(self.content_size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return sum(max(1, math.ceil(t.cell_len / max(width, 1))) for t in self.lines(width))


class BarChart(Chart):
    """Horizontal bars: a row per group, a bar per series (named in a column when several).

    With ``per_series_scale`` each series is scaled to its own largest value (series of
    different units, e.g. documents and documents per hour); otherwise to ``top`` (1 for F1).
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(title, id=id)
        self.groups: list[str] = []
        self.series: dict[str, Values] = {}
        self.top: float | None = 1.0
        self.digits = 2

    def show(
        self,
        groups: Sequence[str],
        series: Mapping[str, Values],
        *,
        top: float | None = 1.0,
        digits: int = 2,
        empty: str = "nothing to draw",
    ) -> None:
        """Draw these figures (``top`` None: each series to its own largest value)."""
        self.groups, self.series, self.top, self.digits = list(groups), dict(series), top, digits
        has = any(_defined(v) for values in series.values() for v in values)
        self.note = "" if groups and has else empty
        self.refresh(layout=True)

    def _scale(self, values: Values) -> float:
        if self.top is not None:
            return self.top
        return max((v for v in values if v is not None and _defined(v)), default=0.0)

    def picture(self, width: int) -> list[Text] | None:
        name_width = max(len(group) for group in self.groups)
        several = len(self.series) > 1
        tag_width = max(len(name) for name in self.series) + 1 if several else 0
        cells = width - name_width - 1 - tag_width - VALUE
        if cells < MIN_BAR:
            return None
        out: list[Text] = []
        for g, group in enumerate(self.groups):
            for s, (name, values) in enumerate(self.series.items()):
                row = Text(f"{group if s == 0 else '':<{name_width}} ", no_wrap=True)
                if several:
                    row.append(f"{name:<{tag_width}}", style="dim")
                value = values[g]
                drawn = bar(value, self._scale(values), cells) if value is not None else ""
                row.append(f"{drawn:<{cells}}", style=SERIES_STYLES[s % len(SERIES_STYLES)])
                row.append(f"{_number(value, self.digits):>{VALUE}}")
                out.append(row)
        return out

    def table(self) -> list[Text]:
        name_width = max(len(group) for group in self.groups)
        widths = [max(len(name), VALUE - 1) for name in self.series]
        header = Text(" " * name_width, style="dim", no_wrap=True)
        for name, size in zip(self.series, widths, strict=True):
            header.append(f" {name:>{size}}")
        rows = [header]
        for g, group in enumerate(self.groups):
            row = Text(f"{group:<{name_width}}", no_wrap=True)
            for values, size in zip(self.series.values(), widths, strict=True):
                row.append(f" {_number(values[g], self.digits):>{size}}")
            rows.append(row)
        return rows


class DaysChart(Chart):
    """Documents done per day: a line per annotator, the first and last day under it."""

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(title, id=id)
        self.days: DailyDone = DailyDone((), (), {})

    def show(self, days: DailyDone) -> None:
        """Draw these days."""
        self.days = days
        self.note = "no document is done yet" if days.empty else ""
        self.refresh(layout=True)

    def _rows(self) -> list[tuple[str, tuple[int, ...]]]:
        rows = [(name, self.days.done[name]) for name in self.days.annotators]
        if len(rows) > 1:
            rows.append(("all", self.days.totals()))
        return rows

    def picture(self, width: int) -> list[Text] | None:
        rows = self._rows()
        name_width = max(len(name) for name, _ in rows)
        total_width = max(len(f"{sum(counts):,}") for _, counts in rows) + 1
        cells = width - name_width - 1 - total_width
        if cells < MIN_BAR:
            return None
        out = []
        for s, (name, counts) in enumerate(rows):
            row = Text(f"{name:<{name_width}} ", no_wrap=True)
            # The last row of several is everyone's total: plain, not a series colour.
            total = s == len(rows) - 1 and s > 0
            style = "bold" if total else SERIES_STYLES[s % len(SERIES_STYLES)]
            drawn = line(counts, cells)
            row.append(f"{drawn:<{cells}}", style=style)
            row.append(f"{sum(counts):>{total_width},}")
            out.append(row)
        first, last = self.days.days[0], self.days.days[-1]
        span = _day(first) if first == last else f"{_day(first)} … {_day(last)}"
        peak = max(max(counts) for _, counts in rows)
        out.append(Text(f"{' ' * name_width} {span}  (busiest day {peak:,})", style="dim"))
        return out

    def table(self) -> list[Text]:
        rows = [Text("day        " + " ".join(self.days.annotators), style="dim")]
        for i, day in enumerate(self.days.days):
            counts = " ".join(
                f"{self.days.done[name][i]:>{len(name)}}" for name in self.days.annotators
            )
            rows.append(Text(f"{_day(day)} {counts}", no_wrap=True))
        return rows


def _day(day: date) -> str:
    return day.isoformat()


def per_label_f1(report: dict[str, Any]) -> tuple[list[str], dict[str, Values]]:
    """Per claim type, the span F1 of exact and of overlap matches (every pair pooled)."""
    spans = report["spans"]
    labels = [k for k in spans["per_label_f1_exact"] if not k.endswith("_undefined")]
    series: dict[str, Values] = {
        rule: [spans[f"per_label_f1_{rule}"].get(label) for label in labels]
        for rule in ("exact", "overlap")
    }
    return labels, series


def _pair_mean(name: str, per_pair: dict[str, Any]) -> float | None:
    values = [
        value
        for pair, value in per_pair.items()
        if not pair.endswith("_undefined") and name in pair.split("|") and _defined(value)
    ]
    return sum(values) / len(values) if values else None


def annotator_agreement(report: dict[str, Any]) -> tuple[list[str], dict[str, Values]]:
    """Per annotator, the mean over its pairs of the stance's Cohen's kappa and the span F1
    (overlap): who agrees least with the others."""
    names = list(report["annotators"])
    series: dict[str, Values] = {
        "stance κ": [_pair_mean(n, report["stance"]["cohen_kappa"]) for n in names],
        "span F1": [_pair_mean(n, report["spans"]["f1_overlap"]) for n in names],
    }
    return (names, series) if len(names) >= 2 else ([], series)


def throughput(status: dict[str, Any]) -> tuple[list[str], dict[str, Values]]:
    """Per annotator (not reviewers, not gold): documents done, and per active hour."""
    rows = status["annotators"]
    names = [n for n, row in rows.items() if row["role"] == "annotator" and n != "gold"]
    series: dict[str, Values] = {
        "done": [float(rows[n]["done"]) for n in names],
        "per hour": [
            rows[n]["done"] / (rows[n]["seconds"] / 3600) if rows[n]["seconds"] else None
            for n in names
        ],
    }
    return names, series
