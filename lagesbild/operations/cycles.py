"""Planning, opening and closing cycles. The scheduler's jobs call `open_due_cycles` and
`close_due_cycles`; both only act on what is due, so running them twice changes nothing.

Opening a cycle and queueing its prompts is one transaction, whoever opens it (the scheduler
in `serve`, `jobs run`, `jobs run-once`, `cycle open`): the state change is a conditional
UPDATE, and only the caller whose UPDATE changed the row queues the prompts, so a crash
never leaves an open cycle without them and the loser of a race queues nothing. Closing and
the coordinator's deadline summary are one transaction in the same way. The outbox's dedupe
keys stay as a second guard.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lagesbild.operations.cycle_messages import Renderers, queue_deadline_summary, queue_prompts
from lagesbild.operations.errors import ConflictError, InputError
from lagesbild.operations.scope import cycle_in
from reporting.model import Cycle, CycleState, ReportingGroup
from reporting.outbox import MessageKind
from reporting.planning import PlannedCycle, plan_cycles
from storage.database import Database
from storage.repositories import CycleRepository, GroupRepository, OutboxRepository

log = logging.getLogger(__name__)

PLAN_AHEAD = 4


@dataclass(frozen=True, slots=True)
class PlannedRow:
    cycle: Cycle
    plan: PlannedCycle


@dataclass(frozen=True, slots=True)
class Opened:
    cycle: Cycle
    prompts: int  # queued in the same transaction
    planned: bool = False  # `open_cycle` planned it first, because nothing was planned


@dataclass(frozen=True, slots=True)
class Closed:
    cycle: Cycle
    summaries: int  # the deadline summary, queued in the same transaction (one per lead)


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


async def _open(
    s: AsyncSession, cycle_id: int, *, now: dt.datetime, renderers: Renderers, tz: zoneinfo.ZoneInfo
) -> Opened | None:
    """PLANNED → OPEN and its prompts, in the caller's transaction; None when the cycle was not
    planned any more (another caller opened it first, and queued the prompts)."""
    repo = CycleRepository(s)
    if not await repo.transition(cycle_id, (CycleState.PLANNED,), CycleState.OPEN, now):
        return None
    cycle = await repo.get(cycle_id)
    return Opened(cycle, await queue_prompts(s, cycle, renderers=renderers, tz=tz, now=now))


async def _close(
    s: AsyncSession, cycle_id: int, from_states: tuple[CycleState, ...], *, now: dt.datetime,
    tz: zoneinfo.ZoneInfo,
) -> Closed | None:  # fmt: skip
    """→ CLOSED and the deadline summary, in the caller's transaction; None when the cycle was
    in none of `from_states` (another caller closed it first)."""
    repo = CycleRepository(s)
    if not await repo.transition(cycle_id, from_states, CycleState.CLOSED, now):
        return None
    cycle = await repo.get(cycle_id)
    return Closed(cycle, await queue_deadline_summary(s, cycle, tz=tz, now=now))


async def open_due_cycles(
    db: Database, *, now: dt.datetime, renderers: Renderers, tz: zoneinfo.ZoneInfo
) -> list[Opened]:
    """Open every planned cycle whose time has come, each with its prompts. Each is opened by
    exactly one caller."""
    async with db.session(readonly=True) as s:
        due = await CycleRepository(s).due_to_open(now)
    opened = []
    for cycle in due:
        async with db.session() as s:
            done = await _open(s, cycle.id, now=now, renderers=renderers, tz=tz)
        if done is not None:
            opened.append(done)
    return opened


async def prompt_unprompted_cycles(
    db: Database, *, now: dt.datetime, renderers: Renderers, tz: zoneinfo.ZoneInfo
) -> list[Opened]:
    """Repair: an open cycle (deadline ahead) without a single prompt in the outbox gets its
    prompts now. Before opening and prompting were one transaction, `jobs run-once` and
    `jobs run` opened cycles without prompts. Only a cycle with no prompt at all is touched,
    so nobody who got a prompt gets another, and a member added to a prompted cycle is not
    prompted by this; the cycle row is locked and the outbox checked again inside the
    transaction, so two schedulers repair it once."""
    async with db.session(readonly=True) as s:
        candidates = await CycleRepository(s).open_before_deadline(now)
    repaired = []
    for cycle in candidates:
        async with db.session(readonly=True) as s:
            if await _prompted(s, cycle):
                continue
        async with db.session() as s:
            locked = await CycleRepository(s).lock(cycle.id)
            if locked.state is not CycleState.OPEN or await _prompted(s, locked):
                continue
            added = await queue_prompts(s, locked, renderers=renderers, tz=tz, now=now)
        if added:
            log.warning("cycle %s was open without prompts; %d queued now", cycle.id, added)
            repaired.append(Opened(locked, added))
    return repaired


async def _prompted(s: AsyncSession, cycle: Cycle) -> bool:
    members = await GroupRepository(s).member_ids(cycle.group_id)
    return await OutboxRepository(s).any_for_cycle(cycle.id, MessageKind.PROMPT, members)


async def close_due_cycles(db: Database, *, now: dt.datetime, tz: zoneinfo.ZoneInfo) -> list[Closed]:
    """Close every cycle whose deadline has passed (also one that never opened), each with the
    coordinator's deadline summary."""
    async with db.session(readonly=True) as s:
        due = await CycleRepository(s).due_to_close(now)
    closed = []
    for cycle in due:
        async with db.session() as s:
            done = await _close(s, cycle.id, (CycleState.OPEN, CycleState.PLANNED), now=now, tz=tz)
        if done is not None:
            closed.append(done)
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


