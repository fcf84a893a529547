"""Citizen promises (medborgarlöften): create from a YAML file, list, follow up per item
and month, export a page the municipality can publish, and tell the coordinator three
weeks before one ends (`enqueue_promise_notices`, a scheduler job).

Roles: Brå members and admins create promises; the coordinator, deputy, Brå members and
admins follow them up; the command line passes no member.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from babel.dates import format_date

from lagesbild.exports.bra import PAGE_FORMATS, Block, Bullets, Heading, Page, Paragraph, render_page
from lagesbild.operations.assessment import PermissionRefused
from lagesbild.operations.errors import InputError
from lagesbild.operations.notify import notice
from lagesbild.operations.scope import check_owner
from reporting.bra import wording
from reporting.bra.promises import (
    MAX_FOLLOW_UP,
    InvalidPromise,
    ending_soon,
    latest_follow_ups,
    parse_promise,
    responsible_word,
    value_text,
)
from reporting.bra.records import Promise
from reporting.bra.roles import may_decide, may_follow_up_promise, refusal_decide, refusal_promise
from reporting.formatting import format_day
from reporting.model import Member, Role
from reporting.outbox import MessageKind
from reporting.screening import mask
from storage.database import Database
from storage.errors import AlreadyExists, NotFound
from storage.repositories import MemberRepository, OrganisationRepository, OutboxRepository
from storage.repositories.promises import PromiseRepository

log = logging.getLogger(__name__)

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
EXAMPLES = ("fagersta-2020-12.yaml", "ludvika-2021.yaml")


def example_path(name: str) -> Path:
    """A shipped example promise file (lagesbild/promises/)."""
    return Path(str(resources.files("lagesbild.promises").joinpath(name)))


def read_promise_file(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (rad {mark.line + 1})" if mark is not None else ""
        raise InputError(f"Filen är inte giltig YAML{where}: {getattr(exc, 'problem', exc)}") from None


async def create_promise(
    db: Database, text: str, *, organisation: str, by: Member | None, now: dt.datetime
) -> Promise:
    """Store the promise in the YAML `text` for `organisation` (or the file's `municipality`,
    which must then be the same)."""
    try:
        given = parse_promise(read_promise_file(text))
    except InvalidPromise as exc:
        raise InputError("Medborgarlöftet kan inte läsas:\n  " + "\n  ".join(exc.problems)) from None
    if given.municipality and given.municipality != organisation:
        raise InputError(f"Filen gäller {given.municipality}, inte {organisation}.")
    async with db.session() as s:
        try:
            org = await OrganisationRepository(s).by_name(organisation)
        except NotFound as exc:
            raise InputError(str(exc)) from None
        if by is not None and not may_decide(by, org.id):
            log.warning(
                "refused: %s (member %s) may not create promises in %s", by.email, by.id, organisation
            )
            raise PermissionRefused(refusal_decide())
        try:
            promise = await PromiseRepository(s).add(org.id, given, member_id=by.id if by else None, now=now)
        except AlreadyExists as exc:
            raise InputError(str(exc)) from None
    log.info(
        "promise %s created for %s (%s – %s)",
        promise.id,
        organisation,
        promise.period_from,
        promise.period_to,
    )
    return promise


async def list_promises(db: Database, organisation_id: int) -> list[Promise]:
    async with db.session(readonly=True) as s:
        return await PromiseRepository(s).all(organisation_id)


async def get_promise(db: Database, promise_id: int, *, organisation_id: int | None = None) -> Promise:
    """The promise; with `organisation_id`, one of another municipality is refused."""
    async with db.session(readonly=True) as s:
        try:
            promise = await PromiseRepository(s).get(promise_id)
        except NotFound:
            promise = None
        if organisation_id is not None:
            owner = promise.organisation_id if promise is not None else None
            await check_owner(s, "Medborgarlöfte", promise_id, owner, organisation_id)
    if promise is None:
        raise InputError(f"Medborgarlöfte {promise_id} finns inte")
    return promise


async def current_promises(db: Database, organisation_id: int, today: dt.date) -> list[Promise]:
    return [p for p in await list_promises(db, organisation_id) if p.is_current(today)]


def _month(text: str | None, today: dt.date) -> str:
    if not text:
        return f"{today.year:04d}-{today.month:02d}"
    year, _sep, month = text.strip().partition("-")
    if not (year.isdigit() and month.isdigit() and len(year) == 4 and 1 <= int(month) <= 12):
        raise InputError(f"Ogiltig månad: {text!r} (skriv t.ex. 2026-11)")
    return f"{int(year):04d}-{int(month):02d}"


async def follow_up(
    db: Database,
    promise_id: int,
    *,
    item: int,
    text: str,
    value: float | None,
    organisation_id: int,
    today: dt.date,
    now: dt.datetime,
    month: str | None = None,
    indicator: int = 1,
    by: Member | None = None,
) -> tuple[Promise, bool]:
    """Write the item's follow-up for the month (this month by default); returns the promise
    and whether the entry is new (False: one written before for the month was replaced)."""
    promise = await get_promise(db, promise_id, organisation_id=organisation_id)
    if by is not None and not may_follow_up_promise(by, organisation_id):
        log.warning("refused: %s (member %s) may not follow up promise %s", by.email, by.id, promise_id)
        raise PermissionRefused(refusal_promise())
    try:
        entry = promise.item(item)
    except KeyError:
        raise InputError(
            f"Medborgarlöftet har ingen punkt {item} (punkterna är 1–{len(promise.items)})."
        ) from None
    note = text.strip()
    if not note and value is None:
        raise InputError("Skriv vad som har gjorts (--text) eller ett värde (--value).")
    if len(note) > MAX_FOLLOW_UP:
        raise InputError(f"Uppföljningen får vara högst {MAX_FOLLOW_UP} tecken.")
    if value is not None and not entry.indicators:
        raise InputError(f"Punkt {item} har ingen indikator att ge ett värde för.")
    if entry.indicators and not 1 <= indicator <= len(entry.indicators):
        raise InputError(f"Punkt {item} har indikatorerna 1–{len(entry.indicators)}.")
    async with db.session() as s:
        new = await PromiseRepository(s).follow_up(
            promise_id, item, month=_month(month, today), indicator=indicator, text=note, value=value,
            member_id=by.id if by else None, by_name=by.name if by else "", now=now,
        )  # fmt: skip
    return await get_promise(db, promise_id), new


async def enqueue_promise_notices(
    db: Database, now: dt.datetime, *, tz: zoneinfo.ZoneInfo = STOCKHOLM, locale: str = "sv",
    organisation_id: int | None = None,
) -> int:  # fmt: skip
    """Three weeks before a promise ends, tell the municipality's coordinators (and
    deputies) to prepare the next one; once per promise and person. With `organisation_id`,
    that municipality's promises only."""
    today = now.astimezone(tz).date()
    async with db.session(readonly=True) as s:
        promises = [p for p in await PromiseRepository(s).all(organisation_id) if ending_soon(p, today)]
        members = await MemberRepository(s).all(organisation_id, active_only=True)
    messages = []
    for promise in promises:
        for m in members:
            if m.organisation_id == promise.organisation_id and m.roles & {Role.COORDINATOR, Role.DEPUTY}:
                messages.append(
                    notice(
                        m,
                        kind=MessageKind.REMINDER,
                        subject=wording.promise_ending_subject(promise, locale),
                        text=wording.promise_ending_text(promise, today, locale),
                        dedupe_key=f"promise-ending:{promise.id}:{m.id}",
                    )  # fmt: skip
                )
    if not messages:
        return 0
    async with db.session() as s:
        added = await OutboxRepository(s).enqueue(messages, now=now)
    if added:
        log.info("promise notices: %d queued", added)
    return added


