"""Retention: what an event leaves behind once its retention period is over.

An event is *due* when ``ends_at + retention_days`` has passed. Purging a due
event, in one transaction per event:

1. snapshots its aggregated figures (``figures.snapshot_figures``), once: a
   second run keeps the first snapshot instead of overwriting it with zeros;
2. deletes its tickets and their choices (the check-in tag is derived from
   the ticket's hash, so it goes with the ticket; the walk-in count is a figure
   and stays);
3. deletes its volunteers' contacts and public keys
   (``volunteers.purge_volunteer_contacts``; pseudonyms stay in the program);
4. archives it, if it was published or cancelled;
5. marks it purged (``Event.purged_at``), so that later runs skip it.

A due event that holds nothing to purge (a draft never published, an archive
from before ``purged_at`` existed) is marked purged too, without a snapshot. The
purge therefore only ever reads the ended events not yet marked (one partial
index, ``ix_events_unpurged_ends``): its cost does not grow with the archive
(issue 19: growth). Moving a purged event's end clears the mark
(``events.models``): that is the only way an ended event can take tickets or
contacts again.

Every run also clears the check-in minute of the tickets of every event that is
over (kept for the door's "already checked in at 20:47" only), so that a ticket
holds nothing finer than the day until it is deleted.

``purge(now)`` is idempotent: run it daily (cron or a systemd timer, see the
README) and at every start of the server (``make serve``).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from cryptoparty.accounts import audit
from cryptoparty.core import idempotency
from cryptoparty.core.database import atomic
from cryptoparty.core.extensions import db
from cryptoparty.events.models import Event, EventStatus
from cryptoparty.registration import services as registration
from cryptoparty.registration.models import EventFigures, Ticket, TicketChoice
from cryptoparty.volunteers.models import Volunteer


@dataclass
class PurgedEvent:
    """What the purge removed from one event."""

    slug: str
    tickets: int = 0
    choices: int = 0
    volunteer_contacts: int = 0
    archived: bool = False
    figures_kept: bool = False


@dataclass
class PurgeReport:
    """What one run of the purge did, event by event."""

    now: datetime
    events: list[PurgedEvent] = field(default_factory=list)
    audit_entries: int = 0
    check_in_times: int = 0
    # Due events that held nothing, marked purged without a snapshot.
    events_marked: int = 0

    @property
    def tickets(self) -> int:
        """Tickets deleted in this run."""
        return sum(e.tickets for e in self.events)

    @property
    def volunteer_contacts(self) -> int:
        """Volunteer contacts deleted in this run."""
        return sum(e.volunteer_contacts for e in self.events)


def retention_ends(event: Event) -> datetime:
    """When the event's tickets and contacts are due for deletion (naive UTC)."""
    return event.ends_at + timedelta(days=event.retention_days)


def is_due(event: Event, now: datetime) -> bool:
    """Whether the event's retention period is over at ``now``."""
    return now >= retention_ends(event)


def _holds_something():
    """SQL: the event (correlated) is still published or cancelled, or holds a ticket or contact."""
    has_tickets = select(Ticket.id).where(Ticket.event_id == Event.id).exists()
    has_contacts = select(Volunteer.id).where(
        Volunteer.event_id == Event.id,
        Volunteer.contact_ciphertext.is_not(None) | Volunteer.public_key.is_not(None)).exists()
    return or_(Event.status.in_((EventStatus.PUBLISHED, EventStatus.CANCELLED)),
               has_tickets, has_contacts)


def _not_purged_ended(now: datetime):
    """SQL: ended and not marked purged; the partial index ``ix_events_unpurged_ends``."""
    return (Event.ends_at <= now) & Event.purged_at.is_(None)


def due_events(now: datetime) -> list[Event]:
    """Events whose retention period is over and that still hold something to purge.

    Chosen in SQL among the ended events not marked purged (issue 19: growth): an
    event the purge already emptied is neither loaded nor probed.
    """
    candidates = db.session.scalars(
        select(Event).where(_not_purged_ended(now), _holds_something())
        .order_by(Event.ends_at, Event.id))
    return [event for event in candidates if is_due(event, now)]


