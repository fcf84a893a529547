"""What a cycle sends: one prompt per Teams reporter who is not away, the latest due reminder
to those who have not submitted, and the deadline summary to the coordinator."""

from __future__ import annotations

import datetime as dt

from bot.prompts import TeamsPromptRenderer
from lagesbild.operations.cycle_messages import (
    enqueue_deadline_summary,
    enqueue_due_reminders,
    enqueue_prompts,
)
from lagesbild.operations.members import set_away
from lagesbild.operations.reports import report_context, save_report
from reporting.model import Answer, Channel
from reporting.outbox import MessageKind
from storage.database import Database
from storage.repositories import MemberRepository, OutboxRepository
from tests.world import TZ, Municipality

RENDERERS = {Channel.TEAMS: TeamsPromptRenderer(TZ)}


async def outbox(db: Database) -> list[tuple[str, str]]:
    async with db.session(readonly=True) as s:
        return [(m.kind.value, m.recipient) for m in await OutboxRepository(s).list()]


async def test_prompts_go_once_to_teams_reporters_who_are_not_away(
    db: Database, municipality: Municipality
) -> None:
    today = dt.datetime.now(dt.UTC).astimezone(TZ).date()
    await set_away(db, organisation="Fagersta kommun", email="cecilia@fagersta.se",
                   until=today + dt.timedelta(days=3), today=today)  # fmt: skip
    assert await enqueue_prompts(db, municipality.cycle, renderers=RENDERERS, tz=TZ) == 1
    assert await enqueue_prompts(db, municipality.cycle, renderers=RENDERERS, tz=TZ) == 0
    assert await outbox(db) == [("prompt", "anna@fagersta.se")]
    async with db.session(readonly=True) as s:
        [prompt] = await OutboxRepository(s).list()
    card = prompt.payload["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert prompt.text.startswith("Lägesrapport EST v. ")


async def test_reminders_follow_the_schedule_and_skip_those_who_submitted(
    db: Database, municipality: Municipality
) -> None:
    cycle = municipality.cycle
    assert await enqueue_due_reminders(db, now=cycle.deadline - dt.timedelta(hours=30), tz=TZ) == 0
    day_before = cycle.deadline - dt.timedelta(hours=23)
    assert await enqueue_due_reminders(db, now=day_before, tz=TZ) == 3
    assert await enqueue_due_reminders(db, now=day_before + dt.timedelta(minutes=5), tz=TZ) == 0
    async with db.session(readonly=True) as s:
        anna = await MemberRepository(s).by_email(1, "anna@fagersta.se")
    context = await report_context(db, anna, cycle.id)
    await save_report(db, context, {"1": Answer("1", nothing_to_report=True)}, channel=Channel.TEAMS, submit=True,
                      now=dt.datetime.now(dt.UTC))  # fmt: skip
    two_hours = cycle.deadline - dt.timedelta(hours=1, minutes=59)
    assert await enqueue_due_reminders(db, now=two_hours, tz=TZ) == 2
    sent = await outbox(db)
    assert sent.count(("reminder", "anna@fagersta.se")) == 1, "no second reminder after submitting"
    assert ("reminder", "bo@fagersta.se") in sent, "email reporters are reminded too"


async def test_deadline_summary_tells_the_coordinator_who_answered(
    db: Database, municipality: Municipality
) -> None:
    async with db.session() as s:
        anna = await MemberRepository(s).by_email(1, "anna@fagersta.se")
        bo = await MemberRepository(s).by_email(1, "bo@fagersta.se")
        await MemberRepository(s).mark_email_bounced(bo.id, "5.1.1 User unknown", dt.datetime.now(dt.UTC))
    context = await report_context(db, anna, municipality.cycle.id)
    await save_report(db, context, {"1": Answer("1", observations="Bränder i soprum", impact=3)},
                      channel=Channel.TEAMS, submit=True, now=dt.datetime.now(dt.UTC))  # fmt: skip
    assert await enqueue_deadline_summary(db, municipality.cycle, tz=TZ) == 1
    assert await enqueue_deadline_summary(db, municipality.cycle, tz=TZ) == 0
    async with db.session(readonly=True) as s:
        [summary] = await OutboxRepository(s).list()
    assert summary.kind is MessageKind.SUMMARY and summary.recipient == "cecilia@fagersta.se"
    text = summary.payload["text"]
    assert "Rapporterade (1): Anna Andersson (fastighet)" in text
    assert "Har inte svarat (2): Bo Berg (fritid, mejl till hen studsar), Cecilia Carlsson (skola)" in text
