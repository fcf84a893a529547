"""Escalations to Brå: each question the group assessed red (or lifted from yellow) is posted,
once, as a card in the municipality's Brå channel. An escalation waits, and says so in the
log, until a Brå channel is linked ("koppla brå" in the channel)."""

from __future__ import annotations

import datetime as dt
import logging

from adaptive_cards.escalation import escalation_card
from bot.activities import card_activity
from lagesbild.operations.assessment import escalation_context, escalations_to_send
from lagesbild.operations.digest_delivery import bra_channel
from reporting.formatting import format_period
from reporting.outbox import MessageKind, NewMessage
from storage.database import Database
from storage.repositories import OutboxRepository
from storage.repositories.assessments import EscalationRepository

log = logging.getLogger(__name__)


async def deliver_escalations(db: Database, *, now: dt.datetime, locale: str = "sv") -> int:
    """Queue the Brå card of every escalation not yet queued; returns how many."""
    queued = 0
    for escalation in await escalations_to_send(db):
        context = await escalation_context(db, escalation.id, now=now)
        channel = await bra_channel(db, context.group.organisation_id)
        if channel is None:
            log.warning("escalation %s (%s, question %s) waits: no Brå channel is linked ('koppla brå')",
                        escalation.id, context.group.name, escalation.question)  # fmt: skip
            continue
        period = format_period(context.cycle.period_from, context.cycle.period_to, locale)
        card = escalation_card(
            context.question, context.questionnaire, group_name=context.group.name,
            organisation=context.organisation, period=period, level=escalation.level,
            comment=escalation.comment, escalation_id=escalation.id, cycle_id=context.cycle.id, locale=locale,
        )  # fmt: skip
        summary = f"{context.group.name} {period} lyfter fråga {escalation.question} till Brå"
        message = NewMessage(
            kind=MessageKind.ESCALATION, channel="teams", recipient=channel.conversation_id,
            cycle_id=context.cycle.id, payload=card_activity(card, summary=summary), text=summary,
            dedupe_key=f"escalation:{escalation.id}", conversation_id=channel.conversation_id,
            service_url=channel.service_url, tenant_id=channel.tenant_id,
        )  # fmt: skip
        async with db.session() as s:
            await OutboxRepository(s).enqueue([message], now=now)
            if await EscalationRepository(s).mark_enqueued(escalation.id, None, now=now):
                queued += 1
    return queued
