"""What a dispatcher run did: counts per outcome and the duplicate window's figures
(`DispatcherStats`, kept while it runs), or one pass's summary (`RunSummary`)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class DispatcherStats:
    sent: int = 0
    throttled: int = 0
    failed: int = 0
    dead: int = 0
    recipient_gone: int = 0
    conversations_created: int = 0
    windows: list[float] = field(default_factory=list, repr=False)  # POST answered → outcome committed (s)

    def window_summary(self) -> dict[str, float]:
        if not self.windows:
            return {}
        ordered = sorted(self.windows)
        return {
            "p50_ms": round(1000 * statistics.median(ordered), 2),
            "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
            "max_ms": round(1000 * ordered[-1], 2),
        }


@dataclass(frozen=True)
class RunSummary:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
