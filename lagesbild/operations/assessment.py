"""The meeting: setting the group's compiled assessment per question, and escalating to Brå.

`set_assessment` stores Sammanställd bedömning + Kommentar/åtgärd for a closed cycle's
question. A red one is escalated at once: an escalation row is recorded (once per cycle
and question) and returned, for the Brå channel card. `escalate` lifts a yellow (or red)
one on request. With `by` (a member, from the card) the permission rule of
`reporting.digest.assessment` applies: only the group's coordinator or deputy; others get
`PermissionRefused` with a polite Swedish sentence. The command line passes no member.
A comment of None keeps the comment set before; "" clears it.

Delivery of escalations works from `escalations_to_send` (pending rows) and
`mark_escalation_enqueued` (once its card is in the outbox); `escalation_context` gives
what the card shows (the question's items from the digest, the group's comment).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from lagesbild.operations.digest import DIGESTIBLE, digest_for_cycle
from lagesbild.operations.errors import ConflictError, InputError, OperationError
from lagesbild.operations.scope import cycle_in
from reporting.digest.assessment import (
    InvalidAssessment,
    check_comment,
    check_question,
    escalates_automatically,
    may_assess,
    may_escalate_level,
    parse_level,
    refusal,
)
from reporting.digest.records import Assessment, Escalation
from reporting.model import Cycle, Member, ReportingGroup
from reporting.questionnaire import Questionnaire
from storage.database import Database
from storage.errors import NotFound
from storage.repositories import CycleRepository, GroupRepository, QuestionnaireRepository
from storage.repositories.assessments import AssessmentRepository, EscalationRepository


class PermissionRefused(OperationError):
    """The member may not set assessments for this group; the message says so politely."""


@dataclass(frozen=True, slots=True)
class AssessmentOutcome:
    assessment: Assessment
    escalation: Escalation | None  # new this time (a red one, escalated once)
    cycle: Cycle
    group: ReportingGroup


async def _cycle(
    db: Database, cycle_id: int, organisation_id: int | None
) -> tuple[Cycle, ReportingGroup, Questionnaire]:
    if organisation_id is not None:
        await cycle_in(db, organisation_id, cycle_id)  # another municipality's is refused
    async with db.session(readonly=True) as s:
        try:
            cycle = await CycleRepository(s).get(cycle_id)
        except NotFound as exc:
            raise InputError(str(exc)) from None
        group = await GroupRepository(s).get(cycle.group_id)
        questionnaire = await QuestionnaireRepository(s).get(cycle.questionnaire_id)
    if cycle.state not in DIGESTIBLE:
        raise ConflictError(
            f"Cykel {cycle_id} är inte stängd ännu; bedömningen sätts när rapporterna är sammanställda."
        )
    return cycle, group, questionnaire


async def may_member_assess(db: Database, member: Member | None, group_id: int) -> bool:
    """The permission rule for a member and a group (for the card handler)."""
    if member is None:
        return False
    async with db.session(readonly=True) as s:
        in_group = await GroupRepository(s).has_member(group_id, member.id)
    return may_assess(member, in_group=in_group)


async def _check_member(db: Database, by: Member | None, group: ReportingGroup, locale: str) -> None:
    if by is not None and not await may_member_assess(db, by, group.id):
        raise PermissionRefused(refusal(locale))


async def set_assessment(
    db: Database,
    *,
    cycle_id: int,
    question: str,
    level: str,
    comment: str | None,
    now: dt.datetime,
    by: Member | None = None,
    locale: str = "sv",
    organisation_id: int | None = None,
) -> AssessmentOutcome:
    """With `organisation_id` (the command line's --org), a cycle of another organisation is
    refused; a member (`by`) may only assess their own groups anyway."""
    cycle, group, questionnaire = await _cycle(db, cycle_id, organisation_id)
    await _check_member(db, by, group, locale)
    try:
        number = check_question(questionnaire, question, locale)
        checked_level = parse_level(level, locale)
        text = check_comment(comment, locale)
    except InvalidAssessment as exc:
        raise InputError(str(exc)) from None
    async with db.session() as s:
        repo = AssessmentRepository(s)
        if comment is None:  # not given: keep what was written before
            earlier = (await repo.for_cycle(cycle.id)).get(number)
            text = earlier.comment if earlier else ""
        await repo.set(cycle.id, number, checked_level, text, member_id=by.id if by else None, now=now)
        escalation = None
        if escalates_automatically(checked_level):
            escalation = await EscalationRepository(s).add(
                cycle.id,
                number,
                level=checked_level,
                comment=text,
                reason="red",
                member_id=by.id if by else None,
                now=now,
            )
        assessment = (await repo.for_cycle(cycle.id))[number]
    return AssessmentOutcome(assessment, escalation, cycle, group)


async def escalate(
    db: Database,
    *,
    cycle_id: int,
    question: str,
    now: dt.datetime,
    by: Member | None = None,
    locale: str = "sv",
    organisation_id: int | None = None,
) -> Escalation | None:
    """Lift an assessed yellow (or red) question to Brå; None if it already was."""
    cycle, group, questionnaire = await _cycle(db, cycle_id, organisation_id)
    await _check_member(db, by, group, locale)
    try:
        number = check_question(questionnaire, question, locale)
    except InvalidAssessment as exc:
        raise InputError(str(exc)) from None
    async with db.session() as s:
        assessment = (await AssessmentRepository(s).for_cycle(cycle.id)).get(number)
        if assessment is None or not may_escalate_level(assessment.level):
            raise ConflictError("Sätt bedömningen till gult eller rött först; då kan frågan lyftas till Brå.")
        return await EscalationRepository(s).add(
            cycle.id,
            number,
            level=assessment.level,
            comment=assessment.comment,
            reason="red" if assessment.level == "red" else "manual",
            member_id=by.id if by else None,
            now=now,
        )


async def assessments_for_cycle(db: Database, cycle_id: int) -> dict[str, Assessment]:
    async with db.session(readonly=True) as s:
        return await AssessmentRepository(s).for_cycle(cycle_id)


async def escalations_to_send(db: Database) -> list[Escalation]:
    """Escalations whose card has not been enqueued yet, oldest first."""
    async with db.session(readonly=True) as s:
        return await EscalationRepository(s).pending()


async def mark_escalation_enqueued(
    db: Database, escalation_id: int, *, outbox_message_id: int | None, now: dt.datetime
) -> bool:
    """Record that the escalation's card is in the outbox; True the first time. Inside your own
    unit of work, `EscalationRepository(session).mark_enqueued` does the same."""
    async with db.session() as s:
        return await EscalationRepository(s).mark_enqueued(escalation_id, outbox_message_id, now=now)


@dataclass(frozen=True, slots=True)
class EscalationContext:
    """What the Brå card shows: the group, the period, the question with its items from the
    compiled digest (masked), and the group's level and comment as escalated."""

    escalation: Escalation
    group: ReportingGroup
    cycle: Cycle
    organisation: str
    questionnaire: Questionnaire
    question: dict[str, Any]
    heading: str


async def escalation_context(db: Database, escalation_id: int, *, now: dt.datetime) -> EscalationContext:
    async with db.session(readonly=True) as s:
        escalation = await EscalationRepository(s).get(escalation_id)
    if escalation is None:
        raise InputError(f"Eskalering {escalation_id} finns inte")
    bundle = await digest_for_cycle(db, escalation.cycle_id, now=now)
    compiled = bundle.compiled()
    question = next(q for q in compiled["questions"] if str(q["question"]) == escalation.question)
    return EscalationContext(
        escalation,
        bundle.group,
        bundle.cycle,
        bundle.organisation,
        bundle.questionnaire,
        question,
        bundle.questionnaire.question(escalation.question).heading(),
    )
