"""Anonymous registration: tickets, capacity, the waitlist, changes and check-in.

Contract
--------
- A ticket is a party size, the hash of its code (``services.codes``), the
  day it was made and at most one choice per session of its event. Nothing
  else; no link to any person.
- **Capacity** (invariant 1 of DESIGN.md): ``Workshop.seats_taken`` counts
  the confirmed people of a workshop and only changes through
  ``UPDATE workshops SET seats_taken = seats_taken + :n WHERE id = :id AND
  seats_taken + :n <= capacity`` (or the matching decrement), whose row count
  says whether the seats were taken, in the same transaction as the ticket
  rows. The database's ``CHECK (seats_taken <= capacity)`` backs it up.
- **Serialisation.** Every write runs in ``database.atomic()``. On SQLite that
  is ``BEGIN IMMEDIATE`` (one writer at a time). On PostgreSQL every write of
  this module first locks its event's row (``SELECT ... FOR NO KEY UPDATE``),
  so that the writes of one event run one after another and a promotion can
  never miss a waitlisted choice that a concurrent transaction has not yet
  committed; the conditional UPDATE still guards capacity on its own. Lock
  order is always: event row, then workshop rows; so there is no deadlock.
- **Waitlist, "first that fits".** A choice that finds no seat is waitlisted;
  the waitlist is ordered by the choice's autoincrement id (no timestamp is
  kept). When seats free (cancellation, smaller party, changed choice), the
  same transaction walks the waitlist of that workshop oldest first and
  promotes every choice whose party fits in the seats now free; a party of 3
  waiting while 1 seat frees keeps its place at the head, and the seat goes
  to the oldest waiting party of 1 behind it. Seats are never left empty
  while someone who fits waits, and each waiting party is passed over only
  by smaller parties, never by a newer registration of the same size.
- **Changes** are atomic: a swap to a full workshop raises ``WorkshopFull``
  and keeps the old seat; only a choice that was itself waitlisted (or no
  choice) becomes a waitlisted choice elsewhere.
- Registration opens at ``registration_opens_at`` (None: already open) and
  closes at ``registration_closes_at`` (None: when the event starts). Changes
  and party reductions are possible until the event starts; a cancellation
  until it ends.
"""

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, insert, select, text, update
from sqlalchemy.orm import selectinload

from cryptoparty.core import idempotency, validation
from cryptoparty.core.database import atomic, in_transaction
from cryptoparty.core.errors import DomainError, EventNotFound, NotFound
from cryptoparty.core.extensions import db
from cryptoparty.events.models import Event, EventSession, EventStatus, Workshop
from cryptoparty.registration import codes
from cryptoparty.registration.models import (
    ChoiceStatus,
    EventFigures,
    Ticket,
    TicketChoice,
    TicketStatus,
)

MAX_WALK_INS = 100_000


# Errors ---------------------------------------------------------------------

class RegistrationClosed(DomainError):
    status = 409
    message = _l("Registration for this event is closed.")


class RegistrationNotOpen(RegistrationClosed):
    message = _l("Registration for this event is not open yet.")


class EventCancelled(RegistrationClosed):
    message = _l("This event is cancelled: registration is closed.")


class EventOver(RegistrationClosed):
    message = _l("This event has already taken place.")


class ChangesClosed(RegistrationClosed):
    message = _l("The event has started: tickets can no longer be changed.")


class NoTicketAtTheDoor(NotFound):
    message = _l("No active ticket of this event has this code or check-in tag. Check what "
                 "you typed: a tag has 5 characters, a code 16.")


class SeveralTicketsWithTag(DomainError):
    status = 409
    message = _l("Several tickets carry this tag: type the ticket's code, or scan its QR code.")


class TicketNotFound(NotFound):
    message = _l("There is no ticket with this code. Check what you typed: the code has "
                 "16 characters, in four groups.")


class TicketCancelled(DomainError):
    status = 409
    message = _l("This ticket is cancelled.")


class UnknownWorkshop(DomainError):
    message = _l("One of the chosen workshops is not part of this event.")


class TwoWorkshopsInOneSession(DomainError):
    message = _l("Choose at most one workshop per session.")


