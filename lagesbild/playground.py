"""The Microsoft 365 Agents Playground as Lägesbild's local Teams client (demo and end-to-end tests).

`Playground` installs the npm package pinned in `tools/playground/` on first use (`npm ci`),
writes a config file with stable ids (tenant, bot, six mock users, the current user's personal
chat, a group chat, a team with one extra channel), starts the Playground on 127.0.0.1 with
`TEAMSAPPTESTER_BROWSER=none` pointed at the bot's `/api/messages`, waits until it answers and
stops its whole process group. It passes no credentials: the Playground talks to the bot
without authentication, so the bot must run in dev mode.

The mock users are the demo municipality's Teams members (`lagesbild/demo_data/members.csv`);
the bot maps them by AAD object id, then by email. The Playground shows one person's view, the
*current user*: only that user has a personal chat in the page, and every message typed in the
page comes from that user. `PlaygroundConfig.for_user()` picks who that is; the other five are
in the group chat and the team. What the Playground does and does not do is written up in
`tools/playground/README.md`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from lagesbild.playground_config import PlaygroundConfig, PlaygroundError
from lagesbild.playground_install import (
    REPO_ROOT,
    TOOL_DIR,
    check_node,
    child_env,
    ensure_installed,
    pinned_version,
    tail,
)

log = logging.getLogger(__name__)

DEFAULT_PORT = 56150
CONFIG_FILE_NAME = ".m365agentsplayground.yml"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Node does: TIME_WAIT is free
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


async def http_get(host: str, port: int, path: str, *, timeout: float = 2.0) -> tuple[int, bytes]:
    """A bare HTTP/1.0 GET (no proxies, no extra dependency) for readiness checks."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(f"GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\n\r\n".encode("ascii"))
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, body


