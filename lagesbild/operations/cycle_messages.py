"""The messages a cycle produces: prompts when it opens, reminders before the deadline,
and the coordinator's summary at the deadline. All go through the outbox with a
dedupe key, so a rerun of a job (or two schedulers) queues each message once.

Prompts are channel-specific (a Teams card, an email with the reply form); each channel
registers a `PromptRenderer`. Reminders and the summary are plain notices.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Sequence
from typing import Protocol

from lagesbild.operations.notify import notice
from lagesbild.operations.priorities import priority_lines
from reporting.formatting import format_datetime, format_period
from reporting.model import Channel, Cycle, CycleState, Member, ReportingGroup, Role
from reporting.outbox import MessageKind, NewMessage
from reporting.questionnaire import Questionnaire
from reporting.response import response_of
from storage.database import Database
from storage.repositories import (
    CycleRepository,
    GroupRepository,
    MemberRepository,
    OutboxRepository,
    QuestionnaireRepository,
    SubmissionRepository,
)

log = logging.getLogger(__name__)


class PromptRenderer(Protocol):
    def __call__(
        self,
        *,
        member: Member,
        group: ReportingGroup,
        cycle: Cycle,
        questionnaire: Questionnaire,
        priorities: Sequence[str] = (),
    ) -> NewMessage: ...


async def _group_members(db: Database, group: ReportingGroup) -> list[Member]:
    async with db.session(readonly=True) as s:
        ids = await GroupRepository(s).member_ids(group.id)
        return [m for m in await MemberRepository(s).by_ids(ids) if m.active]


async def enqueue_prompts(
    db: Database,
    cycle: Cycle,
    *,
    renderers: dict[Channel, PromptRenderer],
    tz: zoneinfo.ZoneInfo,
    now: dt.datetime | None = None,
) -> int:
    """One prompt per active reporter of the cycle's group who is not away `now` (default: the
    real clock; it also picks Brå's current priorities)."""
    async with db.session(readonly=True) as s:
        group = await GroupRepository(s).get(cycle.group_id)
        questionnaire = await QuestionnaireRepository(s).get(cycle.questionnaire_id)
    today = (now or dt.datetime.now(dt.UTC)).astimezone(tz).date()
    priorities = await priority_lines(db, group.organisation_id, today)
    messages = []
    for member in await _group_members(db, group):
        if Role.REPORTER not in member.roles or member.is_away(today):
            continue
        renderer = renderers.get(member.channel)
        if renderer is None:
            log.warning(
                "no prompt renderer for channel %s; member %s gets no prompt", member.channel, member.id
            )
            continue
        messages.append(
            renderer(
                member=member, group=group, cycle=cycle, questionnaire=questionnaire, priorities=priorities
            )
        )
    async with db.session() as s:
        added = await OutboxRepository(s).enqueue(messages)
    log.info("cycle %s: %d prompts queued", cycle.id, added)
    return added


async def enqueue_due_reminders(db: Database, *, now: dt.datetime, tz: zoneinfo.ZoneInfo) -> int:
    """For each open cycle, the latest reminder whose time has come, to reporters who have
    not submitted and are not away (each reminder once per person)."""
    added = 0
    async with db.session(readonly=True) as s:
        groups = await GroupRepository(s).all()
    for group in groups:
        async with db.session(readonly=True) as s:
            cycles = await CycleRepository(s).in_state(group.id, CycleState.OPEN)
        for cycle in cycles:
            due = [h for h in group.schedule.reminder_hours if cycle.deadline - dt.timedelta(hours=h) <= now]
            if not due or now >= cycle.deadline:
                continue
            hours = min(due)
            added += await _remind(db, group, cycle, hours=hours, tz=tz, now=now)
    return added


async def _remind(db: Database, group: ReportingGroup, cycle: Cycle, *, hours: int, tz: zoneinfo.ZoneInfo,
                  now: dt.datetime) -> int:  # fmt: skip
    async with db.session(readonly=True) as s:
        submissions = await SubmissionRepository(s).for_cycle(cycle.id)
    members = await _group_members(db, group)
    response = response_of(members, submissions, on=now.astimezone(tz).date())
    period = format_period(cycle.period_from, cycle.period_to)
    deadline = format_datetime(cycle.deadline.astimezone(tz), year=False)
    messages = []
    for member in response.not_answered:
        draft = member in response.drafts
        text = (
            f"Påminnelse: lägesrapporten för {group.name} {period} ska vara inskickad senast {deadline}. "
            + ("Du har ett sparat utkast – glöm inte att trycka Skicka in." if draft else "")
            + (" Skriv **rapportera** så kommer kortet." if member.channel is Channel.TEAMS else
               " Svara på mejlet med frågorna.")
        )  # fmt: skip
        messages.append(
            notice(member, kind=MessageKind.REMINDER, subject=f"Påminnelse: lägesrapport {group.name} {period}",
                   text=text.strip(), dedupe_key=f"reminder:{cycle.id}:{member.id}:{hours}", cycle_id=cycle.id)
        )  # fmt: skip
    async with db.session() as s:
        return await OutboxRepository(s).enqueue(messages)


def _names(members: tuple[Member, ...]) -> str:
    def name(m: Member) -> str:
        bounced = m.channel is Channel.EMAIL and m.email_bounced_at is not None
        return f"{m.name} ({m.agency}, mejl till hen studsar)" if bounced else f"{m.name} ({m.agency})"

    return ", ".join(name(m) for m in members) or "–"


async def enqueue_deadline_summary(db: Database, cycle: Cycle, *, tz: zoneinfo.ZoneInfo) -> int:
    """At the deadline: to the coordinator and deputy, who reported, who reported nothing,
    who did not answer and who is away."""
    async with db.session(readonly=True) as s:
        group = await GroupRepository(s).get(cycle.group_id)
        submissions = await SubmissionRepository(s).for_cycle(cycle.id)
        organisation_members = await MemberRepository(s).all(group.organisation_id, active_only=True)
    members = await _group_members(db, group)
    response = response_of(members, submissions, on=cycle.deadline.astimezone(tz).date())
    period = format_period(cycle.period_from, cycle.period_to)
    text = "\n\n".join(
        [
            f"**Lägesrapport {group.name} {period}: sista dag har passerat.**",
            f"Rapporterade ({len(response.reported)}): {_names(response.reported)}",
            f"Inget att rapportera ({len(response.nothing)}): {_names(response.nothing)}",
            f"Har inte svarat ({len(response.not_answered)}): {_names(response.not_answered)}",
            f"Frånvarande ({len(response.away)}): {_names(response.away)}",
        ]
    )
    leads = [m for m in members if m.roles & {Role.COORDINATOR, Role.DEPUTY}]
    if not leads:
        leads = [m for m in organisation_members if m.roles & {Role.COORDINATOR, Role.DEPUTY}]
    messages = [
        notice(lead, kind=MessageKind.SUMMARY, subject=f"Svar på lägesrapport {group.name} {period}", text=text,
               dedupe_key=f"summary:{cycle.id}:{lead.id}", cycle_id=cycle.id)
        for lead in leads
    ]  # fmt: skip
    async with db.session() as s:
        return await OutboxRepository(s).enqueue(messages)
