"""The one selection resolver (annotators, statuses, documents) that the agreement report and
the exports share, and its errors, which name the field they are about."""

from __future__ import annotations

import pytest
from export_corpus import annotated

from workbench.agreement.collect import resolve as agreement_selection
from workbench.errors import FieldError, FieldNotFoundError, NotFoundError
from workbench.export.sources import resolve_source
from workbench.models import STATUSES
from workbench.selection import Everyone, parse_statuses, resolve
from workbench.store import Store


def ids(store: Store, *names: str) -> dict[str, int]:
    return {info.name: info.id for info in store.annotators() if info.name in names}


def test_annotators_are_named_or_everyone_with_or_without_gold(store: Store) -> None:
    annotated(store)
    everyone = resolve(store, annotators=Everyone.WITH_GOLD)
    assert everyone.annotators == ids(store, "ann", "bob", "cy", "gold")
    assert everyone.everyone and everyone.annotator_ids is None
    assert not everyone.explicit_annotators
    but_gold = resolve(store, annotators=Everyone.BUT_GOLD)
    assert list(but_gold.annotators) == ["ann", "bob", "cy"]
    assert but_gold.annotator_ids == frozenset(ids(store, "ann", "bob", "cy").values())
    named = resolve(store, annotators=[" gold", "ann "], status="any", docs=["summit"])
    assert list(named.annotators) == ["ann", "gold"] and named.explicit_annotators
    assert named.statuses == STATUSES
    assert named.document_ids == frozenset({store.document_by_name("summit")})


def test_export_sources_and_the_agreement_report_select_through_it(store: Store) -> None:
    annotated(store)
    for source, who in (
        ("all", Everyone.WITH_GOLD),
        ("majority", Everyone.BUT_GOLD),
        ("gold", ["gold"]),
        ("cy", ["cy"]),
    ):
        chosen = resolve_source(store, source, "done,in_progress", ["energy"])
        assert chosen.source == source
        assert chosen.merged == (source == "majority")
        assert chosen.selection == resolve(
            store, annotators=who, status="done,in_progress", docs=["energy"]
        )
    assert agreement_selection(store, None, "done", None) == resolve(store)
    assert agreement_selection(store, ["bob", "ann"], "any", ["summit"]) == resolve(
        store, annotators=["ann", "bob"], status="any", docs=["summit"]
    )


@pytest.mark.parametrize(
    ("call", "field", "message", "not_found"),
    [
        (lambda s: parse_statuses("done,finished"), "status", "status 'finished': use any", False),
        (lambda s: resolve(s, status=" , "), "status", "status ' , ': use any", False),
        (lambda s: resolve(s, annotators=[""]), "annotators", "annotators: the list of", False),
        (
            lambda s: resolve(s, annotators=["ann", "zed", "yo"]),
            "annotators",
            "annotators: unknown annotators 'zed', 'yo'; known annotators: ann, bob, cy, gold",
            True,
        ),
        (lambda s: resolve(s, docs=[" "]), "docs", "docs: the list of documents is empty", False),
        (lambda s: resolve(s, docs=["summit", "x"]), "docs", "docs: unknown document 'x';", True),
        (lambda s: resolve_source(s, " "), "source", "source is empty; use gold,", False),
        (lambda s: resolve_source(s, "zed"), "source", "source zed: no annotator named", True),
    ],
)
def test_errors_name_the_field(
    store: Store, call: object, field: str, message: str, not_found: bool
) -> None:
    annotated(store)
    with pytest.raises(FieldError) as raised:
        call(store)  # type: ignore[operator]
    assert raised.value.field == field
    assert str(raised.value).startswith(message)
    assert isinstance(raised.value, NotFoundError) == not_found


def test_majority_with_no_annotators_yet_says_so(store: Store) -> None:
    with pytest.raises(FieldNotFoundError, match="source majority: there are no annotators"):
        resolve_source(store, "majority")
    assert resolve_source(store, "all").selection.annotators == {}
