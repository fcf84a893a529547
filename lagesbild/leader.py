"""Exactly one process per database runs the background jobs.

On PostgreSQL the leader is the process holding a session-level advisory lock on a
connection it keeps open. On SQLite it is the process holding an exclusive lock (flock) on
a file beside the database, `<database>.jobs-lock`: `serve` and a `lagesbild jobs run` or
`outbox run` beside it must not both send. Either lock goes with the process that holds it,
however it ends. The others try again every `retry` seconds, so one of them takes over when
the leader stops or dies. The outbox is safe either way (claims are atomic); leadership keeps
the scheduler single and the per-tenant rate limits true.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database

log = logging.getLogger(__name__)

LOCK_KEY = 0x4C616765_73626964  # "Lagesbid": one key for every Lägesbild database
RETRY_SECONDS = 15.0


class Jobs(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class JobsLeadership:
    def __init__(self, db: Database, jobs: Jobs, *, retry: float = RETRY_SECONDS) -> None:
        self.db = db
        self.jobs = jobs
        self.retry = retry
        self.leading = asyncio.Event()
        self._connection: AsyncConnection | None = None
        self._lock_file: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Lead now if no one else does; otherwise wait in the background (see `leading`)."""
        if not await self._try_lock():
            log.info("another process runs the background jobs; this one waits to take over")
            self._task = asyncio.create_task(self._wait_for_lead())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.leading.is_set():
            await self.jobs.stop()
            self.leading.clear()
        if self._connection is not None:
            # The pool would keep the connection, and with it the lock: release it explicitly.
            with contextlib.suppress(Exception):
                await self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            await self._connection.close()
            self._connection = None
        if self._lock_file is not None:
            os.close(self._lock_file)  # closing the file releases the flock
            self._lock_file = None

    async def _lead(self) -> None:
        await self.jobs.start()
        self.leading.set()

    async def _try_lock(self) -> bool:
        if self.db.backend == "postgresql":
            return await self._try_advisory_lock()
        path = sqlite_lock_path(self.db.url)
        if path is None:  # an in-memory database belongs to this process alone
            await self._lead()
            return True
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        self._lock_file = descriptor
        log.info("this process runs the background jobs (lock file %s)", path)
        await self._lead()
        return True

    async def _try_advisory_lock(self) -> bool:
        connection = await self.db.engine.connect()
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        got = bool(await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}))
        if not got:
            await connection.close()
            return False
        self._connection = connection
        log.info("this instance runs the background jobs (advisory lock %x)", LOCK_KEY)
        await self._lead()
        return True

    async def _wait_for_lead(self) -> None:
        while True:
            await asyncio.sleep(self.retry)
            try:
                if await self._try_lock():
                    return
            except Exception:  # the database may be restarting: try again later
                log.warning("could not try for the jobs lock; trying again", exc_info=True)


def sqlite_lock_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().with_name(Path(database).name + ".jobs-lock")
