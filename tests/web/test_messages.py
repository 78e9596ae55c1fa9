"""Every word a page shows is in the catalogue and has its Russian translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment

from tightnut.web import messages
from tightnut.web.i18n import gettext

ROOT = messages.ROOT
TEMPLATES = sorted(ROOT.glob("**/templates/**/*.html"))
# Text a template may show as is: the brand, language names, and symbols.
AS_IS = {"Tightnut", "English", "Русский", "API", "CSV", "VIN", "SVG", "HTMX"}
ATTRIBUTES = re.compile(r'\b(?:title|alt|placeholder|aria-label)="([^"§]*)"')
TAG = re.compile(r"<[^>]*>")
WORD = re.compile(r"[A-Za-zА-Яа-яЁё]{2,}")


def test_every_marked_message_has_a_russian_translation() -> None:
    missing = messages.untranslated("ru")
    assert not missing, "no Russian for:\n" + "\n".join(missing)


def _raw_words(path: Path) -> list[str]:
    """Words a template shows outside ``_()``/``{% trans %}``: text and labelled attributes."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    pieces = []
    in_trans = False
    for _line, kind, value in env.lex(path.read_text(encoding="utf-8")):
        if kind == "name" and value == "trans":
            in_trans = True
        elif kind == "name" and value == "endtrans":
            in_trans = False
        pieces.append(value if kind == "data" and not in_trans else "§")
    text = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", "".join(pieces), flags=re.S)
    shown = TAG.sub(" ", text) + " " + " ".join(ATTRIBUTES.findall(text))
    shown = re.sub(r"&\w+;", " ", shown)
    return [w for w in WORD.findall(shown) if w not in AS_IS]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_show_no_text_outside_the_catalogue(path: Path) -> None:
    assert _raw_words(path) == [], "wrap these in _() or {% trans %}"


def test_the_check_finds_an_untranslated_message() -> None:
    assert gettext("ru", "Sign out") == "Выйти"
    assert gettext("ru", "a sentence nobody translated") == "a sentence nobody translated"
