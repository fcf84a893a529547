"""Fixed digests (DESIGN's JSON) for the digest cards' golden files and validation.

`FAGERSTA` is a compiled digest with an assessment set (red, escalated; yellow, not yet);
`LUDVIKA` has no impact scores (that template asks for places and times instead);
`large_digest()` has so many long items that its details span several cards.
"""

from __future__ import annotations

import copy
from typing import Any

from adaptive_cards.digest import digest_cards
from reporting.questionnaire import load_preset


def _item(summary: str, agencies: list[str], sources: int, places: list[str], times: list[str],
          recurring: dict[str, int] | None = None) -> dict[str, Any]:  # fmt: skip
    return {"summary": summary, "agencies": agencies, "sources": sources, "places": places, "times": times,
            "recurring": recurring}  # fmt: skip


def _impact(
    mean: float | None, top: int | None, dist: list[int], history: list[float], trend: str | None
) -> dict[str, Any]:
    return {"mean": mean, "max": top, "distribution": {str(i + 1): n for i, n in enumerate(dist)},
            "history": history, "trend": trend}  # fmt: skip


def _question(n: str, theme: str, counts: tuple[int, int, int], impact: dict[str, Any], items: list[dict[str, Any]],
              suggested: tuple[str, str], assessment: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "question": n, "theme": theme,
        "counts": {"observations": counts[0], "nothing": counts[1], "not_answered": counts[2]},
        "impact": impact, "items": items,
        "suggested_assessment": {"level": suggested[0], "reason": suggested[1]},
        "assessment": assessment,
    }  # fmt: skip


FAGERSTA: dict[str, Any] = {
    "group": "EST",
    "cycle": 12,
    "period": {"from": "2026-11-16", "to": "2026-11-29"},
    "response": {"reported": 9, "nothing": 3, "not_answered": ["bo@kommun.se"], "away": ["eva@kommun.se"]},
    "questions": [
        _question("1", "Ordningsstörningar och otrygghet", (5, 4, 3), _impact(3.8, 5, [0, 0, 2, 2, 1], [2.1, 2.5, 3.0], "up"),
                  [_item("Skadegörelse på lekplatsen i Brunnsparken — Stökigt i Brunnsparken fredagskvällar, grupper av unga med alkohol.",
                         ["fastighet", "fritid", "fältassistent"], 3, ["Brunnsparken"], ["fredagskvällar", "helger"],
                         {"first_seen_cycle": 10, "cycles_seen": 3}),
                   _item("Mopeder på gångvägarna vid Resecentrum, kvällstid.", ["polis"], 1, ["Resecentrum"], ["kvällstid"],
                         {"first_seen_cycle": 9, "cycles_seen": 2}),
                   _item("Trasig belysning på gångvägen mot Åsgården, ring [telefon].", ["fastighet"], 1, ["Åsgården"], [])],
                  ("red", "Problembilden verkar omfattande (medelpåverkan 3,8) och återkommande (2 av 3 iakttagelser sedda tidigare)."),
                  {"level": "red", "label": "Rött", "comment": "Lyfts till lokala Brå: fler vuxna ute fredagskvällar.",
                   "set_at": "2026-12-02T09:40:00+00:00", "escalated": True}),
        _question("2", "Hot och våld", (1, 8, 3), _impact(2.0, 2, [0, 1, 0, 0, 0], [2.0], "flat"),
                  [_item("Bråk mellan två vuxna vid busstationen, fredag kväll.", ["polis"], 1, ["Busstationen"], ["fredagskvällar"])],
                  ("green", "Problembilden verkar liten (1 rapport, medelpåverkan 2,0) och inget har setts tidigare.")),
        _question("3", "Extremism och kriminella nätverk", (0, 9, 3), _impact(None, None, [0] * 5, [], None), [],
                  ("green", "Inget rapporterat den här perioden.")),
        _question("4", "Ungdomar/skolor", (2, 7, 3), _impact(3.0, 3, [0, 0, 2, 0, 0], [], "new"),
                  [_item("Oro på fritidsgården Kompassen tisdagar efter 19, hot mot personal.", ["fritid", "skola"], 2,
                         ["Kompassen"], ["tisdagar", "efter kl. 19"], {"first_seen_cycle": 11, "cycles_seen": 2})],
                  ("yellow", "Problembilden är återkommande (1 av 1 iakttagelser sedda tidigare)."),
                  {"level": "yellow", "label": "Gult", "comment": "", "set_at": "2026-12-02T09:45:00+00:00", "escalated": False}),
        _question("5", "Alkohol, narkotika, doping, tobak och spel", (0, 9, 3), _impact(None, None, [0] * 5, [2.5], None), [],
                  ("green", "Inget rapporterat den här perioden.")),
        _question("6", "Övrigt", (0, 9, 3), _impact(None, None, [0] * 5, [], None), [],
                  ("green", "Inget rapporterat den här perioden.")),
    ],
    "positive": ["Nattvandring i centrum varje fredag har kommit igång.", "Föräldramöte om trygghet med god uppslutning."],
    "decisions": {
        "open": [],
        "overdue": [],
        "done": [
            {"title": "Orsaksanalys: mopeder vid Resecentrum", "owner": "Cecilia Carlsson (skola)",
             "result": "Samlingsplatsen flyttar efter 22; fältare där."}
        ],
    },  # fmt: skip
    "priorities": ["Buskörning med moped i centrum"],
}  # fmt: skip

