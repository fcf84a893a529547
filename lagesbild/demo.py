"""The demo municipality: a group on the Fagersta template, its members and an open cycle.

Seeding is idempotent: a second `lagesbild demo` finds the municipality and leaves it as
it is, so answers given in an earlier demo are still there.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from importlib import resources

from lagesbild.operations.cycle_messages import PromptRenderer, enqueue_prompts
from lagesbild.operations.cycles import open_cycle, plan
from lagesbild.operations.groups import create_group, find_group
from lagesbild.operations.members import import_members
from reporting.model import Channel, Cycle, CycleState, ReportingGroup
from storage.database import Database
from storage.errors import NotFound
from storage.repositories import CycleRepository, OrganisationRepository

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
        csv_text = resources.files("lagesbild.demo_data").joinpath("members.csv").read_text("utf-8")
        await import_members(db, organisation=DEMO_ORGANISATION, csv_text=csv_text, group=DEMO_GROUP)
    group = await find_group(db, DEMO_ORGANISATION, DEMO_GROUP)
    async with db.session(readonly=True) as s:
        already_open = await CycleRepository(s).in_state(group.id, CycleState.OPEN)
    if already_open:
        return DemoWorld(group, already_open[0], created=not exists)
    await plan(db, group, count=4, now=now, tz=tz)
    cycle = await open_cycle(db, group, now=now)
    if renderers:
        await enqueue_prompts(db, cycle, renderers=renderers, tz=tz)
    return DemoWorld(group, cycle, created=not exists)
