"""What a person can type in the 1:1 chat, in Swedish with English aliases.

`rapportera` (report), `status`, `frånvarande till 2026-12-30` (away until …),
`tillbaka` (back), `hjälp` (help); for the coordinator and deputy also `stäng` (close the
open period now) and `sammanställning` (the latest digest). Anything else is `unknown`,
answered with help.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE)
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")

WORDS = {
    "report": ("rapportera", "rapport", "report", "kort", "card"),
    "status": ("status", "läge"),
    "back": ("tillbaka", "back", "åter"),
    "help": ("hjälp", "help", "?", "hj"),
    "close": ("stäng", "stang", "close"),
    "digest": ("sammanställning", "sammanstallning", "digest"),
}
AWAY_WORDS = ("frånvarande", "borta", "ledig", "away")


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # report, status, away, back, help, close, digest, unknown
    until: dt.date | None = None
    problem: str | None = None


def parse_command(text: str | None) -> Command:
    cleaned = _MENTION.sub(" ", text or "").strip().lower()
    cleaned = cleaned.strip(" .!")
    if not cleaned:
        return Command("unknown")
    first = cleaned.split()[0]
    for name, words in WORDS.items():
        if cleaned in words or first in words and len(cleaned.split()) == 1:
            return Command(name)
    if first in AWAY_WORDS:
        match = _DATE.search(cleaned)
        if not match:
            return Command("away", problem="Skriv datumet så här: frånvarande till 2026-12-30")
        try:
            return Command("away", until=dt.date.fromisoformat(match.group(1)))
        except ValueError:
            return Command("away", problem=f"{match.group(1)} är inget giltigt datum.")
    return Command("unknown")
