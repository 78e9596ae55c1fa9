"""Two languages, English and Russian, through gettext catalogues compiled with Babel.

Each domain keeps its own catalogue, ``locale/ru/LC_MESSAGES/<domain>.po``; the catalogues
of a language are merged into one set of translations at start-up. English is the source
language, so it needs no catalogue. The build compiles ``.po`` into ``.mo`` (``make
messages-compile``); a ``.mo`` that is missing or older than its ``.po`` is compiled in
memory instead, so a checkout never shows stale text.

The language of a request is the signed-in user's choice, then the ``tightnut_lang``
cookie (the switch on every page sets it), then the browser's ``Accept-Language``.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers, units
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

log = logging.getLogger(__name__)

LOCALES = ("en", "ru")
DEFAULT_LOCALE = "en"
LANGUAGE_COOKIE = "tightnut_lang"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
NAMES = {"en": "English", "ru": "Русский"}


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string for the catalogue without translating it here."""
    return message


@cache
def translations(locale: str) -> NullTranslations:
    """All of one language's catalogues merged; English is the identity."""
    if locale == DEFAULT_LOCALE:
        return NullTranslations()
    merged: Translations | None = None
    for po_path in sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po")):
        loaded = _load(po_path)
        if merged is None:
            merged = loaded
        else:
            merged.merge(loaded)
    if merged is None:
        raise RuntimeError(f"no message catalogue for locale {locale!r} in {LOCALE_DIR}")
    return merged


def _load(po_path: Path) -> Translations:
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as mo_file:
            return Translations(mo_file, domain=po_path.stem)
    log.info("compiling %s in memory (no fresh .mo)", po_path.name)
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=po_path.parent.parent.name)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=po_path.stem)


def gettext(locale: str, message: str, **params: object) -> str:
    """``message`` in ``locale``, with ``%(name)s`` placeholders filled from ``params``."""
    text = translations(locale).gettext(message)
    return text % params if params else text


def negotiate(accept_language: str | None) -> str:
    """The best of our locales for an ``Accept-Language`` header; English when none fits."""
    wanted: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            wanted.append((-quality, index, tag.strip()))
    for quality, _, tag in sorted(wanted):
        language = tag.replace("_", "-").split("-")[0].lower()
        if quality < 0 and language in LOCALES:
            return language
    return DEFAULT_LOCALE


def supported(locale: str | None) -> str | None:
    """``locale`` if we speak it, else None."""
    return locale if locale in LOCALES else None


class Formats:
    """Dates, numbers and units written the way a reader of ``locale`` expects."""

    def __init__(self, locale: str) -> None:
        self.locale = Locale.parse(locale)

    def datetime(self, value: dt.datetime | None, zone: str, fmt: str = "short") -> str:
        """An instant in a depot's zone, e.g. 03.12.2026, 08:15 or 12/3/26, 8:15 AM."""
        if value is None:
            return "—"
        return dates.format_datetime(value, fmt, tzinfo=ZoneInfo(zone), locale=self.locale)

    def time(self, value: dt.datetime | None, zone: str) -> str:
        """The clock time of an instant in a depot's zone."""
        if value is None:
            return "—"
        return dates.format_time(value, "short", tzinfo=ZoneInfo(zone), locale=self.locale)

    def date(self, value: dt.date | dt.datetime | None, fmt: str = "medium") -> str:
        """A calendar day."""
        if value is None:
            return "—"
        return dates.format_date(value, fmt, locale=self.locale)

    def number(self, value: float | int | Decimal | None, digits: int = 0) -> str:
        """A number with the locale's grouping and decimal sign."""
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return numbers.format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, share: float | None, digits: int = 0) -> str:
        """A share of one as a percentage."""
        if share is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return numbers.format_percent(share, format=pattern, locale=self.locale)

    def unit(self, value: float | int | None, unit: str, digits: int = 0) -> str:
        """A measured value with its unit in words of the locale: 12 km, 12 км, 5 h, 5 ч."""
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return units.format_unit(value, unit, length="short", format=pattern, locale=self.locale)
