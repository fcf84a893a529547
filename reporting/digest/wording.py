"""How the digest reads, in every format: the same Swedish sentences on the card, in
Markdown, HTML and Word, taken from the digest JSON (English from the `digest` catalog).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from reporting.digest.suggestion import decimal
from reporting.formatting import format_period, format_weeks
from reporting.i18n import translator
from reporting.questionnaire import Questionnaire

_ = translator("digest")

DOTS = {"green": "🟢", "yellow": "🟡", "red": "🔴"}
CARD_COLORS = {"green": "Good", "yellow": "Warning", "red": "Attention"}
ARROWS = {"up": "↑", "down": "↓", "flat": "→"}


def period_of(data: Mapping[str, Any]) -> tuple[dt.date, dt.date]:
    return dt.date.fromisoformat(data["period"]["from"]), dt.date.fromisoformat(data["period"]["to"])


def period_text(data: Mapping[str, Any], locale: str = "sv") -> str:
    return format_period(*period_of(data), locale)


def weeks_text(data: Mapping[str, Any], locale: str = "sv") -> str:
    return format_weeks(*period_of(data), locale)


def title(data: Mapping[str, Any], locale: str = "sv") -> str:
    return _("Lägesbild {group} · {period}", locale, group=data["group"], period=period_text(data, locale))


def level_label(level: str, questionnaire: Questionnaire, locale: str = "sv") -> str:
    for entry in questionnaire.assessment_scale:
        if entry.level == level:
            return entry.label.get(locale)
    return level


def level_definition(level: str, questionnaire: Questionnaire, locale: str = "sv") -> str:
    for entry in questionnaire.assessment_scale:
        if entry.level == level:
            return entry.definition.get(locale)
    return ""


def heading(question: Mapping[str, Any]) -> str:
    return f"{question['question']}. {question['theme']}"


def full_heading(number: str, questionnaire: Questionnaire, locale: str = "sv") -> str:
    """The question as the template prints it ("Fråga 1, Ordningsstörningar …: Vilka …?")."""
    return questionnaire.question(number).heading(locale)


def response_line(response: Mapping[str, Any], locale: str = "sv") -> str:
    return _(
        "{reported} har rapporterat, {nothing} har inget att rapportera, {missing} har inte svarat.",
        locale,
        reported=response["reported"],
        nothing=response["nothing"],
        missing=len(response["not_answered"]),
    )


def missing_lines(response: Mapping[str, Any], locale: str = "sv") -> list[str]:
    lines = []
    if response["not_answered"]:
        lines.append(_("Har inte svarat: {who}", locale, who=", ".join(response["not_answered"])))
    if response["away"]:
        lines.append(_("Frånvarande: {who}", locale, who=", ".join(response["away"])))
    return lines


def counts_text(counts: Mapping[str, int], locale: str = "sv") -> str:
    return _(
        "{observations} med iakttagelser, {nothing} inget att rapportera, {blank} utan svar",
        locale,
        observations=counts["observations"],
        nothing=counts["nothing"],
        blank=counts["not_answered"],
    )


def impact_text(impact: Mapping[str, Any], locale: str = "sv") -> str:
    """ "påverkan 3,2 (max 4) ↑ mot 2,1 · 2,5 · 3,0", or "" when nothing was scored."""
    if impact.get("mean") is None:
        return ""
    text = _("påverkan {mean} (max {max})", locale, mean=decimal(impact["mean"], locale), max=impact["max"])
    trend = impact.get("trend")
    if trend == "new":
        return f"{text} · {_('ingen tidigare jämförelse', locale)}"
    history = " · ".join(decimal(h, locale) for h in impact.get("history") or [])
    return f"{text} {ARROWS.get(str(trend), '')} {_('mot', locale)} {history}".rstrip()


def question_facts(question: Mapping[str, Any], locale: str = "sv") -> str:
    parts = [counts_text(question["counts"], locale), impact_text(question["impact"], locale)]
    return " · ".join(p for p in parts if p)


def recurring_text(recurring: Mapping[str, Any] | None, locale: str = "sv") -> str:
    if not recurring:
        return ""
    return _(
        "Återkommande: sedd i {cycles} cykler, första gången i cykel {first}",
        locale,
        cycles=recurring["cycles_seen"],
        first=recurring["first_seen_cycle"],
    )


def item_meta(item: Mapping[str, Any], locale: str = "sv") -> str:
    """ "fastighet, fritid · 2 rapporter · Brunnsparken · fredagskvällar"."""
    sources = item["sources"]
    parts = [
        ", ".join(item["agencies"]),
        _("1 rapport", locale) if sources == 1 else _("{n} rapporter", locale, n=sources),
        ", ".join(item["places"]),
        ", ".join(item["times"]),
    ]
    return " · ".join(p for p in parts if p)


def highlights(question: Mapping[str, Any], locale: str = "sv") -> str:
    """What stands out: recurring items, places and times."""
    items: Sequence[Mapping[str, Any]] = question["items"]
    parts = []
    recurring = sum(1 for i in items if i.get("recurring"))
    if recurring:
        parts.append(_("{n} återkommande", locale, n=recurring))
    places = list(dict.fromkeys(p for i in items for p in i["places"]))
    times = list(dict.fromkeys(t for i in items for t in i["times"]))
    if places:
        parts.append(", ".join(places[:5]) + (" …" if len(places) > 5 else ""))
    if times:
        parts.append(", ".join(times[:4]) + (" …" if len(times) > 4 else ""))
    return " · ".join(parts)


def suggestion_text(question: Mapping[str, Any], questionnaire: Questionnaire, locale: str = "sv") -> str:
    level = question["suggested_assessment"]["level"]
    return _(
        "Förslag: {dot} {label}",
        locale,
        dot=DOTS.get(level, ""),
        label=level_label(level, questionnaire, locale),
    )


def assessment_text(assessment: Mapping[str, Any], locale: str = "sv") -> str:
    return _(
        "Sammanställd bedömning: {dot} {label}",
        locale,
        dot=DOTS.get(assessment["level"], ""),
        label=assessment["label"],
    )


def suggestion_note(locale: str = "sv") -> str:
    return _(
        "Förslagen till bedömning räknas fram ur rapporterna enligt bedömningsskalan "
        "(liten – återkommande – omfattande och återkommande). Gruppen sätter den sammanställda bedömningen.",
        locale,
    )


def gist(data: Mapping[str, Any], questionnaire: Questionnaire, locale: str = "sv") -> str:
    """One line for an outbox row's `text`: period, response, and the levels per question
    (set ones as set, the rest as suggested)."""
    levels = [(q.get("assessment") or q["suggested_assessment"])["level"] for q in data["questions"]]
    counts = ", ".join(
        f"{levels.count(level)} {level_label(level, questionnaire, locale).lower()}"
        for level in ("red", "yellow", "green")
        if level in levels
    )
    return _(
        "{title}: {reported} rapporter, {missing} har inte svarat; bedömning: {levels}.",
        locale,
        title=title(data, locale),
        reported=data["response"]["reported"] + data["response"]["nothing"],
        missing=len(data["response"]["not_answered"]),
        levels=counts or "–",
    )
