"""The Playground plumbing, proven with a tiny echo bot before the real bot exists.

Each test starts tests/e2e/echo_bot.py and the real, pinned Agents Playground, then drives the
Playground over HTTP as its page does: a message and its echo, the install in the personal chat
and in the team, a proactive message and a proactive card update, a conversation the bot opens
itself, and an Adaptive Card `Action.Execute` whose invoke response replaces the card.
"""

from __future__ import annotations

import os
from typing import Any

import aiohttp
import pytest

from lagesbild.playground import Playground
from lagesbild.playground_config import PlaygroundConfig, PlaygroundError
from tests.e2e.conftest import BotProcess
from tests.e2e.playground_client import CARD_TYPE, PlaygroundClient

CONFIG = PlaygroundConfig()


async def bot_hook(bot: BotProcess, path: str, body: dict[str, Any]) -> Any:
    async with aiohttp.ClientSession() as session, session.post(f"{bot.url}{path}", json=body) as response:
        assert response.status == 200, f"{path} -> {response.status}: {await response.text()}\n{bot.output()}"
        return await response.json()


async def bot_activities(bot: BotProcess) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(f"{bot.url}/_test/activities") as response:
        return list(await response.json())


async def test_install_and_message_from_the_current_user_get_an_echo(client: PlaygroundClient) -> None:
    assert client.personal_chat_id == CONFIG.personal_chat_id == "a:lagesbild-demo-personal-alexw"
    await client.install()
    install = await client.wait_delivery(lambda a: a["type"] == "installationUpdate")
    added = await client.wait_delivery(lambda a: a["type"] == "conversationUpdate")
    for activity in (install["request"]["body"], added["request"]["body"]):
        assert activity["conversation"]["id"] == CONFIG.personal_chat_id
        assert activity["conversation"]["conversationType"] == "personal"
        assert activity["channelData"]["tenant"]["id"] == CONFIG.tenant_id
        assert activity["from"]["aadObjectId"] == CONFIG.current_user.aad_object_id
    assert install["request"]["body"]["action"] == "add"
    assert {m["id"] for m in added["request"]["body"]["membersAdded"]} == {
        CONFIG.current_user.id,
        CONFIG.bot_id,
    }

    await client.send_message("hej från Alex")
    delivered = await client.wait_delivery(lambda a: a.get("text") == "hej från Alex")
    activity = delivered["request"]["body"]
    assert activity["from"] == {
        "id": CONFIG.current_user.id,
        "name": CONFIG.current_user.name,
        "aadObjectId": CONFIG.current_user.aad_object_id,
    }
    assert activity["channelId"] == "msteams"
    echo = await client.wait_text("Eko: hej från Alex")
    assert echo.from_id == CONFIG.bot_id


async def test_a_message_from_another_mock_user_reaches_the_bot_as_that_user(
    client: PlaygroundClient, echo_bot: BotProcess
) -> None:
    megan = CONFIG.user("meganb@demo.lagesbild.se")
    await client.send_as(megan.email, "hej från Megan", conversation_id=CONFIG.team_id)
    await client.wait_delivery(lambda a: a.get("text") == "hej från Megan")
    received = [a for a in await bot_activities(echo_bot) if a.get("text") == "hej från Megan"]
    assert received[0]["from"]["aadObjectId"] == megan.aad_object_id
    assert received[0]["conversation"]["id"] == CONFIG.team_id
    # The bot's reply goes to a new thread in the team's General channel, which the page shows.
    reply = await client.wait_text("Eko: hej från Megan", conversation_id=CONFIG.team_id)
    assert reply.thread_id and reply.thread_id.startswith(CONFIG.team_id)


async def test_proactive_message_and_card_update_arrive_in_the_personal_chat(
    client: PlaygroundClient, echo_bot: BotProcess, playground: Playground
) -> None:
    await client.install()  # the bot learns the conversation reference from conversationUpdate
    await client.wait_delivery(lambda a: a["type"] == "conversationUpdate")

    sent = await bot_hook(
        echo_bot,
        "/_test/proactive",
        {"conversation_id": CONFIG.personal_chat_id, "text": "Påminnelse: rapporten"},
    )
    assert sent["service_url"] == playground.service_url
    assert sent["conversation_id"] == CONFIG.personal_chat_id
    message = await client.wait_text("Påminnelse: rapporten")
    assert message.id == sent["id"]  # the connector's activity id is the page's message id

    await bot_hook(
        echo_bot,
        "/_test/update",
        {"conversation_id": CONFIG.personal_chat_id, "activity_id": sent["id"], "text": "Perioden är stängd"},
    )
    updated = await client.wait_message(lambda m: m.id == sent["id"] and m.text == "Perioden är stängd")
    assert updated.history[0]["text"] == "Påminnelse: rapporten"


