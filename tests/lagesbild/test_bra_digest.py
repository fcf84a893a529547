"""The digest carries Brå's part, on both backends: open and overdue decisions, what was
closed since the group's last digest (a root-cause analysis's result), the current
priorities, and which reported themes a current citizen promise covers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from lagesbild.exports import render_digest_data
from lagesbild.operations.decisions import create_decision, update_status
from lagesbild.operations.digest import digest_for_cycle
from lagesbild.operations.priorities import current_priorities, priority_lines, set_priority
from lagesbild.operations.promises import create_promise
from reporting.bra.decisions import decision_input
from reporting.bra.priorities import priority_input
from storage.database import Database
from tests.lagesbild.digest_data import EST_ORG, NOW, seed_est
from tests.world import card_text

pytestmark = pytest.mark.db

PROMISE = """title: Medborgarlöfte hösten 2026
period: {from: 2026-09-01, to: 2026-11-30}
items:
  - {heading: Trygghetsvandringar, text: Polisen och kommunen går trygghetsvandringar., responsible: both, questions: ["1"]}
  - {heading: Skolan, text: Polisen besöker skolorna., responsible: polis, questions: ["3", "4"]}
"""


async def test_the_digest_shows_what_brå_has_open_done_and_prioritises(db: Database) -> None:
    group = await seed_est(db)
    org = group.organisation_id
    await digest_for_cycle(db, 5, now=NOW - dt.timedelta(hours=3))  # the group's previous digest
    meeting = dt.date(2026, 10, 22)
    late = await create_decision(db, decision_input(title="Belysning i Brunnsparken", meeting_date=meeting,
                                                    due=dt.date(2026, 11, 10), owner="fastighet", cycle_id=5,
                                                    question="1"), now=NOW - dt.timedelta(days=20),
                                 organisation_id=org)  # fmt: skip
    await create_decision(db, decision_input(title="Trygghetsvandring", meeting_date=meeting, due=dt.date(2026, 12, 15),
                                             cycle_id=5, question="1"), now=NOW - dt.timedelta(days=20),
                          organisation_id=org)  # fmt: skip
    analysis = await create_decision(db, decision_input(title="Orsaksanalys: mopeder vid Resecentrum", kind="orsaksanalys",
                                                        meeting_date=meeting, owner="cecilia@fagersta.se"),
                                     now=NOW - dt.timedelta(days=20), organisation_id=org)  # fmt: skip
    await update_status(db, analysis.decision.id, "klar", "Samlingsplatsen flyttar efter 22; fältare där.", by=None,
                        now=NOW - dt.timedelta(hours=1))  # fmt: skip
    await set_priority(db, org, priority_input(text="Buskörning med moped i centrum", questions="1,4",
                                               ends_on=dt.date(2026, 12, 31), today=NOW.date()), by=None, now=NOW)  # fmt: skip
    await create_promise(db, PROMISE, organisation=EST_ORG, by=None, now=NOW)

    data = (await digest_for_cycle(db, 6, now=NOW)).data
    decisions = data["decisions"]
    assert [d["title"] for d in decisions["overdue"]] == ["Belysning i Brunnsparken"]
    assert decisions["overdue"][0]["overdue"] is True and decisions["overdue"][0]["id"] == late.decision.id
    assert [d["title"] for d in decisions["open"]] == ["Trygghetsvandring"]
    assert (
        decisions["open"][0]["rests_on"]
        == "Bygger på: v. 39–40, Fråga 1 – 4 rapporter från fastighet, fältassistent, polis och räddningstjänst"
    )
    assert [(d["title"], d["result"]) for d in decisions["done"]] == [
        ("Orsaksanalys: mopeder vid Resecentrum", "Samlingsplatsen flyttar efter 22; fältare där.")
    ]
    assert data["priorities"] == ["Buskörning med moped i centrum (fråga 1 och 4, t.o.m. tors 31 dec 2026)"]
    [promise] = data["promises"]
    assert promise["covers"] == [
        {
            "question": "1",
            "theme": "Ordningsstörningar och otrygghet",
            "items": [{"number": 1, "heading": "Trygghetsvandringar"}],
        },
        {"question": "4", "theme": "Ungdomar/skolor", "items": [{"number": 2, "heading": "Skolan"}]},
    ]
    bundle = await digest_for_cycle(db, 6, now=NOW)
    markdown = render_digest_data(
        bundle.compiled(), bundle.questionnaire, "md", organisation=EST_ORG
    ).content.decode()
    assert ("Belysning i Brunnsparken – ansvarig: fastighet, senast tis 10 nov 2026 (försenat); "
            "Trygghetsvandring – senast tis 15 dec 2026") in markdown  # fmt: skip
    assert "- Buskörning med moped i centrum (fråga 1 och 4, t.o.m. tors 31 dec 2026)" in markdown
    assert ("**Genomfört sedan förra sammanställningen:** Orsaksanalys: mopeder vid Resecentrum – ansvarig: "
            "Cecilia Carlsson (skola) Resultat: Samlingsplatsen flyttar efter 22; fältare där.") in markdown  # fmt: skip
    html = render_digest_data(bundle.compiled(), bundle.questionnaire, "html", organisation=EST_ORG).content.decode()
    assert "Genomfört sedan förra sammanställningen:</strong> Orsaksanalys: mopeder vid Resecentrum" in html
    docx = render_digest_data(bundle.compiled(), bundle.questionnaire, "docx", organisation=EST_ORG).content
    paragraphs = [p.text for p in Document(io.BytesIO(docx)).paragraphs]
    assert any(p.startswith("Genomfört sedan förra sammanställningen: Orsaksanalys") for p in paragraphs)
    summary = bundle.digest.cards[0]
    assert "Lokala Brå prioriterar just nu:" in card_text(summary)
    assert "Genomfört sedan förra sammanställningen:" in card_text(summary)
    assert "Samlingsplatsen flyttar efter 22" in card_text(summary)
    assert [p.text for p in await current_priorities(db, org, NOW.date())] == [
        "Buskörning med moped i centrum"
    ]
    assert await priority_lines(db, org, dt.date(2027, 1, 1)) == [], "an ended priority is not shown"
