"""The one CSV writer of every export.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (OWASP, "CSV Injection"), also when spaces come first.
Every text cell is neutralised here with a leading apostrophe; plain numbers
(``-3``, ``0.25``) are left as they are, since they cannot be formulas. Control
characters that no export should carry are removed (``validation.safe_text``).
"""

import csv
import io
import re

from cryptoparty.core.validation import safe_text

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def neutralise(value):
    """A cell that no spreadsheet will run as a formula."""
    if value is None or isinstance(value, (int, float)):
        return value
    text = str(value)
    if _PLAIN_NUMBER.match(text):
        return text
    if text.lstrip(" \u00a0\u202f\n")[:1] in FORMULA_PREFIXES or text[:1] in FORMULA_PREFIXES:
        text = "'" + text
    return safe_text(text)


def csv_text(header: list, rows) -> str:
    """A CSV document (RFC 4180 line ends) with every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in header])
    for row in rows:
        writer.writerow([neutralise(c) for c in row])
    return out.getvalue()
