"""The annotation screen: one annotator's annotation of one document, every change saved."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from workbench.session import AnnotationSession
from workbench.store import AnnotatorInfo, Store
from workbench.tui.screens.editing import EditingScreen


def read_session(store: Store, annotator: AnnotatorInfo, document_id: int) -> AnnotationSession:
    """A session whose document and annotation (created if missing) are read, so that the
    screen's first frame shows the article. It writes: call it from a worker thread."""
    session = AnnotationSession(store, annotator, document_id)
    session.open()
    return session


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
    ]

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

    def _loaded(self) -> None:
        super()._loaded()
        assert self.document is not None
        self.sub_title = f"{self.document.name} · {self.annotator.name}"
        resume = self.session.resume_span  # back where the annotator left off
        if resume is not None:
            self._view.focus_span(resume)
            self._show_focus()
