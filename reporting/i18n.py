"""User-facing texts in Swedish first, English second, through Babel message catalogs.

Message ids are the Swedish texts themselves, so Swedish needs no catalog and never
falls back to an untranslated key. English lives in `reporting/locale/en/<domain>.po`,
one catalog per package (`cli`, `cards`, `intake`, `bot`, …) so that packages never
edit one file. Catalogs are read with Babel's PO reader once, at first use.

    from reporting.i18n import translator
    _ = translator("cli")
    _("Inga cykler planerade.", "en")
    _("{n} medlemmar importerade.", "sv", n=3)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources

from babel.messages.pofile import read_po

DEFAULT_LOCALE = "sv"
SUPPORTED_LOCALES = ("sv", "en")


@cache
def _catalog(domain: str, locale: str) -> dict[str, str]:
    if locale == DEFAULT_LOCALE:
        return {}
    resource = resources.files("reporting.locale").joinpath(locale, f"{domain}.po")
    if not resource.is_file():
        return {}
    with resource.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=domain)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


def translate(domain: str, message: str, locale: str = DEFAULT_LOCALE, /, **values: object) -> str:
    """The message in `locale` (Swedish if no translation exists), with `{name}` values filled."""
    text = _catalog(domain, locale).get(message, message) if locale in SUPPORTED_LOCALES else message
    return text.format(**values) if values else text


def translator(domain: str) -> Callable[..., str]:
    def _(message: str, locale: str = DEFAULT_LOCALE, /, **values: object) -> str:
        return translate(domain, message, locale, **values)

    return _
