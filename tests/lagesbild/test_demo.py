"""The demo municipality seeds once, with history for trends and two reports already in."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from lagesbild.demo import DEMO_ORGANISATION, seed_demo
from lagesbild.operations.digest import build
from lagesbild.operations.places import list_places
from storage.database import Database
from tests.conftest import table_count

TZ = zoneinfo.ZoneInfo("Europe/Stockholm")
# The demo is seeded at a fixed moment (seed_demo and build take `now`), not on the real clock.
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=TZ)


async def test_the_demo_seeds_once_with_history_and_reports(db: Database) -> None:
    now = NOW
    world = await seed_demo(db, now=now, tz=TZ)
    assert world.created
    assert "Brunnsparken" in await list_places(db, DEMO_ORGANISATION)
    submissions = await table_count(db, "submissions")
    again = await seed_demo(db, now=now, tz=TZ)
    assert not again.created and again.open_cycle.id == world.open_cycle.id
    assert await table_count(db, "submissions") == submissions
    digest, _ = await build(db, world.open_cycle.id, now=now)
    q1 = next(q for q in digest.data["questions"] if q["question"] == "1")
    assert q1["counts"]["observations"] == 1
    assert len(q1["impact"]["history"]) == 3, "three earlier periods give the trend"
    assert any(item["recurring"] for item in q1["items"]), "the Brunnsparken fires recur"
