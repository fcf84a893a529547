"""Scheduler jobs: each only processes what is due, so a rerun or a late start is harmless.

APScheduler's persistent job store keeps a job as a text reference plus picklable
arguments, so a job cannot carry the open `Database`. Jobs therefore name a *runtime*
by key, and the process that starts the scheduler registers its runtime under that key.

`scheduler_runtime` is the one definition of the due work; `serve`'s background jobs,
`jobs run` and `jobs run-once` all use it (through `lagesbild.wiring.jobs_runtime`, which
passes in the channels' prompt renderers).
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from lagesbild.operations.cycle_messages import Renderers, enqueue_due_reminders
from lagesbild.operations.cycles import (
    Closed,
    Opened,
    close_due_cycles,
    ensure_planned,
    open_due_cycles,
    prompt_unprompted_cycles,
)
from lagesbild.operations.decisions import enqueue_decision_reminders, enqueue_meeting_summaries
from lagesbild.operations.digest_delivery import deliver_due_digests, send_county_reports
from lagesbild.operations.escalation_delivery import deliver_escalations
from lagesbild.operations.promises import enqueue_promise_notices
from lagesbild.settings import Settings, real_now
from storage.database import Database

log = logging.getLogger(__name__)

# Due work besides opening and closing cycles; returns how many messages it queued.
TickHook = Callable[[dt.datetime], Awaitable[int]]


@dataclass
class Runtime:
    """What jobs need in this process. Opening a cycle queues its prompts with `renderers`,
    closing one the deadline summary (both in the transaction of the state change);
    `every_tick` is the rest of the due work. `wake` tells this process's outbox dispatcher
    that messages were queued (a no-op where none runs: they wait in the outbox for the
    process that dispatches)."""

    db: Database
    tz: zoneinfo.ZoneInfo
    renderers: Renderers
    every_tick: list[TickHook] = field(default_factory=list)
    wake: Callable[[], None] = lambda: None
    clock: Callable[[], dt.datetime] = real_now


_runtimes: dict[str, Runtime] = {}


def register_runtime(key: str, runtime: Runtime) -> None:
    _runtimes[key] = runtime


def unregister_runtime(key: str) -> None:
    _runtimes.pop(key, None)


def scheduler_runtime(
    settings: Settings,
    db: Database,
    *,
    renderers: Renderers,
    clock: Callable[[], dt.datetime] = real_now,
    wake: Callable[[], None] = lambda: None,
) -> Runtime:
    """The scheduler's work as `serve`, `jobs run` and `jobs run-once` all do it: cycles
    opened with their prompts and closed with their summaries, then reminders, digests,
    escalations, the county's report, decision reminders, Brå meeting summaries and the
    notices about citizen promises ending."""

    async def due_work(now: dt.datetime) -> int:
        queued = await enqueue_due_reminders(db, now=now, tz=settings.tz)
        queued += await deliver_due_digests(
            db, now=now, locale=settings.locale, before_meeting=settings.digest_before_meeting
        )
        queued += await deliver_escalations(db, now=now, locale=settings.locale)
        if settings.county_email and settings.mail_send != "none":
            today = now.astimezone(settings.tz).date()
            queued += await send_county_reports(db, county_address=settings.county_email, today=today, now=now)
        queued += await enqueue_decision_reminders(db, now, tz=settings.tz, locale=settings.locale)
        queued += await enqueue_meeting_summaries(db, now, locale=settings.locale)
        queued += await enqueue_promise_notices(db, now, tz=settings.tz)
        return queued

    return Runtime(db=db, tz=settings.tz, renderers=renderers, every_tick=[due_work], wake=wake, clock=clock)


@dataclass(frozen=True, slots=True)
class DueWork:
    planned: int
    opened: list[Opened]
    closed: list[Closed]
    repaired: list[Opened]  # open cycles that had no prompts and got them now
    queued: int  # messages queued in all


async def run_due_work(runtime: Runtime) -> DueWork:
    """Plan ahead, open what is due (with its prompts), prompt an open cycle that has none,
    close what is past its deadline (with its summary), then the rest of the due work."""
    now = runtime.clock()
    planned = await ensure_planned(runtime.db, now=now, tz=runtime.tz)
    opened = await open_due_cycles(runtime.db, now=now, renderers=runtime.renderers, tz=runtime.tz)
    for done in opened:
        log.info("cycle %s opened, %d prompts queued", done.cycle.id, done.prompts)
    repaired = await prompt_unprompted_cycles(runtime.db, now=now, renderers=runtime.renderers, tz=runtime.tz)
    closed = await close_due_cycles(runtime.db, now=now, tz=runtime.tz)
    for shut in closed:
        log.info("cycle %s closed, %d summaries queued", shut.cycle.id, shut.summaries)
    queued = sum(o.prompts for o in (*opened, *repaired)) + sum(c.summaries for c in closed)
    for tick_hook in runtime.every_tick:
        queued += await tick_hook(now)
    if queued:
        runtime.wake()
    return DueWork(planned, opened, closed, repaired, queued)


async def tick(runtime_key: str) -> None:
    """The scheduler's job: due work for the runtime registered under `runtime_key`."""
    runtime = _runtimes.get(runtime_key)
    if runtime is None:
        log.error("scheduler job ran without a registered runtime %r; nothing done", runtime_key)
        return
    await run_due_work(runtime)
