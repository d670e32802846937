"""The figures of an event, for its organizers and the library's board.

Contract:

- While an event's tickets exist, the figures are counted live from them.
- The purge (``services.purge``) calls ``snapshot_figures`` in its own
  transaction before it deletes the tickets; from then on (``EventFigures.
  registered`` is set) the figures come from that snapshot only, so they do
  not change when the tickets are gone.
- Walk-ins are counted at the door on ``EventFigures.walk_ins``, which exists
  before and after the purge.
- People, not tickets, are counted: a ticket for a party of 3 is 3 people.
  ``registered`` counts the people of active tickets; ``waitlisted`` those
  waiting for at least one workshop; ``checked_in`` those of checked-in
  tickets; attendance is ``checked_in + walk_ins``; no-shows are the
  registered people who were not checked in, once the event has started.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from cryptoparty.core.database import atomic
from cryptoparty.core.exports import csv_text
from cryptoparty.core.extensions import db
from cryptoparty.events.models import Event, EventStatus
from cryptoparty.feedback.services import FeedbackSummary, summarize_feedback
from cryptoparty.registration.models import (
    ChoiceStatus,
    EventFigures,
    Ticket,
    TicketChoice,
    TicketStatus,
)

HISTORY_LENGTH = 6


@dataclass
class WorkshopFill:
    """How full one workshop was."""

    workshop_id: int
    slug: str
    title: str
    session: str
    format: str
    capacity: int
    confirmed: int = 0
    waitlisted: int = 0
    rating: float | None = None
    feedback_count: int = 0

    @property
    def fill_rate(self) -> float:
        """Confirmed seats over capacity, from 0 to 1."""
        return self.confirmed / self.capacity if self.capacity else 0.0


@dataclass
class EventReport:
    """Everything the figures page, the CSV and the report PDF show about one event."""

    event: Event
    source: str  # "live" (counted from tickets) or "snapshot" (after the purge)
    registered: int
    tickets: int | None
    waitlisted: int
    checked_in: int
    walk_ins: int
    started: bool
    workshops: list[WorkshopFill] = field(default_factory=list)
    feedback: FeedbackSummary = field(default_factory=FeedbackSummary)
    purged_on: object = None

    @property
    def attendance(self) -> int:
        """People who came: checked in at the door plus walk-ins."""
        return self.checked_in + self.walk_ins

    @property
    def no_shows(self) -> int | None:
        """Registered people who did not come (None before the event starts)."""
        if not self.started:
            return None
        return max(self.registered - self.checked_in, 0)

    @property
    def show_rate(self) -> float | None:
        """Share of the registered people who came, from 0 to 1."""
        if not self.started or not self.registered:
            return None
        return min(self.checked_in / self.registered, 1.0)

    @property
    def capacity(self) -> int:
        """Seats offered over all workshops."""
        return sum(w.capacity for w in self.workshops)


@dataclass
class HistoryRow:
    """One event of the organization, for the comparison over time."""

    slug: str
    title: str
    kind: str
    starts_at: datetime
    timezone: str
    registered: int
    attendance: int
    average_rating: float | None
    current: bool = False


# Counting -------------------------------------------------------------------

def _live_counts(event: Event) -> dict:
    """Counts from the event's tickets (cancelled tickets count for nothing)."""
    tickets = list(db.session.scalars(
        select(Ticket).where(Ticket.event_id == event.id, Ticket.status == TicketStatus.ACTIVE)))
    counts = {"tickets": len(tickets), "registered": 0, "waitlisted": 0, "checked_in": 0,
              "workshops": {}}
    for ticket in tickets:
        counts["registered"] += ticket.party
        if ticket.checked_in:
            counts["checked_in"] += ticket.party
        if any(c.status == ChoiceStatus.WAITLISTED for c in ticket.choices):
            counts["waitlisted"] += ticket.party
    rows = db.session.execute(
        select(TicketChoice.workshop_id, TicketChoice.status, Ticket.party)
        .join(Ticket, Ticket.id == TicketChoice.ticket_id)
        .where(Ticket.event_id == event.id, Ticket.status == TicketStatus.ACTIVE))
    for workshop_id, status, party in rows:
        per = counts["workshops"].setdefault(str(workshop_id), {ChoiceStatus.CONFIRMED: 0,
                                                                ChoiceStatus.WAITLISTED: 0})
        per[ChoiceStatus(status)] += party
    return counts


def _figures_row(event: Event) -> EventFigures | None:
    return db.session.get(EventFigures, event.id)


