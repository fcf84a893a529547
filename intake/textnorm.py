"""Text normalisation shared by the reply form and the answer parser.

``fold`` makes a line comparable the way a person reads it: case, diacritics
("Övrigt" = "ovrigt"), dash variants, non-breaking and repeated spaces, and email
quote markers ("> > ") do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_QUOTE_PREFIX_RE = re.compile(r"^(?:[ \t]*>)+[ \t]?")
_SPACE_RE = re.compile(r"[ \t\u00a0\u2007\u202f\u200b\ufeff]+")
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})


def unquote(line: str) -> str:
    """`line` without its leading ``>`` quote markers."""
    return _QUOTE_PREFIX_RE.sub("", line) if ">" in line else line


def quote_depth(line: str) -> int:
    m = _QUOTE_PREFIX_RE.match(line)
    return m.group().count(">") if m else 0


def clean_spaces(text: str) -> str:
    """Non-breaking and zero-width spaces as plain spaces, runs collapsed, ends stripped."""
    if text.isascii() and "  " not in text and "\t" not in text:
        return text.strip()
    return _SPACE_RE.sub(" ", text).strip()


def _slow_strip(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Latin letters with diacritics to their base letter, one character each: the fast path.
_BASE = {code: _slow_strip(chr(code)) for code in range(0xC0, 0x250) if len(_slow_strip(chr(code))) == 1}


_COMMON = (("å", "a"), ("ä", "a"), ("ö", "o"), ("Å", "A"), ("Ä", "A"), ("Ö", "O"), ("é", "e"), ("ü", "u"))


def _common_to_ascii(text: str) -> str:
    for accented, base in _COMMON:
        if accented in text:
            text = text.replace(accented, base)
    return text


@lru_cache(maxsize=4096)
def strip_diacritics(text: str) -> str:
    """``"Övrigt på väg"`` -> ``"Ovrigt pa vag"`` (and compatibility forms: ``"¹"`` -> ``"1"``)."""
    if text.isascii():
        return text
    text = _common_to_ascii(text)
    if text.isascii():
        return text
    text = text.translate(_BASE)
    return text if text.isascii() else _slow_strip(text)


def _same_length_table() -> dict[int, str]:
    table = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"}
    for code in range(0xC0, 0x250):
        base = _slow_strip(chr(code).lower())
        if len(base) == 1 and base != chr(code):
            table[code] = base
    table.update({0xA0: " ", 0x2007: " ", 0x202F: " "})
    return table


_SAME_LENGTH = _same_length_table()


@lru_cache(maxsize=16384)
def fold_same_length(text: str) -> str:
    """Like `fold`, but every character stays where it was, so match positions index `text`.

    Expects a line already cleaned by `clean_spaces` and `unquote`.
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower()[:1] for c in text)
    if lowered.isascii():
        return lowered
    lowered = _common_to_ascii(lowered)
    return lowered if lowered.isascii() else lowered.translate(_SAME_LENGTH)


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Lower case, no diacritics, one kind of dash, single spaces, no quote markers."""
    text = clean_spaces(unquote(text)).casefold()
    if not text.isascii():
        text = strip_diacritics(text.translate(_DASHES))
    return text
