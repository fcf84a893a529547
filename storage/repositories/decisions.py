"""Brå decisions: stored with their history and the answers they rest on, read back as
`reporting.bra.records.Decision` with what they rest on (cycle, question, how many reports
from which agencies) and the owner's display name.

Status changes are one conditional UPDATE (`WHERE status = <the status read>`), so two
people closing the same decision at once cannot both move it; the loser gets False.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.bra.records import Basis, Decision, DecisionKind, DecisionStatus, LinkedAnswer, StatusNote
from storage.errors import NotFound
from storage.models import (
    AnswerRow,
    CycleRow,
    DecisionAnswerRow,
    DecisionNoteRow,
    DecisionRow,
    EscalationRow,
    GroupRow,
    MemberRow,
    QuestionnaireRow,
    SubmissionRow,
)

SUBMITTED = "submitted"


def _observed() -> Any:
    """An answer that reports something: not "nothing to report", and observations (or
    places/times) written."""
    return and_(
        AnswerRow.nothing_to_report.is_(False),
        or_(
            func.length(func.trim(AnswerRow.observations)) > 0,
            func.length(func.trim(AnswerRow.places_times)) > 0,
        ),
    )


class DecisionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- writing -------------------------------------------------------------------------

    async def add(
        self,
        *,
        organisation_id: int,
        title: str,
        text: str,
        kind: DecisionKind,
        meeting_date: dt.date,
        decided_by_member_id: int | None,
        decided_by_name: str,
        owner_member_id: int | None,
        owner_agency: str | None,
        due: dt.date | None,
        cycle_id: int | None,
        question: str | None,
        escalation_id: int | None,
        links: Sequence[tuple[int, int]],
        now: dt.datetime,
        note: str = "",
    ) -> int:
        """Store a decision, its first note (beslutad) and its links (answer id, reporter id)."""
        row = DecisionRow(
            organisation_id=organisation_id, title=title, text=text, kind=kind.value, meeting_date=meeting_date,
            decided_by_member_id=decided_by_member_id, decided_by_name=decided_by_name,
            owner_member_id=owner_member_id, owner_agency=owner_agency, due=due,
            status=DecisionStatus.BESLUTAD.value, result="", cycle_id=cycle_id, question=question,
            escalation_id=escalation_id, created_at=now, updated_at=now,
        )  # fmt: skip
        self.session.add(row)
        await self.session.flush()
        self.session.add(
            DecisionNoteRow(
                decision_id=row.id,
                status=DecisionStatus.BESLUTAD.value,
                text=note,
                by_member_id=decided_by_member_id,
                by_name=decided_by_name,
                at=now,
            )  # fmt: skip
        )
        unique = list(dict.fromkeys(links))
        if unique:
            await self.session.execute(
                insert(DecisionAnswerRow),
                [{"decision_id": row.id, "answer_id": a, "member_id": m} for a, m in unique],
            )
        await self.session.flush()
        return row.id

    async def set_status(
        self,
        decision_id: int,
        *,
        expected: DecisionStatus,
        status: DecisionStatus,
        text: str,
        by_member_id: int | None,
        by_name: str,
        now: dt.datetime,
        result: str | None = None,
    ) -> bool:
        """Move the decision from `expected` to `status` with a dated note; False if it was
        not in `expected` any more (someone else moved it first)."""
        values: dict[str, Any] = {"status": status.value, "updated_at": now}
        if not status.is_open:
            values["closed_at"] = now
        if result is not None:
            values["result"] = result
        moved = await self.session.execute(
            update(DecisionRow)
            .where(DecisionRow.id == decision_id, DecisionRow.status == expected.value)
            .values(**values)
        )
        if not moved.rowcount:  # type: ignore[attr-defined]
            return False
        self.session.add(
            DecisionNoteRow(
                decision_id=decision_id,
                status=status.value,
                text=text,
                by_member_id=by_member_id,
                by_name=by_name,
                at=now,
            )  # fmt: skip
        )
        await self.session.flush()
        return True

    # --- answers to link -----------------------------------------------------------------

    async def observed_answers(self, cycle_id: int, question: str) -> list[tuple[int, int]]:
        """(answer id, reporter id) of every submitted answer with observations to the question."""
        rows = await self.session.execute(
            select(AnswerRow.id, SubmissionRow.member_id)
            .join(SubmissionRow, SubmissionRow.id == AnswerRow.submission_id)
            .where(
                SubmissionRow.cycle_id == cycle_id,
                SubmissionRow.state == SUBMITTED,
                AnswerRow.question == question,
                _observed(),
            )
            .order_by(AnswerRow.id)
        )
        return [(a, m) for a, m in rows.all()]

    async def answers(self, answer_ids: Iterable[int]) -> dict[int, tuple[int, int, str, bool]]:
        """answer id → (reporter id, cycle id, question, submitted) for the ids that exist."""
        ids = list(answer_ids)
        if not ids:
            return {}
        rows = await self.session.execute(
            select(
                AnswerRow.id,
                SubmissionRow.member_id,
                SubmissionRow.cycle_id,
                AnswerRow.question,
                SubmissionRow.state,
            )  # fmt: skip
            .join(SubmissionRow, SubmissionRow.id == AnswerRow.submission_id)
            .where(AnswerRow.id.in_(ids))
        )
        return {a: (m, c, q, s == SUBMITTED) for a, m, c, q, s in rows.all()}

    async def linked(self, decision_id: int) -> list[LinkedAnswer]:
        """The answers the decision rests on, oldest first, with their reporters."""
        rows = await self.session.execute(
            select(
                AnswerRow.id,
                AnswerRow.submission_id,
                DecisionAnswerRow.member_id,
                SubmissionRow.cycle_id,
                AnswerRow.question,
                AnswerRow.observations,
                AnswerRow.places_times,
                SubmissionRow.submitted_at,
                CycleRow.period_from,
                CycleRow.period_to,
            )  # fmt: skip
            .join(AnswerRow, AnswerRow.id == DecisionAnswerRow.answer_id)
            .join(SubmissionRow, SubmissionRow.id == AnswerRow.submission_id)
            .join(CycleRow, CycleRow.id == SubmissionRow.cycle_id)
            .where(DecisionAnswerRow.decision_id == decision_id)
            .order_by(CycleRow.period_from, AnswerRow.id)
        )
        return [
            LinkedAnswer(a, s, m, c, q, obs.strip() or places.strip(), at, pf, pt)
            for a, s, m, c, q, obs, places, at, pf, pt in rows.all()
        ]

    # --- reading -------------------------------------------------------------------------

    async def get(self, decision_id: int) -> Decision:
        row = await self.session.get(DecisionRow, decision_id, populate_existing=True)
        if row is None:
            raise NotFound(f"Beslut {decision_id} finns inte")
        return (await self._to_domain([row], history=True))[0]

    async def list(
        self,
        organisation_id: int | None = None,
        *,
        open_only: bool = False,
        ids: Sequence[int] | None = None,
        meeting_date: dt.date | None = None,
        history: bool = False,
    ) -> list[Decision]:
        """Decisions by meeting date and id (all municipalities when none is given)."""
        stmt = select(DecisionRow).order_by(DecisionRow.meeting_date, DecisionRow.id)
        if organisation_id is not None:
            stmt = stmt.where(DecisionRow.organisation_id == organisation_id)
        if open_only:
            stmt = stmt.where(DecisionRow.status.in_([s.value for s in DecisionStatus if s.is_open]))
        if ids is not None:
            stmt = stmt.where(DecisionRow.id.in_(list(ids)))
        if meeting_date is not None:
            stmt = stmt.where(DecisionRow.meeting_date == meeting_date)
        rows = list(await self.session.scalars(stmt.execution_options(populate_existing=True)))
        return await self._to_domain(rows, history=history)

    async def closed_between(
        self, organisation_id: int, since: dt.datetime, until: dt.datetime
    ) -> list[Decision]:
        rows = list(
            await self.session.scalars(
                select(DecisionRow)
                .where(
                    DecisionRow.organisation_id == organisation_id,
                    DecisionRow.closed_at.is_not(None),
                    DecisionRow.closed_at > since,
                    DecisionRow.closed_at <= until,
                )
                .order_by(DecisionRow.closed_at, DecisionRow.id)
            )
        )
        return await self._to_domain(rows, history=True)

    async def for_member_answers(self, member_id: int, cycle_id: int | None = None) -> list[Decision]:
        """The decisions that rest on this reporter's answers (in one cycle, or any)."""
        stmt = (
            select(DecisionAnswerRow.decision_id)
            .join(AnswerRow, AnswerRow.id == DecisionAnswerRow.answer_id)
            .join(SubmissionRow, SubmissionRow.id == AnswerRow.submission_id)
            .where(DecisionAnswerRow.member_id == member_id)
        )
        if cycle_id is not None:
            stmt = stmt.where(SubmissionRow.cycle_id == cycle_id)
        ids = sorted(set(await self.session.scalars(stmt)))
        return await self.list(ids=ids) if ids else []

    async def owned_by(self, member_id: int, agency: str, organisation_id: int) -> list[Decision]:
        """Open decisions the member owns, or whose owner is the member's agency."""
        rows = list(
            await self.session.scalars(
                select(DecisionRow)
                .where(
                    DecisionRow.organisation_id == organisation_id,
                    DecisionRow.status.in_([s.value for s in DecisionStatus if s.is_open]),
                    or_(
                        DecisionRow.owner_member_id == member_id,
                        func.lower(DecisionRow.owner_agency) == agency.strip().lower(),
                    ),  # fmt: skip
                )
                .order_by(DecisionRow.id)
            )
        )
        return await self._to_domain(rows, history=False)

    async def decision_facts(
        self, organisation_ids: Sequence[int]
    ) -> list[tuple[int, str | None, dt.date, str, dt.datetime | None]]:
        """(organisation, question, meeting date, status, closed at) of every decision."""
        rows = await self.session.execute(
            select(
                DecisionRow.organisation_id,
                DecisionRow.question,
                DecisionRow.meeting_date,
                DecisionRow.status,
                DecisionRow.closed_at,
            ).where(DecisionRow.organisation_id.in_(list(organisation_ids)))  # fmt: skip
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]

    async def report_to_feedback(
        self, organisation_ids: Sequence[int]
    ) -> list[tuple[int, str, dt.date, dt.datetime, dt.datetime]]:
        """(organisation, question, report's cycle end, submitted at, feedback at) per linked
        answer; feedback is queued when the decision is stored, so it is the decision's time."""
        rows = await self.session.execute(
            select(
                DecisionRow.organisation_id,
                AnswerRow.question,
                CycleRow.period_to,
                SubmissionRow.submitted_at,
                DecisionRow.created_at,
            )  # fmt: skip
            .join(DecisionAnswerRow, DecisionAnswerRow.decision_id == DecisionRow.id)
            .join(AnswerRow, AnswerRow.id == DecisionAnswerRow.answer_id)
            .join(SubmissionRow, SubmissionRow.id == AnswerRow.submission_id)
            .join(CycleRow, CycleRow.id == SubmissionRow.cycle_id)
            .where(
                DecisionRow.organisation_id.in_(list(organisation_ids)),
                SubmissionRow.submitted_at.is_not(None),
            )
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]

    async def escalations(
        self, organisation_id: int, *, since: dt.datetime | None = None
    ) -> list[tuple[int, int, str, str, str, str, dt.datetime, str, dt.date, dt.date, bool]]:
        """The municipality's escalations (created after `since`), oldest first: (id, cycle,
        question, level, comment, reason, created at, group name, period from, period to,
        decided: Brå has a decision on that cycle and question)."""
        stmt = (
            select(
                EscalationRow.id,
                EscalationRow.cycle_id,
                EscalationRow.question,
                EscalationRow.level,
                EscalationRow.comment,
                EscalationRow.reason,
                EscalationRow.created_at,
                GroupRow.name,
                CycleRow.period_from,
                CycleRow.period_to,
            )  # fmt: skip
            .join(CycleRow, CycleRow.id == EscalationRow.cycle_id)
            .join(GroupRow, GroupRow.id == CycleRow.group_id)
            .where(GroupRow.organisation_id == organisation_id)
            .order_by(EscalationRow.created_at, EscalationRow.id)
        )
        if since is not None:
            stmt = stmt.where(EscalationRow.created_at > since)
        rows = (await self.session.execute(stmt)).all()
        decided = {
            (c, q)
            for c, q in (
                await self.session.execute(
                    select(DecisionRow.cycle_id, DecisionRow.question).where(
                        DecisionRow.organisation_id == organisation_id, DecisionRow.cycle_id.is_not(None)
                    )
                )
            ).all()
        }
        return [(*r, (r[1], r[2]) in decided) for r in rows]  # type: ignore[misc]

    # --- rows to records -------------------------------------------------------------------

    async def _to_domain(self, rows: Sequence[DecisionRow], *, history: bool) -> list[Decision]:
        if not rows:
            return []
        ids = [r.id for r in rows]
        member_ids = {m for r in rows for m in (r.owner_member_id, r.decided_by_member_id) if m is not None}
        members = {
            m.id: m
            for m in await self.session.scalars(select(MemberRow).where(MemberRow.id.in_(sorted(member_ids))))
        }
        counts: dict[int, int] = defaultdict(int)
        agencies: dict[int, set[str]] = defaultdict(set)
        for decision_id, agency, n in (
            await self.session.execute(
                select(DecisionAnswerRow.decision_id, MemberRow.agency, func.count())
                .join(MemberRow, MemberRow.id == DecisionAnswerRow.member_id)
                .where(DecisionAnswerRow.decision_id.in_(ids))
                .group_by(DecisionAnswerRow.decision_id, MemberRow.agency)
            )
        ).all():
            counts[decision_id] += int(n)
            if agency and agency.strip():
                agencies[decision_id].add(agency.strip().lower())
        cycle_ids = sorted({r.cycle_id for r in rows if r.cycle_id is not None})
        cycles = {
            c.id: c for c in await self.session.scalars(select(CycleRow).where(CycleRow.id.in_(cycle_ids)))
        }
        themes = await self._themes({c.questionnaire_id for c in cycles.values()})
        notes: dict[int, list[StatusNote]] = defaultdict(list)
        if history:
            for n in await self.session.scalars(
                select(DecisionNoteRow)
                .where(DecisionNoteRow.decision_id.in_(ids))
                .order_by(DecisionNoteRow.at, DecisionNoteRow.id)
            ):
                notes[n.decision_id].append(
                    StatusNote(DecisionStatus(n.status), n.text, n.at, n.by_member_id, n.by_name)
                )
        result = []
        for r in rows:
            cycle = cycles.get(r.cycle_id) if r.cycle_id is not None else None
            theme = themes.get((cycle.questionnaire_id, r.question or ""), "") if cycle else ""
            owner = members.get(r.owner_member_id) if r.owner_member_id is not None else None
            decider = members.get(r.decided_by_member_id) if r.decided_by_member_id is not None else None
            owner_name = f"{owner.name} ({owner.agency})" if owner else (r.owner_agency or "")
            result.append(
                Decision(
                    id=r.id, organisation_id=r.organisation_id, title=r.title, text=r.text,
                    kind=DecisionKind(r.kind), meeting_date=r.meeting_date,
                    decided_by_member_id=r.decided_by_member_id,
                    decided_by_name=decider.name if decider else r.decided_by_name,
                    owner_member_id=r.owner_member_id, owner_agency=r.owner_agency, owner_name=owner_name,
                    due=r.due, status=DecisionStatus(r.status), result=r.result, created_at=r.created_at,
                    closed_at=r.closed_at,
                    basis=Basis(
                        cycle_id=r.cycle_id,
                        period_from=cycle.period_from if cycle else None,
                        period_to=cycle.period_to if cycle else None,
                        question=r.question, theme=theme, reports=counts.get(r.id, 0),
                        agencies=tuple(sorted(agencies.get(r.id, set()))),
                    ),
                    group_id=cycle.group_id if cycle else None,
                    history=tuple(notes.get(r.id, [])),
                )
            )  # fmt: skip
        return result

    async def _themes(self, questionnaire_ids: set[int]) -> dict[tuple[int, str], str]:
        if not questionnaire_ids:
            return {}
        themes: dict[tuple[int, str], str] = {}
        for row in await self.session.scalars(
            select(QuestionnaireRow).where(QuestionnaireRow.id.in_(sorted(questionnaire_ids)))
        ):
            for q in row.definition.get("questions", []):
                themes[(row.id, str(q["number"]))] = str(q["theme"]["sv"])
        return themes
