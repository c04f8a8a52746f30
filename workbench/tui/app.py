"""The annotation app: annotator picker, document list and annotation screen over one store."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Hit, Hits, Provider
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from workbench.errors import WorkbenchError
from workbench.models import GOLD
from workbench.store import AnnotationInfo, AnnotatorInfo, DocumentData, Store
from workbench.tui.config import TuiConfig
from workbench.tui.screens.annotate import AnnotateScreen, read_document
from workbench.tui.screens.annotator import AnnotatorScreen
from workbench.tui.screens.help import HelpScreen

if TYPE_CHECKING:
    # The list is imported when first shown: `annotate --doc` starts without it.
    from workbench.tui.screens.documents import DocumentsScreen


class DocumentCommands(Provider):
    """Command palette: "open NAME" for every document (type part of a name)."""

    async def search(self, query: str) -> Hits:
        app = self.app
        if not isinstance(app, WorkbenchApp) or app.annotator is None:
            return
        matcher = self.matcher(query)
        rows = await asyncio.to_thread(app.store.list_documents, app.annotator.id)
        for row in rows:
            title = f"open {row.name}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(app.open_document, row.id),
                    help=f"{row.status}, {row.spans} spans, {row.n_tokens:,} tokens",
                )


class WorkbenchApp(App[None]):
    """Keyboard-first annotation of claim spans, stance and topics; every change saved at once."""

    TITLE = "Workbench"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    COMMANDS: ClassVar = App.COMMANDS | {DocumentCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(
        self,
        store: Store,
        *,
        annotator: str | None = None,
        document: str | None = None,
        role: str | None = None,
        config: TuiConfig | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        """The database every screen reads and writes (always from worker threads)."""
        self.annotator: AnnotatorInfo | None = None
        """Who is annotating; set once the name is known."""
        self._annotator_name = annotator
        self._role = role
        self._document_name = document
        self._config = config or TuiConfig()

    def on_mount(self) -> None:
        self.set_keymap(self._config.keymap)
        if self._annotator_name:
            self.start(self._annotator_name)
        else:
            self.ask_annotator()

    @work(thread=True, exit_on_error=False)
    def ask_annotator(self) -> None:
        """List the annotators, then ask who is annotating."""
        names = [a.name for a in self.store.annotators() if a.name != GOLD]
        self.call_from_thread(self.push_screen, AnnotatorScreen(names), self.start)

    @work(thread=True, exit_on_error=False)
    def start(self, name: str | None) -> None:
        """Get or create the annotator, then show the documents (and open one if asked)."""
        if not name:
            return
        annotator = self.store.annotator(name, self._role or "annotator")
        if self._role and annotator.role != self._role:
            annotator = self.store.set_role(annotator.name, self._role)
        if self._document_name:
            # Straight to the article, read here so that its first frame shows the text; the
            # list is built only if the annotator goes back to it.
            document_id = self.store.document_by_name(self._document_name)
            loaded = read_document(self.store, annotator, document_id)
            self.call_from_thread(self._show_document, annotator, document_id, loaded)
        else:
            self.call_from_thread(self._show_documents, annotator)

    def _show_document(
        self,
        annotator: AnnotatorInfo,
        document_id: int,
        loaded: tuple[DocumentData, AnnotationInfo],
    ) -> None:
        self.annotator = annotator
        self.open_document(document_id, loaded)

    def _show_documents(self, annotator: AnnotatorInfo) -> None:
        self.annotator = annotator
        from workbench.tui.screens.documents import DocumentsScreen

        documents = DocumentsScreen(self.store, annotator)
        if isinstance(self.screen, AnnotatorScreen):
            self.switch_screen(documents)
        else:
            self.push_screen(documents)

    def back_to_list(self) -> None:
        """Close the current screen and show the document list (building it if needed)."""
        from workbench.tui.screens.documents import DocumentsScreen

        if any(isinstance(screen, DocumentsScreen) for screen in self.screen_stack):
            self.pop_screen()
        elif self.annotator is not None:
            self.switch_screen(DocumentsScreen(self.store, self.annotator))

    def on_documents_screen_open_requested(self, message: DocumentsScreen.OpenRequested) -> None:
        self.open_document(message.document_id)

    def open_document(
        self, document_id: int, loaded: tuple[DocumentData, AnnotationInfo] | None = None
    ) -> None:
        """Show a document for annotation (replacing one already open); ``loaded``: its data,
        if already read (see :func:`read_document`)."""
        if self.annotator is None:
            return
        screen = AnnotateScreen(self.store, self.annotator, document_id, loaded)
        if isinstance(self.screen, AnnotateScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Agreement shows everyone's labels: only for reviewers (annotators stay blind).
        if action == "agreement":
            return self.annotator is not None and self.annotator.role == "reviewer"
        return True

    def action_agreement(self) -> None:
        """Open the agreement report (reviewers only)."""
        if self.annotator is None or self.annotator.role != "reviewer":
            self.notify("Agreement is for reviewers: start with --role reviewer.")
            return
        from workbench.tui.screens.agreement import AgreementScreen  # reviewers only: lazily

        self.push_screen(AgreementScreen(self.store))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        intro = getattr(self.screen, "HELP_INTRO", "")
        self.push_screen(HelpScreen(self.screen.active_bindings, intro))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Show every key and what it does", self.action_help)
        if isinstance(screen, AnnotateScreen):
            yield SystemCommand(
                "Mark done", "Mark this document done, open the next", screen.action_done
            )
            yield SystemCommand("Skip", "Skip this document, open the next", screen.action_skip)
            yield SystemCommand("Back to the list", "Close this document", screen.action_back)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place where a failed background job becomes a visible error, never a silent one."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        error = event.worker.error
        message = (
            str(error) if isinstance(error, WorkbenchError) else f"{type(error).__name__}: {error}"
        )
        self.notify(message, title="Error", severity="error", timeout=10)
