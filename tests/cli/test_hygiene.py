"""Import hygiene: the headless core never imports Textual; the CLI's --help imports no spaCy."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "workbench.scheme",
    "workbench.session",
    "workbench.review",
    "workbench.writer",
    "workbench.models",
    "workbench.nlp",
    "workbench.store",
    "workbench.importer",
    "workbench.formats.jsonl",
    "workbench.formats.text",
    "workbench.report",
    "workbench.agreement",
    "workbench.export.docbin",
    "workbench.export.jsonl",
    "workbench.formats.prodigy",
    "workbench.formats.doccano",
]


def loaded_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_textual(module: str) -> None:
    assert "textual" not in loaded_after(f"import {module}")


def test_core_does_not_import_spacy_until_it_tokenizes() -> None:
    modules = loaded_after("import workbench.store, workbench.importer")
    assert "spacy" not in modules


def test_help_imports_neither_spacy_nor_textual_nor_the_store() -> None:
    code = "from workbench.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    modules = loaded_after(code)
    assert "spacy" not in modules
    assert "textual" not in modules
    assert "sqlalchemy" not in modules
