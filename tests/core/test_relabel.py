"""Renaming and merging labels (issue 15.5): every annotation, gold's, suggestions, the log,
the stored scheme and the scheme file change together; bad input changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SMALL_TEXTS, dump
from sqlalchemy import create_engine, text

from workbench import models
from workbench import relabel as relabel_module
from workbench.errors import SchemeError, WorkbenchError
from workbench.relabel import relabel, rewrite_scheme_text
from workbench.scheme import default_scheme, load_scheme
from workbench.store import NewDocument, NewSuggestion, Store, open_store, resolve_url
from workbench.store.maintenance import check_database

SCHEME = """\
# Our scheme: comments and order must survive a rename.
[[claim_type]]
name = "FACT"   # checkable
key = "1"
color = "#4e79a7"

# Statistics are facts with numbers.
[[claim_type]]
name = "STATISTIC"
key = "2"

[[claim_type]]
name = "OPINION"

[[stance]]
name = "SUPPORTIVE"

[[stance]]
name = "CRITICAL"

[[stance]]
name = "MIXED"

# Topics, most common first.
[[topics]]
name = "ECONOMY"

# Energy is its own topic.
[[topics]]
name = "ENERGY"

# last comes security
[[topics]]
name = "SECURITY"
"""


def span(store: Store, annotation: int, phrase: str, label: str, **labels: object) -> int:
    """Add a span over the first occurrence of ``phrase`` in the annotation's document."""
    body = store.document_for(annotation).text
    start = body.index(phrase)
    return store.add_span(annotation, start, start + len(phrase), label, **labels).id  # type: ignore[arg-type]


@pytest.fixture
def corpus(store: Store) -> Store:
    """ann and gold on summit, with spans, stances, topics; a pending span suggestion and
    topic suggestions."""
    store.add_documents(NewDocument(name, body) for name, body in SMALL_TEXTS.items())
    summit = store.document_by_name("summit")
    for who in ("ann", "gold"):
        annotation = store.annotation(summit, store.annotator(who).id).id
        span(store, annotation, "Xi Jinping met Vladimir Putin", "FACT", topics=["ECONOMY"])
        span(store, annotation, "Trade rose 26%", "STATISTIC", stance="MIXED")
        store.set_stance(annotation, "MIXED")
        store.set_topics(annotation, ["ECONOMY", "ENERGY"])
        store.set_status(annotation, "done")
    store.add_suggestions(
        "patterns:test",
        [
            NewSuggestion(summit, "FACT", start=0, end=10),
            NewSuggestion(summit, "ECONOMY", kind="topic"),
            NewSuggestion(summit, "ENERGY", kind="topic"),
        ],
    )
    return store


SpanLabels = tuple[str, str | None, tuple[str, ...]]


def labels_of(
    store: Store, who: str, document: str = "summit"
) -> tuple[str | None, tuple[str, ...], list[SpanLabels]]:
    info = store.find_annotation(store.document_by_name(document), store.annotator(who).id)
    assert info is not None
    return (
        info.stance,
        info.topics,
        sorted((s.label, s.stance, s.topics) for s in info.spans),
    )


def test_a_rename_changes_every_annotation_the_scheme_and_the_log(corpus: Store) -> None:
    before_key = corpus.scheme.get("claim_type", "FACT")
    change = relabel(corpus, action="rename", sources=["FACT"], target="CLAIM", by="lead")
    assert (change.action, change.kind, change.sources, change.target) == (
        "rename",
        "claim_type",
        ("FACT",),
        "CLAIM",
    )
    assert (change.annotations, change.spans, change.suggestions) == (2, 2, 1)
    for who in ("ann", "gold"):
        assert [s[0] for s in labels_of(corpus, who)[2]] == ["CLAIM", "STATISTIC"]
    assert {s.label for s in corpus.suggestions(corpus.document_by_name("summit"))} >= {"CLAIM"}
    renamed = corpus.scheme.get("claim_type", "CLAIM")
    assert renamed is not None and before_key is not None
    assert (renamed.key, renamed.color) == (before_key.key, before_key.color)
    assert corpus.scheme.names("claim_type")[0] == "CLAIM"  # its place kept
    assert check_database(corpus) == []
    # The stored scheme changed with the data: the database opens as it is.
    again = open_store(corpus.db.url)
    try:
        assert again.scheme.get("claim_type", "FACT") is None
        assert again.scheme.names("claim_type") == corpus.scheme.names("claim_type")
        (logged,) = again.label_changes()
        assert logged.as_json() == {**change.as_json()}
        assert logged.by == "lead"
    finally:
        again.close()


