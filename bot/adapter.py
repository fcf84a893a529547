"""The Bot Framework adapter: authentication from settings, the turn error handler, and the
gate that drops activities from other channels or tenants.

Errors are handled here, at the edge: the person gets one short Swedish sentence, the
operator a log line with the stack; exception text never reaches Teams.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from botbuilder.core import Middleware, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import AuthenticationConstants

from bot.auth_cache import CachingBotFrameworkAuthentication
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
    """Only Teams, and only the allowed tenants (Teams does not filter tenants for you)."""

    def __init__(self, allowed_tenants: tuple[str, ...], *, dev: bool) -> None:
        self.allowed = {t.lower() for t in allowed_tenants}
        self.dev = dev

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
        if not self.allowed and not self.dev:
            log.warning(
                "dropped %s activity: no tenant is allowed (set LAGESBILD_ALLOWED_TENANTS)", activity.type
            )
            return
        await logic()


class LagesbildAdapter(CloudAdapter):
    def __init__(self, settings: Settings, *, dev: bool) -> None:
        authentication = ConfigurationBotFrameworkAuthentication(BotFrameworkConfig.from_settings(settings))
        super().__init__(CachingBotFrameworkAuthentication(authentication))
        self.use(TeamsGate(settings.tenant_allow_list, dev=dev))
        self.on_turn_error = self._on_error

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
