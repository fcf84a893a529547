"""The outbox as operators and jobs use it: list the queue, run the dispatcher.

`lagesbild outbox list|run` are thin wrappers over these; `serve` embeds the same
Connector and Dispatcher in its application (see the package docstring).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
from dataclasses import dataclass
from typing import Any

from lagesbild.outbox.connector import Connector
from lagesbild.outbox.dispatcher import Dispatcher
from lagesbild.outbox.stats import DispatcherStats, RunSummary
from lagesbild.outbox.throttle import Limit, Throttle
from lagesbild.settings import Settings
from reporting.outbox import DeliveryState, OutboxMessage
from storage.database import Database
from storage.repositories import OutboxRepository

log = logging.getLogger(__name__)


async def list_messages(
    db: Database, state: DeliveryState | None = None, *, organisation_id: int | None = None
) -> list[OutboxMessage]:
    """The queue, oldest first; with `organisation_id`, that municipality's messages only."""
    async with db.session(readonly=True) as session:
        return await OutboxRepository(session).list(state, organisation_id=organisation_id)


async def count_by_state(db: Database) -> dict[DeliveryState, int]:
    async with db.session(readonly=True) as session:
        repo = OutboxRepository(session)
        return {state: await repo.count(state) for state in DeliveryState}


@dataclass(frozen=True)
class OutboxOptions:
    """Knobs of `lagesbild outbox run` (and, later, `serve`)."""

    lease: float = 60.0  # seconds a claimed row is ours; a dead worker's rows return after it
    tenant_rate: int = 30  # requests per second per tenant
    timeout: float = 30.0  # per Connector request; kept below the lease


def build_dispatcher(db: Database, connector: Connector, options: OutboxOptions, **kwargs: Any) -> Dispatcher:
    throttle = Throttle(tenant_limit=Limit(options.tenant_rate, 1.0))
    return Dispatcher(db, connector, lease=dt.timedelta(seconds=options.lease), throttle=throttle, **kwargs)


def connector_timeout(options: OutboxOptions) -> float:
    return min(options.timeout, options.lease / 2)


async def run_outbox(
    settings: Settings,
    db: Database,
    options: OutboxOptions,
    *,
    once: bool = False,
    stop: asyncio.Event | None = None,
    http_client: Any | None = None,
    senders: dict[str, Any] | None = None,
) -> RunSummary | DispatcherStats:
    """Deliver what is due once, or until `stop` is set (then stop gracefully). `senders`
    deliver the channels other than Teams (``{"email": …}``); their messages wait without."""
    async with Connector.from_settings(
        settings, http_client=http_client, timeout=connector_timeout(options)
    ) as connector:
        # LAGESBILD_NOW (tests, demos): due times are judged by the clock that stamped the messages.
        dispatcher = build_dispatcher(db, connector, options, senders=senders, clock=settings.clock())
        if once:
            return await dispatcher.run_once()
        # Everything loaded so far lives as long as the process: keep it out of the
        # collector's way, so full collections stay short while sends are paced.
        gc.collect()
        gc.freeze()
        await dispatcher.start()
        try:
            await (stop or asyncio.Event()).wait()
        finally:
            await dispatcher.stop()
        return dispatcher.stats
