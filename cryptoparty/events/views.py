"""The public pages: upcoming events and an event's program."""

from datetime import timedelta

from flask import Blueprint, current_app, render_template, request, url_for

from cryptoparty.accounts import branding
from cryptoparty.core import clock, pagination
from cryptoparty.events import labels, page_cache, pages
from cryptoparty.events import services as event_service
from cryptoparty.events.models import EventKind, EventStatus
from cryptoparty.events.structured import event_jsonld

bp = Blueprint("public", __name__)
bp.add_app_template_filter(labels.label, "label")


@bp.get("/")
def index():
    """Upcoming published events of every organization, filtered by city and kind."""
    now = clock.now()
    cities = _directory_cities(now)
    city = request.args.get("city", "")
    kind = request.args.get("kind", "")
    city = city if city in cities else ""
    kind = kind if kind in tuple(EventKind) else ""
    number = pagination.page_number(request.args.get("page"))
    events = event_service.upcoming_events_page(now, number, city=city or None,
                                                kind=kind or None)
    return render_template("public/index.html", events=events, cities=cities, kinds=list(EventKind),
                           city=city, kind=kind)


def _directory_cities(now):
    """The filter's cities, kept ``DIRECTORY_CITIES_SECONDS`` per worker (issue 19: growth).

    Listing them visits every organization; a new city shows in the filter within
    that time (its events are listed at once). 0 turns the cache off.
    """
    seconds = current_app.config.get("DIRECTORY_CITIES_SECONDS", 60)
    cached = current_app.extensions.get("directory_cities")
    if seconds and cached is not None and cached[0] > now:
        return cached[1]
    cities = event_service.directory_cities(now)
    if seconds:
        current_app.extensions["directory_cities"] = (now + timedelta(seconds=seconds), cities)
    return cities


@bp.get("/events/<slug>/")
def event(slug):
    """An event's program, grouped by session (anonymous visits: from the page cache)."""
    return page_cache.serve_event_page(slug, clock.now(), lambda: _event_page(slug))


def _event_page(slug):
    event = event_service.get_public_event(slug, program=True)
    branding.show_as(event.organization)
    now = clock.now()
    jsonld = _event_jsonld(event)
    if event.status == EventStatus.ARCHIVED:
        # Its tickets are gone (or going): only the aggregated figures remain.
        return render_template("public/archived.html", event=event, jsonld=jsonld,
                               **pages.context(pages.ARCHIVED_EVENT, event, now))
    return render_template("public/event.html", event=event, jsonld=jsonld,
                           **pages.context(pages.PUBLIC_EVENT, event, now))


def _event_jsonld(event) -> dict:
    """The event as schema.org JSON-LD (events/structured.py), with its absolute URLs."""
    return event_jsonld(
        event, event_url=url_for("public.event", slug=event.slug, _external=True, lang=None),
        organization_url=url_for("feeds.organization", slug=event.organization.slug,
                                 _external=True, lang=None),
        register_url=url_for("tickets.register", slug=event.slug, _external=True, lang=None),
        series={"@type": "EventSeries", "name": event.series.title,
                "@id": url_for("public.series", slug=event.series.slug, _external=True,
                               lang=None)} if event.series is not None else None)


@bp.get("/series/<slug>/")
def series(slug):
    """A recurring event: its dates (each with its own page) and its JSON-LD EventSeries."""
    from cryptoparty.events import series as series_service
    from cryptoparty.events.structured import series_jsonld

    series = series_service.get_public_series(slug)
    branding.show_as(series.organization)
    dates = series_service.public_dates(series)
    jsonld = series_jsonld(
        series, dates,
        series_url=url_for("public.series", slug=series.slug, _external=True, lang=None),
        event_url=lambda e: url_for("public.event", slug=e.slug, _external=True, lang=None),
        organization_url=url_for("feeds.organization", slug=series.organization.slug,
                                 _external=True, lang=None))
    return render_template("public/series.html", series=series, dates=dates, jsonld=jsonld,
                           now=clock.now())
