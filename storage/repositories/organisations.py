"""Organisations (municipalities)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.model import Organisation
from storage.errors import NotFound
from storage.models import OrganisationRow
from storage.upsert import insert_for


class OrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ensure(self, name: str) -> Organisation:
        """The organisation of that name, created if missing (safe under concurrency)."""
        stmt = insert_for(self.session, OrganisationRow).values(name=name).on_conflict_do_nothing()
        await self.session.execute(stmt)
        return await self.by_name(name)

    async def by_name(self, name: str) -> Organisation:
        row = await self.session.scalar(select(OrganisationRow).where(OrganisationRow.name == name))
        if row is None:
            raise NotFound(f"Kommunen {name!r} finns inte")
        return Organisation(row.id, row.name)

    async def get(self, organisation_id: int) -> Organisation:
        row = await self.session.get(OrganisationRow, organisation_id)
        if row is None:
            raise NotFound(f"Kommun {organisation_id} finns inte")
        return Organisation(row.id, row.name)

    async def all(self) -> list[Organisation]:
        rows = await self.session.scalars(select(OrganisationRow).order_by(OrganisationRow.name))
        return [Organisation(r.id, r.name) for r in rows]
