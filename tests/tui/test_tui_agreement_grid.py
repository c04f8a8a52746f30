"""The agreement screen's confusion grids (keys, clicks, the pairs behind a cell, the comparison
at a span) and its charts, at 80x24 and 120x40."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import SMALL_TEXTS
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey
from tui_helpers import until

from workbench.agreement.daily import DoneAt, daily_done
from workbench.agreement.disagreements import SpanDisagreement
from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.agreement import AgreementScreen
from workbench.tui.screens.compare import CompareScreen
from workbench.tui.screens.disagreements import DisagreementsScreen
from workbench.tui.screens.documents import DocumentsScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.widgets.charts import BarChart, Chart, DaysChart, bar, line
from workbench.tui.widgets.confusion import ConfusionGrid
from workbench.tui.widgets.document_view import DocumentView
from workbench.tui.widgets.pictures import AgreementPictures

SUMMIT = SMALL_TEXTS["summit"]


def _span(store: Store, who: str, document: str, text: str, label: str) -> None:
    annotation = store.annotation(store.document_by_name(document), store.annotator(who).id)
    start = SMALL_TEXTS[document].index(text)
    store.add_span(annotation.id, start, start + len(text), label)


def disagreeing(store: Store) -> None:
    """alice and bob done on summit and energy: they overlap with other claim types, agree
    once, each has a span the other lacks, and differ on summit's stance."""
    _span(store, "alice", "summit", "Trade rose 26% last year", "STATISTIC")
    _span(store, "bob", "summit", "Trade rose 26%", "FACT")
    _span(store, "alice", "summit", "Analysts expect closer ties", "OPINION")
    _span(store, "bob", "summit", "Analysts expect closer ties", "OPINION")
    _span(store, "bob", "summit", "Putin said", "QUOTE")
    _span(store, "alice", "energy", "Russia will sell more gas to China", "PREDICTION")
    _span(store, "bob", "energy", "Russia will sell more gas", "FACT")
    for who, stance in (("alice", "CRITICAL"), ("bob", "NEUTRAL")):
        for document in ("summit", "energy"):
            annotation = store.annotation(store.document_by_name(document), store.annotator(who).id)
            store.set_stance(annotation.id, stance if document == "summit" else "MIXED")
            store.set_status(annotation.id, "done")


async def _agreement(pilot: Pilot[None], app: WorkbenchApp) -> AgreementScreen:
    await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")
    await pilot.press("ctrl+g")
    await until(pilot, lambda: isinstance(app.screen, AgreementScreen), "agreement")
    screen = app.screen
    assert isinstance(screen, AgreementScreen)
    await until(pilot, lambda: screen.query_one(AgreementPictures).pictures is not None, "grids")
    await pilot.pause()
    return screen


async def _focus(pilot: Pilot[None], grid: ConfusionGrid) -> None:
    for _ in range(6):  # tab goes round: queue, figures, the claim grid, the stance grid
        if grid.has_focus:
            return
        await pilot.press("tab")
    assert grid.has_focus


def _read(screen: DisagreementsScreen) -> bool:
    """Every span's text has been read."""
    return bool(screen.pairs) and all(
        isinstance(p, SpanDisagreement) and any(p.texts) for p in screen.pairs
    )


def _cell_offset(grid: ConfusionGrid, row: int, column: int) -> tuple[int, int]:
    """Where cell (row, column) is in the grid: under its column's heading, right-justified."""
    heading = grid.render_line(0).text  # the row headings' column is blank on this line
    name = str(grid.ordered_columns[column].label)
    return heading.index(f" {name}") + len(name), row + 1


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_keys_pick_a_cell_its_pairs_and_the_comparison_at_the_span(
    small_store: Store, size: tuple[int, int]
) -> None:
    disagreeing(small_store)
    app = WorkbenchApp(small_store, annotator="lead", role="reviewer")
    async with app.run_test(size=size) as pilot:
        screen = await _agreement(pilot, app)
        queue = screen.query_one("#agreement-documents", DataTable)
        grid = screen.query_one("#confusion-claim-type", ConfusionGrid)
        assert grid.labels == ("FACT", "STATISTIC", "QUOTE", "OPINION", "PREDICTION", None)
        assert grid.counts[1][0] == grid.counts[0][1] == 1  # STATISTIC and FACT
        await _focus(pilot, grid)
        footer = [key.description for key in screen.query(FooterKey)]
        assert "Disagreements" in footer and "Review" not in footer
        queue_row = queue.cursor_row
        await pilot.press("down", "right", "left", "down", "up")  # to STATISTIC, FACT
        assert grid.cell == ("STATISTIC", "FACT")
        assert queue.cursor_row == queue_row  # the grid's arrows move nothing else
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DisagreementsScreen), "the pairs")
        pairs = app.screen
        assert isinstance(pairs, DisagreementsScreen)
        table = pairs.query_one(DataTable)
        await until(pilot, lambda: _read(pairs), "the span texts")
        await pilot.pause()
        assert table.row_count == 1
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[:2] == ["summit", "alice"] and row[3] == "bob"
        assert row[2].startswith("STATISTIC Trade rose")  # whole, or cut with an ellipsis
        assert row[4] == "FACT Trade rose 26%"
        detail = str(pairs.query_one("#disagreements-detail").render())
        assert detail.splitlines() == [
            "summit",
            "alice: STATISTIC Trade rose 26% last year",
            "bob: FACT Trade rose 26%",
        ]
        heading = str(pairs.query_one("#disagreements-heading").render())
        assert "STATISTIC and FACT: 1 pair" in heading
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen), "the comparison")
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert compare.sub_title == "compare summit (read-only)"
        views = list(compare.query(DocumentView))
        await until(pilot, lambda: bool(views[1].spans_at(views[1].cursor)), "bob's spans")
        tokens = small_store.document(small_store.document_by_name("summit")).tokens
        trade = tokens.starts.tolist().index(SUMMIT.index("Trade"))
        assert [view.cursor for view in views] == [trade, trade]
        assert [s.label for s in views[0].spans_at(views[0].cursor)] == ["STATISTIC"]
        assert [s.label for s in views[1].spans_at(views[1].cursor)] == ["FACT"]
        assert compare.at[0] is not None and compare.at[1] is not None
        assert compare.at[0][0] == compare.at[1][0] == trade
        assert compare.at[0][1] > compare.at[1][1]  # alice's span is the longer
        await pilot.press("q")
        await until(pilot, lambda: app.screen is pairs, "back to the pairs")
        await pilot.press("q")
        await until(pilot, lambda: app.screen is screen, "back to agreement")
        assert grid.has_focus and grid.cell == ("STATISTIC", "FACT")


