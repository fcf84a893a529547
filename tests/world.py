"""Shared test world: a seeded municipality and Teams users talking to the real handler through
botbuilder's TestAdapter (each user an adapter whose template carries their Teams identity).
Registered for every test as a pytest plugin by tests/conftest.py.

The world runs on the real clock, and its group's first meeting is weeks ahead
(`first_meeting_ahead`): its open cycle was opened early, as a coordinator may, so on any date
and at any hour nothing of it is due (no opening, reminder or deadline) and its deadline cannot
pass during a test. A world whose first meeting was the coming one depended on the weekday: from
Monday 08.00 the cycle was already due, from Tuesday 12.00 its reminders, at Wednesday 12.00 it
closed."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

from bot.handler import LagesbildBot
from bot.services import BotServices
from lagesbild.operations.cycles import open_cycle, plan
from lagesbild.operations.groups import create_group
from lagesbild.operations.members import import_members
from reporting.model import Cycle, ReportingGroup
from reporting.planning import first_meeting_on_or_after
from reporting.questionnaire import load_preset
from storage.database import Database

TZ = zoneinfo.ZoneInfo("Europe/Stockholm")
TENANT = "11111111-2222-3333-4444-555555555555"
MEMBERS = """name,email,agency,roles,channel
Anna Andersson,anna@fagersta.se,fastighet,reporter,teams
Bo Berg,bo@fagersta.se,fritid,reporter,email
Cecilia Carlsson,cecilia@fagersta.se,skola,reporter;coordinator,teams
"""
AAD = {"anna@fagersta.se": "aad-anna", "cecilia@fagersta.se": "aad-cecilia"}
FIRST_MEETING_WEEKS = 4


def first_meeting_ahead(preset: str = "est-fagersta", *, today: dt.date | None = None) -> dt.date:
    """The preset's meeting day four weeks from `today` (default: today in Stockholm): the first
    cycle's prompts are then due about three weeks ahead."""
    today = today or dt.datetime.now(TZ).date()
    return first_meeting_on_or_after(
        load_preset(preset).default_schedule, today + dt.timedelta(weeks=FIRST_MEETING_WEEKS)
    )


@dataclass
class Municipality:
    group: ReportingGroup
    cycle: Cycle


@pytest.fixture
async def municipality(db: Database) -> Municipality:
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(TZ).date()
    group, _ = await create_group(db, organisation="Fagersta kommun", name="EST", preset="est-fagersta",
                                  today=today, tz=TZ, first_meeting=first_meeting_ahead(today=today))  # fmt: skip
    await import_members(db, organisation="Fagersta kommun", csv_text=MEMBERS)
    from storage.repositories import MemberRepository

    async with db.session() as s:
        repo = MemberRepository(s)
        for member in await repo.all():
            if member.email in AAD:
                await repo.set_aad_object_id(member.id, AAD[member.email])
    await plan(db, group, count=2, now=now, tz=TZ)
    # No channels: the fixture's cycle opens without prompts, so tests queue what they look at.
    cycle = (await open_cycle(db, group, now=now, tz=TZ, renderers={})).cycle
    return Municipality(group, cycle)


class TeamsUser:
    """One person in their personal chat with the bot."""

    def __init__(self, bot: LagesbildBot, *, user_id: str, aad_object_id: str | None, name: str) -> None:
        template = Activity(
            channel_id="msteams",
            service_url="https://smba.trafficmanager.net/emea/",
            from_property=ChannelAccount(id=user_id, name=name, aad_object_id=aad_object_id),
            recipient=ChannelAccount(id="28:lagesbild-bot", name="Lägesbild"),
            conversation=ConversationAccount(id=f"a:personal-{user_id}", conversation_type="personal",
                                             tenant_id=TENANT),
            channel_data={"tenant": {"id": TENANT}},
        )  # fmt: skip
        self.adapter = TestAdapter(template_or_conversation=template)
        self.bot = bot

    async def say(self, text: str) -> list[Activity]:
        await self.adapter.process_activity(Activity(type="message", text=text), self.bot.on_turn)
        return self._drain()

    async def press(self, verb: str, data: dict[str, Any]) -> dict[str, Any]:
        """Press an Action.Execute button; returns the card that replaces the pressed one."""
        activity = Activity(
            type="invoke", name="adaptiveCard/action",
            value={"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
        )  # fmt: skip
        await self.adapter.process_activity(activity, self.bot.on_turn)
        replies = self._drain()
        invoke = [a for a in replies if a.type == "invokeResponse"]
        assert len(invoke) == 1, replies
        response = invoke[0].value
        assert response.status == 200
        body = response.body
        assert body.status_code == 200 and body.type == "application/vnd.microsoft.card.adaptive"
        card: dict[str, Any] = body.value
        return card

    def _drain(self) -> list[Activity]:
        out = list(self.adapter.activity_buffer)
        self.adapter.activity_buffer.clear()
        return out


@pytest.fixture
def services(db: Database) -> BotServices:
    return BotServices(db=db, tz=TZ)


@pytest.fixture
def bot(services: BotServices) -> LagesbildBot:
    return LagesbildBot(services)


@pytest.fixture
def anna(bot: LagesbildBot, municipality: Municipality) -> TeamsUser:
    return TeamsUser(bot, user_id="29:anna", aad_object_id="aad-anna", name="Anna Andersson")


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in the card, depth first, in document order."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _nodes(item)


def card_text(card: dict[str, Any]) -> str:
    """Every text a person can read on the card, in order."""
    keys = ("text", "title", "label", "placeholder")
    return "\n".join(n[k] for n in _nodes(card) for k in keys if isinstance(n.get(k), str))


def _inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in _nodes(card) if str(n.get("type", "")).startswith("Input.") and "id" in n]


def input_ids(card: dict[str, Any]) -> list[str]:
    return [n["id"] for n in _inputs(card)]


def input_values(card: dict[str, Any]) -> dict[str, Any]:
    return {n["id"]: n["value"] for n in _inputs(card) if "value" in n}
