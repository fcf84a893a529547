"""Reusing Bot Framework connector clients across turns.

botbuilder-python 4.17's CloudAdapter builds a new ConnectorClient and UserTokenClient for
every incoming activity (two msrest configurations with their own HTTP sessions, ~5 ms of
CPU per turn here). The clients depend only on the app's identity, the service URL and the
audience, and their credentials refresh their own tokens, so one per key is kept and
reused, as the older BotFrameworkAdapter did.

The same wrapper answers a token that cannot even be read as unauthenticated (401), not as
a server error: botframework-connector assumes a well-formed token, so one without an issuer
claim ends in a KeyError, an unknown key id in an IndexError and an undecodable one in a
PyJWT error, which would all escape as HTTP 500. They become the PermissionError that
botbuilder's aiohttp CloudAdapter answers with 401.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
)

log = logging.getLogger(__name__)

# Failing to reach the key metadata is ours to fix (5xx); anything else while reading the
# caller's token is the token's fault.
OUR_SIDE_ERRORS = (OSError, asyncio.TimeoutError, aiohttp.ClientError)


class _CachingConnectorFactory(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, cache: dict[tuple[str, str, str], Any], app_key: str) -> None:
        self._inner = inner
        self._cache = cache
        self._app_key = app_key

    async def create(self, service_url: str, audience: str) -> Any:
        key = (self._app_key, service_url or "", audience or "")
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            self._cache[key] = client
        return client


def _app_key(identity: ClaimsIdentity | None) -> str:
    if identity is None:
        return ""
    claims = identity.claims or {}
    return str(claims.get("aud") or claims.get("appid") or claims.get("azp") or "")


class CachingBotFrameworkAuthentication(BotFrameworkAuthentication):
    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self._connectors: dict[tuple[str, str, str], Any] = {}
        self._token_clients: dict[str, Any] = {}

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        try:
            result = await self._inner.authenticate_request(activity, auth_header)
        except (PermissionError, *OUR_SIDE_ERRORS):
            raise
        except Exception as exc:  # botframework-connector's failures on a malformed token vary
            log.warning("POST /api/messages with an unreadable token: %s", exc.__class__.__name__)
            raise PermissionError("unreadable token") from None
        if result.connector_factory is not None:
            result.connector_factory = _CachingConnectorFactory(
                result.connector_factory, self._connectors, _app_key(result.claims_identity)
            )
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _CachingConnectorFactory(
            self._inner.create_connector_factory(claims_identity), self._connectors, _app_key(claims_identity)
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> Any:
        key = _app_key(claims_identity)
        client = self._token_clients.get(key)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._token_clients[key] = client
        return client

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)

    async def generate_caller_id(self, *args: Any, **kwargs: Any) -> Any:
        return await self._inner.generate_caller_id(*args, **kwargs)
