"""Typed send outcomes, shared by the Teams connector and any email sender.

A send is `sent`, `throttled` (429: wait for Retry-After), `failed` (retryable or not)
or `recipient_gone` (403/404: blocked, uninstalled, conversation gone). The dispatcher
decides what happens next from these alone; no exception escapes a sender for an
ordinary HTTP or network failure.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from dataclasses import dataclass

from reporting.outbox import Outcome

RETRYABLE_STATUS = frozenset({412, 500, 502, 503, 504})
GONE_STATUS = frozenset({403, 404})
# 401 is retried too: the usual cause is a credential being rotated, which an operator
# fixes within the retry budget; giving up at once would drop the whole fan-out.
RETRYABLE_CLIENT_STATUS = frozenset({401, 408})


@dataclass(frozen=True, slots=True)
class SendResult:
    """What one delivery attempt came to. `activity_id` is the id Teams gave the activity;
    `conversation_id` is set when a 1:1 conversation was created."""

    outcome: Outcome
    status_code: int | None = None
    retry_after: float | None = None  # seconds, from the Retry-After header
    activity_id: str | None = None
    conversation_id: str | None = None
    detail: str = ""
    retryable: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.SENT


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date (RFC 9110).
    None when absent or unreadable; never negative."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def result_for_status(
    status: int,
    *,
    retry_after: float | None = None,
    detail: str = "",
    activity_id: str | None = None,
    conversation_id: str | None = None,
) -> SendResult:
    """Map an HTTP status to a typed outcome (Teams' documented retry rules)."""
    if 200 <= status < 300:
        return SendResult(
            Outcome.SENT, status, activity_id=activity_id, conversation_id=conversation_id, detail=detail
        )
    if status == 429:
        return SendResult(Outcome.THROTTLED, status, retry_after=retry_after, detail=detail, retryable=True)
    if status in GONE_STATUS:
        return SendResult(Outcome.RECIPIENT_GONE, status, detail=detail)
    retryable = status in RETRYABLE_STATUS or status in RETRYABLE_CLIENT_STATUS or status >= 500
    return SendResult(Outcome.FAILED, status, retry_after=retry_after, detail=detail, retryable=retryable)


def network_failure(detail: str) -> SendResult:
    """A connection error or timeout: nothing is known about delivery; retry."""
    return SendResult(Outcome.FAILED, None, detail=detail, retryable=True)
