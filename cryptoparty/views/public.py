"""The public pages: upcoming events and an event's program."""

from flask import Blueprint, g, render_template

from cryptoparty.services import events as event_service
from cryptoparty.views import utcnow

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    """Upcoming published events."""
    events = event_service.upcoming_events(utcnow())
    return render_template("public/index.html", events=events)


@bp.get("/events/<slug>/")
def event(slug):
    """An event's program, grouped by session."""
    event = event_service.get_public_event(slug)
    g.organization_locale = event.organization.default_locale
    return render_template("public/event.html", event=event, now=utcnow())


@bp.get("/privacy")
def privacy():
    """What the platform stores, and what it never stores."""
    return render_template("public/privacy.html")
