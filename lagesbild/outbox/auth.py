"""The Bot Framework bearer token for outgoing Connector calls, from msal.

msal's `ConfidentialClientApplication.acquire_token_for_client` looks in msal's own
token cache first and goes to the identity platform only when the token is missing or
about to expire. msal is synchronous (requests), so every msal call runs in a worker
thread and never blocks the event loop; one lock makes concurrent senders share one
refresh. Between refreshes the token is kept here with its expiry, so a send costs no
thread hop: msal is asked again `REFRESH_MARGIN` before the token expires.

`http_client` is handed to msal as is (msal's own extension point); tests give it a
client that talks to a local emulator and counts the calls. Tokens are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import msal

log = logging.getLogger(__name__)

BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
LOGIN_HOST = "https://login.microsoftonline.com"
MULTI_TENANT_AUTHORITY_TENANT = "botframework.com"
REFRESH_MARGIN = 600.0  # seconds before expiry at which msal is asked again
RETRY_FLOOR = 30.0  # never ask msal more often than this while a valid token is held


class TokenError(RuntimeError):
    """The identity platform gave no token; the message holds msal's error code only."""


class BotFrameworkTokens:
    """Tokens for `https://api.botframework.com`, for the app registration in the settings."""

    def __init__(
        self,
        app_id: str,
        app_password: str,
        *,
        app_type: str = "MultiTenant",
        tenant_id: str = "",
        http_client: Any | None = None,
        login_host: str = LOGIN_HOST,
        timeout: float = 10.0,
    ) -> None:
        if app_type == "UserAssignedMSI":
            raise TokenError("MicrosoftAppType=UserAssignedMSI stöds inte av utskicken ännu")
        if app_type == "SingleTenant" and not tenant_id:
            raise TokenError("MicrosoftAppType=SingleTenant kräver MicrosoftAppTenantId")
        tenant = tenant_id if app_type == "SingleTenant" else MULTI_TENANT_AUTHORITY_TENANT
        self.authority = f"{login_host.rstrip('/')}/{tenant}"
        self._app_id = app_id
        self._password = app_password
        self._http_client = http_client
        self._timeout = timeout
        self._app: msal.ConfidentialClientApplication | None = None
        self._token: str | None = None
        self._expires_at = 0.0
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()
        self.refreshes = 0  # how many times msal was asked (its cache may answer)

    def _application(self) -> msal.ConfidentialClientApplication:
        # Built lazily, in the worker thread: msal fetches the authority's OpenID
        # configuration in the constructor.
        if self._app is None:
            self._app = msal.ConfidentialClientApplication(
                self._app_id,
                client_credential=self._password,
                authority=self.authority,
                http_client=self._http_client,
                timeout=self._timeout,
            )
        return self._app

    def _acquire(self) -> dict[str, Any]:
        result = self._application().acquire_token_for_client(scopes=[BOT_FRAMEWORK_SCOPE])
        return result if isinstance(result, dict) else {"error": "no_response"}

    async def token(self) -> str:
        """A valid access token; refreshed through msal shortly before it expires."""
        now = time.monotonic()
        if self._token is not None and now < self._refresh_at:
            return self._token
        async with self._lock:
            now = time.monotonic()
            if self._token is not None and now < self._refresh_at:
                return self._token
            self.refreshes += 1
            try:
                result = await asyncio.to_thread(self._acquire)
            except Exception as exc:  # msal raises for a refused client, an unreachable authority
                code = str(getattr(exc, "error", None) or type(exc).__name__)  # MsalServiceError.error
                if self._token is not None and now < self._expires_at - 60:
                    log.warning("token refresh failed (%s); the current token is still valid", code)
                    self._refresh_at = now + RETRY_FLOOR
                    return self._token
                log.error("the identity platform refused a Bot Framework token: %s", code)
                raise TokenError(f"token: {code}") from exc
            if "access_token" not in result:
                code = str(result.get("error", "unknown_error"))
                log.error("the identity platform refused a Bot Framework token: %s", code)
                raise TokenError(f"token: {code}")
            expires_in = float(result.get("expires_in", 3599))
            self._token = str(result["access_token"])
            self._expires_at = now + expires_in
            self._refresh_at = now + max(expires_in - REFRESH_MARGIN, min(RETRY_FLOOR, expires_in / 2))
            return self._token