class NoWorkshopChosen(DomainError):
    message = _l("Choose at least one workshop.")


class InvalidParty(DomainError):
    message = _l("The number of people must be a whole number between 1 and %(maximum)d.")


class PartyNotSmaller(DomainError):
    message = _l("The new number of people must be smaller than the current one "
                 "(%(party)d) and at least 1.")


class WorkshopFull(DomainError):
    status = 409
    message = _l("“%(title)s” is full: nothing was changed, you keep your current choice.")


class AlreadyCheckedIn(DomainError):
    status = 409
    message = _l("Already checked in.")

    def __init__(self, ticket):
        super().__init__()
        self.ticket = ticket
        self.at = ticket.checked_in_at


class InvalidWalkIns(DomainError):
    message = _l("The number of walk-ins cannot go below zero.")


# Results --------------------------------------------------------------------

@dataclass(frozen=True)
class ChoiceOutcome:
    """Where a new ticket landed in one workshop."""

    workshop_id: int
    status: ChoiceStatus


@dataclass(frozen=True)
class Registration:
    """A new ticket: its code (shown once, never stored) and its choices."""

    code: str
    ticket_id: int
    party: int
    choices: list[ChoiceOutcome]
    replayed: bool = False  # a repeat of the same request (idempotency key)

    @property
    def status(self) -> str:
        """Confirmed if every choice is, else waitlisted."""
        return ticket_status_of(TicketStatus.ACTIVE, [c.status for c in self.choices])


def ticket_status_of(ticket_status: str, choice_statuses) -> str:
    """The one-word status of a ticket: cancelled, confirmed or waitlisted."""
    if ticket_status == TicketStatus.CANCELLED:
        return TicketStatus.CANCELLED
    return ChoiceStatus.WAITLISTED if ChoiceStatus.WAITLISTED in choice_statuses \
        else ChoiceStatus.CONFIRMED


# Rules ----------------------------------------------------------------------

class RegistrationState(StrEnum):
    """Whether an event takes registrations now, and if not, why."""

    OPEN = "open"
    NOT_YET = "not_yet"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    OVER = "over"
    DRAFT = "draft"


def registration_state(event: Event, now: datetime) -> RegistrationState:
    """Why registration is open or not: open, not_yet, closed, cancelled, over, draft."""
    if event.status == EventStatus.DRAFT:
        return RegistrationState.DRAFT
    if event.status == EventStatus.CANCELLED:
        return RegistrationState.CANCELLED
    if event.status == EventStatus.ARCHIVED or now >= event.ends_at:
        return RegistrationState.OVER
    if event.registration_opens_at and now < event.registration_opens_at:
        return RegistrationState.NOT_YET
    closes_at = event.registration_closes_at or event.starts_at
    if now >= closes_at:
        return RegistrationState.CLOSED
    return RegistrationState.OPEN


_STATE_ERRORS = {RegistrationState.DRAFT: EventNotFound,
                 RegistrationState.CANCELLED: EventCancelled,
                 RegistrationState.OVER: EventOver,
                 RegistrationState.NOT_YET: RegistrationNotOpen,
                 RegistrationState.CLOSED: RegistrationClosed}


def check_registration_open(event: Event, now: datetime) -> None:
    """Raise the precise ``RegistrationClosed`` (or ``EventNotFound``) unless open."""
    state = registration_state(event, now)
    if state != RegistrationState.OPEN:
        raise _STATE_ERRORS[state]()


def check_party(event: Event, party) -> int:
    """The party size as an int within ``1..event.max_party``, or ``InvalidParty``."""
    if isinstance(party, bool) or not isinstance(party, int) \
            or not 1 <= party <= event.max_party:
        raise InvalidParty(maximum=event.max_party)
    return party


# The hot path's statements, built once per process (issue 19): building a statement
# costs more than running it on SQLite. They run on the session's connection
# (Core, no unit of work): none of them changes what a cached page shows but
# through ``seats_taken``, which the page cache reads live.
_WORKSHOPS = Workshop.__table__
_WORKSHOP_ROWS = (
    select(_WORKSHOPS.c.id, _WORKSHOPS.c.session_id, _WORKSHOPS.c.title)
    .where(_WORKSHOPS.c.id.in_(bindparam("ids", expanding=True)),
           _WORKSHOPS.c.event_id == bindparam("event_id")))
