"""The annotation app driven by keys (Pilot): every operation checked in the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import SMALL_TEXTS
from textual.widgets import OptionList
from tui_helpers import SIZE, covered, opened, saved, type_ahead, until

from workbench.store import Store, open_store
from workbench.tui.app import WorkbenchApp
from workbench.tui.config import TuiConfig, load_config
from workbench.tui.screens.annotate import AnnotateScreen
from workbench.tui.screens.choose import LabelChooser
from workbench.tui.screens.documents import DocumentsScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.widgets.document_view import DocumentView
from workbench.tui.widgets.span_list import SpanList


async def test_picking_an_annotator_then_opening_a_document(small_store: Store) -> None:
    app = WorkbenchApp(small_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"carol", "enter")
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")
        assert [a.name for a in small_store.annotators()] == ["carol"]
        await pilot.press(*"summ")
        screen = app.screen
        assert isinstance(screen, DocumentsScreen)
        await until(pilot, lambda: [r.name for r in screen._rows] == ["summit"], "the filter")
        await pilot.press("enter")
        annotate = await opened(pilot)
        assert annotate.document is not None and annotate.document.text == SMALL_TEXTS["summit"]


async def test_select_and_label_then_relabel_resize_and_delete(small_store: Store) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        await pilot.press("shift+right", "1")  # "Xi Jinping"
        await until(pilot, lambda: len(saved(small_store).spans) == 1, "the span")
        assert covered(small_store, saved(small_store)) == [("Xi Jinping", "FACT")]
        await pilot.press("3")  # no selection, a span under the cursor: relabel
        await until(pilot, lambda: saved(small_store).spans[0].label == "QUOTE", "relabel")
        await pilot.press("greater_than_sign")
        await until(
            pilot,
            lambda: covered(small_store, saved(small_store)) == [("Xi Jinping met", "QUOTE")],
            "grow end",
        )
        await pilot.press("less_than_sign", "less_than_sign")
        await until(
            pilot, lambda: covered(small_store, saved(small_store)) == [("Xi", "QUOTE")], "shrink"
        )
        await pilot.press("delete")
        await until(pilot, lambda: saved(small_store).spans == (), "delete")


async def test_single_token_span_and_nested_spans(small_store: Store) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        await pilot.press("right", "right", "right", "shift+right", "2")  # "Vladimir Putin"
        await until(pilot, lambda: len(saved(small_store).spans) == 1, "outer span")
        await pilot.press("escape", "home", "full_stop", "1")  # the whole first sentence
        await until(pilot, lambda: len(saved(small_store).spans) == 2, "sentence span")
        assert sorted(covered(small_store, saved(small_store))) == [
            ("Vladimir Putin", "STATISTIC"),
            ("Xi Jinping met Vladimir Putin in Moscow.", "FACT"),
        ]


async def test_stance_and_topics_in_two_keys(small_store: Store) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        await pilot.press("shift+right", "1")
        await until(pilot, lambda: len(saved(small_store).spans) == 1, "span")
        await pilot.press("s", "c")
        await until(pilot, lambda: saved(small_store).spans[0].stance == "CRITICAL", "stance")
        await pilot.press("t", "e", "u", "enter")
        await until(
            pilot, lambda: saved(small_store).spans[0].topics == ("ECONOMY", "UKRAINE"), "topics"
        )
        await pilot.press("S", "m")
        await until(pilot, lambda: saved(small_store).stance == "MIXED", "doc stance")
        await pilot.press("T", "n", "escape")
        await until(pilot, lambda: saved(small_store).topics == ("ENERGY",), "doc topics")
        await pilot.press("S", "backspace")
        await until(pilot, lambda: saved(small_store).stance is None, "cleared stance")


async def test_undo_and_redo_survive_a_restart(small_store: Store) -> None:
    db_url = small_store.db.url
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        await pilot.press("shift+right", "1")
        await until(pilot, lambda: len(saved(small_store).spans) == 1, "span")
    again = open_store(db_url)
    app = WorkbenchApp(again, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        assert len(screen.query_one(DocumentView).spans_at(0)) == 1  # shown after restart
        await pilot.press("u")
        await until(pilot, lambda: saved(again).spans == (), "undo")
        await pilot.press("ctrl+y")
        await until(pilot, lambda: len(saved(again).spans) == 1, "redo")
    again.close()


async def test_done_skip_and_moving_between_documents(small_store: Store) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="energy")
    async with app.run_test(size=SIZE) as pilot:
        first = await opened(pilot)
        await pilot.press("d", "y")  # done (nothing labelled: y confirms), then the next: sanctions
        await until(
            pilot,
            lambda: (
                app.screen is not first
                and isinstance(app.screen, AnnotateScreen)
                and app.screen.document is not None
                and app.screen.document.name == "sanctions"
            ),
            "the next document",
        )
        assert saved(small_store, "energy").status == "done"
        await pilot.press("x")  # skip sanctions: summit is next
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, AnnotateScreen)
                and app.screen.document is not None
                and app.screen.document.name == "summit"
            ),
            "summit",
        )
        assert saved(small_store, "sanctions").status == "skipped"
        await pilot.press("p")  # previous by name
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, AnnotateScreen)
                and app.screen.document is not None
                and app.screen.document.name == "sanctions"
            ),
            "previous",
        )
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")


async def test_annotators_are_blind_to_each_other(small_store: Store) -> None:
    alice = small_store.annotation(
        small_store.document_by_name("summit"), small_store.annotator("alice").id
    )
    small_store.add_span(alice.id, 0, 2, "FACT")
    app = WorkbenchApp(small_store, annotator="bob", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        assert screen.annotation is not None and screen.annotation.spans == ()
        assert screen.query_one(DocumentView).spans_at(0) == []
        await pilot.press("delete", "3")  # on the token alice labelled
        await until(pilot, lambda: len(saved(small_store, who="bob").spans) == 1, "bob's span")
    (kept,) = saved(small_store, who="alice").spans
    assert (kept.start, kept.end, kept.label) == (0, 2, "FACT")
    assert saved(small_store, who="bob").spans[0].label == "QUOTE"


async def test_help_lists_live_and_remapped_keys(small_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\n"annotate.undo" = "ctrl+u"\n', encoding="utf-8")
    app = WorkbenchApp(small_store, annotator="alice", document="summit", config=load_config(path))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = {description: key for _, key, description, _ in help_screen.rows()}
        assert rows["Undo"] == "^u"
        assert "Span stance" in rows and "Previous token" in rows
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, AnnotateScreen), "back")


async def test_narrow_terminal_moves_the_panel_below(small_store: Store) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="summit", config=TuiConfig())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        assert screen.has_class("-narrow")
        side = screen.query_one("#side")
        document = screen.query_one(DocumentView)
        assert side.region.y > document.region.y
        assert document.region.width >= 78


def test_bad_config_file_is_a_clear_error(tmp_path: Path) -> None:
    from workbench.errors import WorkbenchError

    path = tmp_path / "config.toml"
    path.write_text('[keymap]\n"annotate.undo" = 3\n', encoding="utf-8")
    with pytest.raises(WorkbenchError, match=r"config.toml: keymap.annotate.undo: must be"):
        load_config(path)
    path.write_text("[keys]\n", encoding="utf-8")
    with pytest.raises(WorkbenchError, match="unknown table 'keys'"):
        load_config(path)
    assert load_config(tmp_path / "missing.toml").keymap == {}


class FrameRecorder(WorkbenchApp):
    """The app, recording what each frame of the annotation screen shows."""

    frames: list[str]

    def _display(self, screen: Any, renderable: Any) -> None:
        super()._display(screen, renderable)
        if renderable is not None and isinstance(screen, AnnotateScreen):
            segments = renderable.render_segments(self.console)
            self.frames.append(segments)


async def test_an_article_opened_by_name_shows_in_its_first_frame(small_store: Store) -> None:
    # The document is read before the screen is built and wrapped as soon as the view has a
    # size: no frame of an empty canvas, no extra frame of waiting.
    app = FrameRecorder(small_store, annotator="alice", document="summit")
    app.frames = []
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.frames), "a frame")
        assert "Moscow" in app.frames[0]  # "Xi", under the cursor, is styled apart
        await opened(pilot)


def with_spans(store: Store) -> list[str]:
    """Three of alice's spans in "summit"; the texts they cover, in document order."""
    text = SMALL_TEXTS["summit"]
    annotation = store.annotation(store.document_by_name("summit"), store.annotator("alice").id)
    covered = ["Xi Jinping", "Moscow", "Putin said"]
    for words in reversed(covered):  # added out of order: the list is by position
        start = text.index(words, text.index("Analysts") if words == "Putin said" else 0)
        store.add_span(annotation.id, start, start + len(words), "FACT")
    return covered


