"""The municipality's place names (`lagesbild places import`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PlaceRow
from storage.upsert import insert_for


@dataclass(frozen=True, slots=True)
class PlaceImport:
    added: int
    kept: int
    removed: int


class PlaceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def names(self, organisation_id: int) -> list[str]:
        rows = await self.session.scalars(
            select(PlaceRow.name).where(PlaceRow.organisation_id == organisation_id).order_by(PlaceRow.name)
        )
        return list(rows)

    async def import_names(
        self, organisation_id: int, names: list[str], *, replace: bool = False
    ) -> PlaceImport:
        """Add the names that are new (idempotent); with `replace`, also remove the ones not given."""
        existing = set(await self.names(organisation_id))
        new = [n for n in names if n not in existing]
        if new:
            stmt = insert_for(self.session, PlaceRow).values(
                [{"organisation_id": organisation_id, "name": n} for n in new]
            )
            await self.session.execute(
                stmt.on_conflict_do_nothing(index_elements=["organisation_id", "name"])
            )
        removed = 0
        if replace:
            gone = existing - set(names)
            if gone:
                await self.session.execute(
                    delete(PlaceRow).where(
                        PlaceRow.organisation_id == organisation_id, PlaceRow.name.in_(gone)
                    )
                )
                removed = len(gone)
        return PlaceImport(added=len(new), kept=len(existing & set(names)), removed=removed)
