"""What the Teams handler needs from the rest of the product, passed in at construction."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field

from storage.database import Database


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class BotServices:
    db: Database
    tz: zoneinfo.ZoneInfo
    locale: str = "sv"
    clock: Callable[[], dt.datetime] = field(default=_utc_now)
    # Called when messages became due (a person became reachable); the app wakes the outbox.
    wake_outbox: Callable[[], None] = field(default=lambda: None)
