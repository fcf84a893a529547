"""How the Brå loop reads, the same on cards, in chat, email, the digest and the agenda.

Everything a decision says to people outside Brå names agencies, never reporters
("Bygger på: v. 47, Fråga 1 – 3 rapporter från fastighet, fritid och skola"). Free text
(titles, decision texts, notes, what a reporter wrote) is masked for personal data
(`screening.mask`) on the way out. English comes from the `bra` catalog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from reporting.bra.decisions import kind_word, status_word
from reporting.bra.records import (
    Basis,
    Decision,
    DecisionKind,
    DecisionStatus,
    LinkedAnswer,
    Priority,
    Promise,
)
from reporting.formatting import format_day, format_weeks
from reporting.i18n import translator
from reporting.screening import mask

_ = translator("bra")

FIRST_WORDS = 12
STATUS_DOTS = {"beslutad": "🔵", "pagar": "🟡", "klar": "🟢", "avbruten": "⚪"}


def join_words(words: Sequence[str], locale: str = "sv") -> str:
    """ "fastighet, fritid och skola" ("…, fritid and skola")."""
    items = [w for w in words if w]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_('och', locale)} {items[-1]}"


def reports_word(n: int, locale: str = "sv") -> str:
    return _("1 rapport", locale) if n == 1 else _("{n} rapporter", locale, n=n)


def basis_text(basis: Basis, locale: str = "sv") -> str:
    """ "v. 47, Fråga 1 – 3 rapporter från fastighet, fritid och skola" (or "" for none)."""
    parts = []
    if basis.period_from is not None and basis.period_to is not None:
        parts.append(format_weeks(basis.period_from, basis.period_to, locale))
    if basis.question is not None:
        parts.append(_("Fråga {n}", locale, n=basis.question))
    head = ", ".join(parts)
    if basis.reports:
        tail = reports_word(basis.reports, locale)
        if basis.agencies:
            tail = _(
                "{reports} från {agencies}", locale, reports=tail, agencies=join_words(basis.agencies, locale)
            )
        return f"{head} – {tail}" if head else tail
    return head


def rests_on(basis: Basis, locale: str = "sv") -> str:
    text = basis_text(basis, locale)
    return _("Bygger på: {basis}", locale, basis=text) if text else ""


def owner_text(decision: Decision, locale: str = "sv") -> str:
    return decision.owner_name or _("ingen utsedd", locale)


def due_text(due: dt.date | None, locale: str = "sv") -> str:
    return format_day(due, locale) if due is not None else _("inget datum satt", locale)


def first_words(text: str, n: int = FIRST_WORDS) -> str:
    words = mask(text).split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


def status_label(status: DecisionStatus, locale: str = "sv") -> str:
    word = status_word(status, locale)
    return f"{STATUS_DOTS[status.value]} {word[:1].upper()}{word[1:]}"


def decision_json(
    decision: Decision, today: dt.date, locale: str = "sv", *, full: bool = False
) -> dict[str, Any]:
    """A decision as the digest, the agenda and `decision list --json` show it."""
    data: dict[str, Any] = {
        "id": decision.id,
        "title": mask(decision.title),
        "kind": decision.kind.value,
        "status": decision.status.value,
        "owner": decision.owner_name or None,
        "due": decision.due.isoformat() if decision.due else None,
        "overdue": decision.is_overdue(today),
        "meeting_date": decision.meeting_date.isoformat(),
        "cycle": decision.basis.cycle_id,
        "question": decision.basis.question,
        "rests_on": rests_on(decision.basis, locale),
        "result": mask(decision.result) if decision.result else None,
    }
    if full:
        data.update(
            text=mask(decision.text),
            decided_by=decision.decided_by_name or None,
            reports=decision.basis.reports,
            agencies=list(decision.basis.agencies),
            closed_at=decision.closed_at.isoformat() if decision.closed_at else None,
            history=[
                {
                    "status": n.status.value,
                    "text": mask(n.text),
                    "at": n.at.isoformat(),
                    "by": n.by_name or None,
                }
                for n in decision.history
            ],
        )
    return data


def decision_line(entry: Mapping[str, Any] | str, locale: str = "sv") -> str:
    """One line for a decision in the digest's printed formats, from its JSON (or a text)."""
    if isinstance(entry, str):
        return entry
    parts = [str(entry.get("title") or "")]
    if entry.get("owner"):
        parts.append(_("ansvarig: {owner}", locale, owner=entry["owner"]))
    if entry.get("due"):
        parts.append(_("senast {day}", locale, day=format_day(dt.date.fromisoformat(entry["due"]), locale)))
    line = " – ".join(parts[:1]) + (f" – {', '.join(parts[1:])}" if len(parts) > 1 else "")
    if entry.get("overdue"):
        line += " " + _("(försenat)", locale)
    if entry.get("result"):
        line += " " + _("Resultat: {result}", locale, result=entry["result"])
    return line


