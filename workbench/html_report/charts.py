"""The report's charts, drawn by matplotlib as SVG (text kept as text) and, on request, PNG.

Each chart's marks (a bar, a line, a heat-map cell) carry an id ``NAME-mark-N`` in the SVG, so
a test can count what was drawn in the rendered page. matplotlib is imported here only, and
this module only when a report is written: ``workbench --help`` never pays for it.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.html_report.data import Confusion, ReportData

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SERIES_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1")
WIDTH_IN = 7.2
RC: dict[str, Any] = {
    # Text stays text (system fonts, selectable, small files); no "$" ever starts mathtext:
    # labels and names come from users.
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
}


@dataclass(frozen=True)
class Chart:
    """One drawn chart: its SVG (no XML prolog, ready to inline) and how many marks it has."""

    name: str
    title: str
    svg: str
    marks: int
    note: str = ""


@dataclass(frozen=True)
class Missing:
    """A chart that has nothing to draw, and why."""

    name: str
    title: str
    reason: str


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _bars(
    ax: Axes, name: str, groups: Sequence[str], series: Mapping[str, Sequence[float | None]]
) -> int:
    """Grouped bars: one group per name, one bar per series; undefined values are left out.
    The number of bars drawn."""
    width = 0.8 / max(len(series), 1)
    marks = 0
    for s, (label, values) in enumerate(series.items()):
        for g, value in enumerate(values):
            if value is None or not _finite(value):
                continue
            [bar] = ax.bar(
                g - 0.4 + width * (s + 0.5),
                value,
                width,
                color=SERIES_COLOURS[s % len(SERIES_COLOURS)],
                label=label if g == next(i for i, v in enumerate(values) if _finite(v)) else None,
            )
            bar.set_gid(f"{name}-mark-{marks}")
            marks += 1
    ax.set_xticks(range(len(groups)), list(groups), rotation=30 if len(groups) > 6 else 0)
    ax.set_xlim(-0.6, len(groups) - 0.4)
    if len(series) > 1:
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return marks


def per_label_f1(data: ReportData) -> tuple[Figure, int] | str:
    """Per claim type, F1 of exact and of overlap matches (all pairs pooled)."""
    spans = data.agreement["spans"]
    labels = [k for k in spans["per_label_f1_exact"] if not k.endswith("_undefined")]
    series = {
        rule: [spans[f"per_label_f1_{rule}"].get(label) for label in labels]
        for rule in ("exact", "overlap")
    }
    if not any(_finite(v) for values in series.values() for v in values):
        return "no claim type has an F1: fewer than two annotators, or no spans compared"
    figure, ax = _figure(2.8)
    marks = _bars(ax, "per-label-f1", labels, series)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("F1")
    return figure, marks


def _pair_means(names: Sequence[str], per_pair: dict[str, Any]) -> list[float | None]:
    """Each annotator's mean over the pairs it is in (defined values only)."""
    means: list[float | None] = []
    for name in names:
        values = [
            v
            for key, v in per_pair.items()
            if not key.endswith("_undefined") and name in key.split("|") and _finite(v)
        ]
        means.append(sum(values) / len(values) if values else None)
    return means


def annotator_agreement(data: ReportData) -> tuple[Figure, int] | str:
    """Per annotator: the mean of its pairwise figures (Light's kappa for stance, span F1),
    and, when the report has it, its span F1 against gold."""
    report = data.agreement
    names = list(report["annotators"])
    if len(names) < 2:
        return "fewer than two annotators to compare"
    series: dict[str, Sequence[float | None]] = {
        "stance: Cohen's kappa, mean over pairs": _pair_means(
            names, report["stance"]["cohen_kappa"]
        ),
        "spans: F1 overlap, mean over pairs": _pair_means(names, report["spans"]["f1_overlap"]),
    }
    gold = _against_gold_f1(report.get("against_gold"), names)
    if gold is not None:
        series["spans: F1 overlap against gold"] = gold
    if not any(_finite(v) for values in series.values() for v in values):
        return "no annotator pair has a defined figure"
    figure, ax = _figure(2.8)
    marks = _bars(ax, "annotator-agreement", names, series)
    low = min(0.0, *(v for values in series.values() for v in values if _finite(v)))  # type: ignore[type-var]
    ax.set_ylim(low, 1.05)
    ax.axhline(0, color="#444", linewidth=0.6)
    return figure, marks


def _against_gold_f1(section: Any, names: Sequence[str]) -> list[float | None] | None:
    """The span F1 (overlap) against gold per annotator, if the report has that section."""
    if not isinstance(section, dict):
        return None
    per = section.get("annotators", section)
    values: list[float | None] = []
    for name in names:
        figures = per.get(name) if isinstance(per, dict) else None
        value = None
        if isinstance(figures, dict):
            spans = figures.get("spans")
            value = spans.get("f1_overlap") if isinstance(spans, dict) else None
            value = figures.get("f1_overlap", figures.get("span_f1_overlap", value))
        values.append(value if _finite(value) else None)
    return values if any(v is not None for v in values) else None


