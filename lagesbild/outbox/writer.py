"""Group commit for the dispatcher's writes: claims, outcomes and address updates.

Each delivery needs two writes (claim before the POST, outcome after it). Done one
transaction each, they would cost a commit per write; here every write waits in a queue
and one writer task commits whatever has gathered in one transaction, as soon as the
previous commit is done: all claims in one UPDATE … RETURNING, all outcomes in one bulk
UPDATE and one INSERT (`OutboxRepository.record_many`), so a commit costs a handful of
statements however many it carries. Nothing waits for a batch to fill, so a lone outcome
is committed at once. The time a row stays `sending` after its POST has answered is the
queue wait plus one commit (measured by the dispatcher; see its docstring).

If a batch fails, its writes are retried one transaction each, so one bad write cannot
sink the others.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from reporting.outbox import DeliveryState, OutboxMessage
from storage.database import Database
from storage.repositories import OutboxRepository, TeamsRepository
from storage.repositories.outbox import AttemptRecord

log = logging.getLogger(__name__)

T = TypeVar("T")
Op = Callable[[AsyncSession], Awaitable[Any]]


class OutboxWriter:
    def __init__(
        self,
        db: Database,
        *,
        lease: dt.timedelta,
        worker: str,
        clock: Callable[[], dt.datetime],
        max_batch: int = 200,
    ) -> None:
        self.db = db
        self.lease = lease
        self.worker = worker
        self.clock = clock
        self.max_batch = max_batch
        self._claims: dict[int, asyncio.Future[OutboxMessage | None]] = {}
        self._records: list[tuple[AttemptRecord, int | None, asyncio.Future[tuple[DeliveryState, bool]]]] = []
        self._ops: list[tuple[Op, asyncio.Future[Any]]] = []
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.commits = 0
        self.writes = 0

    def start(self) -> None:
        if self._task is None:
            self._closing = False
            self._task = asyncio.create_task(self._loop(), name="outbox-writer")

    async def stop(self) -> None:
        """Commit what is queued, then end."""
        self._closing = True
        self._event.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def claim(self, message_id: int) -> OutboxMessage | None:
        """Take the message for delivery now, if it is still due (None otherwise)."""
        future = self._claims.get(message_id)
        if future is None:
            future = self._claims[message_id] = asyncio.get_running_loop().create_future()
            self._event.set()
        return await future

    async def record(
        self, attempt: AttemptRecord, *, unreachable: int | None = None
    ) -> tuple[DeliveryState, bool]:
        """Store an attempt's outcome; with `unreachable` (a member id) also mark that
        member's Teams address unreachable. Returns the new state and whether the member
        was newly marked."""
        future: asyncio.Future[tuple[DeliveryState, bool]] = asyncio.get_running_loop().create_future()
        self._records.append((attempt, unreachable, future))
        self._event.set()
        return await future

    def release_later(self, message_id: int, *, retry_at: dt.datetime) -> None:
        """Give a claimed, unposted message back in the next commit (nobody waits)."""

        async def release(session: AsyncSession) -> None:
            await OutboxRepository(session).release(message_id, retry_at=retry_at)

        self._ops.append((release, asyncio.get_running_loop().create_future()))
        self._event.set()

    async def run(self, op: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `op` in the next committed transaction and return its result."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._ops.append((op, future))
        self._event.set()
        return await future

    async def _loop(self) -> None:
        while True:
            await self._event.wait()
            self._event.clear()
            while self._claims or self._records or self._ops:
                claims, self._claims = self._claims, {}
                records, self._records = self._records[: self.max_batch], self._records[self.max_batch :]
                ops, self._ops = self._ops[: self.max_batch], self._ops[self.max_batch :]
                await self._flush(claims, records, ops)
            if self._closing:
                return

    async def _flush(
        self,
        claims: dict[int, asyncio.Future[OutboxMessage | None]],
        records: list[tuple[AttemptRecord, int | None, asyncio.Future[tuple[DeliveryState, bool]]]],
        ops: list[tuple[Op, asyncio.Future[Any]]],
    ) -> None:
        size = len(claims) + len(records) + len(ops)
        try:
            async with self.db.session() as session:
                now = self.clock()
                claimed = await self._claim(session, list(claims), now) if claims else {}
                recorded = await self._record(session, records, now) if records else []
                results = [await op(session) for op, _ in ops]
        except Exception as exc:
            if size == 1:
                for future in [*claims.values(), *(r[2] for r in records), *(f for _, f in ops)]:
                    if not future.done():
                        future.set_exception(exc)
                return
            log.warning("outbox batch of %d writes failed (%s); retrying one by one", size, exc)
            for message_id, future in claims.items():
                await self._flush({message_id: future}, [], [])
            for record in records:
                await self._flush({}, [record], [])
            for op in ops:
                await self._flush({}, [], [op])
            return
        self.commits += 1
        self.writes += size
        for message_id, future in claims.items():
            if not future.done():
                future.set_result(claimed.get(message_id))
            elif message_id in claimed:  # its sender was cancelled meanwhile: give it back
                self.release_later(message_id, retry_at=self.clock())
        for (_, _, future), result in zip(records, recorded, strict=True):
            if not future.done():
                future.set_result(result)
        for (_, future), result in zip(ops, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def _claim(
        self, session: AsyncSession, ids: list[int], now: dt.datetime
    ) -> dict[int, OutboxMessage]:
        taken = await OutboxRepository(session).claim(ids, now=now, lease=self.lease, worker=self.worker)
        return {m.id: m for m in taken}

    async def _record(
        self,
        session: AsyncSession,
        records: list[tuple[AttemptRecord, int | None, asyncio.Future[tuple[DeliveryState, bool]]]],
        now: dt.datetime,
    ) -> list[tuple[DeliveryState, bool]]:
        states = await OutboxRepository(session).record_many([r[0] for r in records], now=now)
        results = []
        for (_, member_id, _), state in zip(records, states, strict=True):
            newly = (
                await TeamsRepository(session).mark_unreachable(member_id, now)
                if member_id is not None
                else False
            )
            results.append((state, newly))
        return results
