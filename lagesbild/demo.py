"""The demo municipality: a group on the Fagersta template, its members (the Agents
Playground's mock users), the municipality's place names, four earlier periods of reports
(so trends and recurring problems show at once), two reports already in for the open
period, and the Teams channels linked (EST for the group, General for Brå).

Seeding is idempotent: a second `lagesbild demo` finds the municipality and leaves its
reports as they are, so answers given in an earlier demo are still there.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass
from importlib import resources

from lagesbild.operations.cycle_messages import PromptRenderer, enqueue_prompts
from lagesbild.operations.cycles import open_cycle, plan
from lagesbild.operations.groups import create_group, find_group
from lagesbild.operations.history import import_reports
from lagesbild.operations.members import import_members
from lagesbild.operations.places import import_places
from lagesbild.operations.reports import member_by_identity, report_context, save_report
from reporting.model import Answer, Channel, Cycle, CycleState, ReportingGroup
from storage.database import Database
from storage.errors import NotFound
from storage.repositories import CycleRepository, GroupRepository, OrganisationRepository, TeamsRepository
from storage.repositories.teams import LinkedChannel, TeamsTeam

DEMO_ORGANISATION = "Demokommunen"
DEMO_GROUP = "EST"


@dataclass(frozen=True, slots=True)
class DemoWorld:
    group: ReportingGroup
    open_cycle: Cycle
    created: bool


async def seed_demo(
    db: Database,
    *,
    now: dt.datetime,
    tz: zoneinfo.ZoneInfo,
    renderers: dict[Channel, PromptRenderer] | None = None,
) -> DemoWorld:
    """The demo municipality with an open cycle; its prompts are queued with `renderers`."""
    async with db.session(readonly=True) as s:
        try:
            await OrganisationRepository(s).by_name(DEMO_ORGANISATION)
            exists = True
        except NotFound:
            exists = False
    if not exists:
        await create_group(
            db,
            organisation=DEMO_ORGANISATION,
            name=DEMO_GROUP,
            preset="est-fagersta",
            today=now.astimezone(tz).date(),
            tz=tz,
        )
        await import_members(
            db, organisation=DEMO_ORGANISATION, csv_text=_data("members.csv"), group=DEMO_GROUP
        )
        await import_places(db, organisation=DEMO_ORGANISATION, text=_data("places.txt"))
    group = await find_group(db, DEMO_ORGANISATION, DEMO_GROUP)
    async with db.session(readonly=True) as s:
        already_open = await CycleRepository(s).in_state(group.id, CycleState.OPEN)
    if already_open:
        return DemoWorld(group, already_open[0], created=not exists)
    await plan(db, group, count=4, now=now, tz=tz)
    cycle = await open_cycle(db, group, now=now)
    if not exists:
        await _seed_reports(db, group, cycle, now=now, tz=tz)
    if renderers:
        await enqueue_prompts(db, cycle, renderers=renderers, tz=tz, now=now)
    return DemoWorld(group, cycle, created=not exists)


def _data(name: str) -> str:
    return resources.files("lagesbild.demo_data").joinpath(name).read_text("utf-8")


async def _seed_reports(
    db: Database, group: ReportingGroup, cycle: Cycle, *, now: dt.datetime, tz: zoneinfo.ZoneInfo
) -> None:
    """Earlier periods through `reports import` (as a municipality would load its history),
    and the open period's first reports through the same path a Teams answer takes."""
    reports = json.loads(_data("reports.json"))
    step = dt.timedelta(weeks=group.schedule.cadence_weeks)
    lines = []
    for entry in reports["history"]:
        start = cycle.period_from - step * entry["back"]
        answers = {n: {"nothing_to_report": False, **a} for n, a in entry["answers"].items()}
        lines.append(json.dumps({
            "reporter": entry["reporter"], "channel": "teams", "answers": answers,
            "period": {"from": start.isoformat(), "to": (start + step - dt.timedelta(days=1)).isoformat()},
        }, ensure_ascii=False))  # fmt: skip
    await import_reports(db, organisation=DEMO_ORGANISATION, text="\n".join(lines), today=now.astimezone(tz).date(),
                         tz=tz, now=now, group=group.name)  # fmt: skip
    for entry in reports["open"]:
        member = await member_by_identity(db, aad_object_id=None, email=entry["reporter"])
        assert member is not None
        context = await report_context(db, member, cycle.id)
        answers = {n: Answer(question=n, observations=a.get("observations", ""), impact=a.get("impact"),
                             comment=a.get("comment", "")) for n, a in entry["answers"].items()}  # fmt: skip
        for q in context.questionnaire.numbers:
            answers.setdefault(q, Answer(question=q, nothing_to_report=True))
        await save_report(db, context, answers, channel=Channel.TEAMS, submit=True, now=now)


async def link_demo_channels(
    db: Database, *, group: ReportingGroup, service_url: str, tenant_id: str, team_id: str, group_channel: str,
    bra_channel: str, now: dt.datetime, bra_service_url: str | None = None,
) -> None:  # fmt: skip
    """The Playground's EST channel for the group, its General channel for Brå (posted through
    `bra_service_url` when Brå's member has a Playground of their own)."""
    async with db.session() as s:
        repo = TeamsRepository(s)
        await repo.save_team(TeamsTeam(team_id, group.organisation_id, DEMO_ORGANISATION, tenant_id, service_url,
                                       "", team_id), now=now)  # fmt: skip
        links = (
            (group_channel, "group", group.id, service_url),
            (bra_channel, "bra", None, bra_service_url or service_url),
        )
        for channel, purpose, group_id, url in links:
            await repo.link_channel(LinkedChannel(channel, group.organisation_id, purpose, group_id, url,
                                                  tenant_id), team_id=team_id, by=None, now=now)  # fmt: skip
        await GroupRepository(s).set_channel(group.id, group_channel)
