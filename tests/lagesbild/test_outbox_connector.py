"""The Bot Connector client against the emulator: one msal token reused, dev mode without
Authorization, and every kind of answer turned into a typed outcome."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import socket

import pytest

from lagesbild.outbox.auth import BotFrameworkTokens, TokenError
from lagesbild.outbox.connector import Connector
from lagesbild.outbox.results import parse_retry_after
from lagesbild.settings import Settings
from reporting.outbox import Outcome
from tests.emulators.connector import ConnectorEmulator
from tests.emulators.identity import LocalIdentityClient
from tests.emulators.seed import BOT_ID, tenant

APP_ID, APP_PASSWORD = "00000000-0000-0000-0000-00000000a99", "mycket-hemligt-lösen"
MESSAGE = {"type": "message", "text": "Hej"}


async def test_the_token_is_fetched_once_and_reused_for_every_send() -> None:
    async with ConnectorEmulator(
        require_auth=True, app_id=APP_ID, app_password=APP_PASSWORD, tenant_limit=None, conversation_limits=()
    ) as emulator:
        emulator.add_conversation("a:1chat", tenant(0))
        identity = LocalIdentityClient(emulator.url)
        tokens = BotFrameworkTokens(APP_ID, APP_PASSWORD, http_client=identity)
        async with Connector(tokens) as connector:
            results = await asyncio.gather(
                *(connector.send_activity(emulator.service_url, "a:1chat", MESSAGE) for _ in range(25))
            )
            results.append(await connector.send_activity(emulator.service_url, "a:1chat", MESSAGE))
        identity.close()
    assert {r.outcome for r in results} == {Outcome.SENT}
    assert identity.token_calls == 1 and emulator.token_requests == 1 and tokens.refreshes == 1
    assert len({d.authorization for d in emulator.deliveries}) == 1
    assert tokens.authority == "https://login.microsoftonline.com/botframework.com"


async def test_a_refused_secret_fails_the_send_without_leaking_it(caplog: pytest.LogCaptureFixture) -> None:
    async with ConnectorEmulator(require_auth=True, app_id=APP_ID, app_password="the-right-one") as emulator:
        emulator.add_conversation("a:1chat", tenant(0))
        identity = LocalIdentityClient(emulator.url)
        tokens = BotFrameworkTokens(APP_ID, APP_PASSWORD, http_client=identity)
        with caplog.at_level(logging.DEBUG):
            async with Connector(tokens) as connector:
                result = await connector.send_activity(emulator.service_url, "a:1chat", MESSAGE)
        identity.close()
    assert result.outcome is Outcome.FAILED and result.retryable and result.detail == "token: invalid_client"
    assert emulator.deliveries == []
    assert APP_PASSWORD not in caplog.text


async def test_dev_mode_sends_without_authorization_and_a_real_connector_refuses_that() -> None:
    async with ConnectorEmulator() as playground, ConnectorEmulator(require_auth=True) as teams:
        for emulator in (playground, teams):
            emulator.add_conversation("a:1chat", tenant(0))
        settings = Settings(_env_file=None)  # no MicrosoftAppId / MicrosoftAppPassword
        async with Connector.from_settings(settings) as connector:
            assert not connector.authenticated
            played = await connector.send_activity(playground.service_url, "a:1chat", MESSAGE)
            refused = await connector.send_activity(teams.service_url, "a:1chat", MESSAGE)
    assert played.outcome is Outcome.SENT and playground.deliveries[0].authorization is None
    assert refused.outcome is Outcome.FAILED and refused.status_code == 401 and refused.retryable


def test_the_authority_follows_the_app_type() -> None:
    single = BotFrameworkTokens(APP_ID, APP_PASSWORD, app_type="SingleTenant", tenant_id=tenant(3))
    assert single.authority == f"https://login.microsoftonline.com/{tenant(3)}"
    with pytest.raises(TokenError, match="SingleTenant"):
        BotFrameworkTokens(APP_ID, APP_PASSWORD, app_type="SingleTenant")
    with pytest.raises(TokenError, match="UserAssignedMSI"):
        BotFrameworkTokens(APP_ID, APP_PASSWORD, app_type="UserAssignedMSI")


async def test_each_answer_becomes_a_typed_outcome() -> None:
    async with ConnectorEmulator(retry_after_as_date=True) as emulator, Connector() as connector:
        emulator.add_conversation("a:1chat", tenant(0))
        emulator.add_conversation("a:1blocked", tenant(0))
        emulator.add_conversation("a:1busy", tenant(0))
        emulator.block("a:1blocked")
        url = emulator.service_url

        emulator.fail_next("a:1chat", 429, retry_after=2)
        throttled = await connector.send_activity(url, "a:1chat", MESSAGE)
        emulator.fail_next("a:1chat", 503)
        unavailable = await connector.send_activity(url, "a:1chat", MESSAGE)
        emulator.fail_next("a:1chat", 412)
        precondition = await connector.send_activity(url, "a:1chat", MESSAGE)
        emulator.fail_next("a:1chat", 400)
        bad = await connector.send_activity(url, "a:1chat", MESSAGE)
        too_big = await connector.send_activity(url, "a:1chat", {"type": "message", "text": "x" * 30_000})
        blocked = await connector.send_activity(url, "a:1blocked", MESSAGE)
        gone = await connector.send_activity(url, "a:1never", MESSAGE)
        no_roster = await connector.create_conversation(
            url, tenant_id=tenant(0), bot_id=BOT_ID, user_id="29:x"
        )
        # Over the limit for real (7 per second in one conversation): Retry-After as an HTTP-date.
        burst = [await connector.send_activity(url, "a:1busy", MESSAGE) for _ in range(8)]

    assert (throttled.outcome, throttled.status_code, throttled.retry_after) == (Outcome.THROTTLED, 429, 2.0)
    assert (unavailable.outcome, unavailable.retryable) == (Outcome.FAILED, True)
    assert (precondition.outcome, precondition.retryable) == (Outcome.FAILED, True)
    assert (bad.outcome, bad.retryable) == (Outcome.FAILED, False)
    assert (too_big.outcome, too_big.status_code, too_big.retryable) == (Outcome.FAILED, 413, False)
    assert too_big.detail == "HTTP 413 MessageSizeTooBig: Message size too big."
    assert (blocked.outcome, blocked.status_code) == (Outcome.RECIPIENT_GONE, 403)
    assert (gone.outcome, gone.status_code) == (Outcome.RECIPIENT_GONE, 404)
    assert no_roster.outcome is Outcome.RECIPIENT_GONE
    *first, over = burst
    assert [r.outcome for r in first] == [Outcome.SENT] * 7
    assert over.outcome is Outcome.THROTTLED and over.retry_after is not None and 0 < over.retry_after <= 2


async def test_an_unreachable_connector_is_a_retryable_failure() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    async with Connector(timeout=2) as connector:
        result = await connector.send_activity(f"http://127.0.0.1:{port}/emea/", "a:1chat", MESSAGE)
    assert result.outcome is Outcome.FAILED and result.retryable and result.status_code is None
    assert "ClientConnectorError" in result.detail


def test_retry_after_is_read_as_seconds_or_as_a_date() -> None:
    now = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    assert parse_retry_after("120", now=now) == 120.0
    assert parse_retry_after(" 1.5 ", now=now) == 1.5
    later = email.utils.format_datetime(now + dt.timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now) == 30.0
    earlier = email.utils.format_datetime(now - dt.timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(earlier, now=now) == 0.0
    assert parse_retry_after("-5", now=now) == 0.0
    assert parse_retry_after(None) is None and parse_retry_after("") is None
    assert parse_retry_after("snart", now=now) is None
