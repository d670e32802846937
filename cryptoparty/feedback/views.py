"""Anonymous feedback after the evening: the public form and its short URL."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from cryptoparty.accounts import branding
from cryptoparty.core import clock
from cryptoparty.core.errors import DomainError
from cryptoparty.core.extensions import csrf, limiter
from cryptoparty.core.forms import first_error
from cryptoparty.core.idempotency import idempotent_form
from cryptoparty.core.urls import public_url_for
from cryptoparty.events import pages as event_pages
from cryptoparty.events import services as event_service
from cryptoparty.feedback import services as feedback_service
from cryptoparty.feedback.forms import FeedbackForm, NotesForm

bp = Blueprint("feedback", __name__)


def _rate_limit() -> str:
    # Generous: at the end of an evening, everyone in the room may answer
    # from the library's Wi-Fi, behind one address.
    return current_app.config.get("FEEDBACK_RATE_LIMIT", "20/minute;200/hour")


@bp.get("/f/<slug>")
def short(slug):
    """The short address printed on the feedback slips."""
    event = event_service.get_public_event(slug)
    return redirect(url_for("feedback.give", slug=event.slug), code=302)


@bp.route("/events/<slug>/feedback", methods=["GET", "POST"])
@bp.route("/events/<slug>/feedback/<workshop_slug>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(_rate_limit, methods=["POST"])
@idempotent_form
def give(slug, workshop_slug=None):
    """Rate the evening (or one workshop) and say what was useful or missing."""
    event = event_service.get_public_event(slug)
    branding.show_as(event.organization)
    workshop = feedback_service.workshop_of(event, workshop_slug)
    try:
        feedback_service.check_feedback_open(event, clock.now())
    except DomainError as error:
        return render_template("feedback/closed.html", event=event, message=error.describe()), \
            error.status
    kind = feedback_service.feedback_kind_for(event)
    form = NotesForm() if kind == "note" else FeedbackForm()
    error = None
    if request.method == "POST":
        try:
            if not form.validate():
                raise DomainError(first_error(form))
            if kind == "note":
                feedback_service.leave_notes(event, [f.data for f in form.notes],
                                             now=clock.now(), workshop=workshop)
            else:
                feedback_service.give_feedback(
                    event, now=clock.now(), workshop=workshop, rating=request.form.get("rating"),
                    useful=form.useful.data, missing=form.missing.data,
                    comment=form.comment.data)
        except DomainError as exc:
            error = exc.describe()
        else:
            return redirect(url_for("feedback.thanks", slug=event.slug), code=303)
    return render_template("feedback/form.html", event=event, workshop=workshop, form=form,
                           kind=kind, error=error), 400 if error else 200


@bp.get("/events/<slug>/feedback-thanks")
def thanks(slug):
    """Thanks, and what happens to the feedback."""
    event = event_service.get_public_event(slug)
    branding.show_as(event.organization)
    return render_template("feedback/thanks.html", event=event)


def feedback_url_for_slips(event) -> str:
    """The short, absolute address to print on the feedback slips."""
    return public_url_for("feedback.short", slug=event.slug, lang=None)


def _event_page_part(event, now) -> dict:
    """The event's public page links to the feedback form while feedback is open."""
    try:
        feedback_service.check_feedback_open(event, now)
    except DomainError:
        return {"feedback_open": False}
    return {"feedback_open": True}


event_pages.add_part(bp, event_pages.PUBLIC_EVENT, _event_page_part)

