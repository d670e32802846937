"""Events in the formats calendars and feed readers already use, and the directory.

- iCalendar (``icalendar``): per event, one VEVENT per session and one per
  workshop, with the event's time zone as TZID and its VTIMEZONE; per
  organization, one VEVENT per event. Cancelled events stay in the calendars
  with ``STATUS:CANCELLED`` so that subscribers see the cancellation.
- Atom (``feedgen``): upcoming events, newest change first.
- Mastodon: a share link to the instance the person names; no script, no
  third-party request from the page.

URLs and identifiers are built by the caller (views) and passed in: this module
never looks at the request. Identifiers (``UID``, ``atom:id``) never depend on the
host (``core.urls.stable_uuid``). Every stored text goes through
``validation.safe_line`` / ``safe_text``: whatever was stored before the input
rules, a line break or a control character cannot break a calendar or a feed.
"""

import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode, urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cryptoparty.accounts.models import Organization
from cryptoparty.core import pagination
from cryptoparty.core.database import atomic
from cryptoparty.core.errors import DomainError, NotFound
from cryptoparty.core.extensions import db
from cryptoparty.core.origins import MAX_ORIGINS, InvalidOrigin, TooManyOrigins, parse_origins
from cryptoparty.core.validation import safe_line, safe_text
from cryptoparty.events.models import Event, EventStatus

if TYPE_CHECKING:  # icalendar and feedgen are imported on first use, not at start
    from icalendar import Calendar
    from icalendar import Event as VEvent

PRODID = "-//cryptoparty//Events//FR"


class OrganizationNotFound(NotFound):
    message = _l("There is no such organization.")


class InvalidInstance(DomainError):
    message = _l("Type the address of your Mastodon instance, for instance “mastodon.social”.")


# Directory ------------------------------------------------------------------

def get_organization(slug: str) -> Organization:
    """An organization by its slug, or ``OrganizationNotFound``."""
    org = db.session.scalar(select(Organization).filter_by(slug=slug))
    if org is None:
        raise OrganizationNotFound()
    return org


def public_events_of(organization: Organization) -> list[Event]:
    """The organization's events that have a public page, soonest first."""
    query = (select(Event).where(Event.organization_id == organization.id,
                                 Event.status != EventStatus.DRAFT)
             .order_by(Event.starts_at))
    return list(db.session.scalars(query))


def upcoming_events_of(organization: Organization, now: datetime) -> list[Event]:
    """The organization's published events that have not ended, soonest first."""
    return list(db.session.scalars(
        select(Event).where(Event.organization_id == organization.id,
                            Event.status == EventStatus.PUBLISHED, Event.ends_at >= now)
        .order_by(Event.starts_at, Event.id)))


def past_events_page(organization: Organization, now: datetime, number: int,
                     per_page: int | None = None) -> pagination.Page:
    """Page ``number`` of the organization's past events (not cancelled), latest first."""
    per_page = per_page or pagination.PER_PAGE
    query = (select(Event).where(Event.organization_id == organization.id,
                                 Event.status.in_((EventStatus.PUBLISHED, EventStatus.ARCHIVED)),
                                 Event.ends_at < now)
             .order_by(Event.starts_at.desc(), Event.id.desc()))
    return pagination.paginate(query, number, per_page)


def group_fingerprint(fingerprint: str | None) -> str:
    """An OpenPGP fingerprint in groups of four, as gpg shows it: "ABCD EF01 ..."."""
    if not fingerprint:
        return ""
    clean = re.sub(r"\s+", "", fingerprint).upper()
    return " ".join(clean[i:i + 4] for i in range(0, len(clean), 4))


# iCalendar ------------------------------------------------------------------

def _local(value: datetime, event: Event) -> datetime:
    """A naive UTC datetime as an aware one in the event's zone (DTSTART;TZID=...)."""
    return value.replace(tzinfo=timezone.utc).astimezone(event.tz)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc)


def _calendar(name: str, language: str | None = None) -> "Calendar":
    from icalendar import Calendar  # imported on first use, not at start

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", safe_line(name))
    if language:
        cal.add("x-wr-language", language)
    return cal


def _vevent(uid: str, summary: str, start: datetime, end: datetime, event: Event, *,
            url: str, description: str = "", location: str = "") -> "VEvent":
    from icalendar import Event as VEvent

    vevent = VEvent()
    vevent.add("uid", uid)
    vevent.add("dtstamp", _utc(event.updated_at or event.created_at))
    vevent.add("last-modified", _utc(event.updated_at or event.created_at))
    vevent.add("dtstart", _local(start, event))
    vevent.add("dtend", _local(end, event))
    vevent.add("summary", safe_line(summary))
    if description:
        vevent.add("description", safe_text(description))
    vevent.add("location", safe_line(
        location or ", ".join(p for p in (event.venue, event.address) if p)))
    vevent.add("url", url)
    vevent.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent


