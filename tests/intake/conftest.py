"""Helpers for the intake tests: fixture mail addressed to the seeded municipality."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.intake.servers import Dovecot, start_dovecot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "email"
IMAP_USER, IMAP_PASSWORD = "lagesbild", "imap-hemligt"
FIXTURE_PROMPT_ID = b"<lb.12.3.1732435200@lagesbild.fagersta.se>"


def fixture_mail(
    name: str,
    *,
    sender: str,
    cycle_id: int | None = None,
    in_reply_to: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """A fixture email as if `sender` wrote it in reply to the prompt of `cycle_id`.

    The From header is replaced; ``[LB-12]`` becomes ``[LB-{cycle_id}]`` (or is removed
    when `cycle_id` is None); the fixture's prompt Message-ID becomes `in_reply_to` (or
    is removed)."""
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    raw = re.sub(rb"(?m)^From: [^\r\n]*", f"From: {sender}".encode(), raw, count=1)
    token = f"[LB-{cycle_id}]".encode() if cycle_id is not None else b""
    raw = raw.replace(b"[LB-12]", token)
    raw = raw.replace(
        FIXTURE_PROMPT_ID, in_reply_to.encode() if in_reply_to else b"<elsewhere@example.invalid>"
    )
    if message_id is not None:
        raw = re.sub(rb"(?mi)^Message-I[dD]: [^\r\n]*", f"Message-ID: {message_id}".encode(), raw, count=1)
    return raw


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A throwaway Dovecot with one mailbox user (see tests/intake/servers.py)."""
    server = start_dovecot({IMAP_USER: IMAP_PASSWORD})
    try:
        yield server
    finally:
        server.stop()
