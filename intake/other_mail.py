"""The mail that is not a report from a member: a bounce marks the member's address and
tells the coordinators (lagesbild.operations.bounces); mail from an unknown sender is
quarantined, and the coordinators are told at most once a day per sender."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from intake.bounce import failed_recipients
from intake.message import InboundEmail
from intake.outcome import IngestResult, Options, finish
from lagesbild.operations.bounces import Bounce, record_bounces
from lagesbild.operations.notify import notice
from reporting.model import Member, Role
from reporting.outbox import MessageKind, NewMessage
from storage.database import Database
from storage.errors import NotFound
from storage.repositories import MemberRepository, OrganisationRepository
from storage.repositories.inbound import InboundStatus

log = logging.getLogger(__name__)


async def bounced(db: Database, inbound_id: int, msg: InboundEmail, now: dt.datetime, options: Options,
                   kind_reason: str, common: dict[str, Any]) -> IngestResult:  # fmt: skip
    """A bounce is kept and otherwise ignored, except that a permanent failure marks the
    member's address and tells the coordinators (lagesbild.operations.bounces)."""
    bounces = [Bounce(f.address, " ".join(p for p in (f.status, f.diagnostic) if p))
               for f in failed_recipients(msg.raw)]  # fmt: skip
    notices: list[NewMessage] = []
    members: list[Member] = []
    if bounces:
        async with db.session() as s:
            members, notices = await record_bounces(s, bounces, now=now, tz=options.tz)
    log.info("inbound #%d is a bounce (%s) for %s", inbound_id, kind_reason,
             ", ".join(b.address for b in bounces) or "no recipient named")  # fmt: skip
    reason = kind_reason + (f"; studsar: {', '.join(b.address for b in bounces)}" if bounces else "")
    return await finish(db, inbound_id, InboundStatus.IGNORED, reason=reason[:500], outgoing=notices,
                         member=members[0] if len(members) == 1 else None, **common)  # fmt: skip


async def coordinator_notices(
    db: Database, inbound_id: int, msg: InboundEmail, now: dt.datetime, options: Options
) -> list[NewMessage]:
    """One notice per coordinator, at most once a day per sender (the dedupe key holds the day)."""
    sender = msg.from_addr or "ingen avsändare"
    async with db.session(readonly=True) as s:
        organisation_id = None
        if options.organisation:
            try:
                organisation_id = (await OrganisationRepository(s).by_name(options.organisation)).id
            except NotFound:
                organisation_id = None
        members = await MemberRepository(s).all(organisation_id, active_only=True)
    coordinators = [m for m in members if Role.COORDINATOR in m.roles]
    if not coordinators:
        log.warning("mail from unknown sender %s and no coordinator to tell", sender)
    day = now.astimezone(options.tz).date().isoformat()
    who = hashlib.sha256(sender.encode()).hexdigest()[:16] if len(sender) > 100 else sender
    text = (
        f"{sender} skickade ett mejl till Lägesbild (”{msg.subject[:120]}”) men finns inte i medlemslistan. "
        f"Mejlet ligger i karantän (id {inbound_id}). Om personen ska rapportera: lägg till hen med "
        f"`lagesbild members import` och släpp mejlet med `lagesbild intake quarantine release {inbound_id}`."
    )
    return [
        notice(c, kind=MessageKind.QUARANTINE_NOTICE, subject=f"Mejl från okänd avsändare: {sender}", text=text,
               dedupe_key=f"unknown-sender:{who}:{day}:{c.id}")
        for c in coordinators
    ]  # fmt: skip