def die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the Playground gets SIGTERM if the Python process dies without stopping it."""
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Playground:
    """One running Agents Playground. `async with Playground(bot_endpoint) as pg: print(pg.url)`."""

    def __init__(
        self,
        bot_endpoint: str,
        *,
        port: int | None = None,
        config: PlaygroundConfig | None = None,
        work_dir: Path | None = None,
        tool_dir: Path = TOOL_DIR,
        host: str = "127.0.0.1",
        startup_timeout: float = 30.0,
        record_events: bool = False,
    ) -> None:
        if not re.match(r"^https?://[^/]+/", bot_endpoint):
            raise PlaygroundError(f"Ogiltig bot-adress / invalid bot endpoint: {bot_endpoint!r}")
        self.bot_endpoint = bot_endpoint
        self.config = config or PlaygroundConfig()
        self.host = host
        self._requested_port = port
        self.port = 0
        self.tool_dir = tool_dir
        self.work_dir = work_dir
        self.startup_timeout = startup_timeout
        self.record_events = record_events
        self._proc: asyncio.subprocess.Process | None = None
        self._out: Path | None = None

    @property
    def url(self) -> str:
        """The page for a person to open."""
        return f"http://{self.host}:{self.port}"

    @property
    def service_url(self) -> str:
        """The serviceUrl in every activity: the Playground's mock Bot Connector."""
        return f"http://{self.host}:{self.port}/_connector"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def log_path(self) -> Path:
        assert self.work_dir is not None
        return self.work_dir / "m365agentsplayground.log"

    @property
    def recording_path(self) -> Path:
        assert self.work_dir is not None
        return self.work_dir / "events-recording.log"

    @property
    def config_path(self) -> Path:
        assert self.work_dir is not None
        return self.work_dir / CONFIG_FILE_NAME

    def last_log_lines(self, lines: int = 30) -> str:
        parts = []
        for path in (self._out, self.log_path if self.work_dir else None):
            if path is not None and path.is_file():
                parts.append(f"--- {path}\n{tail(path.read_text('utf-8', errors='replace'), lines)}")
        return "\n".join(parts) or "(inga loggrader / no log lines)"

    async def start(self) -> None:
        if self._proc is not None:
            raise PlaygroundError("Agents Playground kör redan / is already running")
        node = check_node()
        cli = await asyncio.to_thread(ensure_installed, self.tool_dir)
        if self._requested_port is None:
            self.port = free_port(self.host)
        elif _port_is_free(self.host, self._requested_port):
            self.port = self._requested_port
        else:
            raise PlaygroundError(
                f"Port {self._requested_port} är upptagen; stoppa det som använder den eller välj en annan port. "
                f"/ Port {self._requested_port} is in use; stop what uses it or choose another port."
            )
        if self.work_dir is None:
            self.work_dir = REPO_ROOT / ".tools" / "playground-run" / str(self.port)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.config.render(), "utf-8")
        self._out = self.work_dir / "playground.out"
        telemetry_off = {
            "disableAppInsights": True,
            "disableStatsbeat": True,
            "enableAutoCollectHeartbeat": False,
        }
        env = child_env(
            {
                "TEAMSAPPTESTER_BROWSER": "none",
                "BOT_ENDPOINT": self.bot_endpoint,
                "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(self.config_path),
                "M365_AGENTS_PLAYGROUND_LOGFILE": str(self.log_path),
                "M365_AGENTS_PLAYGROUND_RECORDING_FILE": str(self.recording_path),
                "APPLICATIONINSIGHTS_CONFIGURATION_CONTENT": json.dumps(telemetry_off),
                "APPLICATION_INSIGHTS_NO_STATSBEAT": "true",
                "LAGESBILD_PLAYGROUND_HOST": self.host,
                "FORCE_COLOR": "0",
            }
        )
        cmd = [
            node,
            "--require",
            str(self.tool_dir / "loopback-only.cjs"),
            str(cli),
            "start",
            "--app-endpoint",
            self.bot_endpoint,
            "--channel-id",
            "msteams",
            "--port",
            str(self.port),
            "--service-url",
            self.service_url,
            "--disable-telemetry",
        ]
        if self.record_events:
            cmd.append("--enable-events-recording")
        with open(self._out, "wb") as out:
            self._proc = await asyncio.create_subprocess_exec(
                *cmd,
                cwd=self.work_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent if sys.platform == "linux" else None,
            )
        try:
            await self._wait_ready()
        except BaseException:
            await self.stop()
            raise
        log.info(
            "Agents Playground %s kör på %s (bot: %s)",
            pinned_version(self.tool_dir),
            self.url,
            self.bot_endpoint,
        )

    async def _wait_ready(self) -> None:
        assert self._proc is not None and self._out is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.startup_timeout
        problem = "ingen port ännu / no port yet"
        while loop.time() < deadline:
            if self._proc.returncode is not None:
                raise PlaygroundError(
                    f"Agents Playground avslutades med kod {self._proc.returncode} innan den var redo "
                    f"/ exited with code {self._proc.returncode} before it was ready.\n{self.last_log_lines()}"
                )
            listening = re.search(r"Listening on (\d+)", self._out.read_text("utf-8", errors="replace"))
            if listening and int(listening.group(1)) != self.port:
                raise PlaygroundError(
                    f"Agents Playground lyssnar på port {listening.group(1)}, inte {self.port} "
                    f"/ listens on port {listening.group(1)}, not {self.port}.\n{self.last_log_lines()}"
                )
            if listening:
                problem = await self._probe()
                if not problem:
                    return
            await asyncio.sleep(0.1)
        raise PlaygroundError(
            f"Agents Playground startade inte inom {self.startup_timeout:.0f} s på port {self.port} ({problem}) "
            f"/ did not start within {self.startup_timeout:.0f} s.\n{self.last_log_lines()}"
        )

    async def _probe(self) -> str:
        """Empty when ready and running on our config file; otherwise what is wrong."""
        try:
            status, body = await http_get(self.host, self.port, "/_debug/ping")
            if status != 200 or body != b"pong":
                return f"/_debug/ping svarade {status}"
            status, body = await http_get(self.host, self.port, "/_internal/v1/testConfig")
        except (OSError, TimeoutError) as exc:
            return f"{type(exc).__name__}: {exc}"
        loaded = json.loads(body)["config"] if status == 200 else {}
        if loaded.get("personalChat", {}).get("id") != self.config.personal_chat_id:
            raise PlaygroundError(
                f"Agents Playground läste inte {self.config_path} / did not load its config file "
                f"(personal chat {loaded.get('personalChat')}).\n{self.last_log_lines()}"
            )
        return ""

    async def stop(self) -> None:
        """Stop the Playground's process group: SIGTERM, then SIGKILL after 5 s."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                await asyncio.wait_for(proc.wait(), 5.0)
                break
            except TimeoutError:
                continue
        with contextlib.suppress(ProcessLookupError):  # anything the node process left behind
            os.killpg(proc.pid, signal.SIGKILL)

    async def __aenter__(self) -> Playground:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def summary(self) -> str:
        """What a person needs to know, in Swedish, for the demo to print."""
        me = self.config.current_user
        return (
            f"Agents Playground: {self.url}\n"
            f"  Du är {me.name} ({me.email}); din chatt med boten har id {self.config.personal_chat_id}.\n"
            f"  Teamet {self.config.team_name} har kanalen {self.config.channel_name}; "
            f"gruppchatten heter {self.config.group_chat_name}."
        )
