"""What the Teams handler needs from the rest of the product, passed in at construction."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from reporting.model import Cycle
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
    # What follows a cycle closing (the deadline summary, the digest); the app sets it to the
    # scheduler's own hooks so a close from the chat does exactly what the deadline does.
    after_close: Callable[[Cycle], Awaitable[None]] | None = None
