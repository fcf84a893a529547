"""With several instances on one PostgreSQL database, exactly one runs the background jobs,
and another takes over when it stops. SQLite is single-process: its process leads."""

from __future__ import annotations

import asyncio
import datetime as dt

from lagesbild.background import BackgroundJobs
from lagesbild.leader import JobsLeadership
from lagesbild.settings import Settings
from storage.database import Database


def instance(database_url: str) -> tuple[Database, BackgroundJobs]:
    settings = Settings(DATABASE_URL=database_url, LAGESBILD_SCHEDULER_INTERVAL="3600")  # type: ignore[arg-type]
    db = Database(database_url)
    return db, BackgroundJobs(settings, db, database_url=database_url, clock=lambda: dt.datetime.now(dt.UTC))


async def test_one_instance_runs_the_jobs_and_another_takes_over(database_url: str, backend: str) -> None:
    db1, jobs1 = instance(database_url)
    first = JobsLeadership(db1, jobs1, retry=0.2)
    await first.start()
    assert first.leading.is_set() and jobs1.running
    if backend == "sqlite":
        await first.stop()
        assert not jobs1.running
        await db1.dispose()
        return
    db2, jobs2 = instance(database_url)
    second = JobsLeadership(db2, jobs2, retry=0.2)
    try:
        await second.start()
        await asyncio.sleep(0.5)
        assert not second.leading.is_set() and not jobs2.running, "only one instance runs the jobs"
        await first.stop()
        await asyncio.wait_for(second.leading.wait(), timeout=5)
        assert jobs2.running, "the other instance took over"
    finally:
        await second.stop()
        await first.stop()
        await db1.dispose()
        await db2.dispose()
