"""Rate limits: exact windows, a pacer without bursts, 429s that pause one conversation
(or the tenant when it is throttled as a whole), and lanes that serve due retries first
and never let one conversation hold up the others."""

from __future__ import annotations

import asyncio
import time

from lagesbild.outbox.lane import Lane
from lagesbild.outbox.throttle import Bucket, Limit, Pacer, Throttle, Window, start_at


def test_a_window_allows_count_starts_in_any_span() -> None:
    window = Window(3, 1.0)
    for at in (0.0, 0.1, 0.2):
        assert window.ready_at() <= at
        window.take(at)
    assert window.ready_at() == 1.0
    window.take(1.0)
    assert window.ready_at() == 1.1
    window.remove(0.2)  # a reserved slot re-timed to when the send really started
    window.take(1.05)
    assert window.ready_at() == 1.1 + 0.0 and window.last() == 1.05


def test_a_pacer_spreads_requests_evenly() -> None:
    pacer = Pacer(10.0)
    pacer.take(0.0)
    assert abs(pacer.ready_at() - 0.1) < 1e-9
    bursty = Pacer(10.0, burst=3)
    for _ in range(3):
        assert bursty.ready_at() <= 0.0
        bursty.take(0.0)
    assert bursty.ready_at() > 0.0


def test_a_429_pauses_its_conversation_and_a_tenant_wide_throttle_pauses_the_tenant() -> None:
    now = [100.0]
    throttle = Throttle(tenant_limit=Limit(30, 1.0), clock=lambda: now[0])
    for _ in range(25):
        throttle.answered("t1", throttled=False)
    throttle.throttled("t1", "m:1", 2.0)
    assert throttle.conversation("m:1").ready_at() == 102.0
    assert throttle.conversation("m:2").ready_at() <= 100.0
    assert throttle.tenant("t1").paused_until == 0.0  # one 429 in 26 answers: the conversation's
    for key in ("m:3", "m:4", "m:5", "m:6", "m:7"):
        throttle.throttled("t2", key, 3.0)
    assert throttle.tenant("t2").paused_until == 103.0  # every answer a 429: the tenant is throttled
    assert throttle.tenant("t1").paused_until == 0.0


def test_idle_conversation_buckets_are_forgotten() -> None:
    now = [0.0]
    throttle = Throttle(conversation_limits=(Limit(7, 1.0),), clock=lambda: now[0])
    throttle.conversation("m:1").take(0.0)
    now[0] = 0.5
    assert throttle.forget_idle() == 0
    now[0] = 2.0
    assert throttle.forget_idle() == 1


async def test_a_lane_serves_a_due_retry_before_fresh_messages_and_a_paused_chat_holds_nobody() -> None:
    tenant = Bucket((Pacer(40.0),))  # a slot every 25 ms
    conversations: dict[str, Bucket] = {}
    order: list[str] = []
    retried = False

    async def dispatch(key: str, item: str, slot: float) -> None:
        nonlocal retried
        await start_at(slot, (tenant, conversations[key]))
        order.append(item)
        if item == "old" and not retried:  # its first attempt is throttled: again in 0.1 s
            retried = True
            lane.retry(key, time.monotonic() + 0.1)
        else:
            lane.finish(key)

    def bucket(key: str) -> Bucket:
        return conversations.setdefault(key, Bucket((Window(7, 1.0),)))

    lane: Lane[str] = Lane(tenant, bucket, dispatch, lookahead=0.0)
    bucket("m:paused").pause(time.monotonic() + 10)
    lane.push("m:paused", "paused", 0)
    lane.push("m:old", "old", 1)
    for n in range(12):
        lane.push(f"m:{n}", f"fresh{n}", 100 + n)
    runner = asyncio.create_task(lane.run())
    try:
        deadline = time.monotonic() + 5
        while len(order) < 14 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
    finally:
        lane.close()
        await runner
    assert "paused" not in order and len(order) == 14  # 12 fresh, and "old" twice
    assert order[0] == "old" and order.count("old") == 2
    assert order.index("old", 1) <= 7  # due after ~4 slots: served then, not after all fresh ones
    assert [o for o in order if o.startswith("fresh")] == [f"fresh{n}" for n in range(12)]


async def test_a_send_that_starts_late_is_logged_at_its_real_time() -> None:
    bucket = Bucket((Window(2, 0.5),))
    slot = time.monotonic()
    bucket.take(slot)
    await asyncio.sleep(0.05)  # the process stalled past the slot
    await start_at(slot, (bucket,))
    [logged] = bucket.parts[0]._times  # type: ignore[union-attr]
    assert logged >= slot + 0.05


async def test_a_bucket_can_be_awaited_first_come_first_served() -> None:
    bucket = Bucket((Pacer(50.0),))
    starts: list[tuple[int, float]] = []

    async def take(n: int) -> None:
        await bucket.acquire()
        starts.append((n, time.monotonic()))

    await asyncio.gather(*(take(n) for n in range(6)))
    assert [n for n, _ in starts] == list(range(6))
    gaps = [b - a for (_, a), (_, b) in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.015  # 20 ms apart, give or take the timer
