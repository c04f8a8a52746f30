"""For reviewers: the agreement report, and the documents to review first, side by side."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, ClassVar

from rich.console import Console
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import Worker, WorkerState

from workbench.agreement.collect import collect, resolve
from workbench.agreement.report import FIELDS, corpus_report, print_agreement
from workbench.review import flag_notes, flagged_first
from workbench.store import AnnotatorInfo, FlagInfo, Store
from workbench.tui.failures import ShowsWorkerErrors
from workbench.tui.screens.compare import CompareScreen
from workbench.tui.screens.documents import STATUS_LOOK
from workbench.tui.screens.editing import NARROW_BELOW
from workbench.tui.screens.parts import TABLE_KEYS_BUT_ENTER, fit_words
from workbench.tui.typeahead import Settled
from workbench.tui.widgets.confusion import NO_SPAN_NAME, ConfusionGrid
from workbench.tui.widgets.pictures import AgreementPictures, Pictures, gather_pictures


class _Queue(DataTable[str], inherit_bindings=False):
    """The review queue: a table whose enter is the screen's (review), shown in the footer."""

    BINDINGS: ClassVar[list[BindingType]] = TABLE_KEYS_BUT_ENTER


class AgreementScreen(ShowsWorkerErrors, Screen[None]):
    """The same figures as ``workbench agreement`` and the review queue: enter adjudicates the
    highlighted document, ``c`` compares the annotators' labels side by side (read-only)."""

    HELP_INTRO = (
        "Agreement between annotators on documents marked done, and the documents to review, "
        "most disagreement first: enter adjudicates one into the gold set, c compares the "
        "annotators side by side."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "review", "Review", id="agreement.review"),
        Binding("c", "compare", "Compare", id="agreement.compare"),
        Binding("ctrl+r", "reload", "Reload", id="agreement.reload"),
        Binding("q,escape", "back", "Back", id="agreement.back"),
    ]

    class ReviewRequested(Message):
        """Adjudicate a document, the queue's order to follow after it."""

        def __init__(self, document_id: int, queue: tuple[int, ...]) -> None:
            super().__init__()
            self.document_id = document_id
            self.queue = queue

    def __init__(self, store: Store, gold: AnnotatorInfo | None = None) -> None:
        """``gold``: the gold annotator when the person here adjudicates (a reviewer)."""
        super().__init__()
        self.store = store
        self._gold = gold
        self._report: dict[str, Any] | None = None
        self._ids: dict[str, int] = {}
        """Document ids by name (the report names them)."""
        self._queue: list[str] = []
        """The names in the queue's rows, in order."""
        self._flags: dict[str, str] = {}
        """Who flagged each flagged document and why."""
        self._failed = False
        self._opening = False
        """A document was asked for and its screen is not up yet."""

    def compose(self) -> ComposeResult:
        yield Header()
        # The queue is docked: beside the figures, or above them in a narrow terminal, where
        # it is what a reviewer needs first and its columns get the whole width.
        with Container(id="agreement-body"):
            with Vertical(id="agreement-queue"):
                yield Static(
                    "Review queue: flagged first, then most disagreement",
                    classes="heading",
                    id="agreement-heading",
                )
                yield _Queue(id="agreement-documents", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="agreement-figures"):
                yield AgreementPictures(id="agreement-pictures")
                yield Static("Computing agreement…", id="agreement-text")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "agreement"
        table = self.query_one(DataTable)
        table.add_column("document", key="document")
        if self._gold is not None:
            table.add_column("gold", key="gold")
        table.add_column("flagged by", key="flag")
        table.add_columns("disagreement", "worst", *FIELDS)
        table.focus()
        self.load()

    def on_screen_suspend(self) -> None:
        self._opening = False  # the review screen is up: it is the one keys wait for now

    def on_screen_resume(self) -> None:
        if self._report is not None and self._gold is not None:
            self.load_gold()  # back from adjudicating: the gold column may have changed

    @work(thread=True, exclusive=True, exit_on_error=False, group="gold")
    def load_gold(self) -> None:
        """Re-read only the gold status of each document (the figures do not change)."""
        statuses = self._gold_statuses()
        self.app.call_from_thread(self._show_gold, statuses)

    def _gold_statuses(self) -> dict[str, str]:
        gold = self._gold
        if gold is None:
            return {}
        return {row.name: row.status for row in self.store.list_documents(gold.id)}

    def _show_gold(self, statuses: dict[str, str]) -> None:
        table = self.query_one(DataTable)
        for name in table.rows:
            assert name.value is not None
            table.update_cell(name, "gold", _gold_cell(statuses.get(name.value)))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        """Compute the report off the UI thread (seconds for a large corpus)."""
        selection = resolve(self.store, None, "done", None)
        corpus = collect(self.store, selection)
        report = corpus_report(corpus, selection.statuses)
        ids = {row.name: row.id for row in self.store.list_documents()}
        # Every annotator's flags: this screen is a reviewer's (annotators never see it).
        flags = self.store.flags()
        self.app.call_from_thread(self._show, report, ids, self._gold_statuses(), flags)
        # The queue is up; the pictures (every pair behind the grids' cells) follow.
        pictures = gather_pictures(self.store, corpus, report)
        self.app.call_from_thread(self._show_pictures, pictures)

    def _show_pictures(self, pictures: Pictures) -> None:
        figures = self.query_one("#agreement-figures")
        self.query_one(AgreementPictures).show(pictures, max(40, figures.size.width - 2))

    def on_confusion_grid_cell_chosen(self, message: ConfusionGrid.CellChosen) -> None:
        """The pairs behind a confusion cell, listed on a screen of their own."""
        from workbench.tui.screens.disagreements import DisagreementsScreen

        pictures = self.query_one(AgreementPictures).pictures
        if pictures is None:
            return
        found = pictures.disagreements
        cells = found.stance if message.grid.id == "confusion-stance" else found.claim_type
        row, column = (NO_SPAN_NAME if x is None else x for x in (message.row, message.column))
        title = f"{message.grid.title}: {row} and {column}"
        cell = (message.row, message.column)
        grid = message.grid
        if not grid.counts[grid.labels.index(cell[0])][grid.labels.index(cell[1])]:
            self.notify(f"{title}: no pair of annotators there.")
            return
        self.app.push_screen(DisagreementsScreen(self.store, title, cells, cell))

    @property
    def busy(self) -> bool:
        """The first report is still being computed: keys typed meanwhile (enter) wait."""
        return (self._report is None and not self._failed) or self._opening

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self._failed = True
            self._settled()

    def _settled(self) -> None:
        self.post_message(Settled())

    def _show(
        self,
        report: dict[str, Any],
        ids: dict[str, int],
        gold: dict[str, str],
        flagged: Sequence[FlagInfo] = (),
    ) -> None:
        self._report = report
        self._ids = ids
        self._render_figures()
        table = self.query_one(DataTable)
        table.clear()
        # The compared documents, most disagreement first; then those only one annotator
        # finished: nothing to compare, but gold needs them too.
        self._queue = [row["name"] for row in report["documents"]]
        self._queue += [row["name"] for row in report.get("uncompared", [])]
        cells: list[tuple[Any, ...]] = []
        for row in report["documents"]:
            agreement = row["agreement"]
            cells.append(
                (
                    f"{row['disagreement']:.3f}",
                    row["worst_field"],
                    *("–" if agreement[f] is None else f"{agreement[f]:.3f}" for f in FIELDS),
                )
            )
        for row in report.get("uncompared", []):
            alone = Text(f"only {row['annotator']}", style="dim")
            cells.append(("–", alone, *("–" for _ in FIELDS)))
        by_name = dict(zip(self._queue, cells, strict=True))
        flags = self._flags = flag_notes(flagged)
        # Flagged documents first (an annotator asked for a look), done by anyone or not.
        self._queue = flagged_first(self._queue, flagged)
        not_done = ("–", Text("not done", style="dim"), *("–" for _ in FIELDS))
        for name in self._queue:
            table.add_row(
                Text(name),
                *([_gold_cell(gold.get(name))] if self._gold is not None else []),
                _flag_cell(flags.get(name)),
                *by_name.get(name, not_done),
                key=name,
            )
        self._settled()

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
        self.query_one(AgreementPictures).resize(width)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_BELOW, "-narrow")
        self.call_after_refresh(self._render_figures)  # at the figures' new width

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit()  # the home screen of `workbench review`

    def _highlighted(self) -> str | None:
        table = self.query_one(DataTable)
        if self._report is None or not 0 <= table.cursor_row < len(self._queue):
            return None
        return self._queue[table.cursor_row]

    def action_compare(self) -> None:
        """Each annotator's labels of the highlighted document side by side (read-only)."""
        name = self._highlighted()
        if name is not None and self._report is not None:
            self.app.push_screen(CompareScreen(self.store, name, self._report["annotators"]))

    def action_review(self) -> None:
        """Adjudicate the highlighted document; done moves on through the queue."""
        name = self._highlighted()
        if name is None or self._report is None:
            return
        if self._gold is None:
            self.notify("Adjudicating is for reviewers: start with `workbench review`.")
            return
        queue = tuple(self._ids[queued] for queued in self._queue)
        self._opening = True  # keys typed next are for the review screen: held until it is up
        self.post_message(self.ReviewRequested(self._ids[name], queue))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted document's flags, whole, over the queue."""
        note = self._flags.get(event.row_key.value or "")
        heading = self.query_one("#agreement-heading", Static)
        width = max(heading.size.width - 2, 20)  # one line: the table stays where it is
        heading.update(
            Text(fit_words(f"⚑ {note}", width), style="bold yellow")
            if note
            else Text("Review queue: flagged first, then most disagreement")
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_review()


FLAG_CELL = 32
"""Cells of a row's flags (who and why) in the queue; the highlighted row's show whole."""


def _flag_cell(note: str | None) -> Text:
    if note is None:
        return Text("")
    return Text(fit_words(f"⚑ {note}", FLAG_CELL), style="bold yellow")


def _gold_cell(status: str | None) -> Text:
    """How far a document's adjudication is: not started, started, done or skipped."""
    text, style = STATUS_LOOK[status or "todo"]
    return Text(text, style=style)


class ReviewQueueScreen(AgreementScreen):
    """The home screen of ``workbench review``: the agreement figures and the review queue."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Named like the app's ctrl+q so the footer shows one "Quit" for both keys.
        Binding("q", "quit", "Quit", id="review-queue.quit"),
        Binding("escape", "quit", "Quit", show=False, id="review-queue.quit-escape"),
    ]

    def action_quit(self) -> None:
        self.action_back()
