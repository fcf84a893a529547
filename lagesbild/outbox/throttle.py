"""Rate limits for outgoing Teams calls: per tenant and per conversation, async and fair.

Microsoft states Teams' limits as "N operations per W seconds" (per bot and thread:
7/1 s, 8/2 s, 60/30 s, 1800/3600 s; per app and tenant: 50/s, of which we use 30/s, the
stricter figure). The client enforces each as an exact sliding window (`Window`: at most
N starts in any W + margin seconds, `margin` absorbing the jitter between our send and
the server's clock), and paces a tenant's stream with a token bucket (`Pacer`, GCRA) so
its requests are spread evenly instead of sent in bursts. The queue that spends these
limits is `lagesbild.outbox.lane`.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Limit:
    count: int
    per: float  # seconds


TENANT_LIMIT = Limit(30, 1.0)
CONVERSATION_LIMITS = (Limit(7, 1.0), Limit(8, 2.0), Limit(60, 30.0), Limit(1800, 3600.0))
MARGIN = 0.02  # seconds added to every window
STORM_SHARE = 0.5  # share of a tenant's answers in the last second that were 429 …
STORM_MIN = 5  # … and at least this many: the tenant is throttled, not one conversation


class Window:
    """At most `count` starts in any `span` seconds: a sorted log of the latest `count`
    start times. Slots are logged when reserved and moved to the real start time if the
    send went out late (`move`), so the log matches what the server saw."""

    __slots__ = ("count", "span", "_times")

    def __init__(self, count: int, span: float) -> None:
        self.count = count
        self.span = span
        self._times: list[float] = []

    def ready_at(self) -> float:
        times = self._times
        return times[-self.count] + self.span if len(times) >= self.count else 0.0

    def take(self, at: float) -> None:
        bisect.insort(self._times, at)
        if len(self._times) > self.count:
            del self._times[0]

    def remove(self, at: float) -> None:
        i = bisect.bisect_left(self._times, at)
        if i < len(self._times) and self._times[i] == at:
            del self._times[i]

    def last(self) -> float:
        return self._times[-1] if self._times else 0.0


class Pacer:
    """A token bucket in GCRA form: `rate` per second, bursts of at most `burst`."""

    __slots__ = ("interval", "tolerance", "_tat")

    def __init__(self, rate: float, burst: int = 1) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (max(burst, 1) - 1) * self.interval
        self._tat = 0.0  # theoretical arrival time of the next request

    def ready_at(self) -> float:
        return self._tat - self.tolerance

    def take(self, now: float) -> None:
        self._tat = max(self._tat, now) + self.interval


class Bucket:
    """All the limits one key obeys, and a pause (Retry-After)."""

    __slots__ = ("parts", "paused_until", "last", "_lock")

    def __init__(self, parts: Iterable[Window | Pacer] = ()) -> None:
        self.parts = tuple(parts)
        self.paused_until = 0.0
        self.last = 0.0  # slots are taken in order (the windows rely on it)
        self._lock: asyncio.Lock | None = None

    def ready_at(self) -> float:
        ready = max(self.paused_until, self.last)
        for part in self.parts:
            at = part.ready_at()
            if at > ready:
                ready = at
        return ready

    def take(self, now: float) -> None:
        self.last = now = max(now, self.last)
        for part in self.parts:
            part.take(now)

    def window_ready_at(self) -> float:
        return max((p.ready_at() for p in self.parts if isinstance(p, Window)), default=0.0)

    def unlog(self, slot: float) -> None:
        """Take a reserved slot out of the windows (the send is about to be re-timed)."""
        for part in self.parts:
            if isinstance(part, Window):
                part.remove(slot)

    def log(self, at: float) -> None:
        for part in self.parts:
            if isinstance(part, Window):
                part.take(at)

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    def idle_since(self) -> float:
        return max((p.last() for p in self.parts if isinstance(p, Window)), default=0.0)

    async def acquire(self, clock: Clock = time.monotonic) -> None:
        """Wait for a slot, first come first served (asyncio.Lock is FIFO)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            while (delay := self.ready_at() - clock()) > 0:
                await asyncio.sleep(delay)  # wakes at the computed time, not in a poll loop
            self.take(clock())


