"""`lagesbild serve --dev` with credentials set: 127.0.0.1 only, whatever --host says, and the
tenant filter as in production."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
from pathlib import Path

import aiohttp
import pytest

from tests.bot.serve_process import SERVICE_URL, production_env, serve
from tests.bot.test_app import APP_ID, activity
from tests.emulators.bot_identity import BotIdentityEmulator


def _listening(port: int) -> set[str]:
    """The local addresses with a TCP socket listening on `port` (Linux's /proc/net/tcp{,6})."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if width == 32 and not Path(table).exists():  # IPv6 switched off
            continue
        with open(table) as lines:
            for line in list(lines)[1:]:
                local, state = line.split()[1], line.split()[3]
                address, _, port_hex = local.partition(":")
                if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                    raw = bytes.fromhex(address)
                    if width == 8:
                        found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                    else:
                        words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                        found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def _other_addresses() -> set[str]:
    """This machine's IPv4 addresses that are not loopback."""
    addresses = set()
    with contextlib.suppress(OSError):
        addresses |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing address
        addresses.add(probe.getsockname()[0])
    return {a for a in addresses if not a.startswith("127.") and a != "0.0.0.0"}


async def test_dev_with_credentials_listens_on_loopback_only_and_no_tenant_gets_in_unlisted(
    tmp_path: Path, sqlite_template: Path
) -> None:
    with BotIdentityEmulator() as identity:
        env = production_env(identity)  # credentials, and no LAGESBILD_ALLOWED_TENANTS
        with serve(tmp_path, sqlite_template, env, "--dev", "--host", "0.0.0.0") as bot:
            assert _listening(bot.port) == {"127.0.0.1"}
            for address in _other_addresses():
                with pytest.raises(OSError), socket.create_connection((address, bot.port), timeout=2):
                    pass
            token = identity.token(app_id=APP_ID, service_url=SERVICE_URL)
            async with aiohttp.ClientSession() as session:
                refused = await session.post(f"{bot.url}/api/messages", json=activity())
                assert refused.status == 401, "authentication stays on"
                response = await session.post(f"{bot.url}/api/messages", json=activity(tenant="any-tenant"),
                                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
                assert response.status == 201
    log = bot.output()
    assert f"http://127.0.0.1:{bot.port}/api/messages" in log
    assert "dropped message activity: no tenant is allowed" in log, log
    with contextlib.closing(sqlite3.connect(bot.database)) as conn:
        assert conn.execute("SELECT count(*) FROM teams_addresses").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM teams_unknown_users").fetchone() == (0,)
