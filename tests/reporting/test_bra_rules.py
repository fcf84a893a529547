"""The Brå loop's rules as a person meets them: the status machine, what a form or a chat
line may say, who may do what, how a decision reads, promise files, comparisons."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from reporting.bra import wording
from reporting.bra.agenda import last_meeting, ordered
from reporting.bra.compare import AnswerFacts, DecisionFacts, compare_rows, csv_row, months_between
from reporting.bra.decisions import (
    InvalidDecision,
    check_transition,
    decision_input,
    parse_kind,
    parse_owner,
    parse_status,
)
from reporting.bra.forms import parse_decision_form, parse_followup_form, parse_priority_form
from reporting.bra.priorities import parse_questions
from reporting.bra.promises import InvalidPromise, coverage, ending_soon, parse_promise
from reporting.bra.records import Basis, DecisionKind, DecisionStatus, FollowUp, Promise
from reporting.bra.replies import parse_status_reply
from reporting.bra.roles import may_decide, may_follow_up, may_follow_up_promise
from reporting.model import Channel, Member, Role
from tests.adaptive_cards.bra_samples import ANALYSIS, ANSWER, DECISION, OVERDUE, PRIORITIES

TODAY = dt.date(2026, 11, 26)
B, P, K, A = DecisionStatus.BESLUTAD, DecisionStatus.PAGAR, DecisionStatus.KLAR, DecisionStatus.AVBRUTEN


def member(
    roles: set[Role], *, id: int = 20, org: int = 1, agency: str = "polis", active: bool = True
) -> Member:
    return Member(
        id, org, f"Person {id}", f"p{id}@kommun.se", agency, frozenset(roles), Channel.TEAMS, active=active
    )


# --- the status machine -----------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), [(B, P), (B, K), (B, A), (P, K), (P, A), (B, B), (P, P)])
def test_allowed_moves(old: DecisionStatus, new: DecisionStatus) -> None:
    check_transition(old, new)


@pytest.mark.parametrize(("old", "new"), [(P, B), (K, P), (K, K), (A, K), (A, P), (K, A)])
def test_refused_moves_say_why_in_swedish(old: DecisionStatus, new: DecisionStatus) -> None:
    with pytest.raises(InvalidDecision) as caught:
        check_transition(old, new)
    assert "avslutat" in str(caught.value) or "pågår kan bara" in str(caught.value)


def test_status_and_kind_words_people_type() -> None:
    assert parse_status("Pågår") is P and parse_status("pagar") is P and parse_status("KLAR") is K
    assert parse_status("done") is K and parse_status("avbrutet") is A
    assert parse_kind("Åtgärd") is DecisionKind.ATGARD and parse_kind(None) is DecisionKind.ATGARD
    assert parse_kind("orsaksanalys") is DecisionKind.ORSAKSANALYS
    with pytest.raises(InvalidDecision, match="Välj pågår, klar eller avbruten"):
        parse_status("färdig")
    with pytest.raises(InvalidDecision, match="Choose action"):
        parse_kind("beslut", "en")


def test_a_decision_input_is_checked_field_by_field() -> None:
    meeting = dt.date(2026, 11, 24)
    given = decision_input(title="  Trygghetsvandring \n i parken ", meeting_date=meeting, owner="Anna@Kommun.se",
                           cycle_id=3, question="1")  # fmt: skip
    assert given.title == "Trygghetsvandring i parken" and given.owner.email == "anna@kommun.se"
    assert parse_owner("Fastighet").agency == "fastighet" and parse_owner("").empty
    with pytest.raises(InvalidDecision, match="rubrik"):
        decision_input(title=" ", meeting_date=meeting)
    with pytest.raises(InvalidDecision, match="före Brå-mötet"):
        decision_input(title="x", meeting_date=meeting, due=dt.date(2026, 11, 1))
    with pytest.raises(InvalidDecision, match="både period och fråga"):
        decision_input(title="x", meeting_date=meeting, cycle_id=3)
    with pytest.raises(InvalidDecision, match="e-postadress"):
        decision_input(title="x", meeting_date=meeting, owner="anna@")


def test_the_decision_form_as_teams_sends_it() -> None:
    data = {"escalation": 4, "cycle": 12, "question": "1", "decision_title": "Trygghetsvandring",
            "decision_text": "Med boende.", "decision_kind": "orsaksanalys", "decision_owner": "fastighet",
            "decision_due": "2026-12-15", "decision_meeting": ""}  # fmt: skip
    given = parse_decision_form(data, today=TODAY)
    assert (given.cycle_id, given.question, given.escalation_id) == (12, "1", 4)
    assert given.kind is DecisionKind.ORSAKSANALYS and given.meeting_date == TODAY
    assert given.due == dt.date(2026, 12, 15) and given.owner.agency == "fastighet"
    linked = parse_decision_form({"decision_link": "15:4", "decision_title": "x"}, today=TODAY)
    assert (linked.cycle_id, linked.question) == (15, "4")
    with pytest.raises(InvalidDecision, match="Ogiltigt datum för sista dag"):
        parse_decision_form({**data, "decision_due": "15/12"}, today=TODAY)
    follow = parse_followup_form({"decision": "7", "followup_status": "klar", "followup_text": " Gjort. "})
    assert (follow.decision_id, follow.status, follow.text) == (7, K, "Gjort.")
    priority = parse_priority_form(
        {"priority_text": "Moped", "priority_questions": "4,1", "priority_until": "2026-12-31"}, today=TODAY
    )
    assert priority.questions == ("1", "4") and priority.ends_on == dt.date(2026, 12, 31)
    with pytest.raises(InvalidDecision, match="redan passerat"):
        parse_priority_form({"priority_text": "x", "priority_until": "2026-01-01"}, today=TODAY)
    with pytest.raises(InvalidDecision, match="Okänd fråga"):
        parse_questions("1,9")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("klar", (K, None, "")),
        ("Klar: vandringen gjord 3 dec", (K, None, "vandringen gjord 3 dec")),
        ("klar #12 – vandringen gjord", (K, 12, "vandringen gjord")),
        ("pågår 12 första mötet hållet", (P, 12, "första mötet hållet")),
        ("avbruten: ingen budget", (A, None, "ingen budget")),
        ("rapportera", None),
        ("klarade det inte", None),
    ],
)
def test_a_status_typed_in_the_chat(text: str, expected: tuple[object, ...] | None) -> None:
    reply = parse_status_reply(text)
    assert (None if reply is None else (reply.status, reply.decision_id, reply.text)) == expected


# --- roles ------------------------------------------------------------------------------------


def test_who_may_decide_and_follow_up() -> None:
    bra, admin = member({Role.BRA}), member({Role.ADMIN})
    coordinator, deputy = member({Role.REPORTER, Role.COORDINATOR}), member({Role.DEPUTY})
    reporter = member({Role.REPORTER}, id=21, agency="skola")
    owner_by_agency = member({Role.REPORTER}, id=22, agency="Fastighet")
    assert may_decide(bra, 1) and may_decide(admin, 1)
    assert not may_decide(coordinator, 1) and not may_decide(reporter, 1) and not may_decide(None, 1)
    assert not may_decide(member({Role.BRA}, org=2), 1), "never across a municipality's border"
    assert not may_decide(member({Role.BRA}, active=False), 1)
    assert DECISION.owner_agency == "fastighet"
    for allowed in (bra, admin, coordinator, deputy, owner_by_agency):
        assert may_follow_up(allowed, DECISION)
    assert not may_follow_up(reporter, DECISION)
    assert not may_follow_up(member({Role.COORDINATOR}, org=2), DECISION)
    owned = dataclasses.replace(DECISION, owner_member_id=reporter.id, owner_agency=None)
    assert may_follow_up(reporter, owned) and not may_follow_up(owner_by_agency, owned)
    assert may_follow_up_promise(coordinator, 1) and not may_follow_up_promise(reporter, 1)


# --- how it reads ------------------------------------------------------------------------------


def test_what_a_decision_rests_on_names_agencies_never_people() -> None:
    assert wording.rests_on(DECISION.basis) == (
        "Bygger på: v. 47, Fråga 1 – 3 rapporter från fastighet, fritid och skola"
    )
    one = Basis(5, dt.date(2026, 11, 16), dt.date(2026, 11, 29), "2", "Hot och våld", 1, ("polis",))
    assert wording.rests_on(one) == "Bygger på: v. 47–48, Fråga 2 – 1 rapport från polis"
    assert wording.rests_on(Basis(None, None, None, None, "", 0, ())) == ""
    assert (
        wording.rests_on(DECISION.basis, "en")
        == "Based on: wk 47, Question 1 – 3 reports from fastighet, fritid and skola"
    )


def test_the_feedback_a_reporter_reads() -> None:
    text = wording.feedback_text(
        DECISION, ANSWER, theme="Ordningsstörningar och otrygghet", name="Anna Andersson"
    )
    assert text.splitlines()[0] == "Hej Anna!"
    assert (
        "Du rapporterade v. 47 om ordningsstörningar och otrygghet (fråga 1): ”Klotter på Brunnsskolans"
        in text
    )
    assert "Lokala Brå tog upp det tis 24 nov 2026 och beslutade:\nTrygghetsvandring i Brunnsparken" in text
    assert "Ansvarig: fastighet\nKlart senast: tis 15 dec 2026" in text
    outcome = wording.outcome_text(ANALYSIS, ANSWER, theme="Ordningsstörningar", name="Anna", note="")
    assert "Orsaksanalysen som byggde på din rapport är klar." in outcome
    assert "Resultat: Bränderna hänger ihop med samlingsplatsen" in outcome


def test_free_text_is_masked_on_the_way_out() -> None:
    leaky = dataclasses.replace(DECISION, title="Samtal med 19900101-0017", text="Ring 070-123 45 67")
    card_data = wording.decision_json(leaky, TODAY, full=True)
    assert "19900101" not in str(card_data) and "070-123" not in str(card_data)
    assert "[personnummer]" in card_data["title"]


def test_decision_lines_for_the_digest_documents() -> None:
    entry = wording.decision_json(OVERDUE, TODAY)
    assert entry["overdue"] is True
    assert wording.decision_line(entry) == (
        "Trygghetsvandring i Brunnsparken – ansvarig: fastighet, senast fre 20 nov 2026 (försenat)"
    )
    assert wording.decision_line("en text") == "en text"
    assert (
        wording.priority_line(PRIORITIES[0])
        == "Buskörning med moped i centrum (fråga 1 och 4, t.o.m. tors 31 dec 2026)"
    )


def test_the_agenda_puts_the_most_late_first() -> None:
    later = dataclasses.replace(OVERDUE, id=11, due=dt.date(2026, 11, 24))
    no_date = dataclasses.replace(DECISION, id=12, due=None)
    overdue, open_ = ordered([no_date, DECISION, later, OVERDUE, ANALYSIS], TODAY)
    assert [d.id for d in overdue] == [9, 11] and [d.id for d in open_] == [7, 12]
    assert last_meeting([DECISION, ANALYSIS], dt.date(2026, 12, 1)) == dt.date(2026, 11, 24)
    assert last_meeting([DECISION], dt.date(2026, 11, 24)) is None


# --- promises ---------------------------------------------------------------------------------


def promise_dict() -> dict[str, object]:
    return {
        "title": "Löfte",
        "period": {"from": dt.date(2021, 2, 1), "to": "2022-01-31"},
        "items": [
            {"text": "Trygghetsvandringar,", "responsible": "polis och kommun", "questions": ["1"],
             "indicators": [{"name": "Vandringar", "target": 4, "unit": "st"}]},
            {"heading": "Fritidsgårdar", "text": "Kontakter", "responsible": "Polisen", "questions": [4]},
        ],
    }  # fmt: skip


def test_a_promise_file_is_read_and_every_problem_named() -> None:
    given = parse_promise(promise_dict())
    assert [i.responsible.value for i in given.items] == ["bada", "polis"]
    assert given.items[1].questions == ("4",) and given.items[0].indicators[0].target == 4.0
    bad = promise_dict()
    bad["period"] = {"from": "2022-01-31", "to": "2021-02-01"}
    bad["items"] = [
        {"text": "", "responsible": "länet", "questions": ["9"], "indicators": [{"target": "många"}]}
    ]
    with pytest.raises(InvalidPromise) as caught:
        parse_promise(bad)
    assert caught.value.problems == (
        "period: slutar före start",
        "items[1].text: saknas",
        "items[1].responsible: ska vara polis, kommun eller both",
        "items[1].questions: okänd fråga ”9”",
        "items[1].indicators[1]: indikatorn saknar namn",
    )
    with pytest.raises(InvalidPromise):
        parse_promise(["not", "a", "mapping"])


def test_when_the_coordinator_is_told_and_what_a_promise_covers() -> None:
    given = parse_promise(promise_dict())
    promise = Promise(1, 1, given.title, given.period_from, given.period_to, "", "", None, "", (), given.items,
                      (FollowUp(1, "2021-03", "Två vandringar", 2, dt.datetime(2021, 3, 31, tzinfo=dt.UTC)),))  # fmt: skip
    assert not ending_soon(promise, dt.date(2022, 1, 9)) and ending_soon(promise, dt.date(2022, 1, 10))
    assert ending_soon(promise, dt.date(2022, 1, 31)) and not ending_soon(promise, dt.date(2022, 2, 1))
    covered = coverage(promise, {"1": "Ordningsstörningar", "2": "Hot och våld"})
    assert covered == [
        {
            "question": "1",
            "theme": "Ordningsstörningar",
            "items": [{"number": 1, "heading": "Trygghetsvandringar,"}],
        }
    ]


# --- comparison -------------------------------------------------------------------------------


def test_comparison_rows_are_aggregates_per_municipality_question_and_month() -> None:
    assert months_between("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    with pytest.raises(ValueError):
        months_between("2027-02", "2026-11")
    rows = compare_rows(
        organisations=["Fagersta kommun", "Ludvika kommun"],
        months=["2026-10", "2026-11"],
        questions={"1": "Ordningsstörningar"},
        reports={("Fagersta kommun", "2026-10"): 8, ("Ludvika kommun", "2026-11"): 5},
        answers=[
            AnswerFacts("Fagersta kommun", "2026-10", "1", 4, 11, 4),
            AnswerFacts("Fagersta kommun", "2026-10", "1", 2, 6, 2),
            AnswerFacts("Ludvika kommun", "2026-11", "1", 1, 0, 0),
        ],
        assessments=[("Fagersta kommun", "2026-10", "1", "red"), ("Fagersta kommun", "2026-10", "1", "yellow")],
        decisions=[DecisionFacts("Fagersta kommun", "1", "2026-10", "2026-11"), DecisionFacts("Fagersta kommun", None, "2026-10", None)],
        feedback_days=[("Fagersta kommun", "2026-10", "1", 3.0), ("Fagersta kommun", "2026-10", "1", 9.0),
                       ("Fagersta kommun", "2026-10", "1", 4.0)],
    )  # fmt: skip
    assert len(rows) == 4
    october = rows[0]
    assert october == {
        "organisation": "Fagersta kommun", "question": "1", "theme": "Ordningsstörningar", "month": "2026-10",
        "reports": 8, "observations": 6, "observations_share": 0.75, "impact_mean": 2.83,
        "assessments": {"green": 0, "yellow": 1, "red": 1}, "decisions": {"taken": 1, "done": 0},
        "feedback_days_median": 4.0,
    }  # fmt: skip
    assert rows[1]["decisions"] == {"taken": 0, "done": 1} and rows[1]["reports"] == 0
    assert rows[1]["observations_share"] is None and rows[1]["impact_mean"] is None
    assert rows[3]["observations_share"] == 0.2 and rows[3]["impact_mean"] is None
    assert csv_row(october)[-6:] == [0, 1, 1, 1, 0, 4.0]
