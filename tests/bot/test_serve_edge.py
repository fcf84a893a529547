"""The real `lagesbild serve` process in production mode at its edge: random bodies and bogus
tokens, and a key endpoint that hangs. The Bot Framework's key endpoint is the local emulator
(tests/emulators/bot_identity.py)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import random
import sqlite3
import string
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.bot.serve_process import SERVICE_URL, production_env, serve
from tests.bot.test_app import APP_ID, UNREADABLE_TOKENS, activity
from tests.emulators.bot_identity import BotIdentityEmulator
from tests.world import TENANT

# --- 1,000 random activities -------------------------------------------------------------------


def _text(rng: random.Random) -> str:
    alphabet = string.printable + "åäöÅÄÖ–”\u0000\u202e😀${}"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


def _json_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**70, rng.randint(-1000, 1000), 1e308, -0.5])
    if kind in (3, 4, 5):
        return rng.choice([_text(rng), "", "2024-13-45T25:61:00Z", "igår", "msteams", "x" * 2000])
    if kind == 6:
        return [_json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if kind == 7:
        return {_text(rng) or "k": _json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    value: Any = _text(rng)
    for _ in range(rng.randint(10, 300)):
        value = [value] if rng.random() < 0.5 else {"x": value}
    return value


def _base(rng: random.Random) -> dict[str, Any]:
    body = activity(tenant=rng.choice([TENANT, "99999999-0000-0000-0000-000000000000"]))
    if rng.random() < 0.4:
        body.update(type="invoke", name="adaptiveCard/action", text=None,
                    value={"action": {"type": "Action.Execute", "verb": "report.submit", "data": {"cycle": 1}}})  # fmt: skip
    body["timestamp"] = "2024-05-01T10:00:00.1234567Z"
    return body


KEYS = ["type", "id", "channelId", "serviceUrl", "from", "recipient", "conversation", "channelData", "text",
        "value", "name", "timestamp", "localTimestamp", "entities", "attachments", "membersAdded", "replyToId",
        "locale", "expiration", "relatesTo", "textFormat"]  # fmt: skip
NESTED = [("from", "id"), ("from", "aadObjectId"), ("conversation", "tenantId"), ("conversation", "id"),
          ("recipient", "id"), ("channelData", "tenant"), ("value", "action")]  # fmt: skip


def random_body(rng: random.Random) -> bytes:
    if rng.random() < 0.08:
        top = rng.choice([[1], None, "rapportera", 5, [activity()], True])
        return json.dumps(top).encode()
    body = _base(rng)
    for _ in range(rng.randint(0, 4)):
        what = rng.randrange(5)
        if what == 0:
            body[rng.choice(KEYS)] = _json_value(rng)
        elif what == 1:
            body.pop(rng.choice(KEYS), None)
        elif what == 2:
            outer, inner = rng.choice(NESTED)
            if isinstance(body.get(outer), dict):
                body[outer] = copy.deepcopy(body[outer]) | {inner: _json_value(rng)}
        elif what == 3:
            body[rng.choice(["timestamp", "localTimestamp", "expiration"])] = rng.choice(
                ["igår", "", "2024-02-30T10:00:00Z", "2024-05-01", "99999-01-01T00:00:00Z", 1700000000, []]
            )
        else:
            body[_text(rng) or "extra"] = _json_value(rng)
    data = json.dumps(body, ensure_ascii=rng.random() < 0.5).encode()
    if rng.random() < 0.05:
        data = data[: rng.randrange(len(data))]  # cut short
    elif rng.random() < 0.03:
        data = data.replace(b'"', b'"\xff', 1)  # not UTF-8
    return data


def bogus_tokens(identity: BotIdentityEmulator) -> list[str | None]:
    """Authorization headers none of which may pass: absent, unreadable, or a real-looking
    token that is wrong in one way (another key, another app, no exp, expired, the emulator's)."""
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    past = time.time() - 7200
    emulator_issuer = "https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0"
    signed = [
        identity.token(app_id=APP_ID, service_url=SERVICE_URL, key=stranger),
        identity.token(app_id="22222222-0000-0000-0000-000000000000", service_url=SERVICE_URL),
        identity.token(app_id=APP_ID, service_url=SERVICE_URL, without=("exp",)),
        identity.token(app_id=APP_ID, service_url=SERVICE_URL, exp=int(past), nbf=int(past) - 60),
        identity.token(app_id=APP_ID, service_url=SERVICE_URL, iss=emulator_issuer),
        identity.token(app_id=APP_ID, service_url="https://evil.example/"),
    ]
    headers: list[str | None] = [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "bearer x.y.z",
    ]
    headers += [f"Bearer {t}" for t in UNREADABLE_TOKENS + signed]
    headers += [f"Bearer {t[:-10]}" for t in signed]  # a cut signature
    return headers


async def test_a_thousand_random_activities_get_no_5xx_and_no_traceback_in_production(
    tmp_path: Path, sqlite_template: Path
) -> None:
    rng = random.Random(11_05)  # fixed: a failure can be replayed
    with BotIdentityEmulator() as identity, serve(tmp_path, sqlite_template, production_env(identity)) as bot:
        headers = bogus_tokens(identity)
        requests = []
        for _ in range(1000):
            header = rng.choice(headers)
            content_type = rng.choice(["application/json"] * 8 + ["application/json; charset=nope",
                                                                  "application/json; charset=latin-1"])  # fmt: skip
            requests.append(
                (
                    random_body(rng),
                    {"Content-Type": content_type} | ({} if header is None else {"Authorization": header}),
                )
            )
        before = len(bot.output().splitlines())
        limit = asyncio.Semaphore(8)

        async def post(session: aiohttp.ClientSession, body: bytes, request_headers: dict[str, str]) -> int:
            async with (
                limit,
                session.post(f"{bot.url}/api/messages", data=body, headers=request_headers) as response,
            ):
                await response.read()
                return response.status

        started = time.monotonic()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            statuses = await asyncio.gather(*(post(session, body, h) for body, h in requests))
        took = time.monotonic() - started
        assert (await asyncio.to_thread(urllib.request.urlopen, f"{bot.url}/healthz")).status == 200
    log = bot.output()
    counts = Counter(statuses)
    assert not [s for s in statuses if s >= 500], counts
    assert set(counts) <= {400, 401}, counts
    assert counts[400] > 100 and counts[401] > 100, (
        f"both the reading and the authentication were tried: {counts}"
    )
    assert "Traceback" not in log, log[-5000:]
    lines = [line for line in log.splitlines()[before:] if "POST /api/messages" in line]
    assert len(lines) == len(requests), "one log line per refused request"
    assert took < 60, f"1,000 requests took {took:.1f} s"
    with contextlib.closing(sqlite3.connect(bot.database)) as conn:
        assert conn.execute("SELECT count(*) FROM teams_addresses").fetchone() == (0,)


# --- a key endpoint that hangs -------------------------------------------------------------------


async def test_a_hanging_key_endpoint_leaves_healthz_answering_and_sigterm_stops_serve_promptly(
    tmp_path: Path, sqlite_template: Path
) -> None:
    with BotIdentityEmulator() as identity:
        identity.delay = 20.0  # longer than the whole test; released when the emulator stops
        with serve(tmp_path, sqlite_template, production_env(identity)) as bot:
            token = identity.token(app_id=APP_ID, service_url=SERVICE_URL)
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
                waiting = asyncio.create_task(
                    session.post(
                        f"{bot.url}/api/messages",
                        json=activity(),
                        headers={"Authorization": f"Bearer {token}"},
                    )
                )
                await asyncio.sleep(0.2)  # the message is in, waiting for the keys
                slowest = 0.0
                for _ in range(10):
                    started = time.monotonic()
                    async with session.get(
                        f"{bot.url}/healthz", timeout=aiohttp.ClientTimeout(total=5)
                    ) as health:
                        assert health.status == 200
                    slowest = max(slowest, time.monotonic() - started)
                    await asyncio.sleep(0.2)
                assert not waiting.done(), "the message waits for the keys meanwhile"
                stopped_in = await asyncio.to_thread(bot.stop)
                response = await waiting
                assert response.status == 401
                response.release()
    assert slowest < 1.0, f"/healthz took {slowest:.2f} s while the key endpoint hung"
    assert stopped_in < 8.0, f"serve took {stopped_in:.1f} s to stop after SIGTERM"
    log = bot.output()
    assert "Traceback" not in log, log
    assert "refused (401)" in log and "signing keys are unavailable" in log
    assert identity.requests == 1
