"""The cycle token in subjects: [LB-12]."""

from __future__ import annotations

import pytest

from intake.cycle_token import format_token, parse_token, with_token


def test_format_and_parse_round_trip() -> None:
    assert format_token(12) == "[LB-12]"
    assert parse_token(f"Lägesrapport v. 47–48 {format_token(12)}") == 12


@pytest.mark.parametrize(
    "subject",
    [
        "SV: Lägesrapport [LB-12]",
        "Re: RE: [lb-12] rapport",
        "VB: Lägesrapport [LB 12]",
        "SV: [LB–12]",
        "[ LB-12 ]",
    ],
)
def test_mangled_tokens_still_parse(subject: str) -> None:
    assert parse_token(subject) == 12


def test_no_token() -> None:
    assert parse_token("Min rapport") is None
    assert parse_token("") is None
    assert parse_token(None) is None
    assert parse_token("LB-12 utan hakparentes") is None


def test_the_last_token_wins_and_with_token_replaces() -> None:
    assert parse_token("SV: Påminnelse [LB-11] [LB-12]") == 12
    assert with_token("Lägesrapport [LB-11]", 12) == "Lägesrapport [LB-12]"
    with pytest.raises(ValueError):
        format_token(-1)
