"""Places and times in a reporter's free text.

Places are the municipality's own place names (`lagesbild places import`), found whole
and case-insensitively, also in their genitive and definite forms ("Brunnsparkens",
"Torget"/"torgets"); the longest name wins where names overlap ("Västanfors IP" before
"Västanfors"). In the places-and-times field of the Ludvika template, a comma-separated
part that is neither a known place nor a time is taken as a place too ("Marnäs, helger").

Times are the expressions people write, each folded to one canonical wording:
"i helgen", "under helgerna" → "helger"; "fredag kväll", "fredagskvällen" →
"fredagskvällar"; "efter skoltid" → "efter skolan"; "på natten" → "nattetid";
"efter 22" → "efter kl. 22". `TIME_EXPRESSIONS` is the table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

_DAYS = {"mån": "måndag", "tis": "tisdag", "ons": "onsdag", "tors": "torsdag", "tor": "torsdag",
         "fre": "fredag", "lör": "lördag", "sön": "söndag"}  # fmt: skip
_DAY = r"(mån|tis|ons|tors?|fre|lör|sön)dag"


def _day(prefix: str) -> str:
    return _DAYS[prefix.lower()]


# (pattern, canonical) in priority order; the canonical may use the match (a callable).
# Matching is case-insensitive and whole-word; an earlier pattern's match is not reused.
TIME_EXPRESSIONS: tuple[tuple[str, str | object], ...] = (
    (rf"{_DAY}(?:ar|en)?\s*(?:[-–]|till|och)\s*{_DAY}(?:ar|en)?", "range"),
    (rf"{_DAY}s?\s?kväll(?:ar|arna|en)?|{_DAY}(?:ar|en)?\s+kväll(?:ar|arna|en)?", "evening"),
    (rf"{_DAY}s?\s?nätter(?:na)?|{_DAY}s?\s?natt(?:en)?|natt(?:en)?\s+(?:mot|till)\s+{_DAY}(?:en)?", "night"),
    (rf"{_DAY}(?:ar|arna|en)?", "day"),
    (r"helg(?:en|er|erna|dag(?:ar|arna)?|kväll(?:ar|arna|en)?|nätter(?:na)?)?|veckoslut(?:et|en)?", "helger"),
    (r"efter\s+(?:skolan|skoltid(?:en)?|skoldagen(?:s\s+slut)?|skolans\s+slut)", "efter skolan"),
    (r"under\s+skoltid(?:en)?|på\s+skoltid", "skoltid"),
    (r"(?:på\s+)?(?:lunch)?rast(?:en|er|erna)", "raster"),
    (r"lunch(?:tid(?:en)?|en)?", "lunchtid"),
    (r"nattetid|(?:på|under|sent\s+på)\s+natten|nätter(?:na)?|natt(?:en)?", "nattetid"),
    (
        r"kvällstid(?:en)?|(?:på|under|sent\s+på)\s+kvällen|(?:sena\s+)?kvällar(?:na)?|kväll(?:en)?",
        "kvällstid",
    ),
    (r"dagtid(?:en)?|(?:på|under)\s+dagen", "dagtid"),
    (r"morgnar(?:na)?|(?:på|tidigt\s+på)\s+morgonen|morgon(?:en)?|förmiddag(?:ar|arna|en)?", "morgnar"),
    (r"eftermiddag(?:ar|arna|en)?", "eftermiddagar"),
    (r"(?:sommar|höst|jul|sport|påsk)lov(?:et)?", "lov"),
    (r"valborg(?:smässoafton)?", "valborg"),
    (r"midsommar(?:afton|helgen)?", "midsommar"),
    (r"nyårsafton|nyår(?:et)?", "nyår"),
    (r"skolavslutning(?:en|ar|arna)?", "skolavslutningen"),
    (r"halloween", "halloween"),
    (
        r"(?:mellan\s+(?:kl(?:\.|ockan)?\s*)?|kl(?:\.|ockan)?\s*)([01]?\d|2[0-3])(?:[.:]([0-5]\d))?\s*(?:[-–]|och)\s*"
        r"(?:kl(?:\.|ockan)?\s*)?([01]?\d|2[0-3])(?:[.:]([0-5]\d))?(?!\d)",
        "clock_range",
    ),
    (
        r"(?:efter|från)\s+(?:kl(?:\.|ockan)?\s*)?([01]?\d|2[0-3])(?:[.:]([0-5]\d))?(?!\d)"
        r"(?!\s*(?:min|tim|sek|dag|dygn|veck|mån|år|st\b|st\.|pers|ungdom|barn|elev|vuxn|gång|ggr|%))",
        "after",
    ),
    (r"kl(?:\.|ockan)?\s*([01]?\d|2[0-3])(?:[.:]([0-5]\d))?(?!\d)", "clock"),
)

_COMPILED = tuple(
    (re.compile(rf"(?<![\w-])(?:{pattern})(?![\w])", re.IGNORECASE), canonical)
    for pattern, canonical in TIME_EXPRESSIONS
)


def _clock(hour: str, minute: str | None) -> str:
    return f"{int(hour):02d}" if not minute or minute == "00" else f"{int(hour):02d}.{minute}"


def _canonical(kind: str | object, match: re.Match[str]) -> str:
    groups = [g for g in match.groups()]
    if kind == "range":
        days = [g for g in groups if g]
        return f"{_day(days[0])}–{_day(days[1])}"
    if kind == "evening":
        day = next(g for g in groups if g)
        return f"{_day(day)}skvällar"
    if kind == "night":
        day = next(g for g in groups if g)
        return f"{_day(day)}snätter"
    if kind == "day":
        return f"{_day(groups[0])}ar"
    if kind == "clock_range":
        return f"kl. {_clock(groups[0], groups[1])}–{_clock(groups[2], groups[3])}"
    if kind == "clock":
        return f"kl. {_clock(groups[0], groups[1])}"
    if kind == "after":
        return f"efter kl. {_clock(groups[0], groups[1])}"
    assert isinstance(kind, str)
    return kind


@dataclass(frozen=True, slots=True)
class Found:
    value: str
    span: tuple[int, int]


def find_times(text: str) -> list[Found]:
    """Time expressions in order of appearance, canonical, without overlaps."""
    taken: list[tuple[int, int]] = []
    found: list[Found] = []
    for pattern, kind in _COMPILED:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            found.append(Found(_canonical(kind, match), (start, end)))
    found.sort(key=lambda f: f.span)
    return found


def times_in(text: str) -> list[str]:
    return list(dict.fromkeys(f.value for f in find_times(text)))


def clean_place_names(lines: Iterable[str]) -> list[str]:
    """A place list as imported: one name a line; blank lines and `#` comments skipped,
    whitespace folded, duplicates (ignoring case) dropped, order kept."""
    seen: set[str] = set()
    names = []
    for line in lines:
        name = " ".join(line.split("#", 1)[0].split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


class PlaceMatcher:
    """Finds the municipality's place names in text."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        by_key = {n.casefold(): n for n in names}
        self._by_key = by_key
        ordered = sorted(by_key, key=len, reverse=True)
        if ordered:
            alternatives = "|".join(r"\s+".join(re.escape(p) for p in key.split()) for key in ordered)
            self._pattern: re.Pattern[str] | None = re.compile(
                rf"(?<![\w-])({alternatives})(?:s|en|ens|et|ets|n|ns)?(?![\w])", re.IGNORECASE
            )
        else:
            self._pattern = None

    def find(self, text: str) -> list[Found]:
        if self._pattern is None:
            return []
        found = []
        for match in self._pattern.finditer(text):
            key = " ".join(match.group(1).casefold().split())
            found.append(Found(self._by_key[key], match.span()))
        return found

    def places_in(self, text: str) -> list[str]:
        return list(dict.fromkeys(f.value for f in self.find(text)))


