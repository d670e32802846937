"""The JSON API, version 1. Bodies are JSON only; errors are JSON too."""

from datetime import timezone

from flask import Blueprint, jsonify, url_for

from cryptoparty.extensions import csrf
from cryptoparty.services import events as event_service
from cryptoparty.views import utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# JSON bodies cannot be sent cross-site by a plain HTML form, and the API sets
# no cookie: CSRF protection has nothing to protect here.
csrf.exempt(bp)


def iso(value) -> str | None:
    """A naive UTC datetime as ISO 8601 with its offset."""
    return value.replace(tzinfo=timezone.utc).isoformat() if value else None


def event_summary(event) -> dict:
    """The fields of an event that every listing carries."""
    return {
        "slug": event.slug,
        "kind": event.kind,
        "title": event.title,
        "status": event.status,
        "organization": {"slug": event.organization.slug, "name": event.organization.name},
        "venue": event.venue,
        "address": event.address,
        "timezone": event.timezone,
        "start": iso(event.starts_at),
        "end": iso(event.ends_at),
        "registration_opens": iso(event.registration_opens_at),
        "registration_closes": iso(event.registration_closes_at),
        "url": url_for("public.event", slug=event.slug, _external=True),
        "api_url": url_for("api.event", slug=event.slug, _external=True),
    }


def workshop_json(workshop) -> dict:
    """A workshop with its live seat count."""
    return {
        "id": workshop.id,
        "slug": workshop.slug,
        "title": workshop.title,
        "format": workshop.format,
        "level": workshop.level,
        "room": workshop.room,
        "topics": workshop.topic_list,
        "capacity": workshop.capacity,
        "seats_left": workshop.seats_left,
        "needs_facilitator": workshop.needs_facilitator,
    }


@bp.get("/events")
def events():
    """Upcoming published events."""
    return jsonify(events=[event_summary(e) for e in event_service.upcoming_events(utcnow())])


@bp.get("/events/<slug>")
def event(slug):
    """One event with its sessions and their workshops."""
    event = event_service.get_public_event(slug)
    body = event_summary(event)
    body["description"] = event.description
    body["max_party"] = event.max_party
    body["sessions"] = [
        {"id": s.id, "label": s.label, "start": iso(s.starts_at), "end": iso(s.ends_at),
         "workshops": [workshop_json(w) for w in s.workshops]}
        for s in event.sessions
    ]
    return jsonify(body)
