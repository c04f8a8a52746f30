"""Adjudication: the reviewer builds a document's gold annotation from the annotators' work.

A shell over a :class:`ReviewSession`: every key of annotation works on the gold set (label,
resize, stance, topics, undo, done), plus what a reviewer needs: each annotator's spans listed
beside gold's with their votes, the votes under the cursor and on the document, a key that takes
the next span gold lacks, one that accepts a span as the annotators marked it, and one that
accepts the whole majority (one change, one undo step)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from workbench.review import Candidate, Vote, span_key
from workbench.scheme import Scheme
from workbench.session import REVIEW_STATUSES, Refused, ReviewSession
from workbench.store import AnnotatorInfo, SpanInfo, Store
from workbench.tui.screens.editing import EditingScreen
from workbench.tui.widgets.side_panel import SidePanel
from workbench.tui.widgets.span_list import SpanList, excerpt

REVIEW_EXCERPT = 21
"""Characters of span text on a row of the review list (the votes take the rest)."""
_DIM = Style(dim=True)


class ReviewList(SpanList):
    """Gold's spans and the candidates gold lacks, in document order, each with how many
    annotators marked it: ``✓ 2/3`` is in gold, ``· 1/3`` is a candidate (not yet)."""

    def __init__(self, scheme: Scheme, *, id: str | None = None) -> None:
        super().__init__(scheme, id=id)
        self.total = 0
        self._counts: dict[tuple[int, int, str], int] = {}

    def set_votes(self, session: ReviewSession) -> None:
        """The votes the rows show (rows drawn with older votes are dropped)."""
        votes = session.votes
        self.total = votes.total
        self._counts = {c.key: len(c.annotators) for c in votes.candidates}
        self._rows.clear()
        self.refresh()

    def _row(self, row: Any) -> list[Segment]:
        segments = self._rows.get(row)
        if segments is None:
            in_gold = isinstance(row, SpanInfo)
            key = span_key(row) if isinstance(row, SpanInfo) else row.key
            mark = Segment(
                f"{'✓' if in_gold else '·'}{self._counts.get(key, 0)}/{self.total} ",
                Style(color="green" if in_gold else "yellow", bold=in_gold),
            )
            segments = [
                mark,
                Segment(f"{row.label[:4]:<4} ", self._label_style(row.label)),
                Segment(
                    excerpt(self._text, row.start, row.end, REVIEW_EXCERPT),
                    None if in_gold else _DIM,
                ),
            ]
            self._rows.set(row, segments)
        return segments


class ReviewPanel(SidePanel):
    """The side panel with the votes block in place of the label legend (the help screen and
    the footer still show the keys), and the review list in place of the span list."""

    DOCUMENT_TITLE = "Gold"

    def compose(self) -> ComposeResult:
        yield Static(id="side-document", markup=False)
        yield Static(id="side-focus", markup=False)
        yield Static(id="side-votes", markup=False)
        yield ReviewList(self.scheme, id="side-spans")


class ReviewScreen(EditingScreen):
    """One document's gold annotation, built from the annotators' pooled work."""

    PANEL = ReviewPanel
    HELP_INTRO = (
        "Build the gold annotation: j selects the next span an annotator marked that gold "
        "lacks (k the previous), a accepts it as they marked it, A accepts everything the "
        "majority chose; every annotation key works on gold. The list shows votes: ✓ in gold, "
        "· not."
    )
    ALL_DONE = "Every document in the queue is reviewed."
    BINDINGS: ClassVar[list[BindingType]] = [
        # Annotation keys left out of the footer here, to make room for the review keys (the
        # help screen lists them all).
        Binding("s", "span_stance", "Span stance", show=False, id="annotate.span-stance"),
        Binding("t", "span_topics", "Span topics", show=False, id="annotate.span-topics"),
        Binding("S", "doc_stance", "Doc stance", show=False, id="annotate.doc-stance"),
        Binding("T", "doc_topics", "Doc topics", show=False, id="annotate.doc-topics"),
        Binding("delete,backspace", "delete_span", "Delete", show=False, id="annotate.delete-span"),
        Binding("a", "accept", "Accept", id="review.accept"),
        Binding("A", "accept_majority", "Accept majority", id="review.accept-majority"),
        Binding("j", "open_span(1)", "Next open", id="review.next-open"),
        Binding("k", "open_span(-1)", "Prev open", show=False, id="review.prev-open"),
        Binding("c", "compare", "Compare", show=False, id="review.compare"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="review.reload"),
        Binding("q", "back", "Queue", id="review.back"),
    ]

    def __init__(
        self,
        store: Store,
        reviewer: AnnotatorInfo,
        gold: AnnotatorInfo,
        document_id: int,
        *,
        queue: tuple[int, ...] | None = None,
        statuses: tuple[str, ...] = REVIEW_STATUSES,
    ) -> None:
        """``queue``: the documents to review, in order (done and n/p follow it); None: all."""
        self.review = ReviewSession(store, gold, document_id, statuses=statuses)
        super().__init__(self.review, order=queue)
        self.reviewer = reviewer
        self.annotator = gold
        self.document_id = document_id
        self.queue = queue
        self.statuses = statuses
        self._reloading = False
        self._open: Candidate | None = None
        """The candidate j or k last selected (the next press goes on from it)."""
        self._votes_shown: object = None

    @property
    def votes(self) -> Any:
        """The annotators' pooled labels of this document."""
        return self.review.votes

    def action_reload(self) -> None:
        """Read gold and the annotators' work again: gold is shared, and another reviewer
        may have changed it (the cursor stays where it is)."""
        if self.annotation is None or self.busy:
            return
        self._reloading = True
        self.reload()

    @work(thread=True, exit_on_error=False, name="reload")
    def reload(self) -> None:
        votes = self.review.read_votes()
        document, annotation = self.review.read()
        self.app.call_from_thread(self._reloaded, votes, document, annotation)

    def _reloaded(self, votes: Any, document: Any, annotation: Any) -> None:
        self._reloading = False
        cursor = self._view.cursor
        self.review.votes = votes
        self.review.opened(document, annotation)
        self._set_votes()
        self._show(annotation)
        self._view.move_cursor_to(cursor)
        self._status(f"reloaded: {self.review.summary()}")
        self._settled()

    @property
    def busy(self) -> bool:
        return super().busy or self._reloading

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed reload (the error is shown) leaves the screen as it was."""
        super().on_worker_state_changed(event)
        if event.state == WorkerState.ERROR and event.worker.name == "reload":
            self._reloading = False
            self._settled()

    def _loaded(self) -> None:
        self._set_votes()
        super()._loaded()
        assert self.document is not None
        self.sub_title = f"review {self.document.name} · {self.reviewer.name}"
        summary = self.review.summary()
        self._status(
            f"{summary}: j selects the first" if self.review.open_candidates() else summary
        )

    def _set_votes(self) -> None:
        self.query_one(ReviewList).set_votes(self.review)
        self._votes_shown = None

    # -- showing ------------------------------------------------------------------------------

    def _list_spans(self) -> None:
        """Gold's spans and the open candidates, listed and marked in the article."""
        if self.document is None or self.annotation is None:
            return
        missing = self.review.open_candidates()
        rows: list[Any] = [*self.annotation.spans, *missing]
        rows.sort(key=lambda r: (r.start, -r.end, r.label, isinstance(r, Candidate)))
        view = self._view
        view.set_marks((c.token_start, c.token_end) for c in missing)
        self.query_one(SidePanel).show_spans(tuple(rows), self.document.text, view.focused_span)
        self._show_votes(force=True)

    def _show_focus(self) -> None:
        super()._show_focus()
        self._show_votes()

    def _show_votes(self, *, force: bool = False) -> None:
        """What the annotators marked over the cursor, and their document labels."""
        if self.document is None or self.annotation is None:
            return
        votes = self.review.votes
        here = votes.at(self._view.cursor)
        if not force and here == self._votes_shown:
            return  # most cursor moves stay over the same spans
        self._votes_shown = here
        taken = {span_key(span) for span in self.annotation.spans}
        total = votes.total
        text = Text("Votes", style="bold")
        text.append(f"  {total} annotator{'s' * (total != 1)}\n", style="dim")
        if not here:
            text.append("no annotator's span here\n", style="dim")
        for candidate in here[:2]:
            in_gold = candidate.key in taken
            text.append("✓" if in_gold else "·", style="green" if in_gold else "yellow")
            text.append(f"{len(candidate.annotators)}/{total} ")
            label = self.store.scheme.get("claim_type", candidate.label)
            text.append(candidate.label, style=f"bold {label.color if label else ''}")
            text.append(f" {', '.join(candidate.annotators)}\n", style="dim")
        if len(here) > 2:
            text.append(f"and {len(here) - 2} more here\n", style="dim")
        text.append("stance ", style="dim")
        text.append(_tally(votes.stance_votes()))
        text.append("\ntopics ", style="dim")
        text.append(_tally(votes.topic_votes()))
        self.query_one("#side-votes", Static).update(text, layout=False)

    # -- reviewing ----------------------------------------------------------------------------

    def _candidate_here(self) -> Candidate | None:
        """The candidate the reviewer means: the one highlighted in the list (when it has the
        keys), else the one the selection covers exactly, else the most voted over the cursor."""
        listed = self.query_one(ReviewList)
        if self.focused is listed:
            row = listed.highlighted_row
            return row if isinstance(row, Candidate) else None
        view = self._view
        return self.review.candidate_near(view.selection(), view.cursor, self._open)

    def action_accept(self) -> None:
        """Add the candidate the reviewer means to gold, with its merged stance and topics."""
        candidate = self._candidate_here()
        if candidate is not None:
            self._open = candidate
        self.make(self.review.accept(candidate))
        self.action_focus_article()

    def action_accept_majority(self) -> None:
        """Add what the majority chose and gold lacks, as one change (one undo step)."""
        self.make(self.review.accept_majority())

    def action_open_span(self, step: int) -> None:
        """Select the next (or previous) candidate gold lacks."""
        if self.annotation is None:
            return
        view = self._view
        found = self.review.step_candidate(step, self._open, view.cursor)
        if isinstance(found, Refused):
            self._status(found.reason)
            return
        self._select(found)
        pending = self.review.open_candidates()
        total = self.review.votes.total
        details = f" · stance {found.stance}" if found.stance else ""
        self._status(
            f"open {pending.index(found) + 1} of {len(pending)}: {found.label} by "
            f"{', '.join(found.annotators)} ({len(found.annotators)}/{total})"
            f"{details}: a accepts, a claim key labels the selection"
        )

    def _select(self, candidate: Candidate) -> None:
        self._open = candidate
        view = self._view
        view.select_range(candidate.token_start, candidate.token_end)
        self.set_focus(view)

    def _jump_to(self, row: object) -> None:
        if isinstance(row, Candidate):
            self.remove_class("-panel-open")
            self._select(row)
        else:
            super()._jump_to(row)

    def action_compare(self) -> None:
        """Each annotator's labels side by side (read-only)."""
        if self.document is None:
            return
        from workbench.tui.screens.compare import CompareScreen

        names = [a.annotator for a in self.review.votes.annotations]
        self.app.push_screen(CompareScreen(self.store, self.document.name, names))

    def action_back(self) -> None:
        """Back to the review queue (the screen below)."""
        self.app.pop_screen()


def _tally(votes: list[Vote]) -> Text:
    if not votes:
        return Text("—", style="dim")
    text = Text()
    for index, vote in enumerate(votes):
        if index:
            text.append(" · ", style="dim")
        text.append(f"{vote.value} {len(vote.annotators)}")
    return text
