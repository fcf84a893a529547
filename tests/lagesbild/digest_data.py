"""The fixed history datasets (tests/fixtures/history) loaded into a database, for the digest tests.

`seed_est(db)`: Fagersta kommun, group EST (Fagersta template), nine members, the place
list and six closed two-week cycles of reports (ids 1–6, 27 jul – 18 okt 2026).
`seed_fas(db)`: Ludvika kommun, group FAS (Ludvika template), five weekly cycles whose
periods end in October 2026 (ids 1–5 in a fresh database).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

from lagesbild.operations.groups import create_group
from lagesbild.operations.history import HistoryImport, import_reports
from lagesbild.operations.members import import_members
from lagesbild.operations.places import import_places
from reporting.model import ReportingGroup
from storage.database import Database

HISTORY = Path(__file__).resolve().parents[1] / "fixtures" / "history"
TZ = zoneinfo.ZoneInfo("Europe/Stockholm")
TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
MEETING = dt.datetime(2026, 10, 21, 8, 30, tzinfo=dt.UTC)
EST_ORG, FAS_ORG = "Fagersta kommun", "Ludvika kommun"


async def seed(
    db: Database, *, organisation: str, name: str, preset: str, members: str, places: str, reports: str
) -> tuple[ReportingGroup, HistoryImport]:
    group, _ = await create_group(db, organisation=organisation, name=name, preset=preset, today=TODAY, tz=TZ)
    await import_members(db, organisation=organisation, csv_text=(HISTORY / members).read_text("utf-8"))
    await import_places(db, organisation=organisation, text=(HISTORY / places).read_text("utf-8"))
    result = await import_reports(
        db,
        organisation=organisation,
        text=(HISTORY / reports).read_text("utf-8"),
        today=TODAY,
        tz=TZ,
        now=NOW,
    )
    return group, result


async def seed_est(db: Database) -> ReportingGroup:
    group, _ = await seed(
        db,
        organisation=EST_ORG,
        name="EST",
        preset="est-fagersta",
        members="est_members.csv",
        places="fagersta_places.txt",
        reports="est_fagersta.jsonl",
    )
    return group


async def seed_fas(db: Database) -> ReportingGroup:
    group, _ = await seed(
        db,
        organisation=FAS_ORG,
        name="FAS",
        preset="fas-ludvika",
        members="fas_members.csv",
        places="ludvika_places.txt",
        reports="fas_ludvika.jsonl",
    )
    return group
