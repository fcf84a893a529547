"""Personal-data screening: what is flagged and masked, and what must not be."""

from __future__ import annotations

import pytest

from reporting.screening import Finding, kinds, mask, screen

# Valid numbers (date and Luhn check digit), made up for the tests.
PNR_10 = "800101-1231"
PNR_12 = "19800101-1231"
PNR_TEEN = "090315-2387"
SAMORDNING = "800161-1238"


@pytest.mark.parametrize(
    "text",
    [PNR_10, PNR_12, "8001011231", "198001011231", "800101+1231", "800101 1231", PNR_TEEN, "20090315-2387"],
)
def test_identity_numbers_in_every_written_form_are_found(text: str) -> None:
    sentence = f"Pojken ({text}) hotade en kamrat."
    assert kinds(sentence) == ["personnummer"]
    assert mask(sentence) == "Pojken ([personnummer]) hotade en kamrat."


def test_coordination_number_is_its_own_kind_but_masks_as_personnummer() -> None:
    text = f"Samordningsnummer {SAMORDNING} i ärendet."
    assert kinds(text) == ["samordningsnummer"]
    assert mask(text) == "Samordningsnummer [personnummer] i ärendet."


def test_a_number_failing_the_check_digit_is_not_an_identity_number() -> None:
    assert screen("Ärende 800101-1230 hos polisen") == []


@pytest.mark.parametrize(
    "phone",
    ["070-123 45 67", "0701234567", "070 123 45 67", "+46 70 123 45 67", "+46701234567", "0046 70 123 45 67",
     "08-123 456 78", "0240-860 00", "016-15 36 14", "0223-123 45", "08-12 34 56", "+46 (0)70-123 45 67"],
)  # fmt: skip
def test_swedish_phone_numbers_are_found(phone: str) -> None:
    text = f"Ring pappan på {phone} i kväll."
    assert kinds(text) == ["telefon"], phone
    assert mask(text) == "Ring pappan på [telefon] i kväll."


def test_email_addresses_are_found() -> None:
    text = "Skriv till anna.andersson@fagersta.se eller kalle+lb@gmail.com."
    assert mask(text) == "Skriv till [e-post] eller [e-post]."


@pytest.mark.parametrize("plate", ["ABC 123", "ABC123", "ABC 12D", "ABC12D", "abc123"])
def test_registration_numbers_are_found(plate: str) -> None:
    text = f"En bil med {plate} buskör på torget."
    assert kinds(text) == ["regnr"]
    assert mask(text) == "En bil med [regnr] buskör på torget."


@pytest.mark.parametrize(
    "text",
    [
        "Bråk kl. 22.30 vid torget",
        "kl 08-10 och 08.30-10.00",
        "den 2026-11-24 och 24/11 och 01-12-2026",
        "år 2026, under 2025 och 2019-2021",
        "v. 47, v. 47–48, vecka 48",
        "Påverkan 4, påverkan 4/5, 3 av 5, (4), 1–5",
        "Storgatan 12, Västra Storgatan 12–14, lgh 1102",
        "Org.nr 212000-2270",
        "SOS 112 larmades, böter SEK 500, [LB-12]",
        "15–20 ungdomar, 10 000 kr, 2 personer",
        "Tel. växeln",
    ],
)
def test_dates_times_years_scores_addresses_and_weeks_are_not_personal_data(text: str) -> None:
    assert screen(text) == []
    assert mask(text) == text


def test_findings_are_ordered_and_do_not_overlap() -> None:
    text = f"Tel 070-123 45 67, pnr {PNR_10}, bil ABC 123, mejl a@b.se"
    findings = screen(text)
    assert [f.kind for f in findings] == ["telefon", "personnummer", "regnr", "e-post"]
    assert all(a.span[1] <= b.span[0] for a, b in zip(findings, findings[1:], strict=False))
    assert all(isinstance(f, Finding) for f in findings)
    assert mask(text) == "Tel [telefon], pnr [personnummer], bil [regnr], mejl [e-post]"


def test_empty_and_plain_text() -> None:
    assert screen("") == []
    assert mask("Inget att rapportera.") == "Inget att rapportera."
