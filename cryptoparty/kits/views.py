"""Printable kits as PDF: the public poster, and the organizers' kits.

The PDFs are built by ``services.kits`` and cached on disk under a key made
from everything they show; a download sends the cached file with that key as
its ETag, so a browser that already has it gets a 304.
"""

from flask import Blueprint, current_app, request, send_file
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from cryptoparty.accounts import roles
from cryptoparty.accounts.guard import permission_required
from cryptoparty.accounts.roles import Permission
from cryptoparty.core import clock
from cryptoparty.core.errors import EventNotFound, WorkshopNotFound
from cryptoparty.core.extensions import db
from cryptoparty.core.urls import public_url_for
from cryptoparty.events import services as event_service
from cryptoparty.events.models import Event, Workshop
from cryptoparty.kits import services as kits
from cryptoparty.volunteers import services as volunteer_service
from cryptoparty.volunteers.views import token_rate_limit

bp = Blueprint("kits", __name__)
#: The kits a volunteer reaches through their private link: never cached, like that link.
volunteer_bp = Blueprint("volunteer_kits", __name__)


@volunteer_bp.after_request
def _never_cache(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def may_download_workshop_kit(user_or_volunteer, workshop: Workshop) -> bool:
    """Whether this person may download the workshop's kit.

    Organizers of the event's organization may. Hook for volunteers: a
    volunteer confirmed on this workshop should too, once their private page
    links here (extend this function; the view already calls it).
    """
    if getattr(user_or_volunteer, "is_authenticated", False) and \
            hasattr(user_or_volunteer, "is_member_of"):
        return roles.allows(user_or_volunteer, workshop.session.event.organization,
                            Permission.EVENTS)
    return False


def _public_url() -> str:
    # lang=None keeps ?lang= out of the base address (url_defaults would add it).
    return public_url_for("public.index", lang=None).rstrip("/")


def _locale() -> str:
    locale = str(get_locale() or "")
    return locale if locale in kits.LANGUAGES else current_app.config["BABEL_DEFAULT_LOCALE"]


def _send(job: kits.PrintJob, *, public: bool):
    path = kits.pdf_document(job)
    response = send_file(path, mimetype="application/pdf", download_name=job.filename,
                         as_attachment=False, etag=job.key, conditional=True, max_age=0)
    if public:
        response.cache_control.public = True
    else:
        response.cache_control.private = True
        response.cache_control.no_cache = True
    return response


def _may_manage(event: Event) -> bool:
    return current_user.is_authenticated and roles.allows(current_user, event.organization,
                                                          Permission.EVENTS)


@bp.get("/events/<slug>/poster.pdf")
def poster(slug):
    """The event's poster: A4 by default, ``?size=a3``, or ``?paper=letter``."""
    event = db.session.scalar(select(Event).filter_by(slug=slug))
    if event is None or not (event.is_public or _may_manage(event)):
        raise EventNotFound()
    size = request.args.get("size") or request.args.get("paper") or "a4"
    job = kits.poster_job(event, locale=_locale(), size=size.lower(), public_url=_public_url())
    return _send(job, public=event.is_public)


@bp.get("/events/<slug>/kit.pdf")
@permission_required(Permission.EVENTS)
def event_kit(slug):
    """The whole kit of an event, for its organizers (``?paper=letter`` for US Letter)."""
    event = event_service.get_event_for(current_user, slug)
    job = kits.event_kit_job(event, locale=_locale(), paper=_paper(),
                             public_url=_public_url(), now=clock.now())
    return _send(job, public=False)


@bp.get("/events/<slug>/workshops/<workshop_slug>/kit.pdf")
@permission_required(Permission.EVENTS)
def workshop_kit(slug, workshop_slug):
    """One workshop's kit: facilitator's sheet, handout, door sign, tally, feedback slips."""
    event = db.session.scalar(select(Event).filter_by(slug=slug))
    workshop = None
    if event is not None:
        workshop = db.session.scalar(select(Workshop).filter_by(event_id=event.id,
                                                                slug=workshop_slug))
    if workshop is None or not may_download_workshop_kit(current_user, workshop):
        # Someone else's event looks like no event at all.
        raise WorkshopNotFound()
    job = kits.workshop_kit_job(event, workshop, locale=_locale(), paper=_paper(),
                                public_url=_public_url(), now=clock.now())
    return _send(job, public=False)


def _paper() -> str:
    paper = (request.args.get("paper") or "a4").lower()
    if paper not in kits.PAPERS:
        raise kits.UnknownPaper()
    return paper


@volunteer_bp.get("/volunteers/<token>/workshops/<int:workshop_id>/kit.pdf",
                  endpoint="workshop_kit")
@token_rate_limit
def volunteer_workshop_kit(token, workshop_id):
    """The printable kit of a workshop the volunteer is confirmed on."""
    volunteer = volunteer_service.get_volunteer_by_token(token)
    workshop = volunteer_service.confirmed_workshop(volunteer, workshop_id)
    locale = str(get_locale() or "")
    if locale not in kits.LANGUAGES:
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    job = kits.workshop_kit_job(volunteer.event, workshop, locale=locale,
                                public_url=_public_url(),
                                now=clock.now())
    response = send_file(kits.pdf_document(job), mimetype="application/pdf",
                         download_name=job.filename, max_age=0)
    response.cache_control.private = True
    return response
