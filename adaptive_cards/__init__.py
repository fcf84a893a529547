"""Adaptive Card 1.5 templates and their rendering into plain dicts.

Templates are JSON files under `adaptive_cards/templates/`, expanded by `render(name, data)`
(see `adaptive_cards.templating`); the builders in `adaptive_cards.report` make the data
for the reporter's cards. Nothing here imports botbuilder: `bot/` wraps the dicts.
"""

from adaptive_cards.errors import CardError, CardTooLarge, TemplateError
from adaptive_cards.templating import render

__all__ = ["CardError", "CardTooLarge", "TemplateError", "render"]
