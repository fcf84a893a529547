"""Swedish working days: weekends, public holidays and the de facto holidays (julafton,
midsommarafton, nyårsafton, påskafton, pingstafton) on which nobody holds a meeting."""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays


@cache
def _swedish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(
        "SE", years=year, categories=("public", "de_facto"), language="sv", include_sundays=False
    )


def holiday_name(day: dt.date) -> str | None:
    """The holiday's Swedish name, or None on an ordinary day."""
    name = _swedish_holidays(day.year).get(day)
    return str(name) if name else None


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and holiday_name(day) is None


def previous_working_day(day: dt.date) -> dt.date:
    """`day` itself when it is a working day, else the closest working day before it."""
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def why_not_working(day: dt.date, locale: str = "sv") -> str:
    name = holiday_name(day)
    if name:
        return name
    if locale == "sv":
        return "lördag" if day.weekday() == 5 else "söndag"
    return "Saturday" if day.weekday() == 5 else "Sunday"
