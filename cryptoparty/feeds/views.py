"""Feeds for the outside world, organizations' pages and share links."""


from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import Length

from cryptoparty.accounts import branding, roles
from cryptoparty.accounts.models import Organization
from cryptoparty.accounts.roles import Permission
from cryptoparty.core import clock, pagination
from cryptoparty.core.errors import DomainError
from cryptoparty.core.extensions import db
from cryptoparty.core.forms import Form
from cryptoparty.core.i18n import local_date, local_range
from cryptoparty.core.security import CONTENT_SECURITY_POLICY
from cryptoparty.core.urls import public_url_for, stable_uid, stable_uuid
from cryptoparty.core.validation import content_disposition
from cryptoparty.events import services as event_service
from cryptoparty.feeds import services as feeds
from cryptoparty.figures import showcase as showcase_service

bp = Blueprint("feeds", __name__)

class EmbedOriginsForm(Form):
    origins = TextAreaField(_l("Websites allowed to show the program in a frame"),
                            description=_l("One origin per line, such as "
                                           "https://www.library.example. None: no website."),
                            validators=[Length(max=5000)])


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
    if event.status == "cancelled":
        when = _("Cancelled:") + " " + when
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


def _showcase(now, organization=None):
    """The showcase's rows, from this worker's cache while the figures stay the same."""
    cache = current_app.extensions.get("showcase_cache")
    if cache is None:
        cache = current_app.extensions["showcase_cache"] = showcase_service.ShowcaseCache()
    return showcase_service.cached_showcase(now, organization, cache=cache)


@bp.get("/orgs/<slug>/")
def organization(slug):
    """An organization's page: its events, its signing key's fingerprint, its feeds."""
    org = feeds.get_organization(slug)
    branding.show_as(org)
    now = clock.now()
    upcoming = feeds.upcoming_events_of(org, now)
    past = feeds.past_events_page(org, now, pagination.page_number(request.args.get("page")))
    return render_template("feeds/organization.html", org=org, upcoming=upcoming, past=past,
                           showcase_rows=_showcase(now, organization=org),
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
    branding.show_as(event.organization)
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


# Embeds -----------------------------------------------------------------------

def _embed_response(html: str, organization) -> Response:
    """An embed page: framable by exactly the origins its organization allows."""
    response = Response(html)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", f"frame-ancestors {feeds.frame_ancestors(organization)}")
    if organization.allowed_embed_origins:
        # Browsers refuse to show a same-origin-only resource in another site's frame;
        # frame-ancestors above decides which sites may.
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/embed/orgs/<slug>")
def embed_organization(slug):
    """The organization's upcoming program, compact and script-free, for its own website."""
    org = feeds.get_organization(slug)
    branding.show_as(org)
    events = event_service.upcoming_events(clock.now(), organization=org)
    return _embed_response(render_template("feeds/embed.html", org=org, events=events,
                                           title=org.name), org)


@bp.get("/embed/events/<slug>")
def embed_event(slug):
    """One event's program, compact and script-free."""
    event = event_service.get_public_event(slug)
    branding.show_as(event.organization)
    return _embed_response(render_template("feeds/embed.html", org=event.organization,
                                           events=[event], title=event.title),
                           event.organization)


@bp.get("/embed/orgs/<slug>/fragment.html")
def embed_fragment(slug):
    """The same program as a bare HTML fragment, for sites that refuse iframes."""
    org = feeds.get_organization(slug)
    branding.show_as(org)
    events = event_service.upcoming_events(clock.now(), organization=org)
    return Response(render_template("feeds/embed_fragment.html", org=org, events=events))


@bp.route("/manage/orgs/<slug>/embed", methods=["GET", "POST"])
@login_required
def manage_embed(slug):
    """The snippets to paste into the library's website, and the sites allowed to frame them."""
    org = db.session.scalar(select(Organization).filter_by(slug=slug))
    if org is None:
        abort(404)
    roles.require(current_user, org, Permission.SETTINGS)
    form = EmbedOriginsForm()
    status, error = 200, None
    if form.validate_on_submit():
        try:
            feeds.set_embed_origins(org, form.origins.data or "")
        except DomainError as exc:
            error, status = exc.describe(), exc.status
        else:
            flash(_("The list of websites is saved."), "success")
            return redirect(url_for("feeds.manage_embed", slug=org.slug))
    elif request.method == "POST":
        status = 400
    if request.method == "GET":
        form.origins.data = "\n".join(org.allowed_embed_origins)
    events = event_service.upcoming_events(clock.now(), organization=org)
    return render_template(
        "feeds/manage_embed.html", org=org, form=form, error=error,
        embed_url=url_for("feeds.embed_organization", slug=org.slug, _external=True, lang=None),
        fragment=render_template("feeds/embed_fragment.html", org=org, events=events),
        events=events), status


@bp.get("/series/<slug>/feed.atom")
def series_atom(slug):
    """A series' public dates, as Atom (cancelled dates stay, marked so)."""
    from cryptoparty.events import series as series_service

    series = series_service.get_public_series(slug)
    return _atom_response(series_service.public_dates(series), title=series.title,
                          feed_url=url_for("feeds.series_atom", slug=series.slug,
                                           _external=True),
                          site_url=url_for("public.series", slug=series.slug, _external=True))


# Showcase ---------------------------------------------------------------------

@bp.get("/showcase")
def showcase():
    """The figures of past events, per year and organization, for reluctant institutions."""
    page = showcase_service.showcase_page(clock.now(),
                                          pagination.page_number(request.args.get("page")))
    return render_template("feeds/showcase.html", showcase_rows=page.items, page=page)


@bp.get("/showcase.pdf")
def showcase_pdf():
    """The showcase as a printable one-page PDF."""
    from flask_babel import format_date

    from cryptoparty.core.security import static_folder
    from cryptoparty.core.templating import render_page

    html = render_page("pdf/showcase.html", showcase_rows=_showcase(clock.now()),
                       generated_on=format_date(clock.now().date(), "long"))
    static = static_folder()
    pdf = showcase_service.render_showcase_pdf(html, str(static / "css" / "report.css"),
                                               str(static))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'inline; filename="showcase.pdf"'
    return response
