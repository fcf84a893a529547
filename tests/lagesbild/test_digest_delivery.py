"""When a cycle has closed, its digest reaches the coordinator and deputy (Teams cards, or an
email with the HTML and the .docx) and, when a channel is linked, the group's channel."""

from __future__ import annotations

import base64
import datetime as dt
import io

import docx

from adaptive_cards.report import VERB_SUBMIT
from lagesbild.operations.cycles import close_cycle
from lagesbild.operations.digest_delivery import deliver_due_digests
from lagesbild.operations.members import import_members
from storage.database import Database
from storage.repositories import GroupRepository, OutboxRepository, TeamsRepository
from storage.repositories.teams import TeamsTeam
from tests.world import TENANT, TZ, Municipality, TeamsUser


async def test_the_digest_goes_to_the_leads_and_the_channel_once(
    anna: TeamsUser, municipality: Municipality, db: Database
) -> None:
    await import_members(db, organisation="Fagersta kommun", csv_text=(
        "name,email,agency,roles,channel\nDora Deputy,dora@fagersta.se,socialtjänst,deputy,email\n"))  # fmt: skip
    await anna.press(VERB_SUBMIT, {"cycle": municipality.cycle.id, "q1_observations": "Klotter vid Brunnsparken",
                                   "q1_impact": "3"})  # fmt: skip
    async with db.session() as s:
        await GroupRepository(s).set_channel(municipality.group.id, "19:est@thread.tacv2")
        await TeamsRepository(s).save_team(TeamsTeam("19:team@thread.tacv2", None, "Fagersta", TENANT,
                                                     "https://smba.example/emea/", "28:bot", "19:team@thread.tacv2"))  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    await close_cycle(db, municipality.group, now=now, tz=TZ)
    queued = await deliver_due_digests(db, now=now)
    assert queued >= 3
    assert await deliver_due_digests(db, now=now) == 0, "built and queued once"
    async with db.session(readonly=True) as s:
        messages = [m for m in await OutboxRepository(s).list() if m.kind.value == "digest"]
    to_cecilia = [m for m in messages if m.recipient == "cecilia@fagersta.se"]
    assert to_cecilia and all(m.channel == "teams" for m in to_cecilia)
    assert to_cecilia[0].payload["attachments"][0]["content"]["type"] == "AdaptiveCard"
    [channel_post] = [m for m in messages if m.recipient == "19:est@thread.tacv2"]
    assert channel_post.conversation_id == "19:est@thread.tacv2" and channel_post.tenant_id == TENANT
    [email] = [m for m in messages if m.recipient == "dora@fagersta.se"]
    assert email.channel == "email" and "<html" in email.payload["html"].lower()
    attachment = email.payload["attachments"][0]
    assert attachment["filename"].endswith(".docx")
    document = docx.Document(io.BytesIO(base64.b64decode(attachment["data_base64"])))
    assert any("Klotter vid Brunnsparken" in p.text for p in document.paragraphs) or any(
        "Klotter vid Brunnsparken" in c.text for t in document.tables for r in t.rows for c in r.cells
    )


async def test_the_digest_can_wait_until_some_hours_before_the_meeting(
    anna: TeamsUser, municipality: Municipality, db: Database
) -> None:
    await anna.press(VERB_SUBMIT, {"cycle": municipality.cycle.id, "q1_observations": "Klotter", "q1_impact": "2"})
    now = dt.datetime.now(dt.UTC)
    await close_cycle(db, municipality.group, now=now, tz=TZ)
    wait = dt.timedelta(hours=2)
    meeting = municipality.cycle.meeting_at
    assert meeting - wait > now, "the fixture's meeting is more than two hours away"
    assert await deliver_due_digests(db, now=now, before_meeting=wait) == 0
    assert await deliver_due_digests(db, now=meeting - wait + dt.timedelta(minutes=1), before_meeting=wait) > 0
