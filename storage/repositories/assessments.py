"""The group's assessments per cycle and question, and the escalations to Brå."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.digest.records import Assessment, Escalation, Level
from storage.models import AssessmentRow, EscalationRow
from storage.upsert import insert_for


def _assessment(row: AssessmentRow, escalated: bool) -> Assessment:
    return Assessment(
        cycle_id=row.cycle_id,
        question=row.question,
        level=cast(Level, row.level),
        comment=row.comment,
        set_at=row.set_at,
        set_by_member_id=row.set_by_member_id,
        escalated=escalated,
    )


def _escalation(row: EscalationRow) -> Escalation:
    return Escalation(
        id=row.id,
        cycle_id=row.cycle_id,
        question=row.question,
        level=cast(Level, row.level),
        comment=row.comment,
        reason=row.reason,
        state=row.state,
        created_at=row.created_at,
        outbox_message_id=row.outbox_message_id,
    )


class AssessmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def set(
        self,
        cycle_id: int,
        question: str,
        level: Level,
        comment: str,
        *,
        member_id: int | None,
        now: dt.datetime,
    ) -> Assessment:
        """Store the assessment, replacing one set before (one per cycle and question)."""
        stmt = insert_for(self.session, AssessmentRow).values(
            cycle_id=cycle_id,
            question=question,
            level=level,
            comment=comment,
            set_by_member_id=member_id,
            set_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["cycle_id", "question"],
            set_={"level": level, "comment": comment, "set_by_member_id": member_id, "set_at": now},
        )
        await self.session.execute(stmt)
        found = await self.for_cycle(cycle_id)
        return found[question]

    async def for_cycle(self, cycle_id: int) -> dict[str, Assessment]:
        return (await self.for_cycles([cycle_id])).get(cycle_id, {})

    async def for_cycles(self, cycle_ids: list[int]) -> dict[int, dict[str, Assessment]]:
        if not cycle_ids:
            return {}
        escalated = {
            (c, q)
            for c, q in (
                await self.session.execute(
                    select(EscalationRow.cycle_id, EscalationRow.question).where(
                        EscalationRow.cycle_id.in_(cycle_ids)
                    )
                )
            ).all()
        }
        rows = await self.session.scalars(
            select(AssessmentRow)
            .where(AssessmentRow.cycle_id.in_(cycle_ids))
            .order_by(AssessmentRow.cycle_id, AssessmentRow.question)
            .execution_options(populate_existing=True)
        )
        result: dict[int, dict[str, Assessment]] = {}
        for row in rows:
            result.setdefault(row.cycle_id, {})[row.question] = _assessment(
                row, (row.cycle_id, row.question) in escalated
            )
        return result


class EscalationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        cycle_id: int,
        question: str,
        *,
        level: Level,
        comment: str,
        reason: str,
        member_id: int | None,
        now: dt.datetime,
    ) -> Escalation | None:
        """Record the escalation; None if the question was already escalated in the cycle."""
        stmt = insert_for(self.session, EscalationRow).values(
            cycle_id=cycle_id,
            question=question,
            level=level,
            comment=comment,
            reason=reason,
            state="pending",
            created_by_member_id=member_id,
            created_at=now,
        )
        result = await self.session.execute(
            stmt.on_conflict_do_nothing(index_elements=["cycle_id", "question"]).returning(EscalationRow.id)
        )
        new_id = result.scalar()
        if new_id is None:
            return None
        row = await self.session.get(EscalationRow, new_id)
        assert row is not None
        return _escalation(row)

    async def pending(self) -> list[Escalation]:
        rows = await self.session.scalars(
            select(EscalationRow).where(EscalationRow.state == "pending").order_by(EscalationRow.id)
        )
        return [_escalation(r) for r in rows]

    async def for_cycle(self, cycle_id: int) -> list[Escalation]:
        rows = await self.session.scalars(
            select(EscalationRow).where(EscalationRow.cycle_id == cycle_id).order_by(EscalationRow.question)
        )
        return [_escalation(r) for r in rows]

    async def get(self, escalation_id: int) -> Escalation | None:
        row = await self.session.get(EscalationRow, escalation_id, populate_existing=True)
        return _escalation(row) if row else None

    async def mark_enqueued(
        self, escalation_id: int, outbox_message_id: int | None, *, now: dt.datetime
    ) -> bool:
        """pending → enqueued, once; True when this call did it."""
        result = await self.session.execute(
            update(EscalationRow)
            .where(EscalationRow.id == escalation_id, EscalationRow.state == "pending")
            .values(state="enqueued", outbox_message_id=outbox_message_id, enqueued_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
