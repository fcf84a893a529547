"""The Graph emulator answers in the shapes recorded from the service (tests/fixtures/graph/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from tests.emulators.graph import GraphEmulator

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "graph"
MAILBOX = "/v1.0/users/lagesbild@fagersta.se"


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


async def test_the_emulator_answers_in_the_recorded_shapes() -> None:
    emulator = GraphEmulator()
    raw = (
        Path(__file__).resolve().parents[1] / "fixtures" / "email" / "outlook_sv_above_quote.eml"
    ).read_bytes()
    for _ in range(3):
        emulator.deliver(raw)
    async with TestClient(TestServer(emulator.app())) as client:
        form = {"client_id": emulator.client_id, "client_secret": emulator.client_secret,
                "scope": "https://graph.microsoft.com/.default", "grant_type": "client_credentials"}  # fmt: skip
        token = await (await client.post(f"/{emulator.tenant}/oauth2/v2.0/token", data=form)).json()
        assert keys(sample("token.json")["body"]) <= keys(token)
        auth = {"Authorization": f"Bearer {token['access_token']}", "Prefer": "odata.maxpagesize=2"}
        first = await (await client.get(f"{MAILBOX}/mailFolders/inbox/messages/delta", headers=auth)).json()
        assert keys(sample("delta_first_page.json")["body"]) <= keys(first)
        next_link = first["@odata.nextLink"].split(str(client.make_url("")), 1)[1]
        last = await (await client.get(next_link, headers=auth)).json()
        assert keys(sample("delta_last_page.json")["body"]) <= keys(last)
        created = await client.post(
            f"{MAILBOX}/mailFolders", json={"displayName": "Behandlade"}, headers=auth
        )
        assert created.status == 201 and keys(sample("create_folder.json")["body"]) <= keys(
            await created.json()
        )
        folders = await (await client.get(f"{MAILBOX}/mailFolders", params={"$filter": "displayName eq 'Behandlade'"},
                                          headers=auth)).json()  # fmt: skip
        assert keys(sample("mail_folders.json")["body"]) <= keys(folders)
        moved = await client.post(f"{MAILBOX}/messages/{first['value'][0]['id']}/move",
                                  json={"destinationId": folders["value"][0]["id"]}, headers=auth)  # fmt: skip
        assert moved.status == 201 and keys(sample("move.json")["body"]) <= keys(await moved.json())
        delta_link = last["@odata.deltaLink"].split(str(client.make_url("")), 1)[1]
        removed = await (await client.get(delta_link, headers=auth)).json()
        assert keys(sample("delta_removed.json")["body"]) <= keys(removed)
        emulator.script_send.append((429, 7.0))
        throttled = await client.post(f"{MAILBOX}/sendMail", data=b"", headers=auth)
        recorded = sample("send_mail_throttled.json")
        assert throttled.status == recorded["status"] and throttled.headers["Retry-After"] == "7"
        assert keys(recorded["body"]) <= keys(await throttled.json())
        missing = await client.post("/v1.0/users/ingen@fagersta.se/sendMail", data=b"", headers=auth)
        assert missing.status == 404 and keys(sample("error_invalid_user.json")["body"]) <= keys(
            await missing.json()
        )
