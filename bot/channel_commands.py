"""Commands to the bot in a team channel (the bot is @mentioned there):

"koppla EST" links this channel to the group EST (its digest and decisions are posted here);
"koppla brå" makes it the municipality's Brå channel (escalations go here). Only the
coordinator, the deputy or an admin may link a group's channel; Brå members and admins the
Brå channel. English: "link EST", "link bra". For Brå members, "beslut" answers with the
decision form (open escalations and recent digest questions to link) and "prioritera" with
the priority form.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from botbuilder.core import TurnContext

from bot.identity import team_id_of, tenant_of
from lagesbild.operations.decisions import decision_form
from lagesbild.operations.priorities import priority_form
from reporting.bra.roles import may_decide
from reporting.model import Member, Role
from storage.database import Database
from storage.errors import NotFound
from storage.repositories import GroupRepository, TeamsRepository
from storage.repositories.teams import LinkedChannel

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE)
_LINK = re.compile(r"^\s*(koppla|link)\s+(.+?)\s*[.!]?\s*$", re.IGNORECASE)
CHANNEL_HELP = (
    "I en kanal förstår jag **koppla EST** (gruppens sammanställningar och beslut postas här), "
    "**koppla brå** (ärenden som lyfts till Brå postas här), och för Brå **beslut** (ett nytt beslut) "
    "och **prioritera** (vad Brå vill att grupperna bevakar)."
)


def channel_id_of(turn_context: TurnContext) -> str:
    """The channel's own id (a reply thread's conversation id ends in ';messageid=…')."""
    return str(turn_context.activity.conversation.id).split(";", 1)[0]


async def handle_channel_message(
    db: Database, turn_context: TurnContext, member: Member | None, *, today: dt.date
) -> str | dict[str, Any]:
    """The bot's answer to a message in a channel: a text, or a card (a form)."""
    text = _MENTION.sub(" ", turn_context.activity.text or "")
    word = text.strip().lower().rstrip(".!")
    if word in ("beslut", "besluta", "decision", "decide") and member is not None:
        if not may_decide(member, member.organisation_id):
            return "Det är lokala Brå som fattar beslut. Samordnaren kan lyfta frågor till Brå från sammanställningen."
        return await decision_form(db, organisation_id=member.organisation_id, today=today)
    if word in ("prioritera", "prioriteringar", "priority", "priorities") and member is not None:
        if not member.roles & {Role.BRA, Role.ADMIN}:
            return "Det är lokala Brå som sätter prioriteringar."
        return await priority_form(db, member.organisation_id, today=today)
    match = _LINK.match(text)
    if not match:
        return CHANNEL_HELP
    if member is None:
        return "Du finns inte i Lägesbilds medlemslista, så du kan inte koppla kanaler."
    target = match.group(2).strip()
    purpose = "bra" if target.lower() in ("brå", "bra", "lokala brå") else "group"
    allowed = (
        {Role.BRA, Role.ADMIN, Role.COORDINATOR}
        if purpose == "bra"
        else {Role.COORDINATOR, Role.DEPUTY, Role.ADMIN}
    )
    if not member.roles & allowed:
        log.info("member %s may not link a %s channel", member.id, purpose)
        return "Det är samordnaren (eller en administratör) som kopplar kanaler."
    group_id = None
    if purpose == "group":
        async with db.session(readonly=True) as s:
            try:
                group = await GroupRepository(s).by_name(member.organisation_id, target)
            except NotFound:
                names = ", ".join(g.name for g in await GroupRepository(s).all(member.organisation_id))
                return f"Gruppen {target} finns inte. Grupper: {names or 'inga'}."
        group_id = group.id
    activity = turn_context.activity
    channel = LinkedChannel(channel_id_of(turn_context), member.organisation_id, purpose, group_id,
                            activity.service_url or "", tenant_of(activity))  # fmt: skip
    async with db.session() as s:
        await TeamsRepository(s).link_channel(channel, team_id=team_id_of(activity), by=member.id,
                                              now=dt.datetime.now(dt.UTC))  # fmt: skip
        if group_id is not None:
            await GroupRepository(s).set_channel(group_id, channel.channel_id)
    log.info("channel %s linked as %s by member %s", channel.channel_id, purpose, member.id)
    if purpose == "bra":
        return "Klart: den här kanalen är nu Brå-kanalen. Frågor som gruppen lyfter till Brå postas här."
    return (
        f"Klart: den här kanalen hör nu till {target}. Sammanställningar och beslut för gruppen postas här."
    )
