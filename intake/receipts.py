"""The receipt for an emailed report, and the short answers the intake sends instead of one.

A receipt lists what was understood per question ("Fråga 1 (Tema): … Påverkan 3"), the
questions answered with nothing to report, the personal-data and other warnings, where
unmapped text went, and how to correct: reply again with only the questions to change,
the latest answer per question wins. It does not repeat the reply form. All texts are
Swedish; they go out as ``{"subject", "text", "headers"}`` outbox payloads, threaded
under the reporter's mail (In-Reply-To) and marked ``Auto-Submitted: auto-replied``
(RFC 3834) so that out-of-office responders do not answer them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from intake.cycle_token import with_token
from intake.message import MAX_PARSED_SIZE
from reporting.formatting import format_datetime, format_period
from reporting.model import Cycle, Member, ReportingGroup, Submission
from reporting.questionnaire import Questionnaire

EN_DASH = "\u2013"

PERSONAL_DATA_WORDS = {
    "personnummer": "ett personnummer",
    "samordningsnummer": "ett samordningsnummer",
    "telefon": "ett telefonnummer",
    "e-post": "en e-postadress",
    "regnr": "ett registreringsnummer",
}
ASSESSMENT_WORDS = {"green": "grönt", "yellow": "gult", "red": "rött"}


def _greeting(member: Member | None) -> str:
    first = member.name.split()[0] if member is not None and member.name.strip() else ""
    return f"Hej {first}!" if first else "Hej!"


def _indent(text: str) -> str:
    return "\n   ".join(line for line in text.strip().split("\n"))


def answer_lines(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[str]:
    """One entry per answered question, in questionnaire order."""
    lines = []
    for q in questionnaire.questions:
        answer = answers.get(q.number)
        if answer is None:
            continue
        head = f"Fråga {q.number} ({q.theme.get('sv')}):"
        parts: list[str] = []
        if answer.get("nothing_to_report"):
            parts.append("Inget att rapportera.")
        elif answer.get("observations"):
            parts.append(_indent(answer["observations"]))
        if answer.get("places_times"):
            parts.append(f"Platser och tider: {_indent(answer['places_times'])}")
        if answer.get("impact") is not None:
            parts.append(f"Påverkan {answer['impact']}")
        elif q.impact and answer.get("observations") and not answer.get("nothing_to_report"):
            parts.append("Påverkan: ingen angiven")
        if answer.get("comment"):
            label = questionnaire.comment_label.get("sv")
            parts.append(f"{label}: {_indent(answer['comment'])}")
        if not parts:
            continue
        lines.append(f"{head} " + "\n   ".join(parts))
    return lines


def warning_lines(questionnaire: Questionnaire, warnings: list[dict[str, Any]]) -> list[str]:
    lines = []
    other = questionnaire.question("6").theme.get("sv") if "6" in questionnaire.numbers else "Övrigt"
    personal: dict[str, list[str]] = {}
    for w in warnings:
        if w.get("code") == "personal_data":
            what = PERSONAL_DATA_WORDS.get(str(w.get("detail", "")), "uppgifter om en enskild person")
            found = personal.setdefault(str(w.get("question", "")), [])
            if what not in found:
                found.append(what)
    for number, found in personal.items():
        listed = found[0] if len(found) == 1 else ", ".join(found[:-1]) + " och " + found[-1]
        lines.append(f"Fråga {number}: texten ser ut att innehålla {listed}.")
    if personal:
        lines.append(
            "Uppgifter om enskilda personer ska inte rapporteras. Svara igen med de frågorna utan "
            "uppgifterna, så ersätts svaren."
        )
    for w in warnings:
        code, number, detail = w.get("code"), w.get("question", ""), str(w.get("detail", ""))
        if code == "personal_data":
            continue
        elif code == "unmapped":
            which = "Texten" if detail == "all" else "En del av texten"
            lines.append(
                f"{which} gick inte att koppla till någon fråga och har sparats under fråga {number} "
                f"({other}). Skriv frågans nummer före svaret om den hör till en annan fråga."
            )
        elif code == "assessment_hint":
            lines.append(
                f"Fråga {number}: du skrev en bedömning ({ASSESSMENT_WORDS.get(detail, detail)}). Den "
                "sammanställda bedömningen sätts av gruppen på mötet; din text är sparad."
            )
        elif code in ("impact_unclear", "impact_out_of_range"):
            lines.append(
                f"Fråga {number}: påverkan ”{detail}” var otydlig. Ange en siffra 1{EN_DASH}5, "
                "till exempel ”Påverkan: 3”."
            )
    return lines


def receipt(
    *,
    member: Member,
    group: ReportingGroup,
    cycle: Cycle,
    questionnaire: Questionnaire,
    parsed: dict[str, Any],
    submission: Submission,
    tz: zoneinfo.ZoneInfo,
    now: dt.datetime,
) -> tuple[str, str]:
    """(subject, text) of the receipt for a stored email report."""
    period = format_period(cycle.period_from, cycle.period_to)
    deadline = format_datetime(cycle.deadline.astimezone(tz), year=False)
    saved = format_datetime(now.astimezone(tz), year=False)
    blocks = [
        _greeting(member),
        f"Tack! Din lägesrapport för {group.name} {period} är sparad ({saved}). "
        "Så här uppfattade vi ditt svar:",
        "\n\n".join(answer_lines(questionnaire, parsed.get("answers", {}))),
    ]
    warnings = warning_lines(questionnaire, parsed.get("warnings", []))
    if warnings:
        blocks.append("Observera:\n" + "\n".join(f"- {line}" for line in warnings))
    answered = len([n for n in questionnaire.numbers if n in submission.answers])
    blocks.append(f"Din rapport har nu svar på {answered} av {len(questionnaire.numbers)} frågor.")
    blocks.append(
        "Vill du ändra eller lägga till något? Svara på det här mejlet och skriv bara de frågor du vill "
        "ändra, med frågans nummer (till exempel ”2. Svar: …”). Det senaste svaret på varje fråga gäller, "
        f"oavsett om du svarar i mejl eller i Teams. Du kan ändra fram till {deadline}."
    )
    blocks.append(f"Lägesbild {EN_DASH} {group.name}")
    subject = with_token(f"Kvitto: lägesrapport {group.name} {period}", cycle.id)
    return subject, "\n\n".join(blocks) + "\n"


def closed_notice(
    *, member: Member, group: ReportingGroup, cycle: Cycle, tz: zoneinfo.ZoneInfo
) -> tuple[str, str]:
    period = format_period(cycle.period_from, cycle.period_to)
    deadline = format_datetime(cycle.deadline.astimezone(tz), year=False)
    text = (
        f"{_greeting(member)}\n\nDitt mejl kom fram, men perioden {group.name} {period} stängde {deadline} och "
        "tar inte emot fler svar, så ingenting sparades. Har du något viktigt att rapportera kan du ta med det "
        f"i nästa period eller kontakta samordnaren.\n\nLägesbild {EN_DASH} {group.name}\n"
    )
    return with_token(f"Perioden är stängd: lägesrapport {group.name} {period}", cycle.id), text


def no_cycle_notice(member: Member) -> tuple[str, str]:
    text = (
        f"{_greeting(member)}\n\nDitt mejl kom fram, men det finns ingen öppen lägesrapport för dig just nu, "
        "så ingenting sparades. Du får ett nytt mejl med frågorna när nästa period öppnar.\n\nLägesbild\n"
    )
    return "Ingen öppen lägesrapport just nu", text


def empty_notice(member: Member, group: ReportingGroup, cycle: Cycle) -> tuple[str, str]:
    period = format_period(cycle.period_from, cycle.period_to)
    text = (
        f"{_greeting(member)}\n\nVi hittade inga svar i ditt mejl, så ingenting sparades. Svara på mejlet med "
        "frågorna och skriv ditt svar efter frågans nummer, eller skriv ”inget” om du inte har något att "
        f"rapportera den här perioden.\n\nLägesbild {EN_DASH} {group.name}\n"
    )
    return with_token(f"Inga svar hittades: lägesrapport {group.name} {period}", cycle.id), text


def refused_notice(member: Member, reason: str) -> tuple[str, str]:
    text = f"{_greeting(member)}\n\nDitt mejl kom fram, men svaret kunde inte sparas: {reason}\n\nLägesbild\n"
    return "Ditt svar kunde inte sparas", text


def too_deep_notice(member: Member) -> tuple[str, str]:
    text = (
        f"{_greeting(member)}\n\nDitt mejl kom fram men kunde inte läsas: det är uppbyggt i för många nivåer "
        "(bilagor i bilagor eller vidarebefordrat många gånger om). Ingenting sparades. Skriv svaret i ett nytt "
        "mejl som vanlig text, utan bilagor, och skicka det igen.\n\nLägesbild\n"
    )
    return "Ditt mejl kunde inte läsas", text


def too_large_notice(member: Member, size: int) -> tuple[str, str]:
    megabytes = MAX_PARSED_SIZE // (1024 * 1024)
    text = (
        f"{_greeting(member)}\n\nDitt mejl var för stort ({size / 1024 / 1024:.0f} MB) för att läsas; gränsen är "
        f"{megabytes} MB. Skicka svaret igen som vanlig text, utan bilagor. Bilder och filer behövs inte i "
        "lägesrapporten.\n\nLägesbild\n"
    )
    return "Ditt mejl var för stort", text
