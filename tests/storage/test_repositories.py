"""The storage suite: runs unchanged on SQLite and PostgreSQL (the `database_url` fixture)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from reporting.model import Answer, Channel, CycleState, Role, SubmissionState
from reporting.questionnaire import preset_dict
from storage.database import Database
from storage.errors import AlreadyExists, NotFound
from storage.models import AnswerRow, MemberRow
from storage.repositories import (
    CycleRepository,
    GroupRepository,
    MemberRepository,
    OrganisationRepository,
    QuestionnaireRepository,
    SubmissionRepository,
)
from tests.conftest import table_count
from tests.storage.conftest import World, member_input


async def test_organisation_ensure_is_idempotent(db: Database) -> None:
    async with db.session() as s:
        first = await OrganisationRepository(s).ensure("Ludvika kommun")
    async with db.session() as s:
        again = await OrganisationRepository(s).ensure("Ludvika kommun")
    assert first == again
    assert await table_count(db, "organisations") == 1


async def test_questionnaire_versions_only_when_the_definition_changes(db: Database) -> None:
    async with db.session() as s:
        org = await OrganisationRepository(s).ensure("Fagersta kommun")
        repo = QuestionnaireRepository(s)
        definition = preset_dict("est-fagersta")
        first = await repo.store(org.id, definition)
        same = await repo.store(org.id, preset_dict("est-fagersta"))
        definition["period_wording"]["sv"] = "de senaste tre veckorna"
        changed = await repo.store(org.id, definition)
        assert first == same != changed
        assert (await repo.get(first)).version == 1
        assert (await repo.get(changed)).version == 2
        assert (await repo.get(changed)).period_wording.sv == "de senaste tre veckorna"


async def test_group_names_are_unique_per_organisation(db: Database, world: World) -> None:
    async with db.session() as s:
        with pytest.raises(AlreadyExists):
            await GroupRepository(s).create(
                organisation_id=world.group.organisation_id,
                name="EST",
                preset="est-fagersta",
                questionnaire_id=world.group.questionnaire_id,
                schedule=world.group.schedule,
                first_meeting=dt.date(2026, 12, 3),
            )
    async with db.session(readonly=True) as s:
        assert [g.name for g in await GroupRepository(s).all()] == ["EST"]
        assert len(await GroupRepository(s).member_ids(world.group.id)) == 3


async def test_member_upsert_by_email_is_idempotent(db: Database, world: World) -> None:
    org_id = world.group.organisation_id
    async with db.session() as s:
        result = await MemberRepository(s).upsert(org_id, [member_input(i) for i in range(3)])
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    changed = member_input(1, roles=frozenset({Role.REPORTER, Role.COORDINATOR}))
    async with db.session() as s:
        result = await MemberRepository(s).upsert(org_id, [changed, member_input(7)])
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    async with db.session(readonly=True) as s:
        member = await MemberRepository(s).by_email(org_id, "PERSON1@kommun.se ")
        assert member.roles == {Role.REPORTER, Role.COORDINATOR}
        assert len(await MemberRepository(s).all(org_id)) == 4


async def test_email_is_unique_per_organisation_but_not_across(db: Database, world: World) -> None:
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            await s.execute(
                insert(MemberRow).values(
                    organisation_id=world.group.organisation_id,
                    name="Dubblett",
                    email="person0@kommun.se",
                    agency="fritid",
                    channel="teams",
                    active=True,
                    created_at=dt.datetime.now(dt.UTC),
                    updated_at=dt.datetime.now(dt.UTC),
                )
            )
    async with db.session() as s:
        other = await OrganisationRepository(s).ensure("Ludvika kommun")
        result = await MemberRepository(s).upsert(other.id, [member_input(0)])
    assert result.created == 1


async def test_aad_object_id_is_unique(db: Database, world: World) -> None:
    first, second = world.members[0], world.members[1]
    async with db.session() as s:
        await MemberRepository(s).set_aad_object_id(first.id, "00000000-0000-0000-0000-00000000aaaa")
    async with db.session() as s:
        with pytest.raises(AlreadyExists):
            await MemberRepository(s).set_aad_object_id(second.id, "00000000-0000-0000-0000-00000000aaaa")


async def test_away_until_round_trips(db: Database, world: World) -> None:
    member = world.members[0]
    async with db.session() as s:
        await MemberRepository(s).set_away(member.id, dt.date(2026, 12, 30))
    async with db.session(readonly=True) as s:
        back = await MemberRepository(s).by_email(member.organisation_id, member.email)
    assert back.away_until == dt.date(2026, 12, 30)
    assert back.is_away(dt.date(2026, 12, 30)) and not back.is_away(dt.date(2026, 12, 31))


async def test_planned_cycles_are_stored_once_with_aware_times(db: Database, world: World) -> None:
    cycle = world.cycles[0]
    assert cycle.opens_at.tzinfo is not None
    assert cycle.opens_at.astimezone(dt.UTC) < cycle.deadline < cycle.meeting_at
    from reporting.planning import plan_cycles
    from tests.storage.conftest import TZ

    again = plan_cycles(
        world.group.schedule, world.group.first_meeting, after=dt.date(2026, 11, 1), count=4, tz=TZ
    )
    async with db.session() as s:
        stored = await CycleRepository(s).add_planned(world.group.id, world.group.questionnaire_id, again)
    assert [c.id for c in stored[:3]] == [c.id for c in world.cycles]
    assert await table_count(db, "cycles") == 4
    assert stored[0].meeting_at == world.cycles[0].meeting_at


async def test_a_cycle_opens_and_closes_exactly_once(db: Database, world: World) -> None:
    cycle = world.cycles[0]
    now = cycle.opens_at + dt.timedelta(minutes=1)
    async with db.session() as s:
        assert [c.id for c in await CycleRepository(s).due_to_open(now)] == [cycle.id]

    async def try_open() -> bool:
        async with db.session() as s:
            return await CycleRepository(s).transition(cycle.id, (CycleState.PLANNED,), CycleState.OPEN, now)

    results = await asyncio.gather(*(try_open() for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]
    async with db.session() as s:
        assert await CycleRepository(s).due_to_open(now) == []
        assert (await CycleRepository(s).get(cycle.id)).state is CycleState.OPEN
        after = cycle.deadline + dt.timedelta(seconds=1)
        assert [c.id for c in await CycleRepository(s).due_to_close(after)] == [cycle.id]
        assert await CycleRepository(s).transition(cycle.id, (CycleState.OPEN,), CycleState.CLOSED, after)
        assert not await CycleRepository(s).transition(cycle.id, (CycleState.OPEN,), CycleState.CLOSED, after)


async def test_twenty_concurrent_writers_create_one_submission(db: Database, world: World) -> None:
    cycle, member = world.cycles[0], world.members[0]

    async def writer() -> int:
        async with db.session() as s:
            return (await SubmissionRepository(s).ensure(cycle.id, member.id, Channel.TEAMS)).id

    ids = await asyncio.gather(*(writer() for _ in range(20)))
    assert len(set(ids)) == 1
    assert await table_count(db, "submissions") == 1


async def test_twenty_concurrent_saves_keep_one_submission_and_every_revision(
    db: Database, world: World
) -> None:
    cycle, member = world.cycles[0], world.members[0]

    async def save(i: int) -> None:
        async with db.session() as s:
            await SubmissionRepository(s).save(
                cycle.id,
                member.id,
                {"1": Answer("1", observations=f"version {i}", impact=3)},
                channel=Channel.TEAMS,
                submit=False,
            )

    await asyncio.gather(*(save(i) for i in range(20)))
    assert await table_count(db, "submissions") == 1
    assert await table_count(db, "answers") == 1
    async with db.session(readonly=True) as s:
        sub = await SubmissionRepository(s).get(cycle.id, member.id)
        revisions = await SubmissionRepository(s).revisions(sub.id)
    assert sub.revision == 20
    assert [r["revision"] for r in revisions] == list(range(1, 21))


async def test_latest_answer_per_question_wins_across_channels(db: Database, world: World) -> None:
    cycle, member = world.cycles[0], world.members[1]
    async with db.session() as s:
        repo = SubmissionRepository(s)
        await repo.save(
            cycle.id,
            member.id,
            {"1": Answer("1", observations="Klotter vid skolan", impact=2)},
            channel=Channel.TEAMS,
            submit=True,
        )
    email_answers = {str(n): Answer(str(n), nothing_to_report=True) for n in range(2, 7)}
    email_answers["7"] = Answer("7", comment="Nattvandring i helgen")
    async with db.session() as s:
        sub = await SubmissionRepository(s).save(
            cycle.id, member.id, email_answers, channel=Channel.EMAIL, submit=False
        )
    assert sorted(sub.answers) == ["1", "2", "3", "4", "5", "6", "7"]
    assert sub.answers["1"].observations == "Klotter vid skolan" and sub.answers["1"].impact == 2
    assert sub.state is SubmissionState.SUBMITTED, "a later draft save must not un-submit"
    async with db.session() as s:
        sub = await SubmissionRepository(s).save(
            cycle.id,
            member.id,
            {"1": Answer("1", observations="Klotter och skadegörelse", impact=4)},
            channel=Channel.EMAIL,
            submit=True,
            warnings=[{"code": "personal_data", "question": "1", "detail": "telefon"}],
        )
    assert sub.answers["1"].impact == 4 and sub.revision == 3
    async with db.session(readonly=True) as s:
        revisions = await SubmissionRepository(s).revisions(sub.id)
    assert revisions[0]["answers"]["1"]["observations"] == "Klotter vid skolan"
    assert revisions[-1]["warnings"] == [{"code": "personal_data", "question": "1", "detail": "telefon"}]


async def test_one_answer_per_question_is_a_database_rule(db: Database, world: World) -> None:
    cycle, member = world.cycles[0], world.members[2]
    async with db.session() as s:
        sub = await SubmissionRepository(s).save(
            cycle.id, member.id, {"2": Answer("2", observations="Hot")}, channel=Channel.TEAMS, submit=False
        )
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            await s.execute(
                insert(AnswerRow).values(
                    submission_id=sub.id,
                    question="2",
                    observations="igen",
                    comment="",
                    places_times="",
                    nothing_to_report=False,
                    channel="teams",
                    warnings=[],
                    updated_at=dt.datetime.now(dt.UTC),
                )
            )


async def test_impact_outside_one_to_five_is_refused(db: Database, world: World) -> None:
    with pytest.raises(ValueError):
        Answer("1", impact=9)
    cycle, member = world.cycles[0], world.members[2]
    async with db.session() as s:
        sub = await SubmissionRepository(s).ensure(cycle.id, member.id, Channel.TEAMS)
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            await s.execute(
                insert(AnswerRow).values(
                    submission_id=sub.id,
                    question="3",
                    observations="x",
                    impact=9,
                    comment="",
                    places_times="",
                    nothing_to_report=False,
                    channel="teams",
                    warnings=[],
                    updated_at=dt.datetime.now(dt.UTC),
                )
            )


async def test_missing_rows_raise_not_found(db: Database) -> None:
    async with db.session(readonly=True) as s:
        with pytest.raises(NotFound):
            await CycleRepository(s).get(999)
        with pytest.raises(NotFound):
            await OrganisationRepository(s).by_name("Ingenstans")
