"""Anonymous tickets and the figures that outlive them.

A ticket holds no link to any person: a party size, the hash of its code, the
day it was made and its choices. See ``services.registration`` for the rules.
"""

from enum import StrEnum

import sqlalchemy as sa

from cryptoparty.core.database import one_of
from cryptoparty.core.extensions import db


class TicketStatus(StrEnum):
    """A ticket holds its seats until it is cancelled."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


class ChoiceStatus(StrEnum):
    """A ticket's place in one workshop: a seat, or a place on the waiting list."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"


class Ticket(db.Model):
    """An anonymous registration for one event."""

    __tablename__ = "tickets"
    __table_args__ = (
        db.CheckConstraint("party >= 1", name="party_positive"),
        one_of("status", TicketStatus, name="status_known"),
        # The tickets that still hold a check-in minute (a few: the purge clears them
        # daily), so that clearing them reads neither every ticket (PostgreSQL chose a
        # sequential scan of them all) nor every ended event (issue 19: growth).
        db.Index("ix_tickets_checked_in_minute", "event_id",
                 sqlite_where=db.text("checked_in_at IS NOT NULL"),
                 postgresql_where=db.text("checked_in_at IS NOT NULL")),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("events.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    code_hash = db.Column(db.String(64), unique=True, nullable=False)
    party = db.Column(db.Integer, nullable=False, default=1)
    status = db.Column(db.String(20), nullable=False, default=TicketStatus.ACTIVE)
    # The day only: a finer time could help link a ticket to a person.
    created_on = db.Column(db.Date, nullable=False)
    checked_in = db.Column(db.Boolean, nullable=False, default=False)
    # When the party was welcomed (to the minute), so that a second scan of the
    # same code says "already checked in at 20:47": kept while the event runs only,
    # cleared by the daily purge once it is over (services.clear_check_in_times).
    checked_in_at = db.Column(db.DateTime, nullable=True)

    event = db.relationship("Event")
    choices = db.relationship("TicketChoice", back_populates="ticket",
                              cascade="all, delete-orphan", order_by="TicketChoice.id")

    @property
    def check_tag(self) -> str:
        """The short tag printed on the ticket and the door list (derived from the hash)."""
        from cryptoparty.registration.codes import check_tag

        return check_tag(self.code_hash)

    @property
    def overall_status(self) -> str:
        """cancelled, waitlisted (for at least one workshop) or confirmed."""
        if self.status == TicketStatus.CANCELLED:
            return TicketStatus.CANCELLED
        return ChoiceStatus.WAITLISTED \
            if any(c.status == ChoiceStatus.WAITLISTED for c in self.choices) \
            else ChoiceStatus.CONFIRMED


class TicketChoice(db.Model):
    """A ticket's workshop in one session, confirmed or waitlisted.

    The autoincrement id orders the waitlist: no timestamp is needed.
    """

    __tablename__ = "ticket_choices"
    __table_args__ = (
        db.UniqueConstraint("ticket_id", "session_id", name="uq_ticket_choices_ticket_session"),
        db.Index("ix_ticket_choices_waitlist", "workshop_id", "status", "id"),
        one_of("status", ChoiceStatus, name="status_known"),
    )

    id = db.Column(db.Integer, primary_key=True)
    ticket_id = db.Column(db.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    session_id = db.Column(db.ForeignKey("event_sessions.id", ondelete="CASCADE"),
                           nullable=False)
    workshop_id = db.Column(db.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False)
    status = db.Column(db.String(20), nullable=False)

    ticket = db.relationship("Ticket", back_populates="choices")
    workshop = db.relationship("Workshop")


class EventFigures(db.Model):
    """Aggregated counts of an event; they survive the purge of its tickets."""

    __tablename__ = "event_figures"

    event_id = db.Column(db.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    walk_ins = db.Column(db.Integer, nullable=False, default=0)
    registered = db.Column(db.Integer, nullable=True)
    tickets = db.Column(db.Integer, nullable=True)
    waitlisted = db.Column(db.Integer, nullable=True)
    checked_in = db.Column(db.Integer, nullable=True)
    # Per-workshop fill at the time of the purge: {"<workshop id>": {...}}.
    workshops = db.Column(db.JSON, nullable=True)
    purged_on = db.Column(db.Date, nullable=True)
    # One more on every write of the row (walk-ins, the purge's snapshot): the public
    # showcase's cache keys on it (figures/showcase.py), in every worker alike.
    version = db.Column(db.Integer, nullable=False, default=0, server_default="0",
                        onupdate=sa.literal_column("event_figures.version") + 1)

    event = db.relationship("Event")
