"""Brå's priorities per municipality: set, list, clear."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.bra.records import Priority
from storage.errors import NotFound
from storage.models import PriorityRow


def _to_domain(row: PriorityRow) -> Priority:
    return Priority(
        id=row.id,
        organisation_id=row.organisation_id,
        text=row.text,
        questions=tuple(q for q in row.questions.split(",") if q),
        ends_on=row.ends_on,
        created_at=row.created_at,
        created_by_name=row.created_by_name,
        cleared_at=row.cleared_at,
    )


class PriorityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        organisation_id: int,
        *,
        text: str,
        questions: tuple[str, ...],
        ends_on: dt.date,
        member_id: int | None,
        by_name: str,
        now: dt.datetime,
    ) -> Priority:
        row = PriorityRow(
            organisation_id=organisation_id,
            text=text,
            questions=",".join(questions),
            ends_on=ends_on,
            created_by_member_id=member_id,
            created_by_name=by_name,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return _to_domain(row)

    async def current(self, organisation_id: int, today: dt.date) -> list[Priority]:
        """Not cleared and not ended, oldest first."""
        rows = await self.session.scalars(
            select(PriorityRow)
            .where(
                PriorityRow.organisation_id == organisation_id,
                PriorityRow.cleared_at.is_(None),
                PriorityRow.ends_on >= today,
            )
            .order_by(PriorityRow.created_at, PriorityRow.id)
        )
        return [_to_domain(r) for r in rows]

    async def all(self, organisation_id: int) -> list[Priority]:
        rows = await self.session.scalars(
            select(PriorityRow)
            .where(PriorityRow.organisation_id == organisation_id)
            .order_by(PriorityRow.created_at, PriorityRow.id)
        )
        return [_to_domain(r) for r in rows]

    async def get(self, priority_id: int) -> Priority:
        row = await self.session.get(PriorityRow, priority_id, populate_existing=True)
        if row is None:
            raise NotFound(f"Prioritering {priority_id} finns inte")
        return _to_domain(row)

    async def clear(self, priority_id: int, now: dt.datetime) -> bool:
        """Clear it now; False if it was cleared already."""
        result = await self.session.execute(
            update(PriorityRow)
            .where(PriorityRow.id == priority_id, PriorityRow.cleared_at.is_(None))
            .values(cleared_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
