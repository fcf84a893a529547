"""The meeting, from the digest card: the coordinator or deputy sets the compiled assessment
per question (Grönt/Gult/Rött, Kommentar/åtgärd) or lifts a yellow one to Brå. The pressed
card is answered with itself re-rendered, so the chosen level shows at once."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from adaptive_cards.digest import digest_cards
from adaptive_cards.notice import notice_card
from bot.card_data import id_field
from bot.services import BotServices
from lagesbild.operations.assessment import PermissionRefused, escalate, set_assessment
from lagesbild.operations.digest import digest_for_cycle
from lagesbild.operations.errors import OperationError
from reporting.digest.assessment import InvalidAssessment, check_question, level_input_id, parse_assessment
from reporting.model import Member

log = logging.getLogger(__name__)

Escalated = Callable[[], Awaitable[None]]


class DigestActions:
    def __init__(self, services: BotServices, *, on_escalated: Escalated | None = None) -> None:
        self.services = services
        self.on_escalated = on_escalated

    async def assess(self, member: Member, data: dict[str, Any]) -> dict[str, Any]:
        cycle_id = id_field(data, "cycle")
        if cycle_id is None:
            return notice_card("Kortet saknar uppgift om perioden.")
        try:
            bundle = await digest_for_cycle(self.services.db, cycle_id, now=self.services.clock())
            wanted = parse_assessment(data, bundle.questionnaire)
            outcome = await set_assessment(
                self.services.db, cycle_id=wanted.cycle_id, question=wanted.question, level=wanted.level,
                comment=wanted.comment, now=self.services.clock(), by=member,
            )  # fmt: skip
        except PermissionRefused as exc:
            log.info("member %s may not assess cycle %s", member.id, cycle_id)
            return notice_card(str(exc))
        except (InvalidAssessment, OperationError) as exc:
            return notice_card(str(exc))
        if outcome.escalation is not None and self.on_escalated is not None:
            await self.on_escalated()
        return await self._card_with(cycle_id, wanted.question)

    async def escalate(self, member: Member, data: dict[str, Any]) -> dict[str, Any]:
        cycle_id = id_field(data, "cycle")
        if cycle_id is None:
            return notice_card("Kortet saknar uppgift om perioden.")
        try:
            escalation = await escalate(self.services.db, cycle_id=cycle_id, question=str(data.get("question")),
                                        now=self.services.clock(), by=member)  # fmt: skip
        except (PermissionRefused, OperationError) as exc:
            return notice_card(str(exc))
        if escalation is not None and self.on_escalated is not None:
            await self.on_escalated()
        return await self._card_with(cycle_id, str(data.get("question")))

    async def _card_with(self, cycle_id: int, question: str) -> dict[str, Any]:
        """The digest card that holds `question`'s assessment form, as things stand now."""
        bundle = await digest_for_cycle(self.services.db, cycle_id, now=self.services.clock())
        number = check_question(bundle.questionnaire, question)
        cards = digest_cards(bundle.compiled(), bundle.questionnaire)
        marker = f'"{level_input_id(number)}"'
        return next((c for c in cards if marker in json.dumps(c)), cards[0])
