"""The messages a cycle produces: prompts when it opens, reminders before the deadline,
and the coordinator's summary at the deadline. All go through the outbox with a
dedupe key, so a rerun of a job (or two schedulers) queues each message once.

Prompts are channel-specific (a Teams card, an email with the reply form); each channel
registers a `PromptRenderer`. Reminders and the summary are plain notices.

`queue_prompts` and `queue_deadline_summary` work inside the caller's session, so that
opening and closing a cycle (`lagesbild.operations.cycles`) queue them in the transaction of
the state change.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from lagesbild.operations.notify import notice
from reporting.bra import wording
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
from storage.repositories.priorities import PriorityRepository

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


Renderers = Mapping[Channel, PromptRenderer]


async def _members_of(s: AsyncSession, group: ReportingGroup) -> list[Member]:
    ids = await GroupRepository(s).member_ids(group.id)
    return [m for m in await MemberRepository(s).by_ids(ids) if m.active]


async def _group_members(db: Database, group: ReportingGroup) -> list[Member]:
    async with db.session(readonly=True) as s:
        return await _members_of(s, group)


async def queue_prompts(
    s: AsyncSession, cycle: Cycle, *, renderers: Renderers, tz: zoneinfo.ZoneInfo, now: dt.datetime
) -> int:
    """Within the session `s`: one prompt per active reporter of the cycle's group who is not
    away, rendered for the member's channel (the dedupe key `prompt:{cycle}:{member}` keeps it
    to one per person, whoever queues it). Returns how many were added."""
    group = await GroupRepository(s).get(cycle.group_id)
    questionnaire = await QuestionnaireRepository(s).get(cycle.questionnaire_id)
    today = now.astimezone(tz).date()
    current = await PriorityRepository(s).current(group.organisation_id, today)
    priorities = [wording.priority_line(p) for p in current]  # as `priorities.priority_lines`, in this session
    messages = []
    # In member order, so two sessions inserting the same keys never wait on each other crosswise.
    for member in sorted(await _members_of(s, group), key=lambda m: m.id):
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
    added = await OutboxRepository(s).enqueue(messages, now=now)
    log.log(logging.INFO if added else logging.DEBUG, "cycle %s: %d prompts queued", cycle.id, added)
    return added


async def enqueue_prompts(
    db: Database, cycle: Cycle, *, renderers: Renderers, tz: zoneinfo.ZoneInfo, now: dt.datetime | None = None
) -> int:
    """`queue_prompts` in a transaction of its own, for a cycle that is already open.
    Opening a cycle queues its prompts itself (`lagesbild.operations.cycles`)."""
    async with db.session() as s:
        return await queue_prompts(s, cycle, renderers=renderers, tz=tz, now=now or dt.datetime.now(dt.UTC))


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
        return await OutboxRepository(s).enqueue(messages, now=now)


def _names(members: tuple[Member, ...]) -> str:
    def name(m: Member) -> str:
        bounced = m.channel is Channel.EMAIL and m.email_bounced_at is not None
        return f"{m.name} ({m.agency}, mejl till hen studsar)" if bounced else f"{m.name} ({m.agency})"

    return ", ".join(name(m) for m in members) or "–"


async def queue_deadline_summary(
    s: AsyncSession, cycle: Cycle, *, tz: zoneinfo.ZoneInfo, now: dt.datetime
) -> int:
    """Within the session `s`, at the deadline: to the coordinator and deputy, who reported, who
    reported nothing, who did not answer and who is away (once per lead: `summary:{cycle}:{lead}`)."""
    group = await GroupRepository(s).get(cycle.group_id)
    submissions = await SubmissionRepository(s).for_cycle(cycle.id)
    organisation_members = await MemberRepository(s).all(group.organisation_id, active_only=True)
    members = await _members_of(s, group)
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
    return await OutboxRepository(s).enqueue(messages, now=now)


async def enqueue_deadline_summary(
    db: Database, cycle: Cycle, *, tz: zoneinfo.ZoneInfo, now: dt.datetime | None = None
) -> int:
    """`queue_deadline_summary` in a transaction of its own. Closing a cycle queues the
    summary itself (`lagesbild.operations.cycles`)."""
    async with db.session() as s:
        return await queue_deadline_summary(s, cycle, tz=tz, now=now or dt.datetime.now(dt.UTC))
