"""The annotation screen: one annotator's annotation of one document, every change saved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.worker import Worker, WorkerState

from workbench.errors import WorkbenchError
from workbench.session import AnnotationSession, Change, Outcome, Refused, Written
from workbench.store import AnnotationInfo, AnnotatorInfo, FlagInfo, Store, SuggestionInfo
from workbench.store.flags import check_reason
from workbench.tui.screens.editing import EditingScreen
from workbench.tui.screens.flag import FlagDialog


def read_session(store: Store, annotator: AnnotatorInfo, document_id: int) -> AnnotationSession:
    """A session whose document and annotation (created if missing) are read, so that the
    screen's first frame shows the article. It writes: call it from a worker thread."""
    session = AnnotationSession(store, annotator, document_id)
    session.open()
    return session


SUGGESTION_KEYS = Binding.Group("Suggestion", compact=True)
"""The footer shows the suggestion keys as one group, and only while some are pending."""
SUGGESTION_ACTIONS = frozenset(
    {"step_suggestion", "accept_suggestion", "reject_suggestion", "accept_all_suggestions"}
)


class AnnotateScreen(EditingScreen):
    """One document for one annotator. The scheme's claim-type hotkeys label the selection
    (or the token under the cursor) or relabel the span under the cursor; choosers set stance
    and topics; each change goes to the database at once, in order, off the UI thread."""

    HELP_INTRO = (
        "Move with the arrows, shift+arrows select, a claim-type key labels the selection or "
        "the token under the cursor (or relabels the span there). Every change is saved at once."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "back", "List", id="annotate.back"),
        *(
            Binding(key, action, text, group=SUGGESTION_KEYS, id=f"annotate.{name}")
            for key, action, text, name in (
                ("j", "step_suggestion(1)", "Next suggestion", "next-suggestion"),
                ("k", "step_suggestion(-1)", "Prev suggestion", "prev-suggestion"),
                ("a", "accept_suggestion", "Accept", "accept-suggestion"),
                ("r", "reject_suggestion", "Reject", "reject-suggestion"),
            )
        ),
        Binding(
            "A",
            "accept_all_suggestions",
            "Accept all",
            show=False,
            id="annotate.accept-all-suggestions",
        ),
        Binding("v", "toggle_suggestions", "Suggestions", show=False, id="annotate.suggestions"),
        Binding(
            "asterisk",
            "suggest_occurrences",
            "Occurrences",
            show=False,
            id="annotate.occurrences",
        ),
        Binding("f", "flag", "Flag", id="annotate.flag", tooltip="Flag for the reviewer"),
    ]
    show_suggestions = True
    """Whether pending suggestions are drawn (v toggles; ``--no-suggestions`` starts without,
    and then no key acts on them)."""
    allow_suggestions = True
    min_score = 0.5
    """What ``A`` accepts: pending suggestions scoring at least this."""

    def __init__(
        self,
        store: Store,
        annotator: AnnotatorInfo,
        document_id: int,
        session: AnnotationSession | None = None,
        order: tuple[int, ...] | None = None,
    ) -> None:
        """``session``: one already read (see :func:`read_session`); else it is read when
        the screen is mounted. ``order``: the documents done and n/p follow (None: all)."""
        super().__init__(session or AnnotationSession(store, annotator, document_id), order=order)
        self.annotator = annotator
        """Whose annotation this is: only their labels are shown or changed."""
        self.document_id = document_id
        self.flag: FlagInfo | None = None
        """This annotator's own flag on the document (never another's), once read."""
        self._flag_known = False
        """The flag has been read since the document was opened."""
        self._flag_pending = False
        """The document is loaded and its flag is being read for the first time (a document
        that failed to load has no flag to wait for: its keys are not held)."""

    # -- suggestions --------------------------------------------------------------------------

    def _show(self, annotation: AnnotationInfo, *, fresh: bool = False) -> None:
        super()._show(annotation, fresh=fresh)
        shown = self.show_suggestions and self.allow_suggestions
        pending = self.session.pending_suggestions if shown else []
        if fresh or pending is not self._marked:  # the same list until a suggestion changes
            old, self._marked = self._marked, pending
            gone = None if fresh or old is None else self.session.decided_since(old)
            marks = pending if gone is None else gone
            ranges = ((s.token_start or 0, s.token_end or 0, s.label) for s in marks)
            if gone is None:
                self._view.set_marks(ranges)
            else:
                self._view.drop_marks(ranges)
        active = self.allow_suggestions and bool(self.session.pending_suggestions)
        if active != self._keys_shown:
            self._keys_shown = active
            self.refresh_bindings()

    _keys_shown = False
    _marked: list[SuggestionInfo] | None = None
    """The pending suggestions the view marks (drawing a thousand again costs a millisecond)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The span suggestion keys show in the footer and act only while some are pending
        # (and allowed): a document without suggestions keeps the footer's room for the rest.
        if action in SUGGESTION_ACTIONS and not self._keys_shown:
            return False
        return super().check_action(action, parameters)

    def _focus_suggestion(self) -> SuggestionInfo | None:
        return self._suggestion_here()

    def _document_suggested(self) -> tuple[SuggestionInfo, ...]:
        if not (self.show_suggestions and self.allow_suggestions):
            return ()
        return tuple(self.session.document_suggestions)

    def _suggested(self, kind: str) -> dict[str, str]:
        offered: dict[str, str] = {}
        for suggestion in self._document_suggested():
            if suggestion.kind == kind and suggestion.label not in offered:
                score = "" if suggestion.score is None else f" {suggestion.score:.2f}"
                offered[suggestion.label] = f"{suggestion.source}{score}"
        return offered

    def _pick_stance(self, stance: str | None) -> Outcome:
        if not self._document_suggested():
            return super()._pick_stance(stance)
        return self.session.choose_document_stance(stance)

    def _pick_topic(self, topic: str) -> Outcome:
        if not self._document_suggested():
            return super()._pick_topic(topic)
        return self.session.choose_document_topic(topic)

    def _reject_topics(self) -> Outcome:
        return self.session.reject_document_topics()

    def action_suggest_occurrences(self) -> None:
        if not self._refused_unaided():
            self.show_suggestions = True
            self.make(self.session.suggest_occurrences(self._view.focused_span))

    def _suggestion_here(self) -> SuggestionInfo | None:
        if not (self.show_suggestions and self.allow_suggestions):
            return None
        return self.session.suggestion_at(self._view.cursor)

    def _refused_unaided(self) -> bool:
        if not self.allow_suggestions:
            self._status("suggestions are off for this session (--no-suggestions)", error=True)
            return True
        return False

    def action_step_suggestion(self, step: int) -> None:
        if self._refused_unaided():
            return
        found = self.session.step_suggestion(self._view.cursor, step)
        if isinstance(found, Refused):
            self._status(found.reason, error=True)
            return
        self.show_suggestions = True
        self._view.move_cursor_to(found.token_start or 0)
        score = "" if found.score is None else f", score {found.score:.2f}"
        left = len(self.session.pending_suggestions)
        self._status(
            f"suggestion {found.label} from {found.source}{score} ({left} pending):"
            " a accept, r reject"
        )

    def action_accept_suggestion(self) -> None:
        if not self._refused_unaided():
            self.make(self.session.accept_suggestion(self._suggestion_here()))

    def action_reject_suggestion(self) -> None:
        if not self._refused_unaided():
            self.make(self.session.reject_suggestion(self._suggestion_here()))

    def action_accept_all_suggestions(self) -> None:
        if not self._refused_unaided():
            self.make(self.session.accept_all_suggestions(self.min_score))

    def action_toggle_suggestions(self) -> None:
        if self._refused_unaided():
            return
        self.show_suggestions = not self.show_suggestions
        if self.annotation is not None:
            self._show(self.annotation)
        self._status("suggestions shown" if self.show_suggestions else "suggestions hidden")

    def _loaded(self) -> None:
        super()._loaded()
        assert self.document is not None
        self._flag_pending = not self._flag_known
        self.read_flag()
        self.sub_title = f"{self.document.name} · {self.annotator.name}"
        resume = self.session.resume_span  # back where the annotator left off
        if resume is not None:
            self._view.focus_span(resume)
            self._show_focus()

    # -- flags --------------------------------------------------------------------------------

    class FlagRead(Message):
        """This annotator's flag on the document as it now is (read after a change to it)."""

        def __init__(self, flag: FlagInfo | None) -> None:
            super().__init__()
            self.flag = flag

    @property
    def busy(self) -> bool:
        """Also while the flag is first read: ``f`` typed ahead must find it as it is."""
        return super().busy or self._flag_pending

    @work(thread=True, exit_on_error=False, group="flag", name="read-flag")
    def read_flag(self) -> None:
        """Read this annotator's flag on the document (only their own: blind)."""
        annotation = self.session.state
        flag = self.store.flag_of(annotation.id) if annotation is not None else None
        self.app.call_from_thread(self._flag_read, flag)

    def _flag_read(self, flag: FlagInfo | None) -> None:
        first, self._flag_known, self._flag_pending = not self._flag_known, True, False
        self._show_flag(flag)
        if first and flag is not None:  # opened on a flagged document: say so once
            self._status(f"flagged for the reviewer: {flag.reason} (f changes or removes it)")
        self._settled()

    def _show_flag(self, flag: FlagInfo | None) -> None:
        self.flag = flag
        if self.document is not None:
            mark = " · ⚑ flagged" if flag is not None else ""
            self.sub_title = f"{self.document.name} · {self.annotator.name}{mark}"

    def on_annotate_screen_flag_read(self, message: AnnotateScreen.FlagRead) -> None:
        self._show_flag(message.flag)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed first read of the flag (the error is shown) stops holding keys for it."""
        if event.state == WorkerState.ERROR and event.worker.name == "read-flag":
            self._flag_known, self._flag_pending = True, False
            self._settled()

    def make(self, outcome: Outcome) -> bool:
        # An undo or a redo may take a flag back or bring it again: the flag is read after it.
        if isinstance(outcome, Change) and outcome.description in ("undo", "redo"):
            outcome = replace(outcome, write=self._reading_flag(outcome.write))
        return super().make(outcome)

    def _reading_flag(
        self, write: Callable[[Store, int], Written]
    ) -> Callable[[Store, int], Written]:
        """``write``, then a read of the flag, in the writer thread: its message arrives
        before the one that says the change is saved, so keys held until then find the flag
        as the change left it."""

        def job(store: Store, annotation: int) -> Written:
            result = write(store, annotation)
            self.post_message(self.FlagRead(store.flag_of(annotation)))
            return result

        return job

    def action_flag(self) -> None:
        """Flag the document for the reviewer with a reason, or change or remove the flag."""
        if self.annotation is None:
            return
        current = self.flag

        def written(reason: str | None) -> None:
            if reason is None:
                self._status("flag unchanged" if current else "not flagged")
            else:
                self.make(self._flag_change(current, reason))

        self.app.push_screen(FlagDialog(current.reason if current else None), written)

    def _flag_change(self, current: FlagInfo | None, reason: str) -> Change | Refused:
        """The change a reason typed in the dialog asks for: a flag, a new reason, or (an
        empty reason on a flagged document) the flag removed."""
        if not reason.strip():
            if current is None:
                return Refused("not flagged: a flag needs a reason (why should the reviewer look?)")

            def unflag(store: Store, annotation: int) -> AnnotationInfo:
                store.unflag_document(annotation)
                return store.get_annotation(annotation)

            return Change("flag removed", self._reading_flag(unflag))
        try:
            text = check_reason(reason)
        except WorkbenchError as exc:
            return Refused(str(exc))
        if current is not None and current.reason == text:
            return Refused("the flag's reason is unchanged")

        def flag(store: Store, annotation: int) -> AnnotationInfo:
            store.flag_document(annotation, text)
            return store.get_annotation(annotation)

        return Change(f"flagged for the reviewer: {text}", self._reading_flag(flag))
