"""For reviewers: the agreement report, and the documents to review first, side by side."""

from __future__ import annotations

import io
from typing import Any, ClassVar

from rich.console import Console
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from workbench.agreement.report import FIELDS, agreement_report, print_agreement
from workbench.store import AnnotationInfo, DocumentData, Store
from workbench.tui.failures import ShowsWorkerErrors
from workbench.tui.widgets.document_view import DocumentView

MAX_SIDE_BY_SIDE = 3
"""Annotators shown at once in the comparison (more would leave too little room each)."""


class AgreementScreen(ShowsWorkerErrors, Screen[None]):
    """The same figures as ``workbench agreement``; enter on a queued document compares the
    annotators' labels side by side (read-only)."""

    HELP_INTRO = "Agreement between annotators on documents marked done; enter compares a document."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "compare", "Compare", id="agreement.compare"),
        Binding("ctrl+r", "reload", "Reload", id="agreement.reload"),
        Binding("q,escape", "back", "Back", id="agreement.back"),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self._report: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="agreement-body"):
            with VerticalScroll(id="agreement-figures"):
                yield Static("Computing agreement…", id="agreement-text")
            with Vertical(id="agreement-queue"):
                yield Static("Review queue: most disagreement first", classes="heading")
                yield DataTable(id="agreement-documents", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "agreement"
        table = self.query_one(DataTable)
        table.add_columns("document", "disagreement", "worst", *FIELDS)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        """Compute the report off the UI thread (seconds for a large corpus)."""
        report = agreement_report(self.store)
        self.app.call_from_thread(self._show, report)

    def _show(self, report: dict[str, Any]) -> None:
        self._report = report
        self._render_figures()
        table = self.query_one(DataTable)
        table.clear()
        for row in report["documents"]:
            agreement = row["agreement"]
            table.add_row(
                row["name"],
                f"{row['disagreement']:.3f}",
                row["worst_field"],
                *("–" if agreement[f] is None else f"{agreement[f]:.3f}" for f in FIELDS),
                key=row["name"],
            )

    def _render_figures(self) -> None:
        if self._report is None:
            return
        figures = self.query_one("#agreement-figures")
        width = max(40, figures.size.width - 2)
        console = Console(
            file=io.StringIO(), width=width, force_terminal=True, color_system="truecolor"
        )
        print_agreement(self._report, console, queue=False)
        assert isinstance(console.file, io.StringIO)
        self.query_one("#agreement-text", Static).update(Text.from_ansi(console.file.getvalue()))

    def on_resize(self) -> None:
        self._render_figures()

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_compare(self) -> None:
        table = self.query_one(DataTable)
        if self._report is None or not table.row_count:
            return
        name = self._report["documents"][table.cursor_row]["name"]
        self.app.push_screen(CompareScreen(self.store, name, self._report["annotators"]))

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_compare()


class CompareScreen(ShowsWorkerErrors, Screen[None]):
    """One document as each annotator labelled it, side by side; the cursors move together."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,escape", "back", "Back", id="compare.back"),
    ]

    def __init__(self, store: Store, document: str, annotators: list[str]) -> None:
        super().__init__()
        self.store = store
        self._document_name = document
        self._annotators = annotators[:MAX_SIDE_BY_SIDE]
        self._syncing = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="compare-body"):
            for index, name in enumerate(self._annotators):
                with Vertical(classes="compare-column"):
                    yield Static(name, id=f"compare-head-{index}", classes="heading")
                    yield DocumentView(id=f"compare-view-{index}")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"compare {self._document_name} (read-only)"
        colors = {label.name: label.color for label in self.store.scheme.claim_type}
        for view in self.query(DocumentView):
            view.set_colors(colors)
        self.load()

    @work(thread=True, exit_on_error=False)
    def load(self) -> None:
        """Read the document and each annotator's annotation (never creating one)."""
        document = self.store.document(self.store.document_by_name(self._document_name))
        annotations: list[AnnotationInfo | None] = []
        for name in self._annotators:
            annotator = self.store.annotator(name, create=False)
            annotations.append(self.store.find_annotation(document.id, annotator.id))
        self.app.call_from_thread(self._show, document, annotations)

    def _show(self, document: DocumentData, annotations: list[AnnotationInfo | None]) -> None:
        for index, (name, annotation) in enumerate(zip(self._annotators, annotations, strict=True)):
            view = self.query_one(f"#compare-view-{index}", DocumentView)
            view.set_document(document.text, document.tokens)
            head = Text(name, style="bold")
            if annotation is None:
                head.append("  not annotated", style="dim")
            else:
                view.set_spans(annotation.spans)
                head.append(f"  {annotation.status}  stance {annotation.stance or '—'}")
                head.append(f"  topics {', '.join(annotation.topics) or '—'}", style="dim")
            self.query_one(f"#compare-head-{index}", Static).update(head)
        self.query_one("#compare-view-0", DocumentView).focus()

    def on_document_view_cursor_moved(self, message: DocumentView.CursorMoved) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            for view in self.query(DocumentView):
                if view is not message.document_view:
                    view.move_cursor_to(message.token)
        finally:
            self._syncing = False

    def action_back(self) -> None:
        self.app.pop_screen()
