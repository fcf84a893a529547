"""Personal-data screening of free text: find, and mask, data about individuals.

Both report templates say that data about individuals must not be reported. This
module finds what can be recognised mechanically in a reporter's free text, for the
Teams card and the email intake alike:

- Swedish personal identity numbers and coordination numbers (10 or 12 digits, with
  or without ``-``/``+``), each candidate checked with the ``personnummer`` package
  (date and Luhn check digit), so that dates, times and organisation numbers pass;
- Swedish phone numbers (``070-123 45 67``, ``+46 70 123 45 67``, ``08-123 456 78``);
- email addresses;
- Swedish vehicle registration numbers (``ABC 123``, ``ABC12D``).

``screen(text)`` lists the findings; ``mask(text)`` replaces them with ``[personnummer]``,
``[telefon]``, ``[e-post]`` or ``[regnr]`` (a coordination number masks as
``[personnummer]``). Pure functions, no I/O.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Literal

from personnummer import personnummer

Kind = Literal["personnummer", "samordningsnummer", "telefon", "e-post", "regnr"]

MASKS: dict[str, str] = {
    "personnummer": "[personnummer]",
    "samordningsnummer": "[personnummer]",
    "telefon": "[telefon]",
    "e-post": "[e-post]",
    "regnr": "[regnr]",
}

# Higher wins when two findings overlap.
_PRIORITY = {"e-post": 5, "personnummer": 4, "samordningsnummer": 4, "telefon": 3, "regnr": 1}


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data: its kind and where it is (``text[span[0]:span[1]]``)."""

    kind: Kind
    span: tuple[int, int]


# 6 or 8 digits, an optional separator (the `personnummer` package knows - and +;
# a space is also what people type), then 4 digits. Not part of a longer number.
_ID_RE = re.compile(r"(?<![\d\-+])(\d{8}|\d{6})([-+ ]?)(\d{4})(?![\d])")

# A Swedish number: +46 / 0046 (optionally "(0)") or a trunk 0, then 7–9 more digits,
# separated by at most one space or hyphen (with spaces around it) between digits.
_PHONE_RE = re.compile(
    r"(?<![\w+])"
    r"(?:(?:\+|00)46[ \-]?(?:\(0\)[ ]?)?|0)"
    r"[1-9](?:(?: ?- ?| )?\d){6,8}"
    r"(?![\d])"
)
# Dates and times that the phone pattern would otherwise catch: 01-12-2026, 08-10.
_DATE_LIKE_RE = re.compile(r"^\d{2}[-./]\d{2}[-./]\d{2,4}$")

_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")

# Letters used on Swedish plates (no I, Q, V, Å, Ä, Ö); the last position may be a
# letter (not O) since 2019. Upper case with an optional space, or all lower case
# without one ("abc123").
_PLATE_LETTERS = "A-HJ-PR-UW-Z"
_REGNR_RE = re.compile(
    rf"(?<![\w\-])(?:[{_PLATE_LETTERS}]{{3}} ?\d{{2}}[\dA-HJ-NPR-UW-Z]"
    rf"|[{_PLATE_LETTERS.lower()}]{{3}}\d{{2}}[\da-hj-npr-uw-z])(?![\w\-])"
)
# Acronyms people put before a number that look like a plate: "SOS 112", "SEK 500".
_NOT_PLATES = frozenset({"SOS", "SEK", "EUR", "USD", "NOK", "DKK", "GBP", "TEL", "MOB", "FAX", "NUM", "NRS"})


_DIGIT_RE = re.compile(r"\d")


def _id_numbers(text: str) -> list[Finding]:
    found = []
    for m in _ID_RE.finditer(text):
        head, sep, tail = m.groups()
        candidate = f"{head}{sep.strip()}{tail}"
        if sep == "" and len(head) == 6 and head.startswith("07") and _PHONE_RE.fullmatch(m.group()):
            continue  # 0701234567 is a mobile number; the phone pattern reports it
        try:
            number = personnummer.parse(candidate)
        except personnummer.PersonnummerException:
            continue
        kind: Kind = "samordningsnummer" if number.is_coordination_number() else "personnummer"
        found.append(Finding(kind, m.span()))
    return found


def _phones(text: str) -> list[Finding]:
    found = []
    for m in _PHONE_RE.finditer(text):
        value = m.group()
        if _DATE_LIKE_RE.match(value):
            continue
        found.append(Finding("telefon", m.span()))
    return found


def _emails(text: str) -> list[Finding]:
    return [Finding("e-post", m.span()) for m in _EMAIL_RE.finditer(text)]


def _plates(text: str) -> list[Finding]:
    return [Finding("regnr", m.span()) for m in _REGNR_RE.finditer(text) if m.group()[:3] not in _NOT_PLATES]


def screen(text: str) -> list[Finding]:
    """Every piece of personal data found in `text`, in order, without overlaps."""
    if not text:
        return []
    has_digits = _DIGIT_RE.search(text) is not None
    candidates = _emails(text) if "@" in text else []
    if has_digits:
        candidates += _id_numbers(text) + _phones(text) + _plates(text)
    # Keep the highest-priority finding where two overlap. `kept` is disjoint and in order of
    # position, so a candidate need only be checked against its two neighbours there (a
    # quoted thread can hold thousands of addresses; checking all kept ones was quadratic).
    candidates.sort(key=lambda f: (-_PRIORITY[f.kind], f.span[0]))
    kept: list[Finding] = []
    starts: list[int] = []
    for finding in candidates:
        start, end = finding.span
        i = bisect.bisect_right(starts, start)
        if (i > 0 and kept[i - 1].span[1] > start) or (i < len(kept) and kept[i].span[0] < end):
            continue
        kept.insert(i, finding)
        starts.insert(i, start)
    return kept


def kinds(text: str) -> list[str]:
    """The distinct kinds found in `text`, in order of first appearance."""
    seen: dict[str, None] = {}
    for finding in screen(text):
        seen.setdefault(finding.kind, None)
    return list(seen)


def mask(text: str) -> str:
    """`text` with each finding replaced by its mask, e.g. ``[personnummer]``."""
    findings = screen(text)
    if not findings:
        return text
    parts = []
    position = 0
    for finding in findings:
        start, end = finding.span
        parts.append(text[position:start])
        parts.append(MASKS[finding.kind])
        position = end
    parts.append(text[position:])
    return "".join(parts)
