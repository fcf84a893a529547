"""The county gets the month's compilation by email on the first working day after the month."""

from __future__ import annotations

import base64
import datetime as dt
import io
import zoneinfo
from pathlib import Path

import docx

from lagesbild.operations.digest_delivery import send_county_reports
from lagesbild.operations.groups import create_group
from lagesbild.operations.history import import_reports
from lagesbild.operations.members import import_members
from storage.database import Database
from storage.repositories import OutboxRepository

TZ = zoneinfo.ZoneInfo("Europe/Stockholm")
HISTORY = Path(__file__).resolve().parents[1] / "fixtures" / "history"
COUNTY = "lagesbild-fas.dalarna@lansstyrelsen.se"


async def test_october_goes_to_the_county_on_the_first_working_day_of_november(db: Database) -> None:
    now = dt.datetime(2026, 11, 2, 8, 0, tzinfo=TZ)
    await create_group(db, organisation="Ludvika kommun", name="FAS", preset="fas-ludvika",
                       today=dt.date(2026, 9, 1), tz=TZ, first_meeting=dt.date(2026, 9, 2))  # fmt: skip
    await import_members(
        db, organisation="Ludvika kommun", csv_text=(HISTORY / "fas_members.csv").read_text()
    )
    await import_reports(db, organisation="Ludvika kommun", text=(HISTORY / "fas_ludvika.jsonl").read_text(),
                         today=now.date(), tz=TZ, now=now)  # fmt: skip
    assert await send_county_reports(db, county_address=COUNTY, today=dt.date(2026, 11, 1), now=now) == 0, (
        "a Sunday"
    )
    assert await send_county_reports(db, county_address=COUNTY, today=dt.date(2026, 11, 2), now=now) == 1
    assert await send_county_reports(db, county_address=COUNTY, today=dt.date(2026, 11, 2), now=now) == 0
    async with db.session(readonly=True) as s:
        [mail] = await OutboxRepository(s).list()
    assert mail.channel == "email" and mail.recipient == COUNTY
    assert mail.payload["subject"] == "Lägesrapport sociala risker Ludvika kommun 2026-10 (FAS)"
    attachment = mail.payload["attachments"][0]
    document = docx.Document(io.BytesIO(base64.b64decode(attachment["data_base64"])))
    text = "\n".join(p.text for p in document.paragraphs) + "".join(
        c.text for t in document.tables for r in t.rows for c in r.cells
    )
    assert "Sammanställd bedömning" in text