async def test_the_queue_keeps_its_arrows_and_enter(small_store: Store) -> None:
    disagreeing(small_store)
    app = WorkbenchApp(small_store, annotator="lead", role="reviewer")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _agreement(pilot, app)
        grid = screen.query_one("#confusion-claim-type", ConfusionGrid)
        queue = screen.query_one("#agreement-documents", DataTable)
        assert queue.has_focus
        before = grid.cursor_coordinate
        await pilot.press("down")
        assert queue.cursor_row == 1 and grid.cursor_coordinate == before
        footer = [key.description for key in screen.query(FooterKey)]
        assert "Review" in footer and "Disagreements" not in footer


async def test_a_click_picks_a_cell_and_a_second_click_opens_it(small_store: Store) -> None:
    disagreeing(small_store)
    app = WorkbenchApp(small_store, annotator="lead", role="reviewer")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _agreement(pilot, app)
        grid = screen.query_one("#confusion-claim-type", ConfusionGrid)
        offset = _cell_offset(grid, 3, 5)  # OPINION, no span
        assert await pilot.click(grid, offset=offset)
        await pilot.pause()
        assert grid.cell == ("OPINION", None)
        assert app.screen_stack[-1] is screen  # one click only picks the cell
        offset = _cell_offset(grid, 2, 5)  # QUOTE, no span: bob's "Putin said"
        await pilot.click(grid, offset=offset)
        await pilot.pause()
        assert grid.cell == ("QUOTE", None)
        await pilot.click(grid, offset=offset)
        await until(pilot, lambda: isinstance(app.screen, DisagreementsScreen), "the pairs")
        pairs = app.screen
        assert isinstance(pairs, DisagreementsScreen)
        await until(pilot, lambda: _read(pairs), "the span text")
        await pilot.pause()
        row = [str(cell) for cell in pairs.query_one(DataTable).get_row_at(0)]
        assert row == ["summit", "bob", "QUOTE Putin said", "alice", "— no span"]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen), "the comparison")
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert compare.at[1] is None  # alice has no span there: nothing marked for her
        views = list(compare.query(DocumentView))
        await until(pilot, lambda: bool(views[0].spans_at(views[0].cursor)), "bob's span")
        assert [s.label for s in views[0].spans_at(views[0].cursor)] == ["QUOTE"]
        assert views[1].cursor == views[0].cursor


async def test_an_empty_cell_says_so_and_opens_nothing(small_store: Store) -> None:
    disagreeing(small_store)
    app = WorkbenchApp(small_store, annotator="lead", role="reviewer")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _agreement(pilot, app)
        grid = screen.query_one("#confusion-claim-type", ConfusionGrid)
        await _focus(pilot, grid)
        assert grid.cell == ("FACT", "FACT") and grid.counts[0][0] == 0
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert app.screen_stack[-1] is screen
        notes = [notification.message for notification in app._notifications]
        assert "Claim types: FACT and FACT: no pair of annotators there." in notes


