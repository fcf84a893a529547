"""The reply form is one contract between the prompt email and the parser: fill it in, and it parses."""

from __future__ import annotations

from email.message import EmailMessage

from intake.parse import parse_email
from intake.reply_format import field_labels, question_heading, reply_form
from reporting.questionnaire import load_preset

FAGERSTA = load_preset("est-fagersta")
LUDVIKA = load_preset("fas-ludvika")


def test_fagersta_form() -> None:
    form = reply_form(FAGERSTA)
    assert "1. Ordningsstörningar och otrygghet\nSvar:\nPåverkan (1–5):\nKommentar:\n" in form
    assert form.rstrip().endswith(
        "7. Positiva åtgärder eller händelser\nKommentar:\n\nSkriv inga uppgifter om enskilda personer."
    )
    assert "Platser och tider" not in form
    assert max(len(line) for line in form.splitlines()) <= 70  # clients re-wrap longer quoted lines


def test_ludvika_form_asks_places_and_no_impact() -> None:
    form = reply_form(LUDVIKA)
    assert "2. Hot och våld\nSvar:\nPlatser och tider:\nKommentar/åtgärd:\n" in form
    assert "Påverkan" not in form
    assert field_labels(LUDVIKA, LUDVIKA.question("7")) == ["Kommentar/åtgärd:"]


def test_english_form() -> None:
    form = reply_form(FAGERSTA, "en")
    assert "2. Threats and violence\nAnswer:\nImpact (1–5):\nComment:" in form
    assert question_heading(FAGERSTA.question("4"), "en") == "4. Young people/schools"


def reply(body: str, subject: str = "SV: Lägesrapport v. 47–48 [LB-12]") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Anna Andersson <anna@fagersta.se>"
    msg["To"] = "lagesbild@fagersta.se"
    msg["Subject"] = subject
    msg["Message-ID"] = "<r1@fagersta.se>"
    msg.set_content(body)
    return msg.as_bytes()


def filled(form: str) -> str:
    return (
        form.replace("Svar:", "Svar: inget", 1)
        .replace("2. Hot och våld\nSvar:", "2. Hot och våld\nSvar: Hot mot busschaufför", 1)
        .replace("Påverkan (1–5):\nKommentar:\n\n3.", "Påverkan (1–5): 3\nKommentar: polisanmält\n\n3.", 1)
    )


def test_the_form_filled_in_above_the_quote_parses() -> None:
    form = reply_form(FAGERSTA)
    quote = "Från: Lägesbild <lagesbild@fagersta.se>\nSkickat: den 24 november 2026 08:00\nTill: Anna\nÄmne: x\n\n"
    result = parse_email(reply(filled(form) + "\n" + quote + form), FAGERSTA)
    assert result["answers"] == {
        "1": {"observations": "", "impact": None, "comment": "", "nothing_to_report": True},
        "2": {
            "observations": "Hot mot busschaufför",
            "impact": 3,
            "comment": "polisanmält",
            "nothing_to_report": False,
        },
    }
    assert result["warnings"] == [] and result["cycle_token"] == 12


def test_the_form_filled_in_inside_a_gt_quote_parses() -> None:
    quoted = "\n".join(f"> {line}" if line else ">" for line in filled(reply_form(FAGERSTA)).splitlines())
    body = (
        "Skickat från min iPhone\n\n> 24 nov. 2026 kl. 08:00 skrev Lägesbild <lagesbild@fagersta.se>:\n>\n"
        + quoted
    )
    result = parse_email(reply(body), FAGERSTA)
    assert result["answers"]["2"] == {
        "observations": "Hot mot busschaufför",
        "impact": 3,
        "comment": "polisanmält",
        "nothing_to_report": False,
    }
    assert result["answers"]["1"]["nothing_to_report"]
    assert sorted(result["answers"]) == ["1", "2"]


def test_an_untouched_quoted_form_gives_no_answers() -> None:
    quoted = "\n".join(f"> {line}" for line in reply_form(FAGERSTA).splitlines())
    body = (
        "Skickat från min iPhone\n\n> 24 nov. 2026 kl. 08:00 skrev Lägesbild <lagesbild@fagersta.se>:\n"
        + quoted
    )
    result = parse_email(reply(body), FAGERSTA)
    assert result["answers"] == {} and result["warnings"] == []


def test_an_english_form_filled_in_parses() -> None:
    form = reply_form(FAGERSTA, "en").replace("Answer:", "Answer: Stones thrown at buses", 1)
    form = form.replace("Impact (1–5):", "Impact (1–5): 2", 1)
    result = parse_email(reply(form), FAGERSTA)
    assert result["answers"] == {
        "1": {
            "observations": "Stones thrown at buses",
            "impact": 2,
            "comment": "",
            "nothing_to_report": False,
        }
    }