def event_calendar(event: Event, *, event_url: str, uid: Callable[[str, int], str]) -> bytes:
    """The event's program as iCalendar: one VEVENT per session and one per workshop."""
    cal = _calendar(event.title)
    for session in event.sessions:
        titles = [w.title for w in session.workshops]
        session_uid = uid("session", session.id)
        cal.add_component(_vevent(
            session_uid, f"{event.title} — {session.label}", session.starts_at,
            session.ends_at, event, url=event_url,
            description="\n".join(f"• {t}" for t in titles)))
        for workshop in session.workshops:
            text = "\n\n".join(p for p in (workshop.summary, workshop.materials) if p)
            location = ", ".join(p for p in (workshop.room, event.venue, event.address) if p)
            vevent = _vevent(uid("workshop", workshop.id), workshop.title,
                             session.starts_at, session.ends_at, event,
                             url=f"{event_url}#{workshop.slug}", description=text,
                             location=location)
            vevent.add("related-to", session_uid)
            if workshop.topic_list:
                vevent.add("categories", [safe_line(t) for t in workshop.topic_list])
            cal.add_component(vevent)
    cal.add_missing_timezones()
    return cal.to_ical()


def organization_calendar(organization: Organization, events: list[Event], *,
                          event_url: Callable[[Event], str],
                          uid: Callable[[str, int], str]) -> bytes:
    """The organization's public events as iCalendar, one VEVENT per event."""
    cal = _calendar(organization.name, organization.default_locale)
    for event in events:
        cal.add_component(_vevent(uid("event", event.id), event.title, event.starts_at,
                                  event.ends_at, event, url=event_url(event),
                                  description=event.description))
    cal.add_missing_timezones()
    return cal.to_ical()


# Atom -----------------------------------------------------------------------

def atom_feed(events: list[Event], *, title: str, feed_url: str, site_url: str,
              event_url: Callable[[Event], str], describe: Callable[[Event], str],
              language: str, now: datetime,
              entry_id: Callable[[str, object], str]) -> bytes:
    """An Atom feed of the given events; ``describe(event)`` gives each entry's summary.

    ``entry_id(kind, key)`` names the feed and each entry whatever the host.
    """
    from feedgen.feed import FeedGenerator  # imported on first use, not at start

    feed = FeedGenerator()
    feed.id(entry_id("feed", urlsplit(feed_url).path))
    feed.title(safe_line(title))
    feed.link(href=site_url, rel="alternate")
    feed.link(href=feed_url, rel="self")
    feed.language(language)
    feed.generator("cryptoparty")
    latest = max((e.updated_at for e in events), default=now)
    feed.updated(_utc(latest))
    # feedgen prepends each new entry: add the latest event first so the
    # soonest ends up first in the document.
    for event in reversed(events):
        entry = feed.add_entry()
        url = event_url(event)
        entry.id(entry_id("event", event.id))
        entry.title(safe_line(event.title))
        entry.link(href=url, rel="alternate")
        entry.published(_utc(event.created_at))
        entry.updated(_utc(event.updated_at))
        entry.author(name=safe_line(event.organization.name))
        entry.category(term=event.kind)
        entry.summary(safe_text(describe(event)))
    return feed.atom_str(pretty=True)


# Embeds ---------------------------------------------------------------------

# The one rule for an origin allowed to embed: cryptoparty.core.origins.
MAX_EMBED_ORIGINS = MAX_ORIGINS
InvalidEmbedOrigin = InvalidOrigin
TooManyEmbedOrigins = TooManyOrigins


def parse_embed_origins(text: str) -> list[str]:
    """The origins typed one per line (or separated by spaces): ``core.origins.parse_origins``."""
    return parse_origins(text)


def set_embed_origins(organization: Organization, text: str) -> list[str]:
    """Save the websites allowed to frame the organization's embeds."""
    origins = parse_embed_origins(text)
    with atomic():
        organization.embed_origins = "\n".join(origins)
    return origins


def frame_ancestors(organization: Organization | None) -> str:
    """The CSP frame-ancestors value for an embed: exactly the allowed origins, or 'none'."""
    origins = organization.allowed_embed_origins if organization is not None else []
    return " ".join(origins) if origins else "'none'"


# Mastodon -------------------------------------------------------------------

_HOST_RE = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
                      r"[a-z][a-z0-9-]{0,61}[a-z0-9]$")


def mastodon_instance(typed: str) -> str:
    """The instance's host name from what a person typed.

    Accepts "mastodon.social", "https://mastodon.social/", "@me@mastodon.social";
    refuses anything that is not a plain public host name (no port, path,
    IP address or "localhost"), so the redirect can only go to a Mastodon-like
    host the person chose.
    """
    text = (typed or "").strip().lower()
    text = re.sub(r"^https?://", "", text)
    if text.startswith("@") or text.count("@") == 1:
        text = text.rsplit("@", 1)[-1]
    text = text.rstrip("/")
    if not _HOST_RE.match(text) or re.match(r"^[0-9.]+$", text):
        raise InvalidInstance()
    return text


def mastodon_share_url(typed_instance: str, text: str) -> str:
    """The instance's share page with the text filled in."""
    host = mastodon_instance(typed_instance)
    return f"https://{host}/share?{urlencode({'text': text}, quote_via=quote)}"
