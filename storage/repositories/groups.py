"""Reporting groups (EST, FAS, …) and who belongs to them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.model import ReportingGroup, Schedule
from storage.errors import AlreadyExists, NotFound
from storage.models import GroupMemberRow, GroupRow
from storage.upsert import insert_for


def _to_domain(row: GroupRow) -> ReportingGroup:
    return ReportingGroup(
        id=row.id,
        organisation_id=row.organisation_id,
        name=row.name,
        preset=row.preset,
        questionnaire_id=row.questionnaire_id,
        schedule=Schedule(
            cadence_weeks=row.cadence_weeks,
            open_weekday=row.open_weekday,
            open_time=row.open_time,
            deadline_weekday=row.deadline_weekday,
            deadline_time=row.deadline_time,
            meeting_weekday=row.meeting_weekday,
            meeting_time=row.meeting_time,
            reminder_hours=tuple(int(h) for h in row.reminder_hours.split(",") if h.strip()),
        ),
        first_meeting=row.first_meeting,
        teams_channel_id=row.teams_channel_id,
    )


class GroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self,
        *,
        organisation_id: int,
        name: str,
        preset: str,
        questionnaire_id: int,
        schedule: Schedule,
        first_meeting: dt.date,
        teams_channel_id: str | None = None,
    ) -> ReportingGroup:
        row = GroupRow(
            organisation_id=organisation_id,
            name=name,
            preset=preset,
            questionnaire_id=questionnaire_id,
            cadence_weeks=schedule.cadence_weeks,
            open_weekday=schedule.open_weekday,
            open_time=schedule.open_time,
            deadline_weekday=schedule.deadline_weekday,
            deadline_time=schedule.deadline_time,
            meeting_weekday=schedule.meeting_weekday,
            meeting_time=schedule.meeting_time,
            reminder_hours=",".join(str(h) for h in schedule.reminder_hours),
            first_meeting=first_meeting,
            teams_channel_id=teams_channel_id,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(row)
                await self.session.flush()
        except IntegrityError as exc:
            raise AlreadyExists(f"Gruppen {name} finns redan") from exc
        return _to_domain(row)

    async def by_name(self, organisation_id: int, name: str) -> ReportingGroup:
        row = await self.session.scalar(
            select(GroupRow).where(GroupRow.organisation_id == organisation_id, GroupRow.name == name)
        )
        if row is None:
            raise NotFound(f"Gruppen {name} finns inte")
        return _to_domain(row)

    async def get(self, group_id: int) -> ReportingGroup:
        row = await self.session.get(GroupRow, group_id)
        if row is None:
            raise NotFound(f"grupp {group_id} finns inte")
        return _to_domain(row)

    async def all(self, organisation_id: int | None = None) -> list[ReportingGroup]:
        stmt = select(GroupRow).order_by(GroupRow.organisation_id, GroupRow.name)
        if organisation_id is not None:
            stmt = stmt.where(GroupRow.organisation_id == organisation_id)
        return [_to_domain(r) for r in await self.session.scalars(stmt)]

    async def add_members(self, group_id: int, member_ids: list[int]) -> None:
        if not member_ids:
            return
        stmt = insert_for(self.session, GroupMemberRow).values(
            [{"group_id": group_id, "member_id": m} for m in member_ids]
        )
        await self.session.execute(stmt.on_conflict_do_nothing())

    async def set_channel(self, group_id: int, channel_id: str | None) -> None:
        """The Teams channel the group's digest and decisions are posted in."""
        await self.session.execute(
            update(GroupRow).where(GroupRow.id == group_id).values(teams_channel_id=channel_id)
        )

    async def has_member(self, group_id: int, member_id: int) -> bool:
        return await self.session.get(GroupMemberRow, (group_id, member_id)) is not None

    async def member_ids(self, group_id: int) -> list[int]:
        rows = await self.session.scalars(
            select(GroupMemberRow.member_id).where(GroupMemberRow.group_id == group_id)
        )
        return list(rows)
