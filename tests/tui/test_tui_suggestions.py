"""Suggestions in the annotation screen (issue 13.8, first keys): j and k go to the pending
ones, a accepts, r rejects, A accepts every one scoring at least --min-score, v hides them,
u takes a decision back; the database is checked after each key."""

from __future__ import annotations

from helpers import SMALL_TEXTS
from tui_helpers import SIZE, opened, saved, until

from workbench.store import NewSuggestion, Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.annotate import AnnotateScreen
from workbench.tui.widgets.document_view import DocumentView


def status_line(screen: AnnotateScreen) -> str:
    return str(screen.query_one("#status-line").render())


def suggest(store: Store) -> None:
    summit = store.document_by_name("summit")
    text = SMALL_TEXTS["summit"]
    putin = text.index("Vladimir Putin")
    store.add_suggestions(
        "patterns:claims",
        [
            NewSuggestion(summit, "FACT", start=0, end=2, score=0.9),
            NewSuggestion(summit, "QUOTE", start=putin, end=putin + 14, score=0.3),
        ],
    )


def footer_text(app: WorkbenchApp) -> str:
    from textual.widgets import Footer

    footer = app.screen.query_one(Footer)
    return " ".join(str(key.render()) for key in footer.query("FooterKey, FooterLabel"))


def marks_match_pending(screen: AnnotateScreen) -> bool:
    """The view marks exactly the pending span suggestions (drawn again or dropped one by one)."""
    pending = [
        (s.token_start or 0, s.token_end or 0, s.label) for s in screen.session.pending_suggestions
    ]
    return screen.query_one(DocumentView).marks == sorted(pending, key=lambda m: (m[0], -m[1]))


def decisions(store: Store) -> list[tuple[str, str | None]]:
    summit = store.document_by_name("summit")
    person = store.annotator("alice").id
    return [(s.label, s.decision) for s in store.suggestions(summit, person)]


async def test_keys_accept_and_reject_suggestions_one_by_one(small_store: Store) -> None:
    suggest(small_store)
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        # The footer is laid out again on a later turn once the suggestions are read.
        await until(pilot, lambda: "Suggestion" in footer_text(app), "the suggestion keys")
        await pilot.press("end", "k")  # back to the last pending one
        await until(pilot, lambda: "suggestion QUOTE" in status_line(screen), "k")
        assert marks_match_pending(screen) and len(screen.session.pending_suggestions) == 2
        await pilot.press("r")
        await until(pilot, lambda: decisions(small_store)[1] == ("QUOTE", "rejected"), "r")
        assert saved(small_store).spans == ()
        await until(pilot, lambda: marks_match_pending(screen), "the rejected mark dropped")
        assert len(screen.query_one(DocumentView).marks) == 1
        await pilot.press("home", "j")
        await until(pilot, lambda: "no pending suggestion after" in status_line(screen), "j")
        await pilot.press("a")  # the cursor is on the first token: the FACT suggestion
        await until(pilot, lambda: decisions(small_store)[0] == ("FACT", "accepted"), "a")
        assert [(s.start, s.end, s.label) for s in saved(small_store).spans] == [(0, 2, "FACT")]
        await until(pilot, lambda: screen.query_one(DocumentView).marks == [], "marks gone")
        await pilot.press("u")
        await until(pilot, lambda: decisions(small_store)[0] == ("FACT", None), "u")
        assert saved(small_store).spans == ()
        await until(pilot, lambda: len(screen.query_one(DocumentView).marks) == 1, "u marks")
        assert marks_match_pending(screen)
        await pilot.press("A")  # only the one scoring 0.5 or more: FACT (QUOTE is rejected)
        await until(pilot, lambda: decisions(small_store)[0] == ("FACT", "accepted"), "A")
        await until(pilot, lambda: "Suggestion" not in footer_text(app), "keys hidden")
        await pilot.press("r")  # nothing pending: the key is inert
        await pilot.pause()
        assert decisions(small_store) == [("FACT", "accepted"), ("QUOTE", "rejected")]


