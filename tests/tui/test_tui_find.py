"""Finding text in an article (the pure part; the keys are in test_tui_app)."""

from __future__ import annotations

from workbench.tui.screens.find import Match, find_next

TEXT = "Putin met Xi. Later PUTIN said: putin-style diplomacy."


def test_next_match_after_the_cursor_ignoring_case() -> None:
    assert find_next(TEXT, "putin", -1) == Match(0, 5, 1, 3)
    assert find_next(TEXT, "putin", 0) == Match(20, 25, 2, 3)
    assert find_next(TEXT, "Putin", 20) == Match(32, 37, 3, 3)


def test_wraps_to_the_top_and_reports_none_for_no_match() -> None:
    assert find_next(TEXT, "putin", 32) == Match(0, 5, 1, 3)
    assert find_next(TEXT, "kremlin", 0) is None
    assert find_next(TEXT, "", 0) is None


def test_the_query_is_text_not_a_pattern() -> None:
    assert find_next(TEXT, ".", 0) == Match(12, 13, 1, 2)
    assert find_next("a (b) c", "(b)", 0) == Match(2, 5, 1, 1)


def test_offsets_are_the_texts_own_where_case_folding_changes_length() -> None:
    text = "İstanbul and istanbul"
    match = find_next(text, "istanbul", -1)
    assert match is not None and text[match.start : match.end] == "İstanbul"  # 1 char, not 2
