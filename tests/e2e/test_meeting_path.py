"""The meeting, end to end in the real Agents Playground as the coordinator (Megan Bowen):
channels linked with "@Lägesbild koppla EST" / "koppla brå" → reports are in → "stäng" closes
the period → the digest arrives in her chat and the EST channel → she sets question 1 red on
the digest card → the escalation card appears in the Brå channel."""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from lagesbild.playground_config import PlaygroundConfig
from tests.e2e.conftest import BotProcess
from tests.e2e.harness import lagesbild
from tests.e2e.playground_client import PlaygroundClient
from tests.world import card_text

CONFIG = PlaygroundConfig().for_user("meganb")


def actions(node: object) -> list[dict[str, object]]:
    """Every Action.Execute anywhere in a card."""
    if isinstance(node, dict):
        found = [node] if node.get("type") == "Action.Execute" else []
        return found + [a for value in node.values() for a in actions(value)]
    if isinstance(node, list):
        return [a for item in node for a in actions(item)]
    return []


def reply_email(sender: str, cycle_id: int, answer: str) -> EmailMessage:
    """A reporter's reply to the prompt email, answering question 1 above the quote."""
    mail = EmailMessage()
    mail["From"], mail["To"] = sender, "lagesbild@demo.lagesbild.se"
    mail["Subject"] = f"SV: Lägesrapport EST [LB-{cycle_id}]"
    mail["Message-ID"] = make_msgid(domain="demo.lagesbild.se")
    mail["Date"] = formatdate(localtime=True)
    mail.set_content(
        f"1. Ordningsstörningar och otrygghet\nSvar: {answer}\nPåverkan (1–5): 4\n\n2. Hot och våld\nSvar: inget\n"
    )
    return mail


EST, GENERAL = CONFIG.channel_id, CONFIG.team_id


async def test_the_coordinator_closes_gets_the_digest_and_escalates_a_red_question(
    bot: tuple[BotProcess, dict[str, str], Path], teams: PlaygroundClient, tmp_path: Path
) -> None:
    process, env, _ = bot
    await teams.install()
    await teams.wait_message(lambda m: (m.text or "").startswith("Hej Megan!"), timeout=20)
    await teams.install_in_team()
    await teams.send_message("koppla EST", conversation_id=EST, mention_bot=True)
    await teams.wait_in_channel(EST, lambda m: "hör nu till EST" in (m.text or ""), timeout=20)
    await teams.send_message("koppla brå", conversation_id=GENERAL, mention_bot=True)
    await teams.wait_in_channel(GENERAL, lambda m: "Brå-kanalen" in (m.text or ""), timeout=20)

    lagesbild(env, "cycle", "open")
    cycle = next(c for c in json.loads(lagesbild(env, "cycle", "list", "--json")) if c["state"] == "open")
    mails = []
    for n, (who, text) in enumerate((
        ("pattif@demo.lagesbild.se", "Bränder i papperskorgar vid Brunnsparken två kvällar i rad"),
        ("lynner@demo.lagesbild.se", "Papperskorg i brand vid Brunnsparken på fredagskvällen"),
    )):  # fmt: skip
        mail = tmp_path / f"reply{n}.eml"
        mail.write_bytes(reply_email(who, cycle["id"], text).as_bytes())
        mails.append(str(mail))
    lagesbild(env, "intake", "ingest", *mails)

    await teams.send_message("stäng")
    await teams.wait_message(lambda m: "är stängd" in (m.text or ""), timeout=20)
    summary = await teams.wait_message(
        lambda m: m.card is not None and "Sammanställning" in card_text(m.card), timeout=40
    )
    assert "Ordningsstörningar" in card_text(summary.card or {})
    detail = await teams.wait_message(
        lambda m: m.card is not None and "assess_q1_level" in json.dumps(m.card), timeout=20
    )
    posted = await teams.wait_in_channel(EST, lambda m: m.card is not None, timeout=20)
    assert "Sammanställning" in card_text(posted.card or {}), "the summary is posted in the group's channel"

    # The form's button sits in question 1's section (an ActionSet), so it is pressed with its own data.
    action = next(a for a in actions(detail.card or {}) if a.get("verb") == "digest.assess"
                  and a.get("data", {}).get("question") == "1")  # fmt: skip
    assert action["data"]["cycle"] == cycle["id"]
    result = await teams.execute(detail.id, verb="digest.assess", data=action["data"], inputs={
        "assess_q1_level": "red", "assess_q1_comment": "Återkommande bränder, Brå behöver besluta"})  # fmt: skip
    assert result.status == 200, result.body
    assert "Återkommande bränder, Brå behöver besluta" in json.dumps(result.value, ensure_ascii=False)
    escalation = await teams.wait_in_channel(
        GENERAL, lambda m: m.card is not None and "Lyft till lokala Brå" in card_text(m.card), timeout=30
    )
    text = card_text(escalation.card or {})
    assert "Fråga 1, Ordningsstörningar och otrygghet" in text and "Rött" in text
    assert "Brunnsparken" in text and "Patti" not in text and "Lynne" not in text
    assert "Traceback" not in process.output()