async def test_action_execute_reaches_the_bot_and_the_invoke_response_replaces_the_card(
    client: PlaygroundClient, echo_bot: BotProcess
) -> None:
    await client.send_message("kort")
    card = await client.wait_message(lambda m: m.card is not None)
    assert [a["verb"] for a in card.execute_actions()] == ["skicka"]

    result = await client.execute(card.id, inputs={"svar": "Klotter vid skolan"})

    assert result.status == 200, result.body
    assert result.type == CARD_TYPE
    invoke = await client.wait_delivery(lambda a: a["type"] == "invoke")
    activity = invoke["request"]["body"]
    assert activity["name"] == "adaptiveCard/action"
    assert activity["replyToId"] == card.id
    assert activity["from"]["aadObjectId"] == CONFIG.current_user.aad_object_id
    assert activity["value"]["action"] == {
        "type": "Action.Execute",
        "title": "Skicka",
        "verb": "skicka",
        "data": {"kort": "fraga-1", "svar": "Klotter vid skolan"},
    }
    assert invoke["response"]["statusCode"] == 200
    assert invoke["response"]["body"]["statusCode"] == 200  # the bot's AdaptiveCardInvokeResponse
    assert [a["name"] for a in await bot_activities(echo_bot) if a["type"] == "invoke"] == [
        "adaptiveCard/action"
    ]
    replaced = client.messages()[-1]
    assert replaced.id == card.id
    assert "Tack Alex Wilber! Du svarade: Klotter vid skolan" in replaced.card_text()
    assert replaced.history and replaced.history[0]["attachments"][0]["content"]["actions"]


async def test_team_install_roster_and_conversations_the_bot_creates(
    client: PlaygroundClient, echo_bot: BotProcess, playground: Playground
) -> None:
    await client.install_in_team()
    install = await client.wait_delivery(
        lambda a: a["type"] == "installationUpdate" and a["conversation"]["id"] == CONFIG.team_id
    )
    added = await client.wait_delivery(
        lambda a: a["type"] == "conversationUpdate" and a["conversation"]["id"] == CONFIG.team_id
    )
    team = install["request"]["body"]["channelData"]["team"]
    assert team == {"id": CONFIG.team_id, "name": CONFIG.team_name, "aadGroupId": CONFIG.team_aad_group_id}
    assert added["request"]["body"]["membersAdded"] == [{"id": CONFIG.bot_id}]
    assert added["request"]["body"]["channelData"]["eventType"] == "teamMemberAdded"

    # The whole roster (GET …/members) names the AAD object id "objectId", as Teams does, and
    # botbuilder's TeamsChannelAccount reads only "aadObjectId": map those members by email/UPN.
    # The paged roster (GET …/pagedmembers) says "aadObjectId".
    roster = await bot_hook(echo_bot, "/_test/roster", {"team_id": CONFIG.team_id})
    assert sorted(m["email"] for m in roster) == sorted(u.email for u in CONFIG.users)
    assert sorted(m["userPrincipalName"] for m in roster) == sorted(u.email for u in CONFIG.users)
    assert all("aadObjectId" not in m for m in roster)
    paged = await bot_hook(echo_bot, "/_test/roster", {"team_id": CONFIG.team_id, "paged": True})
    assert {m["aadObjectId"]: m["email"] for m in paged} == {u.aad_object_id: u.email for u in CONFIG.users}

    # For the current user, createConversation answers with the configured personal chat.
    mine = await bot_hook(
        echo_bot,
        "/_test/create-conversation",
        {
            "user_id": CONFIG.current_user.id,
            "bot_id": CONFIG.bot_id,
            "tenant_id": CONFIG.tenant_id,
            "service_url": playground.service_url,
            "text": "Ny period öppnad",
        },
    )
    assert mine["conversation_id"] == CONFIG.personal_chat_id
    await client.wait_text("Ny period öppnad")

    # For anyone else it opens a new chat with a random id; the post is accepted (201) but the
    # page, which shows only the current user's chats, never shows it: the log stream does.
    adele = CONFIG.user("adelev")
    theirs = await bot_hook(
        echo_bot,
        "/_test/create-conversation",
        {
            "user_id": adele.id,
            "bot_id": CONFIG.bot_id,
            "tenant_id": CONFIG.tenant_id,
            "service_url": playground.service_url,
            "text": "Hej Adele",
        },
    )
    assert theirs["conversation_id"].endswith("@test.user")
    call = await client.wait_bot_call(lambda c: c.get("displayText") == "Hej Adele")
    assert call["conversationId"] == theirs["conversation_id"]
    assert call["response"]["statusCode"] == 201
    assert client.messages(theirs["conversation_id"]) == []


async def test_start_failure_is_loud_and_nothing_is_left_running(echo_bot: BotProcess, tmp_path: Any) -> None:
    async with Playground(echo_bot.endpoint, work_dir=tmp_path / "first") as first:
        pid = first.pid
        assert pid is not None
        with pytest.raises(PlaygroundError, match=f"Port {first.port} är upptagen.*is in use"):
            await Playground(echo_bot.endpoint, port=first.port, work_dir=tmp_path / "second").start()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
