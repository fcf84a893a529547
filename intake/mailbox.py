"""Mailboxes and the poller: every mailbox client yields the same `InboundItem` (raw bytes and
the mailbox's id for it) into the one pipeline, and marks it processed only afterwards.

A round: `fetch` what is waiting → `ingest` each item (its own commits) → `acknowledge`
each item whose result is `done` (IMAP: move to the processed folder; Graph: move) →
`end_round` (Graph: keep the deltaLink, only when every item of the round was finished).
A crash anywhere leaves the mail in the inbox; the next round fetches it again and the
pipeline finds it a duplicate, so it is stored once and then moved.

`Poller.start()` runs rounds until `stop()`: after each round it waits in the mailbox's
`wait` (IMAP IDLE where the server has it, else sleeping `interval` seconds). Errors in
a round are logged and retried with a growing pause; they never stop the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from intake.pipeline import DEFAULT_TZ, IngestResult, ingest
from storage.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InboundItem:
    """One mail as a mailbox holds it."""

    raw: bytes
    mailbox_id: str
    source: str
    received_at: dt.datetime | None = None


class Mailbox(Protocol):
    source: str

    async def fetch(self, limit: int) -> list[InboundItem]: ...

    async def acknowledge(self, item: InboundItem) -> None: ...

    async def end_round(self, complete: bool) -> None: ...

    async def wait(self, timeout: float) -> None: ...

    async def aclose(self) -> None: ...


@dataclass
class PollSummary:
    fetched: int = 0
    results: list[IngestResult] = field(default_factory=list)
    acknowledged: int = 0
    errors: int = 0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


class Poller:
    def __init__(
        self,
        db: Database,
        mailbox: Mailbox,
        *,
        tz: zoneinfo.ZoneInfo = DEFAULT_TZ,
        organisation: str | None = None,
        keep_attachments: bool = False,
        interval: float = 60.0,
        batch: int = 50,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.db = db
        self.mailbox = mailbox
        self.tz = tz
        self.organisation = organisation
        self.keep_attachments = keep_attachments
        self.interval = interval
        self.batch = batch
        self.clock = clock
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.rounds = 0

    async def poll_once(self) -> PollSummary:
        """One round; see the module doc. Returns what happened to each mail."""
        summary = PollSummary()
        items = await self.mailbox.fetch(self.batch)
        summary.fetched = len(items)
        complete = True
        for item in items:
            try:
                result = await ingest(
                    self.db, item.raw, source=item.source, now=self.clock(), mailbox_ref=item.mailbox_id,
                    received_at=item.received_at, tz=self.tz, organisation=self.organisation,
                    keep_attachments=self.keep_attachments,
                )  # fmt: skip
            except Exception:
                log.exception(
                    "%s mail %s could not be processed; left in the mailbox", item.source, item.mailbox_id
                )
                summary.errors += 1
                complete = False
                continue
            summary.results.append(result)
            if not result.done:
                complete = False
                continue
            try:
                await self.mailbox.acknowledge(item)
                summary.acknowledged += 1
            except Exception:
                log.exception("%s mail %s processed but not moved; it will be found again", item.source,
                              item.mailbox_id)  # fmt: skip
                summary.errors += 1
                complete = False
        await self.mailbox.end_round(complete and len(items) < self.batch)
        self.rounds += 1
        if items:
            log.info("%s poll: %d fetched, %d moved, %d errors", self.mailbox.source, summary.fetched,
                     summary.acknowledged, summary.errors)  # fmt: skip
        return summary

    async def _run(self) -> None:
        pause = 0.0
        while not self._stopping.is_set():
            try:
                summary = await self.poll_once()
                pause = 0.0
                if summary.fetched >= self.batch:
                    continue  # more waiting: no pause
                await self.mailbox.wait(self.interval)
            except asyncio.CancelledError:
                raise
            except Exception:
                pause = min(300.0, max(5.0, pause * 2))
                log.exception("%s poll failed; next try in %.0f s", self.mailbox.source, pause)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), pause)

    async def start(self) -> None:
        """Poll in the background until `stop`."""
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name=f"intake-{self.mailbox.source}")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.mailbox.aclose()
