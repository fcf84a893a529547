"""The digest's rules as units: similarity, places and times, grouping, recurrence, trend,
the suggestion, the month and the county's due date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reporting.digest.grouping import GROUP_THRESHOLD, Observation, group_observations, split_observations
from reporting.digest.month import compile_month, county_export_due, first_working_day_of, parse_month
from reporting.digest.places import PlaceMatcher, clean_place_names, free_places, times_in
from reporting.digest.recurrence import RECUR_THRESHOLD, EarlierObservations
from reporting.digest.suggestion import suggest
from reporting.digest.text import Idf, cosine, stem, term_counts, words
from reporting.digest.trends import history_means, impact_of, trend_of
from reporting.questionnaire import load_preset

PLACES = PlaceMatcher(["Brunnsparken", "Brunnsskolan", "Resecentrum", "Torget", "Kompassen", "Västanfors",
                       "Västanfors IP", "Fagersta centrum", "Åsgården"])  # fmt: skip

BACKGROUND = [
    "Ungdomar samlas och det är stökigt", "Skadegörelse på skolan", "Nedskräpning vid återvinningsstationen",
    "Oro bland boende kvällstid", "Bråk mellan ungdomar", "Hot mot personal", "Klotter på väggar",
    "Inbrott i källarförråd", "Buskörning med EPA-traktorer", "Langning av alkohol till unga",
] * 4  # fmt: skip


def _idf(*texts: str) -> Idf:
    return Idf(term_counts(t, PLACES.places_in(t), 2.0) for t in [*texts, *BACKGROUND])


def _similarity(a: str, b: str) -> float:
    idf = _idf(a, b)
    return cosine(*(idf.vector(term_counts(t, PLACES.places_in(t), 2.0)) for t in (a, b)))


# --- text ---------------------------------------------------------------------------------


def test_the_swedish_stemmer_folds_inflections() -> None:
    assert stem("brunnsparkens") == stem("brunnsparken")
    assert stem("ungdomarna") == stem("ungdomar")
    assert stem("fritidsgården") == stem("fritidsgård")


def test_words_drop_numbers_and_function_words_count_nothing() -> None:
    assert words("Bråk 2 gånger, vid 22.00!") == ["bråk", "gånger", "vid"]
    assert term_counts("och på vid i det som") == {}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Klotter på Brunnsskolans gavel i helgen.",
            "Mycket klottrat på Brunnsskolan, väggen mot skolgården.",
        ),
        (
            "Buskörning med moped runt Resecentrum kvällstid.",
            "Mopeder som kör på gångvägarna vid resecentrum.",
        ),
        (
            "Oro på fritidsgården Kompassen tisdagar efter 19.",
            "Bråk mellan ungdomar på Kompassen, tisdag kväll.",
        ),
        ("Buskörning med mopeder i centrum på kvällarna.", "Mopedbuskörning kvällstid, mopeder i centrum."),
    ],
)
def test_the_same_event_in_other_words_is_similar(a: str, b: str) -> None:
    assert _similarity(a, b) >= GROUP_THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Klotter på Brunnsskolans gavel i helgen.", "Bråk mellan ungdomar på Kompassen, tisdag kväll."),
        ("Ungdomar samlas i Brunnsparken fredagskvällar.", "Ungdomar samlas vid Resecentrum på kvällarna."),
        ("Skadegörelse på lekplatsen vid Åsgården.", "Skadegörelse på busskurer i Fagersta centrum."),
    ],
)
def test_different_events_are_not(a: str, b: str) -> None:
    assert _similarity(a, b) < GROUP_THRESHOLD


# --- places and times ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("Bråk vid busstationen, fredag kväll.", ["fredagskvällar"]),
        ("Fredagskvällen var stökig", ["fredagskvällar"]),
        ("Oro på fritidsgården tisdagar efter 19.", ["tisdagar", "efter kl. 19"]),
        ("i helgen och under helgerna, nattetid", ["helger", "nattetid"]),
        ("efter skoltid vid Risbroskolan", ["efter skolan"]),
        ("mellan kl 22 och 02 på lördagsnätter", ["kl. 22–02", "lördagsnätter"]),
        ("natten mot lördag", ["lördagsnätter"]),
        ("Folkets park, fredag–lördag efter 22", ["fredag–lördag", "efter kl. 22"]),
        ("på lunchrasterna", ["raster"]),
        ("sent på kvällen", ["kvällstid"]),
        ("under sommarlovet", ["lov"]),
        ("efter 2 veckor kom 3 personer", []),
        ("v. 47–48, 16–29 nov", []),
        ("nattvandring varje fredag", ["fredagar"]),
    ],
)
def test_time_expressions_are_found_and_folded(text: str, times: list[str]) -> None:
    assert times_in(text) == times


def test_places_are_found_in_their_inflected_forms_longest_name_first() -> None:
    assert PLACES.places_in("Klotter i Brunnsparkens lekpark") == ["Brunnsparken"]
    assert PLACES.places_in("Match på Västanfors IP och i Västanfors") == ["Västanfors IP", "Västanfors"]
    assert PLACES.places_in("vid torget och på torgets norra del") == ["Torget"]
    assert PLACES.places_in("i fagersta  centrum") == ["Fagersta centrum"]
    assert PLACES.places_in("Brunnsparkenvägen") == []
    assert PlaceMatcher([]).places_in("Brunnsparken") == []


def test_places_and_times_fields_name_places_not_on_the_list() -> None:
    assert free_places("Marnäs, helger", PLACES) == ["Marnäs"]
    assert free_places("Folkets park, fredag–lördag efter 22", PLACES) == ["Folkets park"]
    assert free_places("vid Ica Maxi och Brunnsparken, efter 22", PLACES) == ["Ica Maxi"]
    assert free_places("ungdomar som samlas, på kvällarna", PLACES) == []
    assert free_places("olika platser, ibland", PLACES) == []


def test_a_place_list_file_is_cleaned() -> None:
    lines = ["# Fagersta", "Brunnsparken", "", "  Västanfors   IP  ", "brunnsparken", "Torget # torghandel"]
    assert clean_place_names(lines) == ["Brunnsparken", "Västanfors IP", "Torget"]


# --- grouping ------------------------------------------------------------------------------


def test_an_answer_splits_at_bullets_and_lines_and_joins_wrapped_lines() -> None:
    text = "- Klotter vid Torget.\n- Bränder i papperskorgar\n  natten mot lördag.\n\n• Skadegörelse på busskurer"
    assert split_observations(text) == [
        "Klotter vid Torget.",
        "Bränder i papperskorgar natten mot lördag.",
        "Skadegörelse på busskurer",
    ]
    assert split_observations("Oro på fritidsgården\nefter 19 varje tisdag") == [
        "Oro på fritidsgården efter 19 varje tisdag"
    ]
    assert split_observations("Bråk i centrum.\nKlotter vid skolan.") == [
        "Bråk i centrum.",
        "Klotter vid skolan.",
    ]


def _obs(text: str, source: int, agency: str) -> Observation:
    return Observation(text, source, agency, tuple(PLACES.places_in(text)), tuple(times_in(text)))


def _groups(*observations: Observation) -> list[Any]:
    return group_observations(list(observations), Idf(o.counts() for o in [*observations]))


def test_the_same_place_from_three_agencies_is_one_item_with_three_sources() -> None:
    groups = _groups(
        _obs("Skadegörelse på lekplatsen i Brunnsparken igen, glas och klotter.", 1, "fastighet"),
        _obs("Mopeder på gångvägarna vid Resecentrum, kvällstid.", 2, "polis"),
        _obs("Stökigt i Brunnsparken fredagskvällar, grupper av unga med alkohol.", 3, "fältassistent"),
        _obs("Boende oroliga för ungdomsgäng i Brunnsparken på helgerna.", 4, "socialtjänst"),
    )
    assert [g.sources for g in groups] == [3, 1]
    park = groups[0]
    assert park.agencies == ["fastighet", "fältassistent", "socialtjänst"]
    assert park.places == ["Brunnsparken"]
    assert park.times == ["fredagskvällar", "helger"]
    assert park.source_ids == [1, 3, 4]
    assert park.summary.count(" — ") == 2  # three different things told once each


def test_the_same_event_without_a_place_is_grouped_and_told_once() -> None:
    groups = _groups(
        _obs("Buskörning med mopeder i centrum på kvällarna.", 1, "polis"),
        _obs("Mopedbuskörning kvällstid, mopeder i centrum.", 2, "fritid"),
        _obs("Langning av alkohol till unga.", 3, "socialtjänst"),
    )
    assert [g.sources for g in groups] == [2, 1]
    assert " — " not in groups[0].summary


def test_two_lines_of_one_report_are_one_source() -> None:
    groups = _groups(
        _obs("Klotter i Brunnsparken.", 7, "fastighet"), _obs("Krossat glas i Brunnsparken.", 7, "fastighet")
    )
    assert len(groups) == 1 and groups[0].sources == 1


# --- recurrence ---------------------------------------------------------------------------


def test_recurrence_names_the_first_cycle_and_counts_this_one() -> None:
    texts = {
        10: ["Stökigt i Brunnsparken fredagskvällar."],
        11: ["Inbrott i förråd på Åsgården."],
        12: ["Ungdomar stökar i Brunnsparken på fredagskvällarna."],
    }
    current = "Stökigt i Brunnsparken på fredagskvällar igen."
    idf = Idf(term_counts(t, PLACES.places_in(t)) for t in [current, *sum(texts.values(), []), *BACKGROUND])
    earlier = EarlierObservations()
    for cycle, lines in texts.items():
        for line in lines:
            earlier.add(cycle, idf.vector(term_counts(line, PLACES.places_in(line))))
    found = earlier.recurring(idf.vector(term_counts(current, PLACES.places_in(current))))
    assert found is not None and found.as_json() == {"first_seen_cycle": 10, "cycles_seen": 3}
    new = "Hot mot personal på biblioteket."
    assert earlier.recurring(idf.vector(term_counts(new)), RECUR_THRESHOLD) is None


# --- impact and trend ------------------------------------------------------------------------


def test_impact_mean_max_distribution_and_trend() -> None:
    impact = impact_of([3, 4, 4, 2, 5], [2.1, 2.5, 3.0])
    assert impact.as_json() == {
        "mean": 3.6,
        "max": 5,
        "distribution": {"1": 0, "2": 1, "3": 1, "4": 2, "5": 1},
        "history": [2.1, 2.5, 3.0],
        "trend": "up",
    }
    assert impact_of([], [2.0]).as_json()["trend"] is None
    assert impact_of([2], []).trend == "new"


@pytest.mark.parametrize(
    ("current", "history", "trend"),
    [(3.8, [3.0, 3.7, 3.2], "up"), (2.8, [3.0, 3.7, 3.2], "down"), (3.4, [3.0, 3.7, 3.2], "flat"),
     (2.0, [], "new"), (None, [3.0], None)],
)  # fmt: skip
def test_trend_against_the_mean_of_history(
    current: float | None, history: list[float], trend: str | None
) -> None:
    assert trend_of(current, history) == trend


def test_history_takes_the_last_three_cycles_skipping_those_without_scores() -> None:
    earlier = [{"1": [1]}, {"1": [2, 3]}, {"2": [5]}, {"1": [4]}, {"1": [3, 3, 4]}]
    assert history_means(earlier, "1") == [4.0, 3.3]
    assert history_means(earlier, "6") == []


# --- suggestion ------------------------------------------------------------------------------


def _item(sources: int, agencies: list[str], recurring: bool) -> dict[str, Any]:
    return {
        "sources": sources,
        "agencies": agencies,
        "places": [],
        "recurring": {"first_seen_cycle": 3, "cycles_seen": 4} if recurring else None,
    }


def test_red_is_extensive_and_recurring() -> None:
    s = suggest(observations=4, mean=3.8, max_impact=4, scores=4, items=[_item(1, ["polis"], True)])
    assert s.level == "red" and "omfattande" in s.reason and "återkommande" in s.reason
    wide = suggest(observations=3, mean=None, max_impact=None, items=[_item(3, ["polis", "skola"], True)])
    assert wide.level == "red" and "3 rapporter från 2 verksamheter" in wide.reason
    five = suggest(observations=1, mean=5.0, max_impact=5, scores=1, items=[_item(1, ["polis"], True)])
    assert five.level == "red"


def test_yellow_is_recurring_or_extensive_but_new() -> None:
    assert (
        suggest(observations=1, mean=2.0, max_impact=2, scores=1, items=[_item(1, ["polis"], True)]).level
        == "yellow"
    )
    new_and_wide = suggest(
        observations=3, mean=3.9, max_impact=4, scores=3, items=[_item(3, ["a", "b"], False)]
    )
    assert new_and_wide.level == "yellow" and "inte setts tidigare" in new_and_wide.reason


def test_green_is_small_and_one_high_score_alone_is_not_extensive() -> None:
    one = suggest(observations=1, mean=4.0, max_impact=4, scores=1, items=[_item(1, ["polis"], False)])
    assert one.level == "green" and one.reason.startswith(
        "Problembilden verkar liten (1 rapport, medelpåverkan 4,0)"
    )
    same_agency = suggest(
        observations=3, mean=2.0, max_impact=2, scores=3, items=[_item(3, ["polis"], False)]
    )
    assert same_agency.level == "green"
    nothing = suggest(observations=0, mean=None, max_impact=None, items=[])
    assert nothing.as_json() == {"level": "green", "reason": "Inget rapporterat den här perioden."}
    assert suggest(observations=0, mean=None, max_impact=None, items=[], locale="en").reason == (
        "Nothing reported this period."
    )


# --- month and county ---------------------------------------------------------------------------


def _digest(cycle: int, start: str, end: str, items: list[dict[str, Any]], assessment: dict[str, Any] | None,
            suggested: str) -> dict[str, Any]:  # fmt: skip
    question = {"question": "1", "theme": "Ordningsstörningar och otrygghet",
                "counts": {"observations": len(items), "nothing": 1, "not_answered": 0},
                "impact": {"mean": None, "max": None, "distribution": {}, "history": [], "trend": None},
                "items": items, "suggested_assessment": {"level": suggested, "reason": "…"}, "assessment": assessment}  # fmt: skip
    return {"group": "FAS", "cycle": cycle, "period": {"from": start, "to": end}, "questions": [question],
            "positive": [f"Positivt {cycle}"]}  # fmt: skip


def _month_item(summary: str, places: list[str], agencies: list[str]) -> dict[str, Any]:
    return {"summary": summary, "agencies": agencies, "sources": 1, "places": places, "times": ["helger"],
            "recurring": None}  # fmt: skip


def test_a_month_merges_the_same_place_across_cycles_and_keeps_the_most_severe_assessment() -> None:
    digests = [
        _digest(1, "2026-10-05", "2026-10-11", [_month_item("Bränder i papperskorgar.", ["Folkets park"], ["fastighet"])],
                {"level": "yellow", "label": "Gult", "comment": "Fler papperskorgar i metall."}, "green"),
        _digest(2, "2026-10-12", "2026-10-18", [_month_item("Nya bränder i papperskorgar.", ["Folkets park"], ["kommun"]),
                                                _month_item("Hot mot personal i butik.", ["Centrum"], ["polis"])],
                {"level": "red", "label": "Rött", "comment": "Lyfts till Brå."}, "yellow"),
        _digest(3, "2026-10-19", "2026-10-25", [], None, "green"),
    ]  # fmt: skip
    month = compile_month(
        group="FAS", year=2026, month=10, digests=digests, questionnaire=load_preset("fas-ludvika")
    )
    q1 = month["questions"][0]
    assert [(i["places"], i["cycles"], i["sources"], i["agencies"]) for i in q1["items"]] == [
        (["Folkets park"], [1, 2], 2, ["fastighet", "kommun"]),
        (["Centrum"], [2], 1, ["polis"]),
    ]
    assert q1["assessment"] == {
        "level": "red",
        "label": "Rött",
        "comment": "v. 41: Fler papperskorgar i metall.\nv. 42: Lyfts till Brå.",
    }
    assert q1["suggested_level"] == "yellow"
    assert q1["counts"] == {"observations": 3, "nothing": 3, "not_answered": 0}
    assert month["positive"] == ["Positivt 1", "Positivt 2", "Positivt 3"]
    assert [c["cycle"] for c in month["cycles"]] == [1, 2, 3]
    assert [q["question"] for q in month["questions"]] == ["1", "2", "3", "4", "5", "6"]


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (dt.date(2026, 12, 1), (2026, 11)),  # a Tuesday
        (dt.date(2026, 12, 2), None),
        (dt.date(2027, 1, 4), (2026, 12)),  # 1 Jan is a holiday, 2–3 Jan a weekend
        (dt.date(2027, 1, 1), None),
        (dt.date(2026, 11, 2), (2026, 10)),  # 1 Nov 2026 is a Sunday
    ],
)
def test_the_county_export_is_due_on_the_first_working_day_after_the_month(
    today: dt.date, due: tuple[int, int] | None
) -> None:
    assert county_export_due(today) == due


def test_months_are_parsed_strictly() -> None:
    assert parse_month("2026-11") == (2026, 11)
    assert first_working_day_of(2027, 1) == dt.date(2027, 1, 4)
    for bad in ("2026-13", "26-11", "november", "2026/11"):
        with pytest.raises(ValueError):
            parse_month(bad)
