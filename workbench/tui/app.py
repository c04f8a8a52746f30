"""The annotation app: annotator picker, document list and annotation screen over one store."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Hit, Hits, Provider
from textual.markup import escape
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from workbench.models import GOLD
from workbench.session import AnnotationSession
from workbench.store import AnnotatorInfo, Store
from workbench.tui.config import TuiConfig
from workbench.tui.failures import ShowsWorkerErrors
from workbench.tui.screens.annotate import AnnotateScreen, read_session
from workbench.tui.screens.annotator import AnnotatorScreen
from workbench.tui.screens.editing import EditingScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.parts import BackRequested, OpenRequested
from workbench.tui.screens.review import ReviewScreen
from workbench.tui.typeahead import Settled, TypeAhead

if TYPE_CHECKING:
    # The list is imported when first shown: `annotate --doc` starts without it.
    from workbench.tui.screens.agreement import AgreementScreen
    from workbench.tui.screens.documents import DocumentsScreen


class DocumentCommands(Provider):
    """Command palette: "open NAME" for every document (type part of a name)."""

    async def search(self, query: str) -> Hits:
        app = self.app
        if not isinstance(app, WorkbenchApp) or app.annotator is None:
            return
        matcher = self.matcher(query)
        whose = app.gold if app.reviewing and app.gold is not None else app.annotator
        rows = await asyncio.to_thread(app.store.list_documents, whose.id)
        for row in rows:
            title = f"open {row.name}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(escape(title)),  # names are plain text, not markup
                    partial(app.open_document, row.id),
                    help=f"{row.status}, {row.spans} spans, {row.n_tokens:,} tokens",
                )


class WorkbenchApp(ShowsWorkerErrors, App[None]):
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
        review: bool = False,
        suggestions: bool = True,
        min_score: float = 0.5,
        order: str = "name",
    ) -> None:
        """``review``: adjudicate (``workbench review``): the home screen is the review queue
        and documents open on the gold annotation; the person named is a reviewer.
        ``order``: the document list's order, ``name`` or ``uncertain`` (see
        :mod:`workbench.train.uncertainty`)."""
        super().__init__()
        self.store = store
        """The database every screen reads and writes (always from worker threads)."""
        self.annotator: AnnotatorInfo | None = None
        """Who is annotating; set once the name is known."""
        self._annotator_name = annotator
        self._review = review
        self._role = "reviewer" if review else role
        self.gold: AnnotatorInfo | None = None
        """The reserved gold annotator, when reviewing."""
        self._document_name = document
        self._config = config or TuiConfig()
        self._suggestions = suggestions
        self._min_score = min_score
        self._order = order
        self.typeahead = TypeAhead(self)
        """Keys typed ahead of a screen that is not ready for them."""

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
        self.call_from_thread(self._ask_name, names)

    def _ask_name(self, names: list[str]) -> None:
        self.push_screen(AnnotatorScreen(names), self._named)
        self._opened()

    def _named(self, name: str | None) -> None:
        if name:
            self.typeahead.opening = True  # keys typed after the name wait for the documents
            self.start(name)

    @work(thread=True, exit_on_error=False)
    def start(self, name: str | None) -> None:
        """Get or create the annotator, then show the documents (and open one if asked)."""
        if not name:
            return
        annotator = self.store.annotator(name, self._role or "annotator")
        if self._role and annotator.role != self._role:
            annotator = self.store.set_role(annotator.name, self._role)
        # Reviewers adjudicate into the reserved gold annotation (from the agreement screen).
        gold = self.store.annotator(GOLD, "reviewer") if annotator.role == "reviewer" else None
        if self._review and gold is not None:
            document_id = (
                self.store.document_by_name(self._document_name) if self._document_name else None
            )
            self.call_from_thread(self._show_queue, annotator, gold, document_id)
            return
        self.gold = gold
        if self._document_name:
            # Straight to the article, read here so that its first frame shows the text; the
            # list is built only if the annotator goes back to it.
            document_id = self.store.document_by_name(self._document_name)
            session = read_session(self.store, annotator, document_id)
            self.call_from_thread(self._show_document, annotator, document_id, session)
        else:
            self.call_from_thread(self._show_documents, annotator)

    def _show_document(
        self, annotator: AnnotatorInfo, document_id: int, session: AnnotationSession
    ) -> None:
        self.annotator = annotator
        self.open_document(document_id, session)
        self._opened()  # the screen is on the stack: it holds keys while it loads

    def _opened(self) -> None:
        """A screen is up: held keys go to it once it is ready for them."""
        self.typeahead.opened()

    # -- keys typed ahead (workbench.tui.typeahead) -------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """Every key reaches the type-ahead queue before the bindings: held while a screen is
        busy, applied in order once it is not."""
        self.typeahead.key(event)

    def on_settled(self, _message: Settled) -> None:
        """A screen is no longer busy: held keys go on."""
        self.typeahead.release()

    @property
    def reviewing(self) -> bool:
        """Adjudicating (``workbench review``) rather than annotating."""
        return self._review

    def _show_queue(
        self, reviewer: AnnotatorInfo, gold: AnnotatorInfo, document_id: int | None
    ) -> None:
        """Reviewing: the review queue, and the document asked for (if any) above it."""
        from workbench.tui.screens.agreement import ReviewQueueScreen

        self.annotator, self.gold = reviewer, gold
        queue = ReviewQueueScreen(self.store, gold)
        if isinstance(self.screen, AnnotatorScreen):
            self.switch_screen(queue)
        else:
            self.push_screen(queue)
        if document_id is not None:
            self.open_review(document_id)
        self._opened()

    def open_review(self, document_id: int, queue: tuple[int, ...] | None = None) -> None:
        """Adjudicate a document: its gold annotation, the annotators' work beside it.
        ``queue``: the documents in review order (done and n/p follow it)."""
        if self.annotator is None or self.gold is None:
            return
        screen = ReviewScreen(self.store, self.annotator, self.gold, document_id, queue=queue)
        if isinstance(self.screen, ReviewScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def _show_documents(self, annotator: AnnotatorInfo) -> None:
        self.annotator = annotator
        from workbench.tui.screens.documents import DocumentsScreen

        documents = DocumentsScreen(self.store, annotator, order=self._order)
        if isinstance(self.screen, AnnotatorScreen):
            self.switch_screen(documents)
        else:
            self.push_screen(documents)
        self._opened()

    def back_to_list(self) -> None:
        """Close the current screen and show the document list (building it if needed)."""
        from workbench.tui.screens.documents import DocumentsScreen

        if any(isinstance(screen, DocumentsScreen) for screen in self.screen_stack):
            self.pop_screen()
        elif self.annotator is not None:
            self.switch_screen(DocumentsScreen(self.store, self.annotator, order=self._order))

    def on_documents_screen_open_requested(self, message: DocumentsScreen.OpenRequested) -> None:
        self.open_document(message.document_id, order=message.order)

    def on_open_requested(self, message: OpenRequested) -> None:
        """Done, skip, next or previous chose another document (in the same order)."""
        if self._review:
            self.open_review(message.document_id, message.order)
        else:
            self.open_document(message.document_id, order=message.order)

    def on_back_requested(self, _message: BackRequested) -> None:
        self.back_to_list()

    def open_document(
        self,
        document_id: int,
        session: AnnotationSession | None = None,
        order: tuple[int, ...] | None = None,
    ) -> None:
        """Show a document for annotation (replacing one already open); ``session``: one
        already read (see :func:`read_session`); ``order``: the documents done and n/p
        follow (None: all, by name)."""
        if self.annotator is None:
            return
        if self._review:
            self.open_review(document_id)
            return
        screen = AnnotateScreen(self.store, self.annotator, document_id, session, order=order)
        screen.allow_suggestions = self._suggestions
        screen.min_score = self._min_score
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

        self.push_screen(AgreementScreen(self.store, self.gold))

    def on_agreement_screen_review_requested(
        self, message: AgreementScreen.ReviewRequested
    ) -> None:
        self.open_review(message.document_id, message.queue)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        intro = getattr(self.screen, "HELP_INTRO", "")
        self.push_screen(HelpScreen(self.screen.active_bindings, intro))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Show every key and what it does", self.action_help)
        if isinstance(screen, EditingScreen):
            yield SystemCommand(
                "Mark done", "Mark this document done, open the next", screen.action_done
            )
            yield SystemCommand("Skip", "Skip this document, open the next", screen.action_skip)
            yield SystemCommand("Back to the list", "Close this document", screen.action_back)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # (The error itself is shown by ShowsWorkerErrors.)
        if event.state == WorkerState.ERROR and self.typeahead.opening:
            self.typeahead.opened()  # the document could not be read: no keys to hold for it
