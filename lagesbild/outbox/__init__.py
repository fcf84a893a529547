"""Outgoing messages: the Bot Connector client, rate limits and the outbox dispatcher.

Wiring (an aiohttp app's cleanup context, or `lagesbild outbox run`)::

    async with Connector.from_settings(settings) as connector:
        dispatcher = Dispatcher(db, connector, on_recipient_gone=tell_coordinator)
        await dispatcher.start()
        ...
        await dispatcher.stop()
"""

from lagesbild.outbox.connector import Connector
from lagesbild.outbox.dispatcher import Dispatcher, MessageSender
from lagesbild.outbox.results import SendResult
from lagesbild.outbox.retry import RetryPolicy
from lagesbild.outbox.stats import DispatcherStats, RunSummary
from lagesbild.outbox.throttle import Limit, Throttle

__all__ = [
    "Connector",
    "Dispatcher",
    "DispatcherStats",
    "Limit",
    "MessageSender",
    "RetryPolicy",
    "RunSummary",
    "SendResult",
    "Throttle",
]
