"""One document model for every printed format, in the layout of Bilaga 2 (Ludvika/Dalarna).

Per question: the question as the template asks it, the bullets (what was reported),
"Sammanställd bedömning" and "Kommentar/åtgärd"; question 7 has only
"Kommentar/åtgärd", with the positive events. Before the questions: who reported;
after them: an overview table, the impact chart and the assessment scale.

`from_digest` makes it from a cycle's compiled digest, `from_month` from a month's
compilation (`reporting.digest.month`); `markdown`, `html` and `docx` render it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from babel.dates import format_date

from reporting.bra.wording import decision_line
from reporting.digest import wording
from reporting.digest.suggestion import decimal
from reporting.formatting import format_weeks
from reporting.i18n import translator
from reporting.questionnaire import Questionnaire

_ = translator("digest")


@dataclass(frozen=True, slots=True)
class Bullet:
    text: str
    meta: str = ""
    note: str = ""  # "Återkommande: …"


@dataclass(frozen=True, slots=True)
class Level:
    level: str  # green / yellow / red
    label: str  # Grönt / Gult / Rött
    text: str = ""  # the reason (a suggestion) or the group's comment


@dataclass(frozen=True, slots=True)
class Section:
    number: str
    heading: str  # "Fråga 1, Ordningsstörningar och otrygghet: Vilka …?"
    short: str  # "1. Ordningsstörningar och otrygghet"
    facts: str
    bullets: tuple[Bullet, ...]
    assessable: bool
    assessment: Level | None = None  # set by the group
    suggestion: Level | None = None  # the rule's suggestion
    comment: str = ""  # Kommentar/åtgärd
    empty: str = ""  # shown when there are no bullets


@dataclass(frozen=True, slots=True)
class Document:
    lang: str
    title: str
    subtitle: str
    organisation: str
    intro: tuple[str, ...]
    response: tuple[str, ...]
    sections: tuple[Section, ...]
    overview: tuple[tuple[str, ...], ...]  # header row first
    scale: tuple[tuple[str, str, str], ...]  # (level, label, definition)
    note: str
    labels: dict[str, str] = field(default_factory=dict)
    chart: bytes | None = None
    chart_caption: str = ""
    decisions: tuple[str, ...] = ()
    done: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    filename: str = "lagesbild"


def _labels(questionnaire: Questionnaire, locale: str) -> dict[str, str]:
    return {
        "assessment": _("Sammanställd bedömning", locale),
        "comment": _("Kommentar/åtgärd", locale),
        "suggestion": _("Förslag", locale),
        "not_set": _("Inte satt av gruppen ännu.", locale),
        "overview": _("Översikt", locale),
        "scale": _("Bedömningsskala", locale),
        "decisions": _("Öppna beslut i lokala Brå", locale),
        "done": _("Genomfört sedan förra sammanställningen", locale),
        "priorities": _("Lokala Brå prioriterar just nu", locale),
        "none": _("Inga ännu.", locale),
        "submitted_by": _("Underlaget inlämnat av", locale),
        "response": _("Rapportering", locale),
    }


def _scale(questionnaire: Questionnaire, locale: str) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (a.level, a.label.get(locale), a.definition.get(locale)) for a in questionnaire.assessment_scale
    )


def _positive_section(questionnaire: Questionnaire, positive: Sequence[str], locale: str) -> Section | None:
    others = [q for q in questionnaire.questions if not q.observations]
    if not others:
        return None
    q = others[0]
    return Section(
        number=q.number,
        heading=q.heading(locale),
        short=f"{q.number}. {q.theme.get(locale)}",
        facts="",
        bullets=tuple(Bullet(p) for p in positive),
        assessable=False,
        empty=_("Inget rapporterat den här perioden.", locale),
    )


def _level(
    entry: Mapping[str, Any] | None, questionnaire: Questionnaire, locale: str, text_key: str
) -> Level | None:
    if not entry:
        return None
    level = str(entry["level"])
    return Level(level, wording.level_label(level, questionnaire, locale), str(entry.get(text_key) or ""))


def _overview_header(locale: str) -> tuple[str, ...]:
    return (
        _("Fråga", locale),
        _("Rapporter", locale),
        _("Påverkan", locale),
        _("Trend", locale),
        _("Förslag", locale),
        _("Bedömning", locale),
    )


def from_digest(
    data: Mapping[str, Any],
    questionnaire: Questionnaire,
    *,
    organisation: str,
    chart: bytes | None = None,
    locale: str = "sv",
) -> Document:
    """A cycle's document from its (compiled) digest JSON."""
    sections = []
    overview = [_overview_header(locale)]
    for q in data["questions"]:
        number = str(q["question"])
        impact = q["impact"]
        suggestion = _level(q["suggested_assessment"], questionnaire, locale, "reason")
        assessment = _level(q.get("assessment"), questionnaire, locale, "comment")
        sections.append(
            Section(
                number=number,
                heading=wording.full_heading(number, questionnaire, locale),
                short=wording.heading(q),
                facts=wording.question_facts(q, locale),
                bullets=tuple(
                    Bullet(
                        i["summary"],
                        wording.item_meta(i, locale),
                        wording.recurring_text(i.get("recurring"), locale),
                    )
                    for i in q["items"]
                ),
                assessable=True,
                assessment=assessment,
                suggestion=suggestion,
                comment=assessment.text if assessment else "",
                empty=_("Inga iakttagelser den här perioden.", locale),
            )
        )
        overview.append(
            (
                wording.heading(q),
                str(q["counts"]["observations"]),
                decimal(impact["mean"], locale) if impact.get("mean") is not None else "–",
                wording.ARROWS.get(
                    str(impact.get("trend")), _("ny", locale) if impact.get("trend") == "new" else "–"
                ),
                suggestion.label if suggestion else "–",
                assessment.label if assessment else "–",
            )
        )
    positive = _positive_section(questionnaire, data["positive"], locale)
    if positive is not None:
        sections.append(positive)
    period = f"{wording.period_text(data, locale)} {data['period']['to'][:4]}"
    return Document(
        lang=locale,
        title=_("Lägesbild – sociala risker", locale),
        subtitle=f"{organisation} · {data['group']} · {period}",
        organisation=organisation,
        intro=(
            _("Sammanställning av cykel {cycle} inför lägesbildsmötet.", locale, cycle=data["cycle"]),
            questionnaire.confidentiality.get(locale),
        ),
        response=(
            wording.response_line(data["response"], locale),
            *wording.missing_lines(data["response"], locale),
        ),
        sections=tuple(sections),
        overview=tuple(overview),
        scale=_scale(questionnaire, locale),
        note=wording.suggestion_note(locale),
        labels=_labels(questionnaire, locale),
        chart=chart,
        chart_caption=_chart_caption(questionnaire, locale),
        decisions=tuple(
            decision_line(d, locale)
            for d in [*data["decisions"].get("overdue", []), *data["decisions"]["open"]]
        ),
        done=tuple(decision_line(d, locale) for d in data["decisions"].get("done", [])),
        priorities=tuple(str(p) for p in data["priorities"]),
        filename=f"lagesbild-{data['group']}-cykel-{data['cycle']}",
    )


