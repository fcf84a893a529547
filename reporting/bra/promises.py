"""Citizen promises (medborgarlöften): reading one from its file, and what follows from it.

A promise file (YAML, read by the operation; this module gets the parsed mapping):

    municipality: Fagersta kommun        # optional; else the command's --org
    title: Inriktning medborgarlöfte Fagersta december 2020–februari 2021
    period: {from: 2020-12-01, to: 2021-02-28}
    background: |                        # the promise's own introduction
      …
    validity: …                          # optional ("Giltighet och uppföljning")
    signed: {place: Ludvika, date: 2021-02-01}         # optional
    signatories: [{name: …, title: …}]                 # optional
    items:
      - heading: ANDT (Alkohol-Droger-Narkotika-Tobak)  # optional
        text: Kommunen går vidare med …
        responsible: kommun               # polis, kommun or both (polis och kommun)
        questions: ["5"]                  # the report questions it concerns
        indicators:                       # optional
          - {name: Genomförda utbildningstillfällen, target: 2, unit: st}

`ending_soon` says when the coordinator should start on the next promise (three weeks
before the end); `coverage` which of a digest's reported themes a promise's items concern.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reporting.bra.priorities import QUESTIONS
from reporting.bra.records import FollowUp, Indicator, Promise, PromiseItem, Responsible
from reporting.i18n import translator

_ = translator("bra")

NOTICE_BEFORE = dt.timedelta(weeks=3)
MAX_FOLLOW_UP = 4000

_RESPONSIBLE = {
    "polis": Responsible.POLIS, "polisen": Responsible.POLIS, "police": Responsible.POLIS,
    "kommun": Responsible.KOMMUN, "kommunen": Responsible.KOMMUN, "municipality": Responsible.KOMMUN,
    "bada": Responsible.BADA, "båda": Responsible.BADA, "both": Responsible.BADA,
    "polis och kommun": Responsible.BADA, "kommun och polis": Responsible.BADA,
    "polisen och kommunen": Responsible.BADA, "kommunen och polisen": Responsible.BADA,
}  # fmt: skip


class InvalidPromise(ValueError):
    """The promise file is wrong; `problems` name each place (Swedish)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True, slots=True)
class PromiseInput:
    municipality: str | None
    title: str
    period_from: dt.date
    period_to: dt.date
    background: str
    validity: str
    signed_at: dt.date | None
    signed_place: str
    signatories: tuple[tuple[str, str], ...]
    items: tuple[PromiseItem, ...]


def responsible_word(responsible: Responsible, locale: str = "sv") -> str:
    return {
        Responsible.POLIS: _("Polisen", locale),
        Responsible.KOMMUN: _("Kommunen", locale),
        Responsible.BADA: _("Polisen och kommunen", locale),
    }[responsible]


def _date(value: Any, where: str, problems: list[str]) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(f"{where}: " + _("ogiltigt datum ”{value}” (skriv ÅÅÅÅ-MM-DD)", value=value))
        return None


