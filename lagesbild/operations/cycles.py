"""Planning, opening and closing cycles. The scheduler's jobs call `open_due_cycles` and
`close_due_cycles`; both only act on what is due, so running them twice changes nothing."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from lagesbild.operations.errors import ConflictError, InputError
from lagesbild.operations.scope import cycle_in
from reporting.model import Cycle, CycleState, ReportingGroup
from reporting.planning import PlannedCycle, plan_cycles
from storage.database import Database
from storage.repositories import CycleRepository, GroupRepository

PLAN_AHEAD = 4


@dataclass(frozen=True, slots=True)
class PlannedRow:
    cycle: Cycle
    plan: PlannedCycle


async def plan(
    db: Database, group: ReportingGroup, *, count: int, now: dt.datetime, tz: zoneinfo.ZoneInfo
) -> list[PlannedRow]:
    """Plan the group's next `count` cycles after the last one stored, skipping any whose
    deadline has already passed (a cycle nobody could answer in time)."""
    if not 1 <= count <= 104:
        raise InputError("Antal cykler ska vara 1–104")
    yesterday = now.astimezone(tz).date() - dt.timedelta(days=1)
    async with db.session() as s:
        repo = CycleRepository(s)
        latest = await repo.latest(group.id)
        after = max(yesterday, latest.period_to) if latest else yesterday
        candidates = plan_cycles(group.schedule, group.first_meeting, after=after, count=count + 1, tz=tz)
        planned = [p for p in candidates if p.deadline > now][:count]
        stored = await repo.add_planned(group.id, group.questionnaire_id, planned)
    by_start = {c.period_from: c for c in stored}
    return [PlannedRow(by_start[p.period_from], p) for p in planned]


async def ensure_planned(
    db: Database, *, now: dt.datetime, tz: zoneinfo.ZoneInfo, ahead: int = PLAN_AHEAD
) -> int:
    """Keep every group `ahead` cycles planned beyond now; returns how many were added."""
    added = 0
    async with db.session(readonly=True) as s:
        groups = await GroupRepository(s).all()
    for group in groups:
        async with db.session() as s:
            cycles = await CycleRepository(s).for_group(group.id)
        upcoming = [c for c in cycles if c.deadline > now]
        missing = ahead - len(upcoming)
        if missing > 0:
            added += len(await plan(db, group, count=missing, now=now, tz=tz))
    return added


async def list_cycles(
    db: Database, group: ReportingGroup | None = None, *, organisation_id: int | None = None
) -> list[tuple[str, Cycle]]:
    """The group's cycles; without a group, the organisation's (every one's when neither)."""
    async with db.session(readonly=True) as s:
        if group is not None:
            return [(group.name, c) for c in await CycleRepository(s).for_group(group.id)]
        return await CycleRepository(s).all(organisation_id)


async def open_due_cycles(db: Database, *, now: dt.datetime) -> list[Cycle]:
    """Open every planned cycle whose time has come. Each is opened by exactly one caller."""
    opened = []
    async with db.session() as s:
        due = await CycleRepository(s).due_to_open(now)
    for cycle in due:
        async with db.session() as s:
            if await CycleRepository(s).transition(cycle.id, (CycleState.PLANNED,), CycleState.OPEN, now):
                opened.append(await CycleRepository(s).get(cycle.id))
    return opened


async def close_due_cycles(db: Database, *, now: dt.datetime) -> list[Cycle]:
    """Close every cycle whose deadline has passed (also one that never opened)."""
    closed = []
    async with db.session() as s:
        due = await CycleRepository(s).due_to_close(now)
    for cycle in due:
        async with db.session() as s:
            if await CycleRepository(s).transition(
                cycle.id, (CycleState.OPEN, CycleState.PLANNED), CycleState.CLOSED, now
            ):
                closed.append(await CycleRepository(s).get(cycle.id))
    return closed


async def _cycle(db: Database, group: ReportingGroup, cycle_id: int | None, state: CycleState) -> Cycle:
    if cycle_id is not None:
        cycle = await cycle_in(db, group.organisation_id, cycle_id)  # another municipality's is refused
        if cycle.group_id != group.id:
            raise InputError(f"Cykel {cycle_id} hör inte till gruppen {group.name}")
        return cycle
    async with db.session(readonly=True) as s:
        candidates = await CycleRepository(s).in_state(group.id, state)
    if not candidates:
        word = {"planned": "planerad", "open": "öppen"}[state.value]
        raise ConflictError(f"Gruppen {group.name} har ingen {word} cykel")
    return candidates[0]


async def open_cycle(
    db: Database, group: ReportingGroup, *, now: dt.datetime, cycle_id: int | None = None
) -> Cycle:
    """Open the group's next planned cycle (or the given one) now, ahead of its schedule."""
    cycle = await _cycle(db, group, cycle_id, CycleState.PLANNED)
    if cycle.deadline <= now:
        raise ConflictError(f"Cykel {cycle.id} har redan passerat sista dag och kan inte öppnas")
    async with db.session() as s:
        repo = CycleRepository(s)
        open_now = await repo.in_state(group.id, CycleState.OPEN)
        if open_now:
            raise ConflictError(f"Cykel {open_now[0].id} är redan öppen; stäng den först")
        if not await repo.transition(cycle.id, (CycleState.PLANNED,), CycleState.OPEN, now):
            raise ConflictError(f"Cykel {cycle.id} är inte planerad längre")
        return await repo.get(cycle.id)


async def close_cycle(
    db: Database, group: ReportingGroup, *, now: dt.datetime, cycle_id: int | None = None
) -> Cycle:
    cycle = await _cycle(db, group, cycle_id, CycleState.OPEN)
    async with db.session() as s:
        repo = CycleRepository(s)
        if not await repo.transition(cycle.id, (CycleState.OPEN,), CycleState.CLOSED, now):
            raise ConflictError(f"Cykel {cycle.id} är inte öppen")
        return await repo.get(cycle.id)
