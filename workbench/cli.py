"""The ``workbench`` command: thin Typer shells over the core, imported lazily (fast --help)."""

from __future__ import annotations

import functools
import gc
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar, cast

import typer

if TYPE_CHECKING:
    from workbench.nlp import AlignMode
    from workbench.store import Store

P = ParamSpec("P")
R = TypeVar("R")
MAX_LISTED = 10
"""How many skipped, renamed or invalid entries an import lists before it says how many more."""

app = typer.Typer(
    name="workbench",
    help="Annotate claims, stance and topics in news articles; measure agreement;"
    " export training data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database: a SQLite file path or URL, or postgresql://USER@HOST/DB."
        " Default: $WORKBENCH_DB, else labels/workbench.db.",
        show_default=False,
    ),
]
SchemeOption = Annotated[
    Path | None,
    typer.Option(
        "--scheme",
        help="Label scheme TOML. Default: $WORKBENCH_SCHEME, else labels/scheme.toml if present,"
        " else the scheme stored in the database.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
StatusOption = Annotated[str, typer.Option(help="Statuses that count: done, any, or a comma list.")]
"""Which annotations count, for the agreement report and exports alike (see
``workbench.selection``)."""
DocsOption = Annotated[
    str | None,
    typer.Option("--docs", help="Comma list of document names. Default: all.", show_default=False),
]
CompareOption = Annotated[
    str | None,
    typer.Option(help="Comma list of annotators to compare. Default: all but gold."),
]
ModelsOption = Annotated[
    Path | None,
    typer.Option(
        "--models",
        help="Folder of the trained models. Default: $WORKBENCH_MODELS, else models/.",
        show_default=False,
    ),
]
DocOption = Annotated[
    list[str] | None,
    typer.Option(
        "--doc",
        help="A document name, exactly (a name with a comma in it too); may be repeated.",
        show_default=False,
    ),
]


@dataclass
class Options:
    """Global options, given before the command; a command's own --db/--scheme win."""

    db: str | None = None
    scheme: Path | None = None


def fail(message: str) -> typer.Exit:
    """Print a user error (one line per problem) on stderr; the caller raises the result.

    Control characters a message quotes from the input (a file name with ESC, a label with
    NUL) are printed as escapes: no input acts on the terminal.
    """
    from workbench.formats.text import shown

    for line in message.split("\n"):
        line = shown(line)
        typer.echo(f"error: {line}" if not line.startswith("error:") else line, err=True)
    return typer.Exit(1)


def user_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`WorkbenchError` into its message and exit code 1, never a traceback.

    The core names a wrong value's field (``format 'x' unknown; ...``); here the field is the
    option of the same name, so its flag takes the name's place (``--format 'x' ...``).
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from workbench.errors import FieldError, WorkbenchError

        try:
            result = command(*args, **kwargs)
            for store in _OPENED:
                store.keep_scheme()
            return result
        except FieldError as exc:
            raise fail(exc.with_flag(_flag(exc.field))) from None
        except WorkbenchError as exc:
            raise fail(str(exc)) from None
        except BrokenPipeError:  # e.g. `workbench docs | head`
            sys.stderr.close()
            raise typer.Exit(0) from None
        finally:
            _OPENED.clear()

    return wrapper


def _flag(field: str) -> str:
    """The option of a core field: the same name, as a flag."""
    return "--" + field.replace("_", "-")


def _names(value: str | None) -> list[str] | None:
    """A comma list option as names (None when not given)."""
    return None if value is None else value.split(",")


N = TypeVar("N", int, float)


def _number(value: str, flag: str, kind: type[N], what: str) -> N:
    """An option's number, or one ``error:`` line (not a usage box) saying what it takes."""
    try:
        return kind(value)
    except ValueError:
        raise fail(f"{flag} {value!r}: use {what}") from None


def _documents(names: str | None, exact: list[str] | None) -> list[str] | None:
    """The documents of ``--docs`` (a comma list) and ``--doc`` (each one name, as it is)
    together; None (all) if neither is given."""
    if names is None and not exact:
        return None
    return [*(_names(names) or []), *(exact or [])]


def open_store(ctx: typer.Context, db: str | None, scheme: Path | None) -> Store:
    """The store for a command, from its own options or the global ones."""
    from workbench.store import open_store as open_

    options: Options = ctx.obj or Options()
    store = open_(db or options.db, scheme or options.scheme)
    _OPENED.append(store)
    return store


_OPENED: list[Store] = []
"""The stores this process's command opened: once the command succeeds, each stores the
scheme it was given if no change did (a refused command leaves the database as it was)."""


@app.callback()
def root(ctx: typer.Context, db: DbOption = None, scheme: SchemeOption = None) -> None:
    """Workbench: a terminal annotation workbench."""
    ctx.obj = Options(db, scheme)


@app.command()
@user_errors
def annotate(
    ctx: typer.Context,
    annotator: Annotated[
        str | None, typer.Option(help="Your name (asked for if not given).", show_default=False)
    ] = None,
    doc: Annotated[
        str | None, typer.Option("--doc", help="Open this document at once.", show_default=False)
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help="annotator or reviewer (reviewers also get the agreement screen, ctrl+g).",
            show_default=False,
        ),
    ] = None,
    no_suggestions: Annotated[
        bool,
        typer.Option(
            "--no-suggestions", help="Hide suggestions (for an annotator who must work unaided)."
        ),
    ] = False,
    min_score: Annotated[
        str, typer.Option(help="What A accepts: pending suggestions scoring at least this.")
    ] = "0.5",
    order: Annotated[
        str,
        typer.Option(
            help="The document list's order: name, or uncertain (the latest model's least"
            " sure documents first: smallest mean |score - 0.5| of its suggestions)."
        ),
    ] = "name",
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Annotate in the terminal UI. An empty database gets the seeds/ articles first."""
    if role is not None and role not in ("annotator", "reviewer"):
        raise fail(f"--role {role!r}: use annotator or reviewer")
    threshold = _number(min_score, "--min-score", float, "a score from 0 to 1")
    if not 0 <= threshold <= 1:
        raise fail(f"--min-score {min_score}: use a score from 0 to 1")
    if order not in ("name", "uncertain"):
        raise fail(f"--order {order!r}: use name or uncertain")
    # Start-up allocates hundreds of thousands of objects that live as long as the process
    # (modules, classes, tables); collecting while they pile up finds nothing and costs about
    # 0.1 s. So no collection until they are made, then they are frozen out of the collector's
    # sight: later collections only look at what the session itself allocates.
    gc.disable()
    try:
        _run_tui(
            ctx,
            annotator,
            doc,
            role,
            db,
            scheme,
            suggestions=not no_suggestions,
            min_score=threshold,
            order=order,
        )
    finally:
        gc.enable()


@app.command()
@user_errors
def review(
    ctx: typer.Context,
    reviewer: Annotated[
        str | None, typer.Option(help="Your name (asked for if not given).", show_default=False)
    ] = None,
    doc: Annotated[
        str | None,
        typer.Option("--doc", help="Adjudicate this document at once.", show_default=False),
    ] = None,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Adjudicate into the gold set: most disagreement first, gold beside the annotators' votes."""
    gc.disable()  # as for annotate
    try:
        _run_tui(ctx, reviewer, doc, "reviewer", db, scheme, review=True)
    finally:
        gc.enable()


def _run_tui(
    ctx: typer.Context,
    annotator: str | None,
    doc: str | None,
    role: str | None,
    db: str | None,
    scheme: Path | None,
    *,
    review: bool = False,
    suggestions: bool = True,
    min_score: float = 0.5,
    order: str = "name",
) -> None:
    from workbench.models import GOLD
    from workbench.tui.config import check_keymap, load_config

    if annotator is not None and annotator.strip() == GOLD:
        option = "--reviewer" if review else "--annotator"
        raise fail(f"{option} {GOLD}: the name is reserved for the reviewed set; use your own")
    if annotator is not None:
        from workbench.store.core import check_annotator_name

        check_annotator_name(annotator, "--reviewer" if review else "--annotator")
    config = load_config()  # a broken config file is an error now, not a surprise in the TUI
    store = open_store(ctx, db, scheme)
    if store.db.read_only:
        raise fail(
            f"{store.db.name}: the database is read-only (its file or folder cannot be written"
            " here), and annotating saves every change; status, docs, agreement, export and"
            " check still read it"
        )
    from workbench.tui.app import WorkbenchApp  # first: most binding ids are then known

    check_keymap(config, store.scheme)  # label ids depend on the scheme in force
    if review and store.count_documents() == 0:
        raise fail(
            f"{store.db.name} has no documents to review yet; import some "
            "(`workbench import PATH`) and annotate them first"
        )
    if store.count_documents() == 0:
        from workbench.importer import import_paths

        seeds = Path("seeds")
        if not seeds.is_dir():
            raise fail(
                f"{store.db.name} has no documents yet; add some with `workbench import PATH`"
            )
        typer.echo(f"{store.db.name} is new: importing the articles in {seeds}/ first", err=True)
        summary = import_paths(store, [seeds])
        typer.echo(f"imported {len(summary.imported)} documents", err=True)
    if doc is not None:
        store.document_by_name(doc)  # a clear error now rather than inside the TUI
    if order == "uncertain":
        from workbench.train.uncertainty import uncertainty

        uncertainty(store)  # no model suggestions yet: a clear error now
    tui = WorkbenchApp(
        store,
        annotator=annotator,
        document=doc,
        role=role,
        config=config,
        review=review,
        suggestions=suggestions,
        min_score=min_score,
        order=order,
    )
    gc.freeze()
    gc.enable()
    tui.run()


@app.command("import")
@user_errors
def import_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help=".txt files, folders (searched recursively for .txt) or .jsonl files; - is stdin.",
            show_default=False,
        ),
    ],
    annotator: Annotated[
        str | None,
        typer.Option(help="Annotator for labelled JSONL lines (overrides _annotator_id)."),
    ] = None,
    align: Annotated[
        str,
        typer.Option(help="Spans off token boundaries: strict (refuse), expand or contract."),
    ] = "strict",
    replace: Annotated[
        bool, typer.Option(help="Replace an annotator's existing annotation of a document.")
    ] = False,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="JSONL format: auto (told apart per line), workbench, prodigy, doccano.",
        ),
    ] = "auto",
    skip_invalid: Annotated[
        bool,
        typer.Option(
            help="Import the valid lines and files, list every invalid one (default: refuse"
            " the whole import)."
        ),
    ] = False,
    suggestions: Annotated[
        bool,
        typer.Option(
            "--suggestions",
            help="The labels become suggestions of the source import:NAME, not annotations.",
        ),
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(
            help="With --suggestions: the source's NAME. Default: the first file's stem.",
            show_default=False,
        ),
    ] = None,
    offsets: Annotated[
        str | None,
        typer.Option(
            help="What span offsets count: codepoints or utf16 (UTF-16 units, as doccano's"
            " browser does). Default: utf16 for doccano, codepoints for the others.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Import documents (and annotations in JSONL); nothing is written if any input is bad."""
    from workbench.importer import import_paths
    from workbench.store.records import SKIP_KINDS

    if align not in ("strict", "expand", "contract"):
        raise fail(f"--align {align!r}: use strict, expand or contract")
    store = open_store(ctx, db, scheme)
    with _progress("Importing") as advance:
        summary = import_paths(
            store,
            paths,
            annotator=annotator,
            align=cast("AlignMode", align),
            replace=replace,
            format=format,
            skip_invalid=skip_invalid,
            offsets=offsets,
            suggestions=f"import:{source or paths[0].stem}" if suggestions else None,
            progress=advance,
        )
    parts = [f"imported {len(summary.imported)} document{'s' * (len(summary.imported) != 1)}"]
    if summary.annotations:
        parts.append(f"{summary.annotations} annotations with {summary.spans} spans")
    skipped = [
        f"{count} {SKIP_KINDS[kind][count != 1]}" for kind, count in summary.skip_counts.items()
    ]
    parts.append("skipped " + (", ".join(skipped) or "0"))
    if skip_invalid:
        parts.append(f"left out {len(summary.invalid)} invalid")
    typer.echo(", ".join(parts) + f" (database: {store.db.name})", err=True)
    for line in summary.invalid[:MAX_LISTED]:
        typer.echo(f"  invalid, left out: {line}", err=True)
    if len(summary.invalid) > MAX_LISTED:
        typer.echo(f"  ... and {len(summary.invalid) - MAX_LISTED} more invalid", err=True)
    for name, why in summary.skipped[:MAX_LISTED]:
        typer.echo(f"  skipped {name}: {why}", err=True)
    if len(summary.skipped) > MAX_LISTED:
        typer.echo(f"  ... and {len(summary.skipped) - MAX_LISTED} more skipped", err=True)
    for given, stored in summary.renamed[:MAX_LISTED]:
        typer.echo(f"  named {stored}: another text is named {given}", err=True)
    if len(summary.renamed) > MAX_LISTED:
        typer.echo(f"  ... and {len(summary.renamed) - MAX_LISTED} more renamed", err=True)
    for what, count in summary.not_kept.items():
        typer.echo(f"  not imported: {count:,} {what}", err=True)
    if summary.suggested is not None:
        typer.echo(f"  {summary.suggested}", err=True)


@app.command()
@user_errors
def status(
    ctx: typer.Context, json: JsonOption = False, db: DbOption = None, scheme: SchemeOption = None
) -> None:
    """Progress: documents, and per annotator done, in progress, skipped and spans."""
    from workbench.report import print_status, status_data

    store = open_store(ctx, db, scheme)
    data = status_data(store)
    if json:
        _print_json(data)
    else:
        print_status(data, store.db.name)


@app.command()
@user_errors
def docs(
    ctx: typer.Context,
    json: JsonOption = False,
    search: Annotated[str, typer.Option(help="Only names that contain this.")] = "",
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """List documents with their length in tokens and spans per annotator."""
    from workbench.report import docs_data, print_docs

    store = open_store(ctx, db, scheme)
    data = docs_data(store, search)
    if json:
        _print_json(data)
    else:
        print_docs(data)


@app.command()
@user_errors
def agreement(
    ctx: typer.Context,
    annotators: CompareOption = None,
    status: StatusOption = "done",
    documents: DocsOption = None,
    doc: DocOption = None,
    json: JsonOption = False,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Inter-annotator agreement: stance, topics, spans, and the documents to review first."""
    from workbench.agreement.report import agreement_report, print_agreement

    store = open_store(ctx, db, scheme)
    data = agreement_report(
        store, annotators=_names(annotators), status=status, docs=_documents(documents, doc)
    )
    if json:
        _print_json(data)
    else:
        print_agreement(data)


@app.command()
@user_errors
def check(ctx: typer.Context, db: DbOption = None, scheme: SchemeOption = None) -> None:
    """Verify the database: integrity, orphan rows, span alignment, labels, the change log."""
    from workbench.store.maintenance import check_database

    store = open_store(ctx, db, scheme)
    problems = check_database(store)
    for problem in problems:
        typer.echo(problem)
    if problems:
        raise fail(f"{store.db.name}: {len(problems)} problem{'s' * (len(problems) != 1)} found")
    typer.echo(f"{store.db.name}: ok", err=True)


@app.command()
@user_errors
def backup(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(help="The copy to write (a new SQLite file).")],
    force: Annotated[bool, typer.Option(help="Overwrite the target if it exists.")] = False,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Copy the live SQLite database consistently, even while annotators are working."""
    from workbench.store.maintenance import backup_database

    store = open_store(ctx, db, scheme)
    size = backup_database(store, target, overwrite=force)
    typer.echo(f"backed up {store.db.name} to {target} ({size / 1e6:.1f} MB)", err=True)


export_app = typer.Typer(
    help="Export training data: spaCy corpora with a training config, or JSONL.",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")

suggest_app = typer.Typer(
    help="Suggestions: labels proposed by rules or models, decided one by one by annotators.",
    no_args_is_help=True,
)
app.add_typer(suggest_app, name="suggest")


@suggest_app.command("patterns")
@user_errors
def suggest_patterns_command(
    ctx: typer.Context,
    patterns: Annotated[
        Path,
        typer.Argument(
            help="spaCy pattern JSONL (what SpanRuler and EntityRuler read): label, pattern"
            " (a phrase or token patterns), optional id.",
            show_default=False,
        ),
    ],
    source: Annotated[
        str | None,
        typer.Option(help="The source's name, patterns:NAME. Default: the file's stem."),
    ] = None,
    documents: DocsOption = None,
    doc: DocOption = None,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Match a pattern file over the stored documents with spaCy's SpanRuler; its matches
    become suggestions (its pending ones from an earlier run are replaced, decided ones stay)."""
    from workbench.suggest import suggest_patterns

    store = open_store(ctx, db, scheme)
    summary = suggest_patterns(store, patterns, source=source, docs=_documents(documents, doc))
    typer.echo(f"{summary} (database: {store.db.name})", err=True)


@app.command()
@user_errors
def suggestions(
    ctx: typer.Context,
    json: JsonOption = False,
    models: ModelsOption = None,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Per suggestion source and label: made, pending, accepted, edited, rejected, the
    acceptance rate, and precision and recall against gold and each annotator's done work."""
    from workbench.suggestion_report import print_suggestions, suggestion_report
    from workbench.train.registry import trained_on_by_source

    store = open_store(ctx, db, scheme)
    data = suggestion_report(store, trained_on_by_source(store, models))
    if json:
        _print_json(data)
    else:
        print_suggestions(data)


@suggest_app.command("occurrences")
@user_errors
def suggest_occurrences_command(
    ctx: typer.Context,
    from_: Annotated[
        str,
        typer.Option(
            "--from", help="The annotator (or gold) whose spans are looked for everywhere."
        ),
    ],
    documents: DocsOption = None,
    doc: DocOption = None,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Suggest each claim type an annotator gave a text wherever that text recurs (source
    occurrences)."""
    from workbench.suggest import suggest_occurrences

    store = open_store(ctx, db, scheme)
    summary = suggest_occurrences(store, from_, docs=_documents(documents, doc))
    typer.echo(f"{summary} (database: {store.db.name})", err=True)


@suggest_app.command("clear")
@user_errors
def suggest_clear_command(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Option(help="The source whose pending suggestions go, e.g. patterns:claims.")
    ],
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Remove a source's pending suggestions; the ones an annotator decided stay."""
    store = open_store(ctx, db, scheme)
    known = store.suggestion_counts()
    if source not in known:
        listed = ", ".join(sorted(known)) or "none yet"
        raise fail(f"--source {source!r}: no such suggestion source (sources: {listed})")
    removed = store.clear_suggestions(source)
    typer.echo(f"{source}: {removed} pending suggestions removed", err=True)


SourceOption = Annotated[
    str,
    typer.Option(
        "--source", help="gold, an annotator's name, all (one record per annotation) or majority."
    ),
]


@export_app.command("spacy")
@user_errors
def export_spacy_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Folder for train.spacy, dev.spacy, config.cfg.")] = (
        Path("exports/spacy")
    ),
    source: SourceOption = "gold",
    dev: Annotated[str, typer.Option(help="Share of documents for dev.spacy.")] = "0.2",
    seed: Annotated[
        str, typer.Option(help="Seed of the train/dev split (0 to 2**64-1), also spaCy's.")
    ] = "0",
    pipeline: Annotated[
        str,
        typer.Option(
            help="What the claim spans train: spancat (doc.spans, may overlap) or ner"
            " (doc.ents, may not)."
        ),
    ] = "spancat",
    drop_overlapping: Annotated[
        bool,
        typer.Option(
            "--drop-overlapping",
            help="With --pipeline ner: leave overlapping claims out of doc.ents (the longest"
            " is kept, then the earliest) instead of refusing the export.",
        ),
    ] = False,
    status: StatusOption = "done",
    documents: DocsOption = None,
    doc: DocOption = None,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """spaCy DocBin corpora split by document, a config for `spacy train`, a summary."""
    from workbench.export.docbin import export_spacy

    store = open_store(ctx, db, scheme)
    with _progress("Exporting") as advance:
        result = export_spacy(
            store,
            out=out,
            source=source,
            status=status,
            docs=_documents(documents, doc),
            dev=_number(dev, "--dev", float, "a fraction from 0 up to (not including) 1"),
            seed=_number(seed, "--seed", int, "a whole number from 0 to 2**64-1"),
            pipeline=pipeline,
            drop_overlapping=drop_overlapping,
            progress=advance,
        )
    splits = result.summary["splits"]
    typer.echo(
        f"wrote {out}: train.spacy ({splits['train']['docs']} docs), dev.spacy"
        f" ({splits['dev']['docs']} docs), config.cfg, summary.json",
        err=True,
    )
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(
        f"train: python -m spacy train {out}/config.cfg --paths.train {out}/train.spacy"
        f" --paths.dev {out}/dev.spacy",
        err=True,
    )


@export_app.command("jsonl")
@user_errors
def export_jsonl_command(
    ctx: typer.Context,
    out: Annotated[
        str | None,
        typer.Option(
            help="File to write, or - for stdout. Default: exports/SOURCE.jsonl.",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="workbench (Prodigy-compatible) or doccano.")
    ] = "workbench",
    offsets: Annotated[
        str | None,
        typer.Option(
            help="What span offsets count: codepoints or utf16 (UTF-16 units, as doccano's"
            " browser does). Default: utf16 for doccano, codepoints for the others.",
            show_default=False,
        ),
    ] = None,
    source: SourceOption = "gold",
    status: StatusOption = "done",
    documents: DocsOption = None,
    doc: DocOption = None,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """One JSON object per annotation: Workbench/Prodigy task format or doccano."""
    from workbench.export.jsonl import export_jsonl
    from workbench.formats.registry import FORMATS

    store = open_store(ctx, db, scheme)
    # An unknown format keeps the usual name: the export refuses it before writing anything.
    chosen = FORMATS.get(format)
    target = out if out is not None else f"exports/{source}{chosen.suffix if chosen else '.jsonl'}"
    with _progress("Exporting") as advance:
        result = export_jsonl(
            store,
            out=target,
            source=source,
            status=status,
            docs=_documents(documents, doc),
            format=format,
            offsets=offsets,
            progress=advance,
        )
    where = "stdout" if target == "-" else target
    typer.echo(
        f"wrote {result.records} lines ({result.documents} documents, {format}) to {where}",
        err=True,
    )
    if result.stance_ties:
        from workbench.export.sources import ties_message

        typer.echo(f"warning: {ties_message(result.stance_ties)}", err=True)


def _print_json(data: Any) -> None:
    import orjson

    sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


class _progress:
    """A Rich progress bar on stderr when it is a terminal; a no-op otherwise."""

    def __init__(self, title: str) -> None:
        self.title = title
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[int, int], None]:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(console=Console(stderr=True), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.title, total=None)
        return self.advance

    def advance(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def main() -> None:
    """The console script."""
    app()


# Commands defined in workbench/commands/ register on `app` as they are imported; they import
# only Typer and this module at the top, so `workbench --help` stays fast.
from workbench.commands import find as _find  # noqa: E402, F401
from workbench.commands import labels as _labels  # noqa: E402, F401
from workbench.commands import report as _report  # noqa: E402, F401
from workbench.commands import route as _route  # noqa: E402, F401
from workbench.commands import train as _train  # noqa: E402, F401
