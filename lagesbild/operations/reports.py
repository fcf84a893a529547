"""Reports: finding a reporter's open cycle, saving drafts and submissions, status.

Every channel (Teams card, email, CLI import) stores through `save_report`, so the rules
are the same everywhere: the cycle must be open and the reporter's own, per question the
latest answer wins, and every save is kept as a revision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from lagesbild.operations.errors import ConflictError, InputError
from reporting.model import Answer, Channel, Cycle, CycleState, Member, ReportingGroup, Role, Submission
from reporting.questionnaire import Questionnaire
from storage.database import Database
from storage.errors import NotFound
from storage.repositories import (
    CycleRepository,
    GroupRepository,
    MemberRepository,
    QuestionnaireRepository,
    SubmissionRepository,
)


class CycleClosed(ConflictError):
    """The cycle is not open for reports (before it opens, or after the deadline)."""

    def __init__(self, cycle: Cycle) -> None:
        self.cycle = cycle
        super().__init__("Perioden är stängd och tar inte emot fler svar.")


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Everything needed to show or store a member's report for one cycle."""

    member: Member
    group: ReportingGroup
    cycle: Cycle
    questionnaire: Questionnaire
    submission: Submission | None

    def is_open(self, now: dt.datetime) -> bool:
        return self.cycle.state is CycleState.OPEN and now < self.cycle.deadline


async def member_by_identity(db: Database, *, aad_object_id: str | None, email: str | None) -> Member | None:
    """The member a Teams user is: by AAD object id, then by email/UPN (in any organisation)."""
    async with db.session(readonly=True) as s:
        return await MemberRepository(s).find_by_identity(aad_object_id=aad_object_id, email=email)


async def member_groups(db: Database, member: Member) -> list[ReportingGroup]:
    async with db.session(readonly=True) as s:
        repo = GroupRepository(s)
        return [g for g in await repo.all(member.organisation_id) if await repo.has_member(g.id, member.id)]


async def report_context(db: Database, member: Member, cycle_id: int) -> ReportContext:
    """The member's report in the cycle; refuses a cycle that is not the member's."""
    async with db.session(readonly=True) as s:
        try:
            cycle = await CycleRepository(s).get(cycle_id)
            group = await GroupRepository(s).get(cycle.group_id)
        except NotFound:
            raise InputError("Perioden finns inte.") from None
        in_group = await GroupRepository(s).has_member(group.id, member.id)
        if not in_group or group.organisation_id != member.organisation_id:
            raise InputError("Det här kortet hör inte till dig. Skriv ”rapportera” för att få ditt eget.")
        questionnaire = await QuestionnaireRepository(s).get(cycle.questionnaire_id)
        submission = await SubmissionRepository(s).find(cycle.id, member.id)
    return ReportContext(member, group, cycle, questionnaire, submission)


async def current_report(db: Database, member: Member) -> ReportContext | None:
    """The member's report in the open cycle of (one of) their groups, if any."""
    for group in await member_groups(db, member):
        async with db.session(readonly=True) as s:
            open_cycles = await CycleRepository(s).in_state(group.id, CycleState.OPEN)
        if open_cycles:
            return await report_context(db, member, open_cycles[-1].id)
    return None


async def report_at(db: Database, member: Member, when: dt.datetime, tz: dt.tzinfo) -> ReportContext | None:
    """The member's report in the cycle the mail of `when` was for, in whatever state that
    cycle is now: the one of theirs that was open then (opened, deadline not passed; as the
    intake would have filed it on arrival, also a cycle a coordinator opened early), else the
    one whose period covers that day (its date in `tz`); None when neither exists."""
    day = when.astimezone(tz).date()
    covering: Cycle | None = None
    for group in await member_groups(db, member):
        async with db.session(readonly=True) as s:
            cycles = await CycleRepository(s).for_group(group.id)
        for cycle in cycles:
            if cycle.opened_at is not None and cycle.opened_at <= when < cycle.deadline:
                return await report_context(db, member, cycle.id)
            if covering is None and cycle.period_from <= day <= cycle.period_to:
                covering = cycle
    return None if covering is None else await report_context(db, member, covering.id)


async def next_cycle(db: Database, member: Member, now: dt.datetime) -> Cycle | None:
    best: Cycle | None = None
    for group in await member_groups(db, member):
        async with db.session(readonly=True) as s:
            for cycle in await CycleRepository(s).in_state(group.id, CycleState.PLANNED):
                if cycle.opens_at > now and (best is None or cycle.opens_at < best.opens_at):
                    best = cycle
    return best


async def save_report(
    db: Database,
    context: ReportContext,
    answers: dict[str, Answer],
    *,
    channel: Channel,
    submit: bool,
    now: dt.datetime,
    warnings: list[dict[str, Any]] | None = None,
) -> Submission:
    """Store the answers as the member's draft or submission; only while the cycle is open."""
    if Role.REPORTER not in context.member.roles:
        raise InputError("Du är inte registrerad som rapportör. Kontakta samordnaren.")
    async with db.session() as s:
        cycle = await CycleRepository(s).get(context.cycle.id)
        if cycle.state is not CycleState.OPEN or now >= cycle.deadline:
            raise CycleClosed(cycle)
        return await SubmissionRepository(s).save(
            cycle.id, context.member.id, answers, channel=channel, submit=submit, warnings=warnings, now=now
        )
