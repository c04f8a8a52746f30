"""Flags in the TUI (issue 15.6): ``f`` flags the document for the reviewer with a reason in a
dialog of its own (escape cancels, enter saves, an empty reason removes a flag and is refused
on an unflagged document), ``u`` takes it back, an annotator never sees another's flag, and
the review queue lists flagged documents first with who flagged them and why."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable
from tui_helpers import SIZE, opened, three_annotators, type_ahead, until

from workbench.errors import SchemeError
from workbench.scheme import load_scheme
from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.config import TuiConfig, check_keymap
from workbench.tui.keys import known_binding_ids
from workbench.tui.screens.agreement import ReviewQueueScreen
from workbench.tui.screens.annotate import AnnotateScreen
from workbench.tui.screens.flag import FlagDialog
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.review import ReviewScreen


def flags(store: Store) -> list[tuple[str, str, str]]:
    return [(f.document, f.annotator, f.reason) for f in store.flags()]


def reviewing(app: WorkbenchApp) -> str | None:
    screen = app.screen
    if isinstance(screen, ReviewScreen) and screen.document is not None:
        return screen.document.name
    return None


def status_line(screen: AnnotateScreen) -> str:
    return str(screen.query_one("#status-line").render())


async def test_f_flags_changes_removes_and_u_takes_it_back(small_store: Store) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        await until(pilot, lambda: not screen.busy, "the flag read")
        assert "⚑" not in str(screen.sub_title)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, FlagDialog), "the dialog")
        await pilot.press(*"odd quote", "escape")  # escape cancels: nothing saved
        await until(pilot, lambda: app.screen is screen, "back")
        assert flags(small_store) == []
        assert status_line(screen) == "not flagged"

        # Typed as one burst: the dialog takes the reason, enter saves it.
        type_ahead(app, "f", *"odd quote", "enter")
        await until(pilot, lambda: flags(small_store) != [], "the flag")
        assert flags(small_store) == [("summit", "alice", "odd quote")]
        await until(pilot, lambda: "⚑ flagged" in str(screen.sub_title), "the mark")
        assert status_line(screen).startswith("saved: flagged for the reviewer: odd quote")
        annotation = screen.annotation
        assert annotation is not None and annotation.status == "todo"  # flagging is no label

        # f on a flagged document shows its reason; typing replaces it.
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, FlagDialog), "the dialog again")
        assert app.screen.query_one("Input").value == "odd quote"  # type: ignore[attr-defined]
        await pilot.press(*"two stances", "enter")
        await until(pilot, lambda: flags(small_store)[0][2] == "two stances", "the new reason")

        # Cleared and enter: the flag goes.
        type_ahead(app, "f", "backspace", "enter")
        await until(pilot, lambda: flags(small_store) == [], "the flag removed")
        await until(pilot, lambda: "⚑" not in str(screen.sub_title), "the mark gone")

        await pilot.press("u")
        await until(pilot, lambda: flags(small_store) != [], "u")
        assert flags(small_store) == [("summit", "alice", "two stances")]
        await until(pilot, lambda: "⚑ flagged" in str(screen.sub_title), "the mark back")
        type_ahead(app, "u", "u")
        await until(pilot, lambda: flags(small_store) == [], "u u")
        await until(pilot, lambda: not screen.busy and "⚑" not in str(screen.sub_title), "shown")
        # The dialog then opens empty: the flag the screen knows is the one stored.
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, FlagDialog), "the dialog, unflagged")
        assert app.screen.query_one("Input").value == ""  # type: ignore[attr-defined]
        await pilot.press("escape")


async def test_an_empty_reason_flags_nothing(small_store: Store) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        type_ahead(app, "f", "space", "enter")
        await until(pilot, lambda: "a flag needs a reason" in status_line(screen), "refused")
        assert flags(small_store) == []


async def test_an_annotator_never_sees_another_annotators_flag(small_store: Store) -> None:
    summit = small_store.document_by_name("summit")
    bob = small_store.annotation(summit, small_store.annotator("bob").id)
    small_store.flag_document(bob.id, "bob's secret doubt")
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        await until(pilot, lambda: not screen.busy, "the flag read")
        assert screen.flag is None and "⚑" not in str(screen.sub_title)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, FlagDialog), "the dialog")
        assert app.screen.query_one("Input").value == ""  # type: ignore[attr-defined]
        assert "bob" not in app.export_screenshot().replace("&#160;", " ")
        await pilot.press(*"mine", "enter")
        await until(pilot, lambda: len(flags(small_store)) == 2, "alice's own flag")
    assert sorted(flags(small_store)) == [
        ("summit", "alice", "mine"),
        ("summit", "bob", "bob's secret doubt"),
    ]


async def test_a_reopened_flagged_document_says_so(small_store: Store) -> None:
    summit = small_store.document_by_name("summit")
    own = small_store.annotation(summit, small_store.annotator("alice").id)
    small_store.flag_document(own.id, "check the figure")
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        await until(pilot, lambda: "⚑ flagged" in str(screen.sub_title), "the mark")
        assert "flagged for the reviewer: check the figure" in status_line(screen)


async def test_the_flag_key_is_in_the_help_and_remappable(small_store: Store) -> None:
    assert "annotate.flag" in known_binding_ids(small_store.scheme)
    config = TuiConfig({"annotate.flag": "F"}, "config.toml")
    check_keymap(config, small_store.scheme)
    app = WorkbenchApp(small_store, annotator="alice", document="summit", config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        await until(pilot, lambda: not screen.busy, "the flag read")
        await until(pilot, lambda: "Flag" in app.export_screenshot(), "the footer at 80 columns")
        await pilot.press("f")  # remapped away
        await pilot.pause(0.2)
        assert not isinstance(app.screen, FlagDialog)
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen, FlagDialog), "F")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "back")
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert ("F", "Flag for the reviewer", "annotate.flag") in [
            row[1:] for row in help_screen.rows()
        ]


def test_a_scheme_that_gives_a_label_the_flag_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scheme.toml"
    path.write_text(
        '[[claim_type]]\nname = "FACT"\nkey = "f"\n[[stance]]\nname = "S"\n'
        '[[topics]]\nname = "T"\n',
        encoding="utf-8",
    )
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    assert str(caught.value) == (
        f"{path}: claim_type[0] (FACT).key: 'f' is the annotation screen's key for"
        ' "Flag for the reviewer"; choose another'
    )


async def test_the_review_queue_lists_flagged_documents_first(small_store: Store) -> None:
    three_annotators(small_store)  # summit then energy by disagreement; sanctions not done
    sanctions = small_store.document_by_name("sanctions")
    energy = small_store.document_by_name("energy")
    bob = small_store.annotator("bob").id
    small_store.flag_document(small_store.annotation(energy, bob).id, "which pipeline?")
    carol = small_store.annotator("carol").id
    small_store.flag_document(small_store.annotation(sanctions, carol).id, "not about China")
    app = WorkbenchApp(small_store, annotator="lead", review=True)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReviewQueueScreen), "the queue")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3, "the queue's rows")
        rows = [[str(cell) for cell in table.get_row_at(row)] for row in range(3)]
        assert [row[0] for row in rows] == ["energy", "sanctions", "summit"]
        assert "⚑ bob: which pipeline?" in rows[0]
        assert "⚑ carol: not about China" in rows[1] and "not done" in rows[1]
        assert not any("⚑" in cell for cell in rows[2])
        await pilot.press("down")
        heading = app.screen.query_one("#agreement-heading")
        await until(
            pilot, lambda: str(heading.render()) == "⚑ carol: not about China", "the heading"
        )
        await pilot.press("enter")  # a flagged document nobody finished opens for review too
        await until(pilot, lambda: reviewing(app) == "sanctions", "the review of sanctions")
