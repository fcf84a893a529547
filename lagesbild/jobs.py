"""Scheduler jobs: each only processes what is due, so a rerun or a late start is harmless.

APScheduler's persistent job store keeps a job as a text reference plus picklable
arguments, so a job cannot carry the open `Database`. Jobs therefore name a *runtime*
by key, and the process that starts the scheduler registers its runtime under that key.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from lagesbild.operations.cycles import close_due_cycles, ensure_planned, open_due_cycles
from reporting.model import Cycle
from storage.database import Database

log = logging.getLogger(__name__)

CycleHook = Callable[[Cycle], Awaitable[None]]
TickHook = Callable[[dt.datetime], Awaitable[object]]


@dataclass
class Runtime:
    """What jobs need in this process; hooks let the Teams and email packages act on a
    cycle that has just opened or closed (prompts, summaries)."""

    db: Database
    tz: zoneinfo.ZoneInfo
    on_opened: list[CycleHook] = field(default_factory=list)
    on_closed: list[CycleHook] = field(default_factory=list)
    every_tick: list[TickHook] = field(default_factory=list)
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)


_runtimes: dict[str, Runtime] = {}


def register_runtime(key: str, runtime: Runtime) -> None:
    _runtimes[key] = runtime


def unregister_runtime(key: str) -> None:
    _runtimes.pop(key, None)


@dataclass(frozen=True, slots=True)
class DueWork:
    planned: int
    opened: list[Cycle]
    closed: list[Cycle]


async def run_due_work(runtime: Runtime) -> DueWork:
    """Plan ahead, open what is due, close what is past its deadline, then the tick hooks
    (reminders and the like)."""
    now = runtime.clock()
    planned = await ensure_planned(runtime.db, now=now, tz=runtime.tz)
    opened = await open_due_cycles(runtime.db, now=now)
    for cycle in opened:
        log.info("cycle %s opened", cycle.id)
        for hook in runtime.on_opened:
            await hook(cycle)
    closed = await close_due_cycles(runtime.db, now=now)
    for cycle in closed:
        log.info("cycle %s closed", cycle.id)
        for hook in runtime.on_closed:
            await hook(cycle)
    for tick_hook in runtime.every_tick:
        await tick_hook(now)
    return DueWork(planned, opened, closed)


async def tick(runtime_key: str) -> None:
    """The scheduler's job: due work for the runtime registered under `runtime_key`."""
    runtime = _runtimes.get(runtime_key)
    if runtime is None:
        log.error("scheduler job ran without a registered runtime %r; nothing done", runtime_key)
        return
    await run_due_work(runtime)
