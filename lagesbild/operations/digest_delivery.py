"""Delivering a digest once it is built: rendered once, frozen in the outbox.

To the group's coordinator and deputy: in Teams, the digest cards in their 1:1 chat (a summary
and per-question detail cards with the assessment form); by email, the printable HTML with the
.docx in the county's layout attached. The summary card (no inputs) is also posted in the
group's Teams channel when one is linked. Every message has a dedupe key, so a rerun of the
job queues nothing twice.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from dataclasses import dataclass

from adaptive_cards.digest import digest_cards, summary_card
from bot.activities import card_activity
from lagesbild.exports import render_digest_data
from lagesbild.operations.digest import DigestBundle, build_due_digests
from lagesbild.operations.errors import OperationError
from lagesbild.operations.export import county_exports_due, export_month
from reporting.digest.wording import gist
from reporting.formatting import format_period
from reporting.model import Channel, Member, ReportingGroup, Role
from reporting.outbox import MessageKind, NewMessage
from storage.database import Database
from storage.repositories import (
    GroupRepository,
    MemberRepository,
    OrganisationRepository,
    OutboxRepository,
    TeamsRepository,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChannelAddress:
    """Where a Teams channel post goes."""

    conversation_id: str
    service_url: str
    tenant_id: str


async def digest_leads(db: Database, bundle: DigestBundle) -> list[Member]:
    """The group's coordinator and deputy (the organisation's, if the group names none)."""
    async with db.session(readonly=True) as s:
        ids = await GroupRepository(s).member_ids(bundle.group.id)
        in_group = await MemberRepository(s).by_ids(ids)
        everyone = await MemberRepository(s).all(bundle.group.organisation_id, active_only=True)
    wanted = {Role.COORDINATOR, Role.DEPUTY}
    leads = [m for m in in_group if m.active and m.roles & wanted]
    return leads or [m for m in everyone if m.roles & wanted]


def _teams_messages(bundle: DigestBundle, member: Member, summary: str, locale: str) -> list[NewMessage]:
    cards = digest_cards(bundle.data, bundle.questionnaire, locale=locale)
    return [
        NewMessage(
            kind=MessageKind.DIGEST,
            channel="teams",
            recipient=member.email,
            member_id=member.id,
            cycle_id=bundle.cycle.id,
            payload=card_activity(card, summary=summary),
            text=summary if i == 0 else f"{summary} (del {i + 1} av {len(cards)})",
            dedupe_key=f"digest:{bundle.digest.id}:{member.id}:{i}",
        )  # fmt: skip
        for i, card in enumerate(cards)
    ]


def _email_message(bundle: DigestBundle, member: Member, summary: str, locale: str) -> NewMessage:
    compiled = bundle.compiled(locale)
    common = {"organisation": bundle.organisation, "series": bundle.digest.series, "locale": locale}
    html = render_digest_data(compiled, bundle.questionnaire, "html", **common)
    text = render_digest_data(compiled, bundle.questionnaire, "md", **common)
    docx = render_digest_data(compiled, bundle.questionnaire, "docx", **common)
    period = format_period(bundle.cycle.period_from, bundle.cycle.period_to, locale)
    payload = {
        "subject": f"Sammanställning {bundle.group.name} {period} inför mötet",
        "text": text.content.decode("utf-8"),
        "html": html.content.decode("utf-8"),
        "attachments": [
            {
                "filename": docx.filename,
                "content_type": docx.media_type,
                "data_base64": base64.b64encode(docx.content).decode("ascii"),
            }
        ],  # fmt: skip
    }
    return NewMessage(
        kind=MessageKind.DIGEST, channel="email", recipient=member.email, member_id=member.id,
        cycle_id=bundle.cycle.id, payload=payload, text=summary, dedupe_key=f"digest:{bundle.digest.id}:{member.id}:0",
    )  # fmt: skip


async def enqueue_digest(
    db: Database,
    bundle: DigestBundle,
    *,
    channel: ChannelAddress | None,
    now: dt.datetime,
    locale: str = "sv",
) -> int:
    """Queue the digest for the leads and, with `channel`, the summary in the group's channel."""
    summary = gist(bundle.data, bundle.questionnaire, locale)
    messages: list[NewMessage] = []
    for member in await digest_leads(db, bundle):
        if member.channel is Channel.TEAMS:
            messages += _teams_messages(bundle, member, summary, locale)
        else:
            messages.append(_email_message(bundle, member, summary, locale))
    if channel is not None:
        card = summary_card(bundle.data, bundle.questionnaire, locale=locale)
        messages.append(
            NewMessage(
                kind=MessageKind.DIGEST,
                channel="teams",
                recipient=channel.conversation_id,
                cycle_id=bundle.cycle.id,
                payload=card_activity(card, summary=summary),
                text=summary,
                dedupe_key=f"digest-channel:{bundle.digest.id}",
                conversation_id=channel.conversation_id,
                service_url=channel.service_url,
                tenant_id=channel.tenant_id,
            )  # fmt: skip
        )
    elif not bundle.group.teams_channel_id:
        log.info("group %s has no Teams channel linked; the digest goes to the leads only", bundle.group.name)
    async with db.session() as s:
        added = await OutboxRepository(s).enqueue(messages, now=now)
    log.info("digest %s of cycle %s: %d messages queued", bundle.digest.id, bundle.cycle.id, added)
    return added