async def test_span_list_keys_jump_to_a_span(small_store: Store) -> None:
    covered = with_spans(small_store)
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        span_list = screen.query_one(SpanList)
        assert [screen.document.text[s.start : s.end] for s in span_list.spans] == covered  # type: ignore[union-attr]
        assert span_list.border_title == "3 spans"
        await pilot.press("l")
        assert span_list.has_focus
        assert span_list.highlighted == 0  # the span under the cursor
        await pilot.press("down", "enter")
        view = screen.query_one(DocumentView)
        assert view.has_focus
        assert view.focused_span is not None and view.focused_span.id == span_list.spans[1].id
        await pilot.press("l", "end", "enter")
        assert view.focused_span is not None and view.focused_span.id == span_list.spans[2].id
        await pilot.press("l", "escape")
        assert view.has_focus and view.focused_span.id == span_list.spans[2].id


async def test_span_list_follows_changes_and_the_cursor(small_store: Store) -> None:
    with_spans(small_store)
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        span_list = screen.query_one(SpanList)
        view = screen.query_one(DocumentView)
        assert span_list.highlighted_span == view.focused_span  # the cursor is on "Xi Jinping"
        await pilot.press("right", "right", "right", "shift+right", "2")  # "Vladimir Putin"
        await until(pilot, lambda: len(span_list.spans) == 4, "the new span listed")
        assert span_list.border_title == "4 spans"
        assert span_list.highlighted_span is not None
        assert span_list.highlighted_span.label == "STATISTIC"
        await pilot.press("delete")
        await until(pilot, lambda: len(span_list.spans) == 3, "the span unlisted")


