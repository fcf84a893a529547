"""The digest JSON (DESIGN's shape, exactly), masking in every field, the compiled view,
the assessment permission rules and card input, the history lines, and the English texts."""

from __future__ import annotations

import ast
import datetime as dt
import json
import string
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from reporting.digest.assessment import (
    InvalidAssessment,
    may_assess,
    may_escalate_level,
    parse_assessment,
    parse_level,
    refusal,
)
from reporting.digest.build import DigestInputs, build_digest
from reporting.digest.compiled import compiled
from reporting.digest.history import BadLine, check_answers, parse_line
from reporting.digest.records import Assessment, ChartPoint, EarlierAnswer, EarlierCycle
from reporting.model import Answer, Channel, Cycle, CycleState, Member, Role, Submission, SubmissionState
from reporting.questionnaire import load_preset

UTC = dt.UTC
FAGERSTA = load_preset("est-fagersta")
LUDVIKA = load_preset("fas-ludvika")


def member(n: int, agency: str, *roles: Role, away: dt.date | None = None, active: bool = True) -> Member:
    return Member(n, 1, f"Person {n}", f"p{n}@kommun.se", agency, frozenset(roles or (Role.REPORTER,)),
                  Channel.TEAMS, away_until=away, active=active)  # fmt: skip


def submission(
    n: int, member_id: int, answers: dict[str, Answer], state: SubmissionState = SubmissionState.SUBMITTED
) -> Submission:
    return Submission(
        n, 12, member_id, Channel.TEAMS, state, 1, answers, dt.datetime(2026, 11, 24, 10, n, tzinfo=UTC)
    )


CYCLE = Cycle(12, 1, 1, dt.date(2026, 11, 16), dt.date(2026, 11, 29), dt.datetime(2026, 11, 23, 7, tzinfo=UTC),
              dt.datetime(2026, 11, 24, 11, tzinfo=UTC), dt.datetime(2026, 11, 26, 8, tzinfo=UTC), CycleState.CLOSED)  # fmt: skip
MEMBERS = [
    member(1, "Fastighet"), member(2, "fritid"), member(3, "polis"), member(4, "skola"),
    member(5, "socialtjänst", away=dt.date(2026, 12, 31)), member(6, "kommun", Role.COORDINATOR),
]  # fmt: skip
NOTHING = Answer("1", nothing_to_report=True)


def _inputs(**changes: Any) -> DigestInputs:
    answers = {
        1: {
            "1": Answer("1", observations="Klotter i Brunnsparken, ring 070-123 45 67.", impact=4,
                        comment="Sanerat."),
            "2": Answer("2", nothing_to_report=True),
            "7": Answer("7", comment="Nattvandring med anna@example.se varje fredag."),
        },
        2: {
            "1": Answer("1", observations="- Stökigt i Brunnsparken fredagskvällar.\n- Bil ABC 123 buskör vid Torget.",
                        impact=3),
            "2": Answer("2", observations="Hot mot personal på Kompassen, personnummer 19850101-1236.", impact=2),
        },
        3: {"1": Answer("1", nothing_to_report=True)},
    }  # fmt: skip
    base = dict(
        group_name="EST",
        cycle=CYCLE,
        questionnaire=FAGERSTA,
        reporters=MEMBERS,
        members={m.id: m for m in MEMBERS},
        submissions=[submission(n, n, a) for n, a in answers.items()]
        + [submission(4, 4, {"1": Answer("1", observations="Utkast")}, SubmissionState.DRAFT)],
        earlier=[
            EarlierCycle(
                11,
                dt.date(2026, 11, 2),
                dt.date(2026, 11, 15),
                (
                    EarlierAnswer(11, "1", "Stök och klotter i Brunnsparken på helgen.", "", 3, False),
                    EarlierAnswer(11, "1", "", "", None, True),
                ),
            ),
        ],  # fmt: skip
        chart=[
            ChartPoint(11, dt.date(2026, 11, 2), dt.date(2026, 11, 15), {"1": 3.0}, {"1": 1}),
            ChartPoint(12, dt.date(2026, 11, 16), dt.date(2026, 11, 29), {"1": 3.5}, {"1": 2}),
        ],  # fmt: skip
        places=["Brunnsparken", "Torget", "Kompassen"],
        assessments={},
        on=dt.date(2026, 11, 24),
    )
    base.update(changes)
    return DigestInputs(**base)  # type: ignore[arg-type]


