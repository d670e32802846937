"""Planning events: the event itself, its sessions and their workshops.

Times are naive UTC. The rules enforced here (and echoed by the forms for a
precise message next to the field) are: an event and each session end after
they start, a session lies within its event, a workshop's capacity lies in
``1..MAX_WORKSHOP_CAPACITY`` and never drops below the seats already taken.
"""

import functools
import re
import unicodedata
from datetime import datetime, timedelta

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from cryptoparty.accounts import roles
from cryptoparty.accounts.models import Organization, Organizer
from cryptoparty.accounts.roles import Permission
from cryptoparty.core import pagination, validation
from cryptoparty.core.database import atomic
from cryptoparty.core.errors import (
    CapacityBelowTaken,
    DomainError,
    DuplicateSlug,
    EndsBeforeStart,
    EventArchived,
    EventNotFound,
    HasRegistrations,
    InvalidCapacity,
    InvalidTransition,
    RegistrationOpensAfterStart,
    SessionNoLongerInside,
    SessionNotFound,
    SessionOutsideEvent,
    TooManyFacilitators,
    WorkshopNotFound,
)
from cryptoparty.core.extensions import db
from cryptoparty.events.models import (
    ACCESSIBILITY_FEATURES,
    ATTENDANCE_MODES,
    AUDIENCES,
    SCHEDULE_STATUSES,
    Event,
    EventSession,
    EventStatus,
    Workshop,
)
from cryptoparty.registration import services as registration
from cryptoparty.registration.models import TicketChoice

MAX_WORKSHOP_CAPACITY = 10_000
#: Formats run by a facilitator: unless told otherwise, they look for one.
FACILITATED_FORMATS = ("workshop", "install", "discussion")
EVENT_FIELDS = ("kind", "title", "description", "venue", "address", "timezone", "starts_at",
                "ends_at", "registration_opens_at", "registration_closes_at",
                "retention_days", "max_party", "volunteer_withdraw_hours",
                "accessibility", "accessibility_notes", "audience", "minimum_age",
                "attendance_mode", "online_url", "is_free", "price", "schedule_status")
WORKSHOP_FIELDS = ("format", "title", "summary", "topics", "level", "room", "capacity",
                   "materials", "needs_facilitator", "allow_cofacilitators", "recipe_key")

_signals = Namespace()
#: Sent inside the transaction of every change of an event's data or status
#: (``action``: "update", "publish", "cancel", "archive", "unpublish"; ``now``;
#: ``previous_status``). The events area knows none of its receivers: an area
#: above it (federation) connects to it.
event_changed = _signals.signal("event-changed")


