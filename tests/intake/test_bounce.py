"""Reading who a bounce is about from its delivery report (RFC 3464)."""

from __future__ import annotations

from pathlib import Path

from intake.bounce import FailedRecipient, failed_recipients

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "email"


def test_postfix_and_exchange_reports_name_the_failed_address() -> None:
    assert failed_recipients((FIXTURES / "bounce_postfix_dsn.eml").read_bytes()) == [
        FailedRecipient("tidigare.anstalld@fagersta.se", "5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound")
    ]
    [exchange] = failed_recipients((FIXTURES / "bounce_exchange_ndr_sv.eml").read_bytes())
    assert (exchange.address, exchange.status) == ("kent.berg@fagersta.se", "5.1.1")


def test_a_delayed_delivery_or_a_plain_mail_names_no_one() -> None:
    delayed = (FIXTURES / "bounce_postfix_dsn.eml").read_bytes().replace(
        b"Action: failed\nStatus: 5.1.10", b"Action: delayed\nStatus: 4.4.1"
    )
    assert b"Action: delayed" in delayed
    assert failed_recipients(delayed) == []
    assert failed_recipients((FIXTURES / "outlook_sv_above_quote.eml").read_bytes()) == []
    assert failed_recipients(b"\xff\xfe not a mail at all") == []
