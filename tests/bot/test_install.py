"""Installing the bot: a person's delivery address is stored, a stranger is told who to ask."""

from __future__ import annotations

from botbuilder.schema import Activity, ChannelAccount

from bot.handler import LagesbildBot
from storage.database import Database
from storage.repositories import MemberRepository, TeamsRepository
from tests.world import TENANT, Municipality, TeamsUser


async def install(user: TeamsUser) -> list[Activity]:
    activity = Activity(type="installationUpdate", action="add")
    await user.adapter.process_activity(activity, user.bot.on_turn)
    return user._drain()


async def test_personal_install_stores_the_address_and_greets(
    anna: TeamsUser, municipality: Municipality, db: Database
) -> None:
    [greeting] = await install(anna)
    assert greeting.text.startswith("Hej Anna! Jag är Lägesbild.") and "rapportera" in greeting.text
    async with db.session(readonly=True) as s:
        member = await MemberRepository(s).by_email(1, "anna@fagersta.se")
        address = await TeamsRepository(s).address(member.id)
    assert address is not None
    assert (address.user_id, address.tenant_id, address.conversation_id, address.bot_id) == (
        "29:anna", TENANT, "a:personal-29:anna", "28:lagesbild-bot"
    )  # fmt: skip
    assert address.service_url == "https://smba.trafficmanager.net/emea/"


async def test_conversation_update_with_the_bot_added_records_the_address(
    bot: LagesbildBot, municipality: Municipality, db: Database
) -> None:
    cecilia = TeamsUser(bot, user_id="29:cecilia", aad_object_id="aad-cecilia", name="Cecilia Carlsson")
    update = Activity(type="conversationUpdate", members_added=[ChannelAccount(id="28:lagesbild-bot")],
                      channel_data={"tenant": {"id": TENANT}})  # fmt: skip
    await cecilia.adapter.process_activity(update, bot.on_turn)
    assert cecilia._drain() == [], "installationUpdate greets; the conversationUpdate beside it only records"
    async with db.session(readonly=True) as s:
        member = await MemberRepository(s).by_email(1, "cecilia@fagersta.se")
        assert await TeamsRepository(s).address(member.id) is not None


async def test_a_stranger_installing_is_told_who_to_contact(
    bot: LagesbildBot, municipality: Municipality
) -> None:
    stranger = TeamsUser(bot, user_id="29:x", aad_object_id="aad-x", name="Xerxes")
    [reply] = await install(stranger)
    assert "finns inte med i Lägesbilds medlemslista" in reply.text
