"""The public pages: upcoming events and an event's program."""

from flask import Blueprint, g, render_template, request

from cryptoparty.core import clock
from cryptoparty.events import labels, page_cache, pages
from cryptoparty.events import services as event_service
from cryptoparty.events.models import EventKind, EventStatus

bp = Blueprint("public", __name__)
bp.add_app_template_filter(labels.label, "label")


@bp.get("/")
def index():
    """Upcoming published events of every organization, filtered by city and kind."""
    now = clock.now()
    cities = event_service.directory_cities(now)
    city = request.args.get("city", "")
    kind = request.args.get("kind", "")
    city = city if city in cities else ""
    kind = kind if kind in tuple(EventKind) else ""
    events = event_service.upcoming_events(now, city=city or None, kind=kind or None)
    return render_template("public/index.html", events=events, cities=cities, kinds=list(EventKind),
                           city=city, kind=kind)


@bp.get("/events/<slug>/")
def event(slug):
    """An event's program, grouped by session (anonymous visits: from the page cache)."""
    return page_cache.serve_event_page(slug, clock.now(), lambda: _event_page(slug))


def _event_page(slug):
    event = event_service.get_public_event(slug, program=True)
    g.organization_locale = event.organization.default_locale
    now = clock.now()
    if event.status == EventStatus.ARCHIVED:
        # Its tickets are gone (or going): only the aggregated figures remain.
        return render_template("public/archived.html", event=event,
                               **pages.context(pages.ARCHIVED_EVENT, event, now))
    return render_template("public/event.html", event=event,
                           **pages.context(pages.PUBLIC_EVENT, event, now))