def _walk(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _walk(v)]
    if isinstance(node, list):
        return [s for v in node for s in _walk(v)]
    return []


def test_the_digest_has_designs_shape_exactly() -> None:
    data = build_digest(_inputs()).data
    assert list(data) == [
        "group",
        "cycle",
        "period",
        "response",
        "questions",
        "positive",
        "decisions",
        "priorities",
    ]
    assert data["period"] == {"from": "2026-11-16", "to": "2026-11-29"}
    assert data["response"] == {
        "reported": 2,
        "nothing": 1,
        "not_answered": ["p4@kommun.se"],
        "away": ["p5@kommun.se"],
    }
    assert [q["question"] for q in data["questions"]] == ["1", "2", "3", "4", "5", "6"]
    for q in data["questions"]:
        assert list(q) == [
            "question",
            "theme",
            "counts",
            "impact",
            "items",
            "suggested_assessment",
            "assessment",
        ]
        assert list(q["counts"]) == ["observations", "nothing", "not_answered"]
        assert list(q["impact"]) == ["mean", "max", "distribution", "history", "trend"]
        assert list(q["suggested_assessment"]) == ["level", "reason"]
        for item in q["items"]:
            assert list(item) == ["summary", "agencies", "sources", "places", "times", "recurring"]
    assert data["decisions"] == {"open": [], "overdue": []} and data["priorities"] == []
    json.dumps(data)  # plain JSON


def test_counts_split_the_submitted_reports_and_items_carry_agencies_places_times() -> None:
    q1, q2 = build_digest(_inputs()).data["questions"][:2]
    assert q1["counts"] == {"observations": 2, "nothing": 1, "not_answered": 0}
    assert q2["counts"] == {"observations": 1, "nothing": 1, "not_answered": 1}
    park = q1["items"][0]
    assert park["agencies"] == ["fastighet", "fritid"] and park["sources"] == 2
    assert park["places"] == ["Brunnsparken"] and park["times"] == ["fredagskvällar"]
    assert park["recurring"] == {"first_seen_cycle": 11, "cycles_seen": 2}
    assert q1["items"][1]["places"] == ["Torget"] and q1["items"][1]["recurring"] is None
    assert q1["impact"]["mean"] == 3.5 and q1["impact"]["history"] == [3.0] and q1["impact"]["trend"] == "up"
    assert q1["assessment"] is None


def test_personal_data_is_masked_in_every_field() -> None:
    built = build_digest(
        _inputs(
            assessments={
                "1": Assessment(12, "1", "red", "Ring 070-765 43 21", dt.datetime(2026, 11, 26, tzinfo=UTC))
            }
        )
    )
    text = "\n".join(_walk(built.data))
    for raw in ("070-123 45 67", "19850101-1236", "ABC 123", "anna@example.se", "070-765 43 21"):
        assert raw not in text
    for mask in ("[telefon]", "[personnummer]", "[regnr]", "[e-post]"):
        assert mask in text
    assert built.data["positive"] == ["Nattvandring med [e-post] varje fredag."]


def test_nobodys_name_is_in_the_digest() -> None:
    text = json.dumps(build_digest(_inputs()).data, ensure_ascii=False)
    assert "Person" not in text


def test_the_compiled_view_lays_assessments_over_the_frozen_digest() -> None:
    data = build_digest(_inputs()).data
    frozen = json.dumps(data)
    assessment = Assessment(
        12, "1", "red", "Lyfts till Brå.", dt.datetime(2026, 11, 26, 9, tzinfo=UTC), escalated=True
    )
    result = compiled(data, {"1": assessment}, FAGERSTA)
    assert result["questions"][0]["assessment"] == {
        "level": "red", "label": "Rött", "comment": "Lyfts till Brå.",
        "set_at": "2026-11-26T09:00:00+00:00", "escalated": True,
    }  # fmt: skip
    assert json.dumps(data) == frozen


