"""Build and check the translation catalogues.

Source strings are English; ``translations/fr/LC_MESSAGES/messages.po`` holds
the French. ``python -m cryptoparty.core.i18n_catalog compile`` writes the ``.mo``
files Flask-Babel reads; ``check`` lists every string of the code and
templates that has no French translation (a test runs it too).
"""

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parent.parent
ROOT = PACKAGE.parent
TRANSLATIONS = PACKAGE / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
            "_l": None, "lazy_ngettext": (1, 2), "N_": None}
METHOD_MAP = [("cryptoparty/**.py", "python"), ("templates/**.html", "jinja2"),
              ("templates/**.txt", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"},
           "templates/**.txt": {"extensions": "jinja2.ext.i18n"}}


def catalogs():
    """Every ``messages.po`` file, by language."""
    return {p.parent.parent.name: p for p in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po"))}


def compile_catalogs() -> list[Path]:
    """Compile each ``.po`` into the ``.mo`` beside it when it is newer."""
    written = []
    for lang, po_path in catalogs().items():
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=lang)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo_path)
        written.append(mo_path)
    return written


def source_messages() -> dict[str, list[str]]:
    """Every translatable string of the code and templates, with where it appears."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), METHOD_MAP, OPTIONS, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def missing_translations(lang: str = "fr") -> dict[str, list[str]]:
    """Source strings with no translation in ``lang``."""
    with catalogs()[lang].open("rb") as f:
        catalog = read_po(f, locale=lang)
    missing = {}
    for msgid, places in source_messages().items():
        message = catalog.get(msgid)
        translated = message and (all(message.string) if isinstance(message.string, tuple)
                                  else message.string)
        if not translated:
            missing[msgid] = places
    return missing


def main(argv):
    command = argv[1] if len(argv) > 1 else "compile"
    if command == "compile":
        for path in compile_catalogs():
            print(f"compiled {path.relative_to(ROOT)}")
        return 0
    if command == "check":
        missing = missing_translations()
        for msgid, places in sorted(missing.items()):
            print(f"{places[0]}: {msgid!r}")
        print(f"{len(missing)} strings without a French translation")
        return 1 if missing else 0
    print("usage: python -m cryptoparty.core.i18n_catalog [compile|check]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