def throughput(data: ReportData) -> tuple[Figure, int] | str:
    """Per annotator: documents done, and documents per active hour (from the report's
    ``throughput`` when it has one, else from the progress counts and active time)."""
    rows = data.status["annotators"]
    names = [name for name, row in rows.items() if row["role"] == "annotator" and name != "gold"]
    done: list[float | None] = [float(rows[name]["done"]) for name in names]
    rate: list[float | None] = [
        rows[name]["done"] / (rows[name]["seconds"] / 3600) if rows[name]["seconds"] else None
        for name in names
    ]
    section = data.agreement.get("throughput")
    if isinstance(section, dict):
        per = section.get("annotators", section)
        names = [name for name in per if isinstance(per[name], dict)]
        done = [_number(per[name], "documents_done", "done") for name in names]
        rate = [_number(per[name], "documents_per_hour", "docs_per_hour") for name in names]
    if not names or not any(_finite(v) for v in done):
        return "no annotator has finished a document"
    figure, (left, right) = _figure(2.6, columns=2)
    marks = _bars(left, "throughput", names, {"documents done": done})
    left.set_title("documents done", fontsize=9)
    marks += _bars_offset(right, "throughput", names, rate, marks)
    right.set_title("documents per active hour", fontsize=9)
    return figure, marks


def _number(row: dict[str, Any], *keys: str) -> float | None:
    for key in keys:
        if _finite(row.get(key)):
            return float(row[key])
    return None


def _bars_offset(
    ax: Axes, name: str, groups: Sequence[str], values: Sequence[float | None], first: int
) -> int:
    drawn = 0
    for g, value in enumerate(values):
        if value is None or not _finite(value):
            continue
        [bar] = ax.bar(g, value, 0.6, color=SERIES_COLOURS[1])
        bar.set_gid(f"{name}-mark-{first + drawn}")
        drawn += 1
    ax.set_xticks(range(len(groups)), list(groups))
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    if not drawn:
        ax.text(0.5, 0.5, "no active time recorded", ha="center", transform=ax.transAxes)
    return drawn


def daily(data: ReportData) -> tuple[Figure, int] | str:
    """Documents done per day, one line per annotator."""
    days = data.daily
    if days.empty:
        return "no document is done yet"
    figure, ax = _figure(2.8)
    x = list(range(len(days.days)))
    for i, name in enumerate(days.annotators):
        [line] = ax.plot(
            x,
            days.done[name],
            marker="o" if len(x) <= 60 else None,
            markersize=3,
            color=SERIES_COLOURS[i % len(SERIES_COLOURS)],
            label=name,
        )
        line.set_gid(f"daily-mark-{i}")
    step = max(1, len(x) // 8)
    ax.set_xticks(x[::step], [day.isoformat() for day in days.days[::step]])
    ax.set_xlim(-0.5, len(x) - 0.5)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("documents done")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    return figure, len(days.annotators)


def heat_map(name: str, confusion: Confusion) -> tuple[Figure, int] | str:
    """A confusion matrix as coloured cells with their counts (one mark per cell)."""
    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    size = len(confusion.labels)
    if not confusion.total:
        return "no pair of annotators to compare"
    side = min(6.0, 1.6 + 0.55 * size)
    figure, ax = _figure(side, width=side + 1.2)
    top = max(max(row) for row in confusion.counts) or 1
    colour = colormaps["Blues"]
    for i, row in enumerate(confusion.counts):
        for j, count in enumerate(row):
            share = count / top
            cell = Rectangle((j, i), 1, 1, facecolor=colour(0.08 + 0.85 * share), edgecolor="white")
            cell.set_gid(f"{name}-mark-{i * size + j}")
            ax.add_patch(cell)
            ax.text(
                j + 0.5,
                i + 0.5,
                f"{count:,}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if share > 0.55 else "#222",
            )
    ticks = [n + 0.5 for n in range(size)]
    ax.set_xticks(ticks, list(confusion.labels), rotation=40, ha="right")
    ax.set_yticks(ticks, list(confusion.labels))
    ax.set_xlim(0, size)
    ax.set_ylim(size, 0)
    ax.set_aspect("equal")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return figure, size * size


def _figure(height: float, *, width: float = WIDTH_IN, columns: int = 1) -> tuple[Figure, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.subplots(1, columns)


CHARTS: tuple[tuple[str, str, Callable[[ReportData], tuple[Figure, int] | str]], ...] = (
    ("per-label-f1", "Per claim type: span F1, exact and overlap", per_label_f1),
    ("annotator-agreement", "Per annotator: agreement", annotator_agreement),
    ("throughput", "Per annotator: throughput", throughput),
    ("daily", "Documents done per day", daily),
    (
        "confusion-claim-type",
        "Claim types of overlapping spans",
        lambda data: heat_map("confusion-claim-type", data.claim_confusion),
    ),
    (
        "confusion-stance",
        "Document stance",
        lambda data: heat_map("confusion-stance", data.stance_confusion),
    ),
)

_PROLOG = re.compile(r"\A.*?(?=<svg)", re.DOTALL)


def draw_charts(data: ReportData, png: Path | None = None) -> list[Chart | Missing]:
    """Every chart of the report, in order; each also as ``png/NAME.png`` if ``png`` is given."""
    import matplotlib

    drawn: list[Chart | Missing] = []
    for name, title, draw in CHARTS:
        # A salt per chart keeps the SVG's generated ids apart when all are in one page.
        with matplotlib.rc_context({**RC, "svg.hashsalt": name}):  # type: ignore[dict-item]
            result = draw(data)
            if isinstance(result, str):
                drawn.append(Missing(name, title, result))
                continue
            figure, marks = result
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", metadata={"Date": None})
            if png is not None:
                figure.savefig(png / f"{name}.png", format="png", dpi=200)
        svg = _PROLOG.sub("", buffer.getvalue(), count=1)
        drawn.append(Chart(name, title, svg, marks))
    return drawn
