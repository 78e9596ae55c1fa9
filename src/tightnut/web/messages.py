"""The message catalogues: extract what templates and code mark, update ``.po``, compile ``.mo``.

``python -m tightnut.web.messages update`` adds every new message of each domain to
``locale/ru/LC_MESSAGES/<domain>.po`` (with an empty translation to fill in) and marks the
ones no longer used as obsolete; ``compile`` writes the ``.mo`` files; ``check`` lists the
messages that have no Russian translation and exits 1 if there are any. A domain is a
package with pages; ``web`` also holds the shared templates.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from tightnut.web.i18n import LOCALE_DIR, LOCALES

ROOT = LOCALE_DIR.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "false"}


def domains() -> list[str]:
    """Every package with pages or templates, and ``web`` for the shared layout."""
    found = {p.parent.name for p in ROOT.glob("*/pages.py")} | {
        p.parent.name for p in ROOT.glob("*/templates")
    }
    return sorted(found | {"web"})


def _sources(domain: str) -> Iterator[Path]:
    folders = [ROOT / domain] + ([ROOT / "templates"] if domain == "web" else [])
    for folder in folders:
        yield from sorted(folder.rglob("*.py"))
        yield from sorted(folder.rglob("*.html"))
        yield from sorted(folder.rglob("*.svg"))


def extract(domain: str) -> Catalog:
    """The messages a domain's code and templates mark for translation."""
    catalog = Catalog(domain=domain)
    for path in _sources(domain):
        method = "python" if path.suffix == ".py" else "jinja2.ext:babel_extract"
        for line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=OPTIONS, strip_comment_tags=True
        ):
            location = (str(path.relative_to(ROOT)), line)
            catalog.add(message, locations=[location])
    return catalog


def po_path(locale: str, domain: str) -> Path:
    """Where a domain's catalogue of ``locale`` lives."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"


def read(locale: str, domain: str) -> Catalog:
    """A domain's catalogue of ``locale``, empty when there is none yet."""
    path = po_path(locale, domain)
    if not path.exists():
        return Catalog(locale=locale, domain=domain)
    with path.open("rb") as po_file:
        return read_po(po_file, locale=locale, domain=domain)


def update() -> None:
    """Bring every ``.po`` in line with what the sources mark."""
    for locale in LOCALES[1:]:
        for domain in domains():
            catalog = read(locale, domain)
            catalog.update(extract(domain), no_fuzzy_matching=True)
            path = po_path(locale, domain)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as po_file:
                write_po(po_file, catalog, width=100, omit_header=False, sort_output=True)


def compile_all() -> None:
    """Write each ``.mo`` beside its ``.po``."""
    for po_file in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        with po_file.open("rb") as source:
            catalog = read_po(source)
        with po_file.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog)


def untranslated(locale: str) -> list[str]:
    """``domain: message (where)`` for each marked message with no translation in ``locale``.

    A message counts as translated in its own domain's catalogue or in the shared ``web`` one.
    """
    missing = []
    shared = read(locale, "web")
    for domain in domains():
        own = read(locale, domain)
        for message in extract(domain):
            if not message.id:
                continue
            entry = own.get(message.id) or shared.get(message.id)
            if entry is None or not entry.string or entry.fuzzy or _blank(entry.string):
                where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
                missing.append(f"{domain}: {message.id!r} ({where})")
    return missing


def _blank(text: str | tuple[str, ...] | list[str]) -> bool:
    return not text if isinstance(text, str) else any(not s for s in text)


def main(argv: list[str]) -> int:
    """Command line: update, compile or check."""
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        missing = untranslated("ru")
        print("\n".join(missing) or "every message has a Russian translation")
        return 1 if missing else 0
    else:
        print("usage: python -m tightnut.web.messages update|compile|check", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
