"""The reporter's whole path in Teams, end to end: the real Agents Playground against a real
`lagesbild serve --dev` process on SQLite, the prompt delivered by the outbox dispatcher.

install → a cycle opens (`lagesbild cycle open`) → the prompt arrives in the personal chat →
the reporter fills three questions, marks the rest "Inget att rapportera", submits → the card
is replaced by the receipt → the database holds the submission → "Ändra" → the revision is
stored.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from lagesbild.playground_config import PlaygroundConfig
from tests.e2e.conftest import REPO_ROOT, BotProcess
from tests.e2e.harness import lagesbild
from tests.e2e.playground_client import PlaygroundClient
from tests.world import card_text

CONFIG = PlaygroundConfig()
MEMBERS = REPO_ROOT / "lagesbild" / "demo_data" / "members.csv"


def submission(db_path: Path, email: str) -> tuple[str, int, dict[str, dict[str, object]]] | None:
    with sqlite3.connect(db_path) as conn:
        row = conn.execute(
            "SELECT s.id, s.state, s.revision FROM submissions s JOIN members m ON m.id = s.member_id "
            "WHERE m.email = ?", (email,),
        ).fetchone()  # fmt: skip
        if row is None:
            return None
        answers = {
            q: {"observations": o, "impact": i, "comment": c, "nothing": bool(n)}
            for q, o, i, c, n in conn.execute(
                "SELECT question, observations, impact, comment, nothing_to_report FROM answers "
                "WHERE submission_id = ?", (row[0],),
            )
        }  # fmt: skip
    return row[1], row[2], answers


async def test_a_reporter_answers_and_edits_in_teams(
    bot: tuple[BotProcess, dict[str, str], Path], teams: PlaygroundClient
) -> None:
    process, env, db_path = bot
    me = CONFIG.current_user
    await teams.install()
    greeting = await teams.wait_message(lambda m: (m.text or "").startswith("Hej Alex!"), timeout=20)
    assert "rapportera" in (greeting.text or "")

    opened = lagesbild(env, "cycle", "open")
    assert "Cykeln är öppnad" in opened
    prompt = await teams.wait_message(lambda m: m.card is not None, timeout=30)
    assert "Lägesrapport EST" in prompt.card_text()
    assert "Uppgifter som ni bedömer lyder under sekretess" in prompt.card_text()
    queue = json.loads(lagesbild(env, "outbox", "list", "--json"))
    mine = [m for m in queue if m["to"] == me.email and m["kind"] == "prompt"]
    assert len(mine) == 1 and mine[0]["state"] == "sent" and mine[0]["channel"] == "teams"

    inputs = {
        "q1_observations": "Klotter och skadegörelse vid Brunnsparken", "q1_impact": "3",
        "q1_comment": "Mest fredagskvällar",
        "q2_observations": "Hot mot personal vid fritidsgården", "q2_impact": "4",
        "q4_observations": "Bråk efter skolan vid Risbroskolan", "q4_impact": "2",
        "q3_nothing": "true", "q5_nothing": "true", "q6_nothing": "true", "q7_nothing": "true",
    }  # fmt: skip
    result = await teams.execute(prompt.id, verb="report.submit", inputs=inputs)
    assert result.status == 200, result.body
    receipt = card_text(prompt.card or {})
    assert receipt.startswith("Tack! Inskickad"), "the prompt card was replaced in place by the receipt"
    assert "Klotter och skadegörelse vid Brunnsparken" in receipt and "Påverkan 3" in receipt
    assert "Inget att rapportera" in receipt

    stored = submission(db_path, me.email)
    assert stored is not None
    state, revision, answers = stored
    assert (state, revision) == ("submitted", 1)
    assert answers["1"]["impact"] == 3 and answers["2"]["impact"] == 4 and answers["4"]["impact"] == 2
    assert all(answers[q]["nothing"] for q in "3567")

    edit = await teams.execute(prompt.id, verb="report.edit")
    assert edit.status == 200 and "q1_observations" in json.dumps(edit.value)
    changed = inputs | {"q1_impact": "5", "q1_comment": "Även lördagar"}
    again = await teams.execute(prompt.id, verb="report.submit", inputs=changed)
    assert again.status == 200 and "Tack! Inskickad" in json.dumps(again.value, ensure_ascii=False)
    state, revision, answers = submission(db_path, me.email) or ("", 0, {})
    assert (state, revision) == ("submitted", 2)
    assert answers["1"]["impact"] == 5 and answers["1"]["comment"] == "Även lördagar"
    with sqlite3.connect(db_path) as conn:
        revisions = conn.execute("SELECT count(*) FROM submission_revisions").fetchone()[0]
    assert revisions == 2
    assert "Traceback" not in process.output()
