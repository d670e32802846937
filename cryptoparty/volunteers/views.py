"""Volunteer pages: the call for facilitators, the private page, and the organizer's side.

The private link ``/volunteers/<token>`` is a bearer credential: its pages are
never cached, and ``cryptoparty.core.log_masking`` masks the token in log lines.
"""

from pathlib import Path

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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from cryptoparty.accounts import audit, branding
from cryptoparty.accounts.guard import permission_required
from cryptoparty.accounts.models import AuditAction
from cryptoparty.accounts.roles import Permission
from cryptoparty.core import clock, validation
from cryptoparty.core.errors import DomainError
from cryptoparty.core.extensions import limiter
from cryptoparty.core.forms import ActionForm
from cryptoparty.core.idempotency import idempotent_form
from cryptoparty.core.openpgp import get_keyring
from cryptoparty.events import pages as event_pages
from cryptoparty.events import services as event_service
from cryptoparty.registration.views import already_checked_in_message, checked_in_message
from cryptoparty.volunteers import services as service
from cryptoparty.volunteers.forms import (
    AcceptProposalForm,
    AssignForm,
    ClaimForm,
    ProposalForm,
    SignUpForm,
)
from cryptoparty.volunteers.models import ClaimStatus, ProposalStatus

bp = Blueprint("volunteers", __name__)
manage_bp = Blueprint("manage_volunteers", __name__, url_prefix="/manage")

DEFAULT_SIGNUP_LIMIT = "10/minute;60/hour"
DEFAULT_TOKEN_LOOKUP_LIMIT = "30/minute;300/hour"

signup_rate_limit = limiter.shared_limit(
    lambda: current_app.config.get("RATELIMIT_VOLUNTEER_SIGNUP", DEFAULT_SIGNUP_LIMIT),
    scope="volunteer-signup", methods=["POST"])
token_rate_limit = limiter.shared_limit(
    lambda: current_app.config.get("RATELIMIT_VOLUNTEER_TOKEN", DEFAULT_TOKEN_LOOKUP_LIMIT),
    scope="volunteer-token", deduct_when=lambda response: response.status_code == 404)

# Where a domain error of the sign-up is shown.
SIGNUP_ERROR_FIELDS = {
    service.InvalidPseudonym: "pseudonym", service.PseudonymTaken: "pseudonym",
    service.InvalidSkills: "other_skills", service.ContactTooLong: "contact",
    service.ContactNotAccepted: "contact", service.ContactNotEncrypted: "contact",
    service.InvalidPublicKey: "public_key",
}