# Ids per UPDATE when marking empty events (well under every driver's bound-parameter limit).
_MARK_CHUNK = 500


def mark_empty_events(now: datetime) -> int:
    """Mark purged every due event that holds nothing to purge; how many were marked.

    These are ended drafts that never took a ticket or a contact, and archived
    events emptied before ``purged_at`` existed: without the mark, every run would
    probe them again. The UPDATE repeats the tests (ended, holds nothing), so an
    event moved or given something since it was read is left for ``due_events``.
    """
    marked = 0
    with atomic():
        rows = db.session.execute(select(Event.id, Event.ends_at, Event.retention_days)
                                  .where(_not_purged_ended(now))).all()
        ids = [row.id for row in rows
               if now >= row.ends_at + timedelta(days=row.retention_days)]
        for start in range(0, len(ids), _MARK_CHUNK):
            marked += db.session.execute(
                update(Event)
                .where(Event.id.in_(ids[start:start + _MARK_CHUNK]), _not_purged_ended(now),
                       ~_holds_something())
                # The mark is the purge's bookkeeping, not a change of the event.
                .values(purged_at=now, updated_at=Event.updated_at)
                .execution_options(synchronize_session=False)).rowcount
    return marked


def purge(now: datetime) -> PurgeReport:
    """Purge every due event (see the module docstring); returns what was removed."""
    report = PurgeReport(now=now)
    for event_id in [event.id for event in due_events(now)]:
        report.events.append(purge_event(db.session.get(Event, event_id), now))
    report.events_marked = mark_empty_events(now)
    # The audit trail: entries older than their organization's audit retention.
    report.audit_entries = audit.purge(now)
    # Check-in minutes of events that are over: the door no longer needs them.
    with atomic():
        report.check_in_times = registration.clear_check_in_times(now)
    # Expired idempotency keys (also dropped whenever a new key is stored).
    with atomic():
        idempotency.purge(now)
    return report


def purge_event(event: Event, now: datetime) -> PurgedEvent:
    """Purge one due event in a single transaction; nothing is removed before it is due."""
    from cryptoparty.figures import services as figures
    from cryptoparty.volunteers import services as volunteers

    done = PurgedEvent(slug=event.slug)
    if not is_due(event, now):
        return done
    ends_at = event.ends_at
    with atomic():
        snapshot = db.session.get(EventFigures, event.id)
        if snapshot is None or snapshot.purged_on is None:
            figures.snapshot_figures(event, now)
        done.figures_kept = True
        ticket_ids = select(Ticket.id).where(Ticket.event_id == event.id)
        done.choices = db.session.execute(
            delete(TicketChoice).where(TicketChoice.ticket_id.in_(ticket_ids))
            .execution_options(synchronize_session=False)).rowcount
        done.tickets = db.session.execute(
            delete(Ticket).where(Ticket.event_id == event.id)
            .execution_options(synchronize_session=False)).rowcount
        done.volunteer_contacts = volunteers.purge_volunteer_contacts(event, now)
        # In the deletes' transaction: marked purged exactly when it is emptied. The
        # mark is the purge's bookkeeping, not a change of the event (``updated_at`` kept).
        # Not if its end moved meanwhile (an edit committed since it was read): the
        # event may take tickets again, the next run decides.
        db.session.execute(update(Event).where(Event.id == event.id, Event.ends_at == ends_at)
                           .values(purged_at=now, updated_at=Event.updated_at)
                           .execution_options(synchronize_session=False))
        event = db.session.get(Event, event.id)
        if event.status in (EventStatus.PUBLISHED, EventStatus.CANCELLED):
            event.status = EventStatus.ARCHIVED
            event.updated_at = now
            done.archived = True
    db.session.expire_all()
    return done
