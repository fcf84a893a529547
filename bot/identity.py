"""Who is writing: map a Teams user to a member (AAD object id, then email/UPN from the
roster) and keep their delivery address current."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity

from lagesbild.operations.reports import member_by_identity
from reporting.model import Member
from storage.database import Database
from storage.errors import AlreadyExists
from storage.repositories import MemberRepository, OutboxRepository, TeamsRepository
from storage.repositories.teams import TeamsAddress

log = logging.getLogger(__name__)


def tenant_of(activity: Activity) -> str:
    conversation = activity.conversation
    if conversation is not None and getattr(conversation, "tenant_id", None):
        return str(conversation.tenant_id)
    data: Any = activity.channel_data or {}
    tenant = data.get("tenant") if isinstance(data, dict) else None
    return str(tenant.get("id", "")) if isinstance(tenant, dict) else ""


def team_id_of(activity: Activity) -> str | None:
    data: Any = activity.channel_data or {}
    team = data.get("team") if isinstance(data, dict) else None
    return str(team["id"]) if isinstance(team, dict) and team.get("id") else None


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    kind = getattr(conversation, "conversation_type", None) if conversation else None
    return kind in (None, "personal") and not getattr(conversation, "is_group", False)


async def roster_email(turn_context: TurnContext, user_id: str) -> str | None:
    """The user's email or UPN from the Teams roster, or None if the roster cannot say."""
    try:
        account = await TeamsInfo.get_member(turn_context, user_id)
    except Exception as exc:  # the roster is best effort: a missing email only means "unknown"
        log.info("roster lookup for %s failed: %s", user_id, exc.__class__.__name__)
        return None
    return getattr(account, "email", None) or getattr(account, "user_principal_name", None)


async def identify(
    db: Database, turn_context: TurnContext, *, on_reachable: Callable[[], None] | None = None
) -> Member | None:
    """The member behind the activity, or None for someone not in the directory.
    `on_reachable` is called when a new or changed address made waiting messages due."""
    activity = turn_context.activity
    sender = activity.from_property
    if sender is None:
        return None
    member = await member_by_identity(db, aad_object_id=sender.aad_object_id, email=None)
    if member is None:
        email = await roster_email(turn_context, sender.id)
        member = await member_by_identity(db, aad_object_id=None, email=email)
        if member is not None and sender.aad_object_id and not member.aad_object_id:
            try:
                async with db.session() as s:
                    await MemberRepository(s).set_aad_object_id(member.id, sender.aad_object_id)
            except AlreadyExists:
                log.warning("AAD object id of Teams user %s already belongs to another member", sender.id)
    if member is not None and await remember_address(db, member, activity) and on_reachable is not None:
        on_reachable()
    return member


async def remember_address(db: Database, member: Member, activity: Activity) -> bool:
    """Store where to reach the member (written only when something changed), and make the
    member's Teams messages that wait for a retry due now. True when any became due."""
    sender, recipient = activity.from_property, activity.recipient
    if sender is None or recipient is None or not activity.service_url:
        return False
    address = TeamsAddress(
        member_id=member.id,
        user_id=sender.id,
        aad_object_id=sender.aad_object_id,
        tenant_id=tenant_of(activity),
        service_url=activity.service_url,
        bot_id=recipient.id,
        conversation_id=activity.conversation.id if activity.conversation and is_personal(activity) else None,
    )
    async with db.session(readonly=True) as s:
        stored = await TeamsRepository(s).address(member.id)
    same = (
        stored is not None
        and stored.unreachable_since is None
        and (
            (stored.user_id, stored.tenant_id, stored.service_url, stored.bot_id)
            == (address.user_id, address.tenant_id, address.service_url, address.bot_id)
            and (address.conversation_id is None or stored.conversation_id == address.conversation_id)
        )
    )
    if same:
        return False
    async with db.session() as s:
        await TeamsRepository(s).save_address(address)
        now = dt.datetime.now(dt.UTC)
        return await OutboxRepository(s).retry_now(member.id, "teams", now=now) > 0
