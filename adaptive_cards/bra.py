"""The Brå cards: the decision posted in channels, the reporter's feedback, the decision
form, the owner's follow-up card and the priority form. Plain dicts; `bot/` wraps them.

Verbs and input ids are in `reporting.bra.forms` (documented there). Every text goes
through the `bra` catalog (English in reporting/locale/en/bra.po); free text is masked
for personal data; reporters are named by agency only.

- `decision_card(decision, today=…)`: for the group's channel and the Brå channel: kind,
  title, status, "Bygger på: …", the text, owner, due date, who decided when, the result
  (a root-cause analysis) and the latest history. With `action=True`, "Uppdatera status"
  (`bra.followup.form`, `{"decision": id}`).
- `feedback_card(decision, answer, …)`: to a reporter: what they reported, what Brå
  decided, who is responsible, by when; with `outcome=True` what came of it.
- `decision_form_card(…)`: `decision_*` inputs; "Spara beslut" (`bra.decide`, the given
  `data`) and "Avbryt" (`bra.decide.cancel`, no inputs). With `links`, a required choice of
  what the decision rests on (`decision_link`).
- `followup_card(decision, …)`: status choice and comment/result; `bra.followup`.
- `priority_form_card(priorities, …)`: the current ones, each with "Ta bort"
  (`bra.priority.clear`), and inputs for a new one (`bra.priority.set`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from adaptive_cards.errors import CardTooLarge
from adaptive_cards.report import MAX_CARD_BYTES, card_size
from adaptive_cards.templating import render
from reporting.bra import wording
from reporting.bra.decisions import MAX_NOTE, MAX_TEXT, MAX_TITLE, kind_word, status_word
from reporting.bra.forms import (
    VERB_DECIDE,
    VERB_DECIDE_CANCEL,
    VERB_FOLLOWUP,
    VERB_FOLLOWUP_FORM,
    VERB_PRIORITY_CLEAR,
    VERB_PRIORITY_SET,
)
from reporting.bra.priorities import MAX_PRIORITY_TEXT
from reporting.bra.records import Decision, DecisionKind, DecisionStatus, LinkedAnswer, Priority
from reporting.formatting import format_day
from reporting.i18n import translator
from reporting.model import Member
from reporting.screening import mask

_ = translator("bra")

STATUS_COLORS = {"beslutad": "Accent", "pagar": "Warning", "klar": "Good", "avbruten": "Default"}
HISTORY_LINES = 4


def _sized(name: str, card: dict[str, Any]) -> dict[str, Any]:
    if card_size(card) > MAX_CARD_BYTES:
        raise CardTooLarge(name, card_size(card), MAX_CARD_BYTES)
    return card


def _status(decision: Decision, today: dt.date, locale: str) -> dict[str, str]:
    text = wording.status_label(decision.status, locale)
    if decision.is_overdue(today):
        text += " · " + _("försenat", locale)
    color = "Attention" if decision.is_overdue(today) else STATUS_COLORS[decision.status.value]
    return {"text": text, "color": color}


def _facts(decision: Decision, locale: str) -> list[dict[str, str]]:
    owner_label = (
        _("Genomförs av", locale) if decision.kind is DecisionKind.ORSAKSANALYS else _("Ansvarig", locale)
    )
    decided = format_day(decision.meeting_date, locale)
    if decision.decided_by_name:
        decided = f"{decided} ({decision.decided_by_name})"
    return [
        {"title": owner_label, "value": wording.owner_text(decision, locale)},
        {"title": _("Klart senast", locale), "value": wording.due_text(decision.due, locale)},
        {"title": _("Beslutat", locale), "value": decided},
    ]


def _history(decision: Decision, locale: str) -> dict[str, Any] | None:
    notes = [n for n in decision.history if n.text or n.status is not DecisionStatus.BESLUTAD]
    if not notes:
        return None
    lines = []
    for note in notes[-HISTORY_LINES:]:
        line = f"{format_day(note.at.date(), locale, year=False)}: {status_word(note.status, locale)}"
        if note.text:
            line += f" – {mask(note.text)}"
        if note.by_name:
            line += f" ({note.by_name})"
        lines.append(line)
    return {"label": _("Historik", locale), "lines": lines}


def _result(decision: Decision, locale: str) -> dict[str, str] | None:
    if not decision.result:
        return None
    label = (
        _("Resultat av orsaksanalysen", locale)
        if decision.kind is DecisionKind.ORSAKSANALYS
        else _("Resultat", locale)
    )
    return {"label": label, "text": mask(decision.result)}


def decision_card(
    decision: Decision, *, today: dt.date, organisation: str = "", action: bool = True, locale: str = "sv"
) -> dict[str, Any]:
    label = _("Beslut i lokala Brå · {kind}", locale, kind=kind_word(decision.kind, locale))
    if organisation:
        label = f"{organisation} · {label}"
    data = {
        "lang": locale,
        "fallback_text": f"{label}: {mask(decision.title)}",
        "label": label,
        "title": mask(decision.title),
        "status": _status(decision, today, locale),
        "rests_on": wording.rests_on(decision.basis, locale) or None,
        "text": mask(decision.text) or None,
        "facts": _facts(decision, locale),
        "result": _result(decision, locale),
        "history": _history(decision, locale),
        "action": {
            "title": _("Uppdatera status", locale),
            "verb": VERB_FOLLOWUP_FORM,
            "data": {"decision": decision.id},
        }
        if action and decision.is_open
        else None,
    }
    return _sized("decision", render("decision", data))


def feedback_card(
    decision: Decision,
    answer: LinkedAnswer,
    *,
    theme: str,
    others: int = 0,
    outcome: bool = False,
    note: str = "",
    locale: str = "sv",
) -> dict[str, Any]:
    """The reporter's feedback card; `outcome` for the message when the decision is closed."""
    if outcome:
        heading = wording.outcome_line(decision, locale)
        color = "Good" if decision.status is DecisionStatus.KLAR else "Default"
        if decision.kind is DecisionKind.ORSAKSANALYS and decision.result:
            result = {"label": _("Resultat", locale), "text": mask(decision.result), "style": "good"}
        else:
            label = (
                _("Genomfört", locale) if decision.status is DecisionStatus.KLAR else _("Avbrutet", locale)
            )
            result = {"label": label, "text": mask(note) or None,
                      "style": "good" if decision.status is DecisionStatus.KLAR else "emphasis"}  # fmt: skip
    else:
        heading, color, result = _("Din rapport ledde till ett beslut i lokala Brå", locale), "Accent", None
    data = {
        "lang": locale,
        "fallback_text": f"{heading} {mask(decision.title)}",
        "heading": heading,
        "heading_color": color,
        "reported": wording.reported_line(answer, theme, others, locale),
        "decided": wording.decided_line(decision, locale),
        "title": mask(decision.title),
        "text": mask(decision.text) or None,
        "facts": _facts(decision, locale)[:2],
        "outcome": result,
        "thanks": _("Tack för din rapport – den gör skillnad.", locale),
    }
    return _sized("feedback", render("feedback", data))


