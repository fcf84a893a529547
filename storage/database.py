"""Opening the database: URLs, engines and sessions for SQLite (embedded) and PostgreSQL.

SQLite runs in WAL mode with a busy timeout, foreign keys on, and write transactions
that start with BEGIN IMMEDIATE: a deferred transaction that reads and then writes can
fail at once with "database is locked" when another writer got there first, whatever
the busy timeout. Read-only sessions (`Database.session(readonly=True)`) begin deferred
so they never queue behind writers. Within one process, SQLite write sessions also take
an asyncio lock: SQLite admits one writer at a time anyway, and waiting on the lock is
immediate where waiting in SQLite's busy handler sleeps in steps of up to 100 ms.
Write sessions must therefore not be nested inside one another.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000


class DatabaseError(RuntimeError):
    """The database cannot be opened or used; the message says what to check."""


def async_url(url: str) -> str:
    """The SQLAlchemy async URL for a configured `sqlite://` or `postgresql://` URL."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise DatabaseError(f"Databasen stöds inte: {backend} (använd sqlite:// eller postgresql://)")


def sync_url(url: str) -> str:
    """The same database for synchronous clients (APScheduler's job store)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise DatabaseError(f"Databasen stöds inte: {backend}")


def backend_name(url: str) -> str:
    return "postgresql" if make_url(url).get_backend_name() in ("postgresql", "postgres") else "sqlite"


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def install_sqlite_pragmas(sync_engine: Any) -> None:
    """WAL, busy timeout, foreign keys and BEGIN IMMEDIATE for writers (see module doc)."""

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        readonly = connection.get_execution_options().get("lagesbild_readonly", False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if backend_name(url) == "sqlite":
        _prepare_sqlite_file(url)
        engine = create_async_engine(
            async_url(url), echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        install_sqlite_pragmas(engine.sync_engine)
        return engine
    return create_async_engine(async_url(url), echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    """One engine and its session factories; opened and closed with the application."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.backend = backend_name(url)
        self.engine = create_engine(url, echo=echo)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._readonly_sessions = async_sessionmaker(
            self.engine.execution_options(lagesbild_readonly=True), expire_on_commit=False
        )
        self._write_lock = asyncio.Lock() if self.backend == "sqlite" else None

    @asynccontextmanager
    async def session(self, *, readonly: bool = False) -> AsyncIterator[AsyncSession]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        if readonly or self._write_lock is None:
            factory = self._readonly_sessions if readonly else self._sessions
            async with factory() as session, session.begin():
                yield session
            return
        async with self._write_lock, self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
