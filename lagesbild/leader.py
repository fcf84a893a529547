"""Exactly one process per database runs the background jobs.

On PostgreSQL the leader is the process holding a session-level advisory lock on a
connection it keeps open; the others try again every `retry` seconds, so one of them takes
over when the leader stops or dies (the server releases the lock with the connection).
SQLite is embedded and single-process: its process always leads. The outbox is safe
either way (claims are atomic); leadership keeps the scheduler single and the per-tenant
rate limits true.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from sqlalchemy import text
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
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.db.backend != "postgresql":
            await self._lead()
            return
        if not await self._try_lock():
            log.info("another instance runs the background jobs; this one serves Teams only and waits")
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

    async def _lead(self) -> None:
        await self.jobs.start()
        self.leading.set()

    async def _try_lock(self) -> bool:
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
