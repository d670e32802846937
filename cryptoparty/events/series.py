"""Series: a recurring event whose dates come from an RRULE (``python-dateutil``).

"Every first Saturday, 10:30–12:00, until June" is ``FREQ=MONTHLY;BYDAY=1SA;UNTIL=20260630``
from a first start at 10:30 local time. Each date becomes an ordinary event
(its own page, registration, cancellation), linked to the series, with a copy
of the template program (the sessions and workshops of a chosen event, or of
the first date once it has them) that the organizer then edits date by date. Dates are
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
from cryptoparty.core.i18n import to_local_naive, to_utc
from cryptoparty.events import services as event_service
from cryptoparty.events.models import Event, EventSeries, EventSession, EventStatus, Workshop

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


class ProgramDoesNotFit(DomainError):
    message = _l("The program does not fit in the dates of the series: its session "
                 "“%(label)s” would lie outside them. Make the dates longer or the program "
                 "shorter.")


class NoProgramToCopy(DomainError):
    message = _l("This date has no program yet: add its sessions and workshops first.")


class NotInASeries(DomainError):
    message = _l("This event is not a date of a series.")


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


def copy_program(source: Event, target: Event) -> None:
    """Copy the sessions and workshops of ``source`` into ``target`` (in this transaction).

    Each session keeps its local time relative to the start (10:30 stays 10:30 on a
    date after a change of summer time); workshops keep everything but their seats
    and facilitators. A session that would fall outside ``target`` raises
    ``ProgramDoesNotFit`` and nothing is copied.
    """
    shift = (to_local_naive(target.starts_at, target.timezone)
             - to_local_naive(source.starts_at, source.timezone))
    planned = []
    for session in source.sessions:
        starts_at, ends_at = (
            to_utc(to_local_naive(value, source.timezone) + shift, target.timezone)
            for value in (session.starts_at, session.ends_at))
        if starts_at < target.starts_at or ends_at > target.ends_at:
            raise ProgramDoesNotFit(label=session.label)
        planned.append((session, starts_at, ends_at))
    for session, starts_at, ends_at in planned:
        copy = EventSession(label=session.label, starts_at=starts_at, ends_at=ends_at)
        target.sessions.append(copy)
        for workshop in session.workshops:
            copy.workshops.append(Workshop(
                event_id=target.id, slug=workshop.slug, position=workshop.position,
                seats_taken=0, facilitators=0,
                **{k: getattr(workshop, k) for k in event_service.WORKSHOP_FIELDS}))


def copy_program_to_series(source: Event, *, now: datetime) -> int:
    """Give the program of ``source`` to the other dates of its series that have none.

    Only dates still to come, draft or published, and without any session get it: a
    date the organizer already planned, cancelled or that is over is left as it is.
    Returns how many dates got the program.
    """
    if source.series is None:
        raise NotInASeries()
    if not source.sessions:
        raise NoProgramToCopy()
    targets = [e for e in source.series.events
               if e.id != source.id and not e.sessions and e.ends_at > now
               and e.status in (EventStatus.DRAFT, EventStatus.PUBLISHED)]
    with atomic():
        for target in targets:
            copy_program(source, target)
            target.updated_at = now
            event_service.program_changed(target, now)
    return len(targets)


def create_series(organization, *, rule: str, first_start: datetime, duration: timedelta,
                  now: datetime, publish: bool = False, template: Event | None = None,
                  **fields) -> EventSeries:
    """Create a series and one event per date (drafts, or published at once).

    ``first_start`` is the local wall-clock start of the first date in the
    organization's time zone; ``fields`` are the events' fields (title, kind, venue...).
    ``template``, an event of the organization, gives every date a copy of its
    sessions and workshops (``copy_program``).
    """
    if template is not None and template.organization_id != organization.id:
        raise NotFound()
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
            if template is not None:
                db.session.flush()
                copy_program(template, event)
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