@lru_cache(maxsize=64)
def matcher(names: tuple[str, ...]) -> PlaceMatcher:
    return PlaceMatcher(names)


_FILLER = re.compile(r"^(?:(?:vid|i|på|kring|runt|utanför|inne\s+på|mot|och|samt|bl\.?\s*a\.?)\s+)+", re.I)
_LETTERS = re.compile(r"[^\W\d_]")
MAX_FREE_PLACE = 40
_NOT_PLACE_WORDS = (
    "kl kl. klockan och samt ca cirka ibland ofta på i vid mot kring runt ute inne hela tiden "
    "överallt flera platser olika platser oklart okänt"
)
_NOT_PLACES = frozenset(_NOT_PLACE_WORDS.split())


def free_places(places_times: str, known: PlaceMatcher) -> list[str]:
    """Places named in a places-and-times field that are not on the municipality's list:
    the parts between commas that are left when known places and times are taken out."""
    result = []
    for part in re.split(r"[,;\n/]+", places_times):
        rest = part
        for found in sorted(known.find(part) + find_times(part), key=lambda f: f.span, reverse=True):
            rest = rest[: found.span[0]] + " " + rest[found.span[1] :]
        rest = _FILLER.sub("", " ".join(rest.split())).strip(" .:-–")
        rest = re.sub(r"\s+(?:och|samt|,)$", "", rest)
        if not rest or len(rest) > MAX_FREE_PLACE or not _LETTERS.search(rest) or len(rest.split()) > 3:
            continue
        if rest.lower() in _NOT_PLACES or (len(rest.split()) > 1 and not rest[0].isupper()):
            continue
        result.append(rest[0].upper() + rest[1:])
    return list(dict.fromkeys(result))
