"""The database engine: URL resolution, SQLite pragmas, transactions and the schema version."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

from sqlalchemy import Engine, bindparam, create_engine, event, inspect
from sqlalchemy import exc as sa_exc
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session, SQLModel, col, select

from workbench import models
from workbench.errors import DatabaseError, InvariantError, WorkbenchError

DEFAULT_URL = "sqlite:///labels/workbench.db"
ENV_DB = "WORKBENCH_DB"
BUSY_TIMEOUT_S = 30.0
"""How long a SQLite writer waits for another writer before giving up (by default)."""
ENV_BUSY_TIMEOUT = "WORKBENCH_BUSY_TIMEOUT"


def busy_timeout() -> float:
    """Seconds a SQLite writer waits for another: ``$WORKBENCH_BUSY_TIMEOUT`` or 30."""
    try:
        return max(0.0, float(os.environ.get(ENV_BUSY_TIMEOUT, BUSY_TIMEOUT_S)))
    except ValueError:
        return BUSY_TIMEOUT_S


_WRITE = "workbench_write"


def resolve_url(db: str | None = None) -> str:
    """The database URL: ``db`` if given, else ``$WORKBENCH_DB``, else the default SQLite file.

    A bare path (no ``://``) means a SQLite file; ``postgresql://`` uses the psycopg driver.
    """
    url = db or os.environ.get(ENV_DB) or DEFAULT_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def parse_url(url: str) -> URL:
    """``url`` parsed; a password holding ``@`` (typed as it is, not as ``%40``) stays the
    password: the host is what follows the last ``@``, as it can hold no ``@`` itself
    (SQLAlchemy would take the password's tail for the host, and the driver print it)."""
    parsed = make_url(url)
    scheme, _, rest = url.partition("://")
    authority = rest.split("/", 1)[0]
    if parsed.get_backend_name() == "sqlite" or authority.count("@") < 2:
        return parsed
    userinfo, _, hostport = authority.rpartition("@")
    user, _, password = userinfo.partition(":")
    fixed = make_url(f"{scheme}://{hostport}{rest[len(authority) :]}")
    return fixed.set(username=unquote(user), password=unquote(password))


def describe(url: str | URL) -> str:
    """A URL fit to show a user: the SQLite path, or the URL with its password hidden."""
    try:
        parsed = parse_url(url) if isinstance(url, str) else url
    except (sa_exc.ArgumentError, ValueError):
        # Shown as typed, but a password in it never is.
        return _no_secrets(str(url))
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    if any(key.lower() == "password" for key in parsed.query):
        parsed = parsed.update_query_dict({"password": "***"})
        parsed = parsed.difference_update_query(
            [k for k in parsed.query if k.lower() == "password" and k != "password"]
        )
    return parsed.render_as_string(hide_password=True)


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout and explicit BEGINs."""
    try:
        parsed = parse_url(url)
    except (sa_exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise DatabaseError(
            f"invalid database URL {describe(url)!r}; use a path or sqlite:///FILE"
            " or postgresql://USER@HOST/DB"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            f"{describe(parsed)}: the database driver {exc.name!r} is not installed;"
            " for PostgreSQL run: pip install 'workbench[postgres]'"
        ) from None
    except sa_exc.NoSuchModuleError:
        raise DatabaseError(f"{describe(parsed)}: unknown database type") from None


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if not in_memory:
        path = Path(database)
        if path.is_dir():
            raise DatabaseError(f"{path}: is a folder, not a database file")
        if not path.parent.exists():
            try:
                path.parent.mkdir(parents=True)
            except OSError as exc:
                raise DatabaseError(f"{path}: cannot create its folder ({exc.strerror})") from None
        if not url.query and path.is_file() and not _writable(path):
            url = _read_only(path)
    engine = create_engine(
        url, connect_args={"timeout": busy_timeout(), "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling would BEGIN lazily and deferred, so a reader
        # that later writes could fail with "database is locked"; we issue BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout() * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if not in_memory:
                mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
                if mode != "wal":
                    # A read-only file cannot switch; reading still works in its own mode.
                    with contextlib.suppress(Exception):
                        cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front; readers never block writers in WAL mode.
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _writable(path: Path) -> bool:
    """Whether SQLite could write the database: the file, and its WAL files (``-wal``,
    ``-shm``), which it may have to create in the folder."""
    if not os.access(path, os.W_OK):
        return False
    companions = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    if all(companion.exists() for companion in companions):
        return all(os.access(companion, os.W_OK) for companion in companions)
    return os.access(path.parent, os.W_OK)


def _read_only(path: Path) -> URL:
    """The URL that opens a database this process may not write (file permissions, a
    read-only mount) for reading: every write is then refused as read-only. Without a
    ``-shm`` file to share, SQLite would have to create one (impossible here, or left behind
    owned by the wrong user), so the file is read as immutable: as it is on disk."""
    shared = path.with_name(path.name + "-shm").exists()
    options = "mode=ro&uri=true" + ("" if shared else "&immutable=1")
    return make_url(f"sqlite:///file:{quote(str(path.resolve()))}?{options}")


def translate(exc: sa_exc.DBAPIError, where: str) -> WorkbenchError:
    """A driver error turned into one line a user can act on."""
    message = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    lowered = message.lower()
    if isinstance(exc, sa_exc.IntegrityError):
        return InvariantError(f"{where}: the database refused the change: {message}")
    if "locked" in lowered or "busy" in lowered:
        return DatabaseError(
            f"{where}: the database is locked by another writer (waited {busy_timeout():.0f} s);"
            " try again when it has finished"
        )
    if "disk is full" in lowered or "no space left" in lowered:
        return DatabaseError(
            f"{where}: disk full: the change was not saved; free some space and try again"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return DatabaseError(
            f"{where}: the database is read-only (its file or folder cannot be written here):"
            " nothing was changed; reading commands (status, docs, agreement, export, check)"
            " still work"
        )
    if "not a database" in lowered or "malformed" in lowered:
        return DatabaseError(
            f"{where}: not a Workbench database or the file is corrupt ({message});"
            " restore it from a backup or use another --db"
        )
    if "unable to open" in lowered:
        return DatabaseError(
            f"{where}: cannot open the database file; check the path and permissions"
        )
    if "password authentication failed" in lowered:
        return DatabaseError(
            f"{where}: password authentication failed; check the user and password"
        )
    if "connection" in lowered or "could not" in lowered:
        return DatabaseError(
            f"{where}: cannot connect to the database server ({_no_secrets(message)})"
        )
    return DatabaseError(f"{where}: database error: {_no_secrets(message)}")


def _no_secrets(message: str) -> str:
    """``message`` with any password in a URL (up to its last ``@``) or a ``password=`` hidden."""
    message = re.sub(r"(://[^:/@\s]*:)\S*@", r"\1***@", message)
    return re.sub(r"(password=)[^&\s]*", r"\1***", message, flags=re.IGNORECASE)


class Database:
    """An engine plus short-lived sessions: :meth:`read` for queries, :meth:`write` for changes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = describe(url)
        self.engine = make_engine(url)
        self.absent_tables: frozenset[str] = frozenset()
        self.first_write: Callable[[Session], None] | None = None
        """Run inside the next write transaction, as part of it (storing the scheme a command
        was given, so that a command refused before it changes anything leaves the database
        as it was); cleared once that transaction commits."""
        """Tables an upgrade this process may not run would add: read as empty until then."""

    @property
    def read_only(self) -> bool:
        """Whether this SQLite database is open for reading only (asked for with
        ``mode=ro``, or because this process may not write it): every write is refused."""
        query = self.engine.url.query if is_sqlite(self.engine) else {}
        return query.get("mode") == "ro" or query.get("immutable") == "1"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (a consistent snapshot; never blocks a writer)."""
        try:
            with Session(self.engine) as session:
                yield session
        except sa_exc.DBAPIError as exc:
            raise translate(exc, self.name) from None

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction that holds the write lock from its start; committed on exit.

        Anything raised inside rolls the whole transaction back, so a change is all or nothing.
        """
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                session.connection(execution_options={_WRITE: True})
                first = self.first_write
                if first is not None:
                    first(session)
                yield session
                session.commit()
                if self.first_write is first:
                    self.first_write = None
        except sa_exc.DBAPIError as exc:
            raise translate(exc, self.name) from None

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def initialise(db: Database) -> None:
    """Create the tables in an empty database, or check the schema version of an existing one."""
    try:
        with db.engine.connect() as probe:
            tables = set(inspect(probe).get_table_names())
    except sa_exc.DBAPIError as exc:
        raise translate(exc, db.name) from None
    ours = set(SQLModel.metadata.tables)
    if tables and "meta" not in tables:
        raise DatabaseError(
            f"{db.name}: not a Workbench database (it has other tables); use another --db"
        )
    if "meta" not in tables:
        # A new database; concurrent creators are serialised by the write lock.
        with db.write() as session:
            SQLModel.metadata.create_all(session.connection())
            if session.get(models.Meta, "schema_version") is None:
                session.add(models.Meta(key="schema_version", value=str(models.SCHEMA_VERSION)))
        return
    # An existing one is only read, so a read-only or busy database still opens.
    with db.read() as session:
        version = _schema_version(session, db.name)
    if version > models.SCHEMA_VERSION:
        raise DatabaseError(
            f"{db.name}: written by a newer Workbench (schema version {version}, this one"
            f" knows up to {models.SCHEMA_VERSION}); upgrade Workbench to open it"
        )
    not_yet: set[str] = set()
    if version < models.SCHEMA_VERSION:
        try:
            with db.write() as session:
                _migrate(session, _schema_version(session, db.name))
        except DatabaseError as exc:
            # Someone who may only read (a read-only file, a PostgreSQL annotator role) still
            # opens a database whose upgrade only recomputes stored data or adds tables (read
            # as empty until then); whoever may write upgrades it on their next open.
            if not (_refused_write(exc) and _readable_before_upgrade(version)):
                raise
            not_yet = _added_since(version)
            db.absent_tables = frozenset(not_yet)
    missing = ours - set(inspect(db.engine).get_table_names()) - not_yet
    if missing:
        raise DatabaseError(
            f"{db.name}: the database lacks the tables {', '.join(sorted(missing))}; it is damaged"
        )


def _schema_version(session: Session, where: str) -> int:
    row = session.get(models.Meta, "schema_version")
    if row is None or not row.value.isdigit():
        raise DatabaseError(f"{where}: the database has no valid schema version; it is damaged")
    return int(row.value)


MIGRATION_BATCH_DOCUMENTS = 500
MIGRATION_BATCH_CHARS = 8_000_000
"""A migration reads documents in batches of at most this many documents and characters of
text, so memory stays flat however many (or however long) the documents are."""


def _document_batches(session: Session) -> Iterator[tuple[int, int]]:
    """Ranges ``(first id, last id)`` of documents, in id order, of bounded size."""
    rows = session.exec(
        select(models.Document.id, models.Document.n_chars).order_by(col(models.Document.id))
    ).all()
    first: int | None = None
    last, count, chars = 0, 0, 0
    for document_id, n_chars in rows:
        assert document_id is not None
        if first is not None and (
            count >= MIGRATION_BATCH_DOCUMENTS or chars + n_chars > MIGRATION_BATCH_CHARS
        ):
            yield first, last
            first = None
        if first is None:
            first, count, chars = document_id, 0, 0
        last, count, chars = document_id, count + 1, chars + n_chars
    if first is not None:
        yield first, last


def _line_break_sentences(session: Session) -> None:
    """Schema 1 to 2: sentences also start at the line breaks that end a heading, a bullet
    label or a paragraph. Computed from each document's text and stored token starts (the
    tokens do not change, so spans stay aligned); documents without line breaks are left
    as they are."""
    from workbench.nlp import pack_index, sentence_starts, unpack_index

    table = SQLModel.metadata.tables[models.Document.__tablename__]
    connection = session.connection()
    query = sa_select(table.c.id, table.c.text, table.c.tok_starts, table.c.sent_starts)
    store = (
        sa_update(table)
        .where(table.c.id == bindparam("document_id"))
        .values(sent_starts=bindparam("new_starts"), n_sents=bindparam("new_count"))
    )
    for first, last in _document_batches(session):
        rows = connection.execute(query.where(table.c.id >= first, table.c.id <= last)).all()
        changed: list[dict[str, Any]] = []
        for document_id, body, tok_starts, stored in rows:
            old = unpack_index(stored)
            new = sentence_starts(body, unpack_index(tok_starts), old)
            if new is not old:
                changed.append(
                    {
                        "document_id": document_id,
                        "new_starts": pack_index(new),
                        "new_count": len(new),
                    }
                )
        del rows
        if changed:
            connection.execute(store, changed)


class Migration(NamedTuple):
    """How a database goes from one schema version to the next."""

    upgrade: Callable[[Session], None]
    """Brings a session's database from version N to N + 1."""
    same_tables: bool
    """Whether the tables stay as they were (stored data is only recomputed), so this
    Workbench can still use a database at version N that it may not write."""
    adds: tuple[str, ...] = ()
    """The tables it only adds: a reader of a database not upgraded yet finds none there
    (nothing suggested yet, say), and reads the rest as ever."""


SUGGESTION_TABLES = ("suggestion", "decision")
V4_TABLES = ("flag",)
V5_TABLES = ("label_change", "route_policy", "route_document", "route_lease")


def _adding(tables: tuple[str, ...], why: str) -> Callable[[Session], None]:
    """A migration step that creates ``tables`` (new tables only, nothing else changes)."""

    def upgrade(session: Session) -> None:
        metadata = SQLModel.metadata
        create = [metadata.tables[name] for name in tables]
        metadata.create_all(session.connection(), tables=create)

    upgrade.__doc__ = why
    return upgrade


MIGRATIONS: dict[int, Migration] = {
    1: Migration(_line_break_sentences, same_tables=True),
    2: Migration(
        _adding(SUGGESTION_TABLES, "Version 3 adds suggestions and each annotator's decisions."),
        same_tables=False,
        adds=SUGGESTION_TABLES,
    ),
    3: Migration(
        _adding(V4_TABLES, "Version 4 adds flags: documents an annotator flags for review."),
        same_tables=False,
        adds=V4_TABLES,
    ),
    4: Migration(
        _adding(
            V5_TABLES,
            "Version 5 adds the log of label renames and merges, and routing: the policy, the"
            " order and the leases.",
        ),
        same_tables=False,
        adds=V5_TABLES,
    ),
}
"""Schema version N -> how to bring a database from N to N + 1."""


def _readable_before_upgrade(version: int) -> bool:
    """Whether every migration from ``version`` on keeps the tables as they are or only adds
    new ones, so a reader may use the database before it is upgraded."""
    steps = [MIGRATIONS.get(old) for old in range(version, models.SCHEMA_VERSION)]
    return all(step is not None and (step.same_tables or step.adds) for step in steps)


def _added_since(version: int) -> set[str]:
    """The tables the migrations from ``version`` on add."""
    steps = [MIGRATIONS[old] for old in range(version, models.SCHEMA_VERSION)]
    return {table for step in steps for table in step.adds}


def _refused_write(error: DatabaseError) -> bool:
    """Whether ``error`` says the database may be read but not written."""
    message = str(error).lower()
    return "read-only" in message or "permission denied" in message


def _migrate(session: Session, version: int) -> None:
    while version < models.SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise DatabaseError(
                f"schema version {version} is older than this Workbench supports"
                f" ({models.SCHEMA_VERSION}) and has no migration; export it with the old version"
            )
        step.upgrade(session)
        version += 1
    row = session.exec(select(models.Meta).where(models.Meta.key == "schema_version")).one()
    row.value = str(version)
    session.add(row)
