"""Telling reports from out-of-office replies, bounces and unknown senders."""

from __future__ import annotations

import pytest

from intake.classify import Kind, classify
from intake.mime import parse_message


def message(headers: str, body: str = "1. inget") -> bytes:
    base = "From: Anna Andersson <anna@fagersta.se>\nTo: lagesbild@fagersta.se\nMessage-ID: <x@y>\n"
    return (base + headers.strip() + "\n\n" + body).encode()


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: SV: Lägesrapport\nAuto-Submitted: auto-replied",
        "Subject: SV: Lägesrapport\nAuto-Submitted: auto-generated",
        "Subject: SV: Lägesrapport\nX-Auto-Response-Suppress: All",
        "Subject: SV: Lägesrapport\nPrecedence: bulk",
        "Subject: SV: Lägesrapport\nPrecedence: junk",
        "Subject: SV: Lägesrapport\nPrecedence: list",
        "Subject: SV: Lägesrapport\nPrecedence: auto_reply",
        "Subject: Automatiskt svar: Lägesrapport [LB-12]",
        "Subject: =?utf-8?Q?Fr=C3=A5nvarande?=",
        "Subject: Out of Office: Lägesrapport",
        "Subject: Autosvar: Lägesrapport",
        "Subject: Automatic reply: Lägesrapport",
    ],
)
def test_auto_replies(headers: str) -> None:
    assert classify(parse_message(message(headers))).kind is Kind.AUTO_REPLY


def test_auto_submitted_no_is_a_person() -> None:
    msg = parse_message(message("Subject: SV: Lägesrapport [LB-12]\nAuto-Submitted: no"))
    assert classify(msg).kind is Kind.REPORT


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: Undelivered Mail\nContent-Type: multipart/report; report-type=delivery-status; boundary=b",
        "Subject: x\nFrom: MAILER-DAEMON@mx.fagersta.se",
        "Subject: x\nFrom: postmaster@fagersta.se",
        "Subject: Undeliverable: Lägesrapport\nReturn-Path: <>",
        "Subject: x\nX-Failed-Recipients: kent@fagersta.se",
    ],
)
def test_bounces(headers: str) -> None:
    data = message(headers)
    if b"\nFrom: MAILER" in data or b"\nFrom: postmaster" in data:
        data = data.replace(b"From: Anna Andersson <anna@fagersta.se>\n", b"", 1)
    assert classify(parse_message(data)).kind is Kind.BOUNCE


def test_a_bounce_that_also_says_auto_submitted_is_a_bounce() -> None:
    data = message(
        "Subject: Undelivered\nAuto-Submitted: auto-replied\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b"
    )
    assert classify(parse_message(data)).kind is Kind.BOUNCE


def test_read_receipt_is_an_auto_reply() -> None:
    data = message(
        "Subject: Läst: Lägesrapport\nContent-Type: multipart/report; report-type=disposition-notification"
    )
    assert classify(parse_message(data)).kind is Kind.AUTO_REPLY


def test_unknown_sender_only_with_a_directory() -> None:
    msg = parse_message(message("Subject: SV: Lägesrapport [LB-12]"))
    assert classify(msg).kind is Kind.REPORT
    assert classify(msg, lambda addr: addr == "anna@fagersta.se").kind is Kind.REPORT
    result = classify(msg, lambda addr: False)
    assert result.kind is Kind.UNKNOWN_SENDER and result.reason == "anna@fagersta.se"


def test_a_real_reply_mentioning_absence_is_still_a_report() -> None:
    msg = parse_message(
        message("Subject: SV: Lägesrapport [LB-12]", "6. Frånvarande personal på skolan oroar.")
    )
    assert classify(msg).kind is Kind.REPORT