class Throttle:
    """The buckets of every tenant and conversation seen by this process."""

    def __init__(
        self,
        *,
        tenant_limit: Limit = TENANT_LIMIT,
        conversation_limits: Iterable[Limit] = CONVERSATION_LIMITS,
        margin: float = MARGIN,
        tenant_burst: int = 1,
        clock: Clock = time.monotonic,
    ) -> None:
        self.tenant_limit = tenant_limit
        self.conversation_limits = tuple(conversation_limits)
        self.margin = margin
        self.tenant_burst = tenant_burst
        self.clock = clock
        self._tenants: dict[str, Bucket] = {}
        self._conversations: dict[str, Bucket] = {}
        self._answers: dict[str, deque[tuple[float, bool]]] = {}

    def tenant(self, tenant_id: str) -> Bucket:
        bucket = self._tenants.get(tenant_id)
        if bucket is None:
            span = self.tenant_limit.per + self.margin
            bucket = Bucket(
                (
                    Pacer(self.tenant_limit.count / span, self.tenant_burst),
                    Window(self.tenant_limit.count, span),
                )
            )
            self._tenants[tenant_id] = bucket
        return bucket

    def conversation(self, key: str) -> Bucket:
        bucket = self._conversations.get(key)
        if bucket is None:
            bucket = Bucket(
                Window(limit.count, limit.per + self.margin) for limit in self.conversation_limits
            )
            self._conversations[key] = bucket
        return bucket

    def answered(self, tenant_id: str, *, throttled: bool) -> None:
        """Note a tenant's answer; when most of its answers in the last second were 429s
        (at least `STORM_MIN`), the tenant itself is throttled: `throttled` pauses it."""
        now = self.clock()
        recent = self._answers.setdefault(tenant_id, deque())
        recent.append((now, throttled))
        while recent and recent[0][0] < now - 1.0:
            recent.popleft()

    def throttled(self, tenant_id: str, key: str, retry_after: float) -> None:
        """A 429: pause the conversation for Retry-After, and the whole tenant when most
        of its recent answers were 429s (one conversation's 429 says nothing of the
        tenant; a tenant-wide limit shows as 429s from everywhere)."""
        now = self.clock()
        self.conversation(key).pause(now + retry_after)
        self.answered(tenant_id, throttled=True)
        recent = self._answers[tenant_id]
        throttled = sum(1 for _, t in recent if t)
        if throttled >= STORM_MIN and throttled >= STORM_SHARE * len(recent):
            log.warning("tenant %s: %d of %d answers in a second were 429; pausing it %.1f s",
                        tenant_id, throttled, len(recent), retry_after)  # fmt: skip
            self.tenant(tenant_id).pause(now + retry_after)
            recent.clear()

    def forget_idle(self) -> int:
        """Drop conversation buckets no window remembers any more; returns how many."""
        now = self.clock()
        longest = max((limit.per for limit in self.conversation_limits), default=0.0) + self.margin
        idle = [
            key
            for key, bucket in self._conversations.items()
            if bucket.idle_since() < now - longest and bucket.paused_until < now
        ]
        for key in idle:
            del self._conversations[key]
        return len(idle)


LATE = 0.002  # seconds past its slot after which a send re-checks the windows


async def start_at(slot: float, buckets: Iterable[Bucket], clock: Clock = time.monotonic) -> None:
    """Wait for a reserved slot. A send that is late for it (the process stalled: GC, a
    slow commit) would reach the server closer to the next ones than the windows assumed,
    so its slot is re-timed: it waits until every window allows the real start time and
    logs that instead. The final check and the log happen without an await between."""
    delay = slot - clock()
    if delay > 0:
        await asyncio.sleep(delay)
    now = clock()
    if now - slot <= LATE:
        return
    buckets = tuple(buckets)
    for bucket in buckets:
        bucket.unlog(slot)
    while (ready := max(b.window_ready_at() for b in buckets)) > now:
        await asyncio.sleep(ready - now)
        now = clock()
    for bucket in buckets:
        bucket.log(now)
