"""Linking Teams channels ("koppla EST", "koppla brå") and the escalation card in the Brå channel."""

from __future__ import annotations

import datetime as dt

from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

from adaptive_cards.report import VERB_SUBMIT
from bot.handler import LagesbildBot
from lagesbild.operations.assessment import escalations_to_send
from lagesbild.operations.cycles import close_cycle
from lagesbild.operations.digest import digest_for_cycle
from lagesbild.operations.escalation_delivery import deliver_escalations
from reporting.digest.assessment import VERB_ASSESS
from storage.database import Database
from storage.repositories import OutboxRepository, TeamsRepository
from tests.world import TENANT, TZ, Municipality, TeamsUser, card_text

EST_CHANNEL = "19:est@thread.tacv2"
BRA_CHANNEL = "19:bra@thread.tacv2"


async def say_in_channel(bot: LagesbildBot, channel: str, *, user_id: str, aad: str, text: str) -> str:
    template = Activity(
        channel_id="msteams", service_url="https://smba.trafficmanager.net/emea/",
        from_property=ChannelAccount(id=user_id, aad_object_id=aad),
        recipient=ChannelAccount(id="28:lagesbild-bot", name="Lägesbild"),
        conversation=ConversationAccount(id=f"{channel};messageid=1700000000000", conversation_type="channel",
                                         is_group=True, tenant_id=TENANT),
        channel_data={"tenant": {"id": TENANT}, "team": {"id": "19:team@thread.tacv2"}, "channel": {"id": channel}},
    )  # fmt: skip
    adapter = TestAdapter(template_or_conversation=template)
    message = Activity(type="message", text=f"<at>Lägesbild</at> {text}", channel_data=template.channel_data)
    await adapter.process_activity(message, bot.on_turn)
    [reply] = adapter.activity_buffer
    return str(reply.text)


async def test_the_coordinator_links_channels_and_a_reporter_cannot(
    bot: LagesbildBot, municipality: Municipality, db: Database
) -> None:
    refused = await say_in_channel(bot, EST_CHANNEL, user_id="29:anna", aad="aad-anna", text="koppla EST")
    assert "samordnaren" in refused
    linked = await say_in_channel(
        bot, EST_CHANNEL, user_id="29:cecilia", aad="aad-cecilia", text="koppla EST"
    )
    assert linked.startswith("Klart") and "EST" in linked
    await say_in_channel(bot, BRA_CHANNEL, user_id="29:cecilia", aad="aad-cecilia", text="koppla brå")
    async with db.session(readonly=True) as s:
        group = await TeamsRepository(s).linked_channel(municipality.group.organisation_id, "group",
                                                        municipality.group.id)  # fmt: skip
        bra = await TeamsRepository(s).linked_channel(municipality.group.organisation_id, "bra")
    assert group is not None and group.channel_id == EST_CHANNEL and group.tenant_id == TENANT
    assert bra is not None and bra.channel_id == BRA_CHANNEL
    unknown = await say_in_channel(bot, EST_CHANNEL, user_id="29:cecilia", aad="aad-cecilia", text="hej")
    assert "koppla EST" in unknown


async def test_a_red_assessment_puts_the_escalation_card_in_the_bra_channel(
    anna: TeamsUser, bot: LagesbildBot, municipality: Municipality, db: Database
) -> None:
    cycle = municipality.cycle.id
    await anna.press(VERB_SUBMIT, {"cycle": cycle, "q1_observations": "Bränder i soprum vid Brunnsparken, "
                                   "ring 070-123 45 67", "q1_confirm_personal_data": "true", "q1_impact": "5"})  # fmt: skip
    await close_cycle(db, municipality.group, now=dt.datetime.now(dt.UTC), tz=TZ)
    await digest_for_cycle(db, cycle, now=dt.datetime.now(dt.UTC))
    cecilia = TeamsUser(bot, user_id="29:cecilia", aad_object_id="aad-cecilia", name="Cecilia Carlsson")
    await cecilia.press(VERB_ASSESS, {"cycle": cycle, "question": "1", "assess_q1_level": "red",
                                      "assess_q1_comment": "Återkommande bränder, behöver Brå"})  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    assert await deliver_escalations(db, now=now) == 0, "no Brå channel yet: it waits"
    assert len(await escalations_to_send(db)) == 1
    await say_in_channel(bot, BRA_CHANNEL, user_id="29:cecilia", aad="aad-cecilia", text="koppla brå")
    assert await deliver_escalations(db, now=now) == 1
    assert await deliver_escalations(db, now=now) == 0
    async with db.session(readonly=True) as s:
        [post] = [m for m in await OutboxRepository(s).list() if m.kind.value == "escalation"]
    assert post.recipient == BRA_CHANNEL and post.conversation_id == BRA_CHANNEL
    text = card_text(post.payload["attachments"][0]["content"])
    assert "Lyft till lokala Brå: Fråga 1, Ordningsstörningar och otrygghet" in text
    assert "Rött" in text and "Återkommande bränder, behöver Brå" in text
    assert "Bränder i soprum vid Brunnsparken" in text and "[telefon]" in text and "070-123" not in text
    assert "Anna" not in text, "agencies, never reporters' names"
