"""Återkommande: an item that resembles an observation of an earlier cycle.

An item recurs when some observation of the same question in one of the group's
earlier cycles within `WINDOW_DAYS` (a year) has a cosine similarity of at least
`RECUR_THRESHOLD` with the item's centroid. `first_seen_cycle` is the earliest such
cycle; `cycles_seen` counts the distinct cycles it was seen in, this one included.
The earlier observations are looked up through an inverted index, not pair by pair.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reporting.digest.text import Index

RECUR_THRESHOLD = 0.35
WINDOW_DAYS = 365


@dataclass(frozen=True, slots=True)
class Recurring:
    first_seen_cycle: int
    cycles_seen: int

    def as_json(self) -> dict[str, Any]:
        return {"first_seen_cycle": self.first_seen_cycle, "cycles_seen": self.cycles_seen}


def window_start(period_from: dt.date) -> dt.date:
    return period_from - dt.timedelta(days=WINDOW_DAYS)


class EarlierObservations:
    """The earlier cycles' observation vectors of one question, indexed; cycles in `order`
    (oldest first) so the first-seen cycle is the oldest match."""

    def __init__(self) -> None:
        self._index = Index()
        self._cycle_of: list[int] = []
        self._rank: dict[int, int] = {}

    def add_cycle(self, cycle_id: int) -> None:
        self._rank.setdefault(cycle_id, len(self._rank))

    def add(self, cycle_id: int, vector: Mapping[str, float]) -> None:
        self.add_cycle(cycle_id)
        self._index.add(vector)
        self._cycle_of.append(cycle_id)

    def recurring(self, vector: Mapping[str, float], threshold: float = RECUR_THRESHOLD) -> Recurring | None:
        matches = self._index.similar(vector, threshold)
        if not matches:
            return None
        cycles = {self._cycle_of[doc] for doc in matches}
        first = min(cycles, key=self._rank.__getitem__)
        return Recurring(first_seen_cycle=first, cycles_seen=len(cycles) + 1)


def recurring_of(
    vectors: Sequence[Mapping[str, float]], earlier: EarlierObservations
) -> list[Recurring | None]:
    return [earlier.recurring(v) for v in vectors]
