"""``workbench route set|show|clear|next``: who annotates what (issue 15.1-3)."""

from __future__ import annotations

from typing import Annotated

import typer

from workbench.cli import (
    DbOption,
    JsonOption,
    SchemeOption,
    _names,
    _number,
    _print_json,
    app,
    open_store,
    user_errors,
)

route_app = typer.Typer(
    help="Route documents to annotators: per-document overlap, a calibration set, leases.",
    no_args_is_help=True,
)
app.add_typer(route_app, name="route")


@route_app.command("set")
@user_errors
def route_set_command(
    ctx: typer.Context,
    per_doc: Annotated[
        str, typer.Option("--per-doc", help="Annotators each document needs (K, from 1).")
    ],
    calibration: Annotated[
        str,
        typer.Option(help="The first N documents of the seeded order, which everyone does."),
    ] = "0",
    lease: Annotated[
        str,
        typer.Option(
            help="Minutes a document stays leased without a change by its holder;"
            " then it goes back to the pool."
        ),
    ] = "30",
    annotators: Annotated[
        str | None,
        typer.Option(help="Comma list of the annotators routed. Default: every one but gold."),
    ] = None,
    seed: Annotated[str, typer.Option(help="Seed of the document order.")] = "0",
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Store a routing policy (replacing any); leases already given stay."""
    from workbench.routing import set_policy

    k = _number(per_doc, "--per-doc", int, "a whole number from 1")
    n = _number(calibration, "--calibration", int, "a whole number from 0")
    minutes = _number(lease, "--lease", float, "a number of minutes above 0")
    order_seed = _number(seed, "--seed", int, "a whole number from 0 to 2**63-1")
    store = open_store(ctx, db, scheme)
    known = {person.name for person in store.annotators()}
    policy = set_policy(
        store,
        per_doc=k,
        calibration=n,
        lease=minutes,
        annotators=_names(annotators),
        seed=order_seed,
    )
    who = ", ".join(policy.annotators) or "every annotator"
    new = [name for name in policy.annotators if name not in known]
    if new:
        typer.echo(f"new annotators: {', '.join(new)} (check the spelling)", err=True)
    typer.echo(
        f"routing: {policy.per_doc} per document, {policy.calibration} calibration,"
        f" leases of {policy.lease_minutes:g} min; routes {who} (database: {store.db.name})",
        err=True,
    )


@route_app.command("show")
@user_errors
def route_show_command(
    ctx: typer.Context,
    json: JsonOption = False,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """The routing policy and each annotator's queue: done, leased, to do."""
    from workbench.routing import print_policy, show_policy

    data = show_policy(open_store(ctx, db, scheme))
    if json:
        _print_json(data)
    else:
        print_policy(data)


@route_app.command("clear")
@user_errors
def route_clear_command(
    ctx: typer.Context, db: DbOption = None, scheme: SchemeOption = None
) -> None:
    """Remove the routing policy and its leases: every annotator sees every document."""
    from workbench.routing import clear_policy

    had = clear_policy(open_store(ctx, db, scheme))
    typer.echo("routing policy removed" if had else "no routing policy was set", err=True)


@route_app.command("next")
@user_errors
def route_next_command(
    ctx: typer.Context,
    annotator: Annotated[str, typer.Option(help="Whose next document.")],
    json: JsonOption = False,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """Print the annotator's next document and take its lease: their own unfinished ones
    first, then the calibration documents, then the pool."""
    import datetime

    from workbench.routing import route_next

    store = open_store(ctx, db, scheme)
    pick = route_next(store, annotator=annotator)
    name = None if pick is None else store.document(pick.document_id).name
    if json:
        _print_json(
            {"annotator": annotator, "document": None}
            if pick is None
            else {
                "annotator": annotator,
                "document": name,
                "document_id": pick.document_id,
                "position": pick.position,
                "reason": pick.reason,
                "lease_until": pick.due_at,
            }
        )
    elif pick is None:
        typer.echo(f"nothing left for {annotator}", err=True)
    else:
        typer.echo(name)
        until = datetime.datetime.fromtimestamp(pick.due_at).strftime("%H:%M")
        typer.echo(f"{pick.reason}; leased to {annotator} until {until}", err=True)
