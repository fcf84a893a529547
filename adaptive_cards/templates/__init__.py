"""The card templates: JSON in the Adaptive Cards Templating language, read by `adaptive_cards.render`."""
