"""What the annotation and review screens share: the article, the side panel, the status line,
and the keys of every edit, each a call to a session rule whose change is saved in order."""

from __future__ import annotations

import time
from typing import ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState

from workbench.errors import WorkbenchError
from workbench.session import (
    AnnotationSession,
    Confirm,
    Edge,
    Outcome,
    Refused,
    Saved,
)
from workbench.store import AnnotationInfo, DocumentData, SpanInfo, SuggestionInfo
from workbench.tui.failures import ShowsWorkerErrors
from workbench.tui.screens.choose import LabelChooser
from workbench.tui.screens.confirm import ConfirmDialog
from workbench.tui.screens.find import FindDialog, find_next
from workbench.tui.screens.note import NoteDialog
from workbench.tui.screens.parts import (
    BackRequested,
    Body,
    Frame,
    OpenRequested,
    document_labels,
    fit_words,
    label_bindings,
)
from workbench.tui.typeahead import RefusedChooser, Settled, bind_keys
from workbench.tui.widgets.document_view import DocumentView
from workbench.tui.widgets.side_panel import SidePanel
from workbench.tui.widgets.span_list import SpanList

IDLE_AFTER_S = 60.0
"""Time between two key presses longer than this is not counted as annotation time."""
TIME_FLUSH_S = 30.0
NARROW_BELOW = 100
"""Terminal width under which the side panel moves below the article."""


STANCE_KEYS = Binding.Group("Stance", compact=True)
TOPIC_KEYS = Binding.Group("Topics", compact=True)