async def group_channel(db: Database, group: ReportingGroup) -> ChannelAddress | None:
    """The group's Teams channel: the one linked in Teams ("koppla EST"), else the id set with
    `group create --channel`, addressed through a team the bot is installed in."""
    async with db.session(readonly=True) as s:
        linked = await TeamsRepository(s).linked_channel(group.organisation_id, "group", group.id)
        teams = await TeamsRepository(s).teams()
    if linked is not None:
        return ChannelAddress(linked.channel_id, linked.service_url, linked.tenant_id)
    if not group.teams_channel_id:
        return None
    team = next((t for t in teams if t.organisation_id == group.organisation_id), teams[0] if teams else None)
    if team is None:
        log.warning("group %s has a channel but the bot is in no team yet; no channel post", group.name)
        return None
    return ChannelAddress(group.teams_channel_id, team.service_url, team.tenant_id)


async def bra_channel(db: Database, organisation_id: int) -> ChannelAddress | None:
    """The municipality's Brå channel, linked in Teams with "koppla brå"."""
    async with db.session(readonly=True) as s:
        linked = await TeamsRepository(s).linked_channel(organisation_id, "bra")
    return ChannelAddress(linked.channel_id, linked.service_url, linked.tenant_id) if linked else None


async def deliver_due_digests(
    db: Database, *, now: dt.datetime, locale: str = "sv", before_meeting: dt.timedelta | None = None
) -> int:
    """The scheduler's job: build the digests that are due and queue their delivery."""
    queued = 0
    for bundle in await build_due_digests(db, now=now, locale=locale, before_meeting=before_meeting):
        channel = await group_channel(db, bundle.group)
        queued += await enqueue_digest(db, bundle, channel=channel, now=now, locale=locale)
    return queued


async def send_county_reports(
    db: Database, *, county_address: str, today: dt.date, now: dt.datetime, locale: str = "sv"
) -> int:
    """On the first working day after a month ends, the month's compilation (.docx in the
    county's layout) by email to the county, once per group and month."""
    queued = 0
    for group, year, month in await county_exports_due(db, today=today):
        try:
            export = await export_month(db, group, year=year, month=month, fmt="docx", now=now, locale=locale)
        except OperationError as exc:
            log.warning("county report %s %04d-%02d not sent: %s", group.name, year, month, exc)
            continue
        async with db.session(readonly=True) as s:
            organisation = next(
                o.name for o in await OrganisationRepository(s).all() if o.id == group.organisation_id
            )
        subject = f"Lägesrapport sociala risker {organisation} {year:04d}-{month:02d} ({group.name})"
        text = (
            f"Hej!\n\nBifogat är {organisation}s sammanställda lägesrapport för {year:04d}-{month:02d} "
            f"({group.name}, {len(export.cycles)} perioder), i länets mall.\n\nMed vänlig hälsning\nLägesbild"
        )
        if export.skipped:
            text += f"\n\n{len(export.skipped)} period(er) i månaden var inte stängda och är inte med."
        message = NewMessage(
            kind=MessageKind.SUMMARY, channel="email", recipient=county_address, text=subject,
            payload={"subject": subject, "text": text, "attachments": [
                {"filename": export.file.filename, "content_type": export.file.media_type,
                 "data_base64": base64.b64encode(export.file.content).decode("ascii")}]},
            dedupe_key=f"county:{group.id}:{year:04d}-{month:02d}", organisation_id=group.organisation_id,
        )  # fmt: skip
        async with db.session() as s:
            queued += await OutboxRepository(s).enqueue([message], now=now)
    return queued
