"""The state database: an SQLAlchemy engine over the embedded SQLite file or a shared PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.state.schema import build_metadata
from bot.state.sqlite import BUSY_TIMEOUT_SECONDS, restrict_to_owner

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


def _sqlite_engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    restrict_to_owner(path)  # conversations include DMs
    engine = create_engine(
        f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" below decides when transactions start
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "secure_delete=ON", "foreign_keys=ON"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # Take the write lock up front: a read-then-write cannot interleave with another writer (or process).
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """One engine and the schema's tables. Thread-safe (SQLAlchemy's pool); share one per process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.metadata: MetaData = build_metadata()

    @classmethod
    def from_url(cls, url: str, **engine_options: Any) -> Database:
        url = normalise_url(url)
        if url.startswith("sqlite"):
            database = make_url(url).database
            if database and database != ":memory:":
                return cls(_sqlite_engine(Path(database)))
            return cls(create_engine(url, **engine_options))
        options = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5, **engine_options}
        return cls(create_engine(url, **options))

    @classmethod
    def sqlite_file(cls, path: Path) -> Database:
        return cls(_sqlite_engine(Path(path)))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def url(self) -> str:
        """The URL without its password, fit for logs and `coachbot doctor`."""
        return self.engine.url.render_as_string(hide_password=True)

    def table(self, name: str) -> Table:
        return self.metadata.tables[name]

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction: committed when the block ends, rolled back when it raises."""
        with self.engine.begin() as connection:
            yield connection

    def insert(self, table: Table) -> Any:
        """An INSERT that supports `.on_conflict_do_nothing()` / `.on_conflict_do_update()` on either engine."""
        return (postgresql.insert if self.is_postgres else sqlite.insert)(table)

    def dispose(self) -> None:
        self.engine.dispose()
