"""``workbench train``, ``models`` and ``suggest model`` on the command line: plain progress
lines off a terminal, one error line for too little data, Ctrl+C keeps the best pipeline."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from cli_helpers import assert_user_error, invoke
from helpers import TRAIN_SCHEME

from workbench.store import NewAnnotation, NewDocument, NewSpan, open_store

SCHEME = TRAIN_SCHEME


def fill(workdir: Path, count: int, *, labelled: int | None = None) -> dict[str, str]:
    """A database of ``count`` short reports (the first ``labelled`` labelled by gold); the
    environment that points the command line at it."""
    (workdir / "scheme.toml").write_text(SCHEME, encoding="utf-8")
    url = f"sqlite:///{workdir / 'cli.db'}"
    store = open_store(url, workdir / "scheme.toml")
    documents = []
    for number in range(count):
        text = f"Report {number} says trade rose {number}% as gas flows grew. Critics were loud."
        spans = tuple(
            NewSpan(text.index(p), text.index(p) + len(p), label, None, ())
            for p, label in (("trade rose", "STATISTIC"), ("gas flows grew", "FACT"))
        )
        has = labelled is None or number < labelled
        annotation = NewAnnotation(
            "gold",
            stance=("NEUTRAL" if number % 2 else "CRITICAL") if has else None,
            topics=(("ECONOMY",) if number % 3 else ("ENERGY",)) if has else (),
            spans=spans if has else (),
        )
        documents.append(NewDocument(f"r{number:03d}", text, annotations=(annotation,)))
    store.add_documents(documents)
    store.close()
    return {
        "WORKBENCH_DB": url,
        "WORKBENCH_SCHEME": str(workdir / "scheme.toml"),
        "WORKBENCH_MODELS": str(workdir / "models"),
    }


def test_too_little_data_is_one_error_line(workdir: Path) -> None:
    env = fill(workdir, 4, labelled=1)
    result = invoke("train", "--max-steps", "2", env=env)
    assert_user_error(result, "too little data to train: 1 document with labels")
    assert not (workdir / "models").exists()
    assert_user_error(invoke("train", "--max-steps", "x", env=env), "--max-steps 'x'")
    assert_user_error(invoke("train", "--name", "a/b", env=env), "--name 'a/b'")


def test_models_lists_nothing_yet(workdir: Path) -> None:
    env = fill(workdir, 2)
    result = invoke("models", "--json", env=env)
    assert result.exit_code == 0 and orjson.loads(result.stdout) == []
    assert "No models" in invoke("models", env=env).stderr


@pytest.mark.slow
def test_train_models_and_suggest_model(workdir: Path) -> None:
    env = fill(workdir, 8)
    result = invoke("train", "--name", "m1", "--max-steps", "4", env=env)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("training spancat, stance, topics: at most 4 steps")
    assert lines[1].startswith("step 0 epoch 0 loss ") and "score " in lines[1]
    assert any(line.startswith("step 4 ") for line in lines)
    assert "in " + str(workdir / "models" / "m1") in result.stderr
    listed = orjson.loads(invoke("models", "--json", env=env).stdout)
    assert [m["name"] for m in listed] == ["m1"]
    assert len(listed[0]["train_documents"]) + len(listed[0]["dev_documents"]) == 8
    assert "m1" in invoke("models", env=env).stdout
    made = invoke("suggest", "model", "m1", "--min-score", "0", "--docs", "r000,r001", env=env)
    assert made.exit_code == 0, made.output
    assert "model:m1:" in made.stderr and "suggestions stored" in made.stderr
    assert_user_error(invoke("suggest", "model", "nope", env=env), "model 'nope'", "m1")
    assert_user_error(invoke("suggest", "model", "m1", "--min-score", "2", env=env), "--min-score")
    assert_user_error(
        invoke("suggest", "model", "m1", "--max-per-doc", "-1", env=env), "--max-per-doc"
    )
    capped = invoke("suggest", "model", "m1", "--min-score", "0", "--max-per-doc", "2", env=env)
    assert capped.exit_code == 0, capped.output
    assert "span predictions beyond the best 2 of each of" in capped.stderr

    # Honest evaluation (issue 14.5): scored against gold only where the model did not train.
    assert invoke("suggest", "model", "m1", "--min-score", "0", env=env).exit_code == 0
    report = orjson.loads(invoke("suggestions", "--json", env=env).stdout)["sources"]["model:m1"]
    trained, held = listed[0]["train_documents"], listed[0]["dev_documents"]
    assert report["held_out"] == {
        "model_found": True,
        "trained_on_documents": len(trained),
        "gold_documents_scored": len(held),
        "gold_documents_left_out": len(trained),
    }
    assert report["total"]["against"]["gold"]["documents"] <= len(held)
    text = invoke("suggestions", env=env).stdout
    assert f"on the {len(held)} gold documents the model was not trained on" in text
    shutil.rmtree(workdir / "models" / "m1")
    report = orjson.loads(invoke("suggestions", "--json", env=env).stdout)["sources"]["model:m1"]
    assert report["held_out"]["model_found"] is False
    assert "the model's folder is gone" in invoke("suggestions", env=env).stdout


@pytest.mark.slow
def test_ctrl_c_stops_training_and_keeps_the_best_pipeline(workdir: Path) -> None:
    env = {**os.environ, **fill(workdir, 8), "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "train", "--name", "stopped", "--max-steps", "100000"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=workdir,
    )
    assert process.stderr is not None
    seen = []
    deadline = time.monotonic() + 60
    for line in process.stderr:  # the first evaluation is saved as model-best
        seen.append(line)
        if line.startswith("step 0 ") or time.monotonic() > deadline:
            break
    time.sleep(0.5)  # well into the steps after it
    process.send_signal(signal.SIGINT)
    rest = process.stderr.read()
    assert process.wait(timeout=60) == 130, "".join(seen) + rest
    assert "stopped by Ctrl+C after" in rest and "Traceback" not in rest
    meta = orjson.loads((workdir / "models/stopped/workbench.json").read_bytes())
    assert meta["interrupted"] is True and meta["steps"] < 100000
    assert (workdir / "models/stopped/meta.json").is_file()
    import spacy

    assert spacy.load(workdir / "models/stopped").pipe_names == ["spancat", "stance", "topics"]
