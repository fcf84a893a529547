"""How the command line shows cycles, groups and members (Swedish)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from reporting.formatting import format_datetime, format_day, format_period
from reporting.model import Cycle, CycleState, Member, ReportingGroup
from reporting.planning import PlannedCycle

STATE_WORDS = {"planned": "planerad", "open": "öppen", "closed": "stängd", "digested": "sammanställd"}
ROLE_WORDS = {
    "reporter": "rapportör",
    "coordinator": "samordnare",
    "deputy": "ersättare",
    "bra": "Brå",
    "admin": "admin",
}
WEEKDAY_NAMES = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


def cycle_json(group: str, cycle: Cycle) -> dict[str, Any]:
    return {
        "id": cycle.id,
        "group": group,
        "state": cycle.state.value,
        "opens_at": cycle.opens_at.isoformat(),
        "deadline": cycle.deadline.isoformat(),
        "meeting_at": cycle.meeting_at.isoformat(),
        "period": {"from": cycle.period_from.isoformat(), "to": cycle.period_to.isoformat()},
    }


def _opening(cycle: Cycle, tz: zoneinfo.ZoneInfo, now: dt.datetime | None) -> str:
    if cycle.opened_at:
        return f"öppnad {format_datetime(cycle.opened_at.astimezone(tz))}"
    opens = format_datetime(cycle.opens_at.astimezone(tz))
    if now is not None and cycle.state is CycleState.PLANNED and cycle.opens_at <= now:
        return f"öppnas så snart schemaläggaren kör (utskickstiden {opens} har passerat)"
    return f"öppnas {opens}"


def cycle_line(
    group: str,
    cycle: Cycle,
    tz: zoneinfo.ZoneInfo,
    plan: PlannedCycle | None = None,
    *,
    now: dt.datetime | None = None,
) -> str:
    """One cycle for the terminal; with `now`, a planned cycle whose prompt time has passed
    says that it opens when the scheduler next runs."""
    local = lambda moment: format_datetime(moment.astimezone(tz))  # noqa: E731
    line = (
        f"{cycle.id:>4}  {group:<6} {format_period(cycle.period_from, cycle.period_to):<24} "
        + _opening(cycle, tz, now)
        + f" · sista dag {local(cycle.deadline)} · "
        f"möte {local(cycle.meeting_at)}  [{STATE_WORDS[cycle.state.value]}]"
    )
    if plan is not None:
        words = {"meeting": "mötet", "deadline": "sista dag", "open": "utskicket"}
        for move in plan.moves:
            line += f"\n        {words[move.what]} flyttat från {format_day(move.original)} ({move.reason})"
    return line


def group_line(group: ReportingGroup) -> str:
    s = group.schedule
    every = "varje vecka" if s.cadence_weeks == 1 else f"var {s.cadence_weeks}:e vecka"
    every = "varannan vecka" if s.cadence_weeks == 2 else every
    return (
        f"{group.name} ({group.preset}): möte {every} på {WEEKDAY_NAMES[s.meeting_weekday]} "
        f"kl. {s.meeting_time:%H.%M}, sista dag {WEEKDAY_NAMES[s.deadline_weekday]} kl. {s.deadline_time:%H.%M}, "
        f"utskick {WEEKDAY_NAMES[s.open_weekday]} kl. {s.open_time:%H.%M}; första möte {format_day(group.first_meeting)}; "
        + (f"påminnelser {', '.join(str(h) for h in s.reminder_hours)} timmar före sista dag" if s.reminder_hours
           else "inga påminnelser")
    )  # fmt: skip


def member_line(member: Member) -> str:
    roles = ", ".join(ROLE_WORDS[r.value] for r in sorted(member.roles))
    away = f"  frånvarande t.o.m. {format_day(member.away_until)}" if member.away_until else ""
    bounced = (
        f"  mejl studsar sedan {format_day(member.email_bounced_at.date())}" if member.email_bounced_at else ""
    )
    return (
        f"{member.name:<24} {member.email:<32} {member.agency:<14} {member.channel.value:<6} {roles}{away}{bounced}"
    )


def member_json(member: Member) -> dict[str, Any]:
    return {
        "name": member.name,
        "email": member.email,
        "agency": member.agency,
        "roles": sorted(r.value for r in member.roles),
        "channel": member.channel.value,
        "away_until": member.away_until.isoformat() if member.away_until else None,
        "active": member.active,
        "email_bounced_at": member.email_bounced_at.isoformat() if member.email_bounced_at else None,
        "email_bounce": member.email_bounce,
    }