async def _next_to_open(
    db: Database, group: ReportingGroup, *, now: dt.datetime, tz: zoneinfo.ZoneInfo
) -> tuple[Cycle, bool]:
    """The group's next planned cycle that can still be answered; planned now if there is none.
    True with it when it was planned here."""
    async with db.session(readonly=True) as s:
        repo = CycleRepository(s)
        open_now = await repo.in_state(group.id, CycleState.OPEN)
        upcoming = [c for c in await repo.in_state(group.id, CycleState.PLANNED) if c.deadline > now]
    if open_now:
        raise _already_open(open_now[0], None)
    if upcoming:
        return upcoming[0], False
    rows = await plan(db, group, count=1, now=now, tz=tz)
    if not rows:
        raise ConflictError(f"Gruppen {group.name} har ingen cykel att öppna")
    return rows[0].cycle, True


def _already_open(open_now: Cycle, wanted: Cycle | None) -> ConflictError:
    if wanted is not None and wanted.id == open_now.id:
        return ConflictError(f"Cykel {open_now.id} är redan öppen; frågorna ligger redan i kön")
    return ConflictError(
        f"Cykel {open_now.id} är redan öppen (frågorna ligger i kön); stäng den först för att öppna nästa"
    )


async def open_cycle(
    db: Database,
    group: ReportingGroup,
    *,
    now: dt.datetime,
    tz: zoneinfo.ZoneInfo,
    renderers: Renderers,
    cycle_id: int | None = None,
) -> Opened:
    """Open the group's next planned cycle (or the given one) now, ahead of its schedule, with
    its prompts. With nothing planned, the next cycle is planned and opened."""
    planned = False
    if cycle_id is None:
        cycle, planned = await _next_to_open(db, group, now=now, tz=tz)
    else:
        cycle = await _cycle(db, group, cycle_id, CycleState.PLANNED)
    if cycle.deadline <= now:
        raise ConflictError(f"Cykel {cycle.id} har redan passerat sista dag och kan inte öppnas")
    async with db.session() as s:
        repo = CycleRepository(s)
        open_now = await repo.in_state(group.id, CycleState.OPEN)
        if open_now:
            raise _already_open(open_now[0], cycle)
        opened = await _open(s, cycle.id, now=now, renderers=renderers, tz=tz)
        if opened is None:
            state = (await repo.lock(cycle.id)).state
            if state is CycleState.OPEN:
                raise _already_open(cycle, cycle)
            raise ConflictError(f"Cykel {cycle.id} är inte planerad längre")
    return Opened(opened.cycle, opened.prompts, planned)


async def close_cycle(
    db: Database, group: ReportingGroup, *, now: dt.datetime, tz: zoneinfo.ZoneInfo, cycle_id: int | None = None
) -> Closed:
    """Close the group's open cycle (or the given one) now, with the coordinator's summary."""
    cycle = await _cycle(db, group, cycle_id, CycleState.OPEN)
    async with db.session() as s:
        closed = await _close(s, cycle.id, (CycleState.OPEN,), now=now, tz=tz)
        if closed is None:
            raise ConflictError(f"Cykel {cycle.id} är inte öppen")
    return closed

