"""A short message as a card: what replaces a report card when the answer is a sentence
(a refused payload, an unknown user), since an `adaptiveCard/action` answers with a card."""

from __future__ import annotations

from typing import Any

from adaptive_cards.templating import render


def notice_card(text: str, *, title: str | None = None, locale: str = "sv") -> dict[str, Any]:
    return render("notice", {"lang": locale, "title": title, "text": text})
