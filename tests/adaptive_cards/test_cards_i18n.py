"""Every text the card builders show has an English translation in reporting/locale/en/cards.po."""

from __future__ import annotations

import ast
import inspect
import string
from importlib import resources

from babel.messages.pofile import read_po

from adaptive_cards import report


def _messages() -> set[str]:
    """The Swedish message ids the builders pass to `_`."""
    found = set(report._PERSONAL_DATA_TEXTS.values()) | {report._PERSONAL_DATA_OTHER}
    for node in ast.walk(ast.parse(inspect.getsource(report))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "_"
            and node.args
        ):
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def _english() -> dict[str, str]:
    resource = resources.files("reporting.locale").joinpath("en", "cards.po")
    with resource.open("rb") as handle:
        catalog = read_po(handle, locale="en", domain="cards")
    return {str(m.id): str(m.string) for m in catalog if m.id}


def test_every_card_text_is_translated_and_nothing_is_left_over() -> None:
    messages, english = _messages(), _english()
    assert len(messages) > 25
    assert sorted(messages - set(english)) == []
    assert sorted(set(english) - messages) == []
    assert all(english.values())


def _fields(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_translations_keep_the_placeholders() -> None:
    for swedish, text in _english().items():
        assert _fields(swedish) == _fields(text), swedish
