"""The email prompt as rendered for the outbox, and replies to it read back by the parser."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from intake.parse import parse_email
from intake.prompts import EmailPromptRenderer, parse_reference
from intake.reply_format import reply_form
from reporting.model import Channel, Cycle, CycleState, Member, ReportingGroup, Role
from reporting.questionnaire import load_preset

TZ = zoneinfo.ZoneInfo("Europe/Stockholm")
FAGERSTA = load_preset("est-fagersta")
BO = Member(3, 1, "Bo Berg", "bo@fagersta.se", "fritid", frozenset({Role.REPORTER}), Channel.EMAIL)
GROUP = ReportingGroup(1, 1, "EST", "est-fagersta", 1, FAGERSTA.default_schedule, dt.date(2026, 11, 26))
CYCLE = Cycle(12, 1, 1, dt.date(2026, 11, 16), dt.date(2026, 11, 29),
              dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC), dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.UTC),
              dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC), CycleState.OPEN)  # fmt: skip


def render(questionnaire=FAGERSTA):  # type: ignore[no-untyped-def]
    return EmailPromptRenderer(TZ, "lagesbild@fagersta.se")(member=BO, group=GROUP, cycle=CYCLE,
                                                             questionnaire=questionnaire)  # fmt: skip


def test_the_prompt_payload_subject_body_and_stable_message_id() -> None:
    message = render()
    payload = message.payload
    assert set(payload) == {"subject", "text", "html", "message_id", "headers"}
    assert payload["subject"] == "Lägesrapport EST v. 47–48 – svara senast ons 25 nov kl. 12.00 [LB-12]"
    assert payload["message_id"] == "<lb.12.3.1795503600@fagersta.se>" == render().payload["message_id"]
    assert parse_reference(payload["message_id"]).cycle_id == 12  # type: ignore[union-attr]
    text = payload["text"]
    assert text.startswith("Hej Bo!\n\nDet är dags för lägesrapporten för EST v. 47–48, 16–29 nov.")
    assert "ovanför det citerade mejlet" in text and FAGERSTA.confidentiality.get("sv") in text
    assert reply_form(FAGERSTA) in text and text.count("Skriv inga uppgifter om enskilda personer.") == 1
    assert "<script" not in payload["html"] and "Ordningsstörningar och otrygghet" in payload["html"]
    assert (message.kind, message.channel, message.recipient, message.dedupe_key) == ("prompt", "email",
                                                                                     "bo@fagersta.se", "prompt:12:3")  # fmt: skip
    assert payload["headers"]["To"] == "Bo Berg <bo@fagersta.se>"


def _reply(body: str, subject: str) -> bytes:
    return (
        f"From: Bo Berg <bo@fagersta.se>\r\nTo: lagesbild@fagersta.se\r\nSubject: {subject}\r\n"
        "Message-ID: <r1@fagersta.se>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n" + body.replace("\n", "\r\n")
    ).encode("utf-8")


def test_answers_typed_inside_the_quoted_prompt_are_read_back() -> None:
    prompt = render().payload
    text = (
        prompt["text"]
        .replace(
            "1. Ordningsstörningar och otrygghet\nSvar:\nPåverkan (1–5):",
            "1. Ordningsstörningar och otrygghet\nSvar: Stenkastning mot bussar vid Björkbacken\nPåverkan (1–5): 4",
        )
        .replace(
            "7. Positiva åtgärder eller händelser\nKommentar:",
            "7. Positiva åtgärder eller händelser\nKommentar: Ny fritidsgård",
        )
    )
    assert text.count("Björkbacken") == 1 and text.count("Ny fritidsgård") == 1
    quoted = "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))
    body = f"\n\nSkickat från min iPhone\n\n> 24 nov. 2026 kl. 08:00 skrev Lägesbild <lagesbild@fagersta.se>:\n>\n{quoted}"
    report = parse_email(_reply(body, "Re: " + prompt["subject"]), FAGERSTA)
    assert report["cycle"] == 12 and report["kind"] == "report"
    assert report["answers"]["1"]["observations"] == "Stenkastning mot bussar vid Björkbacken"
    assert report["answers"]["1"]["impact"] == 4
    assert report["answers"]["7"] == {"comment": "Ny fritidsgård"}
    assert set(report["answers"]) == {"1", "7"}


def test_answers_above_the_quoted_prompt_in_both_templates() -> None:
    for preset in ("est-fagersta", "fas-ludvika"):
        questionnaire = load_preset(preset)
        prompt = render(questionnaire).payload
        quoted = "\n".join(f"> {line}" if line else ">" for line in prompt["text"].split("\n"))
        second = "Påverkan: 3" if preset == "est-fagersta" else "Platser och tider: Simhallen, kvällar"
        body = (f"2. Svar: Hot mot personal vid simhallen\n{second}\n\n5. inget\n\nHälsningar Bo\n\n"
                "Den tis 24 nov. 2026 kl 08:00 skrev Lägesbild <lagesbild@fagersta.se>:\n" + quoted)  # fmt: skip
        report = parse_email(_reply(body, "Re: " + prompt["subject"]), questionnaire)
        assert report["answers"]["2"]["observations"] == "Hot mot personal vid simhallen", preset
        assert report["answers"]["5"]["nothing_to_report"], preset
        if preset == "est-fagersta":
            assert report["answers"]["2"]["impact"] == 3
        else:
            assert report["answers"]["2"]["places_times"] == "Simhallen, kvällar"
        assert set(report["answers"]) == {"2", "5"} and report["warnings"] == [], preset
