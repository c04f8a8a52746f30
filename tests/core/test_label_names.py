"""Label names are any printable text ("Sports Brand", "Person/Org"), at most 64 characters,
kept exactly through the scheme, the store (on both backends), the session and every export."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from workbench.errors import ImportFormatError, InvariantError, SchemeError
from workbench.export.jsonl import export_jsonl
from workbench.scheme import MAX_LABEL_LENGTH, load_scheme
from workbench.store import NewAnnotation, NewDocument, NewSpan, Store, open_store

LONGEST = "L" * MAX_LABEL_LENGTH
SCHEME = f"""
[[claim_type]]
name = "Sports Brand"
[[claim_type]]
name = "Person/Org"
[[claim_type]]
name = "{LONGEST}"
[[stance]]
name = "pro (mostly)"
[[topics]]
name = "Économie & Société"
"""
TEXT = "Nike met Adidas in Paris."


def odd_store(backend_url: str, tmp_path: Path) -> Store:
    path = tmp_path / "scheme.toml"
    path.write_text(SCHEME, encoding="utf-8")
    return open_store(backend_url, path)


def test_printable_names_round_trip_on_every_backend(backend_url: str, tmp_path: Path) -> None:
    store = odd_store(backend_url, tmp_path)
    try:
        spans = (
            NewSpan(0, 4, "Sports Brand", stance="pro (mostly)", topics=("Économie & Société",)),
            NewSpan(9, 15, "Person/Org"),
            NewSpan(19, 24, LONGEST),
        )
        store.add_documents(
            [
                NewDocument(
                    "d",
                    TEXT,
                    annotations=(NewAnnotation("ann", stance="pro (mostly)", spans=spans),),
                )
            ]
        )
        out = tmp_path / "out.jsonl"
        export_jsonl(store, out=out, source="ann")
        (line,) = [orjson.loads(raw) for raw in out.read_bytes().splitlines()]
        assert [span["label"] for span in line["spans"]] == ["Sports Brand", "Person/Org", LONGEST]
        assert line["spans"][0]["topics"] == ["Économie & Société"]
        assert line["stance"] == "pro (mostly)"
    finally:
        store.close()


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("A\x1b[31m", "control or other unprintable"),
        ("A\tB", "control or other unprintable"),
        ("A\u200bB", "control or other unprintable"),
        (" A", "starts or ends with a space"),
        ("L" * (MAX_LABEL_LENGTH + 1), f"at most {MAX_LABEL_LENGTH}"),
    ],
    ids=["escape", "tab", "zero-width-space", "leading-space", "too-long"],
)
def test_unusable_names_are_refused_by_the_scheme(tmp_path: Path, name: str, problem: str) -> None:
    path = tmp_path / "scheme.toml"
    path.write_text(
        f"[[claim_type]]\nname = {orjson.dumps(name).decode()}\n"
        '[[stance]]\nname = "S"\n[[topics]]\nname = "T"\n',
        encoding="utf-8",
    )
    with pytest.raises(SchemeError, match=problem):
        load_scheme(path)


@pytest.mark.parametrize(
    ("note", "problem"),
    [("a\x00b", "holds a NUL character"), ("x" * 10_001, "at most 10,000")],
    ids=["nul", "too-long"],
)
def test_notes_are_limited_alike_on_every_backend(
    backend_url: str, tmp_path: Path, note: str, problem: str
) -> None:
    store = open_store(backend_url)
    try:
        store.add_documents([NewDocument("d", TEXT)])
        document = store.document_by_name("d")
        annotation = store.annotation(document, store.annotator("ann").id)
        with pytest.raises(InvariantError, match=problem):
            store.set_note(annotation.id, note)
        with pytest.raises(ImportFormatError, match=f"field .note. .*{problem}"):
            store.add_documents(
                [NewDocument("e", "Other text.", annotations=(NewAnnotation("b", note=note),))]
            )
        assert [row.name for row in store.list_documents()] == ["d"]
        store.set_note(annotation.id, "x" * 10_000)
    finally:
        store.close()