async def test_a_stance_cell_lists_documents_and_stances(small_store: Store) -> None:
    disagreeing(small_store)
    app = WorkbenchApp(small_store, annotator="lead", role="reviewer")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _agreement(pilot, app)
        grid = screen.query_one("#confusion-stance", ConfusionGrid)
        assert grid.labels == ("SUPPORTIVE", "CRITICAL", "NEUTRAL", "MIXED")
        await _focus(pilot, grid)
        await pilot.press("down", "right", "right")
        assert grid.cell == ("CRITICAL", "NEUTRAL")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DisagreementsScreen), "the pairs")
        pairs = app.screen
        assert isinstance(pairs, DisagreementsScreen)
        await until(pilot, lambda: bool(pairs.pairs), "the pairs")
        await pilot.pause()
        rows = [[str(c) for c in pairs.query_one(DataTable).get_row_at(i)] for i in range(1)]
        assert rows == [["summit", "alice", "CRITICAL", "bob", "NEUTRAL"]]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen), "the comparison")
        assert app.screen.sub_title == "compare summit (read-only)"


async def test_the_grid_keys_are_in_the_help(small_store: Store) -> None:
    disagreeing(small_store)
    app = WorkbenchApp(small_store, annotator="lead", role="reviewer")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _agreement(pilot, app)
        await _focus(pilot, screen.query_one("#confusion-claim-type", ConfusionGrid))
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        ids = {binding_id: description for *_, description, binding_id in help_screen.rows()}
        assert ids["confusion.open"] == "Disagreements"
        assert {"confusion.up", "confusion.down", "confusion.left", "confusion.right"} <= set(ids)
        places = {binding_id: where for where, *_, binding_id in help_screen.rows()}
        assert places["confusion.open"] == "Confusion grid"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_chart_fits_or_gives_way_to_its_table(
    small_store: Store, size: tuple[int, int]
) -> None:
    disagreeing(small_store)
    app = WorkbenchApp(small_store, annotator="lead", role="reviewer")
    async with app.run_test(size=size) as pilot:
        screen = await _agreement(pilot, app)
        figures = screen.query_one("#agreement-figures")
        charts = list(screen.query(Chart))
        assert len(charts) == 4
        for chart in charts:
            width = chart.content_size.width
            assert 0 < width <= figures.size.width
            lines = chart.lines(width)
            assert all(line.cell_len <= width for line in lines), chart.id
            assert not chart.note, (chart.id, chart.note)
        f1 = screen.query_one("#chart-per-label-f1", BarChart)
        assert not f1.as_table  # wide enough to draw, even at 80 columns
        drawn = "\n".join(line.plain for line in f1.lines(f1.content_size.width))
        assert "█" in drawn and "STATISTIC" in drawn
        days = screen.query_one("#chart-daily", DaysChart)
        assert days.days.annotators == ("alice", "bob")
        assert sum(days.days.totals()) == 4
        for grid in screen.query(ConfusionGrid):
            assert grid.region.right <= figures.region.right  # no column hidden off the side
        # Far narrower than any terminal: the bars give way to their table.
        table = f1.lines(24)
        assert not f1.picture(24) and all("█" not in line.plain for line in table)
        assert any(line.plain.startswith("FACT") for line in table)


def test_bars_are_drawn_in_eighths_of_a_cell() -> None:
    assert bar(1.0, 1.0, 10) == "█" * 10
    assert bar(0.5, 1.0, 10) == "█" * 5
    assert bar(0.05, 1.0, 10) == "▌"  # 4 of 80 eighths: half a cell
    assert bar(0.0625, 1.0, 10) == "▋"  # 5 eighths
    assert bar(2.0, 1.0, 4) == "█" * 4  # never past the end
    assert bar(-0.3, 1.0, 10) == bar(0.5, 0.0, 10) == ""


def test_a_line_keeps_each_days_peak_and_spreads_few_days() -> None:
    assert line([0, 4, 8], 3) == "·▄█"
    assert line([0, 4, 8], 6) == "··▄▄██"
    # More days than cells: each cell is the busiest of its days.
    assert line([1, 8, 1, 1, 1, 1], 3) == "█▁▁"
    assert line([], 5) == ""


async def test_days_show_as_a_line_per_annotator_and_everyone(small_store: Store) -> None:
    days = daily_done(
        [DoneAt("alice", 1, 0.0), DoneAt("alice", 2, 0.0), DoneAt("bob", 1, 3 * 86400.0)]
    )
    assert days.days[0] == date(1970, 1, 1) and len(days.days) == 4
    app = WorkbenchApp(small_store, annotator="lead", role="reviewer")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")
        chart = DaysChart("Documents done per day")
        await app.screen.mount(chart)
        chart.show(days)
        await pilot.pause()
        lines = [text.plain for text in chart.lines(40)]
        assert lines[0] == "Documents done per day"
        assert lines[1].startswith("alice █") and lines[1].endswith(" 2")
        assert lines[2].startswith("bob   ·") and lines[2].rstrip().endswith("1")
        assert lines[3].startswith("all   █") and lines[3].endswith(" 3")
        assert "1970-01-01 … 1970-01-04" in lines[4]
        table = [text.plain for text in chart.lines(12)]  # too narrow: the days as a table
        assert table[1:] == [
            "day        alice bob",
            "1970-01-01     2   0",
            "1970-01-02     0   0",
            "1970-01-03     0   0",
            "1970-01-04     0   1",
        ]
