"""Telling the coordinator that a member can no longer be reached in Teams (once a day)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.notices import tell_coordinators_member_unreachable
from reporting.outbox import MessageKind
from storage.database import Database
from storage.repositories import MemberRepository, OutboxRepository
from tests.world import Municipality

pytestmark = pytest.mark.db


async def test_the_coordinator_hears_once_a_day_that_a_member_is_gone_from_teams(
    db: Database, municipality: Municipality
) -> None:
    async with db.session(readonly=True) as s:
        anna = await MemberRepository(s).by_email(municipality.group.organisation_id, "anna@fagersta.se")
        cecilia = await MemberRepository(s).by_email(municipality.group.organisation_id, "cecilia@fagersta.se")
    now = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
    assert await tell_coordinators_member_unreachable(db, anna.id, now=now) == 1
    assert await tell_coordinators_member_unreachable(db, anna.id, now=now + dt.timedelta(hours=2)) == 0
    assert await tell_coordinators_member_unreachable(db, anna.id, now=now + dt.timedelta(days=1)) == 1
    assert await tell_coordinators_member_unreachable(db, cecilia.id, now=now) == 0, "no one else leads"
    async with db.session(readonly=True) as s:
        notices = [m for m in await OutboxRepository(s).list() if m.kind is MessageKind.QUARANTINE_NOTICE]
    assert [n.recipient for n in notices] == ["cecilia@fagersta.se", "cecilia@fagersta.se"]
    assert "Anna Andersson (fastighet) kan inte nås i Teams längre" in notices[0].payload["text"]
