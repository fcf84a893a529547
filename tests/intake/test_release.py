"""`lagesbild intake quarantine release` files a mail into the period it arrived in, or refuses
with the reason and keeps it in quarantine (a real process per command, both backends).

Times are given explicitly (LAGESBILD_NOW) on the fixed calendar of
tests/intake/conftest.py `T0`: cycle 1 covers 24 Feb–9 Mar 2025 (deadline Wed 5 Mar
12.00), cycle 2 covers 10–23 Mar (opens Mon 17 Mar 8.00, deadline Wed 19 Mar 12.00)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lagesbild.operations.cycles import close_cycle, open_cycle
from lagesbild.operations.members import import_members
from storage.database import Database
from storage.repositories import CycleRepository
from storage.repositories.inbound import InboundEmailRecord, InboundRepository, InboundStatus
from tests.conftest import table_count
from tests.intake.conftest import fixture_mail, municipality_at
from tests.intake.test_cli import lagesbild
from tests.world import TZ

pytestmark = pytest.mark.db

DAN = "Dan Ny <dan@fagersta.se>"


def at(day: int, hour: int, month: int = 3) -> str:
    return dt.datetime(2025, month, day, hour, 0, tzinfo=TZ).isoformat()


async def quarantined(db: Database) -> list[InboundEmailRecord]:
    async with db.session(readonly=True) as s:
        return await InboundRepository(s).list(InboundStatus.QUARANTINED)


async def test_a_released_mail_belongs_to_the_period_it_arrived_in(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    world = await municipality_at(db)
    first = world.cycle
    async with db.session(readonly=True) as s:
        second = (await CycleRepository(s).for_group(world.group.id))[1]
    run = {"database_url": database_url, "cwd": tmp_path}
    # Dan, not yet a member, writes while cycle 1 is open (Tue 4 Mar) and again in the
    # second period before it opens (Wed 12 Mar). Neither mail names its cycle.
    (tmp_path / "early.eml").write_bytes(fixture_mail("gmail_sv_above_quote", sender=DAN))
    (tmp_path / "later.eml").write_bytes(fixture_mail("outlook_sv_above_quote", sender=DAN))
    lagesbild("intake", "ingest", str(tmp_path / "early.eml"), **run, now=at(4, 10))
    lagesbild("intake", "ingest", str(tmp_path / "later.eml"), **run, now=at(12, 10))
    early, later = (r.id for r in await quarantined(db))
    await close_cycle(db, world.group, now=dt.datetime(2025, 3, 6, 10, 0, tzinfo=TZ), tz=TZ)
    await import_members(db, organisation="Fagersta kommun",
                         csv_text="name,email,agency,roles,channel\nDan Ny,dan@fagersta.se,skola,reporter,email\n")  # fmt: skip

    # Sun 16 Mar: cycle 1 is closed, cycle 2 not open yet.
    waiting = lagesbild("intake", "quarantine", "release", str(later), ok=False, **run, now=at(16, 10))
    assert waiting.returncode != 0
    assert "Perioden EST v. 11–12, 10–23 mars har inte öppnat än" in waiting.stderr
    assert "Mejlet ligger kvar i karantän." in waiting.stderr

    await open_cycle(db, world.group, now=dt.datetime(2025, 3, 17, 8, 0, tzinfo=TZ), tz=TZ, renderers={},
                     cycle_id=second.id)
    # Tue 18 Mar, cycle 2 is open: the mail from 4 March still belongs to cycle 1, now closed.
    refused = lagesbild("intake", "quarantine", "release", str(early), ok=False, **run, now=at(18, 10))
    assert refused.returncode != 0
    assert ("Perioden EST v. 9–10, 24 feb–9 mars är stängd; mejlet (kom tis 4 mars 2025 kl. 10.00) kan inte längre "
            "räknas till den. Mejlet ligger kvar i karantän.") in refused.stderr  # fmt: skip
    released = lagesbild("intake", "quarantine", "release", str(later), **run, now=at(18, 10)).stdout
    assert released.startswith(f"Mejl {later}: sparad, rapport, period {second.id}")

    assert [r.id for r in await quarantined(db)] == [early]
    async with db.session(readonly=True) as s:
        record = await InboundRepository(s).get(later)
    assert (record.status, record.cycle_id) == ("stored", second.id)
    started = dt.datetime(2025, 3, 18, 10, 0, tzinfo=TZ)  # LAGESBILD_NOW's clock advances from there
    assert record.released_at is not None and started <= record.released_at < started + dt.timedelta(minutes=1)
    assert await table_count(db, "submissions") == 1
    assert first.id != second.id
