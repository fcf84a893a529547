"""Reading a team's roster into delivery addresses, so that a member who never wrote to
the bot can still be prompted (the dispatcher opens the 1:1 chat from the address)."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema.teams import TeamInfo

from bot.identity import tenant_of
from storage.database import Database
from storage.errors import AlreadyExists
from storage.repositories import MemberRepository, TeamsRepository
from storage.repositories.teams import TeamsAddress

log = logging.getLogger(__name__)


async def sync_roster(db: Database, turn_context: TurnContext, team_info: TeamInfo) -> int:
    """Store an address for every roster entry that is one of our members; returns how many."""
    activity = turn_context.activity
    accounts = []
    token = None
    try:
        while True:
            page = await TeamsInfo.get_paged_team_members(turn_context, team_info.id, token, 500)
            accounts.extend(page.members or [])
            token = page.continuation_token
            if not token:
                break
    except Exception as exc:  # a roster call can fail (permissions, the local playground); log and go on
        log.warning("could not read the roster of team %s: %s", team_info.id, exc.__class__.__name__)
        return 0
    matched = 0
    for account in accounts:
        email = account.email or account.user_principal_name
        async with db.session() as s:
            repo = MemberRepository(s)
            member = await repo.find_by_identity(aad_object_id=account.aad_object_id, email=email)
            if member is None:
                continue
            if account.aad_object_id and not member.aad_object_id:
                try:
                    await repo.set_aad_object_id(member.id, account.aad_object_id)
                except AlreadyExists:
                    log.warning("roster: AAD id of %s already belongs to another member", account.id)
            await TeamsRepository(s).save_address(
                TeamsAddress(member_id=member.id, user_id=account.id, aad_object_id=account.aad_object_id,
                             tenant_id=tenant_of(activity), service_url=activity.service_url or "",
                             bot_id=activity.recipient.id, conversation_id=None)
            )  # fmt: skip
            matched += 1
    log.info("roster of team %s: %d of %d people are members", team_info.id, matched, len(accounts))
    return matched
