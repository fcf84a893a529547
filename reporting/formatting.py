"""Dates, weeks and periods the way Swedish municipal staff write them.

"tis 24 nov 2026 kl. 12.00", "v. 47–48, 16–29 nov". Babel supplies the locale's names;
the month abbreviation is shown without its CLDR full stop, as people write it in Swedish.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

EN_DASH = "–"


def _weekday(day: dt.date, locale: str) -> str:
    return format_date(day, "EEE", locale=locale).rstrip(".")


def _month(day: dt.date, locale: str) -> str:
    return format_date(day, "MMM", locale=locale).rstrip(".")


def format_day(day: dt.date, locale: str = "sv", *, year: bool = True) -> str:
    """ "tis 24 nov 2026" (or "Tue 24 Nov 2026")."""
    text = f"{_weekday(day, locale)} {day.day} {_month(day, locale)}"
    return f"{text} {day.year}" if year else text


def format_time(moment: dt.time | dt.datetime, locale: str = "sv") -> str:
    if locale == "sv":
        return f"kl. {moment.hour:02d}.{moment.minute:02d}"
    return f"at {moment.hour:02d}:{moment.minute:02d}"


def format_datetime(moment: dt.datetime, locale: str = "sv", *, year: bool = True) -> str:
    """ "tis 24 nov 2026 kl. 12.00"."""
    return f"{format_day(moment.date(), locale, year=year)} {format_time(moment, locale)}"


def iso_week(day: dt.date) -> int:
    return day.isocalendar().week


def format_weeks(start: dt.date, end: dt.date, locale: str = "sv") -> str:
    """ "v. 47–48" or "v. 47" (English: "wk 47–48")."""
    prefix = "v." if locale == "sv" else "wk"
    first, last = iso_week(start), iso_week(end)
    return f"{prefix} {first}" if first == last else f"{prefix} {first}{EN_DASH}{last}"


def format_period(start: dt.date, end: dt.date, locale: str = "sv") -> str:
    """ "v. 47–48, 16–29 nov"; across months "v. 48–49, 23 nov–6 dec"."""
    if (start.year, start.month) == (end.year, end.month):
        days = f"{start.day}{EN_DASH}{end.day} {_month(end, locale)}"
    else:
        days = f"{start.day} {_month(start, locale)}{EN_DASH}{end.day} {_month(end, locale)}"
    return f"{format_weeks(start, end, locale)}, {days}"
