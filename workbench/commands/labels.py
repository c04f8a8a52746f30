"""``workbench labels``: rename and merge labels mid-project, and list what was changed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbench.cli import (
    DbOption,
    JsonOption,
    Options,
    SchemeOption,
    _print_json,
    app,
    open_store,
    user_errors,
)

if TYPE_CHECKING:
    from workbench.store import LabelChangeInfo

labels_app = typer.Typer(
    help="Labels that change mid-project: rename, merge, and the history of both.",
    no_args_is_help=True,
)
app.add_typer(labels_app, name="labels")

KindOption = Annotated[
    str | None,
    typer.Option(
        "--kind",
        help="The label set: claim_type, stance or topic. Default: the one that has the names.",
        show_default=False,
    ),
]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who makes the change, for the log. Default: your login name."),
]


def _scheme_in_use(ctx: typer.Context, scheme: Path | None) -> Path | None:
    """The scheme file the command reads (and so rewrites), as ``open_store`` finds it."""
    from workbench.store import scheme_file

    options: Options = ctx.obj or Options()
    return scheme_file(scheme or options.scheme)


def _summary(change: LabelChangeInfo) -> str:
    from workbench.scheme import KIND_TITLES

    title = KIND_TITLES[change.kind]  # type: ignore[index]
    sources = ", ".join(change.sources)
    if change.action == "rename":
        what = f"Renamed {title} {sources} to {change.target}"
    else:
        plural = "s" * (len(change.sources) > 1)
        what = f"Merged {title}{plural} {sources} into {change.target}"
    where = f"; {change.scheme_file} rewritten" if change.scheme_file else ""
    return (
        f"{what}: {change.annotations} annotation"
        f"{'s' * (change.annotations != 1)}, {change.spans} span{'s' * (change.spans != 1)},"
        f" {change.suggestions} suggestion{'s' * (change.suggestions != 1)}{where}"
    )


def _run(
    ctx: typer.Context,
    *,
    action: str,
    sources: list[str],
    target: str,
    kind: str | None,
    by: str | None,
    db: str | None,
    scheme: Path | None,
) -> None:
    from workbench.relabel import parse_kind, relabel

    parse_kind(kind)  # a bad --kind is refused before the database opens
    path = _scheme_in_use(ctx, scheme)
    store = open_store(ctx, db, scheme)
    try:
        change = relabel(
            store,
            action=action,
            sources=sources,
            target=target,
            kind=kind,
            by=by,
            scheme_file=path,
        )
    finally:
        store.close()
    typer.echo(_summary(change))


@labels_app.command("rename")
@user_errors
def rename_command(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The label's name now.")],
    new: Annotated[str, typer.Argument(help="Its new name (not in use).")],
    kind: KindOption = None,
    by: ByOption = None,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Rename a claim type, stance or topic everywhere, and in the scheme file.

    Annotations (gold's too), suggestions, the logged changes and the scheme in the database
    change in one transaction; the scheme file keeps its comments and order.
    """
    _run(ctx, action="rename", sources=[old], target=new, kind=kind, by=by, db=db, scheme=scheme)


@labels_app.command("merge")
@user_errors
def merge_command(
    ctx: typer.Context,
    labels: Annotated[list[str], typer.Argument(help="The labels to merge.")],
    into: Annotated[
        str,
        typer.Option(
            "--into", help="The label they become: new, one of them, or another of the set."
        ),
    ],
    kind: KindOption = None,
    by: ByOption = None,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Merge labels of one set into one, everywhere, and in the scheme file.

    A document or span that had two of the merged topics has the new one once.
    """
    _run(ctx, action="merge", sources=labels, target=into, kind=kind, by=by, db=db, scheme=scheme)


@labels_app.command("history")
@user_errors
def history_command(
    ctx: typer.Context,
    json: JsonOption = False,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """List past renames and merges: when, by whom, from and to, how much changed."""
    from datetime import UTC, datetime

    from workbench.formats.text import shown

    store = open_store(ctx, db, scheme)
    try:
        changes = store.label_changes()
    finally:
        store.close()
    if json:
        _print_json([change.as_json() for change in changes])
        return
    if not changes:
        typer.echo("No label has been renamed or merged.")
        return
    for change in changes:
        # One line each, like `workbench find`: readable at any width, and greppable.
        when = datetime.fromtimestamp(change.at, UTC).strftime("%Y-%m-%d %H:%M")
        typer.echo(shown(f"{when} UTC  {change.by}  {_summary(change)}"))
