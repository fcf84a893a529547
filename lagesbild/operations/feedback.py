"""Feedback to reporters and coordinators, as outbox messages in each member's own channel.

- `feedback_messages`: when Brå decides, one message per reporter whose answer the
  decision rests on (a reporter linked by several answers gets one, naming the first and
  counting the others): a card in Teams, a text email otherwise. Dedupe key
  `feedback:<decision>:<member>`.
- `outcome_messages`: when the decision is done or cancelled, the same reporters are told
  what came of it (a root-cause analysis: its result). Key `feedback-outcome:<decision>:<member>`.
- `summary_messages`: the coordinator's and deputy's "Återkoppling från Brå" for one
  meeting (kind `summary`, like their other summaries): every decision, its owner and due
  date. Key
  `bra-summary:<organisation>:<meeting date>:<number of decisions>:<member>`, so a decision
  added to the meeting later gives an updated summary, and a rerun none.

All are built here and enqueued by the caller inside the same unit of work as the change
they report, so a crash never leaves a decision without its feedback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from adaptive_cards.bra import feedback_card, followup_card
from bot.activities import card_activity
from lagesbild.operations.notify import notice
from reporting.bra import wording
from reporting.bra.records import Decision, LinkedAnswer
from reporting.model import Channel, Member
from reporting.outbox import MessageKind, NewMessage


def _by_reporter(linked: Sequence[LinkedAnswer]) -> dict[int, list[LinkedAnswer]]:
    grouped: dict[int, list[LinkedAnswer]] = {}
    for answer in linked:
        grouped.setdefault(answer.member_id, []).append(answer)
    return grouped


def _message(
    member: Member, *, subject: str, text: str, card: dict[str, object] | None, key: str, cycle_id: int | None,
    kind: MessageKind = MessageKind.FEEDBACK,
) -> NewMessage:  # fmt: skip
    if member.channel is Channel.TEAMS and card is not None:
        return NewMessage(
            kind=kind,
            channel=Channel.TEAMS.value,
            recipient=member.email,
            payload=card_activity(card, summary=subject),
            text=subject[:500],
            member_id=member.id,
            cycle_id=cycle_id,
            dedupe_key=key,
        )
    return notice(member, kind=kind, subject=subject, text=text, dedupe_key=key, cycle_id=cycle_id)


def feedback_messages(
    decision: Decision,
    linked: Sequence[LinkedAnswer],
    members: Mapping[int, Member],
    themes: Mapping[str, str],
    *,
    locale: str = "sv",
) -> list[NewMessage]:
    """One message per active reporter of the linked answers."""
    messages = []
    for member_id, answers in _by_reporter(linked).items():
        member = members.get(member_id)
        if member is None or not member.active:
            continue
        first = answers[0]
        theme = themes.get(first.question, "")
        others = len(answers) - 1
        subject = wording.feedback_subject(decision, locale)
        text = wording.feedback_text(
            decision, first, theme=theme, name=member.name, others=others, locale=locale
        )
        card = feedback_card(decision, first, theme=theme, others=others, locale=locale)
        messages.append(
            _message(
                member,
                subject=subject,
                text=text,
                card=card,
                key=f"feedback:{decision.id}:{member.id}",
                cycle_id=first.cycle_id,
            )  # fmt: skip
        )
    return messages


def outcome_messages(
    decision: Decision,
    linked: Sequence[LinkedAnswer],
    members: Mapping[int, Member],
    themes: Mapping[str, str],
    *,
    note: str,
    locale: str = "sv",
) -> list[NewMessage]:
    """What came of the decision, to the same reporters (the decision is klar or avbruten)."""
    messages = []
    for member_id, answers in _by_reporter(linked).items():
        member = members.get(member_id)
        if member is None or not member.active:
            continue
        first = answers[0]
        theme = themes.get(first.question, "")
        subject = wording.outcome_subject(decision, locale)
        text = wording.outcome_text(decision, first, theme=theme, name=member.name, note=note, locale=locale)
        card = feedback_card(decision, first, theme=theme, outcome=True, note=note, locale=locale)
        messages.append(
            _message(
                member,
                subject=subject,
                text=text,
                card=card,
                key=f"feedback-outcome:{decision.id}:{member.id}",
                cycle_id=first.cycle_id,
            )  # fmt: skip
        )
    return messages


def summary_messages(
    organisation_id: int, meeting: dt.date, decisions: Sequence[Decision], leads: Sequence[Member], *,
    locale: str = "sv",
) -> list[NewMessage]:  # fmt: skip
    """ "Återkoppling från Brå" to each coordinator and deputy (a text in either channel)."""
    if not decisions:
        return []
    subject = wording.summary_subject(meeting, locale)
    text = wording.summary_text(meeting, decisions, locale)
    return [
        notice(
            m,
            kind=MessageKind.SUMMARY,
            subject=subject,
            text=text,
            dedupe_key=f"bra-summary:{organisation_id}:{meeting.isoformat()}:{len(decisions)}:{m.id}",
        )  # fmt: skip
        for m in leads
        if m.active
    ]


def reminder_message(
    decision: Decision, member: Member, *, today: dt.date, overdue: bool, locale: str = "sv"
) -> NewMessage:
    """The owner's reminder: in Teams the follow-up card, by email a text."""
    subject = wording.reminder_subject(decision, overdue=overdue, locale=locale)
    teams = member.channel is Channel.TEAMS
    text = wording.reminder_text(decision, overdue=overdue, teams=teams, locale=locale)
    when = "overdue" if overdue else "due"
    due = decision.due.isoformat() if decision.due else "-"
    card = followup_card(decision, today=today, reminder=True, locale=locale) if teams else None
    return _message(member, subject=subject, text=text, card=card, kind=MessageKind.REMINDER,
                    key=f"decision-{when}:{decision.id}:{due}:{member.id}", cycle_id=None)  # fmt: skip