def event_figures(event: Event, now: datetime | None = None) -> EventReport:
    """The event's figures: live from its tickets, or from the snapshot once purged.

    ``now`` (naive UTC) decides whether the event has started, hence whether
    no-shows mean anything; without it the event counts as started once it
    has a snapshot.
    """
    row = _figures_row(event)
    snapshot = row is not None and row.registered is not None
    if snapshot:
        counts = {"tickets": row.tickets,
                  "registered": row.registered, "waitlisted": row.waitlisted or 0,
                  "checked_in": row.checked_in or 0, "workshops": row.workshops or {}}
    else:
        counts = _live_counts(event)
    started = snapshot if now is None else now >= event.starts_at
    feedback = summarize_feedback(event)
    ratings = {w.workshop_id: w for w in feedback.per_workshop}
    workshops = []
    for session in event.sessions:
        for workshop in session.workshops:
            per = counts["workshops"].get(str(workshop.id), {})
            stats = ratings.get(workshop.id)
            workshops.append(WorkshopFill(
                workshop_id=workshop.id, slug=workshop.slug, title=workshop.title,
                session=session.label, format=workshop.format,
                capacity=per.get("capacity", workshop.capacity),
                confirmed=per.get("confirmed", 0), waitlisted=per.get("waitlisted", 0),
                rating=stats.average if stats else None,
                feedback_count=stats.count if stats else 0))
    return EventReport(
        event=event, source="snapshot" if snapshot else "live",
        registered=counts["registered"], tickets=counts["tickets"],
        waitlisted=counts["waitlisted"], checked_in=counts["checked_in"],
        walk_ins=row.walk_ins if row is not None else 0, started=started,
        workshops=workshops, feedback=feedback,
        purged_on=row.purged_on if row is not None else None)


def snapshot_figures(event: Event, now: datetime) -> EventFigures:
    """Write the live counts into ``EventFigures`` so that they outlive the tickets.

    Called by the purge right before it deletes the tickets. Inside an
    ``atomic()`` block it joins that transaction (so the snapshot and the
    deletion commit together); on its own it opens one.
    """
    with atomic():
        return _write_snapshot(event, now)


def _write_snapshot(event: Event, now: datetime) -> EventFigures:
    counts = _live_counts(event)
    workshops = {}
    for session in event.sessions:
        for workshop in session.workshops:
            per = counts["workshops"].get(str(workshop.id), {})
            workshops[str(workshop.id)] = {
                "slug": workshop.slug, "title": workshop.title, "session": session.label,
                "capacity": workshop.capacity, "confirmed": per.get("confirmed", 0),
                "waitlisted": per.get("waitlisted", 0)}
    row = _figures_row(event)
    if row is None:
        row = EventFigures(event_id=event.id, walk_ins=0)
        db.session.add(row)
    row.registered = counts["registered"]
    row.tickets = counts["tickets"]
    row.waitlisted = counts["waitlisted"]
    row.checked_in = counts["checked_in"]
    row.workshops = workshops
    row.purged_on = now.date()
    db.session.flush()
    return row


# Comparison -----------------------------------------------------------------

def organization_history(event: Event, now: datetime | None = None,
                         length: int = HISTORY_LENGTH) -> list[HistoryRow]:
    """The organization's earlier events that took place, oldest first, ending with this one."""
    query = (select(Event)
             .where(Event.organization_id == event.organization_id,
                    Event.starts_at < event.starts_at,
                    Event.status.in_((EventStatus.PUBLISHED, EventStatus.ARCHIVED)))
             .order_by(Event.starts_at.desc()).limit(length - 1))
    earlier = list(reversed(list(db.session.scalars(query))))
    rows = []
    for other in earlier + [event]:
        report = event_figures(other, now)
        rows.append(HistoryRow(slug=other.slug, title=other.title, kind=other.kind,
                               starts_at=other.starts_at, timezone=other.timezone,
                               registered=report.registered, attendance=report.attendance,
                               average_rating=report.feedback.average,
                               current=other.id == event.id))
    return rows


# Export ---------------------------------------------------------------------

CSV_COLUMNS = ("scope", "session", "slug", "title", "capacity", "registered", "waitlisted",
               "checked_in", "walk_ins", "attendance", "no_shows", "fill_rate",
               "feedback", "average_rating")


def _number(value, digits=2):
    if value is None:
        return ""
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def figures_csv(report: EventReport) -> str:
    """The aggregates as CSV: one row for the event, then one per workshop (core.exports)."""
    event = report.event
    rows = [["event", "", event.slug, event.title, report.capacity,
             report.registered, report.waitlisted, report.checked_in, report.walk_ins,
             report.attendance,
             _number(report.no_shows), "",
             report.feedback.responses + report.feedback.notes,
             _number(report.feedback.average)]]
    for w in report.workshops:
        rows.append(["workshop", w.session, w.slug, w.title, w.capacity,
                     w.confirmed, w.waitlisted, "", "", "", "", _number(w.fill_rate),
                     w.feedback_count, _number(w.rating)])
    return csv_text(CSV_COLUMNS, rows)
