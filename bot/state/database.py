"""The state database: an SQLAlchemy engine over the embedded SQLite file or a shared PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Executable, MetaData, Table, create_engine, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import StaticPool

from bot.state.guard import WriteGuard
from bot.state.schema import build_metadata
from bot.state.sqlite import Connector, open_connection, open_for_reading, restrict_to_owner

logger = logging.getLogger(__name__)


class DatabaseUrlError(ValueError):
    """DATABASE_URL names no database this bot can use."""


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// (as hosting platforms hand them out) use psycopg 3; sqlite URLs stay."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise DatabaseUrlError(f"DATABASE_URL is not a database URL ({error})") from None
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        return url
    raise DatabaseUrlError(f"DATABASE_URL must be postgresql://… (or sqlite:///FILE), not {backend}://…")


# What opening a file we may not write raises: the OS refusing it, or SQLite (directly or through SQLAlchemy).
OPEN_ERRORS = (OSError, sqlite3.Error, DBAPIError)
READING = "coachbot_reading"  # execution option: a read-only transaction (SQLite takes no write lock for it)


def _sqlite_engine(path: Path, connect: Connector) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    restrict_to_owner(path)  # conversations include DMs
    engine = create_engine(f"sqlite:///{path}", creator=lambda: connect(path, False))

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" below decides when transactions start
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "secure_delete=ON", "foreign_keys=ON"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # Writers take the write lock up front: a read-then-write cannot interleave with another writer (or
        # process). Readers (Database.read) need no lock under WAL.
        reading = connection.get_execution_options().get(READING)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    # Existing tables make migrations a no-op, so prove the file takes writes (rewrites one header field).
    with engine.begin() as connection:
        version = connection.exec_driver_sql("PRAGMA user_version").scalar()
        connection.exec_driver_sql(f"PRAGMA user_version = {int(version or 0)}")
    return engine


def _read_only_engine(path: Path, connect: Connector, metadata: MetaData) -> Engine:
    """Read what is there (nothing, when the file is missing or unreadable) and write nothing."""
    if path.exists():
        def reader() -> sqlite3.Connection:
            connection = open_for_reading(path, connect)
            connection.execute("PRAGMA query_only = ON")
            return connection

        engine = create_engine(f"sqlite:///{path}", creator=reader)
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
            return engine
        except OPEN_ERRORS:
            engine.dispose()
    return _empty_engine(metadata)


def _empty_engine(metadata: MetaData) -> Engine:
    """An in-memory database with the schema's tables, taking no writes."""
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA query_only = ON")
    return engine


class Database:
    """One engine and the schema's tables. Thread-safe (SQLAlchemy's pool); share one per process."""

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self.engine = engine
        self.metadata: MetaData = build_metadata()
        self.read_only = read_only  # an SQLite file we cannot write: reads work, writes are skipped
        # One guard for every store: an outage is the database's, logged once, not once per store.
        self.writes = WriteGuard(f"state database ({self.name})", read_only=read_only)

    @classmethod
    def from_url(cls, url: str, **engine_options: Any) -> Database:
        url = normalise_url(url)
        if url.startswith("sqlite"):
            database = make_url(url).database
            if database and database != ":memory:":
                return cls.sqlite_file(Path(database))
            return cls(create_engine(url, **engine_options))
        pooling = {} if "poolclass" in engine_options else {"pool_size": 5, "max_overflow": 5}
        return cls(create_engine(url, **{"pool_pre_ping": True, **pooling, **engine_options}))

    @classmethod
    def sqlite_file(cls, path: Path, connect: Connector = open_connection) -> Database:
        """The embedded database. When the file or its folder cannot be written (a read-only mount, another
        owner), it opens read-only: `read_only` is then True, reads work and the stores skip their writes."""
        path = Path(path)
        try:
            return cls(_sqlite_engine(path, connect))
        except OPEN_ERRORS as error:
            logger.warning("%s cannot be written (%s): read-only mode, answers work but nothing is saved", path, error)
            metadata = build_metadata()
            return cls(_read_only_engine(path, connect, metadata), read_only=True)

    @classmethod
    def empty_read_only(cls) -> Database:
        """An empty in-memory database that takes no writes: for a state file this version cannot use."""
        return cls(_empty_engine(build_metadata()), read_only=True)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def url(self) -> str:
        """The URL without its password, fit for logs and `coachbot doctor`."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def name(self) -> str:
        """A short name for logs: the SQLite file's name, or the PostgreSQL database's."""
        database = self.engine.url.database or ""
        return Path(database).name if self.engine.dialect.name == "sqlite" else database

    def table(self, name: str) -> Table:
        return self.metadata.tables[name]

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction: committed when the block ends, rolled back when it raises."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A transaction that only reads: on SQLite it takes no write lock, so it never waits for a writer."""
        with self.engine.connect().execution_options(**{READING: True}) as connection, connection.begin():
            yield connection

    def lock(self, connection: Connection, key: str) -> None:
        """Serialise transactions that use the same key until they end (SQLite's BEGIN IMMEDIATE already
        serialises every writer; PostgreSQL takes a transaction-scoped advisory lock on the key's hash)."""
        if self.is_postgres:
            connection.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))

    def erase(self, statement: Executable) -> int:
        """Run a DELETE/UPDATE that removes personal text, then let no old copy of it stay on disk; returns the
        rows affected."""
        with self.begin() as connection:
            count = connection.execute(statement).rowcount
        if count:
            self.checkpoint()
        return count

    def checkpoint(self) -> None:
        """After deleting personal text: fold SQLite's write-ahead log into the file and truncate it, so no old
        copy stays on disk (best effort: a reader in another connection can keep some frames alive)."""
        if self.engine.dialect.name != "sqlite" or self.read_only:
            return
        with self.engine.connect() as connection:
            connection.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def insert(self, table: Table) -> Any:
        """An INSERT that supports `.on_conflict_do_nothing()` / `.on_conflict_do_update()` on either engine."""
        return (postgresql.insert if self.is_postgres else sqlite.insert)(table)

    def dispose(self) -> None:
        self.engine.dispose()
