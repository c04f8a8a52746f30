"""The reviewers' agreement screen: the figures, the review queue, the side-by-side comparison."""

from __future__ import annotations

from textual.widgets import DataTable
from textual.widgets._footer import FooterKey
from tui_helpers import SIZE, until

from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.agreement import AgreementScreen, ReviewQueueScreen
from workbench.tui.screens.compare import CompareScreen
from workbench.tui.screens.documents import DocumentsScreen
from workbench.tui.widgets.document_view import DocumentView


def two_annotators(store: Store) -> None:
    for name, label, stance in (("alice", "FACT", "CRITICAL"), ("bob", "QUOTE", "NEUTRAL")):
        annotator = store.annotator(name)
        for document in ("summit", "energy"):
            document_id = store.document_by_name(document)
            annotation = store.annotation(document_id, annotator.id)
            first_token = store.document(document_id).tokens.char_span(0, 1)
            store.add_span(annotation.id, *first_token, label)
            store.set_stance(annotation.id, stance if document == "summit" else "MIXED")
            store.set_status(annotation.id, "done")


async def test_reviewer_sees_agreement_and_compares_a_document(small_store: Store) -> None:
    two_annotators(small_store)
    app = WorkbenchApp(small_store, annotator="lead", role="reviewer")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")
        assert small_store.annotator("lead").role == "reviewer"
        await pilot.press("ctrl+g")
        await until(pilot, lambda: isinstance(app.screen, AgreementScreen), "agreement")
        screen = app.screen
        assert isinstance(screen, AgreementScreen)
        await until(pilot, lambda: screen._report is not None, "the report")
        assert screen._report is not None
        queue = [row["name"] for row in screen._report["documents"]]
        assert queue[0] == "summit"  # stance and span labels disagree there
        text = str(screen.query_one("#agreement-text").render())
        assert "Agreement of 2 annotators" in text
        await pilot.press("c")  # (enter adjudicates: see test_tui_review.py)
        await until(pilot, lambda: isinstance(app.screen, CompareScreen), "comparison")
        compare = app.screen
        views = list(compare.query(DocumentView))
        await until(pilot, lambda: bool(views[1].spans_at(0)), "bob's spans")
        assert [s.label for s in views[0].spans_at(0)] == ["FACT"]
        assert [s.label for s in views[1].spans_at(0)] == ["QUOTE"]
        views[0].focus()
        await pilot.press("right", "right")
        await until(pilot, lambda: views[1].cursor == views[0].cursor > 0, "cursors in step")


async def test_annotators_cannot_open_agreement(small_store: Store) -> None:
    two_annotators(small_store)
    app = WorkbenchApp(small_store, annotator="alice")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")
        await pilot.press("ctrl+g")
        await pilot.pause(0.2)
        assert isinstance(app.screen, DocumentsScreen)


async def test_in_a_narrow_terminal_the_queue_comes_first_with_all_its_columns(
    small_store: Store,
) -> None:
    """At 80x24 the review queue is above the figures at the full width, so its disagreement
    column shows; from 100 columns it is beside them. Resizing moves it."""
    two_annotators(small_store)
    app = WorkbenchApp(small_store, annotator="lead", review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReviewQueueScreen), "the queue")
        screen = app.screen
        assert isinstance(screen, ReviewQueueScreen)
        await until(pilot, lambda: screen._report is not None, "the report")
        await pilot.pause()
        queue = screen.query_one("#agreement-queue").region
        figures = screen.query_one("#agreement-figures").region
        assert queue.width == 80 and queue.bottom <= figures.y
        table = screen.query_one("#agreement-documents", DataTable)
        shown = sum(column.get_render_width(table) for column in table.columns.values())
        assert shown <= table.size.width  # every column, "disagreement" among them, fits
        assert "disagreement" in [str(column.label) for column in table.columns.values()]
        footer = [key.description for key in screen.query(FooterKey)]
        assert footer.count("Quit") == 1  # q and ctrl+q: one entry
        await pilot.resize_terminal(120, 30)
        await until(pilot, lambda: not screen.has_class("-narrow"), "the wide layout")
        await pilot.pause()
        queue = screen.query_one("#agreement-queue").region
        figures = screen.query_one("#agreement-figures").region
        assert queue.x >= figures.right and queue.height > 20