# --- the page the municipality publishes ------------------------------------------------------


def promise_page(promise: Promise, *, organisation: str, follow_ups: bool = True) -> Page:
    """A readable Swedish page of the promise: background, each promise with who is
    responsible and how it is followed up, validity and signatures."""
    period = f"{format_day(promise.period_from)} – {format_day(promise.period_to)}"
    blocks: list[Block] = []
    for paragraph in [p.strip() for p in promise.background.split("\n\n") if p.strip()]:
        blocks.append(Paragraph(paragraph, "lead" if not blocks else ""))
    blocks.append(Heading("Det här lovar vi"))
    latest = latest_follow_ups(promise)
    for item in promise.items:
        blocks.append(Heading(item.heading or f"Löfte {item.number}", 3))
        blocks.append(Paragraph(item.text))
        blocks.append(Paragraph(f"Ansvarig: {responsible_word(item.responsible)}", "muted"))
        if item.indicators:
            lines = []
            for index, ind in enumerate(item.indicators, start=1):
                target = f", mål {value_text(ind.target, ind.unit)}" if ind.target is not None else ""
                entry = latest.get((item.number, index))
                now_text = (f" – hittills {value_text(entry.value, ind.unit)} ({month_name(entry.month)})"
                            if entry is not None and entry.value is not None else "")  # fmt: skip
                lines.append((f"{ind.name}{target}{now_text}", ""))
            blocks.append(Paragraph("Så följer vi upp:", "muted"))
            blocks.append(Bullets(tuple(lines)))
        notes = sorted(
            (f for f in promise.follow_ups if f.item_number == item.number and f.text), key=lambda f: f.month
        )
        if follow_ups and notes:
            blocks.append(Paragraph("Så går det:", "muted"))
            blocks.append(Bullets(tuple((mask(f.text), month_name(f.month)) for f in notes)))
    blocks.append(Heading("Giltighet och uppföljning"))
    blocks.append(Paragraph(promise.validity or f"Löftet gäller {period}. Uppföljningen sker i lokala Brå."))
    if promise.signed_at or promise.signatories:
        blocks.append(Heading("Undertecknat"))
        if promise.signed_at:
            place = f"{promise.signed_place} " if promise.signed_place else ""
            blocks.append(Paragraph(f"{place}{promise.signed_at.isoformat()}"))
        if promise.signatories:
            blocks.append(Bullets(tuple((name, title) for name, title in promise.signatories)))
    return Page(
        title=promise.title,
        subtitle=f"Medborgarlöfte · {organisation} · gäller {period}",
        blocks=tuple(blocks),
        filename=f"medborgarlofte-{promise.id}",
        footer="Medborgarlöften är en del av polisens och kommunens gemensamma trygghetsskapande och "
        "brottsförebyggande arbete. Löftet följs upp i det lokala brottsförebyggande rådet (Brå).",
    )


def month_name(month: str) -> str:
    year, number = (int(p) for p in month.split("-"))
    return format_date(dt.date(year, number, 1), "LLLL yyyy", locale="sv")


async def export_promise(
    db: Database, promise_id: int, *, organisation_id: int, fmt: str
) -> tuple[str, bytes]:
    """The promise as a page in `fmt` (md, html, docx): (file name, bytes)."""
    if fmt not in PAGE_FORMATS:
        raise InputError(f"Okänt format: {fmt} (välj md, html eller docx)")
    promise = await get_promise(db, promise_id, organisation_id=organisation_id)
    async with db.session(readonly=True) as s:
        organisation = next(
            o.name for o in await OrganisationRepository(s).all() if o.id == promise.organisation_id
        )
    page = promise_page(promise, organisation=organisation)
    return f"{page.filename}.{fmt}", render_page(page, fmt)
