"""The outbox dispatcher: delivers stored messages through Teams or email, within limits.

Flow. A scanner reads what is due (`OutboxRepository.due`: ids and routing columns, no
payload), looks up Teams addresses, and queues each message in its tenant's `Lane`
(lane.py, paced by throttle.py). When the lane reserves a slot for it (at most `lookahead` ahead), the
message is claimed (only now does its row become `sending`), posted at its slot as
frozen (addressing fields are added when the payload lacks them; the content is never
re-rendered), and its typed outcome is recorded. Claims and outcomes go through one
group-commit writer (writer.py).

Outcomes. `sent` is final. `throttled` (429) waits for Retry-After and pauses that
conversation (and the tenant when many of its conversations are throttled at once).
`failed` and retryable (412/5xx, network) waits a jittered exponential backoff (retry.py),
then `dead` after `max_attempts`. `recipient_gone` (403/404) is `dead` at once, marks the
member's Teams address unreachable and calls `on_recipient_gone(member_id)` once per
marking. A member without a Teams address is `failed` ("ingen Teams-adress") and retried
later; a member without a 1:1 chat gets one created from the stored address first.

The duplicate window. Teams takes no idempotency key, so a message whose POST reached
Teams but whose `sent` was not yet committed is sent again after a crash, once its lease
expires. That window is the time from the POST's answer to the commit of its outcome:
the writer's queue wait plus one commit, with no batching delay. Measured
(`stats.window_summary()`, logged at every stop): at full load in `bench/fanout.py`
(~580 sends/s from one core, SQLite file, statements run inline) p50 3 ms, p99 12 ms,
max 14 ms. A request still in flight when the
process dies is the other half of the window (it may or may not have been delivered):
in production that is the POST's round trip to Teams, typically longer than the commit.
Rows are claimed at most `lookahead` (0.1 s) before their POST, so after a SIGKILL only
those few rows are `sending` (about 30 at ~290 sends/s in tests/lagesbild/
test_outbox_crash.py, of which 0–10 came twice); everything else is still pending and is
delivered exactly once by the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import inspect
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from lagesbild.outbox.connector import Connector
from lagesbild.outbox.lane import Lane
from lagesbild.outbox.results import SendResult
from lagesbild.outbox.retry import RetryPolicy
from lagesbild.outbox.stats import DispatcherStats, RunSummary
from lagesbild.outbox.throttle import Bucket, Pacer, Throttle, start_at
from lagesbild.outbox.writer import OutboxWriter
from reporting.outbox import DeliveryState, OutboxMessage, Outcome
from storage.database import Database
from storage.repositories import OutboxRepository, TeamsRepository
from storage.repositories.outbox import AttemptRecord, DueMessage
from storage.repositories.teams import TeamsAddress

log = logging.getLogger(__name__)

NO_ADDRESS = "ingen Teams-adress"
NO_CHANNEL = "kanalinlägg utan konversation eller serviceUrl"
EMAIL_LANE = "email:"


class MessageSender(Protocol):
    """What the dispatcher needs from an email sender (issue 4): a typed result per send
    (results.SendResult, or any object with the same fields)."""

    async def send(self, message: OutboxMessage) -> SendResult: ...


RecipientGoneHook = Callable[[int], Awaitable[None] | None]


@dataclass(slots=True)
class _Item:
    """A due message as a lane holds it: where it goes, not what it says."""

    id: int
    channel: str
    tenant: str = ""
    member_id: int | None = None
    conversation_id: str | None = None
    service_url: str | None = None
    user_id: str | None = None
    bot_id: str | None = None
    key: str = ""
    lane: Lane[_Item] | None = None


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Dispatcher:
    """Delivers the outbox. `start()`/`stop()` for a server, `run_once()` for a job or a
    test. `clock` gives the database's notion of now (for due times); rate limits and
    Retry-After waits use the monotonic clock."""

    def __init__(
        self,
        db: Database,
        connector: Connector,
        *,
        senders: Mapping[str, MessageSender] | None = None,
        worker_id: str | None = None,
        lease: dt.timedelta = dt.timedelta(seconds=60),
        batch: int = 5000,
        clock: Callable[[], dt.datetime] = _utc_now,
        on_recipient_gone: RecipientGoneHook | None = None,
        throttle: Throttle | None = None,
        retry: RetryPolicy | None = None,
        poll_interval: float = 1.0,
        max_in_flight: int = 256,
        lookahead: float = 0.1,
        email_rate: float = 0.5,
    ) -> None:
        if connector.timeout >= lease.total_seconds():
            raise ValueError("the connector's timeout must be shorter than the lease")
        self.db = db
        self.connector = connector
        self.senders = dict(senders or {})
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease = lease
        self.batch = batch
        self.clock = clock
        self.on_recipient_gone = on_recipient_gone
        self.throttle = throttle or Throttle()
        self.retry = retry or RetryPolicy()
        self.poll_interval = poll_interval
        self.lookahead = lookahead
        self.stats = DispatcherStats()
        self._email_bucket = Bucket((Pacer(email_rate),))
        self._slots = asyncio.Semaphore(max_in_flight)
        self._writer = OutboxWriter(db, lease=lease, worker=self.worker_id, clock=clock)
        self._lanes: dict[str, Lane[_Item]] = {}
        self._lane_tasks: list[asyncio.Task[None]] = []
        self._known: dict[int, _Item] = {}  # queued or being delivered here
        self._chats: dict[int, str] = {}  # 1:1 chats created here, by member id
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._wake = asyncio.Event()
        self._scanner: asyncio.Task[None] | None = None
        self._retry_in_memory = True
        self._warned_email = False
        self._run = RunSummary()

    # Life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Deliver continuously until `stop()`."""
        if self._scanner is not None:
            return
        self._retry_in_memory = True
        self._writer.start()
        self._scanner = asyncio.create_task(self._scan_loop(), name="outbox-scanner")
        mode = "autentiserad" if self.connector.authenticated else "utan autentisering (utvecklingsläge)"
        log.info("outbox dispatcher %s started, %s", self.worker_id, mode)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking work; let sends in flight finish (up to `timeout`; a claimed row
        that was not posted yet is given back), commit their outcomes."""
        if self._scanner is not None:
            self._scanner.cancel()
            await asyncio.gather(self._scanner, return_exceptions=True)
            self._scanner = None
        await self._close_lanes()
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._writer.stop()
        self._known.clear()
        if self.stats.windows:
            log.info(
                "outbox dispatcher stopped: %s; in-flight window %s", self.stats, self.stats.window_summary()
            )

    def wake(self) -> None:
        """Look for due messages now (call after enqueueing)."""
        self._wake.set()

    async def run_once(self) -> RunSummary:
        """Deliver what is due now, one attempt each; a failure waits for its next time."""
        if self._scanner is not None:
            raise RuntimeError("run_once while the dispatcher is running")
        self._retry_in_memory = False
        self._run = RunSummary()
        self._writer.start()
        attempted: set[int] = set()
        try:
            while fresh := [i for i in await self._scan() if i not in attempted]:
                attempted.update(fresh)
                while self._known or self._tasks:
                    self._idle.clear()
                    await self._idle.wait()
        finally:
            await self._close_lanes()
            await self._writer.stop()
            self._known.clear()
        return self._run

    async def _close_lanes(self) -> None:
        for lane in self._lanes.values():
            lane.close()
        await asyncio.gather(*self._lane_tasks, return_exceptions=True)
        self._lanes.clear()
        self._lane_tasks.clear()

    # Finding work -------------------------------------------------------------------

    async def _scan_loop(self) -> None:
        forget_at = time.monotonic() + 60
        while True:
            delay = self.poll_interval
            try:
                await self._scan()
                if not self._known:  # idle: wake for the next retry that falls due
                    async with self.db.session(readonly=True) as session:
                        next_due = await OutboxRepository(session).next_due_at()
                    if next_due is not None and (until := (next_due - self.clock()).total_seconds()) > 0:
                        delay = min(delay, until + 0.005)
            except Exception:
                log.exception("outbox scan failed; trying again in %.0f s", self.poll_interval)
            if time.monotonic() > forget_at:
                self.throttle.forget_idle()
                forget_at = time.monotonic() + 60
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self._wake.clear()

    async def _scan(self) -> list[int]:
        """Queue what is due and not already here; returns the ids queued."""
        channels = ["teams", "email"] if "email" in self.senders else ["teams"]
        async with self.db.session(readonly=True) as session:
            repo = OutboxRepository(session)
            now = self.clock()
            due = [d for d in await repo.due(now=now, lease=self.lease, limit=self.batch, channels=channels)
                   if d.id not in self._known]  # fmt: skip
            wanted = [
                d.member_id for d in due if d.channel == "teams" and not d.conversation_id and d.member_id
            ]
            addresses = await TeamsRepository(session).addresses(wanted) if wanted else {}
            if (
                "email" not in self.senders
                and not self._warned_email
                and await repo.due(now=now, lease=self.lease, limit=1, channels=["email"])
            ):
                log.warning("e-post väntar i utkorgen men ingen e-postavsändare är konfigurerad")
                self._warned_email = True
        for d in due:
            self._route(d, addresses.get(d.member_id) if d.member_id is not None else None)
        return [d.id for d in due]

    def _route(self, d: DueMessage, address: TeamsAddress | None) -> None:
        item = _Item(d.id, d.channel, member_id=d.member_id)
        self._known[item.id] = item
        if d.channel == "email":
            item.tenant, item.key = EMAIL_LANE, f"e:{d.id}"
        elif d.conversation_id and d.service_url:  # a channel post carries its address
            item.tenant, item.key = d.tenant_id, f"c:{d.conversation_id}"
            item.conversation_id, item.service_url = d.conversation_id, d.service_url
        elif address is not None:  # a 1:1 message: the member's stored address
            item.tenant, item.key = address.tenant_id, f"m:{d.member_id}"
            item.conversation_id, item.service_url = address.conversation_id, address.service_url
            item.user_id, item.bot_id = address.user_id, address.bot_id
        else:
            self._spawn(self._unroutable(item))
            return
        item.lane = self._lane(item.tenant)
        item.lane.push(item.key, item, item.id)

    def _lane(self, tenant: str) -> Lane[_Item]:
        lane = self._lanes.get(tenant)
        if lane is None:
            if tenant == EMAIL_LANE:
                lane = Lane(self._email_bucket, lambda key: Bucket(), self._dispatch, lookahead=0.0)
            else:
                lane = Lane(
                    self.throttle.tenant(tenant),
                    self.throttle.conversation,
                    self._dispatch,
                    lookahead=self.lookahead,
                )
            self._lanes[tenant] = lane
            self._lane_tasks.append(asyncio.create_task(lane.run(), name=f"outbox-lane-{tenant}"))
        return lane

    async def _dispatch(self, key: str, item: _Item, slot: float) -> None:
        await self._slots.acquire()
        self._spawn(self._deliver(item, slot), holds_slot=True)

    def _spawn(self, work: Coroutine[Any, Any, None], *, holds_slot: bool = False) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)

        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            if holds_slot:
                self._slots.release()
            if not task.cancelled() and task.exception() is not None:
                log.error("outbox delivery failed unexpectedly", exc_info=task.exception())
            if not self._tasks:
                self._idle.set()

        task.add_done_callback(done)

    # Delivering ---------------------------------------------------------------------

    async def _deliver(self, item: _Item, slot: float) -> None:
        message: OutboxMessage | None = None
        posted = False
        try:
            if item.channel == "teams" and item.conversation_id is None and item.member_id is not None:
                item.conversation_id = self._chats.get(item.member_id)  # created for an earlier message
            if item.channel == "teams" and item.conversation_id is None:
                await self._at(item, slot)
                await self._open_conversation(item)
                return
            message = await self._writer.claim(item.id)
            if message is None:  # taken by another worker, or no longer due
                self._forget(item)
                return
            await self._at(item, slot)
            result = await self._send(item, message)
            posted = True  # from here until the outcome is committed a crash may duplicate it
            answered = time.perf_counter()
            state, retry_in = await self._record(item, message, result)
            self._note_window(time.perf_counter() - answered)
            self._after(item, state, retry_in)
        except asyncio.CancelledError:
            if message is not None and not posted:  # claimed, not posted: give it back
                self._writer.release_later(message.id, retry_at=self.clock())
            self._known.pop(item.id, None)
            raise
        except Exception:
            log.exception("outbox message %s: delivery failed unexpectedly; its lease will expire", item.id)
            self._forget(item)

    async def _at(self, item: _Item, slot: float) -> None:
        if item.tenant == EMAIL_LANE:
            delay = slot - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            return
        await start_at(slot, (self.throttle.tenant(item.tenant), self.throttle.conversation(item.key)))

    async def _send(self, item: _Item, message: OutboxMessage) -> SendResult:
        if item.channel == "email":
            try:
                return await self.senders["email"].send(message)
            except Exception as exc:
                log.exception("the email sender raised for message %s", message.id)
                return SendResult(Outcome.FAILED, detail=f"{type(exc).__name__}: {exc}"[:300], retryable=True)
        assert item.service_url is not None and item.conversation_id is not None
        activity = dict(message.payload)
        activity.setdefault("type", "message")
        activity.setdefault("conversation", {"id": item.conversation_id})
        if item.bot_id:
            activity.setdefault("from", {"id": item.bot_id})
        if item.user_id:
            activity.setdefault("recipient", {"id": item.user_id})
        return await self.connector.send_activity(item.service_url, item.conversation_id, activity)

    async def _open_conversation(self, item: _Item) -> None:
        """Create the member's 1:1 chat; then the message goes back to its lane for a slot
        of its own. A failure counts as an attempt of the message."""
        assert item.service_url is not None and item.user_id is not None and item.member_id is not None
        result = await self.connector.create_conversation(
            item.service_url, tenant_id=item.tenant, bot_id=item.bot_id or "", user_id=item.user_id
        )
        if result.ok and result.conversation_id:
            member_id, conversation_id = item.member_id, result.conversation_id

            async def store(session: AsyncSession) -> None:
                await TeamsRepository(session).set_conversation(member_id, conversation_id)

            await self._writer.run(store)
            self.stats.conversations_created += 1
            self._chats[member_id] = item.conversation_id = conversation_id
            assert item.lane is not None
            item.lane.retry(item.key, 0.0)
            return
        message = await self._writer.claim(item.id)
        if message is None:
            self._forget(item)
            return
        failed = dataclasses.replace(result, detail=f"create_conversation: {result.detail}")
        state, retry_in = await self._record(item, message, failed)
        self._after(item, state, retry_in)

    async def _unroutable(self, item: _Item) -> None:
        """A Teams message with nowhere to go: no address for the member (yet: retried),
        or a channel post without its conversation (dead)."""
        try:
            message = await self._writer.claim(item.id)
            if message is not None:
                retryable = item.member_id is not None
                result = SendResult(
                    Outcome.FAILED, detail=NO_ADDRESS if retryable else NO_CHANNEL, retryable=retryable
                )
                await self._record(item, message, result)
        finally:
            self._known.pop(item.id, None)

    async def _record(
        self, item: _Item, message: OutboxMessage, result: SendResult
    ) -> tuple[DeliveryState, float | None]:
        """Store the attempt; returns the new state and, for a retry, the seconds to wait."""
        wait = self.retry.delay(result, message.attempts)
        retry_at = self.clock() + dt.timedelta(seconds=wait) if wait is not None else None
        gone = (
            item.member_id if result.outcome is Outcome.RECIPIENT_GONE and item.channel == "teams" else None
        )
        attempt = AttemptRecord(
            message.id, message.attempts, result.outcome, result.status_code, result.detail,
            retry_at, result.activity_id, result.conversation_id,
        )  # fmt: skip
        state, newly_gone = await self._writer.record(attempt, unreachable=gone)
        self._count(result, state)
        if item.channel == "teams":
            if result.outcome is Outcome.THROTTLED:
                self.throttle.throttled(item.tenant, item.key, wait if wait is not None else 1.0)
            else:
                self.throttle.answered(item.tenant, throttled=False)
        if newly_gone and gone is not None:
            await self._tell_gone(gone)
        return state, wait

    def _after(self, item: _Item, state: DeliveryState, retry_in: float | None) -> None:
        if state is DeliveryState.FAILED and retry_in is not None and self._retry_in_memory and item.lane:
            item.lane.retry(item.key, time.monotonic() + retry_in + 0.005)
        else:
            self._forget(item)

    def _forget(self, item: _Item) -> None:
        self._known.pop(item.id, None)
        if item.lane is not None:
            item.lane.finish(item.key)
        if not self._known:
            self._idle.set()

    def _note_window(self, seconds: float) -> None:
        windows = self.stats.windows
        windows.append(seconds)
        if len(windows) > 100_000:
            del windows[:50_000]

    def _count(self, result: SendResult, state: DeliveryState) -> None:
        stats = self.stats
        if result.outcome is Outcome.SENT:
            stats.sent += 1
        elif result.outcome is Outcome.THROTTLED:
            stats.throttled += 1
        elif result.outcome is Outcome.RECIPIENT_GONE:
            stats.recipient_gone += 1
        else:
            stats.failed += 1
        stats.dead += state is DeliveryState.DEAD
        run = self._run
        self._run = RunSummary(
            run.sent + (state is DeliveryState.SENT),
            run.retrying + (state is DeliveryState.FAILED),
            run.dead + (state is DeliveryState.DEAD),
        )

    async def _tell_gone(self, member_id: int) -> None:
        if self.on_recipient_gone is None:
            return
        try:
            outcome = self.on_recipient_gone(member_id)
            if inspect.isawaitable(outcome):
                await outcome
        except Exception:
            log.exception("on_recipient_gone(%s) failed", member_id)
