"""When to try a message again, from the typed outcome of its last attempt.

The retry is not a loop around the call: the outbox row *is* the retry state
(`attempts`, `next_attempt_at`), so a retry survives a restart and another worker may
take it. That is why this is a pure policy function instead of tenacity or backoff,
whose retry loops would keep a message claimed (`sending`) while it sleeps, widen the
duplicate window after a crash and lose the schedule on restart.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from lagesbild.outbox.results import SendResult
from reporting.outbox import Outcome


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 10  # failures (5xx, network, no address): then dead
    max_throttled_attempts: int = 30  # 429s are the service pacing us, not failures
    base: float = 1.0  # seconds; the first retry comes after 0.5–1 s
    cap: float = 600.0  # no single wait longer than this
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half of the step fixed, half random,
        so retries spread out but never come sooner than half the step."""
        step = min(self.cap, self.base * 2 ** max(attempt - 1, 0))
        return step / 2 + self.rng.uniform(0, step / 2)

    def delay(self, result: SendResult, attempt: int) -> float | None:
        """Seconds until the next attempt, or None to give up (the message is dead).
        `attempt` is the number of the attempt that just ended (1 for the first)."""
        if result.outcome is Outcome.THROTTLED:
            if attempt >= self.max_throttled_attempts:
                return None
            return result.retry_after if result.retry_after is not None else self.backoff(attempt)
        if result.outcome is Outcome.FAILED and result.retryable and attempt < self.max_attempts:
            return max(self.backoff(attempt), result.retry_after or 0.0)
        return None
