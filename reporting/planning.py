"""Cycle planning: the dates of a group's next cycles from its cadence.

A cycle's period is the `cadence_weeks` ISO weeks that end with the meeting's week
("de senaste två veckorna"). In that last week the prompt opens, the deadline falls
and the meeting is held, each on its weekday. A meeting or deadline (or opening) that
falls on a weekend or a Swedish holiday moves to the previous working day, and the
order open < deadline < meeting always holds afterwards.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from reporting.calendar import is_working_day, previous_working_day, why_not_working
from reporting.model import Schedule


@dataclass(frozen=True, slots=True)
class Move:
    """One date moved off a non-working day: which, from when, why."""

    what: str  # "meeting", "deadline" or "open"
    original: dt.date
    reason: str


@dataclass(frozen=True, slots=True)
class PlannedCycle:
    period_from: dt.date
    period_to: dt.date
    opens_at: dt.datetime
    deadline: dt.datetime
    meeting_at: dt.datetime
    nominal_meeting: dt.date
    moves: tuple[Move, ...] = ()


def _on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def _at(day: dt.date, time: dt.time, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=tz)


def first_meeting_on_or_after(schedule: Schedule, day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(schedule.meeting_weekday - day.weekday()) % 7)


def plan_cycle(schedule: Schedule, nominal_meeting: dt.date, tz: zoneinfo.ZoneInfo) -> PlannedCycle:
    if nominal_meeting.weekday() != schedule.meeting_weekday:
        raise ValueError(f"{nominal_meeting} is not on the group's meeting weekday")
    moves: list[Move] = []

    def working(what: str, day: dt.date) -> dt.date:
        if is_working_day(day):
            return day
        moves.append(Move(what, day, why_not_working(day)))
        return previous_working_day(day)

    week_start = nominal_meeting - dt.timedelta(days=nominal_meeting.weekday())
    period_from = week_start - dt.timedelta(weeks=schedule.cadence_weeks - 1)
    period_to = week_start + dt.timedelta(days=6)

    meeting = _at(working("meeting", nominal_meeting), schedule.meeting_time, tz)

    deadline_day = working("deadline", _on_or_before(nominal_meeting, schedule.deadline_weekday))
    deadline = _at(deadline_day, schedule.deadline_time, tz)
    if deadline >= meeting:
        deadline = _at(
            previous_working_day(meeting.date() - dt.timedelta(days=1)), schedule.deadline_time, tz
        )

    open_day = working("open", _on_or_before(deadline.date(), schedule.open_weekday))
    opens_at = _at(open_day, schedule.open_time, tz)
    if opens_at >= deadline:
        opens_at = _at(previous_working_day(deadline.date() - dt.timedelta(days=1)), schedule.open_time, tz)

    return PlannedCycle(period_from, period_to, opens_at, deadline, meeting, nominal_meeting, tuple(moves))


def plan_cycles(
    schedule: Schedule,
    first_meeting: dt.date,
    *,
    after: dt.date,
    count: int,
    tz: zoneinfo.ZoneInfo,
) -> list[PlannedCycle]:
    """The next `count` cycles whose nominal meeting falls after `after`, on the group's rhythm
    counted from `first_meeting` (every `cadence_weeks` weeks)."""
    if count < 0:
        raise ValueError("count must not be negative")
    step = dt.timedelta(weeks=schedule.cadence_weeks)
    meeting = first_meeting
    if meeting <= after:
        skipped = (after - meeting) // step + 1
        meeting += step * skipped
    cycles = []
    for _ in range(count):
        cycles.append(plan_cycle(schedule, meeting, tz))
        meeting += step
    return cycles
