"""The Bot Framework adapter: authentication from settings, the turn error handler, and the
gate that drops activities from other channels or tenants.

`answer` runs an activity already read from the request (`bot.incoming`) and writes the HTTP
answer: 401 for a request that is not authenticated (one log line), the invoke response, or
201. With credentials, tokens are checked by `bot.channel_tokens`, whose key fetch `start`
begins and `close` ends.

Errors are handled here, at the edge: the person gets one short Swedish sentence, the
operator a log line with the stack; exception text never reaches Teams.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import Bot, Middleware, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticationConstants

from bot.auth_cache import CachingBotFrameworkAuthentication
from bot.channel_tokens import PUBLIC_METADATA_URL, ChannelTokenValidator, SigningKeys
from bot.identity import tenant_of
from lagesbild.settings import Settings

log = logging.getLogger(__name__)

ERROR_REPLY = "Något gick fel hos mig. Försök igen om en stund. Fick du ett kvitto är ditt svar sparat."


@dataclass(frozen=True)
class BotFrameworkConfig:
    """The attribute names botbuilder's configuration classes read."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str

    @classmethod
    def from_settings(cls, settings: Settings) -> BotFrameworkConfig:
        base = {
            "APP_ID": settings.microsoft_app_id,
            "APP_PASSWORD": settings.microsoft_app_password.get_secret_value(),
            "APP_TYPE": settings.microsoft_app_type,
            "APP_TENANTID": settings.microsoft_app_tenant_id,
        }
        if settings.bot_openid_metadata_url:
            return ParameterizedBotFrameworkConfig(**base, metadata_url=settings.bot_openid_metadata_url)
        return cls(**base)

    def __repr__(self) -> str:
        return f"BotFrameworkConfig(APP_ID={self.APP_ID!r}, APP_TYPE={self.APP_TYPE!r}, APP_PASSWORD=***)"


@dataclass(frozen=True, repr=False)
class ParameterizedBotFrameworkConfig(BotFrameworkConfig):
    """Public-cloud endpoints with another key-metadata URL. botbuilder switches to its
    parameterized authentication when any endpoint is given, and then needs all of them."""

    metadata_url: str = ""

    @property
    def TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL(self) -> str:  # noqa: N802 - botbuilder's name
        return self.metadata_url

    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
    TO_CHANNEL_FROM_BOT_LOGIN_URL = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = (
        AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
    )
    OAUTH_URL = AuthenticationConstants.OAUTH_URL
    CALLER_ID = "urn:botframework:azure"


class TeamsGate(Middleware):
    """Only Teams, and only the allowed tenants (Teams does not filter tenants for you).
    `any_tenant` lets every tenant in while none is listed: only for `--dev` without
    credentials, where nothing from Teams can reach the bot anyway."""

    def __init__(self, allowed_tenants: tuple[str, ...], *, any_tenant: bool) -> None:
        self.allowed = {t.lower() for t in allowed_tenants}
        self.any_tenant = any_tenant

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        activity = context.activity
        if activity.channel_id != "msteams":
            log.warning("dropped %s activity from channel %r", activity.type, activity.channel_id)
            return
        tenant = tenant_of(activity).lower()
        if self.allowed and tenant not in self.allowed:
            log.warning(
                "dropped %s activity from tenant %r (not in LAGESBILD_ALLOWED_TENANTS)", activity.type, tenant
            )
            return
        if not self.allowed and not self.any_tenant:
            log.warning(
                "dropped %s activity: no tenant is allowed (set LAGESBILD_ALLOWED_TENANTS)", activity.type
            )
            return
        await logic()


class LagesbildAdapter(CloudAdapter):
    def __init__(self, settings: Settings, *, dev: bool) -> None:
        authentication = ConfigurationBotFrameworkAuthentication(BotFrameworkConfig.from_settings(settings))
        self.signing_keys: SigningKeys | None = None
        tokens = None
        if settings.has_app_credentials:
            self.signing_keys = SigningKeys(settings.bot_openid_metadata_url or PUBLIC_METADATA_URL)
            tokens = ChannelTokenValidator(settings.microsoft_app_id, self.signing_keys)
        super().__init__(CachingBotFrameworkAuthentication(authentication, channel_tokens=tokens))
        self.use(TeamsGate(settings.tenant_allow_list, any_tenant=dev and not settings.has_app_credentials))
        self.on_turn_error = self._on_error

    def start(self) -> None:
        if self.signing_keys is not None:
            self.signing_keys.start()

    async def close(self) -> None:
        if self.signing_keys is not None:
            await self.signing_keys.close()

    async def answer(self, activity: Activity, auth_header: str, bot: Bot) -> web.Response:
        """Authenticate and run one incoming activity; the HTTP answer (CloudAdapter.process's,
        with the activity read beforehand and a refusal logged once)."""
        try:
            invoke_response = await self.process_activity(auth_header, activity, bot.on_turn)
        except PermissionError as exc:
            log.warning("POST /api/messages refused (401): %s", str(exc) or "not authenticated")
            return web.json_response({"error": "not authenticated"}, status=401)
        if invoke_response:
            return web.json_response(
                data=serializer_helper(invoke_response.body), status=invoke_response.status
            )
        return web.Response(status=201)

    async def _on_error(self, context: TurnContext, error: Exception) -> None:
        activity = context.activity
        log.error(
            "turn failed: %s activity %s from %s",
            activity.type, activity.id, activity.from_property.id if activity.from_property else "?",
            exc_info=error,
        )  # fmt: skip
        try:
            await context.send_activity(ERROR_REPLY)
        except Exception:  # the reply itself failed (e.g. the conversation is gone): the log says enough
            log.warning("could not send the error reply", exc_info=True)
