"""Helpers for the intake tests: fixture mail addressed to the seeded municipality."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from intake.graph import GraphMailbox
from intake.tokens import GRAPH_SCOPE, MailTokens
from lagesbild.operations.cycles import open_cycle, plan
from lagesbild.operations.groups import create_group
from lagesbild.operations.members import import_members
from storage.database import Database
from tests.emulators.graph import GraphEmulator
from tests.emulators.identity import LocalIdentityClient
from tests.intake.servers import Dovecot, start_dovecot
from tests.world import MEMBERS, TZ, Municipality

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "email"
IMAP_USER, IMAP_PASSWORD = "lagesbild", "imap-hemligt"
MAILBOX = "lagesbild@fagersta.se"
FIXTURE_PROMPT_ID = b"<lb.12.3.1732435200@lagesbild.fagersta.se>"

T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=TZ)
"""A fixed Monday for the tests that must not depend on today's date. From it, group EST
(every other week) has cycle 1 for v. 9–10 (24 Feb–9 Mar; opened at 8.00 that day,
deadline Wed 5 Mar 12.00), cycle 2 for v. 11–12 (10–23 Mar; opens Mon 17 Mar 8.00,
deadline Wed 19 Mar 12.00) and cycle 3 for v. 13–14."""


async def municipality_at(db: Database, now: dt.datetime = T0) -> Municipality:
    """tests/world.py's municipality (group EST, Anna, Bo, Cecilia the coordinator), seeded at
    `now` instead of today: three cycles planned, the first one open."""
    group, _ = await create_group(db, organisation="Fagersta kommun", name="EST", preset="est-fagersta",
                                  today=now.astimezone(TZ).date(), tz=TZ)  # fmt: skip
    await import_members(db, organisation="Fagersta kommun", csv_text=MEMBERS)
    await plan(db, group, count=3, now=now, tz=TZ)
    return Municipality(group, (await open_cycle(db, group, now=now, tz=TZ, renderers={})).cycle)


def fixture_mail(
    name: str,
    *,
    sender: str,
    cycle_id: int | None = None,
    in_reply_to: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """A fixture email as if `sender` wrote it in reply to the prompt of `cycle_id`.

    The From header is replaced; ``[LB-12]`` becomes ``[LB-{cycle_id}]`` (or is removed
    when `cycle_id` is None); the fixture's prompt Message-ID becomes `in_reply_to` (or
    is removed)."""
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    raw = re.sub(rb"(?m)^From: [^\r\n]*", f"From: {sender}".encode(), raw, count=1)
    token = f"[LB-{cycle_id}]".encode() if cycle_id is not None else b""
    raw = raw.replace(b"[LB-12]", token)
    raw = raw.replace(
        FIXTURE_PROMPT_ID, in_reply_to.encode() if in_reply_to else b"<elsewhere@example.invalid>"
    )
    if message_id is not None:
        raw = re.sub(rb"(?mi)^Message-I[dD]: [^\r\n]*", f"Message-ID: {message_id}".encode(), raw, count=1)
    return raw


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A throwaway Dovecot with one mailbox user (see tests/intake/servers.py)."""
    server = start_dovecot({IMAP_USER: IMAP_PASSWORD})
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Cloud:
    emulator: GraphEmulator
    url: str
    identity: LocalIdentityClient

    def tokens(self, scope: str = GRAPH_SCOPE) -> MailTokens:
        e = self.emulator
        return MailTokens(scope=scope, tenant_id=e.tenant, client_id=e.client_id, client_secret=e.client_secret,
                          http_client=self.identity)  # fmt: skip

    def mailbox(self, db: Database, tokens: MailTokens | None = None) -> GraphMailbox:
        return GraphMailbox(
            db, graph_url=f"{self.url}/v1.0", mailbox=MAILBOX, tokens=tokens or self.tokens(), page_size=2
        )


@pytest.fixture
async def cloud() -> AsyncIterator[Cloud]:
    emulator = GraphEmulator()
    runner = web.AppRunner(emulator.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    identity = LocalIdentityClient(url)
    try:
        yield Cloud(emulator, url, identity)
    finally:
        identity.close()
        await runner.cleanup()