LUDVIKA: dict[str, Any] = {
    "group": "FAS",
    "cycle": 40,
    "period": {"from": "2026-10-12", "to": "2026-10-18"},
    "response": {"reported": 3, "nothing": 1, "not_answered": [], "away": []},
    "questions": [
        _question(str(n), theme, counts, _impact(None, None, [0] * 5, [], None), items, suggested)
        for n, theme, counts, items, suggested in [
            (1, "Ordningsstörningar och otrygghet", (1, 3, 0),
             [_item("Nya bränder i papperskorgar.", ["fastighet"], 1, ["Folkets park"], ["helger"],
                    {"first_seen_cycle": 38, "cycles_seen": 3})],
             ("yellow", "Problembilden är återkommande (1 av 1 iakttagelser sedda tidigare).")),
            (2, "Hot och våld", (1, 3, 0), [_item("Hot mot personal i butik igen.", ["polis"], 1, ["Centrum"], ["fredagskvällar"])],
             ("green", "Problembilden verkar liten (1 rapport) och inget har setts tidigare.")),
            (3, "Våldsbejakande extremism och kriminella nätverk", (0, 4, 0), [], ("green", "Inget rapporterat den här perioden.")),
            (4, "Ungdomar/skolor", (0, 4, 0), [], ("green", "Inget rapporterat den här perioden.")),
            (5, "Alkohol, narkotika, dopning och tobak", (1, 3, 0),
             [_item("Misstänkt narkotikaförsäljning.", ["socialtjänst"], 1, ["Ica Maxi"], ["kvällstid"])],
             ("green", "Problembilden verkar liten (1 rapport) och inget har setts tidigare.")),
            (6, "Övrigt", (0, 4, 0), [], ("green", "Inget rapporterat den här perioden.")),
        ]
    ],
    "positive": [],
    "decisions": {"open": [], "overdue": []},
    "priorities": [],
}  # fmt: skip

_LONG = (
    "Skadegörelse på lekplatsen och klotter på väggen mot gångvägen, nedskräpning vid "
    "återvinningsstationen och oro bland boende kvällstid; fastighetsägaren har sanerat. "
)


def large_digest() -> dict[str, Any]:
    """Every question with 30 long items from three agencies and a long positive list."""
    data = copy.deepcopy(FAGERSTA)
    for question in data["questions"]:
        question["items"] = [
            _item(f"{n + 1}. {_LONG * 3}", ["fastighet", "fritid", "polis"], 3, ["Brunnsparken", "Torget"],
                  ["fredagskvällar", "nattetid"], {"first_seen_cycle": 3, "cycles_seen": 9})
            for n in range(30)
        ]  # fmt: skip
    data["positive"] = [f"{n + 1}. {_LONG * 2}" for n in range(40)]
    data["response"]["not_answered"] = [f"rapportor{n}@kommun.se" for n in range(60)]
    return data


def _named(prefix: str, cards: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    summary, *details = cards
    named = {f"digest_summary_{prefix}": summary}
    named.update({f"digest_detail_{prefix}_{i}": card for i, card in enumerate(details, start=1)})
    return named


def digest_sample_cards() -> dict[str, dict[str, Any]]:
    fagersta, ludvika = load_preset("est-fagersta"), load_preset("fas-ludvika")
    readonly = digest_cards(FAGERSTA, fagersta, assess=False)[1:]  # the summary is the same
    return {
        **_named("fagersta", digest_cards(FAGERSTA, fagersta)),
        **{f"digest_detail_fagersta_readonly_{i}": card for i, card in enumerate(readonly, start=1)},
        **_named("ludvika", digest_cards(LUDVIKA, ludvika)),
        **_named("fagersta_en", digest_cards(FAGERSTA, fagersta, locale="en")),
    }


def digest_full_cards() -> dict[str, dict[str, Any]]:
    return _named("large", digest_cards(large_digest(), load_preset("est-fagersta")))