def owner_choices(members: Sequence[Member], agencies: Sequence[str] = ()) -> list[dict[str, str]]:
    """Who can own a decision: the municipality's members (by email) and its agencies."""
    choices = [{"title": f"{m.name} ({m.agency})", "value": m.email} for m in members if m.active]
    seen = sorted({a.strip().lower() for a in [*agencies, *(m.agency for m in members)] if a.strip()})
    choices += [{"title": a, "value": a} for a in seen]
    return choices


def decision_form_card(
    *,
    heading: str,
    subtitle: str | None,
    owners: Sequence[Mapping[str, str]],
    data: Mapping[str, Any],
    today: dt.date,
    links: Sequence[Mapping[str, str]] | None = None,
    values: Mapping[str, Any] | None = None,
    error: str | None = None,
    locale: str = "sv",
) -> dict[str, Any]:
    """The form a Brå member fills in to decide. `data` goes back with `bra.decide` (e.g.
    `{"escalation": 7, "cycle": 12, "question": "1"}`); `values` refills the inputs after
    an error (input id → value)."""
    given = dict(values or {})
    content = {
        "lang": locale,
        "title": heading,
        "subtitle": subtitle,
        "error": error,
        "link": {
            "id": "decision_link",
            "label": _("Beslutet bygger på", locale),
            "error_message": _("Välj vad beslutet bygger på.", locale),
            "value": given.get("decision_link") or None,
            "choices": [dict(c) for c in links],
        }
        if links
        else None,
        "labels": {
            "title": _("Beslut (rubrik)", locale),
            "title_missing": _("Beslutet behöver en rubrik.", locale),
            "text": _("Vad beslutades", locale),
            "kind": _("Typ", locale),
            "owner": _("Ansvarig (person eller verksamhet)", locale),
            "owner_placeholder": _("Välj eller sök", locale),
            "due": _("Klart senast", locale),
            "meeting": _("Brå-mötets datum", locale),
        },
        "limits": {"title": MAX_TITLE, "text": MAX_TEXT},
        "values": {
            "title": given.get("decision_title") or None,
            "text": given.get("decision_text") or None,
            "kind": given.get("decision_kind") or DecisionKind.ATGARD.value,
            "owner": given.get("decision_owner") or None,
            "due": given.get("decision_due") or None,
            "meeting": given.get("decision_meeting") or today.isoformat(),
        },
        "kinds": [{"title": kind_word(k, locale), "value": k.value} for k in DecisionKind],
        "owners": [dict(o) for o in owners],
        "note": _(
            "Rapportörerna vars rapporter beslutet bygger på får återkoppling direkt. Skriv inga "
            "personuppgifter eller uppgifter som omfattas av sekretess.",
            locale,
        ),
        "actions": [
            {
                "title": _("Spara beslut", locale),
                "verb": VERB_DECIDE,
                "data": dict(data),
                "style": "positive",
                "associated": "auto",
            },
            {
                "title": _("Avbryt", locale),
                "verb": VERB_DECIDE_CANCEL,
                "data": {k: v for k, v in data.items() if k == "escalation"},
                "style": None,
                "associated": "none",
            },
        ],  # fmt: skip
    }
    return _sized("decision_form", render("decision_form", content))


