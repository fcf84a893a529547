"""Scheduler jobs only process what is due: a rerun, a second runner or a late start opens
nothing twice, and work that fell due during downtime is done at start."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import zoneinfo
from collections import Counter

from sqlalchemy import update

from bot.prompts import TeamsPromptRenderer
from intake.prompts import EmailPromptRenderer
from lagesbild.jobs import Runtime, register_runtime, run_due_work, unregister_runtime
from lagesbild.operations.cycles import list_cycles, plan
from lagesbild.operations.groups import create_group, list_groups
from lagesbild.operations.members import import_members
from lagesbild.scheduler import TICK_JOB_ID, create_scheduler
from reporting.model import Channel, CycleState
from storage.database import Database
from storage.models import CycleRow
from storage.repositories import CycleRepository, OutboxRepository
from tests.conftest import table_count

TZ = zoneinfo.ZoneInfo("Europe/Stockholm")


async def setup_group(db: Database, today: dt.date) -> None:
    await create_group(
        db, organisation="Ludvika kommun", name="FAS", preset="fas-ludvika", today=today, tz=TZ
    )


def runtime_at(db: Database, moment: dt.datetime) -> Runtime:
    return Runtime(db=db, tz=TZ, renderers={}, clock=lambda: moment)


async def test_due_work_plans_ahead_and_opens_and_closes_exactly_once(db: Database) -> None:
    start = dt.datetime(2026, 11, 20, 12, 0, tzinfo=TZ)
    await setup_group(db, start.date())
    first = await run_due_work(runtime_at(db, start))
    assert first.planned == 4 and first.opened == [] and first.closed == []

    # Monday 23 Nov 08:05: the first cycle's prompt time has passed. Three runners race.
    monday = dt.datetime(2026, 11, 23, 8, 5, tzinfo=TZ)
    raced = await asyncio.gather(*(run_due_work(runtime_at(db, monday)) for _ in range(3)))
    opened = [o.cycle.id for done in raced for o in done.opened]
    assert len(opened) == 1
    again = await run_due_work(runtime_at(db, monday))
    assert again.opened == [] and again.planned == 0

    # After the deadline (Tue 15.00) it closes once, and one more cycle is planned ahead.
    tuesday = dt.datetime(2026, 11, 24, 15, 1, tzinfo=TZ)
    done = await run_due_work(runtime_at(db, tuesday))
    assert [c.cycle.id for c in done.closed] == opened and done.planned == 1
    states = [c.state for _, c in await list_cycles(db)]
    assert states == [CycleState.CLOSED] + [CycleState.PLANNED] * 4


MEMBERS = """name,email,agency,roles,channel
Anna Andersson,anna@ludvika.se,fastighet,reporter,teams
Bo Berg,bo@ludvika.se,fritid,reporter,email
Cecilia Carlsson,cecilia@ludvika.se,skola,reporter;coordinator,teams
Eva Ek,eva@ludvika.se,polis,bra,teams
"""


async def test_runners_racing_queue_one_prompt_per_reporter_and_one_summary_per_lead(db: Database) -> None:
    start = dt.datetime(2026, 11, 20, 12, 0, tzinfo=TZ)
    await setup_group(db, start.date())
    await import_members(db, organisation="Ludvika kommun", csv_text=MEMBERS, group="FAS")
    renderers = {Channel.TEAMS: TeamsPromptRenderer(TZ), Channel.EMAIL: EmailPromptRenderer(TZ, "lb@ludvika.se")}

    def runtime(moment: dt.datetime) -> Runtime:
        return Runtime(db=db, tz=TZ, renderers=renderers, clock=lambda: moment)

    await run_due_work(runtime(start))
    monday = dt.datetime(2026, 11, 23, 8, 5, tzinfo=TZ)
    raced = await asyncio.gather(*(run_due_work(runtime(monday)) for _ in range(4)))
    assert sorted(len(done.opened) for done in raced) == [0, 0, 0, 1]
    assert sum(o.prompts for done in raced for o in done.opened) == 3
    assert [done.repaired for done in raced] == [[], [], [], []], "an opened cycle never looks unprompted"
    tuesday = dt.datetime(2026, 11, 24, 15, 1, tzinfo=TZ)
    await asyncio.gather(*(run_due_work(runtime(tuesday)) for _ in range(4)))
    async with db.session(readonly=True) as s:
        sent = Counter((m.kind.value, m.recipient) for m in await OutboxRepository(s).list())
    assert {k: n for k, n in sent.items() if k[0] in ("prompt", "summary")} == {
        ("prompt", "anna@ludvika.se"): 1, ("prompt", "bo@ludvika.se"): 1, ("prompt", "cecilia@ludvika.se"): 1,
        ("summary", "cecilia@ludvika.se"): 1,
    }, "one prompt per reporter (Eva reports nothing), one summary for the coordinator"  # fmt: skip


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

    key = f"test-{id(db)}"
    runtime = runtime_at(db, now)
    register_runtime(key, dataclasses.replace(runtime, clock=lambda: dt.datetime.now(dt.UTC)))
    scheduler = create_scheduler(database_url, runtime_key=key, interval_seconds=3600)
    state = CycleState.PLANNED
    try:
        scheduler.start()
        for _ in range(100):
            async with db.session(readonly=True) as s:
                state = (await CycleRepository(s).get(cycle.id)).state
            if state is CycleState.OPEN:
                break
            await asyncio.sleep(0.05)
        assert scheduler.get_job(TICK_JOB_ID) is not None
    finally:
        scheduler.shutdown(wait=True)
        unregister_runtime(key)
    assert state is CycleState.OPEN
    assert await table_count(db, "apscheduler_jobs") == 1, "the job lives in the database's job store"