def test_a_template_without_impact_has_null_impact_and_places_from_its_field() -> None:
    answers = {"1": Answer("1", observations="Bränder i papperskorgar.", places_times="Folkets park, helger")}
    data = build_digest(
        _inputs(questionnaire=LUDVIKA, submissions=[submission(1, 1, answers)], earlier=[], places=[])
    ).data
    q1 = data["questions"][0]
    assert q1["impact"] == {"mean": None, "max": None, "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
                            "history": [], "trend": None}  # fmt: skip
    assert q1["items"][0]["places"] == ["Folkets park"] and q1["items"][0]["times"] == ["helger"]


def test_chart_series_and_item_sources() -> None:
    built = build_digest(_inputs())
    assert built.series["metric"] == "impact"
    assert [c["cycle"] for c in built.series["cycles"]] == [11, 12]
    assert built.series["cycles"][1]["label"] == "v. 47–48"
    assert built.sources["1"] == [[1, 2], [2]]


# --- permissions and the card's input ------------------------------------------------------


def test_only_the_groups_coordinator_or_deputy_may_assess() -> None:
    assert may_assess(member(1, "kommun", Role.COORDINATOR), in_group=True)
    assert may_assess(member(1, "kommun", Role.DEPUTY, Role.REPORTER), in_group=True)
    assert not may_assess(member(1, "kommun", Role.COORDINATOR), in_group=False)
    assert not may_assess(member(1, "kommun", Role.REPORTER), in_group=True)
    assert not may_assess(member(1, "polis", Role.BRA), in_group=True)
    assert not may_assess(member(1, "kommun", Role.COORDINATOR, active=False), in_group=True)
    assert not may_assess(None, in_group=True)
    assert refusal().startswith("Det är bara gruppens samordnare eller ersättare")
    assert refusal("en").startswith("Only the group's coordinator or deputy")
    assert may_escalate_level("yellow") and may_escalate_level("red") and not may_escalate_level("green")


def test_the_cards_assessment_is_read_and_checked() -> None:
    data = {"cycle": 12, "question": "1", "assess_q1_level": "red", "assess_q1_comment": "  Lyfts. ",
            "assess_q2_level": "green"}  # fmt: skip
    parsed = parse_assessment(data, FAGERSTA)
    assert (parsed.cycle_id, parsed.question, parsed.level, parsed.comment) == (12, "1", "red", "Lyfts.")
    assert parse_level("Rött") == "red" and parse_level("gult") == "yellow"
    bad = [
        ({"cycle": 12, "question": "1"}, "Välj en bedömning"),
        (
            {"cycle": 12, "question": "7", "assess_q7_level": "red"},
            "Fråga 7 får ingen sammanställd bedömning",
        ),
        ({"question": "1", "assess_q1_level": "red"}, "saknar uppgift om perioden"),
        (
            {"cycle": 12, "question": "1", "assess_q1_level": "red", "assess_q1_comment": "x" * 2001},
            "för lång",
        ),
        (
            {"cycle": 12, "question": "1", "assess_q1_level": "red", "assess_q1_comment": 5},
            "kunde inte läsas",
        ),
    ]
    for payload, message in bad:
        with pytest.raises(InvalidAssessment, match=message):
            parse_assessment(payload, FAGERSTA)


# --- history lines ----------------------------------------------------------------------------

TODAY = dt.date(2026, 11, 20)


def _line(**changes: Any) -> str:
    line = {"reporter": "Anna@Fagersta.se", "period": {"from": "2026-10-05", "to": "2026-10-18"},
            "channel": "email", "answers": {"1": {"observations": "Klotter", "impact": 3}}}  # fmt: skip
    line.update(changes)
    return json.dumps(line)