_TAKE_SEATS = (
    update(_WORKSHOPS)
    .where(_WORKSHOPS.c.id == bindparam("workshop_id"),
           _WORKSHOPS.c.seats_taken + bindparam("party") <= _WORKSHOPS.c.capacity)
    .values(seats_taken=_WORKSHOPS.c.seats_taken + bindparam("party")))
_INSERT_TICKET = insert(Ticket.__table__).returning(Ticket.__table__.c.id)
_INSERT_CHOICES = insert(TicketChoice.__table__)


def _workshop_rows(event_id: int, workshop_ids) -> list:
    """(id, session_id, title) of the chosen workshops, checked against the event."""
    ids = list(workshop_ids)
    # An id beyond a 64-bit column (or below 1) cannot be a workshop of the event.
    if not all(validation.int_in_range(i, 1, validation.INT64_MAX) for i in ids):
        raise UnknownWorkshop()
    if not ids:
        raise NoWorkshopChosen()
    if len(set(ids)) != len(ids):
        raise TwoWorkshopsInOneSession()
    rows = db.session.connection().execute(
        _WORKSHOP_ROWS, {"ids": ids, "event_id": event_id}).all()
    if len(rows) != len(ids):
        raise UnknownWorkshop()
    if len({r.session_id for r in rows}) != len(rows):
        raise TwoWorkshopsInOneSession()
    # Ascending ids: every transaction locks workshop rows in the same order.
    return sorted(rows, key=lambda r: r.id)


# Seats ----------------------------------------------------------------------

