"""Reading the member list a municipality keeps in a spreadsheet.

Columns name,email,agency,roles,channel (any order, header required). `roles` may hold
several, separated by `;` (or `,`/`|` when the file itself is semicolon-separated, as
Swedish Excel saves it). Swedish role and channel words are understood. Every problem
is reported with its line number; the caller decides whether a bad row stops the import.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from reporting.model import Channel, Role

REQUIRED_COLUMNS = ("name", "email", "agency", "roles", "channel")

ROLE_WORDS: dict[str, Role] = {
    "reporter": Role.REPORTER,
    "rapportör": Role.REPORTER,
    "rapportor": Role.REPORTER,
    "coordinator": Role.COORDINATOR,
    "samordnare": Role.COORDINATOR,
    "deputy": Role.DEPUTY,
    "ersättare": Role.DEPUTY,
    "ersattare": Role.DEPUTY,
    "bra": Role.BRA,
    "brå": Role.BRA,
    "admin": Role.ADMIN,
    "administratör": Role.ADMIN,
}
CHANNEL_WORDS: dict[str, Channel] = {
    "teams": Channel.TEAMS,
    "email": Channel.EMAIL,
    "e-post": Channel.EMAIL,
    "epost": Channel.EMAIL,
    "mejl": Channel.EMAIL,
    "mail": Channel.EMAIL,
}
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


@dataclass(frozen=True, slots=True)
class MemberInput:
    line: int
    name: str
    email: str
    agency: str
    roles: frozenset[Role]
    channel: Channel


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"rad {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class MembersFile:
    rows: tuple[MemberInput, ...]
    errors: tuple[RowError, ...]


def normalise_email(value: str) -> str:
    return value.strip().lower()


def _split_roles(value: str, delimiter: str) -> list[str]:
    separators = "[;|]" if delimiter == "," else "[,|]"
    return [part.strip().lower() for part in re.split(separators, value) if part.strip()]


def _parse_row(line: int, raw: dict[str, str], delimiter: str) -> MemberInput | RowError:
    values = {key: (raw.get(key) or "").strip() for key in REQUIRED_COLUMNS}
    if not values["name"]:
        return RowError(line, "namn saknas")
    email = normalise_email(values["email"])
    if not _EMAIL.match(email):
        return RowError(line, f"ogiltig e-postadress: {values['email']!r}")
    if not values["agency"]:
        return RowError(line, "verksamhet (agency) saknas")
    words = _split_roles(values["roles"], delimiter)
    if not words:
        return RowError(line, "roll saknas (reporter, coordinator, deputy, bra eller admin)")
    unknown = [w for w in words if w not in ROLE_WORDS]
    if unknown:
        return RowError(line, f"okänd roll: {', '.join(unknown)}")
    channel = CHANNEL_WORDS.get(values["channel"].lower())
    if channel is None:
        return RowError(line, f"okänd kanal: {values['channel']!r} (teams eller email)")
    return MemberInput(
        line=line,
        name=values["name"],
        email=email,
        agency=values["agency"].lower(),
        roles=frozenset(ROLE_WORDS[w] for w in words),
        channel=channel,
    )


def parse_members_csv(text: str) -> MembersFile:
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return MembersFile((), (RowError(1, f"kolumn saknas i rubrikraden: {', '.join(missing)}"),))
    reader.fieldnames = header
    rows: list[MemberInput] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue
        if None in raw:
            errors.append(RowError(line, "för många kolumner"))
            continue
        parsed = _parse_row(line, raw, delimiter)
        if isinstance(parsed, RowError):
            errors.append(parsed)
        elif parsed.email in seen:
            errors.append(RowError(line, f"{parsed.email} finns redan på rad {seen[parsed.email]}"))
        else:
            seen[parsed.email] = line
            rows.append(parsed)
    return MembersFile(tuple(rows), tuple(errors))
