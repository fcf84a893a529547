"""A short message as a card: what replaces a report card when the answer is a sentence
(a refused payload, an unknown user), since an `adaptiveCard/action` answers with a card.

`unavailable_card` is the answer when the database cannot be used just now: it says so and
offers **Försök igen**, which sends the pressed button's verb and data (the inputs included)
once more, so nothing the person filled in is lost with the card it replaces."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adaptive_cards.report import MAX_CARD_BYTES, card_size
from adaptive_cards.templating import render

UNAVAILABLE_SAVE = "Det gick inte att spara just nu – försök igen om en stund."
UNAVAILABLE_SAVE_DETAIL = (
    "Inget av det du skickade är sparat. **Försök igen** skickar samma svar en gång till."
)
UNAVAILABLE_READ = "Det gick inte att hämta uppgifterna just nu – försök igen om en stund."
RETRY = "Försök igen"


def notice_card(text: str, *, title: str | None = None, locale: str = "sv") -> dict[str, Any]:
    return render("notice", {"lang": locale, "title": title, "text": text})


def unavailable_card(
    verb: str | None, data: Mapping[str, Any] | None, *, saving: bool = True, locale: str = "sv"
) -> dict[str, Any]:
    """The database is unavailable: the card that replaces the pressed one. `saving` is False
    for a button that only shows something (nothing was about to be saved)."""
    text, detail = (UNAVAILABLE_SAVE, UNAVAILABLE_SAVE_DETAIL) if saving else (UNAVAILABLE_READ, None)
    retry = {"title": RETRY, "verb": verb, "data": dict(data or {})} if verb else None
    card = render("unavailable", {"lang": locale, "text": text, "detail": detail, "retry": retry})
    if retry is not None and card_size(card) > MAX_CARD_BYTES:  # the inputs alone are too long to carry
        card = render("unavailable", {"lang": locale, "text": text, "detail": None, "retry": None})
    return card
