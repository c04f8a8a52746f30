"""The README's row-level security for a team on PostgreSQL, run as it is written: an
annotator's login role can annotate, flag and take routed documents, and sees no one else's
work."""

from __future__ import annotations

import re
import uuid

import pytest
from helpers import REPO
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workbench.errors import WorkbenchError
from workbench.routing import route_next, set_policy
from workbench.store import NewDocument, open_store


def readme_sql(group: str, person: str) -> list[str]:
    """The README's statements, its role names made this run's own (roles belong to the
    server, which other runs share)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("CREATE ROLE annotators NOLOGIN;")
    block = re.sub(r"--[^\n]*", "", readme[start : readme.index("```", start)])
    block = re.sub(r"\bannotators\b", group, re.sub(r"\balice\b", person, block))
    return [statement.strip() for statement in block.split(";") if statement.strip()]


@pytest.mark.parametrize("backend_url", ["postgresql"], indirect=True)
def test_the_readme_row_security_lets_an_annotator_work_and_see_only_their_own(
    backend_url: str,
) -> None:
    suffix = uuid.uuid4().hex[:8]
    group, person = f"annotators_{suffix}", f"alice_{suffix}"
    owner = open_store(backend_url)
    owner.add_documents([NewDocument("a", "Prices rose again."), NewDocument("b", "Oil fell.")])
    bob = owner.annotation(owner.document_by_name("b"), owner.annotator("bob").id)
    owner.add_span(bob.id, 0, 3, "FACT")
    owner.close()
    engine = create_engine(backend_url, isolation_level="AUTOCOMMIT")
    database = make_url(backend_url).database
    with engine.connect() as connection:
        for statement in readme_sql(group, person):
            connection.execute(text(statement))
        connection.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {person}'))
    login = make_url(backend_url).set(username=person, password="change-me")
    try:
        alice = open_store(login.render_as_string(hide_password=False))
        try:
            me = alice.annotator(person)
            mine = alice.annotation(alice.document_by_name("a"), me.id)
            alice.add_span(mine.id, 0, 6, "FACT")
            alice.flag_document(mine.id, "check the figure")
            assert alice.flag_of(mine.id) is not None
            assert [a.name for a in alice.annotators()] == [person]  # nobody else's name
            with pytest.raises(WorkbenchError):
                alice.annotator("bob")  # not hers to read or create
        finally:
            alice.close()
        owner = open_store(backend_url)
        set_policy(owner, per_doc=1, annotators=[person])
        owner.close()
        alice = open_store(login.render_as_string(hide_password=False))
        try:
            picked = route_next(alice, annotator=person)
            assert picked is not None and picked.document_id == alice.document_by_name("a")
        finally:
            alice.close()
    finally:
        with engine.connect() as connection:  # the roles go with this database's objects
            for role in (person, group):
                connection.execute(text(f"DROP OWNED BY {role}"))
                connection.execute(text(f"DROP ROLE {role}"))
        engine.dispose()
