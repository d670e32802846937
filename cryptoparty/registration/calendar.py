"""A ticket's calendar and notices: how an anonymous attendee hears about a change.

The ticket's private calendar (``/tickets/<code>/ticket.ics``, a capability
URL masked in logs like the ticket page) and its private Atom feed carry the
ticket's *current* state every time they are fetched: its workshops with their
rooms and times, ``STATUS:CANCELLED`` when the event or the ticket is
cancelled, waitlisted choices marked ``TENTATIVE`` until they are promoted.
The reminder (``VALARM``) is chosen in the URL the attendee subscribes to:
nothing about the person is stored.

The same notices are shown on the ticket page. Nothing here reads the request:
URLs come from the view; UIDs never depend on the host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from cryptoparty.core.i18n import local_date, local_time
from cryptoparty.core.urls import stable_uid
from cryptoparty.core.validation import safe_line, safe_text
from cryptoparty.registration.models import Ticket

if TYPE_CHECKING:  # icalendar is imported on first use, not when a worker starts
    from icalendar import Calendar
    from icalendar import Event as VEvent

# The reminders an attendee may choose: none, the day before, two hours before.
ALARMS = {"none": None, "day": timedelta(days=1), "2h": timedelta(hours=2)}
PRODID = "-//cryptoparty//tickets//EN"


def parse_alarm(value: str | None) -> str:
    """The reminder named in a query string; anything unknown means none."""
    return value if value in ALARMS else "none"


@dataclass(frozen=True)
class Notice:
    """Something the ticket holder should know, with a stable key (the Atom entry id)."""

    key: str
    level: str  # "alert" (cancelled, postponed) or "info"
    text: str


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc)


def _local(value: datetime, event) -> datetime:
    return _utc(value).astimezone(event.tz)


def _workshops(event) -> dict:
    return {w.id: w for w in event.workshops}


def ticket_notices(ticket: Ticket, positions: dict[int, int]) -> list[Notice]:
    """What changed or matters for this ticket, most important first."""
    event = ticket.event
    tz = event.timezone
    notices = []
    if ticket.status == "cancelled":
        return [Notice("ticket-cancelled", "alert", _("This ticket is cancelled."))]
    if event.status == "cancelled":
        notices.append(Notice("event-cancelled", "alert",
                              _("The event is cancelled: it will not take place.")))
    elif event.schedule_status == "postponed":
        notices.append(Notice("event-postponed", "alert",
                              _("The event is postponed: a new date will be announced.")))
    elif event.schedule_status == "moved_online":
        notices.append(Notice("event-moved-online", "alert",
                              _("The event has moved online: %(url)s", url=event.online_url)))
    workshops = _workshops(event)
    for choice in sorted(ticket.choices, key=lambda c: workshops[c.workshop_id].session
                         .starts_at):
        workshop = workshops[choice.workshop_id]
        session = workshop.session
        if session.moved_from and session.moved_from != session.starts_at:
            notices.append(Notice(
                f"session-{session.id}-moved-{session.starts_at:%Y%m%dT%H%M}", "alert",
                _("New time for “%(title)s”: %(date)s at %(time)s (it was %(old_date)s at "
                  "%(old_time)s).", title=workshop.title,
                  date=local_date(session.starts_at, tz), time=local_time(session.starts_at, tz),
                  old_date=local_date(session.moved_from, tz),
                  old_time=local_time(session.moved_from, tz))))
        if event.status == "cancelled":
            continue
        if choice.status == "confirmed":
            text = _("Your seat is confirmed for “%(title)s”.", title=workshop.title)
            if workshop.room:
                text += " " + _("Room: %(room)s.", room=workshop.room)
            notices.append(Notice(f"workshop-{workshop.id}-confirmed", "info", text))
        else:
            notices.append(Notice(
                f"workshop-{workshop.id}-waitlisted", "info",
                _("“%(title)s”: you are number %(position)d on the waiting list.",
                  title=workshop.title, position=positions.get(workshop.id, 0))))
    return notices


def _calendar(name: str) -> Calendar:
    from icalendar import Calendar  # imported on first use: most workers never need it

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", safe_line(name))
    # Subscribed calendars come back for the latest state at least every hour.
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", timedelta(hours=1))
    return cal


def _entry(uid: str, summary: str, session, event, *, now: datetime, url: str,
           status: str, location: str, description: str) -> VEvent:
    from icalendar import Event as VEvent

    entry = VEvent()
    entry.add("uid", uid)
    entry.add("dtstamp", _utc(now))
    entry.add("last-modified", _utc(event.updated_at or now))
    entry.add("dtstart", _local(session.starts_at, event))
    entry.add("dtend", _local(session.ends_at, event))
    # Stored texts, whatever they held before the input rules: one line each, no control.
    entry.add("summary", safe_line(summary))
    entry.add("status", status)
    entry.add("location", safe_line(location))
    entry.add("url", url)
    entry.add("description", safe_text(description))
    entry.add("transp", "OPAQUE" if status == "CONFIRMED" else "TRANSPARENT")
    return entry


def _location(workshop, event) -> str:
    if event.attendance_mode == "online":
        return event.online_url
    return ", ".join(p for p in (workshop.room, event.venue, event.address) if p)


def ticket_calendar(ticket: Ticket, *, ticket_url: str, alarm: str,
                    now: datetime) -> bytes:
    """The ticket's current state as iCalendar, with the chosen reminder."""
    event = ticket.event
    cal = _calendar(_("Ticket: %(title)s", title=event.title))
    holder = _("Your ticket (whoever holds this link holds the ticket): %(url)s", url=ticket_url)
    if ticket.status == "cancelled":
        # Its choices are gone: one cancelled entry per session, with the UIDs the
        # calendar already holds, so that every workshop of the ticket disappears.
        for session in event.sessions:
            cal.add_component(_entry(
                stable_uid("ticket-session", f"{ticket.check_tag}-{session.id}"),
                _("Cancelled: %(title)s — %(session)s", title=event.title, session=session.label),
                session, event, now=now, url=ticket_url, status="CANCELLED",
                location=", ".join(p for p in (event.venue, event.address) if p),
                description=_("This ticket is cancelled.")))
        cal.add_missing_timezones()
        return cal.to_ical()
    workshops = _workshops(event)
    trigger = ALARMS[parse_alarm(alarm)]
    for choice in ticket.choices:
        workshop = workshops[choice.workshop_id]
        session = workshop.session
        title = f"{workshop.title} — {event.title}"
        if event.status == "cancelled":
            status, title = "CANCELLED", _("Cancelled: %(title)s", title=title)
            lines = [_("The event is cancelled: it will not take place.")]
        elif choice.status == "waitlisted":
            status, title = "TENTATIVE", f"{title} " + _("(waiting list)")
            lines = [_("You are on the waiting list: this entry turns into a confirmed seat "
                       "when one frees up.")]
        else:
            status = "CONFIRMED"
            lines = [_("Your seat is confirmed.")]
        if workshop.room:
            lines.append(_("Room: %(room)s.", room=workshop.room))
        if event.is_online:
            lines.append(_("Online: %(url)s", url=event.online_url))
        lines.append(holder)
        uid = stable_uid("ticket-session", f"{ticket.check_tag}-{session.id}")
        entry = _entry(uid, title, session, event, now=now, url=ticket_url, status=status,
                       location=_location(workshop, event), description="\n".join(lines))
        if trigger is not None and status != "CANCELLED":
            from icalendar import Alarm

            reminder = Alarm()
            reminder.add("action", "DISPLAY")
            reminder.add("description", safe_line(title))
            reminder.add("trigger", -trigger)
            entry.add_component(reminder)
        cal.add_component(entry)
    cal.add_missing_timezones()
    return cal.to_ical()


def ticket_feed(ticket: Ticket, notices: list[Notice], *, feed_url: str, ticket_url: str,
                language: str, now: datetime) -> bytes:
    """The ticket's notices as a private Atom feed (one entry per notice)."""
    event = ticket.event
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    base = f"urn:cryptoparty:ticket:{ticket.check_tag}:{event.id}"
    feed.id(base)
    feed.title(safe_line(_("Ticket: %(title)s", title=event.title)))
    feed.link(href=ticket_url, rel="alternate")
    feed.link(href=feed_url, rel="self")
    feed.language(language)
    feed.generator("cryptoparty")
    updated = _utc(event.updated_at or now)
    feed.updated(updated)
    for notice in reversed(notices):
        entry = feed.add_entry()
        entry.id(f"{base}:{notice.key}")
        entry.title(safe_line(notice.text))
        entry.link(href=ticket_url, rel="alternate")
        entry.updated(updated)
        entry.author(name=safe_line(event.organization.name))
        entry.category(term=notice.level)
        entry.summary(safe_text(notice.text))
    return feed.atom_str(pretty=True)
