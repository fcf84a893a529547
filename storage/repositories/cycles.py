"""Cycles and their state changes. Every transition is one conditional UPDATE, so two
schedulers (or a scheduler and an operator) can never open or close a cycle twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.model import Cycle, CycleState
from reporting.planning import PlannedCycle
from storage.errors import NotFound
from storage.models import CycleRow, GroupRow
from storage.upsert import insert_for


def _to_domain(row: CycleRow) -> Cycle:
    return Cycle(
        id=row.id,
        group_id=row.group_id,
        questionnaire_id=row.questionnaire_id,
        period_from=row.period_from,
        period_to=row.period_to,
        opens_at=row.opens_at,
        deadline=row.deadline,
        meeting_at=row.meeting_at,
        state=CycleState(row.state),
        opened_at=row.opened_at,
    )


class CycleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_planned(
        self, group_id: int, questionnaire_id: int, planned: list[PlannedCycle]
    ) -> list[Cycle]:
        """Store planned cycles; one already stored for the same period start is kept as it is.
        Returns the cycles for those periods, in order."""
        if planned:
            stmt = insert_for(self.session, CycleRow).values(
                [
                    {
                        "group_id": group_id,
                        "questionnaire_id": questionnaire_id,
                        "period_from": p.period_from,
                        "period_to": p.period_to,
                        "opens_at": p.opens_at,
                        "deadline": p.deadline,
                        "meeting_at": p.meeting_at,
                        "state": CycleState.PLANNED.value,
                        "created_at": dt.datetime.now(dt.UTC),
                    }
                    for p in planned
                ]
            )
            await self.session.execute(
                stmt.on_conflict_do_nothing(index_elements=["group_id", "period_from"])
            )
        starts = [p.period_from for p in planned]
        rows = await self.session.scalars(
            select(CycleRow)
            .where(CycleRow.group_id == group_id, CycleRow.period_from.in_(starts))
            .order_by(CycleRow.period_from)
        )
        return [_to_domain(r) for r in rows]

    async def get(self, cycle_id: int) -> Cycle:
        row = await self.session.get(CycleRow, cycle_id)
        if row is None:
            raise NotFound(f"Cykel {cycle_id} finns inte")
        return _to_domain(row)

    async def organisation_of(self, cycle_id: int) -> int | None:
        """The organisation whose group the cycle is; None when there is no such cycle."""
        return await self.session.scalar(
            select(GroupRow.organisation_id)
            .join(CycleRow, CycleRow.group_id == GroupRow.id)
            .where(CycleRow.id == cycle_id)
        )

    async def for_group(self, group_id: int) -> list[Cycle]:
        rows = await self.session.scalars(
            select(CycleRow).where(CycleRow.group_id == group_id).order_by(CycleRow.period_from)
        )
        return [_to_domain(r) for r in rows]

    async def all(self, organisation_id: int | None = None) -> list[tuple[str, Cycle]]:
        """Every cycle with its group's name, by group and period."""
        stmt = select(GroupRow.name, CycleRow).join(GroupRow, GroupRow.id == CycleRow.group_id)
        if organisation_id is not None:
            stmt = stmt.where(GroupRow.organisation_id == organisation_id)
        stmt = stmt.order_by(GroupRow.name, CycleRow.period_from)
        return [(name, _to_domain(row)) for name, row in (await self.session.execute(stmt)).all()]

    async def latest(self, group_id: int) -> Cycle | None:
        row = await self.session.scalar(
            select(CycleRow)
            .where(CycleRow.group_id == group_id)
            .order_by(CycleRow.period_from.desc())
            .limit(1)
        )
        return _to_domain(row) if row else None

    async def in_state(self, group_id: int, state: CycleState) -> list[Cycle]:
        rows = await self.session.scalars(
            select(CycleRow)
            .where(CycleRow.group_id == group_id, CycleRow.state == state.value)
            .order_by(CycleRow.period_from)
        )
        return [_to_domain(r) for r in rows]

    async def due_to_open(self, now: dt.datetime) -> list[Cycle]:
        """Planned cycles whose opening time has come and whose deadline has not passed."""
        rows = await self.session.scalars(
            select(CycleRow)
            .where(
                CycleRow.state == CycleState.PLANNED.value, CycleRow.opens_at <= now, CycleRow.deadline > now
            )
            .order_by(CycleRow.opens_at)
        )
        return [_to_domain(r) for r in rows]

    async def open_before_deadline(self, now: dt.datetime) -> list[Cycle]:
        """Open cycles whose deadline has not passed, in every group."""
        rows = await self.session.scalars(
            select(CycleRow)
            .where(CycleRow.state == CycleState.OPEN.value, CycleRow.deadline > now)
            .order_by(CycleRow.id)
        )
        return [_to_domain(r) for r in rows]

    async def lock(self, cycle_id: int) -> Cycle:
        """The cycle, read afresh and locked until the transaction ends (SELECT … FOR UPDATE on
        PostgreSQL; on SQLite the write transaction already holds the database's write lock)."""
        row = await self.session.scalar(
            select(CycleRow)
            .where(CycleRow.id == cycle_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None:
            raise NotFound(f"Cykel {cycle_id} finns inte")
        return _to_domain(row)

    async def due_to_close(self, now: dt.datetime) -> list[Cycle]:
        """Open cycles past their deadline, and planned ones whose whole window passed unopened."""
        rows = await self.session.scalars(
            select(CycleRow)
            .where(
                CycleRow.state.in_([CycleState.OPEN.value, CycleState.PLANNED.value]),
                CycleRow.deadline <= now,
            )
            .order_by(CycleRow.deadline)
        )
        return [_to_domain(r) for r in rows]

    async def transition(
        self, cycle_id: int, from_states: tuple[CycleState, ...], to: CycleState, now: dt.datetime
    ) -> bool:
        """Move the cycle to `to` if it is in one of `from_states`; True when this call did it."""
        values: dict[str, object] = {"state": to.value}
        if to is CycleState.OPEN:
            values["opened_at"] = now
        if to is CycleState.CLOSED:
            values["closed_at"] = now
        result = await self.session.execute(
            update(CycleRow)
            .where(CycleRow.id == cycle_id, CycleRow.state.in_([s.value for s in from_states]))
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
