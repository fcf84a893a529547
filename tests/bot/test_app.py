"""The HTTP edge: authentication, the channel and tenant gate, bad bodies, health."""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from lagesbild.settings import Settings
from storage.database import Database
from tests.conftest import table_count
from tests.world import TENANT, Municipality


def settings_for(database_url: str, **extra: str) -> Settings:
    return Settings(DATABASE_URL=database_url, **extra)  # type: ignore[arg-type]


def activity(channel: str = "msteams", tenant: str = TENANT, text: str = "rapportera") -> dict[str, object]:
    return {
        "type": "message", "id": "1", "channelId": channel, "text": text,
        "serviceUrl": "http://127.0.0.1:9/unreachable/",
        "from": {"id": "29:anna", "name": "Anna", "aadObjectId": "aad-anna"},
        "recipient": {"id": "28:bot", "name": "Lägesbild"},
        "conversation": {"id": "a:personal-anna", "conversationType": "personal", "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}},
    }  # fmt: skip


@pytest.fixture
async def client_for(database_url: str) -> AsyncIterator:  # type: ignore[type-arg]
    clients: list[TestClient] = []

    async def make(settings: Settings, *, dev: bool) -> TestClient:
        client = TestClient(TestServer(create_app(settings, dev=dev, start_jobs=False)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def _jwt(header: dict[str, object], claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}.c2lnbmF0dXJl"


UNREADABLE_TOKENS = [
    "forged.token.value",
    _jwt({"alg": "RS256", "typ": "JWT"}, {"aud": "11111111-aaaa-bbbb-cccc-000000000000"}),  # no issuer
    _jwt({"alg": "RS256", "typ": "JWT"}, {"iss": "https://api.botframework.com"}),  # no key id
    _jwt({"alg": "none"}, {"iss": "https://api.botframework.com", "aud": "x"}),
    _jwt({"alg": "RS256", "kid": "unknown"}, {"iss": ["not", "a", "string"]}),
]


async def test_with_credentials_an_unauthenticated_post_is_401_and_nothing_is_stored(
    client_for, database_url: str, municipality: Municipality, db: Database
) -> None:  # type: ignore[no-untyped-def]
    from tests.emulators.bot_identity import BotIdentityEmulator

    with BotIdentityEmulator() as identity:
        settings = settings_for(database_url, MicrosoftAppId="11111111-aaaa-bbbb-cccc-000000000000",
                                MicrosoftAppPassword="not-a-real-secret", LAGESBILD_ALLOWED_TENANTS=TENANT,
                                LAGESBILD_BOT_OPENID_METADATA_URL=identity.metadata_url)  # fmt: skip
        client = await client_for(settings, dev=False)
        for headers in ({}, *({"Authorization": f"Bearer {token}"} for token in UNREADABLE_TOKENS)):
            response = await client.post("/api/messages", json=activity(), headers=headers)
            assert response.status == 401, headers
    assert await table_count(db, "teams_addresses") == 0
    assert await table_count(db, "submissions") == 0


async def test_other_channels_and_tenants_are_dropped(
    client_for, database_url: str, municipality: Municipality, db: Database
) -> None:  # type: ignore[no-untyped-def]
    client = await client_for(settings_for(database_url, LAGESBILD_ALLOWED_TENANTS=TENANT), dev=True)
    for body in (activity(channel="emulator"), activity(tenant="99999999-0000-0000-0000-000000000000")):
        response = await client.post("/api/messages", json=body)
        assert response.status == 201
    assert await table_count(db, "teams_addresses") == 0, "a dropped activity leaves no trace"


async def test_bad_bodies_get_4xx_not_500(client_for, database_url: str) -> None:  # type: ignore[no-untyped-def]
    client = await client_for(settings_for(database_url), dev=True)
    assert (
        await client.post("/api/messages", data=b"{not json", headers={"Content-Type": "application/json"})
    ).status == 400
    assert (await client.post("/api/messages", data=b"hello")).status == 415
    health = await client.get("/healthz")
    assert health.status == 200 and (await health.json()) == {"status": "ok"}
    metrics = await (await client.get("/metrics")).text()
    assert 'lagesbild_outbox_messages{state="pending"} 0' in metrics


def test_create_app_refuses_to_run_without_credentials_unless_dev(database_url: str) -> None:
    with pytest.raises(RuntimeError, match="--dev"):
        create_app(settings_for(database_url), dev=False)


def test_serve_without_credentials_refuses_and_says_why(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("Microsoft")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    result = subprocess.run([sys.executable, "-m", "lagesbild", "serve"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 1
    assert "MicrosoftAppId och MicrosoftAppPassword saknas" in result.stderr and "--dev" in result.stderr


APP_ID = "11111111-aaaa-bbbb-cccc-000000000000"


def invoke(cycle: int) -> dict[str, object]:
    body = activity()
    body.update(
        type="invoke", name="adaptiveCard/action", text=None,
        value={"action": {"type": "Action.Execute", "verb": "report.nothing_this_period", "data": {"cycle": cycle}}},
    )  # fmt: skip
    return body


async def test_only_a_token_signed_by_the_bot_framework_for_this_app_is_accepted(
    client_for, database_url: str, municipality: Municipality, db: Database
) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.emulators.bot_identity import BotIdentityEmulator

    with BotIdentityEmulator() as identity:
        settings = settings_for(database_url, MicrosoftAppId=APP_ID, MicrosoftAppPassword="not-a-real-secret",
                                LAGESBILD_ALLOWED_TENANTS=TENANT,
                                LAGESBILD_BOT_OPENID_METADATA_URL=identity.metadata_url)  # fmt: skip
        client = await client_for(settings, dev=False)
        service_url = str(activity()["serviceUrl"])
        stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        refused = [
            identity.token(app_id=APP_ID, service_url=service_url, key=stranger_key),
            identity.token(app_id="22222222-0000-0000-0000-000000000000", service_url=service_url),
            identity.token(app_id=APP_ID, service_url="https://evil.example/"),
        ]
        for token in refused:
            response = await client.post("/api/messages", json=invoke(municipality.cycle.id),
                                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            assert response.status == 401
        assert await table_count(db, "submissions") == 0

        good = identity.token(app_id=APP_ID, service_url=service_url)
        response = await client.post("/api/messages", json=invoke(municipality.cycle.id),
                                     headers={"Authorization": f"Bearer {good}"})  # fmt: skip
        assert response.status == 200
        body = await response.json()
        assert body["value"]["body"][0]["text"].startswith("Tack! Inskickad")
        assert identity.requests >= 2, "the keys came from the emulated metadata endpoint"
    assert await table_count(db, "submissions") == 1


def production(database_url: str, metadata_url: str, **extra: str) -> Settings:
    return settings_for(database_url, MicrosoftAppId=APP_ID, MicrosoftAppPassword="not-a-real-secret",
                        LAGESBILD_ALLOWED_TENANTS=TENANT, LAGESBILD_BOT_OPENID_METADATA_URL=metadata_url,
                        **extra)  # fmt: skip


def _nested(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = {"x": [value]}
    return value


NOT_ACTIVITIES: list[bytes] = [
    b"[1]", b"null", b'"rapportera"', b"1", b"{}", b'{"type": 5}', b'{"type": ""}',
    json.dumps(activity() | {"from": "29:anna"}).encode(),
    json.dumps(activity() | {"conversation": []}).encode(),
    json.dumps(activity() | {"recipient": {"id": {"nested": 1}}}).encode(),
    json.dumps(activity() | {"timestamp": "igår"}).encode(),
    json.dumps(activity() | {"timestamp": "2024-13-45T25:61:00Z"}).encode(),
    json.dumps(activity() | {"localTimestamp": 1700000000}).encode(),
    json.dumps(activity() | {"entities": [1]}).encode(),
    json.dumps(activity() | {"attachments": {"contentType": "x"}}).encode(),
    json.dumps(activity() | {"membersAdded": [{"id": []}]}).encode(),
    json.dumps(activity() | {"channelData": _nested(200)}).encode(),
    b"[" * 100_000 + b"]" * 100_000,  # deeper than json can read at all
    b'{"type": "message", "text": "\xff\xfe"}',  # not UTF-8
]  # fmt: skip


async def test_a_body_that_is_not_an_activity_is_400_with_one_log_line_before_authentication(
    client_for, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    from tests.emulators.bot_identity import BotIdentityEmulator

    with BotIdentityEmulator() as identity:
        client = await client_for(production(database_url, identity.metadata_url), dev=False)
        token = identity.token(app_id=APP_ID, service_url=str(activity()["serviceUrl"]))
        for body in NOT_ACTIVITIES:
            for headers in ({}, {"Authorization": f"Bearer {token}"}):
                caplog.clear()
                response = await client.post("/api/messages", data=body,
                                             headers={"Content-Type": "application/json", **headers})  # fmt: skip
                assert response.status == 400, (body[:80], response.status)
                lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
                assert len(lines) == 1 and lines[0].exc_info is None, [r.getMessage() for r in lines]
                assert "(400)" in lines[0].getMessage()


async def test_a_token_without_exp_expired_or_from_the_emulator_is_401_and_fetches_nothing(
    client_for, database_url: str, municipality: Municipality, db: Database, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from tests.emulators.bot_identity import BotIdentityEmulator

    with BotIdentityEmulator() as identity:
        client = await client_for(production(database_url, identity.metadata_url), dev=False)
        service_url = str(activity()["serviceUrl"])
        good = identity.token(app_id=APP_ID, service_url=service_url)
        response = await client.post("/api/messages", json=invoke(municipality.cycle.id),
                                     headers={"Authorization": f"Bearer {good}"})  # fmt: skip
        assert response.status == 200
        fetched = identity.requests
        assert fetched == 2, "the metadata and the key set, once"
        past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        refused = {
            "no exp": identity.token(app_id=APP_ID, service_url=service_url, without=("exp",)),
            "expired": identity.token(app_id=APP_ID, service_url=service_url, exp=past, nbf=past),
            "emulator": identity.token(
                app_id=APP_ID, service_url=service_url,
                iss="https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0",
            ),
            "no aud": identity.token(app_id=APP_ID, service_url=service_url, without=("aud",)),
        }  # fmt: skip
        for what, token in refused.items():
            caplog.clear()
            response = await client.post("/api/messages", json=invoke(municipality.cycle.id),
                                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            assert response.status == 401, what
            lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
            assert len(lines) == 1 and "refused (401)" in lines[0].getMessage(), what
        for _ in range(5):
            response = await client.post("/api/messages", json=invoke(municipality.cycle.id),
                                         headers={"Authorization": f"Bearer {good}"})  # fmt: skip
            assert response.status == 200
        assert identity.requests == fetched, "the keys are kept, and no token made the bot fetch anything"
    assert await table_count(db, "submissions") == 1


async def test_while_the_key_endpoint_fails_requests_get_401_and_it_is_not_asked_on_every_request(
    client_for, database_url: str, municipality: Municipality, db: Database, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    from tests.emulators.bot_identity import BotIdentityEmulator

    with BotIdentityEmulator() as identity:
        identity.status = 500
        client = await client_for(production(database_url, identity.metadata_url), dev=False)
        token = identity.token(app_id=APP_ID, service_url=str(activity()["serviceUrl"]))
        for _ in range(5):
            response = await client.post("/api/messages", json=invoke(municipality.cycle.id),
                                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            assert response.status == 401
            assert (await client.get("/healthz")).status == 200
        assert identity.requests == 1, "one failed fetch, then a pause before the next"
    assert not any(r.exc_info for r in caplog.records)
    assert any("signing keys could not be fetched" in r.getMessage() and "HTTP 500" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    assert await table_count(db, "submissions") == 0
