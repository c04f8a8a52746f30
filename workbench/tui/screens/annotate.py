"""The annotation screen: the article, a token cursor, label hotkeys, and every change saved."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState

from workbench.errors import WorkbenchError
from workbench.store import AnnotationInfo, AnnotatorInfo, DocumentData, SpanInfo, Store
from workbench.tui.failures import ShowsWorkerErrors
from workbench.tui.screens.choose import LabelChooser
from workbench.tui.screens.find import FindDialog, find_next
from workbench.tui.screens.note import NoteDialog
from workbench.tui.widgets.document_view import DocumentView
from workbench.tui.widgets.side_panel import SidePanel
from workbench.tui.widgets.span_list import SpanList, excerpt
from workbench.tui.writer import OrderedWriter

IDLE_AFTER_S = 60.0
"""Time between two key presses longer than this is not counted as annotation time."""
TIME_FLUSH_S = 30.0
NARROW_BELOW = 100
"""Terminal width under which the side panel moves below the article."""


def read_document(
    store: Store, annotator: AnnotatorInfo, document_id: int
) -> tuple[DocumentData, AnnotationInfo]:
    """A document and the annotator's annotation of it (created if missing): what the
    screen shows. It writes, so call it from a worker thread."""
    return store.document(document_id), store.annotation(document_id, annotator.id)


class _Body(Horizontal):
    """The article beside the side panel. Its children cover it, so it draws nothing of its
    own (``BLANK``): each frame composites the widgets it overlaps, and this one is free."""

    BLANK = True


class _Frame(Container):
    """A box that draws nothing, around widgets that rarely change. Textual composites every
    widget whose clipping box overlaps what changed; a widget in a box of its own is clipped
    to that box, so a key that changes one line of the article skips it."""

    BLANK = True


class AnnotateScreen(ShowsWorkerErrors, Screen[None]):
    """One document for one annotator. The scheme's claim-type hotkeys label the selection
    (or the token under the cursor) or relabel the span under the cursor; choosers set stance
    and topics; each change goes to the database at once, in order, off the UI thread."""

    BLANK = True
    """Its widgets cover it whole: no background of its own to draw in each frame."""
    PANEL: ClassVar[type[SidePanel]] = SidePanel
    """The side panel's class (the review screen shows votes in its own)."""
    HELP_INTRO = (
        "Move with the arrows, shift+arrows select, a claim-type key labels the selection or "
        "the token under the cursor (or relabels the span there). Every change is saved at once."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "span_stance", "Span stance", id="annotate.span-stance"),
        Binding("t", "span_topics", "Span topics", id="annotate.span-topics"),
        Binding("S", "doc_stance", "Doc stance", id="annotate.doc-stance"),
        Binding("T", "doc_topics", "Doc topics", id="annotate.doc-topics"),
        Binding("tab", "next_span", "Next span", show=False, id="annotate.next-span"),
        Binding("shift+tab", "previous_span", "Prev span", show=False, id="annotate.prev-span"),
        Binding("delete,backspace", "delete_span", "Delete", id="annotate.delete-span"),
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
        Binding("d", "done", "Done → next", id="annotate.done"),
        Binding("x", "skip", "Skip", show=False, id="annotate.skip"),
        Binding("n", "neighbour(1)", "Next doc", show=False, id="annotate.next-document"),
        Binding("p", "neighbour(-1)", "Prev doc", show=False, id="annotate.previous-document"),
        Binding("o", "note", "Note", show=False, id="annotate.note"),
        Binding("slash", "find", "Find", show=False, id="annotate.find"),
        Binding("l", "span_list", "Span list", show=False, id="annotate.span-list"),
        Binding("enter", "jump_to_listed", "Go to span", id="annotate.span-list-jump"),
        Binding(
            "escape", "focus_article", "Back to the article", show=False, id="annotate.article"
        ),
        Binding("q", "back", "List", id="annotate.back"),
    ]

    def __init__(
        self,
        store: Store,
        annotator: AnnotatorInfo,
        document_id: int,
        loaded: tuple[DocumentData, AnnotationInfo] | None = None,
    ) -> None:
        """``loaded``: the document and the annotation, when the caller has read them already
        (the first frame then shows the article, with no round trip to a worker)."""
        super().__init__()
        self._preloaded = loaded
        self.store = store
        self.annotator = annotator
        """Whose annotation this is: only their labels are shown or changed."""
        self.document_id = document_id
        self.document: DocumentData | None = None
        self.annotation: AnnotationInfo | None = None
        """The annotation as last saved (what the screen shows)."""
        self.writer = OrderedWriter()
        self._unacknowledged = 0
        """Changes handed to the writer whose Saved (or SaveFailed) has not been handled."""
        self._leaving = False
        """Another document is being chosen (done, skip, next, previous)."""
        self._load_failed = False
        self._last_query = ""
        self._last_input = time.monotonic()
        self._unsaved_seconds = 0.0
        self._last_flush = time.monotonic()

    def compose(self) -> ComposeResult:
        with _Frame(id="annotate-top"):
            yield Header()
        with _Body(id="annotate-body"):
            yield DocumentView(id="document")
            with _Frame(id="side-box"):
                yield self.PANEL(self.store.scheme, id="side")
        with _Frame(id="annotate-bottom"):
            yield Static("Loading…", id="status-line", markup=False)
            yield Footer()

    def on_mount(self) -> None:
        for label in self.store.scheme.claim_type:
            self._bindings.bind(
                label.key, f"label('{label.name}')", f"Label {label.name}", show=False
            )
        view = self.query_one(DocumentView)
        view.set_colors({label.name: label.color for label in self.store.scheme.claim_type})
        self.set_interval(TIME_FLUSH_S, self._flush_time)
        if self._preloaded is not None:
            self._loaded(*self._preloaded)
            self._preloaded = None
        else:
            self.load()

    @work(thread=True, exit_on_error=False, name="load")
    def load(self) -> None:
        """Read the document and this annotator's annotation (created if missing)."""
        loaded = read_document(self.store, self.annotator, self.document_id)
        self.app.call_from_thread(self._loaded, *loaded)

    def _loaded(self, document: DocumentData, annotation: AnnotationInfo) -> None:
        self.document = document
        self.sub_title = f"{document.name} · {self.annotator.name}"
        view = self.query_one(DocumentView)
        view.set_document(document.text, document.tokens)
        self._show(annotation)
        self.set_focus(view)
        self._status(
            f"{document.name}: {len(document.tokens):,} tokens, {len(annotation.spans)} spans"
        )
        self._settled()

    # -- showing ------------------------------------------------------------------------------

    def _show(self, annotation: AnnotationInfo) -> None:
        """Show the saved state: spans in the view, the side panel."""
        previous = self.annotation
        self.annotation = annotation
        view = self.query_one(DocumentView)
        if previous is None or previous.spans != annotation.spans:
            view.set_spans(annotation.spans)
        if previous is None or _document_labels(previous) != _document_labels(annotation):
            self.query_one(SidePanel).show_document(annotation)
        self._show_focus()
        self._list_spans()

    def _list_spans(self) -> None:
        if self.document is not None and self.annotation is not None:
            focus = self.query_one(DocumentView).focused_span
            self.query_one(SidePanel).show_spans(
                self.annotation.spans, self.document.text, focus.id if focus else None
            )

    def _show_focus(self) -> None:
        if self.document is not None:
            focus = self.query_one(DocumentView).focused_span
            self.query_one(SidePanel).show_focus(focus, self.document.text)

    def _status(self, message: str, *, error: bool = False) -> None:
        line = self.query_one("#status-line", Static)
        line.update(message, layout=False)  # one line, always: no layout pass
        line.set_class(error, "-error")

    def on_document_view_cursor_moved(self, _message: DocumentView.CursorMoved) -> None:
        self._show_focus()

    def on_document_view_span_clicked(self, message: DocumentView.SpanClicked) -> None:
        self._show_focus()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_BELOW, "-narrow")

    def action_span_list(self) -> None:
        """Move the keys to the list of spans (up/down, enter jumps to one, escape returns)."""
        span_list = self.query_one(SpanList)
        if not span_list.display:
            self.notify(
                "The span list is hidden at this width: tab and shift+tab go through the spans."
            )
            return
        self.set_focus(span_list)  # at once (Widget.focus waits a turn): typed-ahead keys follow

    def action_focus_article(self) -> None:
        """Give the keys back to the article."""
        self.set_focus(self.query_one(DocumentView))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Enter belongs to the span list, and is a screen key (not a message from the list)
        # so that the jump and the focus change happen before the next key is read.
        if action == "jump_to_listed":
            return isinstance(self.focused, SpanList)
        return True

    def action_jump_to_listed(self) -> None:
        """Jump to the span highlighted in the list; the keys go back to the article."""
        span = self.query_one(SpanList).highlighted_span
        if span is not None:
            self._jump_to(span.id)

    def on_span_list_selected(self, event: SpanList.Selected) -> None:
        """A click in the span list jumps to that span."""
        self._jump_to(event.span_id)

    def _jump_to(self, span_id: int) -> None:
        span = self._span(span_id)
        if span is not None:
            view = self.query_one(DocumentView)
            view.move_cursor_to(span.token_start)
            self.set_focus(view)

    def on_side_panel_choose_requested(self, message: SidePanel.ChooseRequested) -> None:
        actions = {
            ("document", "stance"): self.action_doc_stance,
            ("document", "topics"): self.action_doc_topics,
            ("span", "stance"): self.action_span_stance,
            ("span", "topics"): self.action_span_topics,
        }
        actions[(message.target, message.kind)]()

    def on_key(self, _event: events.Key) -> None:
        self._count_activity()

    def on_mouse_down(self, _event: events.MouseDown) -> None:
        self._count_activity()

    # -- saving -------------------------------------------------------------------------------

    def save(
        self,
        describe: str,
        change: Callable[[int], Any],
        *,
        removes: bool = False,
        clears_selection: bool = False,
    ) -> None:
        """Apply ``change(annotation_id)`` in the writer thread, then show the saved state.

        A span change returns the span as saved, and only that span is merged into what is
        shown (re-reading a thousand spans after each key would cost more than the change);
        ``removes`` says the returned span was deleted. Undo and redo re-read the annotation.
        """
        if self.annotation is None:
            return
        annotation_id = self.annotation.id
        self._unacknowledged += 1

        def job() -> tuple[AnnotationInfo | SpanInfo, str]:
            result = change(annotation_id)
            if isinstance(result, AnnotationInfo | SpanInfo):
                return result, describe
            said = getattr(result, "description", None)  # an undo or redo says what it did
            return self.store.get_annotation(annotation_id), said or describe

        # Posting is thread-safe and never blocks, so the writer cannot wait on a busy UI
        # (nor on one that is closing and waiting for the writer).
        self.writer.submit(
            job,
            lambda saved: self.post_message(
                self.Saved(*saved, removes=removes, clears_selection=clears_selection)
            ),
            lambda error: self.post_message(self.SaveFailed(error, acknowledges=True)),
        )

    @property
    def busy(self) -> bool:
        """Loading, saving or leaving: what the next key does depends on a result still to
        come, so the app holds keys until it is shown (see ``WorkbenchApp.on_key``)."""
        loading = self.annotation is None and not self._load_failed
        return loading or self._unacknowledged > 0 or self._leaving

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A load or a move to another document failed (ShowsWorkerErrors shows it): stop
        holding keys for it, so that q and the rest work again."""
        if event.state != WorkerState.ERROR:
            return
        if event.worker.name == "load":
            self._load_failed = True
        elif event.worker.name == "open-next":
            self._leaving = False
        self._settled()

    def _settled(self) -> None:
        """Let keys held while this screen was busy go on, once it is not."""
        release = getattr(self.app, "release_keys", None)
        if not self.busy and callable(release):
            release()

    class Saved(Message):
        """A change reached the database: the annotation as saved, or the one span it touched."""

        def __init__(
            self,
            saved: AnnotationInfo | SpanInfo,
            description: str,
            *,
            removes: bool = False,
            clears_selection: bool = False,
        ) -> None:
            super().__init__()
            self.saved = saved
            self.description = description
            self.removes = removes
            self.clears_selection = clears_selection

    class SaveFailed(Message):
        """A change did not reach the database."""

        def __init__(self, error: BaseException, *, acknowledges: bool = False) -> None:
            super().__init__()
            self.error = error
            self.acknowledges = acknowledges
            """It answers a change made with ``save`` (not the time kept in the background)."""

    def on_annotate_screen_saved(self, message: Saved) -> None:
        self._unacknowledged -= 1
        try:
            self._apply_saved(message)
        finally:
            self._settled()

    def _apply_saved(self, message: Saved) -> None:
        saved = message.saved
        if isinstance(saved, SpanInfo):
            if self.annotation is None:
                return
            saved = _merge(self.annotation, saved, removes=message.removes)
        if message.clears_selection:
            view = self.query_one(DocumentView)
            view.move_cursor_to(view.cursor)
        self._show(saved)
        self._status(f"saved: {message.description}")

    def on_annotate_screen_save_failed(self, message: SaveFailed) -> None:
        if message.acknowledges:
            self._unacknowledged -= 1
            self.call_later(self._settled)
        error = message.error
        message_text = str(error) if isinstance(error, WorkbenchError) else repr(error)
        self._status(f"not saved: {message_text}", error=True)
        if not isinstance(error, WorkbenchError):
            self.notify(message_text, title="Error", severity="error", timeout=10, markup=False)

    # -- spans --------------------------------------------------------------------------------

    def _span(self, span_id: int) -> SpanInfo | None:
        if self.annotation is None:
            return None
        return next((s for s in self.annotation.spans if s.id == span_id), None)

    def _blank(self, token: int) -> bool:
        """Whether a token is only whitespace (spaCy makes tokens of line breaks)."""
        assert self.document is not None
        start, end = self.document.tokens.char_span(token, token + 1)
        return not self.document.text[start:end].strip()

    def _chars(self, token_start: int, token_end: int) -> tuple[int, int] | None:
        """Character offsets of a token range with whitespace-only tokens trimmed off its ends."""
        assert self.document is not None
        while token_start < token_end and self._blank(token_start):
            token_start += 1
        while token_end > token_start and self._blank(token_end - 1):
            token_end -= 1
        if token_start >= token_end:
            return None
        return self.document.tokens.char_span(token_start, token_end)

    def action_label(self, name: str) -> None:
        """Label the selection (or the token under the cursor); relabel the span there."""
        if self.document is None:
            return
        view = self.query_one(DocumentView)
        selection = view.selection()
        focus = view.focused_span
        if selection is None and focus is not None:
            if focus.label == name:
                self._status(f"the span is already {name}")
                return
            self.save(
                f"{focus.label} → {name}", lambda a: self.store.relabel_span(a, focus.id, name)
            )
            return
        token_range = selection or (view.cursor, view.cursor + 1)
        chars = self._chars(*token_range)
        if chars is None:
            self._status("nothing to label here (only whitespace)", error=True)
            return
        start, end = chars
        words = excerpt(self.document.text, start, end)
        # The selection is cleared when the span is saved: one frame shows both, and a
        # failed save keeps the selection to try again.
        self.save(
            f"{name} “{words}”",
            lambda a: self.store.add_span(a, start, end, name),
            clears_selection=True,
        )

    def action_delete_span(self) -> None:
        focus = self.query_one(DocumentView).focused_span
        if focus is None:
            self._status("no span under the cursor to delete", error=True)
            return
        self.save(
            f"deleted {focus.label} span",
            lambda a: self.store.delete_span(a, focus.id),
            removes=True,
        )

    def action_resize(self, edge: str, delta: int) -> None:
        """Move an edge of the span under the cursor by a token (``start``/``end``, ±1)."""
        focus = self.query_one(DocumentView).focused_span
        if focus is None or self.document is None:
            self._status("no span under the cursor to resize", error=True)
            return
        count = len(self.document.tokens)
        token_start, token_end = focus.token_start, focus.token_end
        # Each press moves the edge by one token that is not just whitespace.
        if edge == "start":
            token_start += delta
            while 0 <= token_start < token_end and self._blank(token_start):
                token_start += delta
        else:
            token_end += delta
            while token_start < token_end <= count and self._blank(token_end - 1):
                token_end += delta
        if not 0 <= token_start < token_end <= count:
            self._status("the span cannot grow or shrink further", error=True)
            return
        start, end = self.document.tokens.char_span(token_start, token_end)
        # The cursor follows the moved edge, so the same span stays under it for the next press.
        view = self.query_one(DocumentView)
        view.move_cursor_to(token_start if edge == "start" else token_end - 1)
        self.save(
            f"resized {focus.label} span",
            lambda a: self.store.resize_span(a, focus.id, start, end),
        )

    def _jump(self, forward: bool) -> None:
        if self.annotation is None or not self.annotation.spans:
            self._status("no spans yet")
            return
        view = self.query_one(DocumentView)
        starts = sorted({s.token_start for s in self.annotation.spans})
        cursor = view.cursor
        ahead = [t for t in starts if t > cursor] if forward else [t for t in starts if t < cursor]
        target = (
            (ahead[0] if forward else ahead[-1])
            if ahead
            else (starts[0] if forward else starts[-1])
        )
        view.move_cursor_to(target)

    def action_next_span(self) -> None:
        self._jump(forward=True)

    def action_previous_span(self) -> None:
        self._jump(forward=False)

    # -- stance and topics --------------------------------------------------------------------

    def action_span_stance(self) -> None:
        focus = self.query_one(DocumentView).focused_span
        if focus is None:
            self._status("no span under the cursor: put the cursor on a span first", error=True)
            return

        def chosen(name: str | None) -> None:
            if name is not None:
                stance = name or None
                self.save(
                    f"span stance {stance or 'cleared'}",
                    lambda a: self.store.set_span_stance(a, focus.id, stance),
                )

        selected = [focus.stance] if focus.stance else []
        self.app.push_screen(
            LabelChooser(f"Stance of the {focus.label} span", self.store.scheme.stance, selected),
            chosen,
        )

    def action_span_topics(self) -> None:
        focus = self.query_one(DocumentView).focused_span
        if focus is None:
            self._status("no span under the cursor: put the cursor on a span first", error=True)
            return

        def toggle(topic: str) -> None:
            self.save(
                f"span topic {topic}", lambda a: self.store.toggle_span_topic(a, focus.id, topic)
            )

        self.app.push_screen(
            LabelChooser(
                f"Topics of the {focus.label} span",
                self.store.scheme.topics,
                focus.topics,
                multi=True,
                on_toggle=toggle,
            )
        )

    def action_doc_stance(self) -> None:
        if self.annotation is None:
            return

        def chosen(name: str | None) -> None:
            if name is not None:
                stance = name or None
                self.save(
                    f"document stance {stance or 'cleared'}",
                    lambda a: self.store.set_stance(a, stance),
                )

        selected = [self.annotation.stance] if self.annotation.stance else []
        self.app.push_screen(
            LabelChooser("Stance of the document", self.store.scheme.stance, selected), chosen
        )

    def action_doc_topics(self) -> None:
        if self.annotation is None:
            return

        def toggle(topic: str) -> None:
            self.save(f"document topic {topic}", lambda a: self.store.toggle_topic(a, topic))

        self.app.push_screen(
            LabelChooser(
                "Topics of the document",
                self.store.scheme.topics,
                self.annotation.topics,
                multi=True,
                on_toggle=toggle,
            )
        )

    # -- history, status, navigation ---------------------------------------------------------

    def action_undo(self) -> None:
        self.save("undo", self.store.undo)

    def action_redo(self) -> None:
        self.save("redo", self.store.redo)

    def action_note(self) -> None:
        if self.annotation is None:
            return

        def written(note: str | None) -> None:
            if note is not None:
                self.save("note", lambda a: self.store.set_note(a, note))

        self.app.push_screen(NoteDialog(self.annotation.note), written)

    def action_find(self) -> None:
        """Ask for text, then select its next match after the cursor (wrapping)."""
        if self.document is None:
            return

        def search(query: str | None) -> None:
            if not query or self.document is None:
                return
            self._last_query = query
            view = self.query_one(DocumentView)
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

    def action_done(self) -> None:
        self._finish("done")

    def action_skip(self) -> None:
        self._finish("skipped")

    def _finish(self, status: str) -> None:
        self.save(f"marked {status}", lambda a: self.store.set_status(a, status))
        self._leaving = True
        self.open_next(unfinished=True)

    def action_neighbour(self, step: int) -> None:
        self._leaving = True
        self.open_next(step=step)

    def _stay(self) -> None:
        """No other document to go to: keys go on here."""
        self._leaving = False
        self._settled()

    ALL_DONE = "Every document is done or skipped."
    """Said when done or skip finds no unfinished document left."""

    def _document_order(self) -> tuple[list[int], dict[int, str]]:
        """The documents in the order next and previous follow, and this annotator's status
        of each (by name; read in a worker)."""
        rows = self.store.list_documents(self.annotator.id)
        return [row.id for row in rows], {row.id: row.status for row in rows}

    @work(thread=True, exit_on_error=False, name="open-next")
    def open_next(self, *, unfinished: bool = False, step: int = 1) -> None:
        """Open the next unfinished document, or the next/previous one by name."""
        self.writer.drain()  # the status change must be saved before choosing what is next
        ids, status = self._document_order()
        here = ids.index(self.document_id) if self.document_id in ids else -1
        if unfinished:
            later = ids[here + 1 :] + ids[: max(here, 0)]
            target = next((i for i in later if status.get(i) in ("todo", "in_progress")), None)
            if target is None:
                self.app.call_from_thread(self.notify, self.ALL_DONE)
                self.app.call_from_thread(self._stay)
                self.app.call_from_thread(self.action_back)
                return
        else:
            index = here + step
            if not 0 <= index < len(ids):
                self.app.call_from_thread(self._status, "no more documents that way")
                self.app.call_from_thread(self._stay)
                return
            target = ids[index]
        self.app.call_from_thread(self._open, target)

    def _open(self, document_id: int) -> None:
        open_document = getattr(self.app, "open_document", None)
        if callable(open_document):
            open_document(document_id)

    def action_back(self) -> None:
        back_to_list = getattr(self.app, "back_to_list", None)
        if callable(back_to_list):
            back_to_list()
        else:
            self.app.pop_screen()

    # -- time ---------------------------------------------------------------------------------

    def _count_activity(self) -> None:
        now = time.monotonic()
        gap = now - self._last_input
        if gap < IDLE_AFTER_S:
            self._unsaved_seconds += gap
        self._last_input = now

    def _flush_time(self) -> None:
        seconds, self._unsaved_seconds = self._unsaved_seconds, 0.0
        if seconds > 0 and self.annotation is not None:
            annotation_id = self.annotation.id
            self.writer.submit(
                lambda: self.store.add_time(annotation_id, seconds),
                lambda _: None,
                lambda error: self.post_message(self.SaveFailed(error)),
            )

    def on_unmount(self) -> None:
        self._flush_time()
        self.writer.close()
        release = getattr(self.app, "release_keys", None)
        if callable(release):
            self.app.call_later(release)  # once this screen has left the stack


def _document_labels(annotation: AnnotationInfo) -> tuple[object, ...]:
    return (annotation.status, annotation.stance, annotation.topics, annotation.note)


def _merge(annotation: AnnotationInfo, span: SpanInfo, *, removes: bool) -> AnnotationInfo:
    """The annotation with one span added, replaced or removed, in the store's order."""
    spans = [s for s in annotation.spans if s.id != span.id]
    if not removes:
        spans.append(span)
    spans.sort(key=lambda s: (s.start, -s.end, s.id))
    # The store moves an annotation from todo to in progress on its first change.
    status = "in_progress" if annotation.status == "todo" else annotation.status
    return replace(annotation, spans=tuple(spans), status=status)
