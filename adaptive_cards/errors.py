"""The exceptions of `adaptive_cards`, under one base class so that a caller can catch them all.

- `CardError`: the base class.
- `TemplateError(CardError)`: a template or its data is wrong (a programming error; tests catch it).
- `CardTooLarge(CardError)`: the rendered card would exceed what Teams delivers (28 KB).
"""

from __future__ import annotations


class CardError(Exception):
    """Base class of every error raised by `adaptive_cards`."""


class TemplateError(CardError):
    """A template could not be expanded: unknown template, missing data, unsupported expression."""


class CardTooLarge(CardError):
    """The card's JSON is larger than Teams accepts; `size` and `limit` are in bytes."""

    def __init__(self, name: str, size: int, limit: int) -> None:
        super().__init__(f"card {name!r} is {size} bytes, more than the {limit} bytes Teams accepts")
        self.name = name
        self.size = size
        self.limit = limit