def decision_summary(decision: Decision, today: dt.date, locale: str = "sv") -> str:
    return decision_line(decision_json(decision, today, locale), locale)


def priority_line(priority: Priority, locale: str = "sv") -> str:
    """ "Buskörning med moped i centrum (fråga 1 och 4, t.o.m. tor 31 dec 2026)"."""
    details = []
    if priority.questions:
        word = _("fråga", locale)
        details.append(f"{word} {join_words(list(priority.questions), locale)}")
    details.append(_("t.o.m. {day}", locale, day=format_day(priority.ends_on, locale)))
    return f"{mask(priority.text)} ({', '.join(details)})"


def _greeting(name: str, locale: str) -> str:
    first = name.split()[0] if name.split() else ""
    return _("Hej {name}!", locale, name=first) if first else _("Hej!", locale)


def reported_line(answer: LinkedAnswer, theme: str, others: int, locale: str) -> str:
    period = format_weeks(answer.period_from, answer.period_to, locale)
    line = _(
        "Du rapporterade {period} om {theme} (fråga {n}): ”{words}”",
        locale,
        period=period,
        theme=theme.lower() if locale == "sv" else theme,
        n=answer.question,
        words=first_words(answer.observations),
    )
    if others == 1:
        line += " " + _("(och 1 rapport till)", locale)
    elif others > 1:
        line += " " + _("(och {n} rapporter till)", locale, n=others)
    return line


def decided_line(decision: Decision, locale: str = "sv") -> str:
    if decision.kind is DecisionKind.ORSAKSANALYS:
        return _("Lokala Brå tog upp det {day} och beslutade att göra en orsaksanalys:", locale,
                 day=format_day(decision.meeting_date, locale))  # fmt: skip
    if decision.kind is DecisionKind.INFORMATION:
        return _("Lokala Brå tog upp det {day} och beslutade att informera:", locale,
                 day=format_day(decision.meeting_date, locale))  # fmt: skip
    return _(
        "Lokala Brå tog upp det {day} och beslutade:", locale, day=format_day(decision.meeting_date, locale)
    )


def responsible_line(decision: Decision, locale: str = "sv") -> str:
    if decision.kind is DecisionKind.ORSAKSANALYS:
        return _("Analysen görs av: {owner}", locale, owner=owner_text(decision, locale))
    return _("Ansvarig: {owner}", locale, owner=owner_text(decision, locale))


def due_line(decision: Decision, locale: str = "sv") -> str:
    return _("Klart senast: {day}", locale, day=due_text(decision.due, locale))


def feedback_subject(decision: Decision, locale: str = "sv") -> str:
    return _("Din rapport ledde till ett beslut: {title}", locale, title=mask(decision.title))


def feedback_text(
    decision: Decision, answer: LinkedAnswer, *, theme: str, name: str, others: int = 0, locale: str = "sv"
) -> str:
    """What a reporter is told when Brå decides on what they reported."""
    lines = [
        _greeting(name, locale),
        "",
        reported_line(answer, theme, others, locale),
        "",
        decided_line(decision, locale),
        mask(decision.title),
    ]
    if decision.text:
        lines.append(mask(decision.text))
    lines += ["", responsible_line(decision, locale), due_line(decision, locale), "",
              _("Tack för din rapport – den gör skillnad.", locale)]  # fmt: skip
    return "\n".join(lines)


def outcome_subject(decision: Decision, locale: str = "sv") -> str:
    if decision.status is DecisionStatus.AVBRUTEN:
        return _("Beslutet avbröts: {title}", locale, title=mask(decision.title))
    return _("Beslutet är genomfört: {title}", locale, title=mask(decision.title))


def outcome_line(decision: Decision, locale: str = "sv") -> str:
    if decision.status is DecisionStatus.AVBRUTEN:
        return _("Beslutet som byggde på din rapport har avbrutits.", locale)
    if decision.kind is DecisionKind.ORSAKSANALYS:
        return _("Orsaksanalysen som byggde på din rapport är klar.", locale)
    return _("Beslutet som byggde på din rapport är genomfört.", locale)


