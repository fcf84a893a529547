"""The Brå cards with fixed data, for golden files and validation: decisions of each kind
and status, feedback to a reporter (decided, done, cancelled, English), the decision form
(from an escalation, from a mention with links, after an error), the owner's follow-up
card (open, reminder, closed) and the priority form (with and without priorities)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from adaptive_cards.bra import (
    decision_card,
    decision_form_card,
    feedback_card,
    followup_card,
    owner_choices,
    priority_form_card,
)
from reporting.bra.records import (
    Basis,
    Decision,
    DecisionKind,
    DecisionStatus,
    LinkedAnswer,
    Priority,
    StatusNote,
)
from reporting.model import Channel, Member, Role

TODAY = dt.date(2026, 11, 26)
AT = dt.datetime(2026, 11, 24, 18, 30, tzinfo=dt.UTC)
BASIS = Basis(
    cycle_id=12,
    period_from=dt.date(2026, 11, 16),
    period_to=dt.date(2026, 11, 22),
    question="1",
    theme="Ordningsstörningar och otrygghet",
    reports=3,
    agencies=("fastighet", "fritid", "skola"),
)
DECISION = Decision(
    id=7,
    organisation_id=1,
    title="Trygghetsvandring i Brunnsparken",
    text="Kommunen och polisen går trygghetsvandring med boende och fastighetsägare; belysningen ses över.",
    kind=DecisionKind.ATGARD,
    meeting_date=dt.date(2026, 11, 24),
    decided_by_member_id=9,
    decided_by_name="Ingrid Isaksson",
    owner_member_id=None,
    owner_agency="fastighet",
    owner_name="fastighet",
    due=dt.date(2026, 12, 15),
    status=DecisionStatus.BESLUTAD,
    result="",
    created_at=AT,
    closed_at=None,
    basis=BASIS,
    group_id=1,
    history=(StatusNote(DecisionStatus.BESLUTAD, "", AT, 9, "Ingrid Isaksson"),),
)
ANALYSIS = dataclasses.replace(
    DECISION,
    id=8,
    title="Orsaksanalys: bränder i papperskorgar i centrum",
    text="Varför återkommer bränderna på helgerna, och var?",
    kind=DecisionKind.ORSAKSANALYS,
    owner_member_id=3,
    owner_agency=None,
    owner_name="Cecilia Carlsson (skola)",
    status=DecisionStatus.KLAR,
    result="Bränderna hänger ihop med samlingsplatsen vid resecentrum efter 22; belysning och fältare där fredagar.",
    closed_at=dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC),
    history=(
        StatusNote(DecisionStatus.BESLUTAD, "", AT, 9, "Ingrid Isaksson"),
        StatusNote(DecisionStatus.PAGAR, "Intervjuer med fältare och fastighet.", AT + dt.timedelta(days=3), 3,
                   "Cecilia Carlsson"),
        StatusNote(DecisionStatus.KLAR, "Analysen presenterad i Brå.", AT + dt.timedelta(days=16), 3, "Cecilia Carlsson"),
    ),
)  # fmt: skip
OVERDUE = dataclasses.replace(
    DECISION, id=9, status=DecisionStatus.PAGAR, due=dt.date(2026, 11, 20),
    history=(*DECISION.history, StatusNote(DecisionStatus.PAGAR, "Datum bokat med boende.", AT, 5, "Anna Andersson")),
)  # fmt: skip
CANCELLED = dataclasses.replace(
    DECISION, id=10, kind=DecisionKind.INFORMATION, status=DecisionStatus.AVBRUTEN
)
ANSWER = LinkedAnswer(
    answer_id=101,
    submission_id=55,
    member_id=1,
    cycle_id=12,
    question="1",
    observations="Klotter på Brunnsskolans gavel i helgen, skadegörelse på lekplatsen vid Åsgården och krossat glas "
    "i Brunnsparken.",
    submitted_at=AT,
    period_from=dt.date(2026, 11, 16),
    period_to=dt.date(2026, 11, 22),
)
MEMBERS = [
    Member(1, 1, "Anna Andersson", "anna@fagersta.se", "fastighet", frozenset({Role.REPORTER}), Channel.TEAMS),
    Member(2, 1, "Bo Berg", "bo@fagersta.se", "fritid", frozenset({Role.REPORTER}), Channel.EMAIL),
    Member(3, 1, "Cecilia Carlsson", "cecilia@fagersta.se", "skola",
           frozenset({Role.REPORTER, Role.COORDINATOR}), Channel.TEAMS),
]  # fmt: skip
PRIORITIES = [
    Priority(1, 1, "Buskörning med moped i centrum", ("1", "4"), dt.date(2026, 12, 31), AT),
    Priority(2, 1, "Nedskräpning och klotter vid resecentrum", (), dt.date(2027, 2, 28), AT),
]
THEMES = {
    "1": "Ordningsstörningar och otrygghet",
    "2": "Hot och våld",
    "3": "Våldsbejakande extremism och kriminella nätverk",
    "4": "Ungdomar/skolor",
    "5": "Alkohol, narkotika, dopning, tobak",
    "6": "Övrigt",
}
THEME = THEMES["1"]


def bra_sample_cards() -> dict[str, dict[str, Any]]:
    owners = owner_choices(MEMBERS, ["polis", "kommun"])
    escalation_data = {"escalation": 4, "cycle": 12, "question": "1"}
    return {
        "decision_atgard": decision_card(DECISION, today=TODAY, organisation="Fagersta kommun"),
        "decision_orsaksanalys_klar": decision_card(ANALYSIS, today=TODAY),
        "decision_overdue": decision_card(OVERDUE, today=TODAY),
        "decision_en": decision_card(DECISION, today=TODAY, locale="en"),
        "feedback_decided": feedback_card(DECISION, ANSWER, theme=THEME, others=1),
        "feedback_analysis_result": feedback_card(ANALYSIS, ANSWER, theme=THEME, outcome=True),
        "feedback_cancelled": feedback_card(
            CANCELLED, ANSWER, theme=THEME, outcome=True, note="Ingen budget i år."
        ),
        "feedback_en": feedback_card(DECISION, ANSWER, theme="Public disorder and insecurity", locale="en"),
        "decision_form_escalation": decision_form_card(
            heading="Besluta: Fråga 1, Ordningsstörningar och otrygghet",
            subtitle="EST · v. 47, 16–22 nov",
            owners=owners,
            data=escalation_data,
            today=TODAY,
        ),
        "decision_form_links": decision_form_card(
            heading="Nytt beslut i lokala Brå",
            subtitle=None,
            owners=owners,
            data={},
            today=TODAY,
            links=[
                {"title": "EST v. 47, Fråga 1 – lyft (rött)", "value": "12:1"},
                {"title": "EST v. 47, Fråga 4 – 2 rapporter", "value": "12:4"},
            ],
        ),
        "decision_form_error": decision_form_card(
            heading="Besluta: Fråga 1, Ordningsstörningar och otrygghet",
            subtitle="EST · v. 47, 16–22 nov",
            owners=owners,
            data=escalation_data,
            today=TODAY,
            values={
                "decision_title": "",
                "decision_kind": "orsaksanalys",
                "decision_owner": "cecilia@fagersta.se",
                "decision_due": "2026-11-01",
            },  # fmt: skip
            error="Sista dag kan inte ligga före Brå-mötet.",
        ),
        "decision_followup_open": followup_card(DECISION, today=TODAY),
        "decision_followup_reminder": followup_card(OVERDUE, today=TODAY, reminder=True),
        "decision_followup_saved": followup_card(
            ANALYSIS, today=TODAY, message="Sparat: klar. 3 rapportörer har fått veta."
        ),
        "priority_form_current": priority_form_card(PRIORITIES, today=TODAY, themes=THEMES),
        "priority_form_empty": priority_form_card(
            [], today=TODAY, themes=THEMES, message="Prioriteringen är borttagen."
        ),
    }


def bra_full_cards() -> dict[str, dict[str, Any]]:
    """The largest: every text at its limit, many owners, a long history."""
    long = dataclasses.replace(
        DECISION,
        title="T" * 200,
        text="Kommunen och polisen går trygghetsvandring. " * 90,
        history=tuple(StatusNote(DecisionStatus.PAGAR, "Notering om läget. " * 40, AT, 5, "Anna Andersson")
                      for _ in range(10)),
    )  # fmt: skip
    many = [
        Member(i, 1, f"Person {i}", f"person{i}@fagersta.se", f"verksamhet {i % 9}", frozenset({Role.REPORTER}),
               Channel.TEAMS)
        for i in range(120)
    ]  # fmt: skip
    return {
        "decision_full": decision_card(long, today=TODAY),
        "feedback_full": feedback_card(long, ANSWER, theme=THEME, others=4),
        "decision_form_full": decision_form_card(
            heading="Besluta", subtitle=None, owners=owner_choices(many), data={"escalation": 4}, today=TODAY
        ),  # fmt: skip
        "decision_followup_full": followup_card(long, today=TODAY, reminder=True),
        "priority_form_full": priority_form_card(
            [dataclasses.replace(PRIORITIES[0], id=i, text="P" * 200) for i in range(12)],
            today=TODAY,
            themes=THEMES,
        ),
    }
