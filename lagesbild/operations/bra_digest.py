"""What Brå adds to a cycle's digest (the places DESIGN's JSON leaves for it), filled when
the digest is built, so the frozen digest says what stood when it was made:

- `decisions.open` / `decisions.overdue`: the municipality's open decisions, split at the
  day the digest is built (`reporting.bra.wording.decision_json`);
- `decisions.done`: decisions closed since the group's previous digest, with a root-cause
  analysis's result (how "linked from the next digest" is kept);
- `priorities`: Brå's current priorities, as the lines the cards show;
- `promises`: the current citizen promises, each with the reported themes of this digest
  its items concern (`reporting.bra.promises.coverage`).

Only repositories and the domain are used here, so `lagesbild.operations.digest` can call
it without an import cycle.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

from reporting.bra.agenda import ordered
from reporting.bra.promises import coverage
from reporting.bra.wording import decision_json, priority_line
from reporting.model import Cycle, ReportingGroup
from storage.database import Database
from storage.repositories import CycleRepository
from storage.repositories.decisions import DecisionRepository
from storage.repositories.digests import DigestRepository
from storage.repositories.priorities import PriorityRepository
from storage.repositories.promises import PromiseRepository

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


async def bra_sections(
    db: Database,
    group: ReportingGroup,
    cycle: Cycle,
    data: Mapping[str, Any],
    *,
    now: dt.datetime,
    tz: zoneinfo.ZoneInfo = STOCKHOLM,
    locale: str = "sv",
) -> dict[str, Any]:
    """The digest's Brå keys for `group`'s `cycle` (`data` is the digest built so far)."""
    today = now.astimezone(tz).date()
    organisation_id = group.organisation_id
    async with db.session(readonly=True) as s:
        repo = DecisionRepository(s)
        decisions = await repo.list(organisation_id, open_only=True)
        earlier = [
            c.id for c in await CycleRepository(s).for_group(group.id) if c.period_from < cycle.period_from
        ]
        previous = await DigestRepository(s).latest_for_cycles(earlier)
        since = max((d.built_at for d in previous.values()), default=None) or dt.datetime.combine(
            cycle.period_from, dt.time(), tzinfo=tz
        )
        done = await repo.closed_between(organisation_id, since, now)
        priorities = await PriorityRepository(s).current(organisation_id, today)
        promises = [p for p in await PromiseRepository(s).all(organisation_id) if p.is_current(today)]
    overdue, open_ = ordered(decisions, today)
    reported = {str(q["question"]): str(q["theme"]) for q in data["questions"] if q["counts"]["observations"]}
    return {
        "decisions": {
            "open": [decision_json(d, today, locale) for d in open_],
            "overdue": [decision_json(d, today, locale) for d in overdue],
            "done": [decision_json(d, today, locale) for d in done],
        },
        "priorities": [priority_line(p, locale) for p in priorities],
        "promises": [
            {
                "id": p.id,
                "title": p.title,
                "period": {"from": p.period_from.isoformat(), "to": p.period_to.isoformat()},
                "covers": coverage(p, reported),
            }
            for p in promises
        ],
    }
