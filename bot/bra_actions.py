"""Brå in Teams: deciding from the escalation card ("Besluta" opens the decision form inside
the card), the owner's follow-up, and the priority form. Each action answers with the card
that replaces the pressed one; what others must see (the decision in the channels, feedback
to reporters) goes through the outbox."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from adaptive_cards.bra import decision_card, followup_card
from adaptive_cards.escalation import escalation_card
from adaptive_cards.notice import notice_card
from bot.card_data import id_field
from bot.services import BotServices
from lagesbild.operations.assessment import PermissionRefused, escalation_context
from lagesbild.operations.decisions import (
    create_decision,
    decision_form,
    followup_form,
    get_decision,
    post_decision,
    update_status,
)
from lagesbild.operations.errors import OperationError
from lagesbild.operations.priorities import clear_priority, priority_form, set_priority
from reporting.bra.forms import (
    VERB_DECIDE,
    VERB_DECIDE_CANCEL,
    VERB_DECIDE_FORM,
    VERB_FOLLOWUP,
    VERB_FOLLOWUP_FORM,
    VERB_PRIORITY_CLEAR,
    VERB_PRIORITY_SET,
    parse_decision_form,
    parse_followup_form,
    parse_priority_clear,
    parse_priority_form,
)
from reporting.formatting import format_period
from reporting.model import Member

log = logging.getLogger(__name__)

BRA_VERBS = (VERB_DECIDE_FORM, VERB_DECIDE, VERB_DECIDE_CANCEL, VERB_FOLLOWUP_FORM, VERB_FOLLOWUP,
             VERB_PRIORITY_SET, VERB_PRIORITY_CLEAR)  # fmt: skip
Queued = Callable[[], None]


async def escalation_card_for(services: BotServices, escalation_id: int) -> dict[str, Any]:
    """The escalation's card as posted in the Brå channel, with its "Besluta" button."""
    context = await escalation_context(services.db, escalation_id, now=services.clock())
    return escalation_card(
        context.question, context.questionnaire, group_name=context.group.name, organisation=context.organisation,
        period=format_period(context.cycle.period_from, context.cycle.period_to), level=context.escalation.level,
        comment=context.escalation.comment, escalation_id=escalation_id, cycle_id=context.cycle.id,
    )  # fmt: skip


class BraActions:
    def __init__(self, services: BotServices, *, queued: Queued | None = None) -> None:
        self.services = services
        self.queued = queued or services.wake_outbox

    def today(self) -> Any:
        return self.services.clock().astimezone(self.services.tz).date()

    async def handle(self, verb: str, member: Member, data: dict[str, Any]) -> dict[str, Any]:
        handler: Callable[[Member, dict[str, Any]], Awaitable[dict[str, Any]]] = {
            VERB_DECIDE_FORM: self._decide_form, VERB_DECIDE: self._decide, VERB_DECIDE_CANCEL: self._cancel,
            VERB_FOLLOWUP_FORM: self._followup_form, VERB_FOLLOWUP: self._followup,
            VERB_PRIORITY_SET: self._priority_set, VERB_PRIORITY_CLEAR: self._priority_clear,
        }[verb]  # fmt: skip
        try:
            return await handler(member, data)
        except OperationError as exc:
            return notice_card(str(exc))

    async def _decide_form(self, member: Member, data: dict[str, Any]) -> dict[str, Any]:
        return await decision_form(self.services.db, organisation_id=member.organisation_id, today=self.today(),
                                   escalation_id=id_field(data, "escalation"))  # fmt: skip

    async def _decide(self, member: Member, data: dict[str, Any]) -> dict[str, Any]:
        db, now = self.services.db, self.services.clock()
        try:
            given = parse_decision_form(data, today=self.today())
            outcome = await create_decision(db, given, now=now, by=member)
        except PermissionRefused:
            raise
        except (OperationError, ValueError) as exc:  # a field is wrong: the form again, filled in, with why
            return await decision_form(db, organisation_id=member.organisation_id, today=self.today(),
                                       escalation_id=id_field(data, "escalation"), values=data, error=str(exc))  # fmt: skip
        await post_decision(db, outcome.decision.id, now=now, tz=self.services.tz)
        self.queued()
        return decision_card(outcome.decision, today=self.today())

    async def _cancel(self, member: Member, data: dict[str, Any]) -> dict[str, Any]:
        escalation = id_field(data, "escalation")
        if escalation is None:
            return notice_card("Beslutet sparades inte.")
        return await escalation_card_for(self.services, escalation)

    async def _followup_form(self, member: Member, data: dict[str, Any]) -> dict[str, Any]:
        decision_id = id_field(data, "decision")
        if decision_id is None:
            return notice_card("Kortet saknar uppgift om beslutet.")
        return await followup_form(self.services.db, decision_id, member=member, today=self.today())

    async def _followup(self, member: Member, data: dict[str, Any]) -> dict[str, Any]:
        decision_id = id_field(data, "decision")
        if decision_id is None:
            return notice_card("Kortet saknar uppgift om beslutet.")
        db, now = self.services.db, self.services.clock()
        try:
            given = parse_followup_form(data)
        except ValueError as exc:
            decision = await get_decision(db, decision_id, organisation_id=member.organisation_id)
            return followup_card(decision, today=self.today(), message=str(exc), ok=False)
        outcome = await update_status(db, decision_id, given.status, given.text, by=member, now=now)
        await post_decision(db, decision_id, now=now, tz=self.services.tz)
        self.queued()
        return followup_card(outcome.decision, today=self.today(), message="Sparat.")

    async def _priority_set(self, member: Member, data: dict[str, Any]) -> dict[str, Any]:
        db = self.services.db
        try:
            given = parse_priority_form(data, today=self.today())
        except ValueError as exc:
            return await priority_form(
                db, member.organisation_id, today=self.today(), message=str(exc), ok=False
            )
        await set_priority(db, member.organisation_id, given, by=member, now=self.services.clock())
        return await priority_form(
            db, member.organisation_id, today=self.today(), message="Prioriteringen är sparad."
        )

    async def _priority_clear(self, member: Member, data: dict[str, Any]) -> dict[str, Any]:
        db = self.services.db
        await clear_priority(db, member.organisation_id, parse_priority_clear(data), by=member,
                             now=self.services.clock())  # fmt: skip
        return await priority_form(
            db, member.organisation_id, today=self.today(), message="Prioriteringen är borttagen."
        )
