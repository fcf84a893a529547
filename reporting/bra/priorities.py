"""Brå's priorities: a short text, the report questions it concerns and an end date.

A priority is current from when it is set until its end date (inclusive), unless cleared
earlier. Current priorities show in the header of every report card and prompt email
("Lokala Brå prioriterar just nu: …") and at the top of the digest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from reporting.bra.decisions import InvalidDecision
from reporting.i18n import translator

_ = translator("bra")

MAX_PRIORITY_TEXT = 200
QUESTIONS = ("1", "2", "3", "4", "5", "6", "7")


@dataclass(frozen=True, slots=True)
class PriorityInput:
    text: str
    questions: tuple[str, ...]
    ends_on: dt.date


def parse_questions(values: str | Iterable[str] | None, locale: str = "sv") -> tuple[str, ...]:
    """ "1,4" or ["1", "4"] → ("1", "4"); each must be one of the report questions."""
    if values is None:
        return ()
    raw = values.replace(";", ",").split(",") if isinstance(values, str) else list(values)
    found: list[str] = []
    for value in raw:
        number = str(value).strip()
        if not number:
            continue
        if number not in QUESTIONS:
            raise InvalidDecision(_("Okänd fråga: ”{n}” (frågorna är 1–7).", locale, n=number))
        if number not in found:
            found.append(number)
    return tuple(sorted(found, key=int))


def priority_input(
    *, text: str | None, questions: str | Iterable[str] | None, ends_on: dt.date | None, today: dt.date,
    locale: str = "sv",
) -> PriorityInput:  # fmt: skip
    value = " ".join((text or "").split())
    if not value:
        raise InvalidDecision(_("Skriv vad Brå prioriterar (en kort text).", locale))
    if len(value) > MAX_PRIORITY_TEXT:
        raise InvalidDecision(_("Prioriteringen får vara högst {n} tecken.", locale, n=MAX_PRIORITY_TEXT))
    if ends_on is None:
        raise InvalidDecision(_("Ange till och med vilket datum prioriteringen gäller.", locale))
    if ends_on < today:
        raise InvalidDecision(_("Slutdatumet har redan passerat.", locale))
    return PriorityInput(value, parse_questions(questions, locale), ends_on)
