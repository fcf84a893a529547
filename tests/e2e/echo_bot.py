"""A tiny botbuilder bot for the Playground smoke test only: proves the plumbing, not the product.

Run as `python -m tests.e2e.echo_bot --port N`. Same stack as the real bot (CloudAdapter on
aiohttp, `ConfigurationBotFrameworkAuthentication` without credentials). It answers "Eko: …",
sends an Adaptive Card with `Action.Execute` on "kort", and replaces that card through the
`adaptiveCard/action` invoke. Test hooks under `/_test/` let the test see what arrived and make
the bot speak first (proactive message, created conversation, card update). It keeps its state
in memory, which the real bot must not do.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler, CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

log = logging.getLogger("echo_bot")

CARD_TYPE = "application/vnd.microsoft.card.adaptive"


class NoCredentials:
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


def question_card() -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": "Vad hände i veckan?", "wrap": True},
            {"type": "Input.Text", "id": "svar", "label": "Svar", "isMultiline": True},
        ],
        "actions": [
            {"type": "Action.Execute", "title": "Skicka", "verb": "skicka", "data": {"kort": "fraga-1"}}
        ],
    }


def receipt_card(answer: str, user: str) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": f"Tack {user}! Du svarade: {answer}", "wrap": True}],
    }


class EchoBot(ActivityHandler):
    def __init__(self) -> None:
        self.activities: list[dict[str, Any]] = []
        self.references: dict[str, ConversationReference] = {}  # by conversation id

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        self.activities.append(activity.serialize())
        if activity.type != ActivityTypes.invoke:
            self.references[activity.conversation.id] = TurnContext.get_conversation_reference(activity)
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        text = (turn_context.activity.text or "").strip()
        if text == "kort":
            await turn_context.send_activity(
                MessageFactory.attachment(CardFactory.adaptive_card(question_card()))
            )
        elif text == "uppdatera":
            sent = await turn_context.send_activity("Version 1")
            update = MessageFactory.text("Version 2")
            update.id = sent.id
            await turn_context.update_activity(update)
        else:
            await turn_context.send_activity(f"Eko: {text}")

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        action = (activity.value or {}).get("action") or {}  # arrives as a dict in 4.17
        data = action.get("data") or {}
        card = receipt_card(
            str(data.get("svar", "")), activity.from_property.name or activity.from_property.id
        )
        # Answer from on_invoke_activity with the model: returning it from on_adaptive_card_invoke
        # is serialised twice in botbuilder-python 4.17 and answers HTTP 500.
        body = AdaptiveCardInvokeResponse(status_code=200, type=CARD_TYPE, value=card)
        return InvokeResponse(status=200, body=body)


def create_app() -> web.Application:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(NoCredentials()))
    bot = EchoBot()

    errors: list[str] = []

    async def on_error(context: TurnContext, error: Exception) -> None:
        log.exception("turn failed", exc_info=error)
        errors.append(f"{type(error).__name__}: {error}")
        await context.send_activity("Något gick fel i testboten.")

    async def proactive_turn(conversation_id: str, logic: Any) -> None:
        """Run `logic` in a proactive turn; a failure answers 500 instead of vanishing in on_error."""
        before = len(errors)
        await adapter.continue_conversation(reference(conversation_id), logic, NoCredentials.APP_ID)
        if len(errors) > before:
            raise web.HTTPInternalServerError(text="; ".join(errors[before:]))

    adapter.on_turn_error = on_error

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=201)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def activities(_: web.Request) -> web.Response:
        return web.json_response(bot.activities)

    def reference(conversation_id: str) -> ConversationReference:
        if conversation_id not in bot.references:
            raise web.HTTPNotFound(text=f"no conversation reference for {conversation_id}")
        return bot.references[conversation_id]

    async def proactive(request: web.Request) -> web.Response:
        """Send text to a person the bot has heard from, as a scheduler would: no inbound turn."""
        body = await request.json()
        sent: dict[str, Any] = {}

        async def send(context: TurnContext) -> None:
            resource = await context.send_activity(body["text"])
            sent["id"] = resource.id if resource else None
            sent["conversation_id"] = context.activity.conversation.id
            sent["service_url"] = context.activity.service_url

        await proactive_turn(body["conversation_id"], send)
        return web.json_response(sent)

    async def update(request: web.Request) -> web.Response:
        """Replace an earlier message proactively (a card closed after the deadline)."""
        body = await request.json()

        async def replace(context: TurnContext) -> None:
            activity = MessageFactory.text(body["text"])
            activity.id = body["activity_id"]
            await context.update_activity(activity)

        await proactive_turn(body["conversation_id"], replace)
        return web.json_response({"ok": True})

    async def roster(request: web.Request) -> web.Response:
        """The team's roster via TeamsInfo in a proactive turn, whole or paged ({"paged": true}).
        The team id is passed explicitly: TeamsInfo.get_members() raises TypeError in 4.17 when
        the turn has no channelData, as a continued conversation has not."""
        body = await request.json()
        found: list[dict[str, Any]] = []

        async def fetch(context: TurnContext) -> None:
            if body.get("paged"):
                page = await TeamsInfo.get_paged_team_members(context, body["team_id"])
                members = page.members
            else:
                members = await TeamsInfo.get_team_members(context, body["team_id"])
            found.extend(m.serialize() for m in members)

        await proactive_turn(body["team_id"], fetch)
        return web.json_response(found)

    async def create_conversation(request: web.Request) -> web.Response:
        """Open a 1:1 chat with a roster member the bot has never heard from, then post to it."""
        body = await request.json()
        created: dict[str, Any] = {}
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=body["bot_id"]),
            members=[ChannelAccount(id=body["user_id"])],
            tenant_id=body["tenant_id"],
            channel_data={"tenant": {"id": body["tenant_id"]}},
        )

        async def first_message(context: TurnContext) -> None:
            created["conversation_id"] = context.activity.conversation.id
            resource = await context.send_activity(body["text"])
            created["id"] = resource.id if resource else None

        await adapter.create_conversation(
            NoCredentials.APP_ID, first_message, parameters, "msteams", body["service_url"], None
        )
        return web.json_response(created)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/_test/activities", activities)
    app.router.add_post("/_test/proactive", proactive)
    app.router.add_post("/_test/update", update)
    app.router.add_post("/_test/roster", roster)
    app.router.add_post("/_test/create-conversation", create_conversation)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Echo bot for the Agents Playground smoke test")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    web.run_app(create_app(), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
