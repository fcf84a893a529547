"""The email prompt: the seven questions as a mail to answer by replying, rendered once
for the outbox (the email twin of `bot.prompts.TeamsPromptRenderer`).

The frozen payload is ``{"subject", "text", "html", "message_id", "headers"}``. The
subject carries the group, the period, the deadline and the cycle token
(``Lägesrapport EST v. 47–48 – svara senast ons 25 nov kl. 12.00 [LB-12]``); the body
asks for answers above the quoted text and holds the reply form of
`intake.reply_format`, which the parser also finds when answers are typed inside the
quote. The Message-ID is stable, ``<lb.{cycle}.{member}.{opens_at epoch}@{domain}>``,
so rendering twice gives the same mail and a reply's In-Reply-To names its cycle
(`prompt_reference` reads it back).
"""

from __future__ import annotations

import html
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formataddr
from typing import Any

from intake.cycle_token import format_token
from intake.reply_format import reply_form
from reporting.formatting import format_datetime, format_period, format_weeks
from reporting.model import Cycle, Member, ReportingGroup
from reporting.outbox import MessageKind, NewMessage
from reporting.questionnaire import Questionnaire

EN_DASH = "\u2013"

_PROMPT_ID_RE = re.compile(r"<lb\.(\d{1,9})\.(\d{1,9})\.(\d{1,12})@[^<>\s]+>", re.IGNORECASE)
_OUTBOX_ID_RE = re.compile(r"<lb\.out\.(\d{1,12})\.(\d{1,12})@[^<>\s]+>", re.IGNORECASE)

_TEXTS: dict[str, dict[str, str]] = {
    "sv": {
        "subject": "Lägesrapport {group} {weeks} {dash} svara senast {deadline} {token}",
        "greeting": "Hej {name}!",
        "due": "Det är dags för lägesrapporten för {group} {period}. Svara på det här mejlet senast {deadline}.",
        "how": (
            "Skriv dina svar överst i ditt svar, ovanför det citerade mejlet, med frågans nummer "
            "(till exempel ”2. Svar: …” och ”Påverkan (1–5): 3”). Fyll i de frågor du har något om. "
            "Det går också bra att skriva direkt på raderna i formuläret nedan."
        ),
        "signature": "Lägesbild {dash} {group}",
    },
    "en": {
        "subject": "Situation report {group} {weeks} {dash} reply by {deadline} {token}",
        "greeting": "Hi {name},",
        "due": "It is time for the situation report for {group} {period}. Reply to this email by {deadline}.",
        "how": (
            "Write your answers at the top of your reply, above the quoted email, with the question's "
            "number (e.g. “2. Answer: …” and “Impact (1–5): 3”). Fill in the questions you have "
            "something on. You may also write straight into the form below."
        ),
        "signature": "Lägesbild {dash} {group}",
    },
}


def domain_of(address: str) -> str:
    """The domain part of an address, for Message-IDs ("lagesbild.invalid" when there is none)."""
    _, _, domain = address.strip().strip("<>").rpartition("@")
    return domain.lower() or "lagesbild.invalid"


def prompt_message_id(cycle: Cycle, member: Member, from_address: str) -> str:
    return f"<lb.{cycle.id}.{member.id}.{int(cycle.opens_at.timestamp())}@{domain_of(from_address)}>"


def outbox_message_id(outbox_id: int, created_epoch: int, from_address: str) -> str:
    """The Message-ID a sender gives a message whose payload has none (notices, receipts)."""
    return f"<lb.out.{outbox_id}.{created_epoch}@{domain_of(from_address)}>"


@dataclass(frozen=True, slots=True)
class Reference:
    """What one of our Message-IDs names: a prompt (cycle and member) or an outbox row."""

    cycle_id: int | None = None
    member_id: int | None = None
    outbox_id: int | None = None


def parse_reference(message_id: str | None) -> Reference | None:
    if not message_id:
        return None
    m = _PROMPT_ID_RE.fullmatch(message_id.strip())
    if m:
        return Reference(cycle_id=int(m.group(1)), member_id=int(m.group(2)))
    m = _OUTBOX_ID_RE.fullmatch(message_id.strip())
    if m:
        return Reference(outbox_id=int(m.group(1)))
    return None


def _first_name(member: Member) -> str:
    return member.name.split()[0] if member.name.strip() else ""


def _html(paragraphs: list[str], form: str) -> str:
    def para(text: str) -> str:
        return "<p>" + html.escape(text).replace("\n", "<br>\n") + "</p>"

    blocks = [para(p) for p in paragraphs[:-1]]
    form_blocks = [para(block) for block in form.strip("\n").split("\n\n")]
    body = "\n".join([*blocks, *form_blocks, para(paragraphs[-1])])
    return (
        '<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8"></head>\n'
        '<body style="font-family: Calibri, Arial, sans-serif; font-size: 11pt;">\n'
        f"{body}\n</body></html>\n"
    )


PRIORITIES_LABEL = {
    "sv": "Lokala Brå prioriterar just nu:",
    "en": "The local crime-prevention council's current priorities:",
}


class EmailPromptRenderer:
    """`PromptRenderer` for members whose channel is email."""

    def __init__(self, tz: zoneinfo.ZoneInfo, from_address: str, locale: str = "sv") -> None:
        self.tz = tz
        self.from_address = from_address
        self.locale = locale if locale in _TEXTS else "sv"

    def __call__(
        self,
        *,
        member: Member,
        group: ReportingGroup,
        cycle: Cycle,
        questionnaire: Questionnaire,
        priorities: Sequence[str] = (),
    ) -> NewMessage:
        t = _TEXTS[self.locale]
        loc = self.locale
        deadline = format_datetime(cycle.deadline.astimezone(self.tz), loc, year=False)
        period = format_period(cycle.period_from, cycle.period_to, loc)
        subject = t["subject"].format(
            group=group.name,
            weeks=format_weeks(cycle.period_from, cycle.period_to, loc),
            dash=EN_DASH,
            deadline=deadline,
            token=format_token(cycle.id),
        )
        paragraphs = [
            t["greeting"].format(name=_first_name(member)).replace(" !", "!"),
            t["due"].format(group=group.name, period=period, deadline=deadline),
            *([PRIORITIES_LABEL[self.locale] + " " + "; ".join(priorities)] if priorities else []),
            t["how"],
            questionnaire.confidentiality.get(loc),
        ]
        form = reply_form(questionnaire, loc)
        signature = t["signature"].format(dash=EN_DASH, group=group.name)
        text = "\n\n".join([*paragraphs, form.rstrip("\n"), signature]) + "\n"
        message_id = prompt_message_id(cycle, member, self.from_address)
        payload: dict[str, Any] = {
            "subject": subject,
            "text": text,
            "html": _html([*paragraphs, signature], form),
            "message_id": message_id,
            "headers": {
                "To": formataddr((member.name, member.email)),
                "Auto-Submitted": "auto-generated",
                "X-Auto-Response-Suppress": "OOF, AutoReply",
                "X-Lagesbild-Cycle": str(cycle.id),
            },
        }
        gist = f"{subject}"
        return NewMessage(
            kind=MessageKind.PROMPT,
            channel="email",
            recipient=member.email,
            payload=payload,
            text=gist,
            member_id=member.id,
            cycle_id=cycle.id,
            dedupe_key=f"prompt:{cycle.id}:{member.id}",
        )
