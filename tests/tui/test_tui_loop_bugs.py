"""The keys a new annotator tripped on: chooser keys falling through, done on nothing, tab over
nested spans, where a reopened document starts, and the undo message of a relabel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from helpers import dump
from textual.widgets import DataTable, Footer
from textual.widgets._footer import FooterKey
from tui_helpers import SIZE, opened, saved, type_ahead, until

from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.config import TuiConfig
from workbench.tui.screens.annotate import AnnotateScreen
from workbench.tui.screens.confirm import ConfirmDialog
from workbench.tui.screens.documents import DocumentsScreen
from workbench.tui.screens.parts import fit_words
from workbench.tui.widgets.document_view import DocumentView


def status_line(screen: AnnotateScreen) -> str:
    return str(screen.query_one("#status-line").render())


async def test_a_chooser_key_that_finds_no_span_never_lets_the_next_key_through(
    small_store: Store,
) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        before = dump(small_store)
        # No span under the cursor: t and s are refused, and the topic (d) and stance (n)
        # keys meant for their choosers must not mark the document done or open the next.
        type_ahead(app, "t", "d", "s", "n")
        await until(pilot, lambda: not app.typeahead.held, "the keys")
        await pilot.pause()
        assert app.screen is screen and screen.document is not None
        assert screen.document.name == "summit"
        assert "did nothing" in status_line(screen)
        assert dump(small_store) == before
        await pilot.press("t", "right", "d")  # a key the chooser would not take ends it
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "d acts again")


async def test_done_on_an_empty_annotation_asks_first(small_store: Store) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        type_ahead(app, "d", "n")  # no: nothing changes, the document stays open
        await until(pilot, lambda: "not marked done" in status_line(screen), "the answer")
        assert app.screen is screen and saved(small_store).status == "todo"
        type_ahead(app, "d", "y")
        await until(pilot, lambda: saved(small_store).status == "done", "done")
        await until(pilot, lambda: app.screen is not screen, "the next document")
        following = await opened(pilot)  # leave only once it is up (its header mounted)
        assert following.document is not None and following.document.name != "summit"


async def test_tab_reaches_nested_spans_and_a_reopened_document_starts_where_it_was_left(
    small_store: Store,
) -> None:
    document = small_store.document_by_name("summit")
    annotation = small_store.annotation(document, small_store.annotator("alice").id)
    text = small_store.document(document).text
    xi = text.index("Xi Jinping")
    outer = small_store.add_span(annotation.id, xi, text.index(" in Moscow"), "FACT")
    inner = small_store.add_span(annotation.id, xi, xi + 10, "QUOTE")
    moscow = text.index("Moscow")
    last = small_store.add_span(annotation.id, moscow, moscow + 6, "OPINION")
    small_store.set_span_stance(annotation.id, inner.id, "NEUTRAL")  # the latest change
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        view = screen.query_one(DocumentView)
        assert view.focused_span is not None and view.focused_span.id == inner.id
        seen = []
        for _ in range(3):
            await pilot.press("tab")
            assert view.focused_span is not None
            seen.append(view.focused_span.id)
        assert seen == [last.id, outer.id, inner.id]  # both spans on "Xi" reached
        await pilot.press("shift+tab")
        assert view.focused_span is not None and view.focused_span.id == outer.id
        await pilot.press("2")  # relabel the outer span: the undo message names both labels
        await until(pilot, lambda: not screen.busy, "the relabel")
        await pilot.press("u")
        await until(pilot, lambda: "undo relabel" in status_line(screen), "undo")
        assert "relabel FACT → STATISTIC" in status_line(screen), status_line(screen)


async def test_the_list_preselects_work_in_progress_before_untouched_documents(
    small_store: Store,
) -> None:
    document = small_store.document_by_name("summit")  # last by name
    annotation = small_store.annotation(document, small_store.annotator("alice").id)
    small_store.add_span(annotation.id, 0, 2, "FACT")
    app = WorkbenchApp(small_store, annotator="alice")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3, "the rows")
        assert table.cursor_row == 2  # summit, in progress, though energy comes first


async def test_claim_keys_have_ids_and_can_be_remapped(small_store: Store) -> None:
    config = TuiConfig(keymap={"annotate.label.FACT": "9"})
    app = WorkbenchApp(small_store, annotator="alice", document="summit", config=config)
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        await pilot.press("9")
        await until(pilot, lambda: len(saved(small_store).spans) == 1, "the remapped key")
        assert saved(small_store).spans[0].label == "FACT"


def test_a_long_status_is_shortened_at_a_word() -> None:
    message = "open 1 of 6: FACT by alice, bob, carol (3/3) · stance CRITICAL: a accepts"
    short = fit_words(message, 40)
    assert len(short) <= 40 and short.endswith("…")
    assert message.startswith(short[:-1]) and message[len(short) - 1] == " "  # cut at a space
    assert fit_words("fits", 40) == "fits"


async def test_status_line_and_footer_fit_80_columns(small_store: Store) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        message = "x " * 30 + "a-very-long-word-that-would-be-cut " * 3
        screen._status(message)
        await pilot.pause()
        line = status_line(screen)
        assert len(line) <= 78 and line.endswith("…")
        assert line[:-1].split()[-1] in message.split()  # the last word shown is whole
        footer = screen.query_one(Footer)
        shown = list(footer.query(FooterKey))
        assert shown and all(item.region.right <= 80 for item in shown)


async def test_a_scheme_without_stances_or_topics_says_so_instead_of_an_empty_chooser(
    workdir: Path,
) -> None:
    from helpers import SMALL_TEXTS

    from workbench.store import NewDocument, open_store

    scheme = workdir / "spans-only.toml"
    scheme.write_text('[[claim_type]]\nname = "CLAIM"\nkey = "1"\n', encoding="utf-8")
    store = open_store(f"sqlite:///{workdir / 'spans.db'}", scheme)
    store.add_documents([NewDocument("summit", SMALL_TEXTS["summit"])])
    app = WorkbenchApp(store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)

        def says(what: str) -> Callable[[], bool]:
            return lambda: f"has no {what}" in status_line(screen)

        for key, what in (("S", "stances"), ("T", "topics"), ("s", "stances"), ("t", "topics")):
            await pilot.press("1" if key == "s" else "escape", key)
            await until(pilot, says(what), f"{key} refused")
            assert app.screen is screen  # no empty chooser over the article
    store.close()
