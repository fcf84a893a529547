"""Long-running CLI commands (`jobs run`, `outbox run`) do their work only while they hold
the jobs lock (lagesbild.leader), so they never double what `serve` already does."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

import click

from lagesbild.leader import JobsLeadership
from storage.database import Database

WAITING = (
    "En annan process (till exempel lagesbild serve) kör redan de schemalagda jobben mot den här "
    "databasen. Den här väntar och tar över om den stannar. Avsluta med Ctrl-C."
)


class _WhileLeading:
    def __init__(self, work: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        self._work = work
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._work(self._stop))

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task


async def run_while_leading(
    db: Database,
    work: Callable[[asyncio.Event], Awaitable[None]],
    *,
    started: str,
    retry: float = 5.0,
) -> bool:
    """Run `work(stop)` while this process holds the jobs lock, until SIGINT or SIGTERM.
    Prints `started` when the work starts (at once, or after taking over). True if it ran."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    leadership = JobsLeadership(db, _WhileLeading(work), retry=retry)
    await leadership.start()
    if not leadership.leading.is_set():
        click.echo(WAITING, err=True)
        leading = asyncio.create_task(leadership.leading.wait())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({leading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        leading.cancel()
        stopping.cancel()
    ran = leadership.leading.is_set()
    if ran:
        click.echo(started, err=True)
        await stop.wait()
    await leadership.stop()
    return ran
