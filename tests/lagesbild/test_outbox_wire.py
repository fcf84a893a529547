"""The recorded Bot Connector samples (tests/fixtures/connector/) hold both ways: the
emulator answers in their shapes, and the outbox's Connector sends what they show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from lagesbild.outbox.auth import BotFrameworkTokens
from lagesbild.outbox.connector import Connector
from reporting.outbox import Outcome
from tests.emulators.connector import ConnectorEmulator
from tests.emulators.identity import LocalIdentityClient
from tests.emulators.seed import BOT_ID, tenant

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "connector"
APP_ID, APP_PASSWORD = "00000000-0000-0000-0000-00000000a99", "hemligt"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / name).read_text("utf-8"))
    return data


def keys(value: Any) -> set[str]:
    """Every key path in a JSON value (list items merged)."""
    found: set[str] = set()

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                found.add(prefix + k)
                walk(v, prefix + k + ".")
        elif isinstance(node, list):
            for item in node:
                walk(item, prefix)

    walk(value, "")
    return found


def world(emulator: ConnectorEmulator) -> None:
    anna = emulator.add_user(tenant(0), "29:1user-0", name="Anna Berg", email="anna.berg@fagersta.se",
                             aad_object_id="6f1c9b1e-0000-4000-8000-000000000001")  # fmt: skip
    bo = emulator.add_user(tenant(0), "29:1user-1", name="Bo Ek", email="bo.ek@fagersta.se",
                           aad_object_id="6f1c9b1e-0000-4000-8000-000000000002")  # fmt: skip
    emulator.add_conversation("a:1chat-0", tenant(0), [anna])
    emulator.add_conversation("19:team-general@thread.tacv2", tenant(0), [anna, bo])


@pytest.mark.parametrize(
    "name",
    ["create_conversation.json", "send_activity.json", "update_activity.json", "paged_members.json",
     "blocked.json", "not_found.json", "throttled.json", "too_big.json", "unauthorized.json",
     "token.json", "openid_configuration.json", "instance_discovery.json"],
)  # fmt: skip
async def test_the_emulator_answers_in_the_recorded_shape(name: str) -> None:
    recorded = sample(name)
    request = recorded["request"]
    async with ConnectorEmulator(
        require_auth=name == "unauthorized.json", app_id=APP_ID, app_password=APP_PASSWORD
    ) as emulator:
        world(emulator)
        if name == "blocked.json":
            emulator.block("a:1chat-0")
        if name == "throttled.json":
            emulator.fail_next("a:1chat-0", 429, retry_after=1)
        body: Any = request.get("body")
        if name == "too_big.json":
            body = {"type": "message", "text": "x" * 30_000}
        async with aiohttp.ClientSession() as session:
            url = emulator.url + request["path"]
            kwargs: dict[str, Any] = {"data": {**request["form"], "client_id": APP_ID, "client_secret": APP_PASSWORD}} \
                if "form" in request else {"json": body}  # fmt: skip
            async with session.request(request["method"], url, **kwargs) as response:
                answer = await response.json()
                assert response.status == recorded["status"], answer
                for header in recorded.get("headers", {}):
                    assert header in response.headers
    assert keys(recorded["body"]) <= keys(answer)


async def test_the_connector_sends_the_recorded_requests() -> None:
    async with ConnectorEmulator(require_auth=True, app_id=APP_ID, app_password=APP_PASSWORD) as emulator:
        world(emulator)
        identity = LocalIdentityClient(emulator.url)
        tokens = BotFrameworkTokens(APP_ID, APP_PASSWORD, http_client=identity)
        async with Connector(tokens) as connector:
            created = await connector.create_conversation(
                emulator.service_url, tenant_id=tenant(0), bot_id=BOT_ID, user_id="29:1user-0"
            )
            activity = sample("send_activity.json")["request"]["body"]
            sent = await connector.send_activity(emulator.service_url, "a:1chat-0", activity)
            update = {k: v for k, v in sample("update_activity.json")["request"]["body"].items() if k != "id"}
            updated = await connector.update_activity(
                emulator.service_url, "a:1chat-0", sent.activity_id or "", update
            )
        identity.close()

    assert created.outcome is Outcome.SENT and created.status_code == 201
    assert created.conversation_id and created.conversation_id.startswith("a:")
    assert emulator.created == [sample("create_conversation.json")["request"]["body"]]
    assert sent.outcome is Outcome.SENT and sent.status_code == 201 and sent.activity_id
    assert (
        updated.outcome is Outcome.SENT
        and updated.status_code == 200
        and updated.activity_id == sent.activity_id
    )
    posted, put = emulator.deliveries
    assert posted.activity == activity and put.activity["id"] == sent.activity_id
    paths = [(method, path) for method, path, *_ in emulator.requests]
    assert ("POST", sample("create_conversation.json")["request"]["path"]) in paths
    assert ("POST", sample("send_activity.json")["request"]["path"]) in paths  # a%3A1chat-0: encoded whole
    assert all(d.authorization and d.authorization.startswith("Bearer ") for d in emulator.deliveries)
    [(method, url)] = [c for c in identity.calls if c[0] == "POST"]
    assert url.endswith(sample("token.json")["request"]["path"])