def lock_event_writes(event_id: int) -> None:
    """Serialise the writes of one event on PostgreSQL (SQLite already has one writer).

    Take it first in a transaction that changes seats or the waitlist (before any
    workshop row is updated): the lock order is event row, then workshop rows.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        with db.session.no_autoflush:
            db.session.execute(select(Event.id).where(Event.id == event_id)
                               .with_for_update(key_share=True))


_lock_event = lock_event_writes


def _take_seats(workshop_id: int, party: int) -> bool:
    """Take ``party`` confirmed seats if they fit; the row count says whether they did."""
    result = db.session.connection().execute(
        _TAKE_SEATS, {"workshop_id": workshop_id, "party": party})
    return result.rowcount == 1


def _free_seats(workshop_id: int, count: int) -> None:
    """Give back ``count`` confirmed seats, then promote whoever now fits."""
    db.session.execute(
        update(Workshop)
        .where(Workshop.id == workshop_id, Workshop.seats_taken >= count)
        .values(seats_taken=Workshop.seats_taken - count)
        .execution_options(synchronize_session=False))
    promote_waitlist(workshop_id)


def promote_waitlist(workshop_id: int) -> list[int]:
    """Confirm the oldest waitlisted choices that fit in the free seats ("first that fits").

    Call it inside ``atomic()`` after the event's lock; returns the promoted choice ids.
    """
    free = db.session.scalar(select(Workshop.capacity - Workshop.seats_taken)
                             .where(Workshop.id == workshop_id))
    promoted = []
    if not free or free <= 0:
        return promoted
    waiting = db.session.execute(
        select(TicketChoice.id, Ticket.party)
        .join(Ticket, Ticket.id == TicketChoice.ticket_id)
        .where(TicketChoice.workshop_id == workshop_id,
               TicketChoice.status == ChoiceStatus.WAITLISTED, Ticket.party <= free)
        .order_by(TicketChoice.id)).all()
    for choice_id, party in waiting:
        if party > free:
            continue
        if not _take_seats(workshop_id, party):
            break
        db.session.execute(update(TicketChoice).where(TicketChoice.id == choice_id)
                           .values(status=ChoiceStatus.CONFIRMED)
                           .execution_options(synchronize_session=False))
        promoted.append(choice_id)
        free -= party
        if free == 0:
            break
    return promoted


# Registering ----------------------------------------------------------------

def register(event: Event, workshop_ids, party, *, now: datetime,
             idempotency_key: str | None = None,
             idempotency_scope: str = "registration-form") -> Registration:
    """Create an anonymous ticket: one seat (or waitlist place) per chosen workshop.

    ``workshop_ids`` holds at most one workshop per session of ``event``.
    Raises ``RegistrationClosed`` (and subclasses), ``InvalidParty``,
    ``UnknownWorkshop``, ``TwoWorkshopsInOneSession`` or ``NoWorkshopChosen``
    before writing anything.

    With an ``idempotency_key`` (a form's nonce, an API client's header), a
    repeat of the same request answers with the ticket the first one created
    (``replayed``), and takes no seat; the same key with another request is
    refused (``core.idempotency``).
    """
    asked = _checked_request(event, workshop_ids, party, idempotency_key, now)
    if asked.key is None and not in_transaction() and _on_postgresql():
        return _register_postgresql(asked, now)
    with atomic():
        return _write_registration(asked, now, idempotency_scope)


@dataclass(frozen=True)
class _Request:
    """A registration request that passed every check, with its new code."""

    event_id: int
    rows: list
    party: int
    key: str | None
    fingerprint: str
    code: str
    code_hash: str


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _checked_request(event: Event, workshop_ids, party, idempotency_key, now) -> _Request:
    """Every check of ``register``, before anything is written (reads only)."""
    check_registration_open(event, now)
    party = check_party(event, party)
    event_id = event.id
    rows = _workshop_rows(event_id, workshop_ids)
    code = codes.new_code()
    return _Request(event_id=event_id, rows=rows, party=party,
                    key=idempotency.check_key(idempotency_key),
                    fingerprint=idempotency.fingerprint(event_id, sorted(r.id for r in rows),
                                                        party),
                    code=code, code_hash=codes.hash_code(code))


def _write_registration(asked: _Request, now: datetime, scope: str) -> Registration:
    """The writes of ``register``, inside ``atomic()``: the ticket, its seats and choices."""
    _lock_event(asked.event_id)
    if asked.key is not None:
        known = idempotency.find(scope, asked.key, asked.fingerprint, now,
                                 strict=not scope.endswith("form"))
        ticket = db.session.get(Ticket, known.object_id) if known else None
        if ticket is not None:
            return Registration(
                code=idempotency.unseal(asked.key, known.sealed), ticket_id=ticket.id,
                party=ticket.party, replayed=True,
                choices=[ChoiceOutcome(c.workshop_id, c.status) for c in ticket.choices])
    # Core statements on the hot path (issue 19): no unit of work for two rows.
    connection = db.session.connection()
    ticket_id = connection.execute(_INSERT_TICKET, {
        "event_id": asked.event_id, "code_hash": asked.code_hash, "party": asked.party,
        "status": TicketStatus.ACTIVE, "created_on": now.date()}).scalar_one()
    choices, outcomes = [], []
    for row in asked.rows:
        status = (ChoiceStatus.CONFIRMED if _take_seats(row.id, asked.party)
                  else ChoiceStatus.WAITLISTED)
        choices.append({"ticket_id": ticket_id, "session_id": row.session_id,
                        "workshop_id": row.id, "status": status})
        outcomes.append(ChoiceOutcome(row.id, status))
    connection.execute(_INSERT_CHOICES, choices)
    if asked.key is not None:
        ttl = idempotency.FORM_TTL if scope.endswith("form") else idempotency.API_TTL
        idempotency.remember(scope, asked.key, asked.fingerprint, ticket_id, now, ttl,
                             secret=asked.code)
    return Registration(code=asked.code, ticket_id=ticket_id, party=asked.party,
                        choices=outcomes)


def _register_postgresql(asked: _Request, now: datetime) -> Registration:
    """``register`` on PostgreSQL without an idempotency key: the burst's hot path (issue 19).

    The same writes as the general path, in the view's own transaction (no second one)
    and in two statements instead of five or more, because the event's row lock is
    held from the first statement to the commit, and every round trip under it makes
    the registrations of one event queue longer: (1) lock the event and insert the
    ticket; (2) the conditional seat ``UPDATE`` of each workshop and the choices, whose
    status is whether that update matched. The second statement starts once the lock
    is held, so its snapshot sees every seat change committed before (a statement's
    snapshot is taken when it starts: the lock and the seats cannot be one statement).
    """
    try:
        ticket_id = db.session.execute(_LOCK_AND_INSERT_TICKET, {
            "event_id": asked.event_id, "code_hash": asked.code_hash, "party": asked.party,
            "status": TicketStatus.ACTIVE.value, "created_on": now.date()}).scalar()
        if ticket_id is None:
            raise EventNotFound()
        params = {"ticket_id": ticket_id, "party": asked.party,
                  "confirmed": ChoiceStatus.CONFIRMED.value,
                  "waitlisted": ChoiceStatus.WAITLISTED.value}
        for index, row in enumerate(asked.rows):
            params[f"w{index}"], params[f"s{index}"] = row.id, row.session_id
        statuses = dict(db.session.execute(_seats_and_choices(len(asked.rows)),
                                           params).all())
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    outcomes = [ChoiceOutcome(row.id, ChoiceStatus(statuses[row.id])) for row in asked.rows]
    return Registration(code=asked.code, ticket_id=ticket_id, party=asked.party,
                        choices=outcomes)


_LOCK_AND_INSERT_TICKET = text(
    "WITH locked AS (SELECT id FROM events WHERE id = :event_id FOR NO KEY UPDATE) "
    "INSERT INTO tickets (event_id, code_hash, party, status, created_on, checked_in) "
    "SELECT id, :code_hash, :party, :status, :created_on, false FROM locked RETURNING id")


@functools.cache
def _seats_and_choices(count: int):
    """One statement: take the seats of ``count`` workshops (ascending ids), insert the choices.

    Only the integer ``count`` shapes the text (numbered names); every value is a bound
    parameter.
    """
    count = int(count)
    seats = ", ".join(
        f"seat{i} AS (UPDATE workshops SET seats_taken = seats_taken + :party "  # nosec B608
        f"WHERE id = :w{i} AND seats_taken + :party <= capacity RETURNING id)"
        for i in range(count))
    values = ", ".join(
        f"(CAST(:s{i} AS INTEGER), CAST(:w{i} AS INTEGER), "  # nosec B608
        f"EXISTS (SELECT 1 FROM seat{i}), {i})"
        for i in range(count))
    return text(
        f"WITH {seats} "  # nosec B608
        "INSERT INTO ticket_choices (ticket_id, session_id, workshop_id, status) "
        "SELECT :ticket_id, c.session_id, c.workshop_id, "
        "CASE WHEN c.taken THEN :confirmed ELSE :waitlisted END "
        f"FROM (VALUES {values}) AS c(session_id, workshop_id, taken, position) "
        "ORDER BY c.position RETURNING workshop_id, status")


# Finding a ticket -----------------------------------------------------------

def get_ticket_by_code(typed: str) -> Ticket:
    """The ticket of a code as typed (any case, spaces or dashes), or ``TicketNotFound``."""
    code = codes.normalize(typed)
    if code is None:
        raise TicketNotFound()
    ticket = db.session.scalar(select(Ticket).filter_by(code_hash=codes.hash_code(code)))
    if ticket is None:
        raise TicketNotFound()
    return ticket


def waitlist_positions(ticket: Ticket) -> dict[int, int]:
    """For each waitlisted choice of the ticket (by workshop id): its place in the queue."""
    positions = {}
    for choice in ticket.choices:
        if choice.status != ChoiceStatus.WAITLISTED:
            continue
        ahead = db.session.scalar(
            select(func.count(TicketChoice.id))
            .where(TicketChoice.workshop_id == choice.workshop_id,
                   TicketChoice.status == ChoiceStatus.WAITLISTED,
                   TicketChoice.id < choice.id))
        positions[choice.workshop_id] = ahead + 1
    return positions


# Changing a ticket ----------------------------------------------------------

def change_refusal(ticket: Ticket, now: datetime) -> DomainError | None:
    """Why the ticket can no longer change (its choices, its party), or None if it can.

    The one statement of the rule: a ticket changes while it is active, its event
    published and not yet started. (A cancellation has its own rule: see ``cancel``.)
    """
    if ticket.status == TicketStatus.CANCELLED:
        return TicketCancelled()
    event = ticket.event
    if event.status != EventStatus.PUBLISHED or now >= event.starts_at:
        return ChangesClosed()
    return None


def is_changeable(ticket: Ticket, now: datetime) -> bool:
    """Whether the ticket's choices and party can still change (for the ticket page)."""
    return change_refusal(ticket, now) is None


