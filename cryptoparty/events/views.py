"""The public pages: upcoming events and an event's program."""

from flask import Blueprint, g, render_template, request, url_for

from cryptoparty.core import clock
from cryptoparty.events import services as event_service
from cryptoparty.events.structured import event_jsonld

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    """Upcoming published events of every organization, filtered by city and kind."""
    from cryptoparty.events.models import EVENT_KINDS

    now = clock.now()
    cities = event_service.directory_cities(now)
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
    jsonld = event_jsonld(
        event, event_url=url_for("public.event", slug=event.slug, _external=True, lang=None),
        organization_url=url_for("feeds.organization", slug=event.organization.slug,
                                 _external=True, lang=None),
        register_url=url_for("tickets.register", slug=event.slug, _external=True, lang=None),
        series={"@type": "EventSeries", "name": event.series.title,
                "@id": url_for("public.series", slug=event.series.slug, _external=True,
                               lang=None)} if event.series is not None else None)
    if event.status == "archived":
        # Its tickets are gone (or going): only the aggregated figures remain.
        from cryptoparty.figures.services import event_figures

        return render_template("public/archived.html", event=event, jsonld=jsonld,
                               report=event_figures(event, clock.now()))
    return render_template("public/event.html", event=event, now=clock.now(), jsonld=jsonld)


@bp.get("/series/<slug>/")
def series(slug):
    """A recurring event: its dates (each with its own page) and its JSON-LD EventSeries."""
    from cryptoparty.events import series as series_service
    from cryptoparty.events.structured import series_jsonld

    series = series_service.get_public_series(slug)
    g.organization_locale = series.organization.default_locale
    dates = series_service.public_dates(series)
    jsonld = series_jsonld(
        series, dates,
        series_url=url_for("public.series", slug=series.slug, _external=True, lang=None),
        event_url=lambda e: url_for("public.event", slug=e.slug, _external=True, lang=None),
        organization_url=url_for("feeds.organization", slug=series.organization.slug,
                                 _external=True, lang=None))
    return render_template("public/series.html", series=series, dates=dates, jsonld=jsonld,
                           now=clock.now())
