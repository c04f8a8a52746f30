"""Adjudication: the reviewer builds a document's gold annotation from the annotators' work.

The screen is the annotation screen working on the reserved ``gold`` annotator, so every key
of annotation works on the gold set (label, resize, stance, topics, undo, done), plus what a
reviewer needs: each annotator's spans listed beside gold's with their votes, the votes under
the cursor and on the document, a key that takes the next span gold lacks, one that accepts a
span as the annotators marked it, and one that accepts the whole majority."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from workbench.models import GOLD
from workbench.review import Candidate, MajorityPlan, Vote, Votes, majority_plan, span_key
from workbench.scheme import Scheme
from workbench.store import AnnotationInfo, AnnotatorInfo, DocumentData, SpanInfo, Store
from workbench.tui.screens.annotate import AnnotateScreen, read_document
from workbench.tui.widgets.document_view import DocumentView
from workbench.tui.widgets.side_panel import SidePanel
from workbench.tui.widgets.span_list import SpanList, excerpt

REVIEW_EXCERPT = 21
"""Characters of span text on a row of the review list (the votes take the rest)."""
STATUSES = ("done",)
"""Whose work is pooled by default: annotations marked done (as agreement counts them)."""
_DIM = Style(dim=True)


def read_review(
    store: Store, document_id: int, statuses: tuple[str, ...] = STATUSES
) -> tuple[DocumentData, AnnotationInfo, Votes]:
    """A document, its gold annotation (created if missing) and the annotators' pooled work
    (those with an annotation in one of ``statuses``). It writes: call it from a thread."""
    gold = store.annotator(GOLD, "reviewer")
    document, annotation = read_document(store, gold, document_id)
    others = []
    for annotator in store.annotators():
        if annotator.name == GOLD:
            continue
        found = store.find_annotation(document_id, annotator.id)
        if found is not None and found.status in statuses:
            others.append(found)
    return document, annotation, Votes.of(others)


class ReviewList(SpanList):
    """Gold's spans and the annotators' spans gold lacks, in document order, each with how
    many annotators marked it: ``✓ 2/3`` is in gold, ``· 1/3`` is not (yet)."""

    def __init__(self, scheme: Scheme, *, id: str | None = None) -> None:
        super().__init__(scheme, id=id)
        self.votes = Votes.of(())

    def set_votes(self, votes: Votes) -> None:
        """The votes the rows show (rows drawn with older votes are dropped)."""
        self.votes = votes
        self._rows.clear()
        self.refresh()

    def _row(self, span: SpanInfo) -> list[Segment]:
        segments = self._rows.get(span)
        if segments is None:
            in_gold = span.id > 0
            count = self.votes.votes(span_key(span))
            mark = Segment(
                f"{'✓' if in_gold else '·'}{count}/{self.votes.total} ",
                Style(color="green" if in_gold else "yellow", bold=in_gold),
            )
            segments = [
                mark,
                Segment(f"{span.label[:4]:<4} ", self._label_style(span.label)),
                Segment(
                    excerpt(self._text, span.start, span.end, REVIEW_EXCERPT),
                    None if in_gold else _DIM,
                ),
            ]
            self._rows.set(span, segments)
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


class ReviewScreen(AnnotateScreen):
    """One document's gold annotation, built from the annotators' pooled work."""

    PANEL = ReviewPanel
    HELP_INTRO = (
        "Build the gold annotation: j selects the next span an annotator marked that gold "
        "lacks (k the previous), a accepts it as they marked it, A accepts everything the "
        "majority chose; every annotation key works on gold. The list shows votes: ✓ in gold, "
        "· not."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
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
        statuses: tuple[str, ...] = STATUSES,
    ) -> None:
        """``queue``: the documents to review, in order (done and n/p follow it); None: all."""
        super().__init__(store, gold, document_id)
        self.reviewer = reviewer
        self.queue = queue
        self.statuses = statuses
        self.votes = Votes.of(())
        self._open_spans: tuple[SpanInfo, ...] = ()
        """Each candidate as a span (id: minus one minus its place in ``votes.candidates``)."""
        self._reloading = False
        self._before_reload: AnnotationInfo | None = None
        self._open_key: tuple[int, int, str] | None = None
        """The open span j or k last selected (the next press goes on from it)."""
        self._votes_shown: object = None

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = frozenset(
        {
            "annotate.span-stance",
            "annotate.span-topics",
            "annotate.doc-stance",
            "annotate.doc-topics",
            "annotate.delete-span",
        }
    )
    """Annotation keys left out of the footer here, to make room for the review keys (the
    help screen lists them all)."""

    def on_mount(self) -> None:
        bindings = self._bindings.key_to_bindings
        for key, found in bindings.items():
            bindings[key] = [
                replace(b, show=False) if b.id in self.FOOTER_HIDDEN else b for b in found
            ]

    @work(thread=True, exit_on_error=False, name="load")
    def load(self) -> None:
        document, annotation, votes = read_review(self.store, self.document_id, self.statuses)
        self.app.call_from_thread(self._reviewed, document, annotation, votes)

    def action_reload(self) -> None:
        """Read gold and the annotators' work again: gold is shared, and another reviewer
        may have changed it (the cursor stays where it is)."""
        if self.annotation is None or self.busy:
            return
        self._reloading, self._load_failed = True, False
        self._before_reload = self.annotation
        self.annotation = None  # busy until it is back: keys typed meanwhile wait
        self.load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed reload (the error is shown) leaves the screen as it was."""
        if event.state == WorkerState.ERROR and event.worker.name == "load" and self._reloading:
            self._reloading = False
            self.annotation = self._before_reload

    def _reviewed(self, document: DocumentData, annotation: AnnotationInfo, votes: Votes) -> None:
        if self._reloading:
            self._reloading = False
            cursor = self.query_one(DocumentView).cursor
            self._set_votes(votes)
            self._show(annotation)
            self.query_one(DocumentView).move_cursor_to(cursor)
            self._status(f"reloaded: {self._summary(annotation)}")
            self._settled()
            return
        self._set_votes(votes)
        self._loaded(document, annotation)
        self.sub_title = f"review {document.name} · {self.reviewer.name}"
        summary = self._summary(annotation)
        self._status(
            f"{summary}: j selects the first" if self.votes.pending(annotation) else summary
        )

    def _summary(self, annotation: AnnotationInfo) -> str:
        """Short enough for an 80-column status line (the names are in the Votes block)."""
        votes = self.votes
        open_spans = len(votes.pending(annotation))
        by = f"{votes.total} annotator{'s' * (votes.total != 1)}"
        if not votes.total:
            return "no annotator's work to pool here: label it as you decide"
        if not open_spans:
            return f"gold has every span its {by} marked"
        them = "them" if open_spans != 1 else "it"
        return f"{open_spans} open span{'s' * (open_spans != 1)} (gold lacks {them}) from {by}"

    def _set_votes(self, votes: Votes) -> None:
        self.votes = votes
        # Made once, so that the view and the list see the same objects after each save
        # (they repaint only what changed, by identity).
        self._open_spans = tuple(
            _as_span(candidate, -(index + 1)) for index, candidate in enumerate(votes.candidates)
        )
        self.query_one(ReviewList).set_votes(votes)
        self._votes_shown = None

    # -- showing ------------------------------------------------------------------------------

    def _list_spans(self) -> None:
        """Gold's spans and the open ones, listed and marked in the article."""
        if self.document is None or self.annotation is None:
            return
        taken = {span_key(span) for span in self.annotation.spans}
        missing = [span for span in self._open_spans if span_key(span) not in taken]
        rows = sorted(
            (*self.annotation.spans, *missing), key=lambda s: (s.start, -s.end, s.label, s.id < 0)
        )
        view = self.query_one(DocumentView)
        view.set_marks(missing)  # in the article: underlined in the warning colour
        focus = view.focused_span
        self.query_one(SidePanel).show_spans(
            tuple(rows), self.document.text, focus.id if focus else None
        )
        self._show_votes(force=True)

    def _show_focus(self) -> None:
        super()._show_focus()
        self._show_votes()

    def _show_votes(self, *, force: bool = False) -> None:
        """What the annotators marked over the cursor, and their document labels."""
        if self.document is None or self.annotation is None:
            return
        here = self.votes.at(self.query_one(DocumentView).cursor)
        if not force and here == self._votes_shown:
            return  # most cursor moves stay over the same spans
        self._votes_shown = here
        taken = {span_key(span) for span in self.annotation.spans}
        total = self.votes.total
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
        text.append(_tally(self.votes.stance_votes()))
        text.append("\ntopics ", style="dim")
        text.append(_tally(self.votes.topic_votes()))
        self.query_one("#side-votes", Static).update(text, layout=False)

    # -- reviewing ----------------------------------------------------------------------------

    def _candidate_here(self) -> Candidate | None:
        """The open span the reviewer means: the one highlighted in the list (when it has the
        keys), else the one the selection covers exactly, else the most voted over the cursor."""
        if self.annotation is None:
            return None
        pending = self.votes.pending(self.annotation)
        listed = self.query_one(ReviewList)
        if self.focused is listed:
            row = listed.highlighted_span
            if row is not None and row.id < 0:
                return self.votes.candidates[-row.id - 1]
            return None
        view = self.query_one(DocumentView)
        selection = view.selection()
        if selection is not None:
            exact = [c for c in pending if (c.token_start, c.token_end) == selection]
            if self._open_key is not None:
                exact.sort(key=lambda c: c.key != self._open_key)
            return exact[0] if exact else None
        keys = {c.key for c in pending}
        return next((c for c in self.votes.at(view.cursor) if c.key in keys), None)

    def action_accept(self) -> None:
        """Add the open span the reviewer means to gold, with its merged stance and topics."""
        candidate = self._candidate_here()
        if candidate is None:
            self._status("no open span here: j selects the next span gold lacks", error=True)
            return
        assert self.document is not None
        words = excerpt(self.document.text, candidate.start, candidate.end)
        self._open_key = candidate.key
        self.save(
            f"accepted {candidate.label} “{words}” "
            f"({len(candidate.annotators)}/{self.votes.total})",
            lambda a: self.store.add_span(
                a,
                candidate.start,
                candidate.end,
                candidate.label,
                stance=candidate.stance,
                topics=candidate.topics,
            ),
            clears_selection=True,
        )
        self.action_focus_article()

    def action_accept_majority(self) -> None:
        """Add what the majority chose and gold lacks: spans more than half marked, and the
        document's stance and topics where gold has none (gold's own choices stay)."""
        if self.annotation is None:
            return
        plan = majority_plan(self.votes, self.annotation)
        if plan.empty:
            self._status("gold already has everything the majority chose")
            return
        tied = self.votes.document_stance()[1] and self.annotation.stance is None
        self.save(
            f"accepted the majority: {plan.describe()}"
            + ("; the stance vote is tied: choose one with S" if tied else ""),
            lambda a: self._apply(a, plan),
        )

    def _apply(self, annotation_id: int, plan: MajorityPlan) -> AnnotationInfo:
        """Write a majority plan (in the writer thread): what gold gained meanwhile (another
        reviewer, an earlier key) is left as it is."""
        gold = self.store.get_annotation(annotation_id)
        taken = {span_key(span) for span in gold.spans}
        for candidate in plan.spans:
            if candidate.key not in taken:
                self.store.add_span(
                    annotation_id,
                    candidate.start,
                    candidate.end,
                    candidate.label,
                    stance=candidate.stance,
                    topics=candidate.topics,
                )
        if plan.stance is not None and gold.stance is None:
            self.store.set_stance(annotation_id, plan.stance)
        if plan.topics and not gold.topics:
            self.store.set_topics(annotation_id, plan.topics)
        return self.store.get_annotation(annotation_id)

    def action_open_span(self, step: int) -> None:
        """Select the next (or previous) span an annotator marked that gold lacks."""
        if self.annotation is None:
            return
        pending = self.votes.pending(self.annotation)
        if not pending:
            self._status("gold has every span the annotators marked")
            return
        order = [c.key for c in self.votes.candidates]
        if self._open_key in order:
            here = order.index(self._open_key)
            after = [c for c in pending if order.index(c.key) > here]
            before = [c for c in pending if order.index(c.key) < here]
        else:
            cursor = self.query_one(DocumentView).cursor
            after = [c for c in pending if c.token_start >= cursor]
            before = [c for c in pending if c.token_start < cursor]
        candidate = (after or before)[0] if step > 0 else (before or after)[-1]
        self._open_key = candidate.key
        view = self.query_one(DocumentView)
        view.select_range(candidate.token_start, candidate.token_end)
        self.set_focus(view)
        position = pending.index(candidate) + 1
        details = f" · stance {candidate.stance}" if candidate.stance else ""
        self._status(
            f"open {position} of {len(pending)}: {candidate.label} by "
            f"{', '.join(candidate.annotators)} ({len(candidate.annotators)}/{self.votes.total})"
            f"{details}: a accepts, a claim key labels the selection"
        )

    def _jump_to(self, span_id: int) -> None:
        if span_id > 0:
            super()._jump_to(span_id)
            return
        candidate = self.votes.candidates[-span_id - 1]
        self._open_key = candidate.key
        view = self.query_one(DocumentView)
        view.select_range(candidate.token_start, candidate.token_end)
        self.set_focus(view)

    def action_compare(self) -> None:
        """Each annotator's labels side by side (read-only)."""
        if self.document is None:
            return
        from workbench.tui.screens.agreement import CompareScreen

        names = [a.annotator for a in self.votes.annotations]
        self.app.push_screen(CompareScreen(self.store, self.document.name, names))

    # -- moving on ----------------------------------------------------------------------------

    ALL_DONE = "Every document in the queue is reviewed."

    def _document_order(self) -> tuple[list[int], dict[int, str]]:
        """The queue's order (most disagreement first) when there is one; gold's statuses."""
        ids, status = super()._document_order()
        return (list(self.queue) if self.queue is not None else ids), status

    def _open(self, document_id: int) -> None:
        self.app.switch_screen(
            ReviewScreen(
                self.store,
                self.reviewer,
                self.annotator,
                document_id,
                queue=self.queue,
                statuses=self.statuses,
            )
        )

    def action_back(self) -> None:
        """Back to the review queue (the screen below)."""
        self.app.pop_screen()


def _as_span(candidate: Candidate, span_id: int) -> SpanInfo:
    return SpanInfo(
        span_id,
        0,
        candidate.start,
        candidate.end,
        candidate.token_start,
        candidate.token_end,
        candidate.label,
        candidate.stance,
        candidate.topics,
    )


def _tally(votes: list[Vote]) -> Text:
    if not votes:
        return Text("—", style="dim")
    text = Text()
    for index, vote in enumerate(votes):
        if index:
            text.append(" · ", style="dim")
        text.append(f"{vote.value} {len(vote.annotators)}")
    return text