@bp.after_request
def _never_cache(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _show_error(form, error: DomainError, field: str | None):
    if field and field in form:
        form[field].errors = list(form[field].errors) + [error.describe()]
    else:
        form.form_errors.append(error.describe())


def _keyring_for(event):
    """The app's keyring (it checks volunteers' keys and encrypts contacts)."""
    return get_keyring(current_app)


# The call for facilitators -------------------------------------------------

@bp.route("/events/<slug>/volunteer", methods=["GET", "POST"])
@signup_rate_limit
@idempotent_form
def call(slug):
    """Workshops looking for a facilitator, the skills sought, and the sign-up form."""
    event = event_service.get_public_event(slug)
    branding.show_as(event.organization)
    now = clock.now()
    keyring = _keyring_for(event)
    contact_ok = service.contact_offered(event, keyring)
    open_now = service.accepts_volunteers(event, now)
    form = SignUpForm()
    if not contact_ok:
        del form.contact
    status = 200
    if request.method == "POST":
        if not open_now:
            status = 409
        elif form.validate_on_submit():
            try:
                volunteer, token = service.sign_up(
                    event, pseudonym=form.pseudonym.data, now=now, skills=form.skills.data,
                    other_skills=form.other_skills.data,
                    contact=form.contact.data if contact_ok else None,
                    public_key=form.public_key.data, keyring=keyring)
            except DomainError as error:
                _show_error(form, error, SIGNUP_ERROR_FIELDS.get(type(error)))
                status = error.status
            else:
                flash(_("Welcome, %(pseudonym)s! This page is yours: bookmark its address now. "
                        "It is your only key to it, and nobody can send it to you again.",
                        pseudonym=volunteer.pseudonym), "success")
                return redirect(url_for("volunteers.private", token=token))
        else:
            status = 400
    return render_template("volunteers/call.html", event=event, form=form,
                           contact_ok=contact_ok, open_now=open_now,
                           workshops=service.open_workshops(event),
                           awaiting=service.awaiting_confirmation(event),
                           skills=service.SKILLS), status


@bp.app_template_global("facilitator_state")
def facilitator_state(workshop):
    """none, open, proposed or confirmed: the back office's tag beside a workshop."""
    return service.facilitator_state(workshop)


# The private page ----------------------------------------------------------

def _private_page(volunteer, token, proposal_form=None, status=200):
    event = volunteer.event
    branding.show_as(event.organization)
    now = clock.now()
    taken = {c.workshop.session_id for c in volunteer.active_claims}
    return render_template(
        "volunteers/private.html", volunteer=volunteer, event=event, token=token,
        open_now=service.accepts_volunteers(event, now),
        can_withdraw=now < service.withdraw_deadline(event),
        deadline=service.withdraw_deadline(event),
        workshops=[w for w in service.open_workshops(event) if w.session_id not in taken],
        proposal_form=proposal_form or ProposalForm(), action=ActionForm(),
        claim_form=ClaimForm(), skills=dict(service.SKILLS),
        can_check_in=service.volunteer_can_check_in(volunteer, event),
        check_in_available=_check_in_service() is not None), status


def _check_in_service():
    """The registration service's check-in, if that part of the application is there."""
    try:
        from cryptoparty.registration import services as registration
    except ImportError:  # pragma: no cover - registration ships with the app
        return None
    return registration if hasattr(registration, "check_in") else None


def _back(token):
    return redirect(url_for("volunteers.private", token=token))


def _checked_action_form():
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.get("/volunteers/<token>")
@token_rate_limit
def private(token):
    """A volunteer's own page: their workshops, open workshops, proposals."""
    volunteer = service.get_volunteer_by_token(token)
    return _private_page(volunteer, token)


@bp.post("/volunteers/<token>/claims")
@token_rate_limit
@idempotent_form
def claim(token):
    """Claim an open workshop."""
    volunteer = service.get_volunteer_by_token(token)
    form = ClaimForm()
    workshop_id = validation.parse_id(form.workshop_id.data)
    if not form.validate_on_submit() or workshop_id is None:
        abort(400)
    try:
        claimed = service.claim_workshop(volunteer, workshop_id, now=clock.now())
    except DomainError as error:
        flash(error.describe(), "error")
        return _private_page(volunteer, token, status=error.status)
    flash(_("You offered to facilitate “%(title)s”. The organizers will confirm.",
            title=claimed.workshop.title), "success")
    return _back(token)


@bp.post("/volunteers/<token>/claims/<int:claim_id>/withdraw")
@token_rate_limit
def withdraw_claim(token, claim_id):
    """Withdraw from a workshop, until the deadline."""
    volunteer = service.get_volunteer_by_token(token)
    _checked_action_form()
    try:
        withdrawn = service.withdraw_claim(volunteer, claim_id, now=clock.now())
    except DomainError as error:
        if error.status == 404:
            raise
        flash(error.describe(), "error")
        return _private_page(volunteer, token, status=error.status)
    flash(_("You withdrew from “%(title)s”.", title=withdrawn.workshop.title), "success")
    return _back(token)


@bp.post("/volunteers/<token>/proposals")
@token_rate_limit
@idempotent_form
def propose(token):
    """Propose a workshop."""
    volunteer = service.get_volunteer_by_token(token)
    form = ProposalForm()
    if not form.validate_on_submit():
        return _private_page(volunteer, token, proposal_form=form, status=400)
    try:
        service.propose_workshop(
            volunteer, title=form.title.data, summary=form.summary.data, format=form.format.data,
            duration_minutes=form.duration_minutes.data, level=form.level.data,
            needs=form.needs.data, now=clock.now())
    except DomainError as error:
        _show_error(form, error, "duration_minutes"
                    if isinstance(error, service.InvalidDuration) else None)
        return _private_page(volunteer, token, proposal_form=form, status=error.status)
    flash(_("Thank you! The organizers will read your proposal."), "success")
    return _back(token)


@bp.post("/volunteers/<token>/proposals/<int:proposal_id>/withdraw")
@token_rate_limit
def withdraw_proposal(token, proposal_id):
    """Withdraw a proposal the organizers have not handled yet."""
    volunteer = service.get_volunteer_by_token(token)
    _checked_action_form()
    try:
        service.withdraw_proposal(volunteer, proposal_id, now=clock.now())
    except DomainError as error:
        if error.status == 404:
            raise
        flash(error.describe(), "error")
        return _private_page(volunteer, token, status=error.status)
    flash(_("Your proposal is withdrawn."), "success")
    return _back(token)


@bp.post("/volunteers/<token>/checkin")
@token_rate_limit
def check_in(token):
    """A confirmed facilitator checks an attendee in with the ticket code."""
    volunteer = service.get_volunteer_by_token(token)
    registration = _check_in_service()
    if registration is None or not service.volunteer_can_check_in(volunteer, volunteer.event):
        abort(403)
    _checked_action_form()
    try:
        ticket = registration.get_ticket_by_code(request.form.get("code", ""))
        if ticket.event_id != volunteer.event_id:
            raise registration.TicketNotFound()
        registration.check_in(ticket, now=clock.now())
    except registration.AlreadyCheckedIn as already:
        flash(already_checked_in_message(already, volunteer.event.timezone), "warning")
        return _private_page(volunteer, token, status=409)
    except DomainError as error:
        flash(error.describe(), "error")
        return _private_page(volunteer, token, status=error.status)
    flash(checked_in_message(ticket), "success")
    return _back(token)


# The organizer's side ------------------------------------------------------

@manage_bp.before_request
@permission_required(Permission.EVENTS)
def require_login():
    """Every back-office page here needs an account that plans events."""


def _assign_form(event, **kwargs):
    form = AssignForm(**kwargs)
    form.volunteer_id.choices = [SelectChoice(v.id, v.pseudonym)
                                 for v in service.event_volunteers(event)]
    form.workshop_id.choices = [SelectChoice(w.id, f"{w.session.label} · {w.title}")
                                for w in event.workshops]
    return form


def _accept_form(event, proposal_id, **kwargs):
    form = AcceptProposalForm(prefix=f"proposal{proposal_id}", **kwargs)
    form.session_id.choices = [SelectChoice(s.id, s.label) for s in event.sessions]
    return form


def _in_browser_reading() -> bool:
    """Whether OpenPGP.js is vendored (``make vendor``): contacts can then be read in the page."""
    return (Path(current_app.static_folder) / "vendor" / "openpgp" / "openpgp.min.mjs").is_file()


def _event_page(event, assign=None, accept_forms=None, status=200):
    proposals = service.event_proposals(event)
    accept_forms = accept_forms or {}
    volunteers = service.event_volunteers(event)
    return render_template(
        "manage/volunteers.html", event=event, volunteers=volunteers,
        in_browser_reading=_in_browser_reading() and any(v.contact_ciphertext
                                                         for v in volunteers),
        claims=service.event_claims(event), proposals=proposals,
        assign=assign or _assign_form(event), action=ActionForm(),
        accept_forms={p.id: accept_forms.get(p.id) or _accept_form(event, p.id) for p in proposals},
        skills=dict(service.SKILLS),
        limits={w.id: service.facilitator_limit(w) for w in event.workshops},
        retention_ends=service.retention_ends(event)), status


@manage_bp.get("/events/<slug>/volunteers")
def event_volunteers(slug):
    """Volunteers, claims and proposals of an event."""
    event = event_service.get_event_for(current_user, slug)
    return _event_page(event)


@manage_bp.post("/claims/<int:claim_id>/<any(confirm, decline):decision>")
def decide_claim(claim_id, decision):
    """Confirm or decline a volunteer's claim."""
    claim = service.get_claim_for(current_user, claim_id)
    _checked_action_form()
    event = claim.workshop.event
    if decision == "confirm":
        service.confirm_claim(claim, now=clock.now())
        flash(_("%(pseudonym)s facilitates “%(title)s”.", pseudonym=claim.volunteer.pseudonym,
                title=claim.workshop.title), "success")
    else:
        service.decline_claim(claim, now=clock.now())
        flash(_("The claim is declined; the workshop is open again."), "success")
    return redirect(url_for("manage_volunteers.event_volunteers", slug=event.slug))


@manage_bp.post("/events/<slug>/volunteers/assign")
@idempotent_form
def assign(slug):
    """Put a volunteer on a workshop, confirmed."""
    event = event_service.get_event_for(current_user, slug)
    form = _assign_form(event)
    if not form.validate_on_submit():
        return _event_page(event, assign=form, status=400)
    volunteer = service.get_volunteer_for(current_user, form.volunteer_id.data)
    if volunteer.event_id != event.id:
        abort(404)
    try:
        claim = service.assign_volunteer(volunteer, form.workshop_id.data, now=clock.now())
    except DomainError as error:
        flash(error.describe(), "error")
        return _event_page(event, assign=form, status=error.status)
    flash(_("%(pseudonym)s facilitates “%(title)s”.", pseudonym=volunteer.pseudonym,
            title=claim.workshop.title), "success")
    return redirect(url_for("manage_volunteers.event_volunteers", slug=event.slug))


@manage_bp.post("/proposals/<int:proposal_id>/accept")
@idempotent_form
def accept_proposal(proposal_id):
    """Turn a proposal into a workshop of a session."""
    proposal = service.get_proposal_for(current_user, proposal_id)
    event = event_service.get_event_for(current_user, proposal.volunteer.event.slug)
    form = _accept_form(event, proposal.id)
    if not form.validate_on_submit():
        return _event_page(event, accept_forms={proposal.id: form}, status=400)
    session = next((s for s in event.sessions if s.id == form.session_id.data), None)
    if session is None:
        abort(400)
    try:
        workshop = service.accept_proposal(proposal, session, capacity=form.capacity.data,
                                           room=form.room.data or "", now=clock.now())
    except DomainError as error:
        flash(error.describe(), "error")
        return _event_page(event, accept_forms={proposal.id: form}, status=error.status)
    flash(_("“%(title)s” is now a workshop of “%(session)s”, facilitated by %(pseudonym)s.",
            title=workshop.title, session=session.label,
            pseudonym=proposal.volunteer.pseudonym), "success")
    return redirect(url_for("manage_volunteers.event_volunteers", slug=event.slug))


@manage_bp.post("/proposals/<int:proposal_id>/decline")
def decline_proposal(proposal_id):
    """Decline a proposal."""
    proposal = service.get_proposal_for(current_user, proposal_id)
    _checked_action_form()
    service.decline_proposal(proposal, now=clock.now())
    flash(_("The proposal is declined."), "success")
    return redirect(url_for("manage_volunteers.event_volunteers",
                            slug=proposal.volunteer.event.slug))


@manage_bp.get("/volunteers/<int:volunteer_id>/contact.asc")
def contact(volunteer_id):
    """The volunteer's contact, still encrypted, to decrypt on the organizer's own machine."""
    volunteer = service.get_volunteer_for(current_user, volunteer_id, Permission.CONTACTS)
    body = service.contact_file(volunteer)
    audit.record(current_user, volunteer.event.organization, AuditAction.CONTACT_READ,
                 f"{volunteer.event.slug} · volunteer #{volunteer.id}", clock.now())
    return Response(body, mimetype="application/pgp-encrypted",
                    headers={"Content-Disposition": 'attachment; filename="contact.asc"',
                             "Cache-Control": "no-store"})


def _event_page_part(event, now) -> dict:
    """The public program shows each workshop's confirmed facilitators."""
    return {"facilitators_of": service.confirmed_facilitators_by_workshop(event)}


event_pages.add_part(bp, event_pages.PUBLIC_EVENT, _event_page_part)

# A proposal's statuses share their words with a claim's (proposed, declined, withdrawn).
STATUS_LABELS = {
    ClaimStatus.PROPOSED: _l("awaiting an answer"), ClaimStatus.CONFIRMED: _l("confirmed"),
    ClaimStatus.DECLINED: _l("declined"), ClaimStatus.WITHDRAWN: _l("withdrawn"),
    ProposalStatus.ACCEPTED: _l("accepted"),
}


@bp.app_template_filter("claim_label")
def claim_label(status: str) -> str:
    """Human label of a claim's or a proposal's status."""
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status
