"""The cycle token in an email subject: ``[LB-12]`` names cycle 12.

The prompt email's subject carries the token; a reply keeps it behind "SV:"/"Re:",
so the intake can map the reply to its cycle. People and clients mangle it a little
("[lb-12]", "[LB 12]", an en dash typed by autocorrect); all of those still parse.
"""

from __future__ import annotations

import re

PREFIX = "LB"

_TOKEN_RE = re.compile(r"\[\s*LB\s*[-\u2010-\u2015 ]?\s*(\d{1,9})\s*\]", re.IGNORECASE)


def format_token(cycle_id: int) -> str:
    """``[LB-12]`` for cycle 12."""
    if cycle_id < 0:
        raise ValueError(f"cycle id must not be negative, got {cycle_id}")
    return f"[{PREFIX}-{cycle_id}]"


def with_token(subject: str, cycle_id: int) -> str:
    """`subject` ending with the cycle's token (once, whatever token it had before)."""
    bare = _TOKEN_RE.sub("", subject).strip()
    return f"{bare} {format_token(cycle_id)}".strip()


def parse_token(text: str | None) -> int | None:
    """The cycle id of the last token in `text`, or None when there is none."""
    if not text:
        return None
    matches = _TOKEN_RE.findall(text)
    return int(matches[-1]) if matches else None
