"""The report card's buttons: submit, save draft, nothing to report this period (one tap),
edit, and the receipt's automatic refresh. Each answers with the card that replaces the
pressed one: the receipt, the draft, the card again with warnings, or the closed card."""

from __future__ import annotations

import logging
from typing import Any

from adaptive_cards.notice import notice_card
from adaptive_cards.report import (
    VERB_EDIT,
    VERB_NOTHING_THIS_PERIOD,
    VERB_REFRESH,
    VERB_SAVE_DRAFT,
    VERB_SUBMIT,
    CardTooLarge,
)
from bot.card_data import id_field
from bot.cards import card_after_save, card_for_report
from bot.services import BotServices
from lagesbild.operations.decisions import led_to
from lagesbild.operations.errors import OperationError
from lagesbild.operations.priorities import priority_lines
from lagesbild.operations.reports import CycleClosed, ReportContext, report_context, save_report
from reporting.model import Channel, Member, Submission, SubmissionState
from reporting.report_input import InvalidReport, is_blank, nothing_this_period, parse_report_inputs

log = logging.getLogger(__name__)

REPORT_VERBS = (VERB_SUBMIT, VERB_SAVE_DRAFT, VERB_NOTHING_THIS_PERIOD, VERB_EDIT, VERB_REFRESH)
BLANK = "Fyll i minst en fråga, eller tryck ”Inget att rapportera den här perioden”."


class ReportActions:
    def __init__(self, services: BotServices) -> None:
        self.services = services

    async def handle(
        self, verb: str, member: Member, data: dict[str, Any], *, user_id: str | None
    ) -> dict[str, Any]:
        cycle_id = id_field(data, "cycle")
        if cycle_id is None:
            log.warning("card payload without a valid cycle from member %s", member.id)
            return notice_card("Kortet saknar uppgift om period. Skriv **rapportera** för ett nytt.")
        db = self.services.db
        try:
            context = await report_context(db, member, cycle_id)
            if verb == VERB_EDIT:
                return await self._card(context)
            if verb == VERB_REFRESH:
                return await self._refresh(context, user_id)
            if verb == VERB_NOTHING_THIS_PERIOD:
                return await self._nothing(context, user_id)
            return await self._save(context, data, submit=verb == VERB_SUBMIT, user_id=user_id)
        except CycleClosed:
            return card_for_report(await report_context(db, member, cycle_id), now=self.services.clock(),
                                   tz=self.services.tz, locale=self.services.locale)  # fmt: skip
        except InvalidReport as exc:
            log.warning("refused card payload from member %s: %s", member.id, exc)
            return notice_card(str(exc))
        except OperationError as exc:
            return notice_card(str(exc))
        except CardTooLarge:
            log.exception("card too large for member %s", member.id)
            return notice_card(
                "Svaret blev för långt för att visas i Teams, men det är sparat. Skriv **status**."
            )

    async def _card(self, context: ReportContext, **kwargs: Any) -> dict[str, Any]:
        today = self.services.clock().astimezone(self.services.tz).date()
        priorities = await priority_lines(self.services.db, context.member.organisation_id, today)
        return card_for_report(context, now=self.services.clock(), tz=self.services.tz, locale=self.services.locale,
                               priorities=priorities, **kwargs)  # fmt: skip

    async def _refresh(self, context: ReportContext, user_id: str | None) -> dict[str, Any]:
        """Teams refreshes a receipt when its reporter sees it again: show what it led to."""
        if context.submission is None or context.submission.state is not SubmissionState.SUBMITTED:
            return await self._card(context)
        return await self._receipt(context, user_id)

    async def _nothing(self, context: ReportContext, user_id: str | None) -> dict[str, Any]:
        answers = nothing_this_period(context.questionnaire)
        submission = await save_report(self.services.db, context, answers, channel=Channel.TEAMS, submit=True,
                                       now=self.services.clock())  # fmt: skip
        return await self._after(context, submission, user_id)

    async def _save(self, context: ReportContext, data: dict[str, Any], *, submit: bool,
                    user_id: str | None) -> dict[str, Any]:  # fmt: skip
        if not context.is_open(self.services.clock()):
            raise CycleClosed(context.cycle)
        parsed = parse_report_inputs(context.questionnaire, data)
        if submit and is_blank(parsed.answers):
            return await self._card(context, answers=parsed.answers,
                                    warnings=[{"code": "message", "question": "", "detail": BLANK}])  # fmt: skip
        if parsed.unconfirmed_warnings:
            # Personal data found: nothing stored until the reporter edits or confirms.
            return await self._card(context, answers=parsed.answers, warnings=parsed.unconfirmed_warnings)
        submission = await save_report(self.services.db, context, parsed.answers, channel=Channel.TEAMS,
                                       submit=submit, now=self.services.clock(), warnings=parsed.warnings)  # fmt: skip
        return await self._after(context, submission, user_id)

    async def _after(
        self, context: ReportContext, submission: Submission, user_id: str | None
    ) -> dict[str, Any]:
        updated = ReportContext(
            context.member, context.group, context.cycle, context.questionnaire, submission
        )
        if submission.state is SubmissionState.SUBMITTED:
            return await self._receipt(updated, user_id)
        return card_after_save(
            updated, now=self.services.clock(), tz=self.services.tz, locale=self.services.locale
        )

    async def _receipt(self, context: ReportContext, user_id: str | None) -> dict[str, Any]:
        lines = await led_to(self.services.db, context.member.id, context.cycle.id)
        return card_after_save(context, now=self.services.clock(), tz=self.services.tz, locale=self.services.locale,
                               led_to=lines, refresh_for=user_id)  # fmt: skip
