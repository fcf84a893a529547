"""Cycles for past reports (`lagesbild reports import`): found by period or created closed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.model import Cycle, CycleState
from storage.models import CycleRow
from storage.repositories.cycles import _to_domain


class HistoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def overlapping(self, group_id: int, period_from: dt.date, period_to: dt.date) -> list[Cycle]:
        """The group's cycles whose period shares a day with [period_from, period_to]."""
        rows = await self.session.scalars(
            select(CycleRow)
            .where(
                CycleRow.group_id == group_id,
                CycleRow.period_from <= period_to,
                CycleRow.period_to >= period_from,
            )
            .order_by(CycleRow.period_from)
        )
        return [_to_domain(r) for r in rows]

    async def create_closed(
        self,
        group_id: int,
        questionnaire_id: int,
        *,
        period_from: dt.date,
        period_to: dt.date,
        opens_at: dt.datetime,
        deadline: dt.datetime,
        now: dt.datetime,
    ) -> Cycle:
        """A cycle for a past period, closed at its deadline (the meeting is put there too)."""
        row = CycleRow(
            group_id=group_id,
            questionnaire_id=questionnaire_id,
            period_from=period_from,
            period_to=period_to,
            opens_at=opens_at,
            deadline=deadline,
            meeting_at=deadline,
            state=CycleState.CLOSED.value,
            opened_at=opens_at,
            closed_at=deadline,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return _to_domain(row)