def test_undo_after_a_rename_restores_the_new_name(corpus: Store) -> None:
    annotation = corpus.annotation(corpus.document_by_name("summit"), corpus.annotator("ann").id)
    fact = next(s for s in annotation.spans if s.label == "FACT")
    corpus.relabel_span(annotation.id, fact.id, "OPINION")
    relabel(corpus, action="rename", sources=["FACT"], target="CLAIM", by="lead")
    corpus.undo(annotation.id)  # the relabel to OPINION: back to the claim type, now CLAIM
    assert [s[0] for s in labels_of(corpus, "ann")[2]] == ["CLAIM", "STATISTIC"]
    assert check_database(corpus) == []


def test_a_store_opened_before_a_rename_cannot_write_the_old_names(corpus: Store) -> None:
    # The annotator's screen keeps its store open while the lead renames in another process.
    screen = open_store(corpus.db.url)
    try:
        summit = screen.document_by_name("summit")
        annotation = screen.annotation(summit, screen.annotator("bo").id).id
        start = SMALL_TEXTS["summit"].index("Putin said")
        span(screen, annotation, "Putin said", "FACT")  # before the rename: saved
        relabel(corpus, action="rename", sources=["FACT"], target="CLAIM", by="lead")
        before = dump(corpus)
        with pytest.raises(WorkbenchError, match="renamed or merged meanwhile: quit and reopen"):
            screen.add_span(annotation, start, start + 5, "FACT")
        with pytest.raises(WorkbenchError, match="renamed or merged"):
            screen.set_stance(annotation, "MIXED")  # any label: its scheme is out of date
        with pytest.raises(WorkbenchError, match="renamed or merged"):
            screen.accept_suggestion(annotation, corpus.suggestions(summit)[-1].id)
        assert dump(corpus) == before  # nothing written with the old names
        screen.set_note(annotation, "a note names no label")  # still saved
        assert check_database(corpus) == []
    finally:
        screen.close()
    again = open_store(corpus.db.url)  # opened again: the new names work
    try:
        bo = again.annotation(again.document_by_name("summit"), again.annotator("bo").id)
        assert [s.label for s in bo.spans] == ["CLAIM"]
        start = SMALL_TEXTS["summit"].index("Moscow")
        again.add_span(bo.id, start, start + 6, "CLAIM")
    finally:
        again.close()


def test_merging_topics_never_duplicates_one(corpus: Store) -> None:
    change = relabel(
        corpus, action="merge", sources=["ECONOMY", "ENERGY"], target="ECON_ENERGY", by="lead"
    )
    assert change.kind == "topics"
    for who in ("ann", "gold"):
        _, topics, spans = labels_of(corpus, who)
        assert topics == ("ECON_ENERGY",)
        assert ("FACT", None, ("ECON_ENERGY",)) in spans
    topics = default_scheme().names("topics")
    assert corpus.scheme.names("topics") == ("ECON_ENERGY", *topics[2:])  # in ECONOMY's place
    topic_suggestions = [
        s for s in corpus.suggestions(corpus.document_by_name("summit")) if s.kind == "topic"
    ]
    assert [s.label for s in topic_suggestions] == ["ECON_ENERGY"]  # the two became one
    assert check_database(corpus) == []


def test_merging_into_an_existing_stance(corpus: Store) -> None:
    change = relabel(corpus, action="merge", sources=["MIXED"], target="CRITICAL", by="lead")
    assert (change.annotations, change.spans) == (2, 2)
    stance, _, spans = labels_of(corpus, "gold")
    assert stance == "CRITICAL"
    assert ("STATISTIC", "CRITICAL", ()) in spans
    assert "MIXED" not in corpus.scheme.names("stance")


def test_merging_claim_types_deletes_a_span_it_duplicates(corpus: Store) -> None:
    annotation = corpus.annotation(corpus.document_by_name("summit"), corpus.annotator("ann").id)
    span(corpus, annotation.id, "Xi Jinping met Vladimir Putin", "OPINION", topics=["ECONOMY"])
    relabel(corpus, action="merge", sources=["FACT", "OPINION"], target="FACT", by="lead")
    assert [s[0] for s in labels_of(corpus, "ann")[2]] == ["FACT", "STATISTIC"]
    assert check_database(corpus) == []
    corpus.undo(annotation.id)  # the deletion is the annotator's to undo
    assert [s[0] for s in labels_of(corpus, "ann")[2]] == ["FACT", "FACT", "STATISTIC"]


