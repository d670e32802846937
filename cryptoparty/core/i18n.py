"""Language selection and locale-aware formatting.

The language comes from ``?lang=`` when given, then the browser's
``Accept-Language``, then the organization's default (French for the demo
library). No cookie remembers it: links generated during a request that had
``?lang=`` carry it on, so the choice survives without storing anything.
"""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    format_date,
    format_datetime,
    format_interval,
    format_time,
    get_datetime_format,
    get_time_format,
)
from flask import current_app, g, request
from flask_babel import get_locale

from cryptoparty.core.extensions import babel


def init_app(app):
    """Attach Flask-Babel with this module's selectors and the lang propagation."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          str(app.root_path + "/translations"))
    babel.init_app(app, locale_selector=select_locale)
    app.url_defaults(_carry_lang)
    app.after_request(_vary_on_language)


def _vary_on_language(response):
    """A response whose language was negotiated says so: ``Vary: Accept-Language``.

    Without ``?lang=``, the language (and so the page) follows the browser's
    ``Accept-Language``: a shared cache must not give one reader's French page
    to the next reader's English browser.
    """
    if g.get("language_negotiated"):
        response.vary.add("Accept-Language")
    return response


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
    g.language_negotiated = True
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


def spans_several_days(start, end, tz=None) -> bool:
    """Whether ``start`` and ``end`` (naive UTC) fall on different local days.

    An end at midnight sharp belongs to the day before (an evening until 00:00).
    """
    if start is None or end is None:
        return False
    last = _as_local(end, tz) - timedelta(microseconds=1)
    return _as_local(start, tz).date() != last.date()


def local_range(start, end, tz=None, *, with_date: bool = True,
                multi_day: bool | None = None) -> str:
    """The one date-range formatter: "Saturday 16 May 2026, 10:00–18:00" or, over several days,
    "Saturday 16 May 2026, 10:00 – Sunday 17 May 2026, 18:00" (Babel's interval formats).

    ``with_date=False`` gives only the times when the range lies within one day (a
    session of a one-evening event); ``multi_day`` (e.g. the event's own) forces
    dates on every range of an event that spans several days.
    """
    if start is None or end is None:
        return ""
    locale = get_locale()
    a, b = _as_local(start, tz), _as_local(end, tz)
    several = spans_several_days(start, end, tz)
    if several or (multi_day and with_date is False):
        if not several:
            # One day of a multi-day event: its date, then its times.
            return _date_and_times(a, b, locale, format="medium")
        return Locale.parse(locale).interval_formats.get(None, "{0} – {1}").replace(
            "{0}", local_datetime(start, tz, "full")).replace(
            "{1}", local_datetime(end, tz, "full"))
    times = format_interval(a, b, _time_skeleton(locale), tzinfo=a.tzinfo, locale=locale)
    if not with_date:
        return times
    return _date_and_times(a, b, locale, format="full")


def _date_and_times(a, b, locale, format: str) -> str:
    times = format_interval(a, b, _time_skeleton(locale), tzinfo=a.tzinfo, locale=locale)
    day = format_date(a.date(), format=format, locale=locale)
    return f"{day}, {times}"


def _time_skeleton(locale) -> str:
    """Hours and minutes, on the 12- or 24-hour clock as the locale writes them."""
    pattern = str(get_time_format("short", locale=locale).pattern)
    return "hm" if "h" in pattern else "Hm"


def to_utc(value: datetime, tz: str) -> datetime:
    """A naive local wall-clock time in ``tz`` turned into naive UTC for storage."""
    return value.replace(tzinfo=ZoneInfo(tz)).astimezone(timezone.utc).replace(tzinfo=None)


def to_local_naive(value: datetime, tz: str) -> datetime:
    """A naive UTC datetime as a naive wall-clock time in ``tz`` (for form fields)."""
    return _as_local(value, tz).replace(tzinfo=None)
