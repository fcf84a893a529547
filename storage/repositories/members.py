"""Members of an organisation: upsert by email, roles, absence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.members_csv import MemberInput, normalise_email
from reporting.model import Channel, Member, Role
from storage.errors import AlreadyExists, NotFound
from storage.models import MemberRoleRow, MemberRow


def _to_domain(row: MemberRow) -> Member:
    return Member(
        id=row.id,
        organisation_id=row.organisation_id,
        name=row.name,
        email=row.email,
        agency=row.agency,
        roles=frozenset(Role(r.role) for r in row.roles),
        channel=Channel(row.channel),
        aad_object_id=row.aad_object_id,
        away_until=row.away_until,
        active=row.active,
        email_bounced_at=row.email_bounced_at,
        email_bounce=row.email_bounce,
    )


@dataclass(frozen=True, slots=True)
class UpsertResult:
    created: int
    updated: int
    unchanged: int
    member_ids: tuple[int, ...]


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, organisation_id: int, inputs: list[MemberInput]) -> UpsertResult:
        """Create or update by email (idempotent: the same file twice changes nothing)."""
        emails = [m.email for m in inputs]
        existing = {
            row.email: row
            for row in await self.session.scalars(
                select(MemberRow).where(
                    MemberRow.organisation_id == organisation_id, MemberRow.email.in_(emails)
                )
            )
        }
        created = updated = unchanged = 0
        rows: list[MemberRow] = []
        for item in inputs:
            row = existing.get(item.email)
            roles = sorted(r.value for r in item.roles)
            if row is None:
                row = MemberRow(
                    organisation_id=organisation_id,
                    name=item.name,
                    email=item.email,
                    agency=item.agency,
                    channel=item.channel.value,
                    active=True,
                    roles=[MemberRoleRow(role=r) for r in roles],
                )
                self.session.add(row)
                created += 1
            else:
                same = (
                    row.name == item.name
                    and row.agency == item.agency
                    and row.channel == item.channel.value
                    and row.active
                    and [r.role for r in row.roles] == roles
                )
                if same:
                    unchanged += 1
                else:
                    row.name, row.agency, row.channel, row.active = (
                        item.name,
                        item.agency,
                        item.channel.value,
                        True,
                    )
                    keep = [r for r in row.roles if r.role in roles]
                    have = {r.role for r in keep}
                    row.roles = keep + [MemberRoleRow(role=r) for r in roles if r not in have]
                    updated += 1
            rows.append(row)
        await self.session.flush()
        return UpsertResult(created, updated, unchanged, tuple(r.id for r in rows))

    async def all(self, organisation_id: int | None = None, *, active_only: bool = False) -> list[Member]:
        stmt = select(MemberRow).order_by(MemberRow.organisation_id, MemberRow.name)
        if organisation_id is not None:
            stmt = stmt.where(MemberRow.organisation_id == organisation_id)
        if active_only:
            stmt = stmt.where(MemberRow.active.is_(True))
        return [_to_domain(r) for r in await self.session.scalars(stmt)]

    async def by_ids(self, member_ids: list[int]) -> list[Member]:
        rows = await self.session.scalars(
            select(MemberRow).where(MemberRow.id.in_(member_ids)).order_by(MemberRow.name)
        )
        return [_to_domain(r) for r in rows]

    async def by_email(self, organisation_id: int, email: str) -> Member:
        row = await self.session.scalar(
            select(MemberRow).where(
                MemberRow.organisation_id == organisation_id, MemberRow.email == normalise_email(email)
            )
        )
        if row is None:
            raise NotFound(f"Ingen medlem med e-postadressen {email}")
        return _to_domain(row)

    async def find_by_identity(self, *, aad_object_id: str | None, email: str | None) -> Member | None:
        """An active member by AAD object id, else by email, in any organisation."""
        if aad_object_id:
            row = await self.session.scalar(
                select(MemberRow).where(MemberRow.aad_object_id == aad_object_id, MemberRow.active.is_(True))
            )
            if row is not None:
                return _to_domain(row)
        if email:
            row = await self.session.scalar(
                select(MemberRow)
                .where(MemberRow.email == normalise_email(email), MemberRow.active.is_(True))
                .order_by(MemberRow.id)
                .limit(1)
            )
            if row is not None:
                return _to_domain(row)
        return None

    async def with_email(self, email: str) -> list[Member]:
        """Active members with this address, in any organisation."""
        rows = await self.session.scalars(
            select(MemberRow)
            .where(MemberRow.email == normalise_email(email), MemberRow.active.is_(True))
            .order_by(MemberRow.id)
        )
        return [_to_domain(r) for r in rows]

    async def mark_email_bounced(self, member_id: int, reason: str, now: dt.datetime) -> bool:
        """Note that mail to the member bounces. True the first time (until cleared)."""
        result = await self.session.execute(
            update(MemberRow)
            .where(MemberRow.id == member_id, MemberRow.email_bounced_at.is_(None))
            .values(email_bounced_at=now, email_bounce=reason[:400])
        )
        return bool(getattr(result, "rowcount", 0))

    async def clear_email_bounce(self, member_id: int) -> bool:
        result = await self.session.execute(
            update(MemberRow)
            .where(MemberRow.id == member_id, MemberRow.email_bounced_at.is_not(None))
            .values(email_bounced_at=None, email_bounce=None)
        )
        return bool(getattr(result, "rowcount", 0))

    async def set_away(self, member_id: int, until: dt.date | None) -> None:
        await self.session.execute(
            update(MemberRow).where(MemberRow.id == member_id).values(away_until=until)
        )

    async def set_aad_object_id(self, member_id: int, aad_object_id: str) -> None:
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    update(MemberRow).where(MemberRow.id == member_id).values(aad_object_id=aad_object_id)
                )
        except IntegrityError as exc:
            raise AlreadyExists(f"AAD-id {aad_object_id} hör redan till en annan medlem") from exc
