"""Access tokens for the mailbox (Microsoft Graph, IMAP XOAUTH2) from msal, client credentials.

msal's `ConfidentialClientApplication.acquire_token_for_client` answers from its own
cache and goes to the identity platform only when the token is missing or about to
expire. msal is synchronous (requests), so it runs in a worker thread; one lock makes
concurrent callers share one refresh. `http_client` is handed to msal as is (msal's own
extension point): tests give it a client that talks to a local emulator and counts the
calls. Tokens are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import msal

log = logging.getLogger(__name__)

LOGIN_HOST = "https://login.microsoftonline.com"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
OUTLOOK_SCOPE = "https://outlook.office365.com/.default"  # IMAP/SMTP XOAUTH2 on Exchange Online
REFRESH_MARGIN = 300.0


class TokenError(RuntimeError):
    """The identity platform gave no token; the message holds msal's error code only."""


class MailTokens:
    """Client-credentials tokens for one app registration and one scope."""

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        scope: str = GRAPH_SCOPE,
        authority_host: str = LOGIN_HOST,
        http_client: Any | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not (tenant_id and client_id and client_secret):
            raise TokenError(
                "LAGESBILD_MAIL_TENANT_ID, LAGESBILD_MAIL_CLIENT_ID och LAGESBILD_MAIL_CLIENT_SECRET krävs"
            )
        self.authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self.scope = scope
        self._client_id = client_id
        self._secret = client_secret
        self._http_client = http_client
        self._timeout = timeout
        self._app: msal.ConfidentialClientApplication | None = None
        self._app_lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()
        self.refreshes = 0

    def _application(self) -> msal.ConfidentialClientApplication:
        with self._app_lock:  # built lazily in a worker thread: msal reads the authority's metadata
            if self._app is None:
                self._app = msal.ConfidentialClientApplication(
                    self._client_id,
                    client_credential=self._secret,
                    authority=self.authority,
                    http_client=self._http_client,
                    timeout=self._timeout,
                    instance_discovery=False,
                )
            return self._app

    def token_sync(self) -> str:
        """A valid token, from a worker thread (the IMAP client runs in one)."""
        now = time.monotonic()
        if self._token is not None and now < self._refresh_at:
            return self._token
        self.refreshes += 1
        try:
            result = self._application().acquire_token_for_client(scopes=[self.scope])
        except Exception as exc:  # msal raises for unreachable or malformed authorities
            raise TokenError(f"token: {type(exc).__name__}") from exc
        if not isinstance(result, dict) or "access_token" not in result:
            code = str(result.get("error", "unknown_error")) if isinstance(result, dict) else "no_response"
            log.error("the identity platform refused a mail token: %s", code)
            raise TokenError(f"token: {code}")
        expires_in = float(result.get("expires_in", 3599))
        self._token = str(result["access_token"])
        self._refresh_at = now + max(expires_in - REFRESH_MARGIN, expires_in / 2)
        return self._token

    async def token(self) -> str:
        if self._token is not None and time.monotonic() < self._refresh_at:
            return self._token
        async with self._lock:
            return await asyncio.to_thread(self.token_sync)

    def invalidate(self) -> None:
        """Forget the held token (after a 401): the next call asks msal again."""
        self._token = None
        self._refresh_at = 0.0
