"""SQLite statements run on the event loop itself, not on aiosqlite's worker thread.

An embedded SQLite statement takes tens of microseconds. aiosqlite hands every statement
to a thread and back (a queue, a thread wake-up, a loop wake-up), which costs more than the
statement, and every hand-back lets all other requests in flight run a step. A burst of 200
card submissions then finishes all together at the end of the burst, each answer as late as
the last. Run inline, a bot turn runs to its end while it talks to the database, so a burst
is answered first come, first served, and each submission costs less CPU.

The price is that a statement blocks the loop while it runs. Two things keep that short:
writers wait for another process's write lock in short busy timeouts with awaited pauses in
between (`database.begin_immediate`), and SQLite's reads in WAL mode never wait for writers.

`InlineConnection` keeps aiosqlite's interface, which SQLAlchemy's `sqlite+aiosqlite`
dialect drives (`create_async_engine(..., async_creator=...)`), and replaces only how a call
is carried out: at once, in the caller's thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite


class _RunAtOnce:
    """Stands in for aiosqlite's queue to its worker thread: SQLAlchemy's dialect puts
    `(future, function)` on it directly to set the isolation level."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as the worker thread does
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunAtOnce()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Any:
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


def inline_connector(database: str, *, uri: bool = False) -> Callable[[], Any]:
    """An `async_creator` for SQLAlchemy: opens `database` with statements run inline.
    Busy waits are SQLite's own, kept short by the caller's PRAGMA busy_timeout."""

    async def connect() -> InlineConnection:
        def open_file() -> sqlite3.Connection:
            return sqlite3.connect(database, uri=uri, isolation_level=None, check_same_thread=False)

        return await InlineConnection(open_file)

    return connect
