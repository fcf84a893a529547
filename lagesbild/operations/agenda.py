"""The Brå meeting's agenda (`lagesbild bra agenda`): overdue decisions first, then the
open ones, the questions the groups lifted since the last meeting, the current citizen
promises with their indicators, and Brå's current priorities.

`agenda_data` gathers it as plain data (also `--format json`); `agenda_page` lays it out
for Markdown, HTML and Word (`lagesbild.exports.bra`). Only the municipality's own data
is read.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Any

from lagesbild.exports.bra import Block, Bullets, Heading, Page, Paragraph, Table, render_page
from lagesbild.operations.errors import InputError
from lagesbild.operations.priorities import priority_lines
from lagesbild.operations.promises import current_promises, month_name
from reporting.bra.agenda import decision_entry, last_meeting, ordered, promise_entry
from reporting.formatting import format_day, format_weeks
from reporting.screening import mask
from storage.database import Database
from storage.repositories import OrganisationRepository
from storage.repositories.decisions import DecisionRepository

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
AGENDA_FORMATS = ("md", "html", "docx", "json")
LEVEL_WORDS = {"green": "grönt", "yellow": "gult", "red": "rött"}


async def agenda_data(
    db: Database, organisation_id: int, *, day: dt.date, tz: zoneinfo.ZoneInfo = STOCKHOLM, locale: str = "sv"
) -> dict[str, Any]:
    async with db.session(readonly=True) as s:
        organisation = next(
            (o.name for o in await OrganisationRepository(s).all() if o.id == organisation_id), ""
        )
        repo = DecisionRepository(s)
        decisions = await repo.list(organisation_id, history=True)
        previous = last_meeting(decisions, day)
        since = dt.datetime.combine(previous, dt.time(), tzinfo=tz) if previous else None
        escalations = await repo.escalations(organisation_id, since=since)
    overdue, open_ = ordered(decisions, day)
    promises = await current_promises(db, organisation_id, day)
    return {
        "organisation": organisation,
        "date": day.isoformat(),
        "last_meeting": previous.isoformat() if previous else None,
        "overdue": [decision_entry(d, day, locale) for d in overdue],
        "open": [decision_entry(d, day, locale) for d in open_],
        "escalations": [
            {
                "id": e[0],
                "cycle": e[1],
                "question": e[2],
                "level": e[3],
                "comment": mask(e[4]),
                "reason": e[5],
                "created_at": e[6].isoformat(),
                "group": e[7],
                "weeks": format_weeks(e[8], e[9], locale),
                "decided": e[10],
            }
            for e in escalations
            if previous is not None or not e[10]
        ],  # fmt: skip
        "promises": [promise_entry(p, locale) for p in promises],
        "priorities": await priority_lines(db, organisation_id, day, locale=locale),
    }


def _decision_items(entries: list[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    items = []
    for e in entries:
        meta = [f"Ansvarig: {e['owner_text']}"]
        meta.append(
            f"senast {format_day(dt.date.fromisoformat(e['due']))}" if e["due"] else "inget datum satt"
        )
        if e["days_late"]:
            meta.append(f"{e['days_late']} dagar sent")
        meta.append(f"status: {e['status'].replace('pagar', 'pågår')}")
        if e["rests_on"]:
            meta.append(e["rests_on"])
        notes = [h for h in e["history"] if h["text"]]
        if notes:
            meta.append(f"senast noterat: {notes[-1]['text']}")
        items.append((f"{e['title']} (beslut {e['id']}, {format_day(dt.date.fromisoformat(e['meeting_date']))})",
                      " · ".join(meta)))  # fmt: skip
    return tuple(items)


def agenda_page(data: dict[str, Any]) -> Page:
    day = dt.date.fromisoformat(data["date"])
    blocks: list[Block] = []
    if data["priorities"]:
        blocks += [Paragraph("Lokala Brå prioriterar just nu: " + "; ".join(data["priorities"]), "lead")]
    blocks += [
        Heading(f"1. Försenade beslut ({len(data['overdue'])})"),
        Bullets(_decision_items(data["overdue"]), empty="Inga försenade beslut."),
        Heading(f"2. Öppna beslut ({len(data['open'])})"),
        Bullets(_decision_items(data["open"]), empty="Inga öppna beslut."),
    ]
    since = (
        f"sedan förra mötet {format_day(dt.date.fromisoformat(data['last_meeting']))}"
        if data["last_meeting"]
        else "som ännu inte har beslut"
    )
    blocks.append(Heading(f"3. Frågor som grupperna lyft {since} ({len(data['escalations'])})"))
    blocks.append(
        Bullets(
            tuple(
                (
                    f"{e['group']} {e['weeks']}, Fråga {e['question']}: {LEVEL_WORDS.get(e['level'], e['level'])}"
                    + (" – beslut fattat" if e["decided"] else ""),
                    f"Kommentar/åtgärd: {e['comment']}" if e["comment"] else "",
                )
                for e in data["escalations"]
            ),
            empty="Inga lyfta frågor.",
        )
    )
    blocks.append(Heading(f"4. Medborgarlöften som gäller ({len(data['promises'])})"))
    if not data["promises"]:
        blocks.append(Paragraph("Inget medborgarlöfte gäller just nu.", "muted"))
    for p in data["promises"]:
        blocks.append(Heading(f"{p['title']} ({p['period_text']})", 3))
        rows = []
        for item in p["items"]:
            name = item["heading"] or item["text"][:70] + ("…" if len(item["text"]) > 70 else "")
            latest = item["latest"]
            note = f"{month_name(latest['month'])}: {latest['text']}" if latest and latest["text"] else "–"
            indicators = "; ".join(
                f"{i['name']}: {i['value_text']}"
                + (f" av {i['target_text']}" if i["target"] is not None else "")
                for i in item["indicators"]
            )
            rows.append((str(item["number"]), name, item["responsible"], indicators or "–", note))
        blocks.append(Table(("Nr", "Löfte", "Ansvarig", "Indikatorer (senaste värde)", "Senaste uppföljning"),
                            tuple(rows)))  # fmt: skip
    return Page(
        title=f"Dagordning lokala Brå {format_day(day)}",
        subtitle=data["organisation"],
        blocks=tuple(blocks),
        filename=f"bra-dagordning-{data['date']}",
        footer="Underlag från Lägesbild. Rapportörernas namn finns inte med; verksamheterna nämns.",
    )


async def export_agenda(
    db: Database, organisation_id: int, *, day: dt.date, fmt: str, tz: zoneinfo.ZoneInfo = STOCKHOLM
) -> tuple[str, bytes]:
    if fmt not in AGENDA_FORMATS:
        raise InputError(f"Okänt format: {fmt} (välj md, html, docx eller json)")
    data = await agenda_data(db, organisation_id, day=day, tz=tz)
    if fmt == "json":
        return f"bra-dagordning-{day.isoformat()}.json", (
            json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        ).encode()
    page = agenda_page(data)
    return f"{page.filename}.{fmt}", render_page(page, fmt)