class EditingScreen(ShowsWorkerErrors, Screen[None]):
    """One document's annotation through an :class:`AnnotationSession`: a key calls a session
    rule; a refusal is said in the status line; a change is saved in the session's writer
    thread and its result comes back as a :class:`EditingScreen.Saved` message."""

    BLANK = True
    """Its widgets cover it whole: no background of its own to draw in each frame."""
    BINDINGS: ClassVar[list[BindingType]] = [
        # Span (s, t) and document (S, T) keys share one footer entry each: room for more.
        Binding(
            "s",
            "span_stance",
            "Stance",
            id="annotate.span-stance",
            tooltip="Span stance",
            group=STANCE_KEYS,
        ),
        Binding("S", "doc_stance", "Doc stance", id="annotate.doc-stance", group=STANCE_KEYS),
        Binding(
            "t",
            "span_topics",
            "Topics",
            id="annotate.span-topics",
            tooltip="Span topics",
            group=TOPIC_KEYS,
        ),
        Binding("T", "doc_topics", "Doc topics", id="annotate.doc-topics", group=TOPIC_KEYS),
        Binding("tab", "next_span", "Next span", show=False, id="annotate.next-span"),
        Binding("shift+tab", "previous_span", "Prev span", show=False, id="annotate.prev-span"),
        Binding("delete,backspace", "delete_span", "Delete", show=False, id="annotate.delete-span"),
        Binding(
            "greater_than_sign", "resize('end', 1)", "Grow end", show=False, id="annotate.grow-end"
        ),
        Binding(
            "less_than_sign",
            "resize('end', -1)",
            "Shrink end",
            show=False,
            id="annotate.shrink-end",
        ),
        Binding(
            "alt+left", "resize('start', -1)", "Grow start", show=False, id="annotate.grow-start"
        ),
        Binding(
            "alt+right",
            "resize('start', 1)",
            "Shrink start",
            show=False,
            id="annotate.shrink-start",
        ),
        Binding("ctrl+z,u", "undo", "Undo", id="annotate.undo"),
        Binding("ctrl+y,U", "redo", "Redo", show=False, id="annotate.redo"),
        Binding("d", "done", "Done", id="annotate.done", tooltip="Done → next"),
        Binding("x", "skip", "Skip", show=False, id="annotate.skip"),
        Binding("n", "neighbour(1)", "Next doc", show=False, id="annotate.next-document"),
        Binding("p", "neighbour(-1)", "Prev doc", show=False, id="annotate.previous-document"),
        Binding("o", "note", "Note", show=False, id="annotate.note"),
        Binding("slash", "find", "Find", show=False, id="annotate.find"),
        Binding("l", "span_list", "Span list", show=False, id="annotate.span-list"),
        Binding("enter", "jump_to_listed", "Go to span", show=False, id="annotate.span-list-jump"),
        Binding(
            "escape", "focus_article", "Back to the article", show=False, id="annotate.article"
        ),
    ]
    PANEL: ClassVar[type[SidePanel]] = SidePanel
    HELP_INTRO = ""
    ALL_DONE = "Every document is done or skipped."
    """Said when done or skip finds no unfinished document left."""

    class Saved(Message):
        """A change reached the database."""

        def __init__(self, saved: Saved) -> None:
            super().__init__()
            self.saved = saved

    class SaveFailed(Message):
        """A change did not reach the database."""

        def __init__(self, error: BaseException, *, acknowledges: bool = False) -> None:
            super().__init__()
            self.error = error
            self.acknowledges = acknowledges
            """It answers a submitted change (not the time kept in the background)."""

    def __init__(
        self,
        session: AnnotationSession,
        *,
        order: tuple[int, ...] | None = None,
    ) -> None:
        """``order``: the documents done and n/p follow (None: all, by name). A session that
        is open already is shown in the first frame; else it is opened in a worker."""
        super().__init__()
        self.session = session
        """The open annotation and its rules; the screen shows its saved state."""
        self.store = session.store
        self.order = order
        self._load_failed = False
        self._leaving = False
        """Another document is being chosen (done, skip, next, previous)."""
        self._refused_chooser: RefusedChooser | None = None
        self._shown: AnnotationInfo | None = None
        self._document_shown: object = None
        """What the side panel's document block shows (its labels and suggestions)."""
        """The saved state last shown (only what changed since is redrawn)."""
        self._last_query = ""
        self._last_input = time.monotonic()
        self._unsaved_seconds = 0.0

    # -- what tests and the app read ----------------------------------------------------------

    @property
    def document(self) -> DocumentData | None:
        """The document, once shown."""
        return self.session.document if self._shown is not None else None

    @property
    def annotation(self) -> AnnotationInfo | None:
        """The annotation as last saved and shown."""
        return self._shown

    @property
    def busy(self) -> bool:
        """Loading, saving or leaving: what the next key does depends on a result still to
        come, so the app holds keys until it is shown (see ``workbench.tui.typeahead``)."""
        loading = self.session.state is None and not self._load_failed
        return loading or self.session.pending > 0 or self._leaving

    def swallows(self, key: str) -> bool:
        """A key meant for a chooser that could not open does nothing (and says so)."""
        refused = self._refused_chooser
        if refused is None:
            return False
        if refused.takes(key):
            self._status(f"{key} did nothing: {refused.reason}", error=True)
            return True
        self._refused_chooser = None
        return False

    # -- building -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Frame(id="annotate-top"):
            yield Header()
        with Body(id="annotate-body"):
            yield DocumentView(id="document")
            with Frame(id="side-box"):
                yield self.PANEL(self.store.scheme, id="side")
        with Frame(id="annotate-bottom"):
            yield Static("Loading…", id="status-line", markup=False)
            yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        bind_keys(self, label_bindings(self.store.scheme.claim_type))
        view = self.query_one(DocumentView)
        view.set_colors({label.name: label.color for label in self.store.scheme.claim_type})
        self.set_interval(TIME_FLUSH_S, self._flush_time)
        if self.session.state is not None:
            self._loaded()
        else:
            self.load()

    @work(thread=True, exit_on_error=False, name="load")
    def load(self) -> None:
        """Read the document and the annotation (created if missing)."""
        self.session.open()
        self.app.call_from_thread(self._loaded)

    def _loaded(self) -> None:
        document, annotation = self.session.document, self.session.state
        assert document is not None and annotation is not None
        view = self.query_one(DocumentView)
        view.set_document(document.text, document.tokens)
        self._show(annotation, fresh=True)
        self.set_focus(view)
        self._status(
            f"{document.name}: {len(document.tokens):,} tokens, {len(annotation.spans)} spans"
        )
        self._settled()

    # -- showing ------------------------------------------------------------------------------

    def _show(self, annotation: AnnotationInfo, *, fresh: bool = False) -> None:
        """Show the saved state: spans in the view, the side panel."""
        previous, self._shown = (None if fresh else self._shown), annotation
        if previous is None or previous.spans != annotation.spans:
            self.query_one(DocumentView).set_spans(annotation.spans)
        suggested = self._document_suggested()
        shown = (document_labels(annotation), suggested)
        if previous is None or shown != self._document_shown:
            self._document_shown = shown
            self.query_one(SidePanel).show_document(annotation, suggested)
        self._show_focus()
        self._list_spans()

    def _list_spans(self) -> None:
        if self.document is not None and self.annotation is not None:
            focus = self.query_one(DocumentView).focused_span
            self.query_one(SidePanel).show_spans(self.annotation.spans, self.document.text, focus)

    def _show_focus(self) -> None:
        if self.document is not None:
            focus = self.query_one(DocumentView).focused_span
            suggestion = self._focus_suggestion()
            self.query_one(SidePanel).show_focus(focus, self.document.text, suggestion)

    def _document_suggested(self) -> tuple[SuggestionInfo, ...]:
        """The pending document suggestions the side panel lists (none here)."""
        return ()

    def _focus_suggestion(self) -> SuggestionInfo | None:
        """The pending span suggestion under the cursor, for the side panel (none here)."""
        return None

    def _status(self, message: str, *, error: bool = False) -> None:
        line = self.query_one("#status-line", Static)
        width = max(line.size.width - 2, 20) if line.size.width else 78
        line.update(fit_words(message, width), layout=False)  # one line: no layout pass
        line.set_class(error, "-error")

    def on_document_view_cursor_moved(self, _message: DocumentView.CursorMoved) -> None:
        self._show_focus()

    def on_document_view_span_clicked(self, _message: DocumentView.SpanClicked) -> None:
        self._show_focus()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_BELOW, "-narrow")

    def on_key(self, _event: events.Key) -> None:
        self._count_activity()

    def on_mouse_down(self, _event: events.MouseDown) -> None:
        self._count_activity()

    # -- the span list ------------------------------------------------------------------------

    def action_span_list(self) -> None:
        """Move the keys to the list of spans (up/down, enter jumps to one, escape returns);
        on a narrow terminal the list opens over the article."""
        if self.has_class("-narrow"):
            self.add_class("-panel-open")
        self.set_focus(self.query_one(SpanList))  # at once: typed-ahead keys follow

    def action_focus_article(self) -> None:
        """Give the keys back to the article (closing the list opened over it)."""
        self.remove_class("-panel-open")
        self.set_focus(self.query_one(DocumentView))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Enter belongs to the span list, and is a screen key (not a message from the list)
        # so that the jump and the focus change happen before the next key is read.
        if action == "jump_to_listed":
            return isinstance(self.focused, SpanList)
        return True

    def action_jump_to_listed(self) -> None:
        """Jump to the row highlighted in the list; the keys go back to the article."""
        row = self.query_one(SpanList).highlighted_row
        if row is not None:
            self._jump_to(row)

    def on_span_list_selected(self, event: SpanList.Selected) -> None:
        """A click in the span list jumps to that row."""
        self._jump_to(event.row)

    def _jump_to(self, row: object) -> None:
        if isinstance(row, SpanInfo):
            self.query_one(DocumentView).focus_span(row)
            self.action_focus_article()

    def on_side_panel_choose_requested(self, message: SidePanel.ChooseRequested) -> None:
        actions = {
            ("document", "stance"): self.action_doc_stance,
            ("document", "topics"): self.action_doc_topics,
            ("span", "stance"): self.action_span_stance,
            ("span", "topics"): self.action_span_topics,
        }
        actions[(message.target, message.kind)]()

    # -- saving -------------------------------------------------------------------------------

    def make(self, outcome: Outcome) -> bool:
        """Submit a rule's change (True), or say why it was refused (False)."""
        if isinstance(outcome, Refused):
            self._status(outcome.reason, error=True)
            return False
        if isinstance(outcome, Confirm):
            raise TypeError("a question must be asked before the change is made")
        if self.session.state is None:
            return False
        if outcome.cursor is not None:
            self.query_one(DocumentView).move_cursor_to(outcome.cursor)
        if outcome.leaves:
            self._leaving = True
        # Posting is thread-safe and never blocks, so the writer cannot wait on a busy UI
        # (nor on one that is closing and waiting for the writer).
        self.session.submit(
            outcome,
            lambda saved: self.post_message(self.Saved(saved)),
            lambda error: self.post_message(self.SaveFailed(error, acknowledges=True)),
        )
        if outcome.leaves:
            self.open_next(unfinished=True)
        return True

    def _make(self, outcome: Outcome) -> None:
        self.make(outcome)

    def on_editing_screen_saved(self, message: EditingScreen.Saved) -> None:
        saved = message.saved
        try:
            annotation = self.session.acknowledge(saved)
            if saved.change.clears_selection:
                view = self.query_one(DocumentView)
                view.move_cursor_to(view.cursor)
            self._show(annotation)
            self._status(f"saved: {saved.description}")
        finally:
            self._settled()

    def on_editing_screen_save_failed(self, message: EditingScreen.SaveFailed) -> None:
        if message.acknowledges:
            self.session.failed()
            self.call_later(self._settled)
        error = message.error
        text = str(error) if isinstance(error, WorkbenchError) else repr(error)
        self._status(f"not saved: {text}", error=True)
        if not isinstance(error, WorkbenchError):
            self.notify(text, title="Error", severity="error", timeout=10, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A load or a move to another document failed (ShowsWorkerErrors shows it): stop
        holding keys for it, so that q and the rest work again."""
        super().on_worker_state_changed(event)
        if event.state != WorkerState.ERROR:
            return
        if event.worker.name == "load":
            self._load_failed = True
        elif event.worker.name == "open-next":
            self._leaving = False
        self._settled()

    def _settled(self) -> None:
        """Tell the app when keys held while this screen was busy can go on."""
        if not self.busy:
            self.post_message(Settled())

    # -- edits --------------------------------------------------------------------------------

    @property
    def _view(self) -> DocumentView:
        return self.query_one(DocumentView)

    def action_label(self, name: str) -> None:
        """Label the selection (or the token under the cursor); relabel the span there."""
        view = self._view
        self.make(self.session.label(name, view.selection(), view.cursor, view.focused_span))

    def action_delete_span(self) -> None:
        self.make(self.session.delete(self._view.focused_span))

    def action_resize(self, edge: Edge, delta: int) -> None:
        """Move an edge of the span under the cursor by a token (``start``/``end``, ±1)."""
        self.make(self.session.resize(self._view.focused_span, edge, delta))

    def _step_span(self, step: int) -> None:
        view = self._view
        span = self.session.neighbour_span(view.focused_span, view.cursor, step)
        if span is None:
            self._status("no spans yet")
            return
        view.focus_span(span)
        self._show_focus()

    def action_next_span(self) -> None:
        self._step_span(1)

    def action_previous_span(self) -> None:
        self._step_span(-1)

    def _no_labels(self, kind: str) -> bool:
        """Whether the scheme has no labels of ``kind`` (a spans-only project): the chooser
        would be empty, so the status line says why it does not open."""
        labels = self.store.scheme.stance if kind == "stance" else self.store.scheme.topics
        if labels:
            return False
        what = "stances" if kind == "stance" else "topics"
        self._status(f"the scheme has no {what}: add [[{kind}]] entries to use them", error=True)
        return True

    def _open_chooser(self, kind: str, target: SpanInfo | Refused | None) -> bool:
        """Whether a chooser can open; if not, its keys typed next do nothing."""
        if self._no_labels(kind):
            return False
        if isinstance(target, Refused):
            labels = self.store.scheme.labels("stance" if kind == "stance" else "topics")
            self._refused_chooser = RefusedChooser.of(
                (label.key for label in labels), target.reason, single=kind == "stance"
            )
            self._status(target.reason, error=True)
            return False
        return True

    def action_span_stance(self) -> None:
        target = self.session.span_target(self._view.focused_span)
        if not self._open_chooser("stance", target) or not isinstance(target, SpanInfo):
            return
        span = target

        def chosen(name: str | None) -> None:
            if name is not None:
                self.make(self.session.span_stance(span, name or None))

        selected = [span.stance] if span.stance else []
        self.app.push_screen(
            LabelChooser(f"Stance of the {span.label} span", self.store.scheme.stance, selected),
            chosen,
        )

    def action_span_topics(self) -> None:
        target = self.session.span_target(self._view.focused_span)
        if not self._open_chooser("topics", target) or not isinstance(target, SpanInfo):
            return
        span = target
        self.app.push_screen(
            LabelChooser(
                f"Topics of the {span.label} span",
                self.store.scheme.topics,
                span.topics,
                multi=True,
                on_toggle=lambda topic: self._make(self.session.toggle_span_topic(span, topic)),
            )
        )

    def action_doc_stance(self) -> None:
        annotation = self.annotation
        if annotation is None or self._no_labels("stance"):
            return

        def chosen(name: str | None) -> None:
            if name is not None:
                self.make(self._pick_stance(name or None))

        selected = [annotation.stance] if annotation.stance else []
        self.app.push_screen(
            LabelChooser(
                "Stance of the document",
                self.store.scheme.stance,
                selected,
                suggested=self._suggested("stance"),
            ),
            chosen,
        )

    def action_doc_topics(self) -> None:
        annotation = self.annotation
        if annotation is None or self._no_labels("topics"):
            return
        suggested = self._suggested("topic")
        self.app.push_screen(
            LabelChooser(
                "Topics of the document",
                self.store.scheme.topics,
                annotation.topics,
                multi=True,
                on_toggle=lambda topic: self._make(self._pick_topic(topic)),
                suggested=suggested,
                on_reject=(lambda: self._make(self._reject_topics())) if suggested else None,
            )
        )

    # The document choosers' hooks: the annotation screen offers suggestions in them.

    def _suggested(self, kind: str) -> dict[str, str]:
        """Label name -> what suggests it (source and score), for the ``stance`` or
        ``topic`` chooser; none here."""
        return {}

    def _pick_stance(self, stance: str | None) -> Outcome:
        return self.session.document_stance(stance)

    def _pick_topic(self, topic: str) -> Outcome:
        return self.session.toggle_document_topic(topic)

    def _reject_topics(self) -> Outcome:
        return Refused("no pending topic suggestions")

    def action_undo(self) -> None:
        self.make(self.session.undo())

    def action_redo(self) -> None:
        self.make(self.session.redo())

    def action_note(self) -> None:
        annotation = self.annotation
        if annotation is None:
            return

        def written(note: str | None) -> None:
            if note is not None:
                self.make(self.session.note(note))

        self.app.push_screen(NoteDialog(annotation.note), written)

    def action_find(self) -> None:
        """Ask for text, then select its next match after the cursor (wrapping)."""
        if self.document is None:
            return

        def search(query: str | None) -> None:
            if not query or self.document is None:
                return
            self._last_query = query
            view = self._view
            tokens = self.document.tokens
            after = int(tokens.starts[view.cursor]) if len(tokens) else 0
            match = find_next(self.document.text, query, after)
            if match is None:
                self._status(f"“{query}” is not in this document")
                return
            span = tokens.align(match.start, match.end, "expand")
            if span is not None:
                view.select_range(*span)
            self._status(f"“{query}”: match {match.number} of {match.total}")

        self.app.push_screen(FindDialog(self._last_query), search)

    # -- finishing and moving on --------------------------------------------------------------

    def action_done(self) -> None:
        outcome = self.session.done()
        if isinstance(outcome, Confirm):

            def answered(yes: bool | None) -> None:
                if yes:
                    self.make(self.session.done(confirmed=True))
                else:
                    self._status("not marked done")

            self.app.push_screen(ConfirmDialog(outcome.question), answered)
            return
        self.make(outcome)

    def action_skip(self) -> None:
        self.make(self.session.skip())

    def action_neighbour(self, step: int) -> None:
        self._leaving = True
        self.open_next(step=step)

    def _stay(self, message: str) -> None:
        """No other document to go to: keys go on here."""
        self._leaving = False
        self._status(message)
        self._settled()

    @work(thread=True, exit_on_error=False, name="open-next")
    def open_next(self, *, unfinished: bool = False, step: int = 1) -> None:
        """Open the next unfinished document, or the next/previous one."""
        target = self.session.next_document(unfinished=unfinished, step=step, order=self.order)
        if target is not None:
            self.app.call_from_thread(self.post_message, OpenRequested(target, self.order))
        elif unfinished:
            self.app.call_from_thread(self.notify, self.ALL_DONE)
            self.app.call_from_thread(self._stay, self.ALL_DONE)
            self.app.call_from_thread(self.action_back)
        else:
            self.app.call_from_thread(self._stay, "no more documents that way")

    def action_back(self) -> None:
        self._leaving = True  # keys typed next are for the list: held until it is up
        self.post_message(BackRequested())

    # -- time ---------------------------------------------------------------------------------

    def _count_activity(self) -> None:
        now = time.monotonic()
        gap = now - self._last_input
        if gap < IDLE_AFTER_S:
            self._unsaved_seconds += gap
        self._last_input = now

    def _flush_time(self) -> None:
        seconds, self._unsaved_seconds = self._unsaved_seconds, 0.0
        self.session.add_time(seconds, lambda error: self.post_message(self.SaveFailed(error)))

    def on_unmount(self) -> None:
        self._flush_time()
        self.session.close()
        # Once this screen has left the stack, keys held for it go on to what is on top.
        self.app.call_later(self.app.post_message, Settled())
