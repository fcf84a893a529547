from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

import pytest

from reporting.calendar import is_working_day, previous_working_day
from reporting.planning import plan_cycle, plan_cycles
from reporting.questionnaire import load_preset

TZ = zoneinfo.ZoneInfo("Europe/Stockholm")
EST = load_preset("est-fagersta").default_schedule
FAS = load_preset("fas-ludvika").default_schedule


def test_christmas_meeting_moves_past_christmas_eve_to_the_23rd() -> None:
    friday = dataclasses.replace(EST, meeting_weekday=4)
    cycles = plan_cycles(friday, dt.date(2026, 11, 27), after=dt.date(2026, 11, 26), count=8, tz=TZ)
    assert len(cycles) == 8
    christmas = next(c for c in cycles if c.nominal_meeting == dt.date(2026, 12, 25))
    assert christmas.meeting_at.date() == dt.date(2026, 12, 23)
    assert christmas.moves[0].reason == "Juldagen"
    assert christmas.opens_at < christmas.deadline < christmas.meeting_at


def test_a_two_week_period_is_two_whole_iso_weeks_ending_with_the_meeting_week() -> None:
    cycle = plan_cycle(EST, dt.date(2026, 11, 26), TZ)
    assert (cycle.period_from, cycle.period_to) == (dt.date(2026, 11, 16), dt.date(2026, 11, 29))
    assert cycle.opens_at == dt.datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
    assert cycle.deadline == dt.datetime(2026, 11, 25, 12, 0, tzinfo=TZ)
    assert cycle.meeting_at == dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ)


def test_weekly_cadence_steps_one_week() -> None:
    cycles = plan_cycles(FAS, dt.date(2026, 11, 4), after=dt.date(2026, 11, 10), count=3, tz=TZ)
    assert [c.nominal_meeting for c in cycles] == [
        dt.date(2026, 11, 11),
        dt.date(2026, 11, 18),
        dt.date(2026, 11, 25),
    ]
    assert all((c.period_to - c.period_from).days == 6 for c in cycles)


def test_deadline_on_a_holiday_moves_earlier_and_stays_before_the_meeting() -> None:
    # Wednesday 6 Jan 2027 is Trettondedag jul.
    cycle = plan_cycle(dataclasses.replace(EST, meeting_weekday=4), dt.date(2027, 1, 8), TZ)
    assert cycle.deadline.date() == dt.date(2027, 1, 5)
    assert [m.what for m in cycle.moves] == ["deadline"]


def test_midsummer_and_new_years_eve_are_not_working_days() -> None:
    assert not is_working_day(dt.date(2026, 6, 19))  # midsommarafton
    assert not is_working_day(dt.date(2026, 12, 31))  # nyårsafton
    assert not is_working_day(dt.date(2026, 12, 24))  # julafton
    assert is_working_day(dt.date(2026, 12, 23))
    assert previous_working_day(dt.date(2027, 1, 1)) == dt.date(2026, 12, 30)


def test_planning_a_meeting_off_its_weekday_is_refused() -> None:
    with pytest.raises(ValueError):
        plan_cycle(EST, dt.date(2026, 11, 27), TZ)
