"""The Bot Framework's signing keys, fetched from the local key endpoint emulator: one fetch for
many waiting requests, a timeout, a pause after a failure, a daily refresh in the background.
Time between fetches is a clock the test moves; the fetches themselves are real HTTP."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.channel_tokens import KeysUnavailable, SigningKeys
from tests.emulators.bot_identity import BotIdentityEmulator


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "not within the time"
        await asyncio.sleep(0.02)


async def test_many_waiting_requests_share_one_fetch_and_the_keys_are_kept() -> None:
    with BotIdentityEmulator() as identity:
        identity.delay = 0.3
        keys = SigningKeys(identity.metadata_url)
        try:
            found = await asyncio.gather(*(keys.get(identity.kid) for _ in range(20)))
            assert all(key is not None and key.endorsements == {"msteams"} for key in found)
            assert await keys.get(identity.kid) is not None
            assert identity.requests == 2, "the metadata and the key set, once"
        finally:
            await keys.close()


async def test_a_hanging_endpoint_is_given_up_after_the_timeout_and_left_alone_for_a_pause() -> None:
    clock = Clock()
    with BotIdentityEmulator() as identity:
        identity.delay = 20.0
        keys = SigningKeys(identity.metadata_url, timeout=0.5, retry_after=10.0, clock=clock)
        try:
            started = time.monotonic()
            with pytest.raises(KeysUnavailable, match="no answer within 0.5 s"):
                await keys.get(identity.kid)
            assert time.monotonic() - started < 10, "given up at the timeout, not when the endpoint answers"
            with pytest.raises(KeysUnavailable, match="next try in 10 s"):
                await keys.get(identity.kid)
            assert identity.requests == 1

            identity.delay = 0.0
            clock.now += 9.0
            with pytest.raises(KeysUnavailable):
                await keys.get(identity.kid)
            assert identity.requests == 1, "still pausing"
            clock.now += 1.0
            assert await keys.get(identity.kid) is not None
            assert identity.requests == 3
        finally:
            await keys.close()


async def test_the_pause_doubles_after_each_failure_up_to_its_limit() -> None:
    clock = Clock()
    with BotIdentityEmulator() as identity:
        identity.status = 503
        keys = SigningKeys(identity.metadata_url, retry_after=10.0, max_retry_after=30.0, clock=clock)
        try:
            for pause in (10, 20, 30, 30):
                with pytest.raises(KeysUnavailable, match="HTTP 503"):
                    await keys.get(identity.kid)
                with pytest.raises(KeysUnavailable, match=f"next try in {pause} s"):
                    await keys.get(identity.kid)
                clock.now += pause
            assert identity.requests == 4
        finally:
            await keys.close()


async def test_after_a_day_the_keys_are_refreshed_in_the_background_and_an_unknown_key_waits_five_minutes() -> None:
    clock = Clock()
    with BotIdentityEmulator() as identity:
        keys = SigningKeys(identity.metadata_url, clock=clock)
        try:
            assert await keys.get(identity.kid) is not None
            assert identity.requests == 2

            clock.now += 24 * 3600
            identity.delay = 20.0  # the refresh hangs: the keys fetched before still serve
            assert await keys.get(identity.kid) is not None
            await _until(lambda: identity.requests == 3)
            identity.delay = 0.0
            identity.release()  # let the hanging refresh finish
            await _until(lambda: identity.requests == 4)

            assert await keys.get("a-key-nobody-published") is None
            await asyncio.sleep(0.1)
            fetched = identity.requests
            assert await keys.get("a-key-nobody-published") is None
            assert identity.requests == fetched, "an unknown key id does not fetch again at once"
            clock.now += 5 * 60
            assert await keys.get("a-key-nobody-published") is None
            assert identity.requests == fetched + 2, "five minutes later it may have rolled over"
        finally:
            await keys.close()