async def test_no_suggestions_leaves_them_out_and_the_keys_do_nothing(small_store: Store) -> None:
    suggest(small_store)
    app = WorkbenchApp(small_store, annotator="alice", document="summit", suggestions=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        await pilot.press("j", "a", "A", "r")  # inert, and not in the footer
        await pilot.press("v")
        await until(pilot, lambda: "--no-suggestions" in status_line(screen), "refused")
        assert "Suggestion" not in footer_text(app)
        assert decisions(small_store) == [("FACT", None), ("QUOTE", None)]
        assert saved(small_store).spans == ()


def side(screen: AnnotateScreen, block: str) -> str:
    return str(screen.query_one(f"#side-{block}").render())


def document_decisions(store: Store, who: str = "alice") -> dict[str, str | None]:
    summit = store.document_by_name("summit")
    person = store.annotator(who).id
    return {s.label: s.decision for s in store.suggestions(summit, person) if s.kind != "span"}


def suggest_document(store: Store) -> None:
    summit = store.document_by_name("summit")
    store.add_suggestions(
        "model:m",
        [
            NewSuggestion(summit, "CRITICAL", "stance", score=0.7),
            NewSuggestion(summit, "MIXED", "stance", score=0.2),
            NewSuggestion(summit, "ECONOMY", "topic", score=0.9),
            NewSuggestion(summit, "ENERGY", "topic", score=0.6),
        ],
    )


async def test_the_side_panel_names_the_source_and_score_under_the_cursor(
    small_store: Store,
) -> None:
    suggest(small_store)
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        await pilot.press("home")
        await until(pilot, lambda: "Suggested FACT" in side(screen, "focus"), "the FACT one")
        assert "patterns:claims · score 0.90" in side(screen, "focus")
        await pilot.press("a")
        await until(pilot, lambda: side(screen, "focus").startswith("Span FACT"), "accepted")
        await pilot.press("end")
        await until(pilot, lambda: "No span" in side(screen, "focus"), "moved off")
        await pilot.press("k")
        await until(pilot, lambda: "score 0.30" in side(screen, "focus"), "the QUOTE one")


async def test_document_suggestions_are_listed_and_accepted_from_the_choosers(
    small_store: Store,
) -> None:
    suggest_document(small_store)
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        shown = side(screen, "document")
        assert "✦ stance CRITICAL 0.70, MIXED 0.20" in shown
        assert "✦ topics ECONOMY 0.90, ENERGY 0.60" in shown
        await pilot.press("S", "enter")  # the chooser opens on the best suggestion
        await until(pilot, lambda: saved(small_store).stance == "CRITICAL", "stance")
        assert document_decisions(small_store) == {
            "CRITICAL": "accepted",
            "MIXED": "rejected",
            "ECONOMY": None,
            "ENERGY": None,
        }
        await until(pilot, lambda: "✦ stance" not in side(screen, "document"), "listed")
        economy = small_store.scheme.get("topics", "ECONOMY")
        assert economy is not None
        await pilot.press("T", economy.key)
        await until(pilot, lambda: saved(small_store).topics == ("ECONOMY",), "topic")
        assert document_decisions(small_store)["ECONOMY"] == "accepted"
        await pilot.press("ctrl+r", "escape")
        await until(pilot, lambda: document_decisions(small_store)["ENERGY"] == "rejected", "^r")
        assert saved(small_store).topics == ("ECONOMY",)
        await pilot.press("u")
        await until(pilot, lambda: document_decisions(small_store)["ENERGY"] is None, "undo")
        assert document_decisions(small_store, "bob") == dict.fromkeys(
            ["CRITICAL", "MIXED", "ECONOMY", "ENERGY"]
        )  # blind: bob's are his own


async def test_the_occurrences_key_suggests_the_span_where_its_text_recurs(
    small_store: Store,
) -> None:
    app = WorkbenchApp(small_store, annotator="alice", document="summit")
    text = SMALL_TEXTS["summit"]
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(pilot)
        quote = small_store.scheme.claim_type[2]
        first = text.index("Putin")
        tokens = small_store.document(small_store.document_by_name("summit")).tokens
        screen.query_one(DocumentView).move_cursor_to(tokens.starts.tolist().index(first))
        await pilot.press(quote.key)
        await until(pilot, lambda: len(saved(small_store).spans) == 1, "labelled")
        await pilot.press("asterisk")
        summit = small_store.document_by_name("summit")
        await until(pilot, lambda: bool(small_store.suggestions(summit)), "suggested")
        found = [(s.source, s.start, s.label) for s in small_store.suggestions(summit)]
        assert found == [("occurrences", text.rindex("Putin"), quote.name)]
        await until(pilot, lambda: "1 more occurrences" in status_line(screen), "said")
        await pilot.press("j", "a")
        await until(pilot, lambda: len(saved(small_store).spans) == 2, "accepted")
