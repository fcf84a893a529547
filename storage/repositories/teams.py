"""Teams delivery addresses, the teams the bot is installed in, and unknown Teams users."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import TeamsAddressRow, TeamsChannelRow, TeamsTeamRow, TeamsUnknownUserRow
from storage.upsert import insert_for


@dataclass(frozen=True, slots=True)
class TeamsAddress:
    member_id: int
    user_id: str
    aad_object_id: str | None
    tenant_id: str
    service_url: str
    bot_id: str
    conversation_id: str | None
    unreachable_since: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class LinkedChannel:
    channel_id: str
    organisation_id: int
    purpose: str  # "group" or "bra"
    group_id: int | None
    service_url: str
    tenant_id: str


@dataclass(frozen=True, slots=True)
class TeamsTeam:
    team_id: str
    organisation_id: int | None
    name: str
    tenant_id: str
    service_url: str
    bot_id: str
    channel_id: str


def _address(row: TeamsAddressRow) -> TeamsAddress:
    return TeamsAddress(
        row.member_id,
        row.user_id,
        row.aad_object_id,
        row.tenant_id,
        row.service_url,
        row.bot_id,
        row.conversation_id,
        row.unreachable_since,
    )


class TeamsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save_address(self, address: TeamsAddress, *, now: dt.datetime | None = None) -> None:
        """Store where to reach the member; a known 1:1 conversation id is not lost when
        the new address has none. Saving an address makes the member reachable again."""
        now = now or dt.datetime.now(dt.UTC)
        values = {
            "member_id": address.member_id,
            "user_id": address.user_id,
            "aad_object_id": address.aad_object_id,
            "tenant_id": address.tenant_id,
            "service_url": address.service_url,
            "bot_id": address.bot_id,
            "conversation_id": address.conversation_id,
            "unreachable_since": None,
            "updated_at": now,
        }
        stmt = insert_for(self.session, TeamsAddressRow).values(values)
        update_values = {k: stmt.excluded[k] for k in values if k not in ("member_id", "conversation_id")}
        if address.conversation_id:
            update_values["conversation_id"] = stmt.excluded.conversation_id
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=["member_id"], set_=update_values)
        )

    async def address(self, member_id: int) -> TeamsAddress | None:
        row = await self.session.get(TeamsAddressRow, member_id, populate_existing=True)
        return _address(row) if row else None

    async def addresses(self, member_ids: list[int]) -> dict[int, TeamsAddress]:
        rows = await self.session.scalars(
            select(TeamsAddressRow).where(TeamsAddressRow.member_id.in_(member_ids))
        )
        return {r.member_id: _address(r) for r in rows}

    async def set_conversation(self, member_id: int, conversation_id: str) -> None:
        await self.session.execute(
            update(TeamsAddressRow)
            .where(TeamsAddressRow.member_id == member_id)
            .values(conversation_id=conversation_id)
        )

    async def mark_unreachable(self, member_id: int, now: dt.datetime) -> bool:
        """True when this call marked it (the coordinator should be told once)."""
        result = await self.session.execute(
            update(TeamsAddressRow)
            .where(TeamsAddressRow.member_id == member_id, TeamsAddressRow.unreachable_since.is_(None))
            .values(unreachable_since=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def save_team(self, team: TeamsTeam, *, now: dt.datetime | None = None) -> None:
        now = now or dt.datetime.now(dt.UTC)
        values = {
            "team_id": team.team_id, "organisation_id": team.organisation_id, "name": team.name,
            "tenant_id": team.tenant_id, "service_url": team.service_url, "bot_id": team.bot_id,
            "channel_id": team.channel_id, "installed_at": now, "removed_at": None,
        }  # fmt: skip
        stmt = insert_for(self.session, TeamsTeamRow).values(values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["team_id"],
                set_={k: stmt.excluded[k] for k in values if k not in ("team_id", "installed_at")},
            )
        )

    async def remove_team(self, team_id: str, now: dt.datetime) -> None:
        await self.session.execute(
            update(TeamsTeamRow).where(TeamsTeamRow.team_id == team_id).values(removed_at=now)
        )

    async def teams(self, tenant_id: str | None = None) -> list[TeamsTeam]:
        stmt = (
            select(TeamsTeamRow).where(TeamsTeamRow.removed_at.is_(None)).order_by(TeamsTeamRow.installed_at)
        )
        if tenant_id:
            stmt = stmt.where(TeamsTeamRow.tenant_id == tenant_id)
        return [
            TeamsTeam(
                r.team_id, r.organisation_id, r.name, r.tenant_id, r.service_url, r.bot_id, r.channel_id
            )
            for r in await self.session.scalars(stmt)
        ]

    async def link_channel(self, channel: LinkedChannel, *, team_id: str | None, by: int | None,
                           now: dt.datetime) -> None:  # fmt: skip
        """Link the channel to its purpose; a channel has one purpose, so relinking moves it."""
        values = {
            "channel_id": channel.channel_id, "organisation_id": channel.organisation_id, "purpose": channel.purpose,
            "group_id": channel.group_id, "team_id": team_id, "service_url": channel.service_url,
            "tenant_id": channel.tenant_id, "linked_by": by, "linked_at": now,
        }  # fmt: skip
        stmt = insert_for(self.session, TeamsChannelRow).values(values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["channel_id"], set_={k: stmt.excluded[k] for k in values if k != "channel_id"}
            )
        )

    async def linked_channel(
        self, organisation_id: int, purpose: str, group_id: int | None = None
    ) -> LinkedChannel | None:
        """The most recently linked channel for the purpose (and group)."""
        stmt = select(TeamsChannelRow).where(
            TeamsChannelRow.organisation_id == organisation_id, TeamsChannelRow.purpose == purpose
        )
        if group_id is not None:
            stmt = stmt.where(TeamsChannelRow.group_id == group_id)
        row = await self.session.scalar(stmt.order_by(TeamsChannelRow.linked_at.desc()).limit(1))
        if row is None:
            return None
        return LinkedChannel(row.channel_id, row.organisation_id, row.purpose, row.group_id, row.service_url,
                             row.tenant_id)  # fmt: skip

    async def note_unknown_user(
        self, *, user_id: str, aad_object_id: str | None, name: str, tenant_id: str, now: dt.datetime
    ) -> bool:
        """Remember a Teams user who is not in the directory. True the first time only, so
        the coordinator is told once."""
        stmt = insert_for(self.session, TeamsUnknownUserRow).values(
            user_id=user_id,
            aad_object_id=aad_object_id,
            name=name,
            tenant_id=tenant_id,
            first_seen_at=now,
            coordinator_told_at=now,
        )
        result = await self.session.execute(
            stmt.on_conflict_do_nothing().returning(TeamsUnknownUserRow.user_id)
        )
        return result.first() is not None
