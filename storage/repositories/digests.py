"""Frozen digests, and the reads a digest is built from: a year of a group's earlier
answers (lean rows, no ORM objects) and the chart's per-cycle aggregates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.digest.records import ChartPoint, EarlierAnswer, EarlierCycle, StoredDigest
from storage.errors import NotFound
from storage.models import AnswerRow, CycleRow, DigestRow, SubmissionRow

SUBMITTED = "submitted"


def _to_domain(row: DigestRow) -> StoredDigest:
    return StoredDigest(
        id=row.id,
        cycle_id=row.cycle_id,
        revision=row.revision,
        template_version=row.template_version,
        data=row.data,
        cards=row.cards,
        series=row.series,
        sources=row.sources,
        built_at=row.built_at,
    )


class DigestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store(
        self,
        cycle_id: int,
        *,
        template_version: int,
        data: dict[str, Any],
        cards: list[dict[str, Any]],
        series: dict[str, Any],
        sources: dict[str, list[list[int]]],
        now: dt.datetime,
    ) -> StoredDigest:
        """Freeze a new revision of the cycle's digest. If another builder stored the same
        revision first, theirs is returned (both were built from the same reports)."""
        latest = await self.latest(cycle_id)
        row = DigestRow(
            cycle_id=cycle_id,
            revision=(latest.revision + 1) if latest else 1,
            template_version=template_version,
            data=data,
            cards=cards,
            series=series,
            sources=sources,
            built_at=now,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(row)
                await self.session.flush()
        except IntegrityError:
            raced = await self.latest(cycle_id)
            assert raced is not None
            return raced
        return _to_domain(row)

    async def latest(self, cycle_id: int) -> StoredDigest | None:
        row = await self.session.scalar(
            select(DigestRow)
            .where(DigestRow.cycle_id == cycle_id)
            .order_by(DigestRow.revision.desc())
            .limit(1)
        )
        return _to_domain(row) if row else None

    async def get(self, digest_id: int) -> StoredDigest:
        row = await self.session.get(DigestRow, digest_id)
        if row is None:
            raise NotFound(f"Sammanställning {digest_id} finns inte")
        return _to_domain(row)

    async def latest_for_cycles(self, cycle_ids: list[int]) -> dict[int, StoredDigest]:
        if not cycle_ids:
            return {}
        newest = (
            select(DigestRow.cycle_id, func.max(DigestRow.revision).label("revision"))
            .where(DigestRow.cycle_id.in_(cycle_ids))
            .group_by(DigestRow.cycle_id)
            .subquery()
        )
        rows = await self.session.scalars(
            select(DigestRow).join(
                newest, and_(DigestRow.cycle_id == newest.c.cycle_id, DigestRow.revision == newest.c.revision)
            )
        )
        return {r.cycle_id: _to_domain(r) for r in rows}

    async def earlier_cycles(self, group_id: int, *, since: dt.date, before: dt.date) -> list[EarlierCycle]:
        """The group's cycles with `since <= period_from < before` that got submitted reports,
        oldest first, each with its submitted answers."""
        stmt = (
            select(
                CycleRow.id,
                CycleRow.period_from,
                CycleRow.period_to,
                AnswerRow.question,
                AnswerRow.observations,
                AnswerRow.places_times,
                AnswerRow.impact,
                AnswerRow.nothing_to_report,
            )
            .join(SubmissionRow, SubmissionRow.cycle_id == CycleRow.id)
            .join(AnswerRow, AnswerRow.submission_id == SubmissionRow.id)
            .where(
                CycleRow.group_id == group_id,
                CycleRow.period_from >= since,
                CycleRow.period_from < before,
                SubmissionRow.state == SUBMITTED,
            )
            .order_by(CycleRow.period_from, SubmissionRow.id, AnswerRow.question)
        )
        cycles: list[EarlierCycle] = []
        answers: list[EarlierAnswer] = []
        current: tuple[int, dt.date, dt.date] | None = None
        for (
            cycle_id,
            period_from,
            period_to,
            question,
            observations,
            places_times,
            impact,
            nothing,
        ) in await self.session.execute(stmt):
            if current is None or current[0] != cycle_id:
                if current is not None:
                    cycles.append(EarlierCycle(*current, answers=tuple(answers)))
                current, answers = (cycle_id, period_from, period_to), []
            answers.append(EarlierAnswer(cycle_id, question, observations, places_times, impact, nothing))
        if current is not None:
            cycles.append(EarlierCycle(*current, answers=tuple(answers)))
        return cycles

    async def chart_points(self, group_id: int, *, up_to: dt.date, count: int = 12) -> list[ChartPoint]:
        """The group's last `count` cycles with `period_from <= up_to` that got reports, oldest
        first: per question the mean impact and the number of reports with observations."""
        with_reports = (
            select(CycleRow.id, CycleRow.period_from, CycleRow.period_to)
            .where(
                CycleRow.group_id == group_id,
                CycleRow.period_from <= up_to,
                select(SubmissionRow.id)
                .where(SubmissionRow.cycle_id == CycleRow.id, SubmissionRow.state == SUBMITTED)
                .exists(),
            )
            .order_by(CycleRow.period_from.desc())
            .limit(count)
        )
        cycles = list((await self.session.execute(with_reports)).all())[::-1]
        if not cycles:
            return []
        reported = and_(
            AnswerRow.nothing_to_report.is_(False),
            or_(
                AnswerRow.observations != "",
                AnswerRow.places_times != "",
                AnswerRow.comment != "",
                AnswerRow.impact.is_not(None),
            ),
        )
        stmt = (
            select(
                SubmissionRow.cycle_id,
                AnswerRow.question,
                func.avg(case((AnswerRow.nothing_to_report.is_(False), AnswerRow.impact))),
                func.sum(case((reported, 1), else_=0)),
            )
            .join(AnswerRow, AnswerRow.submission_id == SubmissionRow.id)
            .where(SubmissionRow.cycle_id.in_([c[0] for c in cycles]), SubmissionRow.state == SUBMITTED)
            .group_by(SubmissionRow.cycle_id, AnswerRow.question)
        )
        means: dict[int, dict[str, float]] = {}
        counts: dict[int, dict[str, int]] = {}
        for cycle_id, question, avg, reports in await self.session.execute(stmt):
            if avg is not None:
                means.setdefault(cycle_id, {})[question] = round(float(avg), 1)
            counts.setdefault(cycle_id, {})[question] = int(reports or 0)
        return [
            ChartPoint(cid, start, end, means.get(cid, {}), counts.get(cid, {})) for cid, start, end in cycles
        ]
