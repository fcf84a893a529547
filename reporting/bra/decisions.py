"""Decisions of the local Brå: kinds, the status machine and the checks on what is given.

Status machine (every move is kept as a dated note, `StatusNote`):

    beslutad ──> pagar ──> klar
        │          └─────> avbruten
        ├────────────────> klar
        └────────────────> avbruten

`klar` and `avbruten` are final; a note may be added to an open decision without moving
it (the same status again, with a text). A root-cause analysis (`orsaksanalys`) that is
done carries its result: the text given with `klar` is the result.

Words a person types are accepted in Swedish and English, with or without å/ä/ö
("pågår", "pagar", "in progress"); `InvalidDecision` carries a Swedish sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from reporting.bra.records import DecisionKind, DecisionStatus
from reporting.i18n import translator

_ = translator("bra")

MAX_TITLE = 200
MAX_TEXT = 4000
MAX_NOTE = 2000

TRANSITIONS: dict[DecisionStatus, frozenset[DecisionStatus]] = {
    DecisionStatus.BESLUTAD: frozenset({DecisionStatus.PAGAR, DecisionStatus.KLAR, DecisionStatus.AVBRUTEN}),
    DecisionStatus.PAGAR: frozenset({DecisionStatus.KLAR, DecisionStatus.AVBRUTEN}),
    DecisionStatus.KLAR: frozenset(),
    DecisionStatus.AVBRUTEN: frozenset(),
}

_KIND_WORDS: dict[str, DecisionKind] = {
    "atgard": DecisionKind.ATGARD, "åtgärd": DecisionKind.ATGARD, "action": DecisionKind.ATGARD,
    "orsaksanalys": DecisionKind.ORSAKSANALYS, "analys": DecisionKind.ORSAKSANALYS,
    "root-cause": DecisionKind.ORSAKSANALYS, "root cause analysis": DecisionKind.ORSAKSANALYS,
    "information": DecisionKind.INFORMATION, "info": DecisionKind.INFORMATION,
}  # fmt: skip

_STATUS_WORDS: dict[str, DecisionStatus] = {
    "beslutad": DecisionStatus.BESLUTAD, "decided": DecisionStatus.BESLUTAD,
    "pagar": DecisionStatus.PAGAR, "pågår": DecisionStatus.PAGAR, "påbörjad": DecisionStatus.PAGAR,
    "in progress": DecisionStatus.PAGAR, "started": DecisionStatus.PAGAR,
    "klar": DecisionStatus.KLAR, "klart": DecisionStatus.KLAR, "genomförd": DecisionStatus.KLAR,
    "done": DecisionStatus.KLAR,
    "avbruten": DecisionStatus.AVBRUTEN, "avbrutet": DecisionStatus.AVBRUTEN, "avbryt": DecisionStatus.AVBRUTEN,
    "cancelled": DecisionStatus.AVBRUTEN, "canceled": DecisionStatus.AVBRUTEN,
}  # fmt: skip


class InvalidDecision(ValueError):
    """What was given cannot be stored; the message is for the person (Swedish or English)."""


def parse_kind(text: str | None, locale: str = "sv") -> DecisionKind:
    if text is None or not text.strip():
        return DecisionKind.ATGARD
    found = _KIND_WORDS.get(text.strip().lower())
    if found is None:
        raise InvalidDecision(
            _(
                "Okänd typ av beslut: ”{text}”. Välj åtgärd, orsaksanalys eller information.",
                locale,
                text=text,
            )
        )
    return found


def parse_status(text: str | None, locale: str = "sv") -> DecisionStatus:
    found = _STATUS_WORDS.get((text or "").strip().lower())
    if found is None:
        raise InvalidDecision(
            _("Okänd status: ”{text}”. Välj pågår, klar eller avbruten.", locale, text=text or "")
        )
    return found


def check_transition(current: DecisionStatus, new: DecisionStatus, locale: str = "sv") -> None:
    """Raises `InvalidDecision` unless `current → new` is allowed (or a note on an open one)."""
    if new is current and current.is_open:
        return
    if new in TRANSITIONS[current]:
        return
    if not current.is_open:
        raise InvalidDecision(
            _("Beslutet är redan avslutat ({status}); det går inte att ändra status.", locale,
              status=status_word(current, locale))
        )  # fmt: skip
    raise InvalidDecision(_("Ett beslut som pågår kan bara bli klart eller avbrutet.", locale))


def status_word(status: DecisionStatus, locale: str = "sv") -> str:
    return {
        DecisionStatus.BESLUTAD: _("beslutad", locale),
        DecisionStatus.PAGAR: _("pågår", locale),
        DecisionStatus.KLAR: _("klar", locale),
        DecisionStatus.AVBRUTEN: _("avbruten", locale),
    }[status]


def kind_word(kind: DecisionKind, locale: str = "sv") -> str:
    return {
        DecisionKind.ATGARD: _("Åtgärd", locale),
        DecisionKind.ORSAKSANALYS: _("Orsaksanalys", locale),
        DecisionKind.INFORMATION: _("Information", locale),
    }[kind]


def check_title(title: str | None, locale: str = "sv") -> str:
    text = " ".join((title or "").split())
    if not text:
        raise InvalidDecision(_("Beslutet behöver en rubrik.", locale))
    if len(text) > MAX_TITLE:
        raise InvalidDecision(_("Rubriken får vara högst {n} tecken.", locale, n=MAX_TITLE))
    return text


def check_text(text: str | None, locale: str = "sv", *, limit: int = MAX_TEXT) -> str:
    value = (text or "").strip()
    if len(value) > limit:
        raise InvalidDecision(_("Texten får vara högst {n} tecken.", locale, n=limit))
    return value


def parse_date(text: str | None, what: str, locale: str = "sv") -> dt.date | None:
    """ "2026-12-15" → a date; "" or None → None. `what` names the field in the message."""
    if text is None or not str(text).strip():
        return None
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise InvalidDecision(
            _("Ogiltigt datum för {what}: ”{text}” (skriv ÅÅÅÅ-MM-DD).", locale, what=what, text=text)
        ) from None


def check_due(due: dt.date | None, meeting: dt.date, locale: str = "sv") -> dt.date | None:
    if due is not None and due < meeting:
        raise InvalidDecision(_("Sista dag kan inte ligga före Brå-mötet.", locale))
    return due


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class OwnerRef:
    """An owner as typed: a member's email, or an agency ("fastighet", "polis")."""

    email: str | None = None
    agency: str | None = None

    @property
    def empty(self) -> bool:
        return self.email is None and self.agency is None


