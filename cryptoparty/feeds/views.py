"""Feeds for the outside world, organizations' pages and share links."""

from flask import Blueprint, Response, g, redirect, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from cryptoparty.core import clock
from cryptoparty.core.errors import DomainError
from cryptoparty.core.i18n import local_date, local_range
from cryptoparty.core.security import CONTENT_SECURITY_POLICY
from cryptoparty.core.urls import public_url_for, stable_uid, stable_uuid
from cryptoparty.core.validation import content_disposition
from cryptoparty.events import services as event_service
from cryptoparty.events.models import EventStatus
from cryptoparty.feeds import services as feeds

bp = Blueprint("feeds", __name__)

ICAL_TYPE = "text/calendar; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def _event_url(event) -> str:
    return public_url_for("public.event", slug=event.slug, lang=None)


def _calendar_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = ICAL_TYPE
    response.headers["Content-Disposition"] = content_disposition("inline", filename)
    return response


@bp.get("/events/<slug>.ics")
def event_calendar(slug):
    """The event's program as iCalendar: each session and each workshop."""
    event = event_service.get_public_event(slug)
    body = feeds.event_calendar(event, event_url=_event_url(event), uid=stable_uid)
    return _calendar_response(body, f"{event.slug}.ics")


def _describe(event) -> str:
    when = local_range(event.starts_at, event.ends_at, event.timezone)
    where = ", ".join(p for p in (event.venue, event.address) if p)
    return f"{when} · {where}\n\n{event.description}".strip()


def _atom_response(events, *, title, feed_url, site_url) -> Response:
    body = feeds.atom_feed(events, title=title, feed_url=feed_url, site_url=site_url,
                           event_url=_event_url, describe=_describe, entry_id=stable_uuid,
                           language=str(get_locale()), now=clock.now())
    response = Response(body)
    response.headers["Content-Type"] = ATOM_TYPE
    return response


@bp.get("/feed.atom")
def atom():
    """Upcoming events of every organization, as Atom."""
    events = event_service.upcoming_events(clock.now())
    return _atom_response(events, title=_("Upcoming CryptoParties and privacy cafés"),
                          feed_url=public_url_for("feeds.atom"),
                          site_url=public_url_for("public.index"))


@bp.get("/orgs/<slug>/")
def organization(slug):
    """An organization's page: its events, its signing key's fingerprint, its feeds."""
    org = feeds.get_organization(slug)
    g.organization_locale = org.default_locale
    now = clock.now()
    events = feeds.public_events_of(org)
    upcoming = [e for e in events if e.ends_at >= now and e.status == EventStatus.PUBLISHED]
    past = [e for e in reversed(events) if e.ends_at < now and e.status != EventStatus.CANCELLED]
    return render_template("feeds/organization.html", org=org, upcoming=upcoming, past=past,
                           fingerprint=feeds.group_fingerprint(org.key_fingerprint))


@bp.get("/orgs/<slug>/events.ics")
def organization_calendar(slug):
    """The organization's public events as iCalendar, one entry per event."""
    org = feeds.get_organization(slug)
    body = feeds.organization_calendar(org, feeds.public_events_of(org), event_url=_event_url,
                                       uid=stable_uid)
    return _calendar_response(body, f"{org.slug}.ics")


@bp.get("/orgs/<slug>/feed.atom")
def organization_atom(slug):
    """The organization's upcoming events, as Atom."""
    org = feeds.get_organization(slug)
    events = event_service.upcoming_events(clock.now(), organization=org)
    return _atom_response(events, title=org.name,
                          feed_url=public_url_for("feeds.organization_atom", slug=org.slug),
                          site_url=public_url_for("feeds.organization", slug=org.slug))


# Sharing --------------------------------------------------------------------

def share_text(event) -> str:
    """What a share post says: the title, the date and the link."""
    return f"{event.title} — {local_date(event.starts_at, event.timezone)}, " \
           f"{event.venue}\n{_event_url(event)}"


@bp.route("/events/<slug>/share", methods=["GET"])
def share(slug):
    """A page to share the event on Mastodon: the person types their instance."""
    event = event_service.get_public_event(slug)
    g.organization_locale = event.organization.default_locale
    error = None
    typed = request.args.get("instance")
    if typed is not None:
        try:
            return redirect(feeds.mastodon_share_url(typed, share_text(event)), code=303)
        except DomainError as exc:
            error = exc.describe()
    response = Response(render_template("feeds/share.html", event=event, error=error,
                                        typed=typed or "", text=share_text(event)),
                        status=400 if error else 200)
    # This page's form leads, through our redirect, to the instance the person
    # chose: form-action must allow that one hop to another https origin.
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", "form-action 'self' https:")
    return response