def _chart_caption(questionnaire: Questionnaire, locale: str) -> str:
    if questionnaire.impact_scale is not None:
        return _("Medelpåverkan per fråga de senaste tolv cyklerna.", locale)
    return _("Antal rapporter med iakttagelser per fråga de senaste tolv cyklerna.", locale)


def month_name(year: int, month: int, locale: str = "sv") -> str:
    return format_date(dt.date(year, month, 1), "LLLL yyyy", locale=locale)


def from_month(
    month: Mapping[str, Any],
    questionnaire: Questionnaire,
    *,
    organisation: str,
    chart: bytes | None = None,
    locale: str = "sv",
) -> Document:
    """The county's monthly document from a month's compilation."""
    year, number = (int(p) for p in month["month"].split("-"))
    weeks = {
        int(c["cycle"]): format_weeks(
            dt.date.fromisoformat(c["from"]), dt.date.fromisoformat(c["to"]), locale
        )
        for c in month["cycles"]
    }
    sections = []
    overview = [
        (
            _("Fråga", locale),
            _("Rapporter", locale),
            _("Iakttagelser", locale),
            _("Förslag", locale),
            _("Bedömning", locale),
        )
    ]
    for q in month["questions"]:
        n = str(q["question"])
        assessment = _level(q.get("assessment"), questionnaire, locale, "comment")
        suggested = q["suggested_level"]
        suggestion = Level(suggested, wording.level_label(suggested, questionnaire, locale))
        sections.append(
            Section(
                number=n,
                heading=wording.full_heading(n, questionnaire, locale),
                short=f"{n}. {q['theme']}",
                facts=wording.counts_text(q["counts"], locale),
                bullets=tuple(
                    Bullet(
                        i["summary"],
                        " · ".join(
                            p
                            for p in (
                                wording.item_meta(i, locale),
                                ", ".join(weeks.get(c, str(c)) for c in i["cycles"]),
                            )
                            if p
                        ),
                    )
                    for i in q["items"]
                ),
                assessable=True,
                assessment=assessment,
                suggestion=suggestion,
                comment=assessment.text if assessment else "",
                empty=_("Inga iakttagelser under månaden.", locale),
            )
        )
        overview.append(
            (
                f"{n}. {q['theme']}",
                str(q["counts"]["observations"]),
                str(len(q["items"])),
                suggestion.label,
                assessment.label if assessment else "–",
            )
        )
    positive = _positive_section(questionnaire, month["positive"], locale)
    if positive is not None:
        sections.append(positive)
    cycles = ", ".join(weeks[c] for c in sorted(weeks))
    return Document(
        lang=locale,
        title=_("Lägesbild – sociala risker, {month}", locale, month=month_name(year, number, locale)),
        subtitle=f"{organisation} · {month['group']}",
        organisation=organisation,
        intro=(
            _("Månadens sammanställning för länets lägesbild ({cycles}).", locale, cycles=cycles or "–"),
            questionnaire.confidentiality.get(locale),
        ),
        response=(),
        sections=tuple(sections),
        overview=tuple(overview),
        scale=_scale(questionnaire, locale),
        note=wording.suggestion_note(locale),
        labels=_labels(questionnaire, locale),
        chart=chart,
        chart_caption=_chart_caption(questionnaire, locale),
        filename=f"lagesbild-{month['group']}-{month['month']}",
    )
