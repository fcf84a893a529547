"""Scheduler jobs only process what is due: a rerun, a second runner or a late start opens
nothing twice, and work that fell due during downtime is done at start."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import zoneinfo

from sqlalchemy import update

from lagesbild.jobs import Runtime, register_runtime, run_due_work, unregister_runtime
from lagesbild.operations.cycles import list_cycles, plan
from lagesbild.operations.groups import create_group, list_groups
from lagesbild.scheduler import TICK_JOB_ID, create_scheduler
from reporting.model import Cycle, CycleState
from storage.database import Database
from storage.models import CycleRow
from storage.repositories import CycleRepository
from tests.conftest import table_count

TZ = zoneinfo.ZoneInfo("Europe/Stockholm")


async def setup_group(db: Database, today: dt.date) -> None:
    await create_group(
        db, organisation="Ludvika kommun", name="FAS", preset="fas-ludvika", today=today, tz=TZ
    )


def runtime_at(db: Database, moment: dt.datetime, opened: list[int], closed: list[int]) -> Runtime:
    async def on_open(cycle: Cycle) -> None:
        opened.append(cycle.id)

    async def on_close(cycle: Cycle) -> None:
        closed.append(cycle.id)

    return Runtime(db=db, tz=TZ, on_opened=[on_open], on_closed=[on_close], clock=lambda: moment)


async def test_due_work_plans_ahead_and_opens_and_closes_exactly_once(db: Database) -> None:
    start = dt.datetime(2026, 11, 20, 12, 0, tzinfo=TZ)
    await setup_group(db, start.date())
    opened: list[int] = []
    closed: list[int] = []
    first = await run_due_work(runtime_at(db, start, opened, closed))
    assert first.planned == 4 and opened == [] and closed == []

    # Monday 23 Nov 08:05: the first cycle's prompt time has passed. Two runners race.
    monday = dt.datetime(2026, 11, 23, 8, 5, tzinfo=TZ)
    await asyncio.gather(*(run_due_work(runtime_at(db, monday, opened, closed)) for _ in range(3)))
    assert len(opened) == 1
    again = await run_due_work(runtime_at(db, monday, opened, closed))
    assert again.opened == [] and again.planned == 0 and len(opened) == 1

    # After the deadline (Tue 15.00) it closes once, and one more cycle is planned ahead.
    tuesday = dt.datetime(2026, 11, 24, 15, 1, tzinfo=TZ)
    done = await run_due_work(runtime_at(db, tuesday, opened, closed))
    assert closed == opened and done.planned == 1
    states = [c.state for _, c in await list_cycles(db)]
    assert states == [CycleState.CLOSED] + [CycleState.PLANNED] * 4


async def test_scheduler_catches_up_at_start_from_its_persistent_store(
    db: Database, database_url: str
) -> None:
    now = dt.datetime.now(dt.UTC)
    await setup_group(db, (now - dt.timedelta(days=10)).astimezone(TZ).date())
    group = (await list_groups(db))[0]
    cycle = (await plan(db, group, count=1, now=now, tz=TZ))[0].cycle
    # Downtime: the cycle's prompt time passed three hours ago while nothing was running.
    async with db.session() as s:
        await s.execute(
            update(CycleRow)
            .where(CycleRow.id == cycle.id)
            .values(
                opens_at=now - dt.timedelta(hours=3),
                deadline=now + dt.timedelta(days=1),
                meeting_at=now + dt.timedelta(days=2),
            )
        )

    opened: list[int] = []
    key = f"test-{id(db)}"
    runtime = runtime_at(db, now, opened, [])
    register_runtime(key, dataclasses.replace(runtime, clock=lambda: dt.datetime.now(dt.UTC)))
    scheduler = create_scheduler(database_url, runtime_key=key, interval_seconds=3600)
    try:
        scheduler.start()
        for _ in range(100):
            if opened:
                break
            await asyncio.sleep(0.05)
        assert scheduler.get_job(TICK_JOB_ID) is not None
    finally:
        scheduler.shutdown(wait=True)
        unregister_runtime(key)
    assert opened == [cycle.id]
    async with db.session(readonly=True) as s:
        assert (await CycleRepository(s).get(cycle.id)).state is CycleState.OPEN
    assert await table_count(db, "apscheduler_jobs") == 1, "the job lives in the database's job store"
