"""Bot Framework activity JSON for the outbox: a card or a text, as plain dicts.

Only this package wraps cards as attachments (CONVENTIONS); the outbox stores the result
frozen and the dispatcher posts it as it is.
"""

from __future__ import annotations

from typing import Any

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def card_activity(card: dict[str, Any], *, summary: str) -> dict[str, Any]:
    return {
        "type": "message",
        "summary": summary,
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
    }


def text_activity(text: str) -> dict[str, Any]:
    return {"type": "message", "text": text, "textFormat": "markdown"}
