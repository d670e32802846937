"""The JSON API, version 1. Bodies are JSON only; errors are JSON too."""

from datetime import timezone

from flask import Blueprint, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from cryptoparty.core import clock, validation
from cryptoparty.core.errors import DomainError
from cryptoparty.core.extensions import csrf
from cryptoparty.core.urls import public_url_for
from cryptoparty.events import services as event_service
from cryptoparty.registration import codes
from cryptoparty.registration import services as registration
from cryptoparty.registration import views as tickets_views

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The bounds the API enforces, also stated in openapi.json (tests compare them).
MAX_WORKSHOPS = validation.MAX_LIST_ITEMS
MAX_PARTY = 20  # the largest "largest party per ticket" an event may set
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
        "url": public_url_for("public.event", slug=event.slug),
        "api_url": public_url_for("api.event", slug=event.slug),
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
    return jsonify(events=[event_summary(e) for e in event_service.upcoming_events(clock.now())])


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


# Tickets (issue 3) ----------------------------------------------------------

class NotJson(DomainError):
    status = 415
    message = _l("Send the body as JSON, with the header Content-Type: application/json.")


class NotAJsonObject(DomainError):
    message = _l("The body must be a JSON object, such as {\"workshops\": [12, 17], "
                 "\"party\": 1}.")


def _json_body() -> dict:
    """The request's JSON object, or a JSON 415/400 error."""
    if not request.is_json:
        raise NotJson()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise NotAJsonObject()
    return body


def ticket_json(ticket, code: str) -> dict:
    """A ticket as the API shows it: never anything but its code, party and choices."""
    return {
        "code": codes.display(code),
        "status": ticket.overall_status,
        "party": ticket.party,
        "event": ticket.event.slug,
        "choices": [{"workshop": c.workshop_id, "status": c.status} for c in ticket.choices],
    }


@bp.post("/events/<slug>/tickets")
@tickets_views.registration_rate_limit
def create_ticket(slug):
    """Register: ``{"workshops": [ids], "party": n}`` → 201 with the code (shown once)."""
    body = _json_body()
    event = event_service.get_public_event(slug)
    workshops = body.get("workshops")
    if not isinstance(workshops, list):
        raise registration.NoWorkshopChosen()
    if len(workshops) > MAX_WORKSHOPS:
        raise validation.InvalidList(field="workshops", maximum=MAX_WORKSHOPS)
    # The service checks the party against the event's own maximum (at most MAX_PARTY).
    party = body.get("party", 1)
    result = registration.register(event, workshops, party, now=clock.now(),
                                   idempotency_key=request.headers.get("Idempotency-Key"),
                                   idempotency_scope="registration-api")
    response = jsonify(code=codes.display(result.code), status=result.status,
                       choices=[{"workshop": c.workshop_id, "status": c.status}
                                for c in result.choices])
    response.status_code = 201
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = url_for("api.ticket", code=codes.display(result.code))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/tickets/<code>")
@tickets_views.code_lookup_rate_limit
def ticket(code):
    """A ticket by its code."""
    found = registration.get_ticket_by_code(code)
    response = jsonify(ticket_json(found, codes.normalize(code)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/tickets/<code>")
@tickets_views.code_lookup_rate_limit
def cancel_ticket(code):
    """Cancel a ticket by its code; its seats go to the waitlist."""
    found = registration.cancel(registration.get_ticket_by_code(code), now=clock.now())
    response = jsonify(ticket_json(found, codes.normalize(code)))
    response.headers["Cache-Control"] = "no-store"
    return response