def outcome_text(
    decision: Decision, answer: LinkedAnswer, *, theme: str, name: str, note: str, locale: str = "sv"
) -> str:
    """What a reporter is told when the decision is done or cancelled."""
    lines = [
        _greeting(name, locale),
        "",
        outcome_line(decision, locale),
        mask(decision.title),
        reported_line(answer, theme, 0, locale),
    ]
    if decision.kind is DecisionKind.ORSAKSANALYS and decision.result:
        lines += ["", _("Resultat: {result}", locale, result=mask(decision.result))]
    elif note:
        lines += ["", _("Kommentar: {text}", locale, text=mask(note))]
    lines += ["", _("Tack för din rapport – den gör skillnad.", locale)]
    return "\n".join(lines)


def summary_subject(meeting: dt.date, locale: str = "sv") -> str:
    return _("Återkoppling från Brå {day}", locale, day=format_day(meeting, locale))


def summary_text(meeting: dt.date, decisions: Sequence[Decision], locale: str = "sv") -> str:
    """The coordinator's and deputy's summary of one Brå meeting, to bring to the group."""
    lines = [
        _("Lokala Brå fattade {n} beslut den {day}. Ta med det här till gruppens nästa möte:", locale,
          n=len(decisions), day=format_day(meeting, locale)),
        "",
    ]  # fmt: skip
    for d in decisions:
        lines.append(f"• {mask(d.title)} ({kind_word(d.kind, locale).lower()})")
        lines.append("  " + _("Ansvarig: {owner} · senast {day}", locale, owner=owner_text(d, locale),
                              day=due_text(d.due, locale)))  # fmt: skip
        basis = rests_on(d.basis, locale)
        if basis:
            lines.append(f"  {basis}")
    lines += ["", _("Rapportörerna vars rapporter besluten bygger på har fått återkoppling.", locale)]
    return "\n".join(lines)


def reminder_subject(decision: Decision, *, overdue: bool, locale: str = "sv") -> str:
    if overdue:
        return _("Försenat beslut: {title}", locale, title=mask(decision.title))
    return _("Påminnelse om beslut: {title}", locale, title=mask(decision.title))


def reminder_text(decision: Decision, *, overdue: bool, teams: bool, locale: str = "sv") -> str:
    head = (
        _("Beslutet ”{title}” skulle ha varit klart {day} och är fortfarande {status}.", locale,
          title=mask(decision.title), day=due_text(decision.due, locale), status=status_word(decision.status, locale))
        if overdue
        else _("Beslutet ”{title}” ska vara klart senast {day}.", locale,
               title=mask(decision.title), day=due_text(decision.due, locale))
    )  # fmt: skip
    lines = [head, responsible_line(decision, locale), ""]
    if teams:
        lines.append(
            _("Uppdatera status på kortet, eller skriv ”klar” och en kommentar här i chatten.", locale)
        )
    else:
        lines.append(_("Meddela samordnaren hur det går, så förs det in i Lägesbild.", locale))
    return "\n".join(lines)


def promise_ending_subject(promise: Promise, locale: str = "sv") -> str:
    return _("Medborgarlöftet slutar {day}", locale, day=format_day(promise.period_to, locale))


def promise_ending_text(promise: Promise, today: dt.date, locale: str = "sv") -> str:
    days = (promise.period_to - today).days
    return "\n".join(
        [
            _(
                "Medborgarlöftet ”{title}” gäller till och med {day} ({n} dagar kvar).",
                locale,
                title=promise.title,
                day=format_day(promise.period_to, locale),
                n=days,
            ),  # fmt: skip
            _(
                "Dags att förbereda nästa löfte med polisen: vad säger lägesbilden, och hur gick "
                "uppföljningen av löftets punkter?",
                locale,
            ),  # fmt: skip
            _(
                "Underlag: lagesbild promise export {id} --format docx och lagesbild bra agenda.",
                locale,
                id=promise.id,
            ),  # fmt: skip
        ]
    )


def led_to_line(decision: Decision, locale: str = "sv") -> str:
    """ "Ledde till: Trygghetsvandring i Brunnsparken (pågår)" for a refreshed receipt."""
    return _("Ledde till: {title} ({status})", locale, title=mask(decision.title),
             status=status_word(decision.status, locale))  # fmt: skip
