"""Routing in the TUI (issue 15.2): under a policy the document list shows the annotator's own
documents and the one ``route next`` gives them (preselected, its lease taken), ctrl+n asks
route next again, and done opens the next routed document, never one K others have."""

from __future__ import annotations

from sqlalchemy import text
from textual.widgets import DataTable
from tui_helpers import SIZE, opened, until

from workbench.routing import route_next, set_policy
from workbench.store import NewDocument, Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.annotate import AnnotateScreen
from workbench.tui.screens.documents import DocumentsScreen


def policy_order(store: Store) -> list[int]:
    with store.db.read() as session:
        query = text("SELECT document_id FROM route_document ORDER BY position")
        return [d for (d,) in session.execute(query)]


def listed(app: WorkbenchApp) -> list[int]:
    table = app.screen.query_one(DataTable)
    return [int(str(row.key.value)) for row in table.ordered_rows]


def highlighted(app: WorkbenchApp) -> int:
    table = app.screen.query_one(DataTable)
    return listed(app)[table.cursor_row]


def summary(app: WorkbenchApp) -> str:
    return str(app.screen.query_one("#documents-summary").render())


def leased_to(store: Store, name: str) -> set[int]:
    who = store.annotator(name).id
    with store.db.read() as session:
        query = text("SELECT document_id FROM route_lease WHERE annotator_id = :a")
        return {d for (d,) in session.execute(query, {"a": who})}


async def test_the_list_and_done_follow_the_policy(small_store: Store) -> None:
    small_store.add_documents(
        NewDocument(f"extra{i}", f"Extra document {i} for the pool.") for i in range(3)
    )
    small_store.annotator("alice")
    small_store.annotator("bob")
    set_policy(small_store, per_doc=1)
    first, second, third = policy_order(small_store)[:3]
    assert route_next(small_store, annotator="bob") is not None  # bob holds the first
    app = WorkbenchApp(small_store, annotator="alice")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")
        await until(pilot, lambda: listed(app) == [second], "alice's routed document")
        assert highlighted(app) == second and leased_to(small_store, "alice") == {second}
        # Her share, not the corpus: of 6 documents bob holds one (K=1), alice one.
        assert summary(app) == "0 / 5 done · routed: 1 held, 4 more open to you"
        await pilot.press("enter")
        screen = await opened(pilot)
        assert screen.document_id == second
        await pilot.press("d", "y")  # done (nothing labelled: y confirms): the next routed one
        await until(
            pilot,
            lambda: isinstance(app.screen, AnnotateScreen) and app.screen.document_id == third,
            "done to the next routed document",
        )
        assert leased_to(small_store, "alice") == {second, third}
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list again")
        await until(pilot, lambda: sorted(listed(app)) == sorted([second, third]), "both")
        assert highlighted(app) == third
        await pilot.press("up" if listed(app).index(third) else "down")
        await until(pilot, lambda: highlighted(app) != third, "the cursor moved away")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: highlighted(app) == third, "ctrl+n: route next's pick")
        assert first not in listed(app)  # bob's: alice never sees it offered


async def test_the_name_filter_narrows_the_routed_documents(small_store: Store) -> None:
    small_store.annotator("alice")
    set_policy(small_store, per_doc=1)
    first, second = policy_order(small_store)[:2]
    small_store.set_status(
        small_store.annotation(first, small_store.annotator("alice").id).id, "done"
    )
    app = WorkbenchApp(small_store, annotator="alice")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")
        await until(pilot, lambda: sorted(listed(app)) == sorted([first, second]), "two")
        await pilot.press(*small_store.document(second).name)
        await until(pilot, lambda: listed(app) == [second], "the filter")
        assert highlighted(app) == second
