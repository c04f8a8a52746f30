"""The home screen: every document with this annotator's status, progress, type-to-filter."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, ProgressBar, Static
from textual.worker import Worker, WorkerState

from workbench import models
from workbench.find import content_query, documents_containing
from workbench.routing import Routed, routed_list
from workbench.store import AnnotatorInfo, DocumentRow, Store
from workbench.tui.failures import ShowsWorkerErrors
from workbench.tui.screens.entry import Field
from workbench.tui.typeahead import Settled

LIST_LIMIT = 5000
"""Rows shown at once; typing narrows a larger corpus (and keeps the list fast)."""

STATUS_LOOK = {
    "done": ("✓ done", "green"),
    "in_progress": ("◐ in progress", "yellow"),
    "skipped": ("↷ skipped", "bright_black"),
    "todo": ("· todo", ""),
}


class DocumentsScreen(ShowsWorkerErrors, Screen[None]):
    """Documents with status, spans and length for one annotator; Enter opens one.

    The filter box keeps the focus, so typing filters at once while the arrow keys move the
    highlighted row.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Next", show=False, id="documents.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="documents.up"),
        Binding("pagedown", "move(20)", "Page down", show=False, id="documents.page-down"),
        Binding("pageup", "move(-20)", "Page up", show=False, id="documents.page-up"),
        # The filter box has no enter of its own (see Field): enter is this screen's.
        Binding("enter", "open", "Open", id="documents.open"),
        Binding("ctrl+n", "next_unfinished", "Next unfinished", id="documents.next-unfinished"),
        Binding("ctrl+r", "reload", "Reload", id="documents.reload"),
        Binding("ctrl+g", "app.agreement", "Agreement", id="documents.agreement"),
    ]

    filter_text: reactive[str] = reactive("")
    """The text typed in the filter box: names containing it (case-insensitive) are shown;
    after a leading ``/``, documents whose text contains it."""

    class OpenRequested(Message):
        """The annotator asked to open a document."""

        def __init__(self, document_id: int, order: tuple[int, ...] | None = None) -> None:
            super().__init__()
            self.document_id = document_id
            """The document to open."""
            self.order = order
            """The documents done and n/p follow (the list's order), or None: all, by name."""

    def __init__(self, store: Store, annotator: AnnotatorInfo, *, order: str = "name") -> None:
        """``order``: ``name``, or ``uncertain``: the latest model's least sure documents
        first, with their mean margin shown (see :mod:`workbench.train.uncertainty`)."""
        super().__init__()
        self.order = order
        """How the documents are listed: by name, or least sure first."""
        self._margins: dict[int, float] = {}
        self.store = store
        """Where the documents live."""
        self.annotator = annotator
        """Whose statuses are shown (blind: only this annotator's work)."""
        self._rows: list[DocumentRow] = []
        self.last_opened: int | None = None
        """The document opened last, so the next unfinished one after it is preselected."""
        self._asked = 0
        """Reads of the list asked for; the list shown is the answer to read ``_shown``."""
        self._shown = 0
        self._opening = False
        self._routed: Routed | None = None
        """Under a routing policy: the annotator's documents and their next one."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="documents-progress"):
            yield Static("", id="documents-summary")
            yield ProgressBar(total=1, show_eta=False, id="documents-bar")
        yield Field(
            placeholder="type to filter by name, /text by content · ↑↓ choose · enter opens",
            id="documents-filter",
        )
        yield DataTable(id="documents-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Workbench"
        self.sub_title = f"annotator: {self.annotator.name}"
        table = self.query_one(DataTable)
        table.can_focus = False
        table.add_column("document", key="name")
        table.add_column("status", key="status", width=14)
        table.add_column("spans", key="spans")
        table.add_column("tokens", key="tokens")
        if self.order == "uncertain":
            table.add_column("margin", key="margin")
        self.query_one(Field).focus()

    def on_screen_resume(self) -> None:
        self._opening = False
        self._reload()

    def on_screen_suspend(self) -> None:
        self._opening = False  # the article is up: it is the one keys wait for now

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()

    def watch_filter_text(self) -> None:
        self._reload()

    @property
    def busy(self) -> bool:
        """The list is being read (enter must open a row of the new list, not the old one)
        or a document is being opened: the app holds keys typed ahead meanwhile."""
        typed = self.query_one(Field).value.strip() != self.filter_text  # not yet applied
        return typed or self._shown < self._asked or self._opening

    def _reload(self) -> None:
        self._asked += 1
        self.load(self._asked)

    def _settled(self) -> None:
        if not self.busy:
            self.post_message(Settled())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:  # shown by ShowsWorkerErrors
            self._shown = self._asked  # nothing more is coming: keys go on
            self._settled()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    @work(thread=True, group="documents", exclusive=True, exit_on_error=False)
    def load(self, generation: int) -> None:
        """Read the page of documents and the progress figures (off the UI thread)."""
        content = content_query(self.filter_text)  # "/words": the texts that hold them
        if content:  # the database reads the page of the texts holding it, not every row
            rows = self.store.list_documents(
                self.annotator.id, containing=content, limit=LIST_LIMIT
            )
            matching = self.store.count_documents(containing=content)
        else:
            rows = self.store.list_documents(
                self.annotator.id, search="" if content == "" else self.filter_text,
                limit=LIST_LIMIT,
            )  # fmt: skip
            matching = self.store.count_documents("" if content == "" else self.filter_text)
        # A routing policy: their own documents and the one route next gives them (leased).
        search = "" if content is not None else self.filter_text
        self._routed = routed_list(self.store, self.annotator, search=search)
        if self._routed is not None:
            held = set(documents_containing(self.store, content)) if content else set()
            rows = [r for r in self._routed.rows if not content or r.id in held][:LIST_LIMIT]
            matching = len(rows)
        stats = next(
            (s for s in self.store.annotator_stats() if s.name == self.annotator.name), None
        )
        total = self.store.count_documents()
        routed_note = ""
        if self._routed is not None:  # their share, not the corpus: what is still open to them
            queue = next(iter(self.store.route_queues([(self.annotator.id, "")], models.now())))
            total = queue.done + (stats.skipped if stats else 0) + queue.leased + queue.to_do
            routed_note = f" · routed: {queue.leased} held, {queue.to_do} more open to you"
        if self.order == "uncertain":
            from workbench.train.uncertainty import uncertainty

            ranking = uncertainty(self.store)
            by_id = {row.id: row for row in rows}
            rows = [by_id[i] for i in ranking.order([row.id for row in rows])]
            self._margins = ranking.margins
        self.app.call_from_thread(
            self._show,
            generation,
            rows,
            matching,
            stats.done if stats else 0,
            stats.skipped if stats else 0,
            total,
            routed_note,
        )

    def _show(
        self,
        generation: int,
        rows: list[DocumentRow],
        matching: int,
        done: int,
        skipped: int,
        total: int,
        routed_note: str = "",
    ) -> None:
        if generation < self._asked:
            return  # a newer read is on its way (the filter changed again)
        self._shown = generation
        self._rows = rows
        summary = f"{done} / {total} done"
        if skipped:
            summary += f" · {skipped} skipped"
        summary += routed_note
        if matching > len(rows):
            summary += f" · showing {len(rows)} of {matching}: type to narrow"
        self.query_one("#documents-summary", Static).update(summary)
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done + skipped)
        table = self.query_one(DataTable)
        table.clear()
        for row in rows:
            label, style = STATUS_LOOK.get(row.status, (row.status, ""))
            table.add_row(
                Text(row.name),
                Text(label, style=style),
                Text(str(row.spans), justify="right"),
                Text(f"{row.n_tokens:,}", justify="right"),
                *self._margin_cell(row.id),
                key=str(row.id),
            )
        target = self._preselect()
        if target is not None:
            table.move_cursor(row=target)
        self._settled()

    def _margin_cell(self, document_id: int) -> list[Text]:
        if self.order != "uncertain":
            return []
        margin = self._margins.get(document_id)
        return [Text("–" if margin is None else f"{margin:.3f}", justify="right")]

    def _preselect(self) -> int | None:
        """The row of the next unfinished document (after the one opened last); under a
        routing policy, the one route next gave."""
        if not self._rows:
            return None
        if self._routed is not None:
            ids = [row.id for row in self._rows]
            pick = self._routed.pick
            return ids.index(pick) if pick in ids else None
        start = 0
        if self.last_opened is not None:
            ids = [row.id for row in self._rows]
            if self.last_opened in ids:
                start = ids.index(self.last_opened)
        order = list(range(start, len(self._rows))) + list(range(start))
        # Work the annotator has begun comes before documents nobody has touched.
        for wanted in ("in_progress", "todo"):
            for index in order:
                if self._rows[index].status == wanted:
                    return index
        return start

    def action_move(self, delta: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + delta)))

    def action_next_unfinished(self) -> None:
        if self._routed is not None:
            self._reload()  # route next again: it picks, the list preselects its pick
            return
        target = self._preselect()
        if target is not None:
            self.query_one(DataTable).move_cursor(row=target)

    def action_reload(self) -> None:
        self._reload()

    def action_open(self) -> None:
        self.query_one(Field).enter_handled()
        table = self.query_one(DataTable)
        if not self._rows or not 0 <= table.cursor_row < len(self._rows):
            self.notify("No document to open: clear the filter.", severity="warning")
            return
        document_id = self._rows[table.cursor_row].id
        self.last_opened = document_id
        self._opening = True
        listed = self.order == "uncertain" or self._routed is not None  # n/p follow the list
        order = tuple(row.id for row in self._rows) if listed else None
        self.post_message(self.OpenRequested(document_id, order))
