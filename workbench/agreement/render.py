"""The agreement report as Rich tables, with a numbered note for every undefined figure."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from workbench.agreement.sections import FIELDS, MATCHINGS

REVIEW_QUEUE_SIZE = 20


class Notes:
    """Undefined cells show a dash and a note number; the reasons follow the table."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def undefined(self, section: dict[str, Any], key: str) -> tuple[str, int]:
        """Why ``section[key]`` is undefined, and that reason's note number (the same reason
        keeps one number)."""
        reason = str(section.get(f"{key}_undefined", "undefined"))
        if reason not in self.reasons:
            self.reasons.append(reason)
        return reason, self.reasons.index(reason) + 1

    def cell(self, section: dict[str, Any], key: str) -> str:
        """The formatted value of ``section[key]``, or a dash with the number of its reason."""
        value = section.get(key)
        if value is not None:
            return f"{value:.3f}"
        return f"– ({self.undefined(section, key)[1]})"

    def show(self, console: Console, heading: str, table: Table) -> None:
        """Print a heading, the table, and the reasons its cells refer to."""
        # A heading of its own, not a table title: a title wraps to the table's width.
        console.print(Text(heading, style="bold"))
        console.print(table)
        for number, reason in enumerate(self.reasons, 1):
            console.print(Text(f"  ({number}) {reason}", style="dim"))
        self.reasons.clear()
        console.print()


def _pair_matrix(names: list[str], values: dict[str, Any], notes: Notes) -> Table:
    """Annotators x annotators, each pair's figure in both its cells."""
    table = Table()
    table.add_column("")
    for name in names:
        table.add_column(Text(name), justify="right")
    for row in names:
        cells = []
        for column in names:
            key = "|".join(sorted((row, column)))
            cells.append("" if row == column else notes.cell(values, key))
        table.add_row(Text(row), *cells)
    return table


def _two_columns(first: str, second: str) -> Table:
    table = Table()
    table.add_column(first)
    table.add_column(second, justify="right")
    return table


def print_agreement(
    report: dict[str, Any], console: Console | None = None, *, queue: bool = True
) -> None:
    """The report as Rich tables: stance, topics, spans, span labels, confusion, and (unless
    ``queue`` is false, as in the TUI, which lists it in a table of its own) the review queue."""
    console = console or Console()
    names = report["annotators"]
    # Names come from users and files: plain Text everywhere, never read as Rich markup.
    console.print(
        Text.assemble(
            ("Agreement", "bold"),
            f" of {len(names)} annotator{'s' * (len(names) != 1)}"
            f" ({', '.join(names) or 'none'}) on {report['documents_counted']} documents"
            f" with status {', '.join(report['statuses'])};"
            f" {report['documents_compared']} compared",
        )
    )
    if len(names) < 2:
        console.print("[yellow]Fewer than two annotators: there is nothing to compare yet.[/]")
    console.print()
    notes = Notes()
    _print_document_labels(report, console, notes)
    _print_spans(report, console, notes)
    _print_annotators(report, console, notes)
    if queue:
        _print_review_queue(report, console)


def _print_document_labels(report: dict[str, Any], console: Console, notes: Notes) -> None:
    names = report["annotators"]
    stance = report["stance"]
    table = _two_columns("coefficient", "value")
    for key, what in (
        ("alpha", "Krippendorff's alpha (nominal)"),
        ("fleiss_kappa", f"Fleiss' kappa ({stance['fleiss_units']} complete documents)"),
        ("scott_pi", "Scott's pi"),
        ("gwet_ac1", "Gwet's AC1"),
        ("percent_agreement", "percent agreement (pairwise)"),
    ):
        table.add_row(what, notes.cell(stance, key))
    table.add_row("documents with 2+ stances", str(stance["units"]))
    table.add_row("annotators who chose a stance", str(stance["coders"]))
    notes.show(console, "Document stance", table)
    if len(names) >= 2:
        table = _pair_matrix(names, stance["cohen_kappa"], notes)
        notes.show(console, "Document stance: Cohen's kappa per pair", table)

    topics = report["topics"]
    table = _two_columns("topics", "alpha")
    table.add_row("all, MASI distance", notes.cell(topics, "alpha_masi"))
    table.add_row("all, Jaccard distance", notes.cell(topics, "alpha_jaccard"))
    per_topic = topics["per_topic_alpha"]
    for topic in per_topic:
        if not topic.endswith("_undefined"):
            table.add_row(Text(f"{topic} (yes/no)"), notes.cell(per_topic, topic))
    notes.show(console, "Document topics: Krippendorff's alpha", table)