def _check_changeable(ticket: Ticket, now: datetime) -> None:
    refusal = change_refusal(ticket, now)
    if refusal is not None:
        raise refusal


def _reload_locked(ticket_id: int) -> Ticket:
    # Read again under the lock: what the page showed may be stale.
    ticket = db.session.get(Ticket, ticket_id, populate_existing=True)
    db.session.refresh(ticket, ["choices"])
    return ticket


def change_choices(ticket: Ticket, workshop_ids, *, now: datetime) -> Ticket:
    """Replace the ticket's choices; unchanged choices keep their seat or place.

    A new workshop that is full raises ``WorkshopFull`` when the choice it
    replaces in that session was confirmed: the old seat is never lost.
    """
    _check_changeable(ticket, now)
    event_id, ticket_id = ticket.event_id, ticket.id
    rows = _workshop_rows(event_id, workshop_ids)
    with atomic():
        _lock_event(event_id)
        ticket = _reload_locked(ticket_id)
        if ticket.status == TicketStatus.CANCELLED:
            raise TicketCancelled()
        wanted = {row.session_id: row for row in rows}
        current = {c.session_id: c for c in ticket.choices}
        freed, added = [], []
        for session_id in sorted(set(wanted) | set(current)):
            old, new = current.get(session_id), wanted.get(session_id)
            if old is not None and new is not None and old.workshop_id == new.id:
                continue
            if new is not None:
                if _take_seats(new.id, ticket.party):
                    added.append(TicketChoice(session_id=session_id, workshop_id=new.id,
                                              status=ChoiceStatus.CONFIRMED))
                elif old is not None and old.status == ChoiceStatus.CONFIRMED:
                    raise WorkshopFull(title=new.title)
                else:
                    added.append(TicketChoice(session_id=session_id, workshop_id=new.id,
                                              status=ChoiceStatus.WAITLISTED))
            if old is not None:
                if old.status == ChoiceStatus.CONFIRMED:
                    freed.append(old.workshop_id)
                ticket.choices.remove(old)
        # Deletes first: a new choice may take the (ticket, session) slot of an old one.
        db.session.flush()
        ticket.choices.extend(added)
        db.session.flush()
        for workshop_id in sorted(freed):
            _free_seats(workshop_id, ticket.party)
    return ticket