def _str(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _indicators(raw: Any, where: str, problems: list[str]) -> tuple[Indicator, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{where}: " + _("ska vara en lista"))
        return ()
    found = []
    for i, entry in enumerate(raw, start=1):
        here = f"{where}[{i}]"
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, Mapping) or not _str(entry.get("name")):
            problems.append(f"{here}: " + _("indikatorn saknar namn"))
            continue
        target = entry.get("target")
        if target is not None and (isinstance(target, bool) or not isinstance(target, int | float)):
            problems.append(f"{here}.target: " + _("målet ska vara ett tal"))
            target = None
        found.append(Indicator(_str(entry["name"]), float(target) if target is not None else None,
                               _str(entry.get("unit"))))  # fmt: skip
    return tuple(found)


def _item(raw: Any, number: int, problems: list[str]) -> PromiseItem | None:
    where = f"items[{number}]"
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: " + _("ska vara en punkt med text"))
        return None
    text = _str(raw.get("text"))
    if not text:
        problems.append(f"{where}.text: " + _("saknas"))
    responsible = _RESPONSIBLE.get(_str(raw.get("responsible")).lower())
    if responsible is None:
        problems.append(f"{where}.responsible: " + _("ska vara polis, kommun eller both"))
    questions = []
    for q in raw.get("questions") or []:
        if str(q).strip() not in QUESTIONS:
            problems.append(f"{where}.questions: " + _("okänd fråga ”{n}”", n=q))
        else:
            questions.append(str(q).strip())
    indicators = _indicators(raw.get("indicators"), f"{where}.indicators", problems)
    if not text or responsible is None:
        return None
    return PromiseItem(number, _str(raw.get("heading")), text, responsible,
                       tuple(dict.fromkeys(questions)), indicators)  # fmt: skip


def parse_promise(raw: Any) -> PromiseInput:
    """The promise in a file's parsed YAML; raises `InvalidPromise` naming every problem."""
    if not isinstance(raw, Mapping):
        raise InvalidPromise([_("Filen ska beskriva ett medborgarlöfte (title, period, items).")])
    problems: list[str] = []
    title = _str(raw.get("title"))
    if not title:
        problems.append("title: " + _("saknas"))
    period = raw.get("period")
    start = end = None
    if not isinstance(period, Mapping) or "from" not in period or "to" not in period:
        problems.append("period: " + _("ange from och to"))
    else:
        start = _date(period["from"], "period.from", problems)
        end = _date(period["to"], "period.to", problems)
        if start and end and end < start:
            problems.append("period: " + _("slutar före start"))
    signed = raw.get("signed") or {}
    signed_at = (
        _date(signed["date"], "signed.date", problems)
        if isinstance(signed, Mapping) and signed.get("date")
        else None
    )
    signatories = []
    for i, entry in enumerate(raw.get("signatories") or [], start=1):
        if not isinstance(entry, Mapping) or not _str(entry.get("name")):
            problems.append(f"signatories[{i}]: " + _("namn saknas"))
            continue
        signatories.append((_str(entry["name"]), _str(entry.get("title"))))
    raw_items = raw.get("items")
    items = []
    if not isinstance(raw_items, list) or not raw_items:
        problems.append("items: " + _("löftet behöver minst en punkt"))
    else:
        for number, entry in enumerate(raw_items, start=1):
            item = _item(entry, number, problems)
            if item is not None:
                items.append(item)
    if problems:
        raise InvalidPromise(problems)
    assert start is not None and end is not None
    return PromiseInput(
        municipality=_str(raw.get("municipality")) or None,
        title=title,
        period_from=start,
        period_to=end,
        background=_str(raw.get("background")),
        validity=_str(raw.get("validity")),
        signed_at=signed_at,
        signed_place=_str(signed.get("place")) if isinstance(signed, Mapping) else "",
        signatories=tuple(signatories),
        items=tuple(items),
    )


def ending_soon(promise: Promise, today: dt.date) -> bool:
    """Three weeks (or less) before the promise ends, and not ended."""
    return promise.period_to - NOTICE_BEFORE <= today <= promise.period_to


def coverage(promise: Promise, reported: Mapping[str, str]) -> list[dict[str, Any]]:
    """Which reported themes (question → theme, the questions with observations in a digest)
    the promise's items concern: per question, the items' numbers and headings."""
    result = []
    for number, theme in reported.items():
        items = [i for i in promise.items if number in i.questions]
        if items:
            result.append(
                {
                    "question": number,
                    "theme": theme,
                    "items": [{"number": i.number, "heading": i.heading or i.text[:60]} for i in items],
                }
            )
    return result


def latest_follow_ups(promise: Promise) -> dict[tuple[int, int], FollowUp]:
    """Per (item, indicator) its latest follow-up (by month, then when it was written)."""
    latest: dict[tuple[int, int], FollowUp] = {}
    for f in sorted(promise.follow_ups, key=lambda f: (f.month, f.at)):
        latest[(f.item_number, f.indicator)] = f
    return latest


def value_text(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    number = str(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")
    return f"{number} {unit}".strip()
