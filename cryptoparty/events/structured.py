"""An event described for search engines and city agendas: schema.org as JSON-LD.

Plain dictionaries, built from the event alone, with the URLs passed in by the
view. Nothing about a person: no attendee, no volunteer (their pseudonyms stay
on the page, not in the data that crawlers collect), no organizer account.
Times carry the event's UTC offset ("2026-03-12T20:45:00+01:00").
"""

from collections.abc import Callable
from datetime import datetime, timezone

from cryptoparty.events.models import Event

SCHEMA = "https://schema.org"

EVENT_STATUS = {
    "scheduled": "EventScheduled",
    "postponed": "EventPostponed",
    "rescheduled": "EventRescheduled",
    "moved_online": "EventMovedOnline",
}
ATTENDANCE_MODE = {
    "onsite": "OfflineEventAttendanceMode",
    "online": "OnlineEventAttendanceMode",
    "mixed": "MixedEventAttendanceMode",
}
AUDIENCE_TYPE = {
    "all": "general public",
    "teens": "teenagers",
    "adults": "adults",
    "seniors": "seniors",
    "professionals": "professionals",
}
ACCESSIBILITY_NAME = {
    "step_free": "Step-free access",
    "accessible_toilets": "Accessible toilets",
    "induction_loop": "Induction loop",
    "sign_language": "Sign language interpretation",
    "quiet_room": "Quiet room",
}


def iso_local(value: datetime, event: Event) -> str:
    """A naive UTC datetime in the event's zone, with its offset."""
    return value.replace(tzinfo=timezone.utc).astimezone(event.tz).isoformat()


def event_status(event: Event) -> str:
    """The schema.org eventStatus of an event."""
    if event.status == "cancelled":
        return f"{SCHEMA}/EventCancelled"
    return f"{SCHEMA}/{EVENT_STATUS.get(event.schedule_status, 'EventScheduled')}"


def _place(event: Event) -> dict:
    place = {"@type": "Place", "name": event.venue,
             "address": {"@type": "PostalAddress",
                         "streetAddress": event.address or event.venue,
                         "addressLocality": event.organization.city or None}}
    features = [{"@type": "LocationFeatureSpecification", "name": ACCESSIBILITY_NAME[f],
                 "value": True} for f in event.accessibility_list]
    if features:
        place["amenityFeature"] = features
    if event.accessibility_notes:
        place["description"] = event.accessibility_notes
    return _clean(place)


def _location(event: Event):
    virtual = {"@type": "VirtualLocation", "url": event.online_url}
    if event.attendance_mode == "online":
        return virtual
    if event.attendance_mode == "mixed":
        return [_place(event), virtual]
    return _place(event)


def _clean(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def event_jsonld(event: Event, *, event_url: str, organization_url: str,
                 register_url: str | None = None,
                 workshop_url: Callable | None = None, series: dict | None = None) -> dict:
    """The schema.org ``Event`` of an event page."""
    audience = _clean({"@type": "PeopleAudience",
                       "audienceType": AUDIENCE_TYPE.get(event.audience, "general public"),
                       "suggestedMinAge": event.minimum_age})
    offer = _clean({"@type": "Offer", "url": register_url or event_url,
                    "price": "0" if event.is_free else None,
                    "priceCurrency": "EUR" if event.is_free else None,
                    "description": None if event.is_free else event.price,
                    "availability": f"{SCHEMA}/InStock" if event.status == "published"
                    else f"{SCHEMA}/SoldOut"})
    data = {
        "@context": SCHEMA,
        "@type": "Event",
        "@id": event_url,
        "url": event_url,
        "name": event.title,
        "description": event.description or f"{event.title} — {event.venue}",
        "startDate": iso_local(event.starts_at, event),
        "endDate": iso_local(event.ends_at, event),
        "eventStatus": event_status(event),
        "eventAttendanceMode": f"{SCHEMA}/{ATTENDANCE_MODE[event.attendance_mode]}",
        "location": _location(event),
        "organizer": _clean({"@type": "Organization", "name": event.organization.name,
                             "url": organization_url}),
        "isAccessibleForFree": bool(event.is_free),
        "inLanguage": event.organization.default_locale,
        "audience": audience,
        "offers": offer,
    }
    if event.accessibility_list:
        # The same features as the venue's amenityFeature, in the words agendas read.
        data["accessibilityFeature"] = event.accessibility_list
    if event.schedule_status == "rescheduled" and event.sessions:
        moved = [s.moved_from for s in event.sessions if s.moved_from]
        if moved:
            data["previousStartDate"] = iso_local(min(moved), event)
    # A workshop says what differs from its event (name, time, room, seats), and nothing
    # the event or the page already says: its description and topics are on the page, its
    # venue is the event's (so its location is its room, as schema.org's Text), and its
    # status is the event's (said again only when the event is not as scheduled, for a
    # reader that lists workshops alone). Each repetition is sent 10 times on a busy page
    # (issue 19).
    scheduled = event_status(event) == f"{SCHEMA}/EventScheduled"
    sub_events = []
    for session in event.sessions:
        for workshop in session.workshops:
            sub_events.append(_clean({
                "@type": "Event",
                "name": workshop.title,
                "url": workshop_url(workshop) if workshop_url else f"{event_url}#{workshop.slug}",
                "startDate": iso_local(session.starts_at, event),
                "endDate": iso_local(session.ends_at, event),
                "eventStatus": None if scheduled else event_status(event),
                "location": workshop.room or event.venue
                if event.attendance_mode != "online" else _location(event),
                "maximumAttendeeCapacity": workshop.capacity,
                "remainingAttendeeCapacity": workshop.seats_left,
            }))
    if sub_events:
        data["subEvent"] = sub_events
    if series:
        data["superEvent"] = series
    return _clean(data)


def series_jsonld(series, dates: list[Event], *, series_url: str, event_url: Callable,
                  organization_url: str) -> dict:
    """The schema.org ``EventSeries`` of a series page, one subEvent per public date."""
    organizer = {"@type": "Organization", "name": series.organization.name,
                 "url": organization_url}
    data = {
        "@context": SCHEMA,
        "@type": "EventSeries",
        "@id": series_url,
        "url": series_url,
        "name": series.title,
        "description": series.description,
        "organizer": organizer,
        "inLanguage": series.organization.default_locale,
    }
    if dates:
        data["startDate"] = iso_local(dates[0].starts_at, dates[0])
        data["endDate"] = iso_local(dates[-1].ends_at, dates[-1])
        data["subEvent"] = [_clean({
            "@type": "Event", "@id": event_url(e), "url": event_url(e), "name": e.title,
            "startDate": iso_local(e.starts_at, e), "endDate": iso_local(e.ends_at, e),
            "eventStatus": event_status(e),
            "eventAttendanceMode": f"{SCHEMA}/{ATTENDANCE_MODE[e.attendance_mode]}",
            "location": _location(e), "organizer": organizer,
            "isAccessibleForFree": bool(e.is_free)}) for e in dates]
    return _clean(data)