async def test_span_list_click_jumps(small_store: Store) -> None:
    with_spans(small_store)
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        span_list = screen.query_one(SpanList)
        await until(pilot, lambda: len(span_list.spans) == 3, "the listed spans")
        await pilot.pause()  # the panel laid out with the document's labels shown
        region = span_list.content_region
        await pilot.click(offset=(region.x + 2, region.y + 2))  # the third row
        view = screen.query_one(DocumentView)
        await until(pilot, lambda: view.focused_span == span_list.spans[2], "the jump")
        assert view.has_focus


async def test_span_list_opens_over_the_article_at_80x24(small_store: Store) -> None:
    with_spans(small_store)
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        span_list = screen.query_one(SpanList)
        assert not span_list.display or span_list.region.height == 0
        await pilot.press("l")
        await pilot.pause()
        assert span_list.has_focus and span_list.region.height >= 4  # reachable, and seen
        await pilot.press("down", "enter")  # the second span: the list closes on the jump
        await pilot.pause()
        view = screen.query_one(DocumentView)
        assert view.has_focus and view.focused_span == span_list.spans[1]
        assert not screen.has_class("-panel-open") and view.region.height > 10


async def test_keys_typed_ahead_follow_the_focus(small_store: Store) -> None:
    # Three keys in one read from the terminal: the list must have the keys before "up" is
    # handled, and the article again right after "enter".
    from textual import events

    with_spans(small_store)
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        view, span_list = screen.query_one(DocumentView), screen.query_one(SpanList)
        for key in ("l", "end", "enter", "left"):
            event = events.Key(key, key if len(key) == 1 else None)
            event.set_sender(app)
            app.post_message(event)
        last = span_list.spans[2]
        await until(pilot, lambda: view.cursor == last.token_start - 1, "the jump, then left")
        assert view.has_focus


async def test_a_burst_of_keys_applies_in_order_across_saves_choosers_and_documents(
    small_store: Store,
) -> None:
    # Typed before the article is even up: each key waits for what the one before it needs
    # (the span back from the database, the chooser, the next document) and none is lost.
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        type_ahead(app, "shift+right", "1", "s", "c", "t", "e", "u", "enter", "S", "m", "d")
        type_ahead(app, "shift+right", "2", "u", "U", "x", "right", "3")

        def finished() -> bool:
            screen = app.screen
            return isinstance(screen, AnnotateScreen) and not screen.busy and not app.typeahead.held

        await until(pilot, finished, "every key")
        assert isinstance(app.screen, AnnotateScreen) and app.screen.document is not None
        assert app.screen.document.name == "sanctions"
    summit, energy = saved(small_store), saved(small_store, "energy")
    assert covered(small_store, summit) == [("Xi Jinping", "FACT")]
    assert summit.spans[0].stance == "CRITICAL"
    assert summit.spans[0].topics == ("ECONOMY", "UKRAINE")
    assert (summit.stance, summit.status) == ("MIXED", "done")
    assert covered(small_store, energy) == [("Russia will", "STATISTIC")]
    assert energy.status == "skipped"
    assert covered(small_store, saved(small_store, "sanctions")) == [("sanctions", "QUOTE")]


