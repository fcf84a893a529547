"""Reusing Bot Framework connector clients across turns.

botbuilder-python 4.17's CloudAdapter builds a new ConnectorClient and UserTokenClient for
every incoming activity (two msrest configurations with their own HTTP sessions, ~5 ms of
CPU per turn here). The clients depend only on the app's identity, the service URL and the
audience, and their credentials refresh their own tokens, so one per key is kept and
reused, as the older BotFrameworkAdapter did.

With credentials, the wrapper authenticates Teams' requests with `bot.channel_tokens` instead
of botframework's blocking token validation, and builds the `AuthenticateRequestResult` as
botframework's own authentication does for a channel's token: the claims identity, the
outbound audience (the Bot Framework's OAuth scope), the public cloud's caller id and the
connector factory for the app in the token's audience. Without credentials (`--dev`) botframework's
own path runs; a token it cannot even read (a KeyError for a missing issuer, an IndexError for
an unknown key id, a PyJWT error) becomes a PermissionError, answered 401, not a 500.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from botbuilder.schema import Activity, CallerIdConstants
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
)

from bot.channel_tokens import ChannelTokenValidator

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
    def __init__(
        self, inner: BotFrameworkAuthentication, *, channel_tokens: ChannelTokenValidator | None = None
    ) -> None:
        self._inner = inner
        self._channel_tokens = channel_tokens
        self._connectors: dict[tuple[str, str, str], Any] = {}
        self._token_clients: dict[str, Any] = {}

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        if self._channel_tokens is not None:
            identity = await self._channel_tokens.identity(activity, auth_header)
            authenticated = AuthenticateRequestResult()
            authenticated.claims_identity = identity
            authenticated.audience = self._inner.get_originating_audience()
            authenticated.caller_id = CallerIdConstants.public_azure_channel
            authenticated.connector_factory = self.create_connector_factory(identity)
            return authenticated
        try:
            result = await self._inner.authenticate_request(activity, auth_header)
        except (PermissionError, *OUR_SIDE_ERRORS):
            raise
        except Exception as exc:  # botframework-connector's failures on a malformed token vary
            raise PermissionError(f"the token cannot be read ({exc.__class__.__name__})") from None
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
