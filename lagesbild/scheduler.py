"""The APScheduler 3 scheduler, with its job store in the application's own database.

One job, `lagesbild.tick`, runs every `LAGESBILD_SCHEDULER_INTERVAL` seconds and once at
start, so work that fell due while the service was down is done straight away.
Only one process per database should start it (see `create_scheduler`'s caller).
"""

from __future__ import annotations

import datetime as dt

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from storage.database import sync_url

TICK_JOB_ID = "lagesbild.tick"


def create_scheduler(database_url: str, *, runtime_key: str, interval_seconds: int) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=sync_url(database_url))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=dt.UTC,
    )
    scheduler.add_job(
        "lagesbild.jobs:tick",
        trigger="interval",
        seconds=interval_seconds,
        id=TICK_JOB_ID,
        kwargs={"runtime_key": runtime_key},
        replace_existing=True,
        next_run_time=dt.datetime.now(dt.UTC),
    )
    return scheduler
