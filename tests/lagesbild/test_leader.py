"""With several processes on one database, exactly one runs the background jobs, and another
takes over when it stops: instances of `serve` on PostgreSQL, or `serve` and a
`lagesbild jobs run` beside it on SQLite."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def _read_until(process: subprocess.Popen[str], needle: str, timeout: float = 30) -> str:
    assert process.stderr is not None
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        seen += line
        if needle in line:
            return seen
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"never printed {needle!r}; printed:\n{seen}")


def test_a_second_scheduler_on_the_same_sqlite_file_waits_and_takes_over(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "LAGESBILD_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'jobs.db'}", LAGESBILD_SCHEDULER_INTERVAL="3600")
    subprocess.run([sys.executable, "-m", "lagesbild", "db", "upgrade"], env=env, check=True, capture_output=True)

    def jobs_run() -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "lagesbild", "jobs", "run"], env=env,
                                stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)  # fmt: skip

    first = jobs_run()
    second = None
    try:
        _read_until(first, "Schemaläggaren kör")
        second = jobs_run()
        _read_until(second, "En annan process (till exempel lagesbild serve) kör redan")
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=30) == 0
        _read_until(second, "Schemaläggaren kör", timeout=60)
    finally:
        for process in (first, second):
            if process is not None:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
                    process.wait(timeout=30)
                assert process.stderr is not None
                process.stderr.close()