def test_a_good_line_is_read() -> None:
    report = parse_line(_line(), 1, today=TODAY)
    assert (report.reporter, report.period_from, report.period_to, report.channel) == (
        "anna@fagersta.se", dt.date(2026, 10, 5), dt.date(2026, 10, 18), Channel.EMAIL)  # fmt: skip
    answers, warnings = check_answers(report, FAGERSTA)
    assert answers["1"] == Answer("1", observations="Klotter", impact=3)
    assert warnings == []
    phone = parse_line(_line(answers={"2": {"observations": "Ring 070-123 45 67"}}), 1, today=TODAY)
    assert check_answers(phone, FAGERSTA)[1] == [
        {"code": "personal_data", "question": "2", "detail": "telefon"}
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "ogiltig JSON"),
        ("[1, 2]", "JSON-objekt"),
        (_line(cycle=12), "använd period i stället för cycle"),
        (_line(reporter="anna"), "e-postadress"),
        (_line(period={"from": "2026-10-18", "to": "2026-10-05"}), "slutar"),
        (_line(period={"from": "2026-11-16", "to": "2026-11-29"}), "har inte tagit slut"),
        (_line(period={"from": "5 okt", "to": "2026-10-18"}), "inte ett datum"),
        (_line(channel="sms"), "channel"),
        (_line(answers={}), "answers"),
    ],
)
def test_a_bad_line_says_why(text: str, message: str) -> None:
    with pytest.raises(BadLine, match=message):
        parse_line(text, 3, today=TODAY)


@pytest.mark.parametrize(
    ("answers", "questionnaire", "message"),
    [
        ({"8": {"observations": "x"}}, FAGERSTA, "fråga 8 finns inte"),
        ({"1": {"observations": "x", "impact": 6}}, FAGERSTA, "1–5"),
        ({"1": {"observations": "x", "impact": 3}}, LUDVIKA, "ingen påverkan"),
        ({"7": {"observations": "x"}}, FAGERSTA, "bara kommentar"),
        ({"1": {"places_times": "Torget"}}, FAGERSTA, "inga platser och tider"),
        ({"1": {"observation": "x"}}, FAGERSTA, "okända fält"),
        ({"1": {"nothing_to_report": "ja"}}, FAGERSTA, "true eller false"),
        ({"1": "Klotter"}, FAGERSTA, "ett objekt"),
    ],
)
def test_answers_must_fit_the_groups_template(
    answers: dict[str, Any], questionnaire: Any, message: str
) -> None:
    report = parse_line(_line(answers=answers), 1, today=TODAY)
    with pytest.raises(BadLine, match=message):
        check_answers(report, questionnaire)


# --- English texts ----------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*sorted((ROOT / "reporting" / "digest").glob("*.py")), ROOT / "adaptive_cards" / "digest.py",
           *sorted((ROOT / "lagesbild" / "exports").glob("*.py"))]  # fmt: skip


def _messages() -> set[str]:
    found = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
            ):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
    return found


def _english() -> dict[str, str]:
    with resources.files("reporting.locale").joinpath("en", "digest.po").open("rb") as handle:
        catalog = read_po(handle, locale="en", domain="digest")
    return {str(m.id): str(m.string) for m in catalog if m.id}


def test_every_digest_text_has_english_and_nothing_is_left_over() -> None:
    messages, english = _messages(), _english()
    assert len(messages) > 50
    assert sorted(messages - set(english)) == []
    assert sorted(set(english) - messages) == []
    assert all(english.values())
    for swedish, text in english.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(swedish) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(text) if f}, swedish


def test_the_gist_is_one_line_for_the_outbox() -> None:
    from reporting.digest.wording import gist

    data = compiled(
        build_digest(_inputs()).data,
        {"1": Assessment(12, "1", "red", "", dt.datetime(2026, 11, 26, tzinfo=UTC))},
        FAGERSTA,
    )
    assert gist(data, FAGERSTA) == (
        "Lägesbild EST · v. 47–48, 16–29 nov: 3 rapporter, 1 har inte svarat; bedömning: 1 rött, 5 grönt."
    )
