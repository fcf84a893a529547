from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import pytest

from reporting.members_csv import MemberInput
from reporting.model import Channel, Cycle, Member, ReportingGroup, Role
from reporting.planning import plan_cycles
from reporting.questionnaire import preset_dict
from storage.database import Database
from storage.repositories import (
    CycleRepository,
    GroupRepository,
    MemberRepository,
    OrganisationRepository,
    QuestionnaireRepository,
)

TZ = zoneinfo.ZoneInfo("Europe/Stockholm")


@dataclass
class World:
    group: ReportingGroup
    members: list[Member]
    cycles: list[Cycle]


def member_input(
    n: int, *, email: str | None = None, roles: frozenset[Role] = frozenset({Role.REPORTER})
) -> MemberInput:
    return MemberInput(
        line=n + 1,
        name=f"Person {n}",
        email=email or f"person{n}@kommun.se",
        agency="fastighet",
        roles=roles,
        channel=Channel.TEAMS,
    )


@pytest.fixture
async def world(db: Database) -> World:
    async with db.session() as s:
        org = await OrganisationRepository(s).ensure("Fagersta kommun")
        definition = preset_dict("est-fagersta")
        qid = await QuestionnaireRepository(s).store(org.id, definition)
        from reporting.questionnaire import Questionnaire

        schedule = Questionnaire.from_dict(definition).default_schedule
        group = await GroupRepository(s).create(
            organisation_id=org.id,
            name="EST",
            preset="est-fagersta",
            questionnaire_id=qid,
            schedule=schedule,
            first_meeting=dt.date(2026, 11, 26),
        )
        result = await MemberRepository(s).upsert(org.id, [member_input(i) for i in range(3)])
        await GroupRepository(s).add_members(group.id, list(result.member_ids))
        planned = plan_cycles(schedule, group.first_meeting, after=dt.date(2026, 11, 1), count=3, tz=TZ)
        cycles = await CycleRepository(s).add_planned(group.id, qid, planned)
        members = await MemberRepository(s).all(org.id)
    return World(group, members, cycles)
