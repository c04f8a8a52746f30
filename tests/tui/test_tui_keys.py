"""Keys: the scheme's taken keys match the screens' bindings, keymap entries are checked
(binding ids and key names, as Textual reads them), the help shows ids whole at 80 columns."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from textual import keys as textual_keys
from textual.binding import Binding
from tui_helpers import until

from workbench.errors import WorkbenchError
from workbench.scheme import KINDS, TAKEN_KEYS, LabelKind, default_scheme, parse_scheme
from workbench.store import NewDocument, Store, open_store
from workbench.tui.app import WorkbenchApp
from workbench.tui.config import TuiConfig, check_keymap, load_config
from workbench.tui.keys import (
    binding_ids,
    binding_key,
    key_character,
    key_problem,
    known_binding_ids,
    label_binding_id,
)
from workbench.tui.screens.annotate import AnnotateScreen
from workbench.tui.screens.choose import LabelChooser
from workbench.tui.screens.documents import DocumentsScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.review import ReviewScreen
from workbench.tui.widgets.document_view import DocumentView

WHERE_USED: dict[LabelKind, tuple[type, ...]] = {
    # Claim-type keys label on the annotation and review screens, over the article.
    "claim_type": (AnnotateScreen, ReviewScreen, DocumentView, WorkbenchApp),
    # Stance and topic keys pick in the chooser.
    "stance": (LabelChooser, WorkbenchApp),
    "topics": (LabelChooser, WorkbenchApp),
}


def screen_text(app: WorkbenchApp) -> str:
    """What the terminal shows, row by row, each character in its column (from the app's own
    screenshot: a run of blanks there has no text, only a position)."""
    svg = app.export_screenshot()
    rows: dict[float, dict[int, str]] = {}
    pattern = r'<text[^>]*\bx="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>(.*?)</text>'
    for x, y, length, chunk in re.findall(pattern, svg):
        text = html.unescape(chunk).replace("\xa0", " ")
        width = float(length) / len(text)
        row = rows.setdefault(float(y), {})
        for offset, character in enumerate(text):
            row[round(float(x) / width) + offset] = character
    return "\n".join(
        "".join(rows[y].get(column, " ") for column in range(max(rows[y]) + 1))
        for y in sorted(rows)
    )


def character_keys(classes: tuple[type, ...]) -> dict[str, set[str]]:
    """The one-character keys bound by these classes (and what they inherit): key -> uses."""
    found: dict[str, set[str]] = {}
    for cls in classes:
        for base in cls.__mro__:
            for binding in Binding.make_bindings(base.__dict__.get("BINDINGS", ())):
                character = key_character(binding.key)
                if character and len(character) == 1 and character.isprintable():
                    found.setdefault(character, set()).add(binding.tooltip or binding.description)
    return found


# -- the scheme's taken keys ----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_taken_keys_are_exactly_the_keys_bound_where_the_labels_are_used(kind: LabelKind) -> None:
    bound = character_keys(WHERE_USED[kind])
    assert set(TAKEN_KEYS[kind]) == set(bound)
    for key, uses in bound.items():  # the message names the use as the screen shows it
        assert any(f'"{use}"' in TAKEN_KEYS[kind][key] for use in uses), (key, uses)


def test_the_default_scheme_takes_no_taken_key() -> None:
    scheme = default_scheme()
    for kind in KINDS:
        assert not {label.key for label in scheme.labels(kind)} & set(TAKEN_KEYS[kind])


def test_binding_key_is_the_key_textual_reports_for_the_character() -> None:
    """For every character of the Latin blocks, and a few more: a label's key is bound as
    Textual names it, and that name is a valid key in a keymap."""
    characters = [chr(c) for c in range(0x21, 0x300)] + list("€№→★")
    for character in characters:
        if not character.isprintable() or unicodedata.category(character).startswith("Z"):
            continue
        expected = textual_keys._character_to_key(character)
        assert binding_key(character) == expected, character
        assert key_problem(expected) is None, character


async def test_a_stance_hotkey_that_is_punctuation_picks_in_the_chooser(
    small_store: Store,
) -> None:
    """The chooser binds the key Textual reports ("plus"), not the character: "+" fired
    nothing before."""
    scheme = parse_scheme(
        {
            "claim_type": [{"name": "FACT"}],
            "stance": [{"name": "PRO", "key": "+"}, {"name": "CON", "key": ","}],
            "topics": [{"name": "T"}],
        },
        "test",
    )
    picked: list[str | None] = []
    app = WorkbenchApp(small_store, annotator="alice")
    async with app.run_test() as pilot:
        await until(pilot, lambda: isinstance(app.screen, DocumentsScreen), "the list")
        for key in ("plus", "comma"):
            chooser = LabelChooser("Stance", scheme.stance)
            await app.push_screen(chooser, picked.append)
            await until(pilot, lambda: chooser.is_mounted, "the chooser")  # noqa: B023
            await pilot.press(key)
            await until(pilot, lambda: app.screen is not chooser, "the pick")  # noqa: B023
    assert picked == ["PRO", "CON"]


# -- keymap entries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ("a,,b", "empty key"),
        (",u", "empty key"),
        ("ctrl+zz", "no key is called 'zz'"),
        ("Escape", "no key is called 'Escape'"),
        ("control+z", "'control' is not a modifier"),
        ("shift+ctrl+z", "Textual writes that key 'ctrl+shift+z'"),
        ("ctrl+?", "'ctrl+question_mark'"),
        ("ctrl+", "a key is missing"),
    ],
)
def test_keys_textual_would_never_match_are_refused(keys: str, problem: str) -> None:
    found = key_problem(keys)
    assert found is not None and problem in found


@pytest.mark.parametrize(
    "keys",
    ["u", "U", "?", "ctrl+z", "ctrl+shift+left", "question_mark", "slash", "f12", "space,tab"],
)
def test_keys_textual_reports_are_accepted(keys: str) -> None:
    assert key_problem(keys) is None


def test_every_declared_binding_id_is_known_and_names_a_known_key() -> None:
    scheme = default_scheme()
    known = known_binding_ids(scheme)
    assert binding_ids([WorkbenchApp, AnnotateScreen, ReviewScreen, DocumentView]) <= known
    assert {"agreement.review", "documents.open", "chooser.close", "help.close"} <= known
    assert {label_binding_id(name) for name in scheme.names("claim_type")} <= known
    assert label_binding_id("FACT") == "annotate.label.FACT"
    for cls in (WorkbenchApp, AnnotateScreen, ReviewScreen, DocumentView, LabelChooser):
        for base in cls.__mro__:
            for binding in base.__dict__.get("BINDINGS", ()):
                assert isinstance(binding, Binding)
                assert key_problem(binding.key) is None, binding


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_invalid_key_in_the_config_names_the_file_and_the_entry(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[keymap]\n"annotate.undo" = "ctrl+z,,u"\n')
    with pytest.raises(WorkbenchError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f"{path}: keymap.annotate.undo: 'ctrl+z,,u' has an empty key; separate keys with one comma"
    )


def test_unquoted_dotted_ids_are_binding_ids(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[keymap]\nannotate.undo = "ctrl+u"\napp.help = "f2"\n')
    assert load_config(path).keymap == {"annotate.undo": "ctrl+u", "app.help": "f2"}


def test_an_unknown_binding_id_names_the_file_and_the_entry(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[keymap]\n"annotate.undoo" = "u"\n"annotate.label.FACT" = "f"\n')
    config = load_config(path)
    with pytest.raises(WorkbenchError) as caught:
        check_keymap(config, default_scheme())
    assert str(caught.value) == (
        f"{path}: keymap.annotate.undoo: no binding has this id; did you mean annotate.undo?"
    )
    check_keymap(TuiConfig({"annotate.label.FACT": "f"}, str(path)), default_scheme())
    with pytest.raises(WorkbenchError, match=r"keymap\.annotate\.label\.NOPE: no binding"):
        check_keymap(TuiConfig({"annotate.label.NOPE": "f"}, str(path)), default_scheme())


def test_ids_of_screens_not_yet_imported_are_known() -> None:
    """The CLI checks the keymap once the app is imported; the agreement screen is not yet."""
    code = (
        "import sys\n"
        "import workbench.tui.app\n"
        "from workbench.scheme import default_scheme\n"
        "from workbench.tui.config import TuiConfig, check_keymap\n"
        "assert 'workbench.tui.screens.agreement' not in sys.modules\n"
        "check_keymap(TuiConfig({'agreement.review': 'r', 'annotate.done': 'D'}, 'c'),"
        " default_scheme())\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the help screen ------------------------------------------------------------------------


async def test_help_shows_binding_ids_whole_at_80_columns(small_store: Store) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(
            pilot,
            lambda: isinstance(app.screen, AnnotateScreen) and app.screen.annotation is not None,
            "the article",
        )
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = help_screen.rows()
        ids = {binding_id for *_, binding_id in rows if binding_id}
        assert "document-view.select-sentence-previous" in ids
        # Every other word in the box: the intro, the hint, places, keys and actions.
        prose = " ".join(
            [AnnotateScreen.HELP_INTRO, "Keys escape closes · keys can be remapped: see the README"]
        )
        prose += " " + " ".join(" ".join(row[:3]) for row in rows)
        plain = set(re.findall(r"[\w.-]+", prose))
        seen: set[str] = set()
        for _ in range(20):
            await pilot.pause()
            box = [line.split("│")[1] for line in screen_text(app).splitlines() if "│" in line]
            shown = set(re.findall(r"[\w.-]+", "\n".join(box))) - plain
            assert shown <= ids, (shown - ids, box)  # no id cut short, no id run into words
            seen |= shown
            if seen == ids:
                break
            await pilot.press("pagedown")
        assert seen == ids


# -- claim-type keys on the annotation screen -------------------------------------------------


async def label_with(store: Store, config: TuiConfig, keys: list[str]) -> list[tuple[str, int]]:
    """The spans (label, first token) that ``keys`` make on "summit", from its start."""
    app = WorkbenchApp(store, annotator="alice", document="summit", config=config)
    async with app.run_test() as pilot:
        await until(
            pilot,
            lambda: isinstance(app.screen, AnnotateScreen) and app.screen.annotation is not None,
            "the article",
        )
        await pilot.press(*keys)
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen) and screen.annotation is not None
        return [(span.label, span.token_start) for span in screen.annotation.spans]


async def test_a_claim_type_key_that_is_punctuation_labels(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "scheme.toml"
    path.write_text(
        '[[claim_type]]\nname = "FACT"\nkey = "+"\n[[stance]]\nname = "S"\n'
        '[[topics]]\nname = "T"\n',
        encoding="utf-8",
    )
    store = open_store(db_url, path)
    try:
        store.add_documents([NewDocument("summit", "Xi Jinping met Vladimir Putin.")])
        assert await label_with(store, TuiConfig(), ["plus"]) == [("FACT", 0)]
    finally:
        store.close()


async def test_a_claim_type_key_is_remapped_by_its_id(small_store: Store) -> None:
    config = TuiConfig({label_binding_id("FACT"): "f"}, "config.toml")
    check_keymap(config, small_store.scheme)
    # "1" (its key in the scheme) is remapped away: only "f", on the second token, labels.
    assert await label_with(small_store, config, ["1", "right", "f"]) == [("FACT", 1)]
