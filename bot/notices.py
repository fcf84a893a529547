"""Telling coordinators about Teams users the directory does not know (once per user)."""

from __future__ import annotations

import datetime as dt
import logging

from lagesbild.operations.notify import leads_of, notice
from reporting.model import Role
from reporting.outbox import MessageKind
from storage.database import Database
from storage.repositories import MemberRepository, OutboxRepository, TeamsRepository

log = logging.getLogger(__name__)


async def tell_coordinators_about_unknown_user(
    db: Database, *, user_id: str, aad_object_id: str | None, name: str, tenant_id: str, now: dt.datetime
) -> int:
    """Queue one notice per coordinator the first time this user writes; later calls do nothing."""
    async with db.session() as s:
        first = await TeamsRepository(s).note_unknown_user(
            user_id=user_id, aad_object_id=aad_object_id, name=name, tenant_id=tenant_id, now=now
        )
        if not first:
            return 0
        teams = await TeamsRepository(s).teams(tenant_id or None)
        organisations = {t.organisation_id for t in teams if t.organisation_id is not None}
        members = await MemberRepository(s).all(active_only=True)
        coordinators = [
            m for m in members
            if Role.COORDINATOR in m.roles and (not organisations or m.organisation_id in organisations)
        ]  # fmt: skip
        who = (
            f"{name} (Teams-id {aad_object_id or user_id})"
            if name
            else f"Teams-id {aad_object_id or user_id}"
        )
        text = (
            f"{who} skrev till Lägesbild men finns inte i medlemslistan. Om personen ska rapportera: "
            "lägg till hen med `lagesbild members import`. Personen har fått veta att du kontaktats."
        )
        messages = [
            notice(c, kind=MessageKind.QUARANTINE_NOTICE, subject="Okänd användare i Teams", text=text,
                   dedupe_key=f"unknown-teams-user:{user_id}:{c.id}")
            for c in coordinators
        ]  # fmt: skip
        added = await OutboxRepository(s).enqueue(messages, now=now)
    if not coordinators:
        log.warning("unknown Teams user %s and no coordinator to tell", user_id)
    return added


async def tell_coordinators_member_unreachable(db: Database, member_id: int, *, now: dt.datetime) -> int:
    """Teams answered 403/404 for this member (app removed or blocked): tell the coordinators
    of the member's organisation, once a day at most."""
    async with db.session() as s:
        members = await MemberRepository(s).all(active_only=True)
        gone = next((m for m in members if m.id == member_id), None)
        if gone is None:
            return 0
        coordinators = leads_of(members, gone)
        text = (
            f"{gone.name} ({gone.agency}) kan inte nås i Teams längre: appen är borttagen eller blockerad. "
            "Be personen lägga till Lägesbild igen, eller byt kanal till e-post i medlemslistan."
        )
        day = now.date().isoformat()
        added = await OutboxRepository(s).enqueue(
            [
                notice(
                    c,
                    kind=MessageKind.QUARANTINE_NOTICE,
                    subject=f"{gone.name} nås inte i Teams",
                    text=text,
                    dedupe_key=f"unreachable:{gone.id}:{c.id}:{day}",
                )
                for c in coordinators
            ],  # fmt: skip
            now=now,
        )
    log.info("member %s unreachable in Teams; %d coordinators told", member_id, added)
    return added
