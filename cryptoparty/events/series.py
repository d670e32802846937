"""Series: a recurring event whose dates come from an RRULE (``python-dateutil``).

"Every first Saturday, 10:30–12:00, until June" is ``FREQ=MONTHLY;BYDAY=1SA;UNTIL=20260630``
from a first start at 10:30 local time. Each date becomes an ordinary event
(its own page, registration, cancellation), linked to the series. Dates are
computed in the event's local time, so 10:30 stays 10:30 across a change to or
from summer time, and stored in UTC like every other time.
"""

from datetime import datetime, timedelta
from itertools import islice

from dateutil.rrule import rrulestr
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cryptoparty.core.database import atomic
from cryptoparty.core.errors import DomainError, EndsBeforeStart, NotFound
from cryptoparty.core.extensions import db
from cryptoparty.core.i18n import to_utc
from cryptoparty.events import services as event_service
from cryptoparty.events.models import Event, EventSeries

MAX_OCCURRENCES = 100


class InvalidRecurrence(DomainError):
    message = _l("This recurrence rule cannot be read: %(reason)s")


class TooManyOccurrences(DomainError):
    message = _l("This rule makes more than %(maximum)d dates: add an end (UNTIL or COUNT) "
                 "or make it shorter.")


class NoOccurrence(DomainError):
    message = _l("This rule makes no date: check its end (UNTIL) and the first start.")


class SeriesNotFound(NotFound):
    message = _l("There is no such series.")


def occurrences(rule: str, first_start: datetime) -> list[datetime]:
    """The local start of every date of the rule (at most ``MAX_OCCURRENCES``)."""
    text = (rule or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "\n" in text or "DTSTART" in text.upper():
        raise InvalidRecurrence(reason=_l("give one RRULE line, such as "
                                          "FREQ=MONTHLY;BYDAY=1SA;COUNT=6."))
    try:
        parsed = rrulestr(text, dtstart=first_start)
        dates = list(islice(iter(parsed), MAX_OCCURRENCES + 1))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        raise InvalidRecurrence(reason=str(error)[:200]) from None
    if len(dates) > MAX_OCCURRENCES:
        raise TooManyOccurrences(maximum=MAX_OCCURRENCES)
    if not dates:
        raise NoOccurrence()
    return dates


def _slug_taken(slug: str) -> bool:
    return db.session.scalar(select(EventSeries.id).filter_by(slug=slug)) is not None


def create_series(organization, *, rule: str, first_start: datetime, duration: timedelta,
                  now: datetime, publish: bool = False, **fields) -> EventSeries:
    """Create a series and one event per date (drafts, or published at once).

    ``first_start`` is the local wall-clock start of the first date in the
    organization's time zone; ``fields`` are the events' fields (title, kind, venue...).
    """
    if duration <= timedelta(0):
        raise EndsBeforeStart()
    tz = fields.pop("timezone", None) or organization.timezone
    dates = occurrences(rule, first_start)
    with atomic():
        base = event_service.slugify(fields["title"])
        slug = event_service._unique_slug(base, _slug_taken)
        series = EventSeries(organization=organization, slug=slug, title=fields["title"],
                             description=fields.get("description", ""),
                             rrule=rule.strip(), created_at=now)
        db.session.add(series)
        db.session.flush()
        for local_start in dates:
            start = to_utc(local_start, tz)
            end = to_utc(local_start + duration, tz)
            event = event_service.create_event(
                organization, now=now, slug=event_service._unique_slug(
                    f"{slug}-{local_start:%Y-%m-%d}", event_service._event_slug_taken),
                starts_at=start, ends_at=end, timezone=tz,
                registration_opens_at=None, registration_closes_at=start, **fields)
            event.series_id = series.id
            if publish:
                event_service.change_status(event, "publish", now=now)
    return series


def get_public_series(slug: str) -> EventSeries:
    """A series that has at least one public date, or ``SeriesNotFound``."""
    series = db.session.scalar(select(EventSeries).filter_by(slug=slug))
    if series is None or not public_dates(series):
        raise SeriesNotFound()
    return series


def public_dates(series: EventSeries) -> list[Event]:
    """The series' dates that have a public page, soonest first."""
    return [e for e in series.events if e.is_public]
