"""Names come from users and files: every screen shows them as they are, never reading them as
markup. A name like ``x[/]`` once crashed the app before its first frame."""

from __future__ import annotations

import html
import re

from tui_helpers import SIZE, opened, until

from workbench.store import NewDocument, Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.agreement import AgreementScreen
from workbench.tui.screens.annotator import AnnotatorScreen
from workbench.tui.screens.compare import CompareScreen
from workbench.tui.screens.documents import DocumentsScreen

ODD_DOCUMENT = "[red]odd[/] x[/]"
ODD_PEOPLE = ("[b]bob", "x[/]")


def screen_text(app: WorkbenchApp) -> str:
    """What the terminal shows, row by row (from the app's own screenshot)."""
    svg = app.export_screenshot()
    rows: dict[float, list[str]] = {}
    for y, chunk in re.findall(r'<text[^>]*\by="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(float(y), []).append(html.unescape(chunk).replace("\xa0", " "))
    return "\n".join("".join(rows[y]) for y in sorted(rows))


def odd_names(store: Store) -> None:
    """A document and two annotators whose names look like Rich/Textual markup, both of them
    done on "summit" with different labels."""
    store.add_documents([NewDocument(ODD_DOCUMENT, "Prices rose [sic] again. Nobody knew.")])
    for name, label in zip(ODD_PEOPLE, ("FACT", "QUOTE"), strict=True):
        annotation = store.annotation(store.document_by_name("summit"), store.annotator(name).id)
        store.add_span(annotation.id, 0, 2, label)
        store.set_status(annotation.id, "done")


async def test_annotator_picker_list_palette_and_article_show_names_as_they_are(
    small_store: Store,
) -> None:
    odd_names(small_store)
    app = WorkbenchApp(small_store)  # no name given: the picker lists the existing ones
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AnnotatorScreen), "the picker")
        # Each check waits for the picture: a table paints rows it was given on a later turn.
        await until(
            pilot, lambda: all(name in screen_text(app) for name in ODD_PEOPLE), "the names"
        )
        await pilot.press("down", "enter")  # by name: "[b]bob", then "x[/]"
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")
        assert app.annotator is not None and app.annotator.name == "x[/]"
        await until(pilot, lambda: ODD_DOCUMENT in screen_text(app), "the document's row")

        await pilot.press("ctrl+p")
        await pilot.press(*"odd")
        await until(pilot, lambda: f"open {ODD_DOCUMENT}" in screen_text(app), "the palette hit")
        await pilot.press("enter")
        screen = await opened(pilot)
        await until(pilot, lambda: screen.document is not None, "the article")
        assert screen.document is not None and screen.document.name == ODD_DOCUMENT
        await pilot.press("1")  # a span over "Prices": its quote reaches the status line
        await until(pilot, lambda: "saved" in screen_text(app), "the save")
        shown = screen_text(app)
        assert f"{ODD_DOCUMENT} · x[/]" in shown  # the header
        assert "Prices rose [sic] again." in shown
        assert app.is_running


async def test_agreement_and_comparison_show_names_as_they_are(small_store: Store) -> None:
    odd_names(small_store)
    app = WorkbenchApp(small_store, annotator="lead", role="reviewer")
    # Tall, so that the figures under the confusion grids and the charts are on the screen.
    async with app.run_test(size=(SIZE[0], 160)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")
        await pilot.press("ctrl+g")
        await until(pilot, lambda: isinstance(app.screen, AgreementScreen), "agreement")
        screen = app.screen
        assert isinstance(screen, AgreementScreen)
        await until(pilot, lambda: screen._report is not None, "the report")
        await until(pilot, lambda: "([b]bob, x[/])" in screen_text(app), "the figures")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen), "the comparison")
        await until(
            pilot,
            lambda: any("[b]bob" in row and "x[/]" in row for row in screen_text(app).splitlines()),
            "the heads",
        )
        assert app.is_running
