"""The one rule for what a person may type, and for the numbers and dates we accept.

Every form field and every JSON field goes through these checks (issue 14), so that
a value that a database, a calendar, a feed or a header cannot hold is refused with
a clear 400 message instead of a 500 further down:

- **Text.** No NUL, no C0 control character, no DEL, no C1 control (U+0080..U+009F,
  NEL included), no lone surrogate, no Unicode noncharacter (U+FDD0..U+FDEF, U+FFFE,
  U+FFFF and their kin in every plane), no byte order mark (U+FEFF), anywhere. A
  single-line field also refuses CR, LF, tab and the Unicode line and paragraph
  separators (U+2028, U+2029); a long text (a ``TextAreaField``) allows tab and
  newlines (CR LF is kept as the browser sends it). A value made only of invisible
  characters (format characters such as U+200B or U+202E, spaces other than the
  plain space, Hangul fillers) is refused: it would show as an empty name.
- **Bidirectional controls** (U+202A..U+202E, U+2066..U+2069) are allowed when
  balanced on each line, so that right-to-left text can be typed as people need;
  an embedding, override or isolate left open (which reverses what follows it on
  the page, in a CSV or in a feed reader) is refused, and removed from outputs.
- **Integers** fit in a signed 64-bit column: ``-2**63 .. 2**63 - 1``.
- **Dates** lie between ``MIN_DATETIME`` and ``MAX_DATETIME``: far enough from the
  ends of Python's calendar that moving them by an event's length, or into any
  time zone, never overflows.

``validators()`` gives the WTForms validators; ``core.forms.Form`` attaches them to
every field of every form, so that no form can forget them. ``json_text``,
``json_int`` and ``json_int_list`` do the same for JSON bodies, and ``parse_id`` for
numbers read by hand from a query string.

``safe_line`` and ``safe_text`` are for output: whatever was stored before these
rules existed, text that goes into iCalendar, Atom, CSV, PDF or a header is made
harmless (everything XML 1.0 forbids, noncharacters, C1 controls and unbalanced
bidirectional controls removed). ``safe_output`` applies them to every page (Jinja's
``finalize``) and every JSON document (the JSON provider).
"""

import json
import re
import unicodedata
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from cryptoparty.core.errors import DomainError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# The accepted range of every date a person types. Wide enough for any real
# event, far enough from year 1 and year 9999 that arithmetic never overflows.
MIN_DATETIME = datetime(1970, 1, 1, 0, 0)
MAX_DATETIME = datetime(2999, 12, 31, 23, 59)
MAX_LIST_ITEMS = 100
MAX_JSON_DEPTH = 32

# Unicode noncharacters: U+FDD0..U+FDEF and the last two code points of every plane.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
# Never in any text we store or write: C0 controls (a long text keeps tab, LF and CR),
# DEL, C1 controls (U+0080..U+009F, NEL included), lone surrogates, noncharacters.
_NEVER = "\x7f-\x9f\ud800-\udfff" + _NONCHARACTERS
# A long text also refuses the byte order mark, which is no character of the text.
_FORBIDDEN_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_NEVER}\ufeff]")
# A single line also refuses tab, CR, LF and the Unicode line and paragraph separators.
_FORBIDDEN_SINGLE_LINE = re.compile(f"[\x00-\x1f{_NEVER}\u2028\u2029\ufeff]")
# Removed from every output: everything XML 1.0 forbids (C0 but tab/LF/CR, surrogates,
# U+FFFE/U+FFFF), the other noncharacters, DEL and C1 controls, which no reader shows.
_NOT_XML = re.compile(f"[{_NEVER}]")
# Anything ``safe_text`` would change (a fast test before doing it).
_ANY_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f{_NEVER}]")
# Characters that end a line for Python's str.splitlines() and for some readers.
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
# Bidirectional controls: embeddings and overrides (closed by U+202C PDF), isolates
# (closed by U+2069 PDI). Allowed when balanced within each line, so that mixed
# right-to-left text can be typed; an unclosed one (which reverses what follows it
# on the page, in a CSV or in a feed reader: "Trojan Source") is refused.
_BIDI_OPEN_EMBEDDING = "\u202a\u202b\u202d\u202e"
_BIDI_POP_EMBEDDING = "\u202c"
_BIDI_OPEN_ISOLATE = "\u2066\u2067\u2068"
_BIDI_POP_ISOLATE = "\u2069"
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Characters that draw nothing: a value made only of them (and spaces) is refused.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp"}
_INVISIBLE_EXTRA = set("\u034f\u115f\u1160\u180e\u2800\u3164\uffa0") | {
    chr(c) for c in range(0xFE00, 0xFE10)}


class InvalidText(DomainError):
    message = _l("“%(field)s” contains a control character (such as a line break or an "
                 "invisible character) that is not allowed here: type it again.")