def reduce_party(ticket: Ticket, party, *, now: datetime) -> Ticket:
    """Make the party smaller; the seats it frees go to the waitlist at once."""
    _check_changeable(ticket, now)
    if isinstance(party, bool) or not isinstance(party, int) or not 1 <= party < ticket.party:
        raise PartyNotSmaller(party=ticket.party)
    event_id, ticket_id = ticket.event_id, ticket.id
    with atomic():
        _lock_event(event_id)
        ticket = _reload_locked(ticket_id)
        if ticket.status == TicketStatus.CANCELLED:
            raise TicketCancelled()
        if party >= ticket.party:
            raise PartyNotSmaller(party=ticket.party)
        released = ticket.party - party
        ticket.party = party
        db.session.flush()
        for choice in sorted(ticket.choices, key=lambda c: c.workshop_id):
            if choice.status == ChoiceStatus.CONFIRMED:
                _free_seats(choice.workshop_id, released)
    return ticket


def cancel(ticket: Ticket, *, now: datetime) -> Ticket:
    """Cancel a ticket: its seats go to the waitlist at once. Cancelling twice is harmless."""
    if ticket.status == TicketStatus.CANCELLED:
        return ticket
    if now >= ticket.event.ends_at:
        raise EventOver()
    event_id, ticket_id = ticket.event_id, ticket.id
    with atomic():
        _lock_event(event_id)
        ticket = _reload_locked(ticket_id)
        if ticket.status == TicketStatus.CANCELLED:
            return ticket
        freed = sorted(c.workshop_id for c in ticket.choices
                       if c.status == ChoiceStatus.CONFIRMED)
        ticket.choices.clear()
        ticket.status = TicketStatus.CANCELLED
        ticket.checked_in = False
        db.session.flush()
        for workshop_id in freed:
            _free_seats(workshop_id, ticket.party)
    return ticket