@pytest.mark.parametrize(
    ("action", "sources", "target", "kind", "message"),
    [
        ("rename", ["FACT"], "OPINION", None, "is taken: the scheme has the claim type OPINION"),
        ("rename", ["FACT"], "opinion", None, "merge them instead"),
        ("rename", ["FACT"], "ECONOMY", None, "the scheme has the topic ECONOMY"),
        ("rename", ["NOPE"], "X", None, "unknown label 'NOPE'"),
        ("rename", ["FACT"], "X", "topic", "'FACT' is not a topic of the scheme; it is a claim"),
        ("rename", ["FACT"], "X", "colour", "kind 'colour': use claim_type, stance or topic"),
        ("rename", ["FACT"], "FACT", None, "is already the label's name"),
        ("rename", ["FACT"], " ", None, "is empty"),
        ("merge", ["FACT"], "NEW", None, "to give one label a new name, rename it"),
        ("merge", ["FACT", "MIXED"], "NEW", None, "in more than one set"),
        ("merge", ["FACT", "STATISTIC"], "ENERGY", None, "the scheme has the topic ENERGY"),
    ],
)
def test_bad_input_is_one_error_and_changes_nothing(
    corpus: Store, action: str, sources: list[str], target: str, kind: str | None, message: str
) -> None:
    before = dump(corpus)
    with pytest.raises(WorkbenchError) as error:
        relabel(corpus, action=action, sources=sources, target=target, kind=kind, by="lead")
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert dump(corpus) == before
    assert corpus.label_changes() == []


# -- the scheme file -----------------------------------------------------------------------


@pytest.fixture
def scheme_path(workdir: Path) -> Path:
    path = workdir / "scheme.toml"
    path.write_text(SCHEME, encoding="utf-8")
    return path


def test_the_scheme_file_keeps_its_comments_and_order(backend_url: str, scheme_path: Path) -> None:
    store = open_store(backend_url, scheme_path)
    try:
        relabel(
            store,
            action="rename",
            sources=["FACT"],
            target="CLAIM",
            by="x",
            scheme_file=scheme_path,
        )
        after = scheme_path.read_text("utf-8")
        changed = [
            (old, new)
            for old, new in zip(SCHEME.splitlines(), after.splitlines(), strict=True)
            if old != new
        ]
        assert changed == [('name = "FACT"   # checkable', 'name = "CLAIM"   # checkable')]
        assert load_scheme(scheme_path).to_dict() == store.scheme.to_dict()
    finally:
        store.close()


def test_a_merge_removes_entries_and_keeps_keys_comments_and_colours(
    backend_url: str, scheme_path: Path
) -> None:
    store = open_store(backend_url, scheme_path)
    old = store.scheme
    try:
        relabel(
            store,
            action="merge",
            sources=["ECONOMY", "ENERGY"],
            target="ECONOMY",
            by="x",
            scheme_file=scheme_path,
        )
        after = scheme_path.read_text("utf-8")
        assert 'name = "ENERGY"' not in after
        assert "# Topics, most common first." in after
        assert "# last comes security" in after  # it introduced SECURITY, not ENERGY
        assert after.index("# last comes security") < after.index('name = "SECURITY"')
        security = store.scheme.get("topics", "SECURITY")
        before = old.get("topics", "SECURITY")
        assert security == before  # filled-in key and colour written out, not moved
        assert load_scheme(scheme_path).to_dict() == store.scheme.to_dict()
        # The pinned key goes under the entry's name, above the comment that follows it.
        assert after.index('name = "SECURITY"') < after.rindex("key = ")
    finally:
        store.close()