class InvalidValue(DomainError):
    message = _l("A value in this request cannot be stored: check what you typed.")


class DatabaseBusy(DomainError):
    status = 503
    message = _l("The site is very busy right now and nothing was saved. Try again in a "
                 "moment: your choices are still on the previous page.")


class InvalidInteger(DomainError):
    message = _l("“%(field)s” must be a whole number between %(minimum)s and %(maximum)s.")


class InvalidList(DomainError):
    message = _l("“%(field)s” must be a list of at most %(maximum)d whole numbers.")


class DateOutOfRange(DomainError):
    message = _l("Dates must lie between %(minimum)s and %(maximum)s.")

    def __init__(self, message=None, **params):
        params.setdefault("minimum", MIN_DATETIME.strftime("%Y-%m-%d"))
        params.setdefault("maximum", MAX_DATETIME.strftime("%Y-%m-%d"))
        super().__init__(message, **params)


# --------------------------------------------------------------------------- checks

def text_problem(value: str, *, multiline: bool) -> bool:
    """Whether ``value`` holds a character the field does not accept, an unbalanced
    bidirectional control, or nothing visible at all (only invisible characters)."""
    pattern = _FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_SINGLE_LINE
    if pattern.search(value) is not None:
        return True
    if _BIDI.search(value) is not None and not bidi_balanced(value):
        return True
    return only_invisible(value)


def bidi_balanced(value: str) -> bool:
    """Whether every bidirectional embedding, override or isolate is closed on its line."""
    for line in value.split("\n"):
        embeddings = isolates = 0
        for char in line:
            if char in _BIDI_OPEN_EMBEDDING:
                embeddings += 1
            elif char == _BIDI_POP_EMBEDDING:
                if embeddings == 0:
                    return False
                embeddings -= 1
            elif char in _BIDI_OPEN_ISOLATE:
                isolates += 1
            elif char == _BIDI_POP_ISOLATE:
                if isolates == 0:
                    return False
                isolates -= 1
        if embeddings or isolates:
            return False
    return True


def only_invisible(value: str) -> bool:
    """Whether ``value`` holds something besides spaces, yet nothing a reader would see."""
    if not value.strip(" \t\r\n"):
        return False  # empty, or plain spaces: each field's own rules decide
    return all(char in _INVISIBLE_EXTRA or unicodedata.category(char) in _INVISIBLE_CATEGORIES
               for char in value)


def check_text(value, field: str, *, multiline: bool = False) -> str:
    """``value`` if it is text without forbidden characters, else ``InvalidText``."""
    if not isinstance(value, str) or text_problem(value, multiline=multiline):
        raise InvalidText(field=field)
    return value


def int_in_range(value, minimum: int = INT64_MIN, maximum: int = INT64_MAX) -> bool:
    """Whether ``value`` is an int (not a bool) within the bounds."""
    return isinstance(value, int) and not isinstance(value, bool) \
        and minimum <= value <= maximum


def date_in_range(value) -> bool:
    """Whether a date or datetime lies within the accepted range."""
    if isinstance(value, datetime):
        return MIN_DATETIME <= value.replace(tzinfo=None) <= MAX_DATETIME
    if isinstance(value, date):
        return MIN_DATETIME.date() <= value <= MAX_DATETIME.date()
    return True


def check_date(value):
    """``value`` if it lies within the accepted range, else ``DateOutOfRange``."""
    if not date_in_range(value):
        raise DateOutOfRange()
    return value


# --------------------------------------------------------------------------- JSON

def json_text(body: dict, key: str, *, multiline: bool = False, max_length: int = 5000,
              default=None):
    """The string under ``key`` of a JSON object, checked; ``default`` when absent."""
    if key not in body:
        return default
    value = check_text(body[key], key, multiline=multiline)
    if len(value) > max_length:
        raise InvalidText(field=key)
    return value


def json_int(body: dict, key: str, *, minimum: int = 1, maximum: int = INT64_MAX,
             default=None):
    """The integer under ``key`` of a JSON object within the bounds; ``default`` when absent."""
    if key not in body:
        return default
    value = body[key]
    if not int_in_range(value, minimum, maximum):
        raise InvalidInteger(field=key, minimum=minimum, maximum=maximum)
    return value


def json_int_list(body: dict, key: str, *, minimum: int = 1, maximum: int = INT64_MAX,
                  max_items: int = MAX_LIST_ITEMS) -> list[int]:
    """A list of integers within the bounds (at most ``max_items``), or ``InvalidList``."""
    value = body.get(key)
    if not isinstance(value, list) or len(value) > max_items \
            or not all(int_in_range(i, minimum, maximum) for i in value):
        raise InvalidList(field=key, maximum=max_items)
    return value


class JSONTooDeep(ValueError):
    """A JSON document nested deeper than ``MAX_JSON_DEPTH`` (a ``ValueError``: malformed)."""


