"""The annotation screen: one annotator's annotation of one document, every change saved."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from workbench.session import AnnotationSession, Outcome, Refused
from workbench.store import AnnotationInfo, AnnotatorInfo, Store, SuggestionInfo
from workbench.tui.screens.editing import EditingScreen


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
    ) -> None:
        """``session``: one already read (see :func:`read_session`); else it is read when
        the screen is mounted."""
        super().__init__(session or AnnotationSession(store, annotator, document_id))
        self.annotator = annotator
        """Whose annotation this is: only their labels are shown or changed."""
        self.document_id = document_id

    # -- suggestions --------------------------------------------------------------------------

    def _show(self, annotation: AnnotationInfo, *, fresh: bool = False) -> None:
        super()._show(annotation, fresh=fresh)
        shown = self.show_suggestions and self.allow_suggestions
        pending = self.session.pending_suggestions if shown else []
        self._view.set_marks((s.token_start or 0, s.token_end or 0, s.label) for s in pending)
        active = self.allow_suggestions and bool(self.session.pending_suggestions)
        if active != self._keys_shown:
            self._keys_shown = active
            self.refresh_bindings()

    _keys_shown = False

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
        self.sub_title = f"{self.document.name} · {self.annotator.name}"
        resume = self.session.resume_span  # back where the annotator left off
        if resume is not None:
            self._view.focus_span(resume)
            self._show_focus()