def test_a_scheme_file_that_cannot_be_written_changes_nothing(
    backend_url: str, scheme_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(backend_url, scheme_path)
    try:
        store.add_documents(NewDocument(name, body) for name, body in SMALL_TEXTS.items())
        annotation = store.annotation(store.document_by_name("summit"), store.annotator("a").id)
        span(store, annotation.id, "Trade rose 26%", "FACT")
        before = dump(store)

        def refuse(path: Path, body: str) -> None:
            raise SchemeError(f"{path}: cannot write the scheme file (Permission denied)")

        monkeypatch.setattr("workbench.store.relabel.write_scheme_file", refuse)
        with pytest.raises(SchemeError, match="Permission denied"):
            relabel(
                store,
                action="rename",
                sources=["FACT"],
                target="CLAIM",
                by="x",
                scheme_file=scheme_path,
            )
        assert dump(store) == before
        assert scheme_path.read_text("utf-8") == SCHEME
        assert store.scheme.get("claim_type", "FACT") is not None
    finally:
        store.close()


def test_a_file_edited_meanwhile_is_refused(backend_url: str, scheme_path: Path) -> None:
    store = open_store(backend_url, scheme_path)
    try:
        scheme_path.write_text(SCHEME.replace('name = "OPINION"', 'name = "VIEW"'), "utf-8")
        edited = scheme_path.read_text("utf-8")
        before = dump(store)
        with pytest.raises(SchemeError, match="is not the scheme in force"):
            relabel(
                store,
                action="rename",
                sources=["FACT"],
                target="C",
                by="x",
                scheme_file=scheme_path,
            )
        assert dump(store) == before and scheme_path.read_text("utf-8") == edited
    finally:
        store.close()


def test_rewriting_the_default_scheme_text(workdir: Path) -> None:
    from importlib import resources

    source = resources.files("workbench").joinpath("default_scheme.toml").read_text("utf-8")
    change = relabel_module.plan(
        default_scheme(), action="merge", sources=["WORLD_ORDER", "DIPLOMACY"], target="POLITICS"
    )
    rewritten = rewrite_scheme_text(source, change, workdir / "scheme.toml")
    assert rewritten.count("\n# ") == source.count("\n# ")  # every comment line kept
    assert 'name = "POLITICS"' in rewritten and "WORLD_ORDER" not in rewritten


# -- the history and the schema ------------------------------------------------------------


def test_the_history_lists_every_change_in_order(corpus: Store) -> None:
    relabel(corpus, action="rename", sources=["FACT"], target="CLAIM", by="ann")
    relabel(corpus, action="merge", sources=["CLAIM", "OPINION"], target="CLAIM", by="bob")
    history = [change.as_json() for change in corpus.label_changes()]
    assert [(h["by"], h["action"], h["from"], h["to"]) for h in history] == [
        ("ann", "rename", ["FACT"], "CLAIM"),
        ("bob", "merge", ["CLAIM", "OPINION"], "CLAIM"),
    ]
    assert history[0]["at"] <= history[1]["at"]
    assert history[1]["spans"] == 0  # nobody used OPINION


def test_a_version_4_database_gains_the_label_change_table(backend_url: str) -> None:
    store = open_store(backend_url)
    store.add_documents(NewDocument(name, body) for name, body in SMALL_TEXTS.items())
    annotation = store.annotation(store.document_by_name("summit"), store.annotator("ann").id)
    span(store, annotation.id, "Trade rose 26%", "FACT")
    store.close()
    engine = create_engine(resolve_url(backend_url))
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE label_change"))
            connection.execute(text("UPDATE meta SET value = '4' WHERE key = 'schema_version'"))
    finally:
        engine.dispose()
    store = open_store(backend_url)
    try:
        with store.db.read() as session:
            version = session.get(models.Meta, "schema_version")
        assert version is not None and version.value == str(models.SCHEMA_VERSION)
        assert [s[0] for s in labels_of(store, "ann")[2]] == ["FACT"]
        assert store.label_changes() == []
        relabel(store, action="rename", sources=["FACT"], target="CLAIM", by="x")
        assert [c.target for c in store.label_changes()] == ["CLAIM"]
        assert store.label_changes()[0].as_json()["from"] == ["FACT"]
    finally:
        store.close()


def test_a_decided_suggestion_stays_and_its_pending_twin_goes(corpus: Store) -> None:
    summit = corpus.document_by_name("summit")
    ann = corpus.annotation(summit, corpus.annotator("bob").id)
    energy = next(s for s in corpus.suggestions(summit) if s.label == "ENERGY")
    corpus.reject_suggestion(ann.id, energy.id)
    relabel(corpus, action="merge", sources=["ENERGY", "ECONOMY"], target="ENERGY", by="lead")
    topics = [
        s for s in corpus.suggestions(summit, corpus.annotator("bob").id) if s.kind == "topic"
    ]
    assert [(s.id, s.label, s.decision) for s in topics] == [(energy.id, "ENERGY", "rejected")]
    assert check_database(corpus) == []


def test_a_stance_rename_reaches_span_suggestions(corpus: Store) -> None:
    summit = corpus.document_by_name("summit")
    corpus.add_suggestions(
        "patterns:stances", [NewSuggestion(summit, "STATISTIC", start=41, end=55, stance="MIXED")]
    )
    change = relabel(corpus, action="rename", sources=["MIXED"], target="AMBIVALENT", by="x")
    assert change.suggestions == 1
    with corpus.db.read() as session:
        stances = session.execute(
            text("SELECT stance FROM suggestion WHERE label = 'STATISTIC'")
        ).all()
    assert [row[0] for row in stances] == ["AMBIVALENT"]


def test_a_store_opened_before_another_change_is_refused(corpus: Store) -> None:
    stale = open_store(corpus.db.url)
    try:
        relabel(corpus, action="rename", sources=["FACT"], target="CLAIM", by="first")
        before = dump(corpus)
        with pytest.raises(SchemeError, match="changed since it was opened"):
            relabel(stale, action="rename", sources=["OPINION"], target="VIEW", by="second")
        assert dump(corpus) == before
    finally:
        stale.close()