def slugify(text: str, max_length: int = 60) -> str:
    """A lowercase ASCII slug: "Café vie privée" → "cafe-vie-privee"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "event"


def _unique_slug(base: str, taken) -> str:
    slug, n = base, 2
    while taken(slug):
        slug = f"{base}-{n}"
        n += 1
    return slug


def _event_slug_taken(slug: str) -> bool:
    return db.session.scalar(select(Event.id).filter_by(slug=slug)) is not None


# Reading ------------------------------------------------------------------

def _upcoming_query(now: datetime, organization=None, *, city: str | None = None,
                    kind: str | None = None):
    published = Event.status == EventStatus.PUBLISHED
    if city or organization is not None:
        # Through the organizations' events (an index on organization_id), not by walking
        # every published event in date order: SQLite's planner (without ANALYZE) prefers
        # the index that gives the order, and then reads them all to find a city's few.
        published = func.coalesce(Event.status, "") == EventStatus.PUBLISHED
    query = select(Event).where(published, Event.ends_at >= now)
    if organization is not None:
        query = query.where(Event.organization_id == organization.id)
    if city:
        # The organizations of that city first (a few ids), then their events.
        query = query.where(Event.organization_id.in_(
            select(Organization.id).where(func.lower(Organization.city) == city.strip().lower())))
    if kind:
        query = query.where(Event.kind == kind)
    return query.order_by(Event.starts_at, Event.id)


def upcoming_events(now: datetime, organization=None, *, city: str | None = None,
                    kind: str | None = None) -> list[Event]:
    """Published events that have not ended, soonest first (drafts and cancelled excluded).

    ``city`` (the organization's city, any case) and ``kind`` narrow the list.
    """
    return list(db.session.scalars(_upcoming_query(now, organization, city=city, kind=kind)))


def upcoming_events_page(now: datetime, number: int, *, city: str | None = None,
                         kind: str | None = None, per_page: int | None = None):
    """Page ``number`` of ``upcoming_events`` (with each event's organization): the directory."""
    per_page = per_page or pagination.PER_PAGE
    query = _upcoming_query(now, city=city, kind=kind).options(joinedload(Event.organization))
    return pagination.paginate(query, number, per_page)


# Built once per process: the public page and the registration read an event by its
# slug on every request, and building the statement costs more than running it.
_PUBLIC_EVENT = select(Event).where(Event.slug == bindparam("slug"))
_PUBLIC_PROGRAM = _PUBLIC_EVENT.options(
    joinedload(Event.organization),
    selectinload(Event.sessions).selectinload(EventSession.workshops))


def get_public_event(slug: str, *, program: bool = False) -> Event:
    """An event that has a public page (not a draft), or ``EventNotFound``.

    ``program=True`` loads its organization, sessions and workshops with it (three
    queries in all), so that the program page fires no lazy load from its template.
    """
    event = db.session.scalar(_PUBLIC_PROGRAM if program else _PUBLIC_EVENT, {"slug": slug})
    if event is None or not event.is_public:
        raise EventNotFound()
    return event


def events_of(organizer: Organizer) -> list[Event]:
    """Every event of the organizer's organizations, newest first."""
    org_ids = [o.id for o in organizer.organizations]
    if not org_ids:
        return []
    query = select(Event).where(Event.organization_id.in_(org_ids))
    return list(db.session.scalars(query.order_by(Event.starts_at.desc())))


def events_with_program(organization) -> list[Event]:
    """The organization's events that have sessions (a program to copy), newest first."""
    query = (select(Event).where(Event.organization_id == organization.id,
                                 Event.sessions.any())
             .order_by(Event.starts_at.desc()))
    return list(db.session.scalars(query))


def get_event_for(organizer: Organizer, slug: str, permission: Permission = Permission.EVENTS,
                  *, now=None) -> Event:
    """An event the organizer may reach with ``permission`` (``accounts.roles.require``).

    Another organization's event is ``EventNotFound``; a role without the
    permission is ``Forbidden``; a door account reaches the door on the event's day only.
    """
    event = db.session.scalar(select(Event).filter_by(slug=slug))
    if event is None:
        raise EventNotFound()
    roles.require(organizer, event.organization, permission, event=event, now=now,
                  not_found=EventNotFound)
    return event


def get_session_for(organizer: Organizer, session_id: int) -> EventSession:
    """A session of one of the organizer's events, or ``SessionNotFound``."""
    session = db.session.get(EventSession, session_id)
    if session is None:
        raise SessionNotFound()
    roles.require(organizer, session.event.organization, Permission.EVENTS,
                  not_found=SessionNotFound)
    return session


def get_workshop_for(organizer: Organizer, workshop_id: int) -> Workshop:
    """A workshop of one of the organizer's events, or ``WorkshopNotFound``."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise WorkshopNotFound()
    roles.require(organizer, workshop.session.event.organization, Permission.EVENTS,
                  not_found=WorkshopNotFound)
    return workshop


# Events -------------------------------------------------------------------

class OnlineLinkRequired(DomainError):
    message = _l("An online or mixed event needs the link to attend online.")


class OnlineLinkNotHttps(DomainError):
    message = _l("The online link must start with https://.")


class UnknownChoice(DomainError):
    message = _l("This choice is not in the list.")


def _describe_fields(fields: dict) -> dict:
    """Check and normalize the fields that describe an event to the world."""
    if "accessibility" in fields:
        value = fields["accessibility"]
        chosen = value.split(",") if isinstance(value, str) else list(value or ())
        chosen = {c.strip() for c in chosen if c and c.strip()}
        if chosen - set(ACCESSIBILITY_FEATURES):
            raise UnknownChoice()
        fields["accessibility"] = ",".join(f for f in ACCESSIBILITY_FEATURES if f in chosen)
    for name, allowed in (("audience", AUDIENCES), ("attendance_mode", ATTENDANCE_MODES),
                          ("schedule_status", SCHEDULE_STATUSES)):
        if name in fields and fields[name] not in allowed:
            raise UnknownChoice()
    if "online_url" in fields:
        fields["online_url"] = (fields["online_url"] or "").strip()
    if "price" in fields:
        fields["price"] = (fields["price"] or "").strip()
    return fields


def _check_online(mode: str, url: str) -> None:
    if url and not re.match(r"^https://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", url):
        raise OnlineLinkNotHttps()
    if mode in ("online", "mixed") and not url:
        raise OnlineLinkRequired()

def _check_event_times(starts_at, ends_at, opens_at=None, closes_at=None):
    for value in (starts_at, ends_at, opens_at, closes_at):
        validation.check_date(value)
    if ends_at <= starts_at:
        raise EndsBeforeStart()
    if opens_at and closes_at and closes_at <= opens_at:
        raise EndsBeforeStart()
    if opens_at and opens_at >= starts_at:
        raise RegistrationOpensAfterStart()


def create_event(organization, *, now: datetime, slug: str | None = None, **fields) -> Event:
    """Create a draft event of the organization."""
    _check_event_times(fields["starts_at"], fields["ends_at"],
                       fields.get("registration_opens_at"), fields.get("registration_closes_at"))
    fields = _describe_fields(dict(fields))
    _check_online(fields.get("attendance_mode", "onsite"), fields.get("online_url", ""))
    with atomic():
        if slug:
            if _event_slug_taken(slug):
                raise DuplicateSlug(slug=slug)
        else:
            slug = _unique_slug(slugify(fields["title"]), _event_slug_taken)
        fields.setdefault("timezone", organization.timezone)
        if fields.get("retention_days") is None:
            fields["retention_days"] = organization.default_retention_days
        event = Event(organization=organization, slug=slug, status=EventStatus.DRAFT,
                      created_at=now, updated_at=now,
                      **{k: v for k, v in fields.items() if k in EVENT_FIELDS})
        db.session.add(event)
    return event


def update_event(event: Event, *, now: datetime, move_registration_window: bool = False,
                 move_program: bool = False, **fields) -> Event:
    """Change an event's details; its sessions must still lie within it.

    Moving the event never leaves registration opening after the start silently:
    with ``move_registration_window`` the window moves by the same amount as the
    start; without it, a window that would open after the start raises
    ``RegistrationOpensAfterStart`` and the organizer chooses. With
    ``move_program`` its sessions move with the start too, keeping their local
    times relative to it (a date of a series moved to another day); ticket
    holders are told of each move, as after a session's own move.
    """
    from cryptoparty.core.i18n import to_local_naive, to_utc

    fields = _describe_fields(dict(fields))
    merged = {k: fields.get(k, getattr(event, k)) for k in EVENT_FIELDS}
    shift = merged["starts_at"] - event.starts_at
    if move_registration_window and shift:
        for key in ("registration_opens_at", "registration_closes_at"):
            if getattr(event, key) is not None:
                merged[key] = getattr(event, key) + shift
    _check_event_times(merged["starts_at"], merged["ends_at"],
                       merged["registration_opens_at"], merged["registration_closes_at"])
    _check_online(merged["attendance_mode"], merged["online_url"])
    session_times = {s.id: (s.starts_at, s.ends_at) for s in event.sessions}
    if move_program and shift:
        tz = merged["timezone"]
        local_shift = (to_local_naive(merged["starts_at"], tz)
                       - to_local_naive(event.starts_at, event.timezone))
        session_times = {s.id: tuple(to_utc(to_local_naive(v, event.timezone) + local_shift, tz)
                                     for v in (s.starts_at, s.ends_at))
                         for s in event.sessions}
    for session in event.sessions:
        starts_at, ends_at = session_times[session.id]
        if starts_at < merged["starts_at"] or ends_at > merged["ends_at"]:
            raise SessionNoLongerInside(label=session.label)
    with atomic():
        for session in event.sessions:
            starts_at, ends_at = session_times[session.id]
            if starts_at != session.starts_at and event.status == EventStatus.PUBLISHED:
                session.moved_from = session.starts_at
            session.starts_at, session.ends_at = starts_at, ends_at
        for key, value in merged.items():
            setattr(event, key, value)
        event.updated_at = now
        _federate(event, "update", now=now, previous_status=event.status)
    return event


_TRANSITIONS = {
    "publish": ({EventStatus.DRAFT}, EventStatus.PUBLISHED),
    "cancel": ({EventStatus.DRAFT, EventStatus.PUBLISHED}, EventStatus.CANCELLED),
    "archive": ({EventStatus.PUBLISHED, EventStatus.CANCELLED}, EventStatus.ARCHIVED),
    "unpublish": ({EventStatus.PUBLISHED}, EventStatus.DRAFT),
    "reopen": ({EventStatus.CANCELLED}, EventStatus.PUBLISHED),
}


def can_reopen(event: Event, now: datetime) -> bool:
    """A cancelled event can be reopened (published again) until it starts."""
    return event.status == "cancelled" and now < event.starts_at


def cancellation_impact(event: Event) -> dict:
    """What calling off the event touches: active tickets, the people they hold, facilitators.

    ``facilitators`` counts the workshops' active claims (proposed or confirmed).
    """
    from cryptoparty.registration.models import Ticket

    row = db.session.execute(
        select(func.count(Ticket.id), func.coalesce(func.sum(Ticket.party), 0))
        .where(Ticket.event_id == event.id, Ticket.status == "active")).one()
    return {"tickets": row[0], "people": int(row[1]),
            "facilitators": sum(w.facilitators for w in event.workshops)}


def change_status(event: Event, action: str, *, now: datetime) -> Event:
    """Publish, cancel, archive, unpublish or reopen an event, if its current status allows it.

    Reopening a cancelled event publishes it again, and only until it starts.
    """
    allowed, target = _TRANSITIONS[action]
    if event.status not in allowed:
        raise InvalidTransition()
    if action == "reopen" and not can_reopen(event, now):
        raise InvalidTransition()
    with atomic():
        previous_status = event.status
        event.status = target
        event.updated_at = now
        _federate(event, action, now=now, previous_status=previous_status)
    return event


def program_changed(event: Event, now: datetime) -> None:
    """A session or workshop changed: the event's public description changed too."""
    _federate(event, "update", now=now, previous_status=event.status)


def _federate(event: Event, action: str, *, now: datetime, previous_status: str) -> None:
    """Tell the areas above (ActivityPub federation) that the event changed, in this transaction."""
    event_changed.send(event, action=action, now=now, previous_status=previous_status)


def duplicate_event(event: Event, *, starts_at: datetime, now: datetime) -> Event:
    """Copy an event with its sessions and workshops to a new date, as a draft.

    Every time is shifted by the same amount, so the program keeps its shape;
    registrations, volunteers and announcements are not copied.
    """
    validation.check_date(starts_at)
    validation.check_date(starts_at + (event.ends_at - event.starts_at))
    shift = starts_at - event.starts_at

    def moved(value):
        return value + shift if value is not None else None

    with atomic():
        base = slugify(f"{event.title} {starts_at:%Y}")
        copy = Event(
            organization_id=event.organization_id, status=EventStatus.DRAFT,
            slug=_unique_slug(base, _event_slug_taken),
            created_at=now, updated_at=now,
            **{k: getattr(event, k) for k in EVENT_FIELDS},
        )
        copy.starts_at, copy.ends_at = moved(event.starts_at), moved(event.ends_at)
        copy.schedule_status = "scheduled"
        copy.registration_opens_at = moved(event.registration_opens_at)
        copy.registration_closes_at = moved(event.registration_closes_at)
        db.session.add(copy)
        db.session.flush()
        for session in event.sessions:
            new_session = EventSession(label=session.label,
                                       starts_at=moved(session.starts_at),
                                       ends_at=moved(session.ends_at))
            copy.sessions.append(new_session)
            for workshop in session.workshops:
                new_session.workshops.append(Workshop(
                    event_id=copy.id, slug=workshop.slug, position=workshop.position,
                    seats_taken=0, **{k: getattr(workshop, k) for k in WORKSHOP_FIELDS}))
    return copy


# Sessions -----------------------------------------------------------------

def _check_session_times(event: Event, starts_at, ends_at):
    validation.check_date(starts_at)
    validation.check_date(ends_at)
    if ends_at <= starts_at:
        raise EndsBeforeStart()
    if starts_at < event.starts_at or ends_at > event.ends_at:
        raise SessionOutsideEvent()


def next_session_times(event: Event) -> tuple[datetime, datetime]:
    """Where a new session would go: after the last one (or at the start), an hour long.

    Both times lie within the event.
    """
    starts_at = max((s.ends_at for s in event.sessions), default=event.starts_at)
    if starts_at >= event.ends_at:
        starts_at = event.starts_at
    return starts_at, min(starts_at + timedelta(hours=1), event.ends_at)


def add_session(event: Event, *, label: str, starts_at: datetime, ends_at: datetime,
                now: datetime) -> EventSession:
    """Add a time slot to an event (not to an archived one)."""
    if event.status == "archived":
        raise EventArchived()
    _check_session_times(event, starts_at, ends_at)
    with atomic():
        session = EventSession(event=event, label=label, starts_at=starts_at, ends_at=ends_at)
        db.session.add(session)
        event.updated_at = now
        program_changed(event, now)
    return session


def update_session(session: EventSession, *, label: str, starts_at: datetime,
                   ends_at: datetime, now: datetime) -> EventSession:
    """Rename or move a time slot within its event."""
    _check_session_times(session.event, starts_at, ends_at)
    with atomic():
        if session.event.status == "published" and starts_at != session.starts_at:
            # Ticket holders are told of the move (their page, feed and calendar).
            session.moved_from = session.starts_at
        session.label, session.starts_at, session.ends_at = label, starts_at, ends_at
        session.event.updated_at = now
        program_changed(session.event, now)
    return session


def _has_registrations(*, session_id=None, workshop_id=None) -> bool:
    query = select(TicketChoice.id)
    if session_id is not None:
        query = query.where(TicketChoice.session_id == session_id)
    if workshop_id is not None:
        query = query.where(TicketChoice.workshop_id == workshop_id)
    return db.session.scalar(query.limit(1)) is not None


def delete_session(session: EventSession, *, now: datetime) -> None:
    """Delete a time slot that nobody has registered for."""
    if _has_registrations(session_id=session.id):
        raise HasRegistrations()
    with atomic():
        session.event.updated_at = now
        program_changed(session.event, now)
        db.session.delete(session)


# Workshops ----------------------------------------------------------------

def _check_capacity(capacity: int, taken: int = 0):
    if not 1 <= capacity <= MAX_WORKSHOP_CAPACITY:
        raise InvalidCapacity(maximum=MAX_WORKSHOP_CAPACITY)
    if capacity < taken:
        raise CapacityBelowTaken(taken=taken)


def _workshop_slug_taken(event_id: int):
    def taken(slug):
        query = select(Workshop.id).filter_by(event_id=event_id, slug=slug)
        return db.session.scalar(query) is not None
    return taken


def add_workshop(session: EventSession, *, now: datetime, slug: str | None = None,
                 **fields) -> Workshop:
    """Add a workshop (or talk, discussion, install, meal) to a session.

    Unless ``needs_facilitator`` is given, a workshop, an install or a discussion
    looks for a volunteer facilitator; a talk or a meal does not.
    """
    if session.event.status == "archived":
        raise EventArchived()
    _check_capacity(fields["capacity"])
    if fields.get("needs_facilitator") is None:
        fields["needs_facilitator"] = fields.get("format", "workshop") in FACILITATED_FORMATS
    with atomic():
        event = session.event
        taken = _workshop_slug_taken(event.id)
        if slug and taken(slug):
            raise DuplicateSlug(slug=slug)
        slug = slug or _unique_slug(slugify(fields["title"], 40), taken)
        position = len(session.workshops)
        workshop = Workshop(session=session, event_id=event.id, slug=slug, position=position,
                            **{k: v for k, v in fields.items() if k in WORKSHOP_FIELDS})
        db.session.add(workshop)
        event.updated_at = now
        program_changed(event, now)
    return workshop


def update_workshop(workshop: Workshop, *, now: datetime, session: EventSession | None = None,
                    **fields) -> Workshop:
    """Change a workshop; its capacity never drops below the seats taken."""
    if "capacity" in fields:
        _check_capacity(fields["capacity"])
    if session is not None and session.id != workshop.session_id:
        if session.event_id != workshop.event_id:
            raise SessionNotFound()
        if _has_registrations(workshop_id=workshop.id):
            raise HasRegistrations()
    with atomic():
        if workshop.allow_cofacilitators and fields.get("allow_cofacilitators") is False:
            # Guarded like a claim: no volunteer can slip in between the check and
            # the change, and a workshop never holds more facilitators than it takes.
            done = db.session.execute(
                update(Workshop).where(Workshop.id == workshop.id, Workshop.facilitators <= 1)
                .values(allow_cofacilitators=False)
                .execution_options(synchronize_session=False)).rowcount
            if not done:
                db.session.refresh(workshop)
                raise TooManyFacilitators(count=workshop.facilitators)
        if "capacity" in fields:
            registration.lock_event_writes(workshop.event_id)
            # Under the event's write lock no registration can slip in between
            # this fresh read of the seats taken and the new capacity.
            _check_capacity(fields["capacity"], workshop.seats_taken)
        for key, value in fields.items():
            if key in WORKSHOP_FIELDS:
                setattr(workshop, key, value)
        if session is not None:
            workshop.session = session
        workshop.session.event.updated_at = now
        program_changed(workshop.session.event, now)
        if "capacity" in fields:
            # More seats: the waitlist moves up at once, in the same transaction.
            db.session.flush()
            registration.promote_waitlist(workshop.id)
    return workshop


def delete_workshop(workshop: Workshop, *, now: datetime) -> None:
    """Delete a workshop that nobody has registered for."""
    if _has_registrations(workshop_id=workshop.id):
        raise HasRegistrations()
    with atomic():
        workshop.session.event.updated_at = now
        program_changed(workshop.session.event, now)
        db.session.delete(workshop)


def event_by_slug_or_none(slug: str) -> Event | None:
    """Any event with this slug, whatever its status (for the CLI)."""
    return db.session.scalar(select(Event).filter_by(slug=slug))


def directory_cities(now: datetime) -> list[str]:
    """Cities of the organizations that have an upcoming event, for the directory's filter.

    Read per organization (one index probe each, ``ix_events_org_status_ends``), not
    per upcoming event: the organizations are far fewer than their events.
    """
    upcoming = (select(Event.id).where(Event.organization_id == Organization.id,
                                       Event.status == EventStatus.PUBLISHED,
                                       Event.ends_at >= now).exists())
    query = select(Organization.city).where(Organization.city != "", upcoming).distinct()
    return sorted(db.session.scalars(query), key=str.casefold)


def public_page_state(slug: str) -> list:
    """What the public page's cache keys on, in one query (``events/page_cache.py``).

    One row per workshop (one row with empty workshop columns for an event without
    any): the event's id, status, version, times and organization's language, and
    each workshop's live ``seats_taken`` and ``facilitators``; the organization's colours
    and logo type (its look, ``accounts.branding``). Empty for an unknown slug.
    The statement is built once per process: a hit of the cache costs little more.
    """
    return list(db.session.connection().execute(_public_page_state_query(), {"slug": slug}))


@functools.cache
def _public_page_state_query():
    events, workshops = Event.__table__, Workshop.__table__
    organizations = Organization.__table__
    return (
        select(events.c.id, events.c.status, events.c.version, events.c.starts_at,
               events.c.ends_at, events.c.registration_opens_at,
               events.c.registration_closes_at, organizations.c.default_locale,
               organizations.c.color_primary, organizations.c.color_background,
               organizations.c.logo_type, workshops.c.id.label("workshop_id"),
               workshops.c.seats_taken,
               workshops.c.facilitators)
        .select_from(events.join(organizations, organizations.c.id == events.c.organization_id)
                     .outerjoin(workshops, workshops.c.event_id == events.c.id))
        .where(events.c.slug == bindparam("slug"))
        .order_by(workshops.c.id)
    )
