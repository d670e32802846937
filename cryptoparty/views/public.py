"""The public pages: upcoming events and an event's program."""

from flask import Blueprint, g, render_template, request

from cryptoparty.services import events as event_service
from cryptoparty.views import utcnow

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    """Upcoming published events of every organization, filtered by city and kind."""
    from cryptoparty.models.events import EVENT_KINDS
    from cryptoparty.services.feeds import directory_cities

    now = utcnow()
    cities = directory_cities(now)
    city = request.args.get("city", "")
    kind = request.args.get("kind", "")
    city = city if city in cities else ""
    kind = kind if kind in EVENT_KINDS else ""
    events = event_service.upcoming_events(now, city=city or None, kind=kind or None)
    return render_template("public/index.html", events=events, cities=cities, kinds=EVENT_KINDS,
                           city=city, kind=kind)


@bp.get("/events/<slug>/")
def event(slug):
    """An event's program, grouped by session."""
    event = event_service.get_public_event(slug)
    g.organization_locale = event.organization.default_locale
    if event.status == "archived":
        # Its tickets are gone (or going): only the aggregated figures remain.
        from cryptoparty.services.figures import event_figures

        return render_template("public/archived.html", event=event,
                               report=event_figures(event, utcnow()))
    return render_template("public/event.html", event=event, now=utcnow())


@bp.get("/privacy")
def privacy():
    """What the platform stores, and what it never stores (from ``cryptoparty.inventory``)."""
    from flask_babel import get_locale

    from cryptoparty import inventory

    return render_template("public/privacy.html", inventory=inventory,
                           activities=list(inventory.ACTIVITIES.values()),
                           locale=str(get_locale())[:2])
