"""Fuzz run of the email intake: ``python bench/intake_fuzz.py [--mails 3000] [--backends sqlite,postgresql]``.

Sends a deterministic corpus of damaged mail (tests/intake/mutations.py, seed 11: the
fixtures cut off, bytes flipped, boundaries broken, charsets wrong, headers huge, MIME
nested up to 5,000 levels, raw 8-bit bytes and NUL in headers) through `intake.pipeline.ingest`
into a fresh database per backend, seeded as tests/intake/conftest.py `municipality_at`
does. Then counts the rows: every mail must end as exactly one of a report or reply row
(stored, closed, rejected, ignored), a quarantine row, or a failed row kept raw with its
reason. Target: 0 unaccounted for; the ratio printed is unaccounted / mails.

Also times one mail nested 5,000 levels deep, decoded and taken through the pipeline
(target well under a second: 0.25 s; the ratio is time / target).
PostgreSQL: LAGESBILD_TEST_PG_URL (an admin URL); a database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path; put the repository there.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from sqlalchemy import text  # noqa: E402

from bench.scratch_pg import drop_postgresql, postgresql_database  # noqa: E402
from intake.mime import parse_message  # noqa: E402
from intake.pipeline import ingest  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.intake.conftest import T0, municipality_at  # noqa: E402
from tests.intake.mutations import corpus, nested  # noqa: E402
from tests.world import TZ  # noqa: E402

NOW = T0 + dt.timedelta(hours=2)
OUTCOMES = {"stored": "report/reply", "closed": "report/reply", "rejected": "report/reply",
            "ignored": "report/reply", "quarantined": "quarantine", "failed": "raw with reason"}  # fmt: skip
NESTED_TARGET = 0.25


async def fuzz(url: str, mails: int) -> tuple[int, dict[str, int], float, int]:
    """(distinct mails, rows per status, seconds, mails whose ingest raised)."""
    db = Database(url)
    try:
        world = await municipality_at(db)
        batch = corpus(mails, seed=11, cycle_id=world.cycle.id)
        raised = 0
        started = time.perf_counter()
        for i, raw in enumerate(batch):
            try:
                await ingest(db, raw, source="file", mailbox_ref=f"fuzz-{i}", now=NOW, tz=TZ)
            except Exception:
                logging.getLogger("bench").exception("mail %d raised", i)
                raised += 1
        seconds = time.perf_counter() - started
        async with db.session(readonly=True) as s:
            rows = (await s.execute(text("SELECT status, count(*) FROM inbound_emails GROUP BY status"))).all()
        return len(set(batch)), {status: int(n) for status, n in rows}, seconds, raised
    finally:
        await db.dispose()


async def deep(url: str) -> tuple[float, float, str]:
    """(seconds to decode, seconds through the pipeline, status) of a mail nested 5,000 levels."""
    raw = nested(5000, headers=b"From: Bo Berg <bo@fagersta.se>\r\nMessage-ID: <deep.bench@example.org>\r\n"
                 b"Subject: Djupt")  # fmt: skip
    started = time.perf_counter()
    parse_message(raw)
    decode = time.perf_counter() - started
    db = Database(url)
    try:
        started = time.perf_counter()
        result = await ingest(db, raw, source="file", now=NOW, tz=TZ)
        return decode, time.perf_counter() - started, result.status
    finally:
        await db.dispose()


def run_backend(backend: str, mails: int) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        pg_name = None
        url = f"sqlite:///{Path(tmp) / 'fuzz.db'}" if backend == "sqlite" else None
        if url is None:
            url, pg_name = postgresql_database()
        try:
            upgrade(url)
            distinct, counts, seconds, raised = asyncio.run(fuzz(url, mails))
            decode, through, deep_status = asyncio.run(deep(url))
        finally:
            if pg_name:
                drop_postgresql(pg_name)
    rows = sum(counts.values())
    unaccounted = abs(distinct - sum(n for s, n in counts.items() if s in OUTCOMES)) + raised
    by_outcome: dict[str, int] = {}
    for status, n in counts.items():
        outcome = OUTCOMES.get(status, f"unaccounted ({status})")
        by_outcome[outcome] = by_outcome.get(outcome, 0) + n
    detail = ", ".join(f"{k} {v}" for k, v in sorted(by_outcome.items()))
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"fuzz {backend}: {mails} mutated mails ({distinct} distinct) in {seconds:.1f} s "
          f"({seconds / mails * 1000:.0f} ms a mail): {rows} rows: {detail} [{statuses}]")  # fmt: skip
    print(f"fuzz {backend}: {unaccounted} unaccounted for, {raised} raised (target 0, ratio {unaccounted / mails:.4f})")
    print(f"nested 5,000 levels {backend}: decoded in {decode * 1000:.1f} ms, through the pipeline in "
          f"{through * 1000:.0f} ms as {deep_status} (target < {NESTED_TARGET * 1000:.0f} ms, ratio "
          f"{through / NESTED_TARGET:.2f})")  # fmt: skip
    return unaccounted == 0 and through < NESTED_TARGET and deep_status == "quarantined"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=3000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)  # the intake logs every damaged mail; the figures are the point
    ok = True
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        ok = run_backend(backend, args.mails) and ok
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
