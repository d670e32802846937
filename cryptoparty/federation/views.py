"""Federation endpoints: discovery, the actor and its collections, the inbox.

Views parse the request, call one service and answer JSON. Everything under
an organization answers 404 while its federation is off.
"""

import json
import re

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from cryptoparty.accounts import roles
from cryptoparty.accounts.models import Organization
from cryptoparty.accounts.roles import Permission
from cryptoparty.core import clock
from cryptoparty.core.errors import DomainError
from cryptoparty.core.extensions import csrf, db, limiter
from cryptoparty.core.urls import public_base_url
from cryptoparty.federation import documents, services
from cryptoparty.federation.documents import ACTIVITY_JSON, Urls

bp = Blueprint("federation", __name__)

MAX_BODY = 1024 * 1024
JRD = "application/jrd+json"
_NEGOTIATED = re.compile(r"^/(orgs|events)/([A-Za-z0-9_-]+)/?$")


def init_app(app):
    app.register_blueprint(bp)
    app.register_blueprint(manage_bp)
    csrf.exempt(inbox)


def _urls() -> Urls:
    return Urls(public_base_url())


def _secret():
    return current_app.config["SECRET_KEY"]


def _json(document, content_type=ACTIVITY_JSON, status=200):
    response = Response(json.dumps(document, ensure_ascii=False), status=status,
                        content_type=f"{content_type}; charset=utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _wants_activity() -> bool:
    for item in request.headers.get("Accept", "").split(","):
        media = item.split(";")[0].strip().lower()
        if media == "application/activity+json":
            return True
        if media == "application/ld+json" and "activitystreams" in item:
            return True
    return False


def _error(error: DomainError):
    return jsonify(error=error.describe()), error.status


@bp.before_app_request
def negotiate():
    """``/orgs/<slug>/`` and ``/events/<slug>/`` answer ActivityStreams to those who ask."""
    if request.method != "GET":
        return None
    match = _NEGOTIATED.match(request.path)
    if not match or not _wants_activity():
        return None
    if match.group(1) == "orgs":
        return actor(match.group(2))
    return event_object(match.group(2))


@bp.after_app_request
def vary_on_accept(response):
    if _NEGOTIATED.match(request.path):
        response.vary.add("Accept")
    return response


@bp.get("/.well-known/webfinger")
def webfinger():
    resource = request.args.get("resource", "")
    if not resource:
        return jsonify(error="resource is required"), 400
    urls = _urls()
    try:
        org = services.resolve_resource(resource, urls)
    except DomainError as error:
        return _error(error)
    return _json(documents.webfinger(org, urls), JRD)


@bp.get("/.well-known/host-meta")
def host_meta():
    return Response(documents.host_meta(_urls()), content_type="application/xrd+xml")


@bp.get("/.well-known/nodeinfo")
def nodeinfo_links():
    return _json(documents.nodeinfo_links(_urls()), "application/json")


@bp.get("/nodeinfo/2.1")
def nodeinfo():
    counts = services.usage()
    return _json(documents.nodeinfo(actors=counts["actors"], events=counts["events"]),
                 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"')


@bp.get("/ap/orgs/<slug>")
def actor(slug):
    try:
        org, fed_actor = services.federated(slug)
    except DomainError as error:
        return _error(error)
    return _json(documents.actor(org, services.public_key(fed_actor, _secret()), _urls()))


@bp.get("/ap/orgs/<slug>/outbox")
def outbox(slug):
    try:
        org, _actor = services.federated(slug)
    except DomainError as error:
        return _error(error)
    events = services.public_events(org)
    return _json(documents.outbox(org, events, _urls(),
                                  signed_ids=services.signed_event_ids(events)))


@bp.get("/ap/orgs/<slug>/followers")
def followers(slug):
    try:
        org, fed_actor = services.federated(slug)
    except DomainError as error:
        return _error(error)
    return _json(documents.followers(org, services.follower_count(fed_actor), _urls()))


@bp.get("/ap/events/<slug>")
def event_object(slug):
    try:
        event = services.federated_event(slug)
    except DomainError as error:
        return _error(error)
    return _json(documents.event_document(event, _urls(),
                                          signed=bool(services.signed_event_ids([event]))))


def _signer_server() -> str:
    """Rate-limit key for the inbox: the sending server (from the signature's keyId)."""
    match = re.search(r'keyId="https?://([^/"]+)', request.headers.get("Signature", ""))
    return "federation:" + (match.group(1).lower() if match else "unsigned")


def _inbox_limit() -> str:
    return current_app.config.get("FEDERATION_INBOX_RATELIMIT", "120/minute")


@bp.post("/ap/orgs/<slug>/inbox")
@limiter.limit(_inbox_limit, key_func=_signer_server)
def inbox(slug):
    try:
        services.federated(slug)
        if (request.content_length or 0) > MAX_BODY:
            return jsonify(error="too large"), 413
        body = request.stream.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return jsonify(error="too large"), 413
        activity = services.parse_activity(body)
        headers = {name.lower(): value for name, value in request.headers.items()}
        now = clock.now()
        signer = services.verify_request(
            "post", request.full_path.rstrip("?"), headers, body, now=now,
            allow_private=bool(current_app.config.get("FEDERATION_ALLOW_PRIVATE")),
            sign=services.fetch_signer(slug, now=now, urls=_urls(), secret=_secret()))
        services.receive(slug, activity, signer, now=now, urls=_urls(), secret=_secret())
    except DomainError as error:
        return _error(error)
    return "", 202


# Back office: the panel and the switch -------------------------------------------

manage_bp = Blueprint("manage_federation", __name__, url_prefix="/manage")


@manage_bp.before_request
@login_required
def require_login():
    """Every back-office page needs an organizer."""


def _my_organization(slug: str):
    """The organization whose switch an owner turns (404 outside, 403 for other roles)."""
    organization = db.session.scalar(select(Organization).filter_by(slug=slug))
    if organization is None:
        abort(404)
    roles.require(current_user, organization, Permission.SETTINGS)
    return organization


@manage_bp.get("/orgs/<slug>/federation")
def panel(slug):
    """Followers count, servers, pending and failed deliveries, and the switch."""
    organization = _my_organization(slug)
    return render_template("federation/manage.html", organization=organization,
                           figures=services.panel(organization),
                           handle=f"@{organization.slug}@{_urls().host}")


@manage_bp.post("/orgs/<slug>/federation")
def switch(slug):
    """Turn federation on or off for the organization."""
    organization = _my_organization(slug)
    enabled = request.form.get("enabled") == "1"
    services.set_federation(organization, enabled, now=clock.now())
    flash(_("Federation is on.") if enabled else _("Federation is off."), "success")
    return redirect(url_for("manage_federation.panel", slug=slug))
