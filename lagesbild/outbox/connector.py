"""A Bot Connector REST client over one shared aiohttp session.

botbuilder's `CloudAdapter.continue_conversation` builds a new connector client (and
token client) per call, about 9 ms of CPU each, and its msrest transport neither retries
a POST nor hands `Retry-After` back. Outgoing messages therefore speak the Connector's
documented REST API here, over one `aiohttp.ClientSession` and one cached token:

- `POST {serviceUrl}/v3/conversations/{conversationId}/activities` → 201 `{"id": …}`
- `PUT {serviceUrl}/v3/conversations/{conversationId}/activities/{activityId}`
- `POST {serviceUrl}/v3/conversations` (a 1:1 chat: bot, members, channelData.tenant)

Every call returns a `SendResult` (results.py); none raises for an HTTP status, a
timeout or a refused connection. Service URLs are the ones Teams gave us in activities,
passed in by the caller. Without credentials (dev mode against the Agents Playground)
requests carry no Authorization header. Tokens are never logged.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from lagesbild.outbox.auth import BotFrameworkTokens, TokenError
from lagesbild.outbox.results import SendResult, network_failure, parse_retry_after, result_for_status
from lagesbild.settings import Settings

log = logging.getLogger(__name__)

USER_AGENT = "Lagesbild/0.1 (+outbox)"
DETAIL_LIMIT = 300


def _url(service_url: str, *segments: str) -> URL:
    """`serviceUrl` joined with path segments; each segment (a conversation id such as
    `a:1Xy…` or `19:…@thread.tacv2;messageid=…`) is percent-encoded whole."""
    path = "/".join(quote(s, safe="") for s in segments)
    return URL(f"{service_url.rstrip('/')}/{path}", encoded=True)


class Connector:
    """The Bot Connector for outgoing calls. Open with `async with` or `start()`; one
    instance (one session, one token) per process."""

    def __init__(
        self,
        tokens: BotFrameworkTokens | None = None,
        *,
        timeout: float = 30.0,
        max_connections: int = 256,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.tokens = tokens
        self.timeout = timeout
        self._max_connections = max_connections
        self._session = session
        self._owns_session = session is None

    @classmethod
    def from_settings(cls, settings: Settings, *, http_client: Any | None = None, **kwargs: Any) -> Connector:
        """Authenticated when the settings hold app credentials; otherwise dev mode (no
        Authorization header), which only the Agents Playground accepts."""
        tokens = None
        if settings.has_app_credentials:
            tokens = BotFrameworkTokens(
                settings.microsoft_app_id,
                settings.microsoft_app_password.get_secret_value(),
                app_type=settings.microsoft_app_type,
                tenant_id=settings.microsoft_app_tenant_id,
                http_client=http_client,
            )
        return cls(tokens, **kwargs)

    @property
    def authenticated(self) -> bool:
        return self.tokens is not None

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                connector=aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=300),
                headers={"User-Agent": USER_AGENT},
                json_serialize=json.dumps,
            )

    async def close(self) -> None:
        if self._session is not None and self._owns_session:
            await self._session.close()
        self._session = None

    async def __aenter__(self) -> Connector:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # The Connector's operations ------------------------------------------------------

    async def send_activity(
        self, service_url: str, conversation_id: str, activity: dict[str, Any]
    ) -> SendResult:
        """Post an activity to a conversation; `activity_id` is Teams' id for it."""
        return await self._call(
            "POST", _url(service_url, "v3", "conversations", conversation_id, "activities"), activity
        )

    async def update_activity(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> SendResult:
        """Replace an activity (e.g. a card by its receipt)."""
        body = {**activity, "id": activity_id}
        url = _url(service_url, "v3", "conversations", conversation_id, "activities", activity_id)
        return await self._call("PUT", url, body, default_id=activity_id)

    async def create_conversation(
        self, service_url: str, *, tenant_id: str, bot_id: str, user_id: str
    ) -> SendResult:
        """Open (or find: Teams answers the existing one) the 1:1 chat with a user. On
        success `conversation_id` holds its id."""
        body = {
            "bot": {"id": bot_id},
            "members": [{"id": user_id}],
            "channelData": {"tenant": {"id": tenant_id}},
            "tenantId": tenant_id,
            "isGroup": False,
        }
        result = await self._call("POST", _url(service_url, "v3", "conversations"), body, conversation=True)
        if result.ok and not result.conversation_id:
            return result_for_status(502, detail="create_conversation: svaret saknar id")
        return result

    # Transport -----------------------------------------------------------------------

    async def _headers(self) -> dict[str, str] | SendResult:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.tokens is not None:
            try:
                headers["Authorization"] = f"Bearer {await self.tokens.token()}"
            except TokenError as exc:
                return network_failure(str(exc))
        return headers

    async def _call(
        self,
        method: str,
        url: URL,
        body: dict[str, Any],
        *,
        conversation: bool = False,
        default_id: str | None = None,
    ) -> SendResult:
        if self._session is None:
            raise RuntimeError("Connector is not started")
        headers = await self._headers()
        if isinstance(headers, SendResult):
            return headers
        try:
            async with self._session.request(method, url, json=body, headers=headers) as response:
                status = response.status
                text = await response.text()
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
        except (TimeoutError, aiohttp.ClientError) as exc:
            return network_failure(f"{method} {url.path}: {type(exc).__name__}: {exc}"[:DETAIL_LIMIT])
        resource_id = None
        if 200 <= status < 300 and text:
            try:
                payload = json.loads(text)
            except ValueError:
                payload = {}
            resource_id = payload.get("id") if isinstance(payload, dict) else None
        detail = "" if 200 <= status < 300 else _error_detail(status, text)
        if status >= 400:
            log.debug("%s %s answered %s %s", method, url.path, status, detail)
        return result_for_status(
            status,
            retry_after=retry_after,
            detail=detail,
            activity_id=None if conversation else (resource_id or default_id),
            conversation_id=resource_id if conversation else None,
        )


def _error_detail(status: int, text: str) -> str:
    """`HTTP 403 ConversationBlockedByUser: User blocked …` from the Connector's error body."""
    code = message = ""
    try:
        error = json.loads(text).get("error", {})
        if isinstance(error, dict):
            code, message = str(error.get("code", "")), str(error.get("message", ""))
    except (ValueError, AttributeError):
        message = text.strip()
    detail = f"HTTP {status}"
    if code:
        detail += f" {code}"
    if message:
        detail += f": {message}"
    return detail[:DETAIL_LIMIT]