def parse_owner(text: str | None, locale: str = "sv") -> OwnerRef:
    value = " ".join((text or "").split())
    if not value:
        return OwnerRef()
    if "@" in value:
        if not _EMAIL.match(value):
            raise InvalidDecision(_("Ogiltig e-postadress för ansvarig: ”{text}”.", locale, text=value))
        return OwnerRef(email=value.lower())
    if len(value) > 100:
        raise InvalidDecision(_("Ansvarig verksamhet får vara högst 100 tecken.", locale))
    return OwnerRef(agency=value.lower())


@dataclass(frozen=True, slots=True)
class DecisionInput:
    """A decision as a Brå member gives it (card, chat or command line), checked."""

    title: str
    text: str
    kind: DecisionKind
    meeting_date: dt.date
    owner: OwnerRef
    due: dt.date | None
    cycle_id: int | None = None
    question: str | None = None
    answer_ids: tuple[int, ...] | None = None  # None: every answer with observations
    escalation_id: int | None = None


def decision_input(
    *,
    title: str | None,
    text: str | None = None,
    kind: str | None = None,
    meeting_date: dt.date,
    owner: str | None = None,
    due: dt.date | None = None,
    cycle_id: int | None = None,
    question: str | None = None,
    answer_ids: tuple[int, ...] | None = None,
    escalation_id: int | None = None,
    locale: str = "sv",
) -> DecisionInput:
    """Every field checked; raises `InvalidDecision` with the first problem."""
    if (cycle_id is None) != (question is None):
        raise InvalidDecision(_("Ange både period och fråga som beslutet bygger på.", locale))
    return DecisionInput(
        title=check_title(title, locale),
        text=check_text(text, locale),
        kind=parse_kind(kind, locale),
        meeting_date=meeting_date,
        owner=parse_owner(owner, locale),
        due=check_due(due, meeting_date, locale),
        cycle_id=cycle_id,
        question=str(question).strip() if question is not None else None,
        answer_ids=answer_ids,
        escalation_id=escalation_id,
    )
