"""Opening the database: URLs, engines and sessions for SQLite (embedded) and PostgreSQL.

SQLite runs in WAL mode with a busy timeout, foreign keys on, and write transactions
that start with BEGIN IMMEDIATE: a deferred transaction that reads and then writes can
fail at once with "database is locked" when another writer got there first, whatever
the busy timeout. Read-only sessions (`Database.session(readonly=True)`) begin deferred
so they never queue behind writers. Within one process, SQLite write sessions also take
an asyncio lock: SQLite admits one writer at a time anyway, and waiting on the lock is
immediate where waiting in SQLite's busy handler sleeps in steps of up to 100 ms.
Write sessions must therefore not be nested inside one another.

SQLite statements run inline on the event loop (see `storage.inline_sqlite` for why). So that
a writer never blocks the loop for long while another process holds the write lock, SQLite's
own busy wait is kept short and BEGIN IMMEDIATE is retried after awaited pauses, up to
`LOCK_WAIT_SECONDS` in all. On PostgreSQL the same wait is the server's `lock_timeout`.

A database that cannot be used just now (a lock held past that wait, an I/O error, a server
that is gone or refuses connections) ends the session with `StorageUnavailable`, after the
rollback; callers catch that, never the driver's exceptions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential

from storage.errors import StorageUnavailable
from storage.inline_sqlite import inline_connector

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 20  # SQLite's own wait blocks the event loop: keep it short
LOCK_WAIT_SECONDS = 30.0  # how long a writer waits for another's lock before giving up
# PostgreSQL's SQLSTATEs for "not now": connection exceptions, serialization failures and
# deadlocks, insufficient resources (disk full), operator intervention (shutdown, a
# cancelled statement), system errors (I/O), and a lock not granted within lock_timeout.
_UNAVAILABLE_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})
_UNAVAILABLE_SQLSTATES = frozenset({"55P03"})


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


def install_sqlite_pragmas(sync_engine: Any, *, lock_wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
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
        if connection.get_execution_options().get("lagesbild_readonly", False):
            connection.exec_driver_sql("BEGIN")
        else:
            begin_immediate(connection, wait_seconds=lock_wait_seconds)


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def begin_immediate(connection: Any, *, wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
    """BEGIN IMMEDIATE, waiting for another process's write lock with awaited pauses (this
    runs in SQLAlchemy's greenlet, so `await_only` yields to the event loop in between)."""
    for attempt in Retrying(
        retry=retry_if_exception(_locked),
        stop=stop_after_delay(wait_seconds),
        wait=wait_exponential(multiplier=0.01, max=0.25),
        sleep=lambda seconds: await_only(asyncio.sleep(seconds)),
        before_sleep=lambda state: (
            log.info("SQLite write lock held by another process; waiting")
            if state.attempt_number == 1
            else None
        ),
        reraise=True,
    ):
        with attempt:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(
    url: str, *, echo: bool = False, lock_wait_seconds: float = LOCK_WAIT_SECONDS
) -> AsyncEngine:
    if backend_name(url) == "sqlite":
        _prepare_sqlite_file(url)
        database = make_url(url).database or ":memory:"
        engine = create_async_engine(
            async_url(url), echo=echo,
            async_creator=inline_connector(database, uri=database.startswith("file:")),
        )  # fmt: skip
        install_sqlite_pragmas(engine.sync_engine, lock_wait_seconds=lock_wait_seconds)
        return engine
    lock_timeout = {"lock_timeout": str(max(1, round(lock_wait_seconds * 1000)))}  # milliseconds
    return create_async_engine(async_url(url), echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10,
                               connect_args={"server_settings": lock_timeout})  # fmt: skip


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be used just now (see module doc: a lost
    connection, a lock held too long, a timeout), so the same work may succeed later, rather
    than that the statement or the data is wrong."""
    if isinstance(exc, StorageUnavailable | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return isinstance(code, str) and (
            code[:2] in _UNAVAILABLE_SQLSTATE_CLASSES or code in _UNAVAILABLE_SQLSTATES
        )
    return False


def _describe(exc: BaseException) -> str:
    """The driver's message, first line only: SQLAlchemy's own text adds the statement and its
    parameters, which may hold what a person wrote."""
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(inner).strip().splitlines()
    return (lines[0] if lines else "")[:200] or inner.__class__.__name__


class Database:
    """One engine and its session factories; opened and closed with the application."""

    def __init__(self, url: str, *, echo: bool = False, lock_wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
        self.url = url
        self.backend = backend_name(url)
        self.engine = create_engine(url, echo=echo, lock_wait_seconds=lock_wait_seconds)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._readonly_sessions = async_sessionmaker(
            self.engine.execution_options(lagesbild_readonly=True), expire_on_commit=False
        )
        self._write_lock = asyncio.Lock() if self.backend == "sqlite" else None

    @asynccontextmanager
    async def session(self, *, readonly: bool = False) -> AsyncIterator[AsyncSession]:
        """A unit of work: committed when the block ends, rolled back if it raises.
        `StorageUnavailable` if the database cannot be used just now (see module doc)."""
        factory = self._readonly_sessions if readonly else self._sessions
        try:
            if self._write_lock is None:
                async with factory() as session, session.begin():
                    try:
                        await session.connection()  # a server that is down or refuses says so here
                    except (OSError, DBAPIError) as exc:
                        raise StorageUnavailable(_describe(exc)) from exc
                    yield session
            elif readonly:
                async with self._sqlite_session(factory) as session:
                    yield session
            else:
                async with self._write_lock, self._sqlite_session(factory) as session:
                    yield session
        except (DBAPIError, PoolTimeout) as exc:
            if not is_unavailable(exc):
                raise
            raise StorageUnavailable(_describe(exc)) from exc

    @staticmethod
    @asynccontextmanager
    async def _sqlite_session(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
        """`async with session` closes the session in a task of its own, shielded from
        cancellation, because closing can wait on the network. Inline SQLite never waits,
        so closing directly is as safe and spares every session a turn of the event loop,
        which another request would take (see `storage.inline_sqlite`)."""
        session = factory()
        try:
            async with session.begin():
                yield session
        finally:
            await session.close()

    async def dispose(self) -> None:
        await self.engine.dispose()
