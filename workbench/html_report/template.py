"""The report as one self-contained HTML page: inline styles, inline SVG, no script, nothing
fetched. Every string from users and files (names, labels, reasons) is escaped here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from workbench.agreement.render import Notes as TerminalNotes
from workbench.agreement.sections import FIELDS, MATCHINGS
from workbench.html_report.charts import Chart, Missing
from workbench.html_report.data import Confusion, ReportData

STYLE = """
:root { color-scheme: light; --ink: #1d232a; --dim: #5f6b76; --rule: #d8dde3; --bar: #4e79a7; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--ink); background: #fff; margin: 0 auto; max-width: 72rem; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
p.meta, p.caption, ol.notes { color: var(--dim); font-size: .85rem; margin: .3rem 0; }
table { border-collapse: collapse; margin: .3rem 0 .6rem; font-variant-numeric: tabular-nums; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid var(--rule); text-align: right; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
thead th { font-weight: 600; border-bottom: 2px solid var(--rule); }
td.undefined { color: var(--dim); }
.progress { width: 10rem; height: .7rem; background: #e8ecf0; border-radius: .35rem; }
.progress > div { height: 100%; background: var(--bar); border-radius: .35rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; }
figure.chart { margin: .5rem 0 1rem; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { font-weight: 600; margin-bottom: .2rem; }
.queue { max-height: 36rem; overflow: auto; border: 1px solid var(--rule); }
.queue table { margin: 0; width: 100%; }
.queue thead th { position: sticky; top: 0; background: #fff; }
@media print { .queue { max-height: none; overflow: visible; } }
"""

_METADATA_START = "<metadata>"
_METADATA_END = "</metadata>"


class Notes(TerminalNotes):
    """Undefined figures show a dash and a note number; the reasons follow the table (as the
    terminal report prints them)."""

    def cell(self, section: dict[str, Any], key: str) -> str:
        """A ``<td>`` with ``section[key]`` to three places, or a dash and a note number."""
        value = section.get(key)
        if value is not None:
            return f"<td>{value:.3f}</td>"
        reason, number = self.undefined(section, key)
        return f'<td class="undefined" title="{escape(reason)}">– ({number})</td>'

    def table(
        self, heading: str, head: Sequence[str], rows: Iterable[str], caption: str = ""
    ) -> str:
        """A heading, the table, its caption and the notes its cells refer to."""
        parts = [f"<h3>{escape(heading)}</h3>", "<table><thead><tr>"]
        parts += [f"<th>{escape(column)}</th>" for column in head]
        parts.append("</tr></thead><tbody>")
        parts += [f"<tr>{row}</tr>" for row in rows]
        parts.append("</tbody></table>")
        if caption:
            parts.append(f'<p class="caption">{escape(caption)}</p>')
        if self.reasons:
            parts.append('<ol class="notes">')
            parts += [f"<li>{escape(reason)}</li>" for reason in self.reasons]
            parts.append("</ol>")
        self.reasons = []
        return "".join(parts)


def _text(value: Any) -> str:
    return f'<td class="text">{escape(str(value))}</td>'


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress(status: dict[str, Any]) -> str:
    """What ``workbench status`` shows: per annotator, documents by status, spans, time."""
    total = status["documents"]
    out = [f'<p class="meta">{total:,} documents</p>']
    if not status["annotators"]:
        return out[0] + "<p>No annotations yet.</p>"
    head = ("annotator", "done", "in progress", "skipped", "todo", "spans", "time", "progress")
    out.append("<table><thead><tr>")
    out += [f"<th>{column}</th>" for column in head]
    out.append("</tr></thead><tbody>")
    for name, row in status["annotators"].items():
        finished = row["done"] + row["skipped"]
        share = finished / total if total else 0.0
        role = "" if row["role"] == "annotator" else f" <small>{escape(row['role'])}</small>"
        cells = "".join(
            f"<td>{row[key]:,}</td>" for key in ("done", "in_progress", "skipped", "todo", "spans")
        )
        out.append(
            f'<tr><td class="text">{escape(name)}{role}</td>{cells}'
            f"<td>{_duration(row['seconds'])}</td>"
            f'<td><div class="progress" title="{share:.0%} finished">'
            f'<div style="width:{share * 100:.1f}%"></div></div></td></tr>'
        )
    out.append("</tbody></table>")
    return "".join(out)


def _pair_matrix(notes: Notes, heading: str, names: Sequence[str], values: dict[str, Any]) -> str:
    rows = []
    for row in names:
        cells = [_text(row)]
        for column in names:
            key = "|".join(sorted((row, column)))
            cells.append("<td></td>" if row == column else notes.cell(values, key))
        rows.append("".join(cells))
    return notes.table(heading, ("", *names), rows)


def agreement_tables(report: dict[str, Any], confusions: Sequence[Confusion]) -> str:
    """Every table of ``workbench agreement``, in its order, with the same notes."""
    names = report["annotators"]
    notes = Notes()
    out = []
    stance = report["stance"]
    rows = [
        _text(what) + notes.cell(stance, key)
        for key, what in (
            ("alpha", "Krippendorff's alpha (nominal)"),
            ("fleiss_kappa", f"Fleiss' kappa ({stance['fleiss_units']} complete documents)"),
            ("scott_pi", "Scott's pi"),
            ("gwet_ac1", "Gwet's AC1"),
            ("percent_agreement", "percent agreement (pairwise)"),
        )
    ]
    rows.append(_text("documents with 2+ stances") + f"<td>{stance['units']:,}</td>")
    rows.append(_text("annotators who chose a stance") + f"<td>{stance['coders']:,}</td>")
    out.append(notes.table("Document stance", ("coefficient", "value"), rows))
    if len(names) >= 2:
        heading = "Document stance: Cohen's kappa per pair"
        out.append(_pair_matrix(notes, heading, names, stance["cohen_kappa"]))

    topics = report["topics"]
    rows = [
        _text("all, MASI distance") + notes.cell(topics, "alpha_masi"),
        _text("all, Jaccard distance") + notes.cell(topics, "alpha_jaccard"),
    ]
    per_topic = topics["per_topic_alpha"]
    rows += [
        _text(f"{topic} (yes/no)") + notes.cell(per_topic, topic)
        for topic in per_topic
        if not topic.endswith("_undefined")
    ]
    out.append(notes.table("Document topics: Krippendorff's alpha", ("topics", "alpha"), rows))

    spans = report["spans"]
    if len(names) >= 2:
        for rule, what in (("exact", "exact"), ("overlap", "overlap"), ("token", "token-level")):
            heading = f"Claim spans: F1 per pair, {what} match"
            out.append(_pair_matrix(notes, heading, names, spans[f"f1_{rule}"]))
    rows = [
        _text(label)
        + "".join(notes.cell(spans[f"per_label_f1_{rule}"], label) for rule in MATCHINGS)
        + notes.cell(spans["alpha_u_per_label"], label)
        for label in spans["alpha_u_per_label"]
        if not label.endswith("_undefined")
    ]
    rows.append(_text("all labels") + "<td></td>" * 3 + notes.cell(spans, "alpha_u"))
    ignored = spans["alpha_u_ignored_spans"]
    caption = (
        f"F1 pools all pairs; alpha_U covers the {spans['alpha_u_documents']:,} documents every"
        " annotator annotated"
        + (f" ({ignored:,} spans inside a same-label span ignored)" if ignored else "")
    )
    head = ("claim type", "F1 exact", "F1 overlap", "F1 token", "alpha_U")
    out.append(notes.table("Claim spans per claim type", head, rows, caption))

    matched = spans["matched"]
    rows = [
        _text("spans marked identically by 2+ annotators") + f"<td>{matched['units']:,}</td>",
        _text("stance: alpha") + notes.cell(matched, "stance_alpha"),
        _text("topics: alpha (MASI)") + notes.cell(matched, "topics_alpha_masi"),
    ]
    heading = "Span stance and topics on identically marked spans"
    out.append(notes.table(heading, ("figure", "value"), rows))
    for confusion in confusions:
        rows = [
            _text(label) + "".join(f"<td>{count:,}</td>" for count in counts)
            for label, counts in zip(confusion.labels, confusion.counts, strict=True)
        ]
        out.append(notes.table(confusion.title, ("", *confusion.labels), rows, confusion.caption))
    out.append(_annotator_tables(report, notes))
    return "".join(out)


def _annotator_tables(report: dict[str, Any], notes: Notes) -> str:
    """Each annotator against gold and each annotator's pace (reports that have them)."""
    out = []
    gold = report.get("against_gold")
    if gold and gold["annotators"]:
        rows = [
            _text(name)
            + f"<td>{row['documents']:,}</td>"
            + notes.cell(row["spans"], "f1_exact")
            + notes.cell(row["spans"], "f1_overlap")
            + notes.cell(row["stance"], "accuracy")
            + notes.cell(row["stance"], "cohen_kappa")
            + notes.cell(row["topics"], "masi")
            for name, row in gold["annotators"].items()
        ]
        head = (
            "annotator",
            "docs",
            "F1 exact",
            "F1 overlap",
            "stance acc.",
            "stance kappa",
            "MASI",
        )
        caption = (
            f"on the {gold['gold_documents']:,} documents gold has done; topics: mean of"
            " 1 - MASI distance"
        )
        out.append(notes.table("Each annotator against gold", head, rows, caption))
    pace = report.get("throughput")
    if pace and pace["annotators"]:
        rows = [
            _text(name)
            + f"<td>{row['documents_done']:,}</td><td>{row['active_hours']:.2f}</td>"
            + notes.cell(row, "documents_per_hour")
            + notes.cell(row, "spans_per_hour")
            + notes.cell(row, "median_seconds_per_document")
            for name, row in pace["annotators"].items()
        ]
        columns = ("annotator", "done", "active hours", "docs/hour", "spans/hour", "median s/doc")
        out.append(notes.table("Throughput per annotator", columns, rows))
    return "".join(out)


def _figure(chart: Chart | Missing) -> str:
    if isinstance(chart, Missing):
        return (
            f'<figure class="chart missing" data-chart="{chart.name}">'
            f"<figcaption>{escape(chart.title)}</figcaption>"
            f'<p class="caption">Nothing to draw: {escape(chart.reason)}.</p></figure>'
        )
    svg = chart.svg
    start, end = svg.find(_METADATA_START), svg.find(_METADATA_END)
    if 0 <= start < end:
        svg = svg[:start] + svg[end + len(_METADATA_END) :]
    return (
        f'<figure class="chart" data-chart="{chart.name}" data-marks="{chart.marks}">'
        f"<figcaption>{escape(chart.title)}</figcaption>{svg}</figure>"
    )


def review_queue(data: ReportData) -> str:
    """The documents in the order ``workbench review`` takes them."""
    report = data.agreement
    head = ("#", "document", "disagreement", "worst field", *FIELDS)
    out = [
        f'<p class="meta">{report["documents_compared"]:,} documents compared, most'
        f" disagreement first; then {len(report.get('uncompared', [])):,} that only one"
        " annotator finished (nothing to compare, still to adjudicate).</p>",
        '<div class="queue"><table><thead><tr>',
        "".join(
            f'<th class="{"text" if column == "document" else ""}">{column}</th>' for column in head
        ),
        "</tr></thead><tbody>",
    ]
    for row in data.queue:
        if row.alone is not None:
            rest = f'<td class="text" colspan="{1 + len(FIELDS) + 1}">only {escape(row.alone)}</td>'
        else:
            rest = (
                f"<td>{row.disagreement:.3f}</td>"
                f'<td class="text">{escape(str(row.worst_field))}</td>'
                + "".join(
                    '<td class="undefined">–</td>'
                    if row.agreement.get(field) is None
                    else f"<td>{row.agreement[field]:.3f}</td>"
                    for field in FIELDS
                )
            )
        out.append(f"<tr><td>{row.rank:,}</td>{_text(row.name)}{rest}</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def page(data: ReportData, charts: Sequence[Chart | Missing]) -> str:
    """The whole HTML document."""
    report = data.agreement
    names = report["annotators"]
    summary = (
        f"{len(names)} annotator{'s' * (len(names) != 1)} ({', '.join(names) or 'none'}) on"
        f" {report['documents_counted']:,} documents with status"
        f" {', '.join(report['statuses'])}; {report['documents_compared']:,} compared"
    )
    by_name = {chart.name: chart for chart in charts}
    first = [by_name[n] for n in ("per-label-f1", "annotator-agreement", "throughput", "daily")]
    heat = [by_name[n] for n in ("confusion-claim-type", "confusion-stance")]
    return "".join(
        (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            # No request may leave the page: not even for a favicon.
            '<link rel="icon" href="data:,">',
            f"<title>Workbench report: {escape(data.database)}</title>",
            f"<style>{STYLE}</style></head><body>",
            "<h1>Workbench report</h1>",
            f'<p class="meta">{escape(data.database)} · written'
            f" {data.generated:%Y-%m-%d %H:%M} UTC</p>",
            '<h2 id="progress">Progress</h2>',
            progress(data.status),
            '<h2 id="charts">Agreement and throughput at a glance</h2>',
            f'<p class="meta">Agreement of {escape(summary)}.</p>',
            "".join(_figure(chart) for chart in first),
            '<h2 id="confusion">Confusion</h2><div class="grid">',
            "".join(_figure(chart) for chart in heat),
            "</div>",
            '<h2 id="agreement">Agreement tables</h2>',
            agreement_tables(report, (data.claim_confusion, data.stance_confusion)),
            '<h2 id="queue">Review queue</h2>',
            review_queue(data),
            "</body></html>\n",
        )
    )
