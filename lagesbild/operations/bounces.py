"""Mail to a member that bounces for good: the member's address is marked, the coordinators
are told (once a day at most), and no more email is sent there until mail from the address
arrives again or the member list gives the member another address."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lagesbild.operations.notify import leads_of, notice
from reporting.model import Member
from reporting.outbox import MessageKind, NewMessage
from storage.repositories import MemberRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bounce:
    address: str
    reason: str  # "5.1.1 User unknown"


async def record_bounces(
    session: AsyncSession, bounces: Sequence[Bounce], *, now: dt.datetime, tz: zoneinfo.ZoneInfo
) -> tuple[list[Member], list[NewMessage]]:
    """Mark the members behind the bounced addresses; the notices to queue for their coordinators."""
    repo = MemberRepository(session)
    bounced: list[Member] = []
    notices: list[NewMessage] = []
    day = now.astimezone(tz).date().isoformat()
    for bounce in bounces:
        members = await repo.with_email(bounce.address)
        if not members:
            log.info("bounce for %s, who is not a member", bounce.address)
        for member in members:
            if await repo.mark_email_bounced(member.id, bounce.reason, now):
                log.warning("mail to member %s (%s) bounces: %s", member.id, bounce.address, bounce.reason)
            bounced.append(member)
            notices += await _tell_coordinators(repo, member, bounce, day)
    return bounced, notices


async def _tell_coordinators(repo: MemberRepository, member: Member, bounce: Bounce, day: str) -> list[NewMessage]:
    colleagues = await repo.all(member.organisation_id, active_only=True)
    leads = leads_of(colleagues, member)
    if not leads:
        log.warning("mail to %s bounces and there is no coordinator to tell", member.email)
    text = (
        f"Mejl från Lägesbild till {member.name} ({member.email}) kommer inte fram"
        + (f": {bounce.reason}" if bounce.reason else "")
        + ". Lägesbild skickar inga fler mejl dit förrän personen mejlar in från adressen eller får en "
        "ny adress i medlemslistan (`lagesbild members import`). Byt annars kanal till Teams."
    )
    return [
        notice(lead, kind=MessageKind.QUARANTINE_NOTICE, subject=f"Mejl till {member.name} kommer inte fram",
               text=text, dedupe_key=f"bounce:{member.id}:{lead.id}:{day}")
        for lead in leads
    ]  # fmt: skip
