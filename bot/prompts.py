"""The Teams prompt: the report card as a 1:1 message, rendered once for the outbox."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence

from adaptive_cards.report import report_card
from bot.activities import card_activity
from reporting.formatting import format_datetime, format_period
from reporting.model import Cycle, Member, ReportingGroup
from reporting.outbox import MessageKind, NewMessage
from reporting.questionnaire import Questionnaire


class TeamsPromptRenderer:
    def __init__(self, tz: zoneinfo.ZoneInfo, locale: str = "sv") -> None:
        self.tz = tz
        self.locale = locale

    def __call__(
        self,
        *,
        member: Member,
        group: ReportingGroup,
        cycle: Cycle,
        questionnaire: Questionnaire,
        priorities: Sequence[str] = (),
    ) -> NewMessage:
        deadline = cycle.deadline.astimezone(self.tz)
        card = report_card(
            questionnaire,
            group_name=group.name,
            period_from=cycle.period_from,
            period_to=cycle.period_to,
            deadline=deadline,
            cycle_id=cycle.id,
            priorities=list(priorities),
            locale=self.locale,
        )
        period = format_period(cycle.period_from, cycle.period_to, self.locale)
        gist = f"Lägesrapport {group.name} {period}, sista dag {format_datetime(deadline, year=False)}"
        return NewMessage(
            kind=MessageKind.PROMPT,
            channel="teams",
            recipient=member.email,
            payload=card_activity(card, summary=gist),
            text=gist,
            member_id=member.id,
            cycle_id=cycle.id,
            dedupe_key=f"prompt:{cycle.id}:{member.id}",
        )
