"""Drive the Agents Playground over its own HTTP and WebSocket endpoints, as its web page does.

What the page does, this client does: post a message as the current user, trigger the install
(`installationUpdate` + `conversationUpdate`) in the personal chat or the team, submit an
Adaptive Card `Action.Execute` as `adaptiveCard/action` invoke and apply the card that comes
back. What the page sees, this client sees: the conversation stream (messages the bot posts to
chats the current user is in, and the bot's updates to them) and the log stream (every activity
the Playground delivered to the bot with the bot's HTTP status, and every call the bot made to
the mock connector, including posts to other users' chats that the page never shows).

The Playground answers `POST …/messages` before the bot has even seen the message, so a test
that needs to know the bot took it waits for the delivery in the log stream (`wait_delivery`).
Endpoints, bodies and observed answers are in tools/playground/README.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
T = TypeVar("T")
PLAYGROUND = "Microsoft 365 Agents Playground"  # the log stream's label for the Playground …
BOT = "User Application"  # … and for the bot


class PlaygroundClientError(AssertionError):
    """The Playground refused a request, or what a test waited for did not happen in time."""


@dataclass
class ChatMessage:
    """A message as the page shows it; `history` holds earlier versions after updates.

    `conversation_id` is the chat or the channel; in a channel, `thread_id` is the post's own
    conversation id (`<channel>;messageid=<id>`)."""

    id: str
    conversation_id: str
    thread_id: str | None
    from_id: str
    text: str | None
    attachments: list[dict[str, Any]]
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.attachments:
            if attachment.get("contentType") == CARD_TYPE:
                content = attachment.get("content")
                return content if isinstance(content, dict) else None
        return None

    def card_text(self) -> str:
        """Every TextBlock's text in the card, for assertions."""
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("type") == "TextBlock" and isinstance(node.get("text"), str):
                    found.append(node["text"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.card)
        return "\n".join(found)

    def execute_actions(self) -> list[dict[str, Any]]:
        card = self.card or {}
        return [a for a in card.get("actions", []) if a.get("type") == "Action.Execute"]


@dataclass(frozen=True)
class InvokeResult:
    """The Playground's answer to an invoke: HTTP status, and the bot's invoke response type/value."""

    status: int
    body: dict[str, Any]

    @property
    def type(self) -> str | None:
        return self.body.get("type")

    @property
    def value(self) -> Any:
        return self.body.get("value")


class PlaygroundClient:
    """`async with PlaygroundClient(pg.url) as client: ...` — connect before the bot speaks."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.config: dict[str, Any] = {}
        self.events: list[dict[str, Any]] = []  # conversation stream, raw
        self.logs: list[dict[str, Any]] = []  # log stream, raw log items
        self._messages: dict[str, ChatMessage] = {}
        self._session: aiohttp.ClientSession | None = None
        self._readers: list[asyncio.Task[None]] = []

    # --- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> PlaygroundClient:
        # A new connection per request: the tests call the CLI synchronously, which blocks the
        # event loop; Node closes a keep-alive connection idle for 5 s, and a request written on
        # it before the loop has seen the close fails with "Server disconnected".
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            connector=aiohttp.TCPConnector(force_close=True),
        )
        try:
            self.config = (await self._request("GET", "/_internal/v1/testConfig"))["config"]
            for path, sink in (
                ("/_ws_conversation/v1/conversations/stream", self._on_conversation_event),
                ("/_ws/log/stream", self._on_log_event),
            ):
                ws = await self._session.ws_connect(self.base_url + path, heartbeat=None)
                self._readers.append(asyncio.create_task(self._read(ws, sink)))
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        for task in self._readers:
            task.cancel()
        for task in self._readers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._readers.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _read(
        self, ws: aiohttp.ClientWebSocketResponse, sink: Callable[[dict[str, Any]], None]
    ) -> None:
        try:
            async for frame in ws:
                if frame.type == aiohttp.WSMsgType.TEXT:
                    sink(json.loads(frame.data))
        finally:
            await ws.close()

    # --- who is who --------------------------------------------------------------------------

    @property
    def me(self) -> dict[str, Any]:
        return dict(self.config["currentUser"])

    @property
    def personal_chat_id(self) -> str:
        return str(self.config["personalChat"]["id"])

    @property
    def team_id(self) -> str:
        return str(self.config["teams"][0]["id"])

    @property
    def tenant_id(self) -> str:
        return str(self.config["tenantId"])

    @property
    def bot_id(self) -> str:
        return str(self.config["bot"]["id"])

    def user(self, who: str) -> dict[str, Any]:
        """A mock user by Teams id, AAD object id, email or name."""
        for user in [self.config["currentUser"], *self.config["users"]]:
            if who in (user["id"], user["aadObjectId"], user["email"], user["name"]):
                return dict(user)
        raise PlaygroundClientError(f"no mock user {who!r}")

    # --- what the page does ------------------------------------------------------------------

    async def send_message(
        self,
        text: str,
        *,
        conversation_id: str | None = None,
        user_id: str | None = None,
        mention_bot: bool = False,
    ) -> str:
        """Post a message as the page does; returns the Playground's message id (not the activity
        id the bot sees). The bot always sees it from the current user: `user_id` is only checked
        to be a member of the conversation. In a group chat or channel the bot gets the message
        only when it is @mentioned (`mention_bot=True`)."""
        conversation = conversation_id or self.personal_chat_id
        body: dict[str, Any] = {"from": {"id": user_id or self.me["id"]}, "text": text, "textFormat": "plain"}
        if mention_bot:
            at = f"<at>{self.config['bot']['name']}</at>"
            body["text"] = f"{at} {text}"
            body["mentions"] = [{"mentioned": {"id": self.bot_id}, "text": at}]
        answer = await self._request(
            "POST", f"/_conversation/v1/conversations/{quote(conversation, safe='')}/messages", body
        )
        return str(answer["messageId"])

    async def install(self, conversation_id: str | None = None) -> None:
        """The app is added to a personal chat (default), the group chat or the team: the bot gets
        `installationUpdate` (action add) and `conversationUpdate` (membersAdded), in either order."""
        conversation = conversation_id or self.personal_chat_id
        await self._request("POST", f"/_debug/conversation/{quote(conversation, safe='')}/installation", {})

    async def install_in_team(self) -> None:
        await self.install(self.team_id)

    async def activity_template(self, kind: str | None, conversation_id: str | None = None) -> dict[str, Any]:
        """The Playground's own activity for install, uninstall, botAdded, userAdded, …, teamRenamed;
        with kind=None a bare activity in that conversation (type "<custom-activity-type>")."""
        params = {"conversationId": conversation_id or self.personal_chat_id}
        if kind is not None:
            params["type"] = kind
        return dict(await self._request("GET", "/_internal/v1/customActivities/template", params=params))

    async def send_activity(self, activity: dict[str, Any]) -> None:
        """Deliver any activity to the bot, from anyone: the Playground forwards it as it is."""
        await self._request("POST", "/_internal/v1/customActivities", activity)

    async def send_as(self, who: str, text: str, *, conversation_id: str | None = None) -> dict[str, Any]:
        """A message from any mock user, delivered straight to the bot (the page does not show it)."""
        user = self.user(who)
        activity = await self.activity_template(None, conversation_id)
        activity.update(
            type="message",
            text=text,
            textFormat="plain",
            **{"from": {"id": user["id"], "name": user["name"], "aadObjectId": user["aadObjectId"]}},
        )
        await self.send_activity(activity)
        return activity

    async def add_team_member(self, who: str) -> dict[str, Any]:
        """A `conversationUpdate` in team scope saying `who` joined the team."""
        user = self.user(who)
        activity = await self.activity_template("userAdded", self.team_id)
        activity["membersAdded"] = [{"id": user["id"], "aadObjectId": user["aadObjectId"]}]
        await self.send_activity(activity)
        return activity

    async def execute(
        self,
        message_id: str,
        *,
        inputs: dict[str, Any] | None = None,
        verb: str | None = None,
        data: dict[str, Any] | None = None,
        user_id: str | None = None,
        conversation_id: str | None = None,
    ) -> InvokeResult:
        """Press an `Action.Execute` button on a bot card, as the page does: the action's data with
        the card's input values merged in, sent as an `adaptiveCard/action` invoke. A card in the
        answer replaces the card on the page (and here)."""
        message = self._messages.get(message_id)
        actions = message.execute_actions() if message else []
        action = next((a for a in actions if verb is None or a.get("verb") == verb), None)
        if action is None and verb is None:
            raise PlaygroundClientError(f"message {message_id} has no Action.Execute; give verb=")
        action = action or {"verb": verb, "data": {}}
        merged = {**(action.get("data") or {}), **(data or {}), **(inputs or {})}
        value = {
            "action": {
                "type": "Action.Execute",
                "title": action.get("title"),
                "verb": action["verb"],
                "data": merged,
            }
        }
        body = {
            "name": "adaptiveCard/action",
            "from": {"id": user_id or self.me["id"]},
            "conversation": {
                # A channel post is answered in its own thread, as the page does.
                "id": conversation_id
                or ((message.thread_id or message.conversation_id) if message else self.personal_chat_id)
            },
            "replyToId": message_id,
            "value": value,
        }
        status, answer = await self._raw("POST", "/_conversation/v1/invoke", body)
        result = InvokeResult(status, answer if isinstance(answer, dict) else {"raw": answer})
        if status == 200 and result.type == CARD_TYPE and message is not None:
            message.history.append({"text": message.text, "attachments": message.attachments})
            message.attachments = [{"contentType": CARD_TYPE, "content": result.value}]
        return result

    # --- what the page sees ------------------------------------------------------------------

    def messages(self, conversation_id: str | None = None) -> list[ChatMessage]:
        """Messages in a chat the current user is in (personal chat by default), oldest first."""
        conversation = conversation_id or self.personal_chat_id
        return [m for m in self._messages.values() if m.conversation_id == conversation]

    def bot_messages(self, conversation_id: str | None = None) -> list[ChatMessage]:
        return [m for m in self.messages(conversation_id) if m.from_id == self.bot_id]

    def deliveries(self) -> list[dict[str, Any]]:
        """Activities the Playground delivered to the bot, each with the bot's HTTP answer."""
        return [item for item in self.logs if item.get("from") == PLAYGROUND and item.get("to") == BOT]

    def bot_calls(self) -> list[dict[str, Any]]:
        """Calls the bot made to the mock connector (posts, updates, roster, createConversation),
        in every conversation, also those the page does not show."""
        return [item for item in self.logs if item.get("from") == BOT and item.get("to") == PLAYGROUND]

    def warnings(self) -> list[str]:
        return [str(item.get("displayText")) for item in self.logs if item.get("type") == "text"]

    async def wait_message(
        self,
        predicate: Callable[[ChatMessage], bool],
        *,
        conversation_id: str | None = None,
        timeout: float = 10.0,
    ) -> ChatMessage:
        def found() -> ChatMessage | None:
            return next((m for m in self.bot_messages(conversation_id) if predicate(m)), None)

        return await self._wait(found, timeout, "a bot message like that")

    async def wait_in_channel(
        self, channel_id: str, predicate: Callable[[ChatMessage], bool], *, timeout: float = 10.0
    ) -> ChatMessage:
        """A bot message in the channel: a new post or a reply in one of its threads."""

        def found() -> ChatMessage | None:
            return next(
                (m for m in self._messages.values()
                 if m.from_id == self.bot_id and m.conversation_id.split(";", 1)[0] == channel_id and predicate(m)),
                None,
            )  # fmt: skip

        return await self._wait(found, timeout, f"a bot message like that in {channel_id}")

    async def wait_text(
        self, text: str, *, conversation_id: str | None = None, timeout: float = 10.0
    ) -> ChatMessage:
        return await self.wait_message(
            lambda m: m.text == text, conversation_id=conversation_id, timeout=timeout
        )

    async def wait_delivery(
        self, predicate: Callable[[dict[str, Any]], bool], *, timeout: float = 10.0, ok: bool = True
    ) -> dict[str, Any]:
        """The log item of a delivery to the bot; with ok=True the bot must have answered 2xx."""

        def found() -> dict[str, Any] | None:
            return next((d for d in self.deliveries() if predicate(d["request"]["body"])), None)

        item = await self._wait(found, timeout, "a delivery like that")
        status = int(item.get("response", {}).get("statusCode") or 0)
        if ok and not 200 <= status < 300:
            raise PlaygroundClientError(
                f"the bot answered {status} to {json.dumps(item['request']['body'])[:500]}"
            )
        return item

    async def wait_bot_call(
        self, predicate: Callable[[dict[str, Any]], bool], *, timeout: float = 10.0
    ) -> dict[str, Any]:
        return await self._wait(
            lambda: next((c for c in self.bot_calls() if predicate(c)), None), timeout, "a bot call like that"
        )

    # --- plumbing ----------------------------------------------------------------------------

    def _on_conversation_event(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        raw = event.get("message")
        if event.get("action") not in ("createMessage", "updateMessage") or not isinstance(raw, dict):
            return
        message_id = str(raw["messageId"])
        previous = self._messages.get(message_id)
        message = ChatMessage(
            id=message_id,
            conversation_id=previous.conversation_id if previous else str(event["actionConversationId"]),
            thread_id=previous.thread_id if previous else raw.get("postConversationId"),
            from_id=str(raw["from"]["id"]),
            text=raw.get("text"),
            attachments=list(raw.get("attachments") or []),
            history=previous.history if previous else [],
        )
        if previous is not None:
            message.history.append({"text": previous.text, "attachments": previous.attachments})
        self._messages[message_id] = message

    def _on_log_event(self, event: dict[str, Any]) -> None:
        if event.get("logAction") == "appendLog" and isinstance(event.get("log"), dict):
            self.logs.append(event["log"])

    async def _wait(self, probe: Callable[[], T | None], timeout: float, what: str) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = probe()
            if result is not None:
                return result
            if loop.time() > deadline:
                raise PlaygroundClientError(f"waited {timeout:.0f} s for {what}.\n{self._dump()}")
            await asyncio.sleep(0.02)

    def _dump(self) -> str:
        chats = "\n".join(
            f"  [{m.conversation_id}] {m.id} {m.from_id}: {m.text!r} {m.card_text()!r}"
            for m in self._messages.values()
        )
        deliveries = "\n".join(
            f"  {d['request']['body'].get('type')} {d['request']['body'].get('name') or ''} -> {d['response']['statusCode']}"
            for d in self.deliveries()
        )
        calls = "\n".join(
            f"  {c.get('activityName')} {c['response']['statusCode']} {c.get('displayText')!r}"
            for c in self.bot_calls()
        )
        return (
            f"Messages:\n{chats or '  -'}\nDelivered to the bot:\n{deliveries or '  -'}\n"
            f"Bot calls:\n{calls or '  -'}\nWarnings: {self.warnings()}"
        )

    async def _raw(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        assert self._session is not None, "use `async with PlaygroundClient(...)`"
        async with self._session.request(method, self.base_url + path, json=body, params=params) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text) if text else None
            except json.JSONDecodeError:
                return response.status, text

    async def _request(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Any:
        status, answer = await self._raw(method, path, body, params)
        if not 200 <= status < 300:
            raise PlaygroundClientError(f"{method} {path} -> {status}: {answer}")
        return answer