async def test_chooser_by_arrows_and_by_click(small_store: Store) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        await pilot.press("S", "down", "down", "enter")  # the second stance
        await until(pilot, lambda: saved(small_store).stance is not None, "doc stance")
        stance = saved(small_store).stance
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, LabelChooser), "the chooser")
        options = app.screen.query_one(OptionList)
        await pilot.click(OptionList, offset=(4, 1))  # under the border: the first stance
        first = small_store.scheme.stance[0].name
        await until(pilot, lambda: saved(small_store).stance == first, "clicked stance")
        assert stance != first and options.can_focus is False


async def test_a_document_that_fails_to_load_leaves_the_keys_working(
    small_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.errors import DatabaseError

    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        first = await opened(pilot)

        def unreadable(document_id: int) -> None:
            raise DatabaseError("the database went away")

        monkeypatch.setattr(small_store, "document", unreadable)
        await pilot.press("p")  # "summit" is last by name
        await until(pilot, lambda: app.screen is not first, "the next document's screen")
        await until(
            pilot,
            lambda: any("went away" in str(n.message) for n in app._notifications),
            "the error shown",
        )
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "back to the list")


async def test_keys_held_for_a_slow_database_are_announced_then_applied(
    small_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import workbench.tui.typeahead as typeahead

    monkeypatch.setattr(typeahead, "HELD_KEYS_NOTICE_S", 0.2)
    add_span = small_store.add_span

    def slow_add_span(*args: object, **kwargs: object) -> object:
        time.sleep(0.8)  # another writer holds the database
        return add_span(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(small_store, "add_span", slow_add_span)
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        type_ahead(app, "shift+right", "1", "right", "right", "shift+right", "2")
        await until(
            pilot,
            lambda: any("Waiting for the database" in str(n.message) for n in app._notifications),
            "the notice",
        )
        assert len(saved(small_store).spans) == 0  # still saving the first: nothing lost
        await until(pilot, lambda: len(saved(small_store).spans) == 2, "both spans")
        assert sorted(covered(small_store, saved(small_store))) == [
            ("Vladimir Putin", "STATISTIC"),
            ("Xi Jinping", "FACT"),
        ]
        # The commit is visible before the screen hears back from its writer.
        await until(pilot, lambda: not screen.busy, "the save acknowledged")


async def test_find_selects_the_next_match_for_a_label_key(small_store: Store) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        await pilot.press("slash", *"putin", "enter")  # any case
        view = screen.query_one(DocumentView)
        await until(pilot, lambda: view.selection() is not None, "the first match")
        await pilot.press("1")
        await until(pilot, lambda: len(saved(small_store).spans) == 1, "labelled")
        await pilot.press("slash", "enter", "2")  # the same text again: the next match
        await until(pilot, lambda: len(saved(small_store).spans) == 2, "the second")
        text = SMALL_TEXTS["summit"]
        assert [(s.start, s.label) for s in saved(small_store).spans] == [
            (text.index("Putin"), "FACT"),
            (text.rindex("Putin"), "STATISTIC"),
        ]
        await pilot.press("slash", *"kremlin", "enter")
        await until(
            pilot,
            lambda: "not in this document" in str(screen.query_one("#status-line").render()),
            "not found",
        )


async def test_text_typed_ahead_goes_into_find_and_note_not_to_commands(
    small_store: Store,
) -> None:
    # "/Putin", enter, "1" in one burst: the letters are the query (t, n, u are commands
    # on the article), then 1 labels the match.
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot)
        type_ahead(app, "slash", *"Putin", "enter", "1")
        type_ahead(app, "o", *"check", "space", *"it", "enter")
        await until(pilot, lambda: saved(small_store).note == "check it", "the note")
    annotation = saved(small_store)
    assert covered(small_store, annotation) == [("Putin", "FACT")]
    assert annotation.status == "in_progress" and annotation.topics == ()


async def test_a_name_and_a_filter_typed_before_the_screens_are_up(small_store: Store) -> None:
    app = WorkbenchApp(small_store)
    async with app.run_test(size=SIZE) as pilot:
        type_ahead(app, *"carol", "enter", *"summ", "enter", "shift+right", "1")
        await until(
            pilot,
            lambda: (
                small_store.find_annotation(
                    small_store.document_by_name("summit"), small_store.annotator("carol").id
                )
                is not None
                and len(saved(small_store, who="carol").spans) == 1
            ),
            "carol's span in summit",
        )
    assert covered(small_store, saved(small_store, who="carol")) == [("Xi Jinping", "FACT")]
    assert [a.name for a in small_store.annotators()] == ["carol"]
