"""Impact per question: mean, maximum, distribution, the last cycles' means and the trend.

- `history` holds the mean impact of the question in up to three earlier cycles, oldest
  first: of the three cycles before this one that got any submitted report, those in
  which the question was given an impact score.
- `trend` compares this cycle's mean with the mean of `history`: "up" when it is at least
  `TREND_STEP` higher, "down" when at least that much lower, "flat" in between; "new"
  when there is no history to compare with; null when no impact was scored this cycle
  (nothing to compare), which is also the case for questions without an impact score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Trend = Literal["up", "down", "flat", "new"]

HISTORY_CYCLES = 3
TREND_STEP = 0.5
SCALE = (1, 2, 3, 4, 5)
ARROWS = {"up": "↑", "down": "↓", "flat": "→", "new": "ny"}


def mean(values: Sequence[int | float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


@dataclass(frozen=True, slots=True)
class Impact:
    mean: float | None
    max: int | None
    distribution: dict[str, int]
    history: list[float]
    trend: Trend | None

    def as_json(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "max": self.max,
            "distribution": self.distribution,
            "history": self.history,
            "trend": self.trend,
        }


def trend_of(current: float | None, history: Sequence[float]) -> Trend | None:
    if current is None:
        return None
    if not history:
        return "new"
    change = round(current - sum(history) / len(history), 2)
    if change >= TREND_STEP:
        return "up"
    if change <= -TREND_STEP:
        return "down"
    return "flat"


def impact_of(scores: Iterable[int], history: Sequence[float]) -> Impact:
    """`scores` are this cycle's impact scores for the question (1–5); `history` the earlier
    cycles' means, oldest first (already limited to `HISTORY_CYCLES`)."""
    values = [s for s in scores if s in SCALE]
    current = mean(values)
    return Impact(
        mean=current,
        max=max(values) if values else None,
        distribution={str(n): values.count(n) for n in SCALE},
        history=[round(h, 1) for h in history],
        trend=trend_of(current, history),
    )


def history_means(
    earlier: Sequence[dict[str, list[int]]], question: str, cycles: int = HISTORY_CYCLES
) -> list[float]:
    """The question's means in the last `cycles` of `earlier` (each cycle: question → scores,
    oldest first), skipping cycles where it got no score."""
    result = []
    for scores in earlier[-cycles:]:
        values = scores.get(question) or []
        m = mean(values)
        if m is not None:
            result.append(m)
    return result
