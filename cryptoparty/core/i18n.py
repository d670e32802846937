"""Language selection and locale-aware formatting.

The language comes from ``?lang=`` when given, then the browser's
``Accept-Language``, then the organization's default (French for the demo
library). No cookie remembers it: links generated during a request that had
``?lang=`` carry it on, so the choice survives without storing anything.
"""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time, get_datetime_format
from flask import current_app, g, request
from flask_babel import get_locale

from cryptoparty.core.extensions import babel


def init_app(app):
    """Attach Flask-Babel with this module's selectors and the lang propagation."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          str(app.root_path + "/translations"))
    babel.init_app(app, locale_selector=select_locale)
    app.url_defaults(_carry_lang)


def requested_lang():
    """The language asked for explicitly with ``?lang=``, if it is one we speak."""
    if not request:
        return None
    lang = request.args.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else None


def select_locale():
    """Flask-Babel locale selector."""
    languages = current_app.config["LANGUAGES"]
    explicit = requested_lang()
    if explicit:
        return explicit
    best = request.accept_languages.best_match(languages) if request else None
    if best:
        return best
    org_default = getattr(g, "organization_locale", None)
    if org_default in languages:
        return org_default
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _carry_lang(endpoint, values):
    lang = requested_lang()
    if lang and "lang" not in values and endpoint != "static":
        values["lang"] = lang


def _as_local(value: datetime, tz: str | ZoneInfo | None) -> datetime:
    if tz is None:
        tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if isinstance(tz, str):
        tz = ZoneInfo(tz)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(tz)


def local_datetime(value, tz=None, format="medium"):
    """A naive-UTC datetime shown in the event's zone and the reader's language."""
    if value is None:
        return ""
    local = _as_local(value, tz)
    if format in ("medium", "long", "full"):
        # Babel's medium/long times carry seconds ("7:00:00 PM"): an event's
        # times are to the minute, so the date keeps its format and the time
        # is the short one, joined by the locale's own pattern.
        locale = get_locale()
        pattern = get_datetime_format(format, locale=locale)
        return (pattern.replace("{1}", format_date(local.date(), format=format, locale=locale))
                .replace("{0}", format_time(local, format="short", tzinfo=local.tzinfo,
                                            locale=locale)))
    return format_datetime(local, format=format, tzinfo=local.tzinfo, locale=get_locale())


def local_date(value, tz=None, format="full"):
    """The date part, in the event's zone and the reader's language."""
    if value is None:
        return ""
    return format_date(_as_local(value, tz).date(), format=format, locale=get_locale())


def local_time(value, tz=None, format="short"):
    """The time part, in the event's zone and the reader's language."""
    if value is None:
        return ""
    local = _as_local(value, tz)
    return format_time(local, format=format, tzinfo=local.tzinfo, locale=get_locale())


def to_utc(value: datetime, tz: str) -> datetime:
    """A naive local wall-clock time in ``tz`` turned into naive UTC for storage."""
    return value.replace(tzinfo=ZoneInfo(tz)).astimezone(timezone.utc).replace(tzinfo=None)


def to_local_naive(value: datetime, tz: str) -> datetime:
    """A naive UTC datetime as a naive wall-clock time in ``tz`` (for form fields)."""
    return _as_local(value, tz).replace(tzinfo=None)
