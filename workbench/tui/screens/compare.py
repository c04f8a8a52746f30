"""For reviewers: one document as each annotator labelled it, side by side (read-only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, ItemGrid
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from workbench.store import AnnotationInfo, DocumentData, Store
from workbench.tui.failures import ShowsWorkerErrors
from workbench.tui.widgets.document_view import DocumentView

MAX_SIDE_BY_SIDE = 3
"""Annotators shown at once in the comparison (more would leave too little room each)."""


class _HeadingFields:
    """Fields of a heading (a name, a status, ``stance X``) on as few lines as the width
    allows, two spaces apart; a field starts a new line rather than be split, unless it is
    wider than a line by itself (a long list of topics), which then wraps between words."""

    def __init__(self, fields: list[Text]) -> None:
        self.fields = fields

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines: list[Text] = []
        for field in self.fields:
            if lines and lines[-1].cell_len + 2 + field.cell_len <= options.max_width:
                lines[-1].append("  ")
                lines[-1].append_text(field)
            else:
                lines.append(field.copy())
        yield from lines


class CompareScreen(ShowsWorkerErrors, Screen[None]):
    """One document as each annotator labelled it, side by side; the cursors move together."""

    HELP_INTRO = (
        "One document as each annotator labelled it, side by side and read-only: the cursor "
        "keys move every column's cursor together."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,escape", "back", "Back", id="compare.back"),
    ]

    def __init__(
        self,
        store: Store,
        document: str,
        annotators: list[str],
        at: Sequence[tuple[int, int] | None] | None = None,
    ) -> None:
        """``at``: per annotator, a token range (start, end exclusive) to mark and go to,
        the first given one under the cursor (e.g. the two spans of a disagreement)."""
        super().__init__()
        self.store = store
        self._document_name = document
        self._annotators = annotators[:MAX_SIDE_BY_SIDE]
        self.at = list(at or [])[: len(self._annotators)]
        """The marked token range of each column (None: nothing marked there)."""

    def compose(self) -> ComposeResult:
        yield Header()
        # The heads in a row of their own, each as tall as the tallest: the texts below start
        # on the same row in every column, so that their lines can be compared across.
        with ItemGrid(id="compare-heads", stretch_height=True):
            for index, name in enumerate(self._annotators):
                yield Static(Text(name), id=f"compare-head-{index}", classes="heading")
        with Horizontal(id="compare-body"):
            for index in range(len(self._annotators)):
                yield DocumentView(id=f"compare-view-{index}")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"compare {self._document_name} (read-only)"
        colors = {label.name: label.color for label in self.store.scheme.claim_type}
        for view in self.query(DocumentView):
            view.set_colors(colors)
        self.query_one("#compare-heads").styles.grid_size_columns = len(self._annotators)
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
        marked = [where for where in self.at if where is not None]
        # Opened at a span: each new document's report of its cursor (on its first word)
        # would pull the other columns back to the start, so none is sent.
        with self.prevent(*([DocumentView.CursorMoved] if marked else [])):
            self._fill(document, annotations)
        first = self.query_one("#compare-view-0", DocumentView)
        first.focus()
        for view in self.query(DocumentView):
            view.set_marks(marked)  # every column shows where both spans are
            if marked:
                view.move_cursor_to(marked[0][0])
                layout = view.line_layout
                if layout is not None:  # the span a third of the way down, not at the bottom
                    line = layout.locate(marked[0][0])[0]
                    top = max(0, line - view.scrollable_content_region.height // 3)
                    view.scroll_to(y=top, animate=False, immediate=True)

    def _fill(self, document: DocumentData, annotations: list[AnnotationInfo | None]) -> None:
        for index, (name, annotation) in enumerate(zip(self._annotators, annotations, strict=True)):
            view = self.query_one(f"#compare-view-{index}", DocumentView)
            view.set_document(document.text, document.tokens)
            fields = [Text(name, style="bold")]
            if annotation is None:
                fields.append(Text("not annotated", style="dim"))
            else:
                view.set_spans(annotation.spans)
                fields.append(Text(annotation.status))
                fields.append(Text(f"stance {annotation.stance or '—'}"))
                fields.append(Text(f"topics {', '.join(annotation.topics) or '—'}", style="dim"))
            self.query_one(f"#compare-head-{index}", Static).update(_HeadingFields(fields))

    def on_resize(self, event: events.Resize) -> None:
        """Give every column the same width (the odd cells are left over at the right): the
        texts then wrap alike, line for line."""
        width = max(event.size.width // len(self._annotators), 1)
        self.query_one("#compare-heads").styles.grid_columns = str(width)
        for view in self.query(DocumentView):
            view.styles.width = width

    def on_document_view_cursor_moved(self, message: DocumentView.CursorMoved) -> None:
        """The user moved one column's cursor: the others follow, silently. Were their moves
        reported, each report would come back after the next keys of a burst had moved that
        column on, pull it back and so move the others again, for ever."""
        with self.prevent(DocumentView.CursorMoved):
            for view in self.query(DocumentView):
                if view is not message.document_view:
                    view.move_cursor_to(message.token)

    def action_back(self) -> None:
        self.app.pop_screen()
