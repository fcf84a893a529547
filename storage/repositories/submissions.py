"""Submissions and their answers. Per question the latest answer wins, whichever channel
it came from; every save is also kept whole as a revision."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.model import Answer, Channel, Submission, SubmissionState
from storage.errors import NotFound
from storage.models import AnswerRow, SubmissionRevisionRow, SubmissionRow
from storage.upsert import insert_for


def _answer(row: AnswerRow) -> Answer:
    return Answer(
        question=row.question,
        observations=row.observations,
        impact=row.impact,
        comment=row.comment,
        nothing_to_report=row.nothing_to_report,
        places_times=row.places_times,
    )


def _to_domain(row: SubmissionRow) -> Submission:
    return Submission(
        id=row.id,
        cycle_id=row.cycle_id,
        member_id=row.member_id,
        channel=Channel(row.channel),
        state=SubmissionState(row.state),
        revision=row.revision,
        answers={a.question: _answer(a) for a in row.answers},
        submitted_at=row.submitted_at,
    )


def answer_dict(answer: Answer) -> dict[str, Any]:
    return {
        "observations": answer.observations,
        "impact": answer.impact,
        "comment": answer.comment,
        "nothing_to_report": answer.nothing_to_report,
        "places_times": answer.places_times,
    }


class SubmissionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ensure(self, cycle_id: int, member_id: int, channel: Channel) -> Submission:
        """The member's submission for the cycle, created as a draft if there is none.
        Concurrent callers all get the same single row."""
        await self._insert_draft(cycle_id, member_id, channel)
        return await self.get(cycle_id, member_id)

    async def _insert_draft(self, cycle_id: int, member_id: int, channel: Channel) -> None:
        now = dt.datetime.now(dt.UTC)
        stmt = insert_for(self.session, SubmissionRow).values(
            cycle_id=cycle_id,
            member_id=member_id,
            channel=channel.value,
            state=SubmissionState.DRAFT.value,
            revision=0,
            created_at=now,
            updated_at=now,
        )
        await self.session.execute(stmt.on_conflict_do_nothing(index_elements=["cycle_id", "member_id"]))

    async def find(self, cycle_id: int, member_id: int) -> Submission | None:
        row = await self._row(cycle_id, member_id)
        return _to_domain(row) if row else None

    async def get(self, cycle_id: int, member_id: int) -> Submission:
        row = await self._row(cycle_id, member_id)
        if row is None:
            raise NotFound(f"Ingen inlämning för medlem {member_id} i cykel {cycle_id}")
        return _to_domain(row)

    async def for_cycle(self, cycle_id: int) -> list[Submission]:
        rows = await self.session.scalars(
            select(SubmissionRow).where(SubmissionRow.cycle_id == cycle_id).order_by(SubmissionRow.id)
        )
        return [_to_domain(r) for r in rows]

    async def _row(self, cycle_id: int, member_id: int, *, lock: bool = False) -> SubmissionRow | None:
        stmt = select(SubmissionRow).where(
            SubmissionRow.cycle_id == cycle_id, SubmissionRow.member_id == member_id
        )
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt.execution_options(populate_existing=True))).first()

    async def save(
        self,
        cycle_id: int,
        member_id: int,
        answers: dict[str, Answer],
        *,
        channel: Channel,
        submit: bool,
        warnings: list[dict[str, Any]] | None = None,
        now: dt.datetime | None = None,
    ) -> Submission:
        """Merge `answers` into the member's submission (the given questions replace what was
        there), bump the revision and keep it. `submit` marks it submitted; a draft save
        never un-submits an earlier submission."""
        now = now or dt.datetime.now(dt.UTC)
        await self._insert_draft(cycle_id, member_id, channel)
        row = await self._row(cycle_id, member_id, lock=True)
        assert row is not None
        warnings = warnings or []
        by_question = {a.question: a for a in row.answers}
        for number, answer in answers.items():
            target = by_question.get(number)
            if target is None:
                target = AnswerRow(question=number)
                row.answers.append(target)
            target.observations = answer.observations
            target.impact = answer.impact
            target.comment = answer.comment
            target.nothing_to_report = answer.nothing_to_report
            target.places_times = answer.places_times
            target.channel = channel.value
            target.warnings = [w for w in warnings if str(w.get("question")) == number]
            target.updated_at = now
        row.revision += 1
        row.channel = channel.value
        row.updated_at = now
        if submit:
            row.state = SubmissionState.SUBMITTED.value
            row.submitted_at = now
        self.session.add(
            SubmissionRevisionRow(
                submission_id=row.id,
                revision=row.revision,
                channel=channel.value,
                state=row.state,
                answers={a.question: answer_dict(_answer(a)) for a in row.answers},
                warnings=warnings,
                created_at=now,
            )
        )
        await self.session.flush()
        return _to_domain(row)

    async def revisions(self, submission_id: int) -> list[dict[str, Any]]:
        rows = await self.session.scalars(
            select(SubmissionRevisionRow)
            .where(SubmissionRevisionRow.submission_id == submission_id)
            .order_by(SubmissionRevisionRow.revision)
        )
        return [
            {
                "revision": r.revision,
                "channel": r.channel,
                "state": r.state,
                "answers": r.answers,
                "warnings": r.warnings,
                "created_at": r.created_at,
            }
            for r in rows
        ]