# At the door ----------------------------------------------------------------

def check_in(ticket: Ticket, *, checked_in: bool = True, now: datetime | None = None) -> Ticket:
    """Mark a ticket as arrived (or undo it). A cancelled ticket cannot be checked in.

    A ticket already checked in raises ``AlreadyCheckedIn`` (with the time of the
    first check-in), on every path: the conditional UPDATE decides, so two
    simultaneous scans cannot both look like a first.

    The time is kept to the minute only while the event runs (the door needs
    "already checked in at 20:47"); once the event is over nothing is stored finer
    than the day: a late check-in records no time, and the daily purge clears the
    times of ended events (``clear_check_in_times``).
    """
    if ticket.status == TicketStatus.CANCELLED:
        raise TicketCancelled()
    ticket_id = ticket.id
    with atomic():
        query = update(Ticket).where(Ticket.id == ticket_id)
        if checked_in:
            at = now.replace(second=0, microsecond=0) \
                if now and now < ticket.event.ends_at else None
            query = query.where(Ticket.checked_in.is_(False)).values(
                checked_in=True, checked_in_at=at)
        else:
            query = query.values(checked_in=False, checked_in_at=None)
        done = db.session.execute(query.execution_options(synchronize_session=False)).rowcount
    ticket = db.session.get(Ticket, ticket_id, populate_existing=True)
    if checked_in and not done:
        raise AlreadyCheckedIn(ticket)
    return ticket


def clear_check_in_times(now: datetime) -> int:
    """Forget the check-in minute of every event that is over; the tickets' count of those cleared.

    The minute serves the door only ("already checked in at 20:47"); afterwards
    a ticket holds nothing finer than the day (DESIGN: Ticket), until the purge
    deletes it.
    """
    # An event the retention purge emptied (``purged_at``) holds no ticket: leaving it out
    # keeps this to the partial index ``ix_events_unpurged_ends`` instead of probing every
    # archived event's tickets (issue 19: growth).
    ended = select(Event.id).where(Event.ends_at <= now, Event.purged_at.is_(None))
    return db.session.execute(
        update(Ticket).where(Ticket.checked_in_at.is_not(None), Ticket.event_id.in_(ended))
        .values(checked_in_at=None).execution_options(synchronize_session=False)).rowcount


def find_at_the_door(event: Event, typed: str) -> Ticket:
    """The event's active ticket whose code or check-in tag was typed at the door.

    A code is recognised first; otherwise the text is compared (any case, spaces
    and dashes ignored) with the tags of the event's active tickets.
    ``NoTicketAtTheDoor`` when none matches, ``SeveralTicketsWithTag`` when two do.
    """
    code = codes.normalize(typed or "")
    if code is not None:
        ticket = db.session.scalar(select(Ticket).filter_by(code_hash=codes.hash_code(code)))
        if ticket is None or ticket.event_id != event.id or ticket.status != "active":
            raise NoTicketAtTheDoor()
        return ticket
    tag = re.sub(r"[\s-]+", "", typed or "").upper()
    if not tag:
        raise NoTicketAtTheDoor()
    tickets = db.session.scalars(select(Ticket).where(Ticket.event_id == event.id,
                                                      Ticket.status == "active")).all()
    found = [t for t in tickets if t.check_tag.upper() == tag]
    if not found:
        raise NoTicketAtTheDoor()
    if len(found) > 1:
        raise SeveralTicketsWithTag()
    return found[0]


def walk_ins(event: Event) -> int:
    """People who came without a ticket."""
    return db.session.scalar(select(EventFigures.walk_ins)
                             .where(EventFigures.event_id == event.id)) or 0


