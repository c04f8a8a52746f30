"""``workbench find``: every match of a text in the corpus, with the spans over it."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from workbench.cli import DbOption, JsonOption, SchemeOption, app, open_store, user_errors


@app.command()
@user_errors
def find(
    ctx: typer.Context,
    text: Annotated[
        str, typer.Argument(help="The text to find (any case), or with --regex a pattern.")
    ],
    regex: Annotated[
        bool, typer.Option("--regex", help="TEXT is a Python regular expression (case as written).")
    ] = False,
    label: Annotated[
        str | None,
        typer.Option(help="Only matches a span of this claim type overlaps.", show_default=False),
    ] = None,
    annotator: Annotated[
        str | None,
        typer.Option(
            help="Whose eyes: an annotator sees only their own spans; a reviewer, or no"
            " --annotator, sees everyone's.",
            show_default=False,
        ),
    ] = None,
    json: JsonOption = False,
    db: DbOption = None,
    scheme: SchemeOption = None,
) -> None:
    """List every match in the corpus: document, offsets, a snippet, the spans over it."""
    import orjson

    from workbench.find import compile_query, find_matches

    compile_query(text, regex=regex)  # a bad pattern is refused before the database opens
    store = open_store(ctx, db, scheme)
    out = sys.stdout
    matches = documents = 0
    last = None
    found = find_matches(store, text=text, regex=regex, label=label, annotator=annotator)
    if json:
        out.write("[")
    for match in found:  # printed as found: the corpus is read a page at a time
        if json:
            out.write(("\n  " if not matches else ",\n  ") + orjson.dumps(match.to_json()).decode())
        else:
            out.write(f"{match.document}:{match.start}-{match.end}  {match.snippet}\n")
            for span in match.spans:
                stance = f" {span.stance}" if span.stance else ""
                out.write(f"    {span.annotator}: {span.label}{stance} {span.start}-{span.end}\n")
        matches += 1
        documents += match.document != last
        last = match.document
    if json:
        out.write("\n]\n" if matches else "]\n")
    out.flush()
    typer.echo(
        f"{matches} match{'es' * (matches != 1)} in {documents} document{'s' * (documents != 1)}",
        err=True,
    )
