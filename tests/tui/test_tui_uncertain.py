"""``annotate --order uncertain`` (issue 14.4): the document list offers first the documents
the latest model is least sure of, shows each one's mean margin, and n follows that order."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import assert_user_error, invoke
from textual.widgets import DataTable
from tui_helpers import SIZE, opened, until

from workbench.store import NewSuggestion, Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.annotate import AnnotateScreen
from workbench.tui.screens.documents import DocumentsScreen


def scored(store: Store) -> None:
    """The model is sure of summit (margin 0.4), unsure of sanctions (0.05), says nothing of
    energy."""
    summit = store.document_by_name("summit")
    sanctions = store.document_by_name("sanctions")
    store.add_suggestions(
        "model:demo",
        [
            NewSuggestion(summit, "FACT", start=0, end=2, score=0.9),
            NewSuggestion(sanctions, "FACT", start=0, end=7, score=0.55),
        ],
    )


def listed(app: WorkbenchApp) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [str(table.get_row_at(row)[0]) for row in range(table.row_count)]


async def test_least_sure_documents_first_with_their_margin(small_store: Store) -> None:
    scored(small_store)
    app = WorkbenchApp(small_store, annotator="alice", order="uncertain")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")
        await until(pilot, lambda: len(listed(app)) == 3, "the rows")
        assert listed(app) == ["sanctions", "summit", "energy"]
        table = app.screen.query_one(DataTable)
        margins = [str(table.get_row_at(row)[-1]) for row in range(3)]
        assert margins == ["0.050", "0.400", "–"]
        await pilot.press("enter")
        screen = await opened(pilot)
        assert screen.document_id == small_store.document_by_name("sanctions")
        await pilot.press("n")  # the next document in the list's order, not by name
        summit = small_store.document_by_name("summit")
        await until(
            pilot,
            lambda: isinstance(app.screen, AnnotateScreen) and app.screen.document_id == summit,
            "n to summit",
        )


async def test_the_default_order_is_by_name(small_store: Store) -> None:
    scored(small_store)
    app = WorkbenchApp(small_store, annotator="alice")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")
        await until(pilot, lambda: len(listed(app)) == 3, "the rows")
        assert listed(app) == ["energy", "sanctions", "summit"]


def test_an_unknown_order_and_no_model_yet_are_one_line(tmp_path: Path) -> None:
    env = {"WORKBENCH_DB": f"sqlite:///{tmp_path / 'w.db'}"}
    result = invoke("annotate", "--annotator", "alice", "--order", "random", env=env)
    assert_user_error(result, "--order 'random': use name or uncertain")
    result = invoke("annotate", "--annotator", "alice", "--order", "uncertain", env=env)
    assert result.exit_code == 1 and result.stdout == ""  # after the seeds' import lines:
    assert result.stderr.splitlines()[-1].startswith("error: order uncertain: no model has")