def add_walk_ins(event: Event, delta: int) -> int:
    """Count people who came without a ticket (a negative delta corrects a mistake)."""
    event_id = event.id
    with atomic():
        _lock_event(event_id)
        figures = db.session.get(EventFigures, event_id, populate_existing=True)
        if figures is None:
            figures = EventFigures(event_id=event_id, walk_ins=0)
            db.session.add(figures)
        total = figures.walk_ins + delta
        if not 0 <= total <= MAX_WALK_INS:
            raise InvalidWalkIns()
        figures.walk_ins = total
    return total


# Figures --------------------------------------------------------------------

@dataclass
class WorkshopFigures:
    """People (not tickets) per workshop."""

    workshop: Workshop
    confirmed: int = 0
    waitlisted: int = 0
    checked_in: int = 0

    @property
    def fill_rate(self) -> float:
        """Confirmed seats over capacity, from 0 to 1."""
        return self.confirmed / self.workshop.capacity if self.workshop.capacity else 0.0


@dataclass
class SessionFigures:
    """Expected and arrived people of one session."""

    session: EventSession
    workshops: list[WorkshopFigures] = field(default_factory=list)

    @property
    def confirmed(self) -> int:
        return sum(w.confirmed for w in self.workshops)

    @property
    def waitlisted(self) -> int:
        return sum(w.waitlisted for w in self.workshops)

    @property
    def checked_in(self) -> int:
        return sum(w.checked_in for w in self.workshops)


@dataclass
class EventCounts:
    """The check-in page's counts: per session and per workshop, plus the event totals."""

    sessions: list[SessionFigures]
    tickets: int
    people: int
    checked_in: int
    walk_ins: int


def event_counts(event: Event) -> EventCounts:
    """Confirmed, waitlisted and checked-in people per workshop and session (three queries)."""
    people = func.sum(Ticket.party)
    arrived = func.sum(case((Ticket.checked_in, Ticket.party), else_=0))
    rows = db.session.execute(
        select(TicketChoice.workshop_id, TicketChoice.status, people, arrived)
        .join(Ticket, Ticket.id == TicketChoice.ticket_id)
        .where(Ticket.event_id == event.id, Ticket.status == TicketStatus.ACTIVE)
        .group_by(TicketChoice.workshop_id, TicketChoice.status)).all()
    by_workshop = {}
    for workshop_id, status, count, checked in rows:
        figures = by_workshop.setdefault(workshop_id, {ChoiceStatus.CONFIRMED: 0,
                                                       ChoiceStatus.WAITLISTED: 0,
                                                       "checked_in": 0})
        figures[status] = count or 0
        figures["checked_in"] += checked or 0
    sessions = []
    for session in event.sessions:
        sessions.append(SessionFigures(session, [
            WorkshopFigures(w, **by_workshop.get(w.id, {})) for w in session.workshops]))
    tickets, total, checked_in = db.session.execute(
        select(func.count(Ticket.id), func.coalesce(func.sum(Ticket.party), 0),
               func.coalesce(func.sum(case((Ticket.checked_in, Ticket.party), else_=0)), 0))
        .where(Ticket.event_id == event.id, Ticket.status == TicketStatus.ACTIVE)).one()
    return EventCounts(sessions=sessions, tickets=tickets, people=total,
                       checked_in=checked_in, walk_ins=walk_ins(event))


@dataclass
class DoorListEntry:
    """One line of the printed door list: never the code."""

    tag: str
    party: int
    checked_in: bool
    choices: list  # [(session label, workshop title, status)]


def door_list(event: Event) -> list[DoorListEntry]:
    """Active tickets by check-in tag, with their party and workshops."""
    tickets = db.session.scalars(
        select(Ticket).where(Ticket.event_id == event.id, Ticket.status == TicketStatus.ACTIVE)
        .options(selectinload(Ticket.choices))).all()
    workshops = {w.id: w for w in event.workshops}
    entries = []
    for ticket in tickets:
        choices = []
        for choice in sorted(ticket.choices, key=lambda c: (
                workshops[c.workshop_id].session.starts_at, c.session_id)):
            workshop = workshops[choice.workshop_id]
            choices.append((workshop.session.label, workshop.title, choice.status))
        entries.append(DoorListEntry(ticket.check_tag, ticket.party, ticket.checked_in,
                                     choices))
    return sorted(entries, key=lambda e: e.tag)

