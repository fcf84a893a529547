"""The IMAP mailbox: TLS or STARTTLS, XOAUTH2 (a token from msal) or a password, IDLE.

IMAPClient is synchronous, so every call runs in a worker thread, one at a time (a lock).
What is waiting is everything in the inbox folder that is not deleted: a processed mail
is moved out (to `processed_folder`, default "Behandlade", created when missing), so
the inbox holds only mail not yet processed. Bodies are fetched with ``BODY.PEEK[]`` so
nobody's unread flags change. MOVE (RFC 6851) is used where the server has it, else
COPY + \\Deleted + (UID) EXPUNGE. `wait` uses IDLE where the server announces it, in one
second steps so that `aclose` ends it promptly; without IDLE it sleeps. A broken
connection is dropped and opened again at the next call.

Run one poller per mailbox. Two pollers racing over the same mail store it once (the
pipeline's claim), but both may move it, and a server may then file it twice in the
processed folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import ssl
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from imapclient import IMAPClient

from intake.mailbox import InboundItem
from intake.tokens import MailTokens

log = logging.getLogger(__name__)

T = TypeVar("T")

IDLE_STEP = 1.0
IDLE_MAX = 25 * 60.0  # RFC 2177: re-issue IDLE at least every 29 minutes


class ImapMailbox:
    source = "imap"

    def __init__(
        self,
        *,
        host: str,
        port: int = 993,
        security: str = "tls",
        username: str,
        password: str = "",
        tokens: MailTokens | None = None,
        folder: str = "INBOX",
        processed_folder: str = "Behandlade",
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
    ) -> None:
        if security not in ("tls", "starttls", "none"):
            raise ValueError("security must be tls, starttls or none")
        self.host, self.port, self.security = host, port, security
        self.username, self._password, self.tokens = username, password, tokens
        self.folder, self.processed_folder = folder, processed_folder
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.timeout = timeout
        self._client: IMAPClient | None = None
        self._lock = asyncio.Lock()
        self._stop = threading.Event()
        self._idle: asyncio.Future[None] | None = None
        self.logins = 0

    # -- connection (worker thread) ----------------------------------------------------

    def _connect(self) -> IMAPClient:
        if self._client is not None:
            return self._client
        if self.security == "tls":
            client = IMAPClient(
                self.host, self.port, ssl=True, ssl_context=self.ssl_context, timeout=self.timeout
            )
        else:
            client = IMAPClient(self.host, self.port, ssl=False, timeout=self.timeout)
            if self.security == "starttls":
                client.starttls(self.ssl_context)
        try:
            if self.tokens is not None:
                client.oauth2_login(self.username, self.tokens.token_sync())
            else:
                client.login(self.username, self._password)
            self.logins += 1
            if not client.folder_exists(self.processed_folder):
                client.create_folder(self.processed_folder)
                log.info("IMAP folder %r created", self.processed_folder)
            client.select_folder(self.folder)
        except Exception:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        self._client = client
        return client

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.logout()
            with contextlib.suppress(Exception):
                client.shutdown()

    def _call(self, work: Callable[[IMAPClient], T]) -> T:
        try:
            return work(self._connect())
        except Exception:
            self._drop()  # the next call starts from a fresh connection
            raise

    async def _run(self, work: Callable[[IMAPClient], T]) -> T:
        async with self._lock:
            return await asyncio.to_thread(self._call, work)

    # -- the Mailbox protocol ----------------------------------------------------------

    async def fetch(self, limit: int) -> list[InboundItem]:
        def work(client: IMAPClient) -> list[InboundItem]:
            client.noop()  # learn of mail that arrived since the folder was selected
            uids = sorted(client.search(["NOT", "DELETED"]))[:limit]
            if not uids:
                return []
            data = client.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"])
            items = []
            for uid in uids:
                entry: dict[bytes, Any] = data.get(uid, {})
                raw = entry.get(b"BODY[]")
                if raw is None:
                    continue  # expunged meanwhile
                when = entry.get(b"INTERNALDATE")
                received = when.astimezone(dt.UTC) if isinstance(when, dt.datetime) and when.tzinfo else None
                items.append(InboundItem(bytes(raw), str(uid), self.source, received))
            return items

        return await self._run(work)

    async def acknowledge(self, item: InboundItem) -> None:
        uid = int(item.mailbox_id)

        def work(client: IMAPClient) -> None:
            if client.has_capability("MOVE"):
                client.move([uid], self.processed_folder)
                return
            client.copy([uid], self.processed_folder)
            client.delete_messages([uid])
            if client.has_capability("UIDPLUS"):
                client.uid_expunge([uid])
            else:
                client.expunge()

        await self._run(work)

    async def end_round(self, complete: bool) -> None:
        return None

    def _idle_wait(self, timeout: float) -> None:
        try:
            client = self._connect()
            if not client.has_capability("IDLE"):
                self._stop.wait(timeout)
                return
            client.idle()
            try:
                waited = 0.0
                limit = min(timeout, IDLE_MAX)
                while waited < limit and not self._stop.is_set():
                    responses = client.idle_check(timeout=IDLE_STEP)
                    waited += IDLE_STEP
                    if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                        return
            finally:
                client.idle_done()
        except Exception:
            log.warning("IMAP IDLE ended with an error; reconnecting at the next poll", exc_info=True)
            self._drop()
            self._stop.wait(min(timeout, 5.0))

    async def wait(self, timeout: float) -> None:
        """Until new mail arrives (IDLE) or `timeout` seconds pass."""
        async with self._lock:
            self._idle = asyncio.ensure_future(asyncio.to_thread(self._idle_wait, timeout))
            try:
                await asyncio.shield(self._idle)
            finally:
                if self._idle.done():
                    self._idle = None

    async def aclose(self) -> None:
        self._stop.set()
        if self._idle is not None:
            with contextlib.suppress(Exception):
                await self._idle
            self._idle = None
        await asyncio.to_thread(self._drop)
        self._stop.clear()