def followup_card(
    decision: Decision,
    *,
    today: dt.date,
    message: str | None = None,
    ok: bool = True,
    reminder: bool = False,
    locale: str = "sv",
) -> dict[str, Any]:
    """The owner's card: where the decision stands and, while it is open, a form to move it."""
    overdue = decision.is_overdue(today)
    if reminder:
        heading = _("Försenat beslut", locale) if overdue else _("Påminnelse om beslut", locale)
    else:
        heading = _("Följ upp beslut", locale)
    analysis = decision.kind is DecisionKind.ORSAKSANALYS
    statuses = [s for s in (DecisionStatus.PAGAR, DecisionStatus.KLAR, DecisionStatus.AVBRUTEN)]
    data = {
        "lang": locale,
        "fallback_text": f"{heading}: {mask(decision.title)}",
        "heading": heading,
        "heading_color": "Attention" if overdue else "Default",
        "title": mask(decision.title),
        "status": _status(decision, today, locale),
        "rests_on": wording.rests_on(decision.basis, locale) or None,
        "facts": _facts(decision, locale),
        "message": message,
        "message_color": "Good" if ok else "Attention",
        "form": {
            "status_label": _("Ny status", locale),
            "status_missing": _("Välj en status.", locale),
            "status_value": None,
            "statuses": [
                {"title": wording.status_label(s, locale), "value": s.value}
                for s in statuses
                if s is not decision.status or s is DecisionStatus.PAGAR
            ],
            "text_label": _("Resultat av orsaksanalysen (när den är klar)", locale)
            if analysis
            else _("Kommentar", locale),
            "text_placeholder": _("Vad har gjorts? Rapportörerna får se det när beslutet är klart.", locale),
            "max_length": MAX_NOTE,
            "save": _("Spara", locale),
            "verb": VERB_FOLLOWUP,
            "data": {"decision": decision.id},
        }
        if decision.is_open
        else None,
    }
    return _sized("decision_followup", render("decision_followup", data))


def priority_form_card(
    priorities: Sequence[Priority],
    *,
    today: dt.date,
    themes: Mapping[str, str],
    message: str | None = None,
    ok: bool = True,
    locale: str = "sv",
) -> dict[str, Any]:
    """Brå's current priorities (each with "Ta bort") and a form for a new one."""
    data = {
        "lang": locale,
        "title": _("Lokala Brå prioriterar", locale),
        "intro": _(
            "Prioriteringarna visas överst på varje rapportkort, i frågemejlen och i sammanställningen.",
            locale,
        ),
        "message": message,
        "message_color": "Good" if ok else "Attention",
        "current_label": _("Just nu", locale),
        "none": None if priorities else _("Inga prioriteringar just nu.", locale),
        "current": [
            {
                "text": wording.priority_line(p, locale),
                "clear": _("Ta bort", locale),
                "verb": VERB_PRIORITY_CLEAR,
                "data": {"priority": p.id},
            }
            for p in priorities
        ],
        "new_label": _("Ny prioritering", locale),
        "labels": {
            "text": _("Vad ska grupperna hålla extra koll på?", locale),
            "text_placeholder": _("T.ex. buskörning med moped i centrum", locale),
            "text_missing": _("Skriv vad Brå prioriterar (en kort text).", locale),
            "questions": _("Gäller frågorna", locale),
            "until": _("Gäller till och med", locale),
            "until_missing": _("Ange till och med vilket datum prioriteringen gäller.", locale),
        },
        "max_length": MAX_PRIORITY_TEXT,
        "questions": [{"title": f"{n}. {theme}", "value": n} for n, theme in themes.items()],
        "min_date": today.isoformat(),
        "default_until": (today + dt.timedelta(days=90)).isoformat(),
        "save": _("Spara prioritering", locale),
        "verb": VERB_PRIORITY_SET,
        "data": {},
    }
    return _sized("priority_form", render("priority_form", data))
