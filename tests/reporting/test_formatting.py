from __future__ import annotations

import datetime as dt

from reporting.formatting import format_datetime, format_period


def test_swedish_dates_read_as_people_write_them() -> None:
    assert format_datetime(dt.datetime(2026, 11, 24, 12, 0)) == "tis 24 nov 2026 kl. 12.00"
    assert format_datetime(dt.datetime(2026, 11, 24, 10, 42), year=False) == "tis 24 nov kl. 10.42"
    assert format_period(dt.date(2026, 11, 16), dt.date(2026, 11, 29)) == "v. 47–48, 16–29 nov"
    assert format_period(dt.date(2026, 11, 23), dt.date(2026, 12, 6)) == "v. 48–49, 23 nov–6 dec"
    assert format_period(dt.date(2026, 11, 23), dt.date(2026, 11, 29)) == "v. 48, 23–29 nov"


def test_english_is_the_second_locale() -> None:
    assert format_datetime(dt.datetime(2026, 11, 24, 12, 0), "en") == "Tue 24 Nov 2026 at 12:00"
    assert format_period(dt.date(2026, 11, 16), dt.date(2026, 11, 29), "en") == "wk 47–48, 16–29 Nov"
