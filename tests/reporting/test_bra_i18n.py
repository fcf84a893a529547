"""Every text of the Brå loop has an English translation in reporting/locale/en/bra.po, and
nothing is left over there."""

from __future__ import annotations

import ast
import string
from importlib import resources
from pathlib import Path

from babel.messages.pofile import read_po

from reporting.i18n import translate

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*sorted((ROOT / "reporting" / "bra").glob("*.py")), ROOT / "adaptive_cards" / "bra.py",
           ROOT / "lagesbild" / "operations" / "decisions.py"]  # fmt: skip


def _messages() -> set[str]:
    found = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
            ):
                first = node.args[0]
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                    path,
                    ast.unparse(first),
                )
                found.add(first.value)
    return found


def _english() -> dict[str, str]:
    with resources.files("reporting.locale").joinpath("en", "bra.po").open("rb") as handle:
        catalog = read_po(handle, locale="en", domain="bra")
    return {str(m.id): str(m.string) for m in catalog if m.id}


def test_every_text_is_translated_and_nothing_is_left_over() -> None:
    messages, english = _messages(), _english()
    assert len(messages) > 100
    assert sorted(messages - set(english)) == []
    assert sorted(set(english) - messages) == []
    assert all(english.values())


def test_translations_keep_the_placeholders() -> None:
    fields = lambda text: {f for _, f, _, _ in string.Formatter().parse(text) if f}  # noqa: E731
    for swedish, text in _english().items():
        assert fields(swedish) == fields(text), swedish


def test_english_is_used_and_swedish_needs_no_catalog() -> None:
    assert translate("bra", "Bygger på: {basis}", "en", basis="x") == "Based on: x"
    assert translate("bra", "Bygger på: {basis}", "sv", basis="x") == "Bygger på: x"
