"""Brå closes the loop, end to end in the real Agents Playground, seen by the reporter (Alex):
Alex reports in Teams, Lynne reports nothing (by email) → the group sets question 1 red → the
escalation card appears in the Brå channel → a Brå member (Isaiah) decides from it → the decision
card appears in the group's channel → Alex's personal chat shows what his report led to, and
Lynne gets nothing → the owner marks it done → Alex sees the outcome."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from lagesbild.playground_config import PlaygroundConfig
from tests.e2e.conftest import BotProcess
from tests.e2e.harness import lagesbild, today
from tests.e2e.playground_client import PlaygroundClient
from tests.e2e.test_meeting_path import actions, reply_email
from tests.world import card_text

CONFIG = PlaygroundConfig()  # the page is Alex Wilber's, a caretaker
EST, GENERAL = CONFIG.channel_id, CONFIG.team_id


async def as_someone(teams: PlaygroundClient, who: str, conversation: str, **activity: Any) -> None:
    """Another mock user acts: the Playground forwards the activity to the bot as it is."""
    user = teams.user(who)
    base = await teams.activity_template(None, conversation)
    base.update(activity)
    base["from"] = {"id": user["id"], "name": user["name"], "aadObjectId": user["aadObjectId"]}
    # Teams names the tenant on every activity (the bare template leaves it out).
    base["conversation"] = {**base.get("conversation", {}), "tenantId": teams.tenant_id}
    base["channelData"] = {**(base.get("channelData") or {}), "tenant": {"id": teams.tenant_id}}
    await teams.send_activity(base)


async def test_a_bra_decision_reaches_the_reporter_and_then_its_outcome(
    bot: tuple[BotProcess, dict[str, str], Path], teams: PlaygroundClient, tmp_path: Path
) -> None:
    process, env, _ = bot
    await teams.install()
    await teams.install_in_team()
    await as_someone(
        teams, "meganb@demo.lagesbild.se", EST, type="message", text="<at>Lägesbild</at> koppla EST"
    )
    await teams.wait_in_channel(EST, lambda m: "hör nu till EST" in (m.text or ""), timeout=20)
    await as_someone(
        teams, "isaiahl@demo.lagesbild.se", GENERAL, type="message", text="<at>Lägesbild</at> koppla brå"
    )
    await teams.wait_in_channel(GENERAL, lambda m: "Brå-kanalen" in (m.text or ""), timeout=20)

    lagesbild(env, "cycle", "open")
    cycle = next(c for c in json.loads(lagesbild(env, "cycle", "list", "--json")) if c["state"] == "open")
    prompt = await teams.wait_message(lambda m: m.card is not None, timeout=30)
    result = await teams.execute(prompt.id, verb="report.submit", inputs={
        "q1_observations": "Bränder i soprum vid Brunnsparken flera nätter", "q1_impact": "4"})  # fmt: skip
    assert result.status == 200
    mail = tmp_path / "lynne.eml"
    mail.write_bytes(reply_email("lynner@demo.lagesbild.se", cycle["id"], "inget").as_bytes())
    lagesbild(env, "intake", "ingest", str(mail))

    lagesbild(env, "cycle", "close")
    lagesbild(env, "assessment", "set", "--cycle", str(cycle["id"]), "--question", "1", "--level", "red",
              "--comment", "Återkommande bränder")  # fmt: skip
    escalation = await teams.wait_in_channel(
        GENERAL, lambda m: m.card is not None and "Lyft till lokala Brå" in card_text(m.card), timeout=40
    )
    [besluta] = [a for a in actions(escalation.card) if a.get("verb") == "bra.decide.form"]

    decide = {"type": "Action.Execute", "verb": "bra.decide", "data": {**besluta["data"],
              "decision_title": "Belysning och låsta soprum vid Brunnsparken", "decision_kind": "atgard",
              "decision_owner": "isaiahl@demo.lagesbild.se", "decision_due": (today() + dt.timedelta(days=60)).isoformat()}}  # fmt: skip
    await as_someone(teams, "isaiahl@demo.lagesbild.se", GENERAL, type="invoke", name="adaptiveCard/action",
                     replyToId=escalation.id, value={"action": decide, "trigger": "manual"})  # fmt: skip
    posted = await teams.wait_in_channel(
        EST, lambda m: m.card is not None and "Belysning och låsta soprum" in card_text(m.card), timeout=30
    )
    assert "Alex" not in card_text(posted.card or {}), "agencies, never reporters' names"

    feedback = await teams.wait_message(
        lambda m: "Belysning och låsta soprum" in ((m.text or "") + card_text(m.card or {})), timeout=30
    )
    assert "Bränder i soprum" in (feedback.text or "") + card_text(feedback.card or {})
    queue = json.loads(lagesbild(env, "outbox", "list", "--json"))
    assert sorted(m["to"] for m in queue if m["kind"] == "feedback") == ["alexw@demo.lagesbild.se"]

    decisions = json.loads(lagesbild(env, "decision", "list", "--json"))
    lagesbild(env, "decision", "update", str(decisions[0]["id"]), "--status", "klar", "--text",
              "Belysningen är uppsatt och soprummen låsta", "--by", "isaiahl@demo.lagesbild.se")  # fmt: skip
    outcome = await teams.wait_message(
        lambda m: (
            m.id != feedback.id and "Belysningen är uppsatt" in ((m.text or "") + card_text(m.card or {}))
        ),
        timeout=30,
    )
    assert outcome is not None
    assert "Traceback" not in process.output()
