"""``workbench train``, ``workbench models`` and ``workbench suggest model``: spaCy pipelines
trained on the workbench's own labels, listed, and run back over the documents."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from workbench.cli import (
    DbOption,
    DocOption,
    DocsOption,
    JsonOption,
    ModelsOption,
    SchemeOption,
    _documents,
    _number,
    _print_json,
    app,
    fail,
    open_store,
    suggest_app,
    user_errors,
)

INTERRUPTED = 130
"""The exit code after Ctrl+C (the shell's for SIGINT), the best pipeline kept."""


@app.command("train")
@user_errors
def train_command(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Option(help="What to train on: gold, majority or an annotator's name.")
    ] = "gold",
    pipeline: Annotated[
        str, typer.Option(help="What the claim spans train: spancat or ner (as export spacy).")
    ] = "spancat",
    name: Annotated[
        str | None,
        typer.Option(help="The model's name (models/NAME). Default: SOURCE-TIMESTAMP."),
    ] = None,
    max_steps: Annotated[
        str | None,
        typer.Option(help="Stop after this many steps. Default: the config's.", show_default=False),
    ] = None,
    dev: Annotated[str, typer.Option(help="Share of documents held out to score on.")] = "0.2",
    seed: Annotated[str, typer.Option(help="Seed of the split and of spaCy.")] = "0",
    gpu_id: Annotated[str, typer.Option(help="GPU to train on; -1: the CPU.")] = "-1",
    models: ModelsOption = None,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Train a spaCy pipeline (spaCy's own training, the spaCy export's corpus and config);
    keep the best one by dev score under models/NAME. Ctrl+C stops early, keeping the best."""
    from workbench.train.progress import progress_for
    from workbench.train.run import train_model

    steps = None
    if max_steps is not None:
        steps = _number(max_steps, "--max-steps", int, "a whole number from 1")
    store = open_store(ctx, db, scheme)
    try:
        result = train_model(
            store,
            source=source,
            pipeline=pipeline,
            name=name,
            max_steps=steps,
            dev=_number(dev, "--dev", float, "a fraction from 0 up to (not including) 1"),
            seed=_number(seed, "--seed", int, "a whole number from 0 to 2**64-1"),
            gpu_id=_number(gpu_id, "--gpu-id", int, "a GPU number, or -1 for the CPU"),
            models=models,
            progress=progress_for(sys.stderr),
        )
    except KeyboardInterrupt:
        typer.echo("interrupted before the first evaluation: no model kept", err=True)
        raise typer.Exit(INTERRUPTED) from None
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    meta = result.meta
    how = f"stopped by Ctrl+C after {meta['steps']} steps" if result.interrupted else "trained"
    typer.echo(
        f"{how}: kept the best pipeline (step {meta['best_step']}, score {meta['score']:.3f})"
        f" in {result.path}; {len(meta['train_documents'])} train and"
        f" {len(meta['dev_documents'])} dev documents",
        err=True,
    )
    typer.echo(f"next: workbench suggest model {result.path}", err=True)
    if result.interrupted:
        raise typer.Exit(INTERRUPTED)


@app.command("models")
@user_errors
def models_command(json: JsonOption = False, models: ModelsOption = None) -> None:
    """The trained models: source, pipeline, data and dev scores."""
    from workbench.train.registry import models_data, models_dir

    data = models_data(models)
    if json:
        _print_json(data)
        return
    if not data:
        typer.echo(f"No models in {models_dir(models)}/ yet (`workbench train`).", err=True)
        return
    _print_models(data)


def _print_models(data: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, pad_edge=False)
    for column in ("model", "source", "pipeline", "trained", "train", "dev", "score"):
        table.add_column(column, justify="right" if column in ("train", "dev") else "left")
    table.add_column("spans F", justify="right")
    table.add_column("cats", justify="right")
    for model in data:
        scores = model.get("scores", {})
        prefix = "ents" if model.get("pipeline") == "ner" else "spans_claim_type"
        spans = f"{scores[f'{prefix}_f']:.2f}" if f"{prefix}_f" in scores else "–"
        cats = scores.get("cats_score")
        table.add_row(
            Text(model["name"]),
            Text(str(model.get("source", "?"))),
            str(model.get("pipeline", "?")),
            str(model.get("trained_at", "?"))[:16].replace("T", " "),
            str(len(model.get("train_documents", []))),
            str(len(model.get("dev_documents", []))),
            f"{model.get('score', 0.0):.3f}" + (" (stopped)" if model.get("interrupted") else ""),
            spans,
            "–" if cats is None else f"{cats:.2f}",
        )
    Console().print(table)


@suggest_app.command("model")
@user_errors
def suggest_model_command(
    ctx: typer.Context,
    model: Annotated[
        str,
        typer.Argument(help="The model's folder (models/NAME) or its name.", show_default=False),
    ],
    not_done_by: Annotated[
        str | None,
        typer.Option(help="Only documents this annotator has not finished.", show_default=False),
    ] = None,
    min_score: Annotated[
        str, typer.Option(help="Store predictions scoring at least this.")
    ] = "0.3",
    max_per_doc: Annotated[
        str,
        typer.Option(
            help="Store at most this many span predictions per document, the best first (0: all)."
        ),
    ] = "200",
    documents: DocsOption = None,
    doc: DocOption = None,
    models: ModelsOption = None,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Run a trained model over the stored documents: its claim spans (with spancat's
    scores) and stance and topic scores become suggestions of the source model:NAME."""
    from workbench.train.predict import LeftOut, suggest_model

    threshold = _number(min_score, "--min-score", float, "a score from 0 to 1")
    if not 0 <= threshold <= 1:
        raise fail(f"--min-score {min_score}: use a score from 0 to 1")
    cap = _number(max_per_doc, "--max-per-doc", int, "a whole number, 0 for all")
    if cap < 0:
        raise fail(f"--max-per-doc {max_per_doc}: use a whole number, 0 for all")
    store = open_store(ctx, db, scheme)
    left_out = LeftOut(cap or None)
    summary = suggest_model(
        store,
        model,
        docs=_documents(documents, doc),
        not_done=not_done_by,
        min_score=threshold,
        max_per_doc=cap or None,
        models=models,
        left_out=left_out,
    )
    typer.echo(f"{summary} (database: {store.db.name})", err=True)
    if left_out.spans:
        typer.echo(
            f"left out {left_out.spans:,} span predictions beyond the best {cap:,} of each of"
            f" {left_out.documents:,} documents: raise --min-score, or --max-per-doc to keep"
            " more (0: all)",
            err=True,
        )
