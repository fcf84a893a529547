"""The cards a reporter sees for a report, built from a `ReportContext` in local time."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any

from adaptive_cards.report import closed_card, draft_saved_card, receipt_card, report_card
from lagesbild.operations.reports import ReportContext
from reporting.model import Answer, SubmissionState


def _common(context: ReportContext, tz: zoneinfo.ZoneInfo) -> dict[str, Any]:
    cycle = context.cycle
    return {
        "group_name": context.group.name,
        "period_from": cycle.period_from,
        "period_to": cycle.period_to,
        "deadline": cycle.deadline.astimezone(tz),
    }


def card_for_report(
    context: ReportContext,
    *,
    now: dt.datetime,
    tz: zoneinfo.ZoneInfo,
    answers: Mapping[str, Answer] | None = None,
    warnings: Sequence[Mapping[str, Any]] | None = None,
    priorities: Sequence[str] | None = None,
    locale: str = "sv",
) -> dict[str, Any]:
    """The report card (prefilled with what is stored), or the closed card after the deadline."""
    if not context.is_open(now):
        return closed_card(locale=locale, **_common(context, tz))
    stored = context.submission.answers if context.submission else {}
    return report_card(
        context.questionnaire,
        cycle_id=context.cycle.id,
        answers=answers if answers is not None else stored,
        warnings=warnings,
        priorities=priorities,
        locale=locale,
        **_common(context, tz),
    )


def card_after_save(
    context: ReportContext,
    *,
    now: dt.datetime,
    tz: zoneinfo.ZoneInfo,
    led_to: Sequence[str] = (),
    refresh_for: str | None = None,
    locale: str = "sv",
) -> dict[str, Any]:
    """What replaces the card after a save: the receipt once submitted, else the draft card."""
    submission = context.submission
    assert submission is not None
    if submission.state is SubmissionState.SUBMITTED:
        assert submission.submitted_at is not None
        return receipt_card(
            context.questionnaire,
            cycle_id=context.cycle.id,
            submitted_at=submission.submitted_at.astimezone(tz),
            answers=submission.answers,
            cycle_open=context.is_open(now),
            led_to=led_to,
            refresh_for=refresh_for,
            locale=locale,
            **_common(context, tz),
        )
    return draft_saved_card(
        context.questionnaire,
        saved_at=now.astimezone(tz),
        cycle_id=context.cycle.id,
        answers=submission.answers,
        locale=locale,
        **_common(context, tz),
    )
