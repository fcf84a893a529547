"""Benchmark of the Teams fan-out: ``python bench/fanout.py [--reporters 2000 --tenants 20]``.

Seeds a temporary SQLite database with 2,000 reporters in 20 tenants (one municipality
each), every one with a Teams address and a 1:1 chat, and enqueues one prompt each: the
real report card (about 9.6 KB of JSON). A connector emulator runs in its own process on
the other core (tests/emulators/connector.py), enforcing per conversation 7/1 s and
60/30 s and per tenant 30/1 s as sliding windows, answering 5% of sends 429 (Retry-After
1 s) and 2% 503, and checking the bearer token, which msal fetches from the emulator's
identity endpoint. The dispatcher (lagesbild.outbox) runs in this process, pinned to one
core, authenticated, exactly as `lagesbild outbox run` runs it.

Prints, per the issue's targets: the sustained send rate of the slowest tenant (sends
to the Connector per second, whatever the answer, between the tenant's 5th and 95th
percentile send, all tenants at once) and its ratio to 0.9 x the enforced limit; messages
lost and duplicated (counted by the emulator); the peak memory of this process
(ru_maxrss: seeding included); and the in-flight window (POST answered → outcome
committed), the duplicate window after a crash.

Why sends and not deliveries: the emulator counts every send against the tenant's limit,
as Teams does, so the 7% that are answered 429 or 503 spend the tenant's quota too, and
binomial luck gives some tenant 10–13% of them. No client can deliver more than
(1 - failure share) x 30/s in that tenant (~26/s), so a delivery-rate target of 27/s is
out of reach by construction; the send rate shows whether the dispatcher keeps every
tenant's bucket full. The delivery rates are printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
import zoneinfo
from collections import Counter, defaultdict
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path; put the repository there.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from adaptive_cards.report import report_card  # noqa: E402
from lagesbild.outbox import Connector, Dispatcher  # noqa: E402
from lagesbild.outbox.auth import BotFrameworkTokens  # noqa: E402
from reporting.members_csv import MemberInput  # noqa: E402
from reporting.model import Channel, Role  # noqa: E402
from reporting.outbox import DeliveryState, MessageKind, NewMessage  # noqa: E402
from reporting.questionnaire import Questionnaire, preset_dict  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.repositories import MemberRepository, OrganisationRepository, OutboxRepository, TeamsRepository  # noqa: E402
from storage.repositories.teams import TeamsAddress  # noqa: E402
from tests.emulators.identity import LocalIdentityClient  # noqa: E402

TENANT_LIMIT = 30
TARGET_RATIO = 0.9
TARGET_MEMORY_MB = 200
APP_ID, APP_PASSWORD = "00000000-bench-app", "bench-secret"


def start_emulator(cpu: int | None) -> tuple[subprocess.Popen[str], str, str]:
    args = [
        sys.executable, "-m", "tests.emulators.connector", "--port", "0",
        "--tenant-limit", str(TENANT_LIMIT), "--throttle-share", "0.05", "--unavailable-share", "0.02",
        "--retry-after", "1", "--require-auth", "--app-id", APP_ID, "--app-password", APP_PASSWORD,
    ]  # fmt: skip
    if cpu is not None:
        args += ["--cpu", str(cpu)]
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    started = json.loads(process.stdout.readline())
    return process, started["url"], started["service_url"]


def emulator_call(url: str, path: str, body: object | None = None) -> dict:  # type: ignore[type-arg]
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def prompt_payload() -> dict:  # type: ignore[type-arg]
    questionnaire = Questionnaire.from_dict(preset_dict("est-fagersta"))
    card = report_card(
        questionnaire,
        group_name="EST",
        period_from=dt.date(2026, 11, 16),
        period_to=dt.date(2026, 11, 29),
        deadline=dt.datetime(2026, 11, 27, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Stockholm")),
        cycle_id=12,
    )
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    return {"type": "message", "summary": "Lägesrapport EST v. 47–48", "attachments": [attachment]}


async def seed(db: Database, service_url: str, reporters: int, tenants: int) -> list[dict]:  # type: ignore[type-arg]
    payload = prompt_payload()
    conversations = []
    per_tenant = reporters // tenants
    for t in range(tenants):
        tenant_id = f"{t:08d}-0000-4000-8000-{t:012d}"
        async with db.session() as s:
            org = await OrganisationRepository(s).ensure(f"Kommun {t}")
            inputs = [
                MemberInput(i + 2, f"Rapportör {t}-{i}", f"r{i}@kommun{t}.se", "fastighet",
                            frozenset({Role.REPORTER}), Channel.TEAMS)
                for i in range(per_tenant)
            ]  # fmt: skip
            member_ids = list((await MemberRepository(s).upsert(org.id, inputs)).member_ids)
            messages = []
            for i, member_id in enumerate(member_ids):
                conversation_id = f"a:1bench-{t}-{i}"
                await TeamsRepository(s).save_address(
                    TeamsAddress(
                        member_id,
                        f"29:u-{t}-{i}",
                        None,
                        tenant_id,
                        service_url,
                        f"28:{APP_ID}",
                        conversation_id,
                    )
                )
                conversations.append({"id": conversation_id, "tenant_id": tenant_id})
                messages.append(
                    NewMessage(MessageKind.PROMPT, "teams", f"r{i}@kommun{t}.se", payload,
                               "Lägesrapport EST v. 47–48", member_id=member_id, dedupe_key=f"prompt:12:{member_id}")
                )  # fmt: skip
            await OutboxRepository(s).enqueue(messages)
    return conversations


async def fan_out(db: Database, url: str, total: int) -> tuple[Dispatcher, float]:
    identity = LocalIdentityClient(url)
    tokens = BotFrameworkTokens(APP_ID, APP_PASSWORD, http_client=identity)
    async with Connector(tokens) as connector:
        dispatcher = Dispatcher(db, connector)
        started = time.monotonic()
        await dispatcher.start()
        while dispatcher.stats.sent + dispatcher.stats.dead < total:
            await asyncio.sleep(0.1)
            if time.monotonic() - started > 300:
                print("fanout: gave up after 300 s", file=sys.stderr)
                break
        elapsed = time.monotonic() - started
        await dispatcher.stop()
    identity.close()
    return dispatcher, elapsed


def sustained_rate(times: list[float]) -> float:
    """Deliveries per second between the 5th and the 95th percentile delivery."""
    times = sorted(times)
    low, high = int(len(times) * 0.05), int(len(times) * 0.95) - 1
    return (high - low) / (times[high] - times[low]) if high > low and times[high] > times[low] else 0.0


async def main_async(args: argparse.Namespace, url: str, db_url: str, service_url: str) -> int:
    db = Database(db_url)
    try:
        conversations = await seed(db, service_url, args.reporters, args.tenants)
        emulator_call(url, "/_emulator/setup", {"conversations": conversations})
        total = len(conversations)
        gc.collect()
        gc.freeze()  # as `lagesbild outbox run` does after start: seeding's objects leave the GC's sight
        dispatcher, elapsed = await fan_out(db, url, total)
        async with db.session(readonly=True) as s:
            states = {state.value: await OutboxRepository(s).count(state) for state in DeliveryState}
    finally:
        await db.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    state = emulator_call(url, "/_emulator/state")
    if os.environ.get("FANOUT_DUMP"):
        Path(os.environ["FANOUT_DUMP"]).write_text(json.dumps(state))
    delivered = [d for d in state["deliveries"] if d[4] == "POST"]
    per_conversation = Counter(d[0] for d in delivered)
    lost = sum(1 for c in conversations if per_conversation[c["id"]] == 0)
    duplicated = sum(n - 1 for n in per_conversation.values() if n > 1)
    sends: dict[str, list[float]] = defaultdict(list)
    answers: dict[str, Counter[int]] = defaultdict(Counter)
    for _, status, at, tenant_id in state["requests"]:
        if tenant_id:  # a send to a conversation (every answer, 201, 429 or 503)
            sends[tenant_id].append(at)
            answers[tenant_id][status] += 1
    deliveries: dict[str, list[float]] = defaultdict(list)
    for _, tenant_id, at, _, _ in delivered:
        deliveries[tenant_id].append(at)
    send_rates = {t: sustained_rate(ts) for t, ts in sends.items()}
    delivery_rates = {t: sustained_rate(ts) for t, ts in deliveries.items()}
    failure_share = {t: 1 - a[201] / sum(a.values()) for t, a in answers.items()}
    slowest = min(send_rates.values())
    target = TARGET_RATIO * TENANT_LIMIT
    window = dispatcher.stats.window_summary()
    responses = ", ".join(f"{k}: {v}" for k, v in sorted(state["responses"].items()))
    first, last = min(d[2] for d in delivered), max(d[2] for d in delivered)

    print(f"fanout: {total} prompts to {total} reporters in {args.tenants} tenants; {len(delivered)} delivered, "
          f"the last {elapsed:.1f} s after the start ({len(delivered) / (last - first):.0f}/s first to last)")  # fmt: skip
    print(f"fanout: emulator answered {responses} ({state['limit_rejections']} of the 429s for a limit really "
          f"reached, the rest injected); token requests: {state['token_requests']}; outbox {json.dumps(states)}")  # fmt: skip
    print(f"fanout: sends per tenant {min(send_rates.values()):.1f}–{max(send_rates.values()):.1f}/s, "
          f"{sum(send_rates.values()):.0f}/s in all (target ≈ {target * args.tenants:.0f}/s)")  # fmt: skip
    print(f"fanout: min tenant rate {slowest:.1f}/s (target {target:.1f}, ratio {slowest / target:.2f})")
    print(f"fanout: deliveries per tenant {min(delivery_rates.values()):.1f}–{max(delivery_rates.values()):.1f}/s, "
          f"{sum(delivery_rates.values()):.0f}/s in all; every 429/503 spends a send of the tenant's limit, and "
          f"{min(failure_share.values()):.0%}–{max(failure_share.values()):.0%} of each tenant's sends failed")  # fmt: skip
    print(f"fanout: lost {lost} (target 0), duplicated {duplicated} (target 0)")
    print(f"fanout: peak memory {peak_mb:.0f} MB (ru_maxrss of the dispatcher process, seeding included; "
          f"target < {TARGET_MEMORY_MB}, ratio {peak_mb / TARGET_MEMORY_MB:.2f})")  # fmt: skip
    print(f"fanout: in-flight window (POST answered → outcome committed) p50 {window.get('p50_ms', 0):.1f} ms, "
          f"p99 {window.get('p99_ms', 0):.1f} ms, max {window.get('max_ms', 0):.1f} ms")  # fmt: skip
    ok = slowest >= target and lost == 0 and duplicated == 0 and peak_mb < TARGET_MEMORY_MB
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reporters", type=int, default=2000)
    parser.add_argument("--tenants", type=int, default=20)
    args = parser.parse_args(argv)
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    emulator_cpu = cores[-1] if len(cores) > 1 else None
    if len(cores) > 1:
        os.sched_setaffinity(0, {cores[0]})
    process, url, service_url = start_emulator(emulator_cpu)
    try:
        with tempfile.TemporaryDirectory(prefix="lagesbild-fanout-") as tmp:
            db_url = f"sqlite:///{tmp}/fanout.db"
            upgrade(db_url)
            return asyncio.run(main_async(args, url, db_url, service_url))
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
