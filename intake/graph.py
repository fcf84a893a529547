"""The Microsoft Graph mailbox: delta query on the inbox, MIME by ``$value``, move after commit.

A round follows ``/users/{mailbox}/mailFolders/inbox/messages/delta`` from the stored
deltaLink (the first round from the start: everything in the inbox) through its
``@odata.nextLink`` pages to a new ``@odata.deltaLink``, skipping ``@removed`` entries
(mail moved out, by us or by a person). Each new message's MIME comes from
``/messages/{id}/$value``; after `ingest` committed it, it is moved to the processed
folder (``POST /messages/{id}/move``; the folder is created when missing). The new
deltaLink is stored in the database (`mailbox_states`) only when every mail of the round
was finished, so a crash means the same mail is seen again and found a duplicate.

Tokens come from msal (`intake.tokens.MailTokens`, scope Graph). A 429 is waited out
(Retry-After) and a 401 refreshes the token, a few times at most; other errors raise
`GraphError`, which the poller logs and retries later.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Any
from urllib.parse import quote

import aiohttp

from intake.mailbox import InboundItem
from intake.tokens import MailTokens
from lagesbild.outbox.results import parse_retry_after
from storage.database import Database
from storage.repositories.inbound import InboundRepository

log = logging.getLogger(__name__)

SELECT = "id,receivedDateTime,internetMessageId,subject"
MAX_TRIES = 4


class GraphError(RuntimeError):
    """Graph answered with an error that a retry within this call did not cure."""

    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        super().__init__(f"Graph {status}: {detail[:300]}")


def _received(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    with contextlib.suppress(ValueError):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)
    return None


class GraphMailbox:
    source = "graph"

    def __init__(
        self,
        db: Database,
        *,
        graph_url: str,
        mailbox: str,
        tokens: MailTokens,
        processed_folder: str = "Behandlade",
        session: aiohttp.ClientSession | None = None,
        page_size: int = 50,
        timeout: float = 60.0,
    ) -> None:
        self.db = db
        self.base = graph_url.rstrip("/")
        self.mailbox = mailbox
        self.user = f"{self.base}/users/{quote(mailbox, safe='@')}"
        self.tokens = tokens
        self.processed_folder = processed_folder
        self.page_size = page_size
        self.state_key = f"graph:{mailbox.lower()}"
        self._session = session
        self._own_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._folder_id: str | None = None
        self._next_delta: str | None = None
        self._stop = asyncio.Event()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._own_session = True
        return self._session

    async def _request(self, method: str, url: str, *, json: Any = None, raw: bool = False,
                       ok: tuple[int, ...] = (200, 201, 202)) -> tuple[int, Any]:  # fmt: skip
        """(status, JSON or bytes); 404 and 409 are returned, not raised, for the caller to judge."""
        for attempt in range(1, MAX_TRIES + 1):
            token = await self.tokens.token()
            headers = {"Authorization": f"Bearer {token}", "Prefer": f"odata.maxpagesize={self.page_size}"}
            async with self._client().request(method, url, json=json, headers=headers) as response:
                status = response.status
                if status in ok or status in (404, 409):
                    body = await response.read()
                    if raw and status in ok:
                        return status, body
                    return status, (await response.json(content_type=None)) if body else None
                detail = await response.text()
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if attempt == MAX_TRIES:
                raise GraphError(status, detail)
            if status == 401:
                self.tokens.invalidate()
            elif status == 429 or status >= 500:
                await asyncio.sleep(min(retry_after if retry_after is not None else attempt, 30.0))
            else:
                raise GraphError(status, detail)
        raise AssertionError("unreachable")

    async def _delta_start(self) -> str:
        async with self.db.session(readonly=True) as s:
            stored = await InboundRepository(s).delta_link(self.state_key)
        return stored or f"{self.user}/mailFolders/inbox/messages/delta?$select={SELECT}"

    async def fetch(self, limit: int) -> list[InboundItem]:
        start = await self._delta_start()
        try:
            entries = await self._delta(start)
        except GraphError as exc:
            if exc.status != 410 or "$deltatoken" not in start:
                raise
            # The sync state expired (Graph: 410 resyncRequired): read the inbox from the start;
            # whatever was processed before is found a duplicate and moved.
            log.warning("Graph delta for %s expired; reading the whole inbox again", self.mailbox)
            entries = await self._delta(f"{self.user}/mailFolders/inbox/messages/delta?$select={SELECT}")
        items = []
        for entry in entries:
            if "@removed" in entry or not entry.get("id"):
                continue
            if len(items) >= limit:
                break
            message_id = str(entry["id"])
            status, raw = await self._request("GET", f"{self.user}/messages/{quote(message_id, safe='')}/$value",
                                              raw=True)  # fmt: skip
            if status == 404:
                continue  # moved or deleted since the delta listed it
            items.append(
                InboundItem(bytes(raw), message_id, self.source, _received(entry.get("receivedDateTime")))
            )
        return items

    async def _delta(self, url: str | None) -> list[dict[str, Any]]:
        """Every entry from `url` through the nextLink pages; the final deltaLink is kept for
        `end_round`."""
        entries: list[dict[str, Any]] = []
        self._next_delta = None
        while url:
            status, page = await self._request("GET", url)
            if status == 404 or not isinstance(page, dict):
                raise GraphError(status, "the inbox delta was not found")
            entries.extend(v for v in page.get("value", []) if isinstance(v, dict))
            url = page.get("@odata.nextLink")
            if not url:
                self._next_delta = page.get("@odata.deltaLink")
        return entries

    async def _folder(self) -> str:
        if self._folder_id is not None:
            return self._folder_id
        name = self.processed_folder.replace("'", "''")
        url = f"{self.user}/mailFolders?$filter=displayName eq '{name}'"
        for _ in range(2):
            _, found = await self._request("GET", url)
            values = found.get("value", []) if isinstance(found, dict) else []
            if values:
                self._folder_id = str(values[0]["id"])
                return self._folder_id
            status, created = await self._request("POST", f"{self.user}/mailFolders",
                                                  json={"displayName": self.processed_folder})  # fmt: skip
            if status in (200, 201) and isinstance(created, dict):
                log.info("Graph mail folder %r created", self.processed_folder)
                self._folder_id = str(created["id"])
                return self._folder_id
        raise GraphError(409, f"mail folder {self.processed_folder!r} could not be found or created")

    async def acknowledge(self, item: InboundItem) -> None:
        folder = await self._folder()
        status, _ = await self._request("POST", f"{self.user}/messages/{quote(item.mailbox_id, safe='')}/move",
                                        json={"destinationId": folder})  # fmt: skip
        if status == 404:
            log.info("Graph message %s was already moved", item.mailbox_id)

    async def end_round(self, complete: bool) -> None:
        if complete and self._next_delta:
            async with self.db.session() as s:
                await InboundRepository(s).set_delta_link(self.state_key, self._next_delta,
                                                          now=dt.datetime.now(dt.UTC))  # fmt: skip
        self._next_delta = None

    async def wait(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout)

    async def aclose(self) -> None:
        self._stop.set()
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None
        self._stop = asyncio.Event()
