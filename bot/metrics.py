"""`GET /metrics`: a few gauges in the Prometheus text format (outbox by state, open cycles)."""

from __future__ import annotations

from reporting.model import CycleState
from reporting.outbox import DeliveryState
from storage.database import Database
from storage.repositories import CycleRepository, OutboxRepository


async def render_metrics(db: Database) -> str:
    lines = [
        "# HELP lagesbild_outbox_messages Outgoing messages by state.",
        "# TYPE lagesbild_outbox_messages gauge",
    ]
    async with db.session(readonly=True) as s:
        outbox = OutboxRepository(s)
        for state in DeliveryState:
            lines.append(f'lagesbild_outbox_messages{{state="{state.value}"}} {await outbox.count(state)}')
        cycles = await CycleRepository(s).all()
    open_cycles = sum(1 for _, c in cycles if c.state is CycleState.OPEN)
    lines += ["# HELP lagesbild_open_cycles Cycles open for reports.", "# TYPE lagesbild_open_cycles gauge",
              f"lagesbild_open_cycles {open_cycles}"]  # fmt: skip
    return "\n".join(lines) + "\n"
