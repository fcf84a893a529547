"""A `Lane` is one tenant's queue for the outbox dispatcher.

It keeps one FIFO per conversation (messages in a chat stay in order, one in flight at a
time) and a heap of conversations by the time their buckets (`lagesbild.outbox.throttle`)
allow the next send, and it sleeps exactly until then: no busy-waiting, and a throttled
conversation never holds up the others. Each tenant has its own lane task, so one process
keeps every tenant's bucket full at once and a slow or throttled tenant never blocks another.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from lagesbild.outbox.throttle import Bucket, Clock

T = TypeVar("T")


@dataclass(slots=True)
class _Conversation(Generic[T]):
    items: deque[tuple[int, T]] = field(default_factory=deque)  # (priority, item), FIFO
    not_before: float = 0.0
    busy: bool = False  # its head is being delivered
    queued: bool = False  # it is in one of the lane's heaps


class Lane(Generic[T]):
    """One tenant's queue (see the module docstring).

    Conversations wait in a heap by the time their buckets (and a retry's not-before)
    allow the next send; once that time has come they move to a heap by priority (the
    head message's, lower first: the caller passes the message id, so the oldest message
    goes first, and a retry that has fallen due is not pushed behind a fan-out's fresh
    messages). When the tenant's next slot is at most `lookahead` seconds away, the slot
    is reserved in both buckets and `dispatch(key, item, slot)` is awaited: the caller
    prepares the send (claims the row) and starts it at `slot` (`start_at`). The lane
    hears back through `finish` (the head is done) or `retry` (the head stays, eligible
    again at a time)."""

    def __init__(
        self,
        tenant: Bucket,
        conversation: Callable[[str], Bucket],
        dispatch: Callable[[str, T, float], Awaitable[None]],
        *,
        lookahead: float = 0.1,
        clock: Clock = time.monotonic,
    ) -> None:
        self.tenant = tenant
        self._conversation_bucket = conversation
        self._dispatch = dispatch
        self.lookahead = lookahead
        self.clock = clock
        self._conversations: dict[str, _Conversation[T]] = {}
        self._waiting: list[tuple[float, int, str]] = []  # (ready at, seq, key)
        self._ready: list[tuple[int, int, str]] = []  # (priority, seq, key)
        self._seq = itertools.count()
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False

    def __len__(self) -> int:
        return sum(len(c.items) for c in self._conversations.values())

    def push(self, key: str, item: T, priority: int = 0) -> None:
        conversation = self._conversations.get(key)
        if conversation is None:
            conversation = self._conversations[key] = _Conversation()
        conversation.items.append((priority, item))
        self._schedule(key, conversation)

    def finish(self, key: str) -> None:
        conversation = self._conversations.get(key)
        if conversation is None:
            return
        if conversation.items:
            conversation.items.popleft()
        conversation.busy = False
        conversation.not_before = 0.0
        if not conversation.items:
            del self._conversations[key]
            return
        self._schedule(key, conversation)

    def retry(self, key: str, at: float) -> None:
        conversation = self._conversations.get(key)
        if conversation is None:
            return
        conversation.busy = False
        conversation.not_before = at
        self._schedule(key, conversation)

    def close(self) -> None:
        self._closed = True
        self._wake()

    def _ready_at(self, key: str, conversation: _Conversation[T]) -> float:
        return max(conversation.not_before, self._conversation_bucket(key).ready_at())

    def _schedule(self, key: str, conversation: _Conversation[T]) -> None:
        if conversation.busy or conversation.queued or not conversation.items:
            return
        conversation.queued = True
        heapq.heappush(self._waiting, (self._ready_at(key, conversation), next(self._seq), key))
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _sleep(self, delay: float | None) -> None:
        """Until `delay` has passed or something changed (push, finish, retry, close)."""
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        timer = loop.call_later(delay, self._wake) if delay is not None else None
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    def _promote(self, now: float) -> None:
        """Move the conversations whose time has come from the waiting heap to the ready one."""
        waiting = self._waiting
        while waiting and waiting[0][0] <= now:
            _, _, key = heapq.heappop(waiting)
            conversation = self._conversations.get(key)
            if conversation is None or conversation.busy or not conversation.items:
                if conversation is not None:
                    conversation.queued = False
                continue
            ready = self._ready_at(key, conversation)
            if ready > now:  # paused or retried since it was queued
                heapq.heappush(waiting, (ready, next(self._seq), key))
            else:
                heapq.heappush(self._ready, (conversation.items[0][0], next(self._seq), key))

    async def run(self) -> None:
        waiting, ready = self._waiting, self._ready
        while not self._closed:
            now = self.clock()
            self._promote(now)
            next_wait = waiting[0][0] - now if waiting else None
            if not ready:
                await self._sleep(next_wait)
                continue
            tenant_ready = self.tenant.ready_at()
            if tenant_ready - self.lookahead > now:
                delay = tenant_ready - self.lookahead - now
                await self._sleep(min(delay, next_wait) if next_wait is not None else delay)
                continue
            _, _, key = heapq.heappop(ready)
            conversation = self._conversations.get(key)
            if conversation is None or conversation.busy or not conversation.items:
                if conversation is not None:
                    conversation.queued = False
                continue
            at = self._ready_at(key, conversation)
            if at > now:  # paused since it became ready
                heapq.heappush(waiting, (at, next(self._seq), key))
                continue
            conversation.queued = False
            conversation.busy = True
            slot = max(now, tenant_ready)
            self.tenant.take(slot)
            self._conversation_bucket(key).take(slot)
            await self._dispatch(key, conversation.items[0][1], slot)
