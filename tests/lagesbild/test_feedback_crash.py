"""Acceptance (issue 6): the server is killed with SIGKILL during a feedback fan-out (a Brå
decision on 500 reporters' answers) and started again: every reporter gets their feedback,
and a second copy only where the message was in flight at the kill."""

from __future__ import annotations

import datetime as dt
import signal
import zoneinfo
from collections import Counter
from pathlib import Path

from lagesbild.operations.cycles import close_cycle, open_cycle, plan
from lagesbild.operations.decisions import create_decision
from lagesbild.operations.groups import create_group
from lagesbild.operations.reports import report_context, save_report
from reporting.bra.decisions import decision_input
from reporting.model import Answer, Channel
from reporting.outbox import DeliveryState, MessageKind
from storage.database import Database
from storage.repositories import GroupRepository, MemberRepository, OutboxRepository
from tests.emulators.connector import ConnectorEmulator
from tests.emulators.seed import seed_reporters
from tests.lagesbild.test_outbox_crash import _count_sent, rows, start, until
from tests.world import first_meeting_ahead

TZ = zoneinfo.ZoneInfo("Europe/Stockholm")
REPORTERS = 500


async def test_sigkill_during_feedback_fan_out_then_restart_sends_every_feedback_once(
    db: Database, database_url: str, backend: str, tmp_path: Path
) -> None:
    now = dt.datetime.now(dt.UTC)
    async with ConnectorEmulator(tenant_limit=(30, 1.0), throttle_share=0.05, unavailable_share=0.02,
                                 keep_activities=False) as emulator:  # fmt: skip
        # The first meeting weeks ahead: serve's scheduler has nothing of the cycle to do (no
        # deadline digest among the feedback), whatever the date.
        group, _ = await create_group(db, organisation="Fagersta kommun", name="EST", preset="est-fagersta",
                                      today=now.astimezone(TZ).date(), tz=TZ, first_meeting=first_meeting_ahead())  # fmt: skip
        reporters = await seed_reporters(db, emulator, REPORTERS, tenants=10)
        async with db.session() as s:
            await GroupRepository(s).add_members(group.id, [r.member_id for r in reporters])
            members = {m.id: m for m in await MemberRepository(s).by_ids([r.member_id for r in reporters])}
        await plan(db, group, count=1, now=now, tz=TZ)
        cycle = (await open_cycle(db, group, now=now, tz=TZ, renderers={})).cycle
        for r in reporters:
            context = await report_context(db, members[r.member_id], cycle.id)
            await save_report(db, context, {"1": Answer("1", observations=f"Skadegörelse i trapphus {r.member_id}",
                                                        impact=3)}, channel=Channel.TEAMS, submit=True, now=now)  # fmt: skip
        await close_cycle(db, group, now=now, tz=TZ)
        decided = await create_decision(db, decision_input(
            title="Ökad tillsyn i trapphusen", kind="atgard", meeting_date=now.date(), owner="fastighet",
            cycle_id=cycle.id, question="1"), now=now, organisation_id=group.organisation_id)  # fmt: skip
        assert (decided.reporters, decided.feedback) == (REPORTERS, REPORTERS)
        chat = {r.member_id: r.conversation_id for r in reporters}

        first = await start(database_url, tmp_path)
        try:
            await until(lambda: len(emulator.deliveries) >= REPORTERS // 3, first, timeout=30)
        finally:
            first.send_signal(signal.SIGKILL)
            await first.communicate()
        in_flight = await rows(db, DeliveryState.SENDING)
        assert len(emulator.deliveries) < REPORTERS, "the fan-out was over before the kill"

        second = await start(database_url, tmp_path)
        try:
            await until(lambda: _count_sent(db, REPORTERS), second, timeout=60)
        finally:
            second.send_signal(signal.SIGTERM)
            await second.communicate()

    per_chat = Counter(d.conversation_id for d in emulator.deliveries)
    assert [m for m, c in chat.items() if per_chat[c] == 0] == [], "every reporter got their feedback"
    twice = {m for m, c in chat.items() if per_chat[c] > 1}
    assert twice <= set(in_flight), "only a message in flight at the kill may come twice"
    async with db.session(readonly=True) as s:
        sent = await OutboxRepository(s).list(DeliveryState.SENT)
    assert len(sent) == REPORTERS and {m.kind for m in sent} == {MessageKind.FEEDBACK}