def _print_spans(report: dict[str, Any], console: Console, notes: Notes) -> None:
    names = report["annotators"]
    spans = report["spans"]
    if len(names) >= 2:
        for rule, what in (("exact", "exact"), ("overlap", "overlap"), ("token", "token-level")):
            table = _pair_matrix(names, spans[f"f1_{rule}"], notes)
            notes.show(console, f"Claim spans: F1 per pair, {what} match", table)
    table = Table()
    table.add_column("claim type")
    for column in ("F1 exact", "F1 overlap", "F1 token", "alpha_U"):
        table.add_column(column, justify="right")
    for label in spans["alpha_u_per_label"]:
        if not label.endswith("_undefined"):
            table.add_row(
                Text(label),
                *(notes.cell(spans[f"per_label_f1_{rule}"], label) for rule in MATCHINGS),
                notes.cell(spans["alpha_u_per_label"], label),
            )
    table.add_row("all labels", "", "", "", notes.cell(spans, "alpha_u"))
    ignored = spans["alpha_u_ignored_spans"]
    table.caption_justify = "left"
    table.caption = (
        f"F1 pools all pairs; alpha_U covers the {spans['alpha_u_documents']} documents every"
        " annotator annotated"
        + (f" ({ignored} spans inside a same-label span ignored)" if ignored else "")
    )
    notes.show(console, "Claim spans per claim type", table)

    matched = spans["matched"]
    table = _two_columns("figure", "value")
    table.add_row("spans marked identically by 2+ annotators", str(matched["units"]))
    table.add_row("stance: alpha", notes.cell(matched, "stance_alpha"))
    table.add_row("topics: alpha (MASI)", notes.cell(matched, "topics_alpha_masi"))
    notes.show(console, "Span stance and topics on identically marked spans", table)

    confusion = spans["confusion"]
    table = Table()
    table.add_column("")
    for label in confusion["labels"]:
        table.add_column(Text(label), justify="right")
    for label in confusion["labels"]:
        row = confusion["counts"][label]
        table.add_row(Text(label), *(str(row[other]) for other in confusion["labels"]))
    table.caption_justify = "left"
    table.caption = "pairs of overlapping spans by two annotators, either way round"
    notes.show(console, "Claim types of overlapping spans", table)


def _print_annotators(report: dict[str, Any], console: Console, notes: Notes) -> None:
    """Each annotator against gold, and each annotator's pace (reports that have them)."""
    gold = report.get("against_gold")
    if gold and gold["annotators"]:
        table = Table()
        table.add_column("annotator")
        for column in ("docs", "F1 exact", "F1 overlap", "stance acc.", "stance kappa", "MASI"):
            table.add_column(column, justify="right")
        for name, row in gold["annotators"].items():
            table.add_row(
                Text(name),
                str(row["documents"]),
                notes.cell(row["spans"], "f1_exact"),
                notes.cell(row["spans"], "f1_overlap"),
                notes.cell(row["stance"], "accuracy"),
                notes.cell(row["stance"], "cohen_kappa"),
                notes.cell(row["topics"], "masi"),
            )
        table.caption_justify = "left"
        table.caption = (
            f"on the {gold['gold_documents']} documents gold has done; topics: mean of"
            " 1 - MASI distance"
        )
        notes.show(console, "Each annotator against gold", table)
    pace = report.get("throughput")
    if pace and pace["annotators"]:
        table = Table()
        table.add_column("annotator")
        for column in ("done", "active hours", "docs/hour", "spans/hour", "median s/doc"):
            table.add_column(column, justify="right")
        for name, row in pace["annotators"].items():
            table.add_row(
                Text(name),
                str(row["documents_done"]),
                f"{row['active_hours']:.2f}",
                notes.cell(row, "documents_per_hour"),
                notes.cell(row, "spans_per_hour"),
                notes.cell(row, "median_seconds_per_document"),
            )
        notes.show(console, "Throughput per annotator", table)


def _print_review_queue(report: dict[str, Any], console: Console) -> None:
    queue = report["documents"][:REVIEW_QUEUE_SIZE]
    table = Table()
    table.add_column("#", justify="right")
    table.add_column("document", overflow="fold")
    table.add_column("disagreement", justify="right")
    table.add_column("worst field")
    for field in FIELDS:
        table.add_column(field, justify="right")
    for rank, row in enumerate(queue, 1):
        agreement = row["agreement"]
        table.add_row(
            str(rank),
            Text(row["name"]),
            f"{row['disagreement']:.3f}",
            row["worst_field"],
            *("–" if agreement[field] is None else f"{agreement[field]:.3f}" for field in FIELDS),
        )
    console.print(
        Text(
            f"Review queue: most disagreement first ({len(queue)} of"
            f" {report['documents_compared']} documents)",
            style="bold",
        )
    )
    console.print(table)
    alone = report.get("uncompared", [])
    if alone:
        shown = ", ".join(f"{row['name']} ({row['annotator']})" for row in alone[:5])
        more = f" and {len(alone) - 5} more" if len(alone) > 5 else ""
        console.print(
            Text(
                f"One annotator only, not compared ({len(alone)}): {shown}{more}."
                " workbench review lists them after the queue."
            )
        )