def load_json(text: str | bytes, *, limit: int = MAX_JSON_DEPTH, **kwargs):
    """The one JSON parsing of whatever comes from outside (request bodies, inboxes,
    documents fetched from other servers): nesting beyond ``limit`` is a ``ValueError``
    like any malformed document, never a ``RecursionError`` in Python's parser."""
    if not json_depth_ok(text, limit):
        raise JSONTooDeep("JSON nested too deep")
    try:
        return json.loads(text, **kwargs)
    except RecursionError as error:  # pragma: no cover - the count above comes first
        raise JSONTooDeep("JSON nested too deep") from error


def json_depth_ok(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the nesting of a JSON document stays within ``limit`` (brackets outside strings)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return False
        elif char in "]}":
            depth -= 1
    return True


def parse_id(value) -> int | None:
    """A positive 64-bit id typed in a query string, or None (never an exception)."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 1 <= number <= INT64_MAX else None


# --------------------------------------------------------------------------- output

def safe_line(value) -> str:
    """One line of text for a header, a calendar or a feed: breaks become spaces, controls go."""
    if value is None:
        return ""
    text = _LINE_BREAKS.sub(" ", _NOT_XML.sub("", str(value)))
    return _balanced(_FORBIDDEN_SINGLE_LINE.sub("", text.replace("\t", " ")).strip())


def safe_text(value) -> str:
    """Long text for a calendar, a feed or a PDF: newlines kept, other controls removed."""
    if value is None:
        return ""
    text = _NOT_XML.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return _balanced(_FORBIDDEN_MULTILINE.sub("", text))


def _balanced(text: str) -> str:
    """``text`` without its bidirectional controls when they are not balanced."""
    if _BIDI.search(text) is None or bidi_balanced(text):
        return text
    return _BIDI.sub("", text)


def safe_output(value):
    """``value`` with ``safe_text`` applied to every string in it (dicts and lists walked).

    The one place every rendered document passes through: Jinja's ``finalize``
    (every ``{{ ... }}`` of every page, PDF and text template) and the JSON provider
    (the API, ``|tojson`` and so JSON-LD). ``Markup`` stays ``Markup``; anything
    else (numbers, dates, None) is left as it is.
    """
    if isinstance(value, str):
        if _ANY_CONTROL.search(value) is None and (
                _BIDI.search(value) is None or bidi_balanced(value)):
            return value
        cleaned = safe_text(value)
        return type(value)(cleaned) if type(value) is not str else cleaned
    if isinstance(value, dict):
        return {safe_output(k): safe_output(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [safe_output(item) for item in value]
    return value


def safe_filename(value) -> str:
    """A file name for a Content-Disposition header: one line, no quote or backslash."""
    name = re.sub(r'["\\/;]', "_", safe_line(value))
    return name.encode("ascii", "replace").decode("ascii").replace("?", "_") or "download"


def content_disposition(disposition: str, filename) -> str:
    """A Content-Disposition header value whatever the stored name holds."""
    return f'{disposition}; filename="{safe_filename(filename)}"'


# --------------------------------------------------------------------------- WTForms

class SafeText:
    """WTForms validator: refuses control characters (see the module's rules)."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        from wtforms.validators import StopValidation

        data = field.data
        values = data if isinstance(data, (list, tuple)) else [data]
        for value in values:
            if isinstance(value, str) and text_problem(value, multiline=self.multiline):
                raise StopValidation(InvalidText(field=field.label.text).describe())

    def __repr__(self):
        return f"SafeText(multiline={self.multiline})"


class Int64:
    """WTForms validator: an integer field's value fits in a 64-bit column."""

    def __call__(self, form, field):
        from wtforms.validators import StopValidation

        if field.data is not None and not int_in_range(field.data):
            raise StopValidation(InvalidInteger(field=field.label.text, minimum=INT64_MIN,
                                                maximum=INT64_MAX).describe())


class DateInRange:
    """WTForms validator: a date field's value lies within the accepted range."""

    def __call__(self, form, field):
        from wtforms.validators import StopValidation

        if field.data is not None and not date_in_range(field.data):
            raise StopValidation(DateOutOfRange().describe())


def validators_for(field_class) -> list:
    """The validators that every field of this class must carry."""
    from wtforms import DateField, DateTimeField, DecimalField, IntegerField, TextAreaField
    from wtforms.fields import DateTimeLocalField, FieldList, FileField, FormField

    if issubclass(field_class, TextAreaField):
        return [SafeText(multiline=True)]
    if issubclass(field_class, IntegerField):
        return [Int64()]
    if issubclass(field_class, (DateTimeField, DateField, DateTimeLocalField)):
        return [DateInRange()]
    if issubclass(field_class, (DecimalField, FieldList, FormField, FileField)):
        return []
    # StringField and its kin (PasswordField, SearchField, RadioField values,
    # SelectField values): one line of text.
    return [SafeText(multiline=False)]
