"""Events, their sessions (time slots) and the workshops of each session.

Every datetime column holds naive UTC; ``Event.timezone`` says how to show it.
"""

from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import event as sa_event

from cryptoparty.core import clock
from cryptoparty.core.database import one_of
from cryptoparty.core.extensions import db


class EventKind(StrEnum):
    """What sort of evening an event is."""

    CRYPTOPARTY = "cryptoparty"
    CAFE_VIE_PRIVEE = "cafe_vie_privee"
    INSTALL_PARTY = "install_party"
    CONFERENCE = "conference"


class EventStatus(StrEnum):
    """Where an event is in its life: only a draft has no public page."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    ARCHIVED = "archived"


class WorkshopFormat(StrEnum):
    """What happens in a workshop slot (also the format of a volunteer's proposal)."""

    WORKSHOP = "workshop"
    TALK = "talk"
    DISCUSSION = "discussion"
    INSTALL = "install"
    MEAL = "meal"


class WorkshopLevel(StrEnum):
    """Who a workshop (or a proposal) is for."""

    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"

# How the venue welcomes everyone (a fixed list, plus free text in ``accessibility_notes``).
ACCESSIBILITY_FEATURES = ("step_free", "accessible_toilets", "induction_loop", "sign_language",
                          "quiet_room")
AUDIENCES = ("all", "teens", "adults", "seniors", "professionals")
ATTENDANCE_MODES = ("onsite", "online", "mixed")
# What schema.org's eventStatus says besides "scheduled" and "cancelled" (the latter is
# ``status == "cancelled"``).
SCHEDULE_STATUSES = ("scheduled", "postponed", "rescheduled", "moved_online")


class Event(db.Model):
    """An evening (or afternoon) organized by one organization."""

    __tablename__ = "events"
    __table_args__ = (
        db.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        db.CheckConstraint("retention_days >= 0", name="retention_positive"),
        db.CheckConstraint("max_party >= 1", name="max_party_positive"),
        db.CheckConstraint("volunteer_withdraw_hours >= 0", name="withdraw_hours_positive"),
        one_of("kind", EventKind, name="kind_known"),
        one_of("status", EventStatus, name="status_known"),
        db.CheckConstraint("minimum_age IS NULL OR (minimum_age >= 0 AND minimum_age <= 120)",
                           name="minimum_age_range"),
        db.CheckConstraint("attendance_mode IN ('onsite', 'online', 'mixed')",
                           name="attendance_mode_known"),
        db.CheckConstraint("audience IN ('all', 'teens', 'adults', 'seniors', 'professionals')",
                           name="audience_known"),
        db.CheckConstraint("schedule_status IN ('scheduled', 'postponed', 'rescheduled', "
                           "'moved_online')", name="schedule_status_known"),
        # The directory (published events by date) and an organization's events by
        # status and end: issue 19's growth figure, where a scan would grow with the data.
        db.Index("ix_events_status_starts", "status", "starts_at"),
        db.Index("ix_events_org_status_ends", "organization_id", "status", "ends_at"),
        # The events the purge still has to look at (privacy/retention.py): ended ones
        # not yet emptied. Partial, so that the archive of purged events, which only
        # grows, is not in it (issue 19: growth).
        db.Index("ix_events_unpurged_ends", "ends_at", sqlite_where=db.text("purged_at IS NULL"),
                 postgresql_where=db.text("purged_at IS NULL")),
    )

    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(db.ForeignKey("organizations.id"), nullable=False, index=True)
    kind = db.Column(db.String(20), nullable=False, default=EventKind.CRYPTOPARTY)
    slug = db.Column(db.String(80), unique=True, nullable=False)
    title = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    venue = db.Column(db.String(200), nullable=False, default="")
    address = db.Column(db.String(300), nullable=False, default="")
    timezone = db.Column(db.String(64), nullable=False, default="Europe/Paris")
    starts_at = db.Column(db.DateTime, nullable=False)
    ends_at = db.Column(db.DateTime, nullable=False)
    registration_opens_at = db.Column(db.DateTime, nullable=True)
    registration_closes_at = db.Column(db.DateTime, nullable=True)
    status = db.Column(db.String(20), nullable=False, default=EventStatus.DRAFT, index=True)
    retention_days = db.Column(db.Integer, nullable=False, default=7)
    max_party = db.Column(db.Integer, nullable=False, default=4)
    # Volunteers may withdraw from a workshop until this many hours before the start.
    volunteer_withdraw_hours = db.Column(db.Integer, nullable=False, default=48,
                                         server_default="48")
    # Describing the event as the world reads it (schema.org, agendas).
    accessibility = db.Column(db.String(200), nullable=False, default="", server_default="")
    accessibility_notes = db.Column(db.Text, nullable=False, default="", server_default="")
    audience = db.Column(db.String(20), nullable=False, default="all", server_default="all")
    minimum_age = db.Column(db.Integer, nullable=True)
    attendance_mode = db.Column(db.String(10), nullable=False, default="onsite",
                                server_default="onsite")
    online_url = db.Column(db.String(500), nullable=False, default="", server_default="")
    is_free = db.Column(db.Boolean, nullable=False, default=True, server_default="1")
    price = db.Column(db.String(200), nullable=False, default="", server_default="")
    schedule_status = db.Column(db.String(20), nullable=False, default="scheduled",
                                server_default="scheduled")
    series_id = db.Column(db.ForeignKey("event_series.id", ondelete="SET NULL"), nullable=True,
                          index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=clock.now)
    updated_at = db.Column(db.DateTime, nullable=False, default=clock.now, onupdate=clock.now)
    # Bumped in the transaction of any ORM write that changes the public page (the
    # event, its sessions, workshops, claims, announcements, its organization): the
    # rendered-page cache keys on it (events/page_cache.py).
    version = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # When the retention purge last emptied the event (naive UTC): no ticket, no volunteer
    # contact left, figures kept. Set by the purge in the transaction of its deletes;
    # cleared when the event's end moves (see ``_end_moved``), the only way an ended
    # event can take tickets or contacts again.
    purged_at = db.Column(db.DateTime, nullable=True)

    organization = db.relationship("Organization", back_populates="events")
    series = db.relationship("EventSeries", back_populates="events")
    sessions = db.relationship("EventSession", back_populates="event",
                               order_by="(EventSession.starts_at, EventSession.id)",
                               cascade="all, delete-orphan")

    @property
    def tz(self) -> ZoneInfo:
        """The event's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def is_public(self) -> bool:
        """Whether the event has a public page (published, cancelled or archived)."""
        return self.status != EventStatus.DRAFT

    @property
    def accessibility_list(self) -> list[str]:
        """The venue's accessibility features, in the fixed list's order."""
        chosen = set(filter(None, (self.accessibility or "").split(",")))
        return [f for f in ACCESSIBILITY_FEATURES if f in chosen]

    @property
    def is_online(self) -> bool:
        """Whether people can attend online (online or mixed)."""
        return self.attendance_mode in ("online", "mixed")

    @property
    def workshops(self):
        """All workshops of the event, in program order."""
        return [w for s in self.sessions for w in s.workshops]

    def __repr__(self):
        return f"<Event {self.slug}>"


@sa_event.listens_for(Event.ends_at, "set", active_history=True)
def _end_moved(event: Event, value, previous, _initiator) -> None:
    """A purged event whose end moves is a candidate for the purge again.

    Registration and volunteering close at the latest when the event ends, so an
    event emptied by the purge (ended) can take new tickets or contacts only once
    its end is moved into the future; clearing ``purged_at`` there (on every ORM
    path, not in one service) lets the purge find it again after its new end.
    """
    if value != previous:
        event.purged_at = None


class EventSession(db.Model):
    """A time slot of an event; an attendee takes at most one workshop per session."""

    __tablename__ = "event_sessions"
    __table_args__ = (db.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("events.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    label = db.Column(db.String(100), nullable=False)
    starts_at = db.Column(db.DateTime, nullable=False)
    ends_at = db.Column(db.DateTime, nullable=False)
    # The start it had when it was last moved after publication (for the ticket notices).
    moved_from = db.Column(db.DateTime, nullable=True)

    event = db.relationship("Event", back_populates="sessions")
    workshops = db.relationship("Workshop", back_populates="session",
                                order_by="(Workshop.position, Workshop.id)",
                                cascade="all, delete-orphan")

    def __repr__(self):
        return f"<EventSession {self.label}>"


class Workshop(db.Model):
    """An activity of a session: a workshop, a talk, a discussion, an install, a meal.

    ``seats_taken`` counts confirmed seats (party sizes added up). It only
    ever changes through a conditional UPDATE that keeps it within
    ``capacity`` (see ``services.registration``).
    """

    __tablename__ = "workshops"
    __table_args__ = (
        db.CheckConstraint("capacity > 0", name="capacity_positive"),
        db.CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity",
                           name="seats_within_capacity"),
        db.UniqueConstraint("event_id", "slug", name="uq_workshops_event_slug"),
        db.CheckConstraint("facilitators >= 0", name="facilitators_positive"),
        one_of("format", WorkshopFormat, name="format_known"),
        one_of("level", WorkshopLevel, name="level_known"),
    )

    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.ForeignKey("event_sessions.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    # Denormalized from the session so that slugs are unique per event.
    event_id = db.Column(db.ForeignKey("events.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    slug = db.Column(db.String(80), nullable=False)
    format = db.Column(db.String(20), nullable=False, default=WorkshopFormat.WORKSHOP)
    title = db.Column(db.String(200), nullable=False)
    summary = db.Column(db.Text, nullable=False, default="")
    topics = db.Column(db.String(300), nullable=False, default="")
    level = db.Column(db.String(20), nullable=False, default=WorkshopLevel.BEGINNER)
    room = db.Column(db.String(100), nullable=False, default="")
    capacity = db.Column(db.Integer, nullable=False)
    seats_taken = db.Column(db.Integer, nullable=False, default=0)
    materials = db.Column(db.Text, nullable=False, default="")
    needs_facilitator = db.Column(db.Boolean, nullable=False, default=False)
    allow_cofacilitators = db.Column(db.Boolean, nullable=False, default=False,
                                     server_default="0")
    # Active volunteer claims; changed only by a guarded UPDATE (services.volunteers).
    facilitators = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    recipe_key = db.Column(db.String(80), nullable=True)
    position = db.Column(db.Integer, nullable=False, default=0)

    session = db.relationship("EventSession", back_populates="workshops")
    event = db.relationship("Event", viewonly=True)

    @property
    def seats_left(self) -> int:
        """Confirmed seats still free."""
        return max(self.capacity - self.seats_taken, 0)

    @property
    def topic_list(self) -> list[str]:
        """Topics as a list of tags."""
        return [t.strip() for t in self.topics.split(",") if t.strip()]

    def __repr__(self):
        return f"<Workshop {self.slug}>"


class EventSeries(db.Model):
    """A recurring event ("every first Saturday, 10:30–12:00, until June").

    The series only names the dates (an RRULE); each date is an ordinary event
    that the organizer edits, moves or cancels on its own.
    """

    __tablename__ = "event_series"

    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(db.ForeignKey("organizations.id"), nullable=False, index=True)
    slug = db.Column(db.String(80), unique=True, nullable=False)
    title = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    rrule = db.Column(db.String(500), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=clock.now)

    organization = db.relationship("Organization")
    events = db.relationship("Event", back_populates="series", order_by="Event.starts_at")

    def __repr__(self):
        return f"<EventSeries {self.slug}>"
