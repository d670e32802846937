"""Registration, the ticket pages, and check-in at the door.

Pages that show or take a ticket code are never cached (``no-store``: public
computers) and their forms ask browsers not to remember what was typed.
Code lookups are rate-limited on a keyed hash of the client address; only
misses count, so the holder of a real code is never slowed down (see
``services.codes`` for why guessing is hopeless).
"""

import io

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
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from cryptoparty.accounts import branding, roles
from cryptoparty.accounts.guard import permission_required
from cryptoparty.accounts.roles import Permission
from cryptoparty.core import clock
from cryptoparty.core.errors import DomainError
from cryptoparty.core.extensions import limiter
from cryptoparty.core.forms import ActionForm, rerender_on_csrf_error
from cryptoparty.core.i18n import local_time
from cryptoparty.core.idempotency import idempotent_form
from cryptoparty.core.templating import webcal
from cryptoparty.core.urls import public_url_for
from cryptoparty.core.validation import content_disposition
from cryptoparty.events import pages as event_pages
from cryptoparty.events import services as event_service
from cryptoparty.registration import calendar as ticket_calendar
from cryptoparty.registration import codes
from cryptoparty.registration import services as registration
from cryptoparty.registration.forms import (
    CancelTicketForm,
    DoorCheckInForm,
    PartyForm,
    RegistrationForm,
    TicketChoicesForm,
    TicketLookupForm,
    WalkInForm,
    chosen_workshop_ids,
    session_field_name,
    ticket_choices_form,
)
from cryptoparty.registration.models import ChoiceStatus, TicketStatus

bp = Blueprint("tickets", __name__)

DEFAULT_REGISTRATION_LIMIT = "20/minute;200/hour"
DEFAULT_CODE_LOOKUP_LIMIT = "30/minute;300/hour"


def _registration_limit() -> str:
    return current_app.config.get("RATELIMIT_REGISTRATION", DEFAULT_REGISTRATION_LIMIT)


def _code_lookup_limit() -> str:
    return current_app.config.get("RATELIMIT_CODE_LOOKUP", DEFAULT_CODE_LOOKUP_LIMIT)


def _is_miss(response) -> bool:
    return response.status_code == 404


# Shared by the pages and the API: one budget per client, whatever the door used.
registration_rate_limit = limiter.shared_limit(_registration_limit, scope="registration",
                                               methods=["POST"])
code_lookup_rate_limit = limiter.shared_limit(_code_lookup_limit, scope="ticket-code",
                                              deduct_when=_is_miss)


def _event_page_part(event, now) -> dict:
    """The event's public page says whether registration is open, and if not, why."""
    return {"registration_state": registration.registration_state(event, now)}


event_pages.add_part(bp, event_pages.PUBLIC_EVENT, _event_page_part)


@bp.after_request
def _never_cache(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def ticket_url(code: str, _external: bool = False, **kwargs) -> str:
    """The ticket's page, with the code in its grouped form (absolute on the public URL)."""
    build = public_url_for if _external else url_for
    return build("tickets.ticket", code=codes.display(code), **kwargs)


def _load_ticket(code: str):
    ticket = registration.get_ticket_by_code(code)
    branding.show_as(ticket.event.organization)
    return ticket, codes.normalize(code)


def checked_in_message(ticket) -> str:
    """What the door sees on a first check-in (every check-in path)."""
    return ngettext("Checked in: %(num)d person, tag %(tag)s.",
                    "Checked in: %(num)d people, tag %(tag)s.", ticket.party,
                    tag=ticket.check_tag)


def already_checked_in_message(already, timezone_name: str) -> str:
    """What the door sees on a second scan of the same code (every check-in path)."""
    if already.at is None:
        return ngettext("Already checked in: %(num)d person, tag %(tag)s. Not counted again.",
                        "Already checked in: %(num)d people, tag %(tag)s. Not counted again.",
                        already.ticket.party, tag=already.ticket.check_tag)
    return ngettext(
        "Already checked in (at %(time)s): %(num)d person, tag %(tag)s. Not counted again.",
        "Already checked in (at %(time)s): %(num)d people, tag %(tag)s. Not counted again.",
        already.ticket.party, time=local_time(already.at, timezone_name),
        tag=already.ticket.check_tag)


def _is_organizer_of(event) -> bool:
    """Whether the logged-in account may check people in at this event's door now."""
    return current_user.is_authenticated and roles.allows(
        current_user, event.organization, Permission.CHECK_IN, event=event, now=clock.now())


def _workshops_by_id(event) -> dict:
    return {w.id: w for w in event.workshops}


# Registering ----------------------------------------------------------------

@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@registration_rate_limit
@rerender_on_csrf_error
def register(slug):
    """Pick one workshop per session and a party size; no personal field."""
    event = event_service.get_public_event(slug)
    branding.show_as(event.organization)
    now = clock.now()
    state = registration.registration_state(event, now)
    form = ticket_choices_form(RegistrationForm, event)
    if state == registration.RegistrationState.OPEN and form.validate_on_submit():
        try:
            result = registration.register(event, chosen_workshop_ids(form, event),
                                           form.party.data, now=now,
                                           idempotency_key=form.idempotency_key.data)
        except DomainError as error:
            form.form_errors.append(error.describe())
        else:
            if result.replayed:
                flash(_("This form had already been sent: here is the ticket it created. "
                        "Nothing was registered twice."), "info")
            elif result.status == ChoiceStatus.CONFIRMED:
                flash(_("You are registered. Keep the code of this page: it is your ticket."),
                      "success")
            else:
                flash(_("You are registered, on the waiting list for at least one workshop. "
                        "Keep the code of this page and come back to see your place."), "info")
            return redirect(ticket_url(result.code))
    status = 200
    if request.method == "POST":
        status = 400 if state == registration.RegistrationState.OPEN else 409
    return render_template("tickets/register.html", event=event, form=form, state=state,
                           field_name=session_field_name), status


# The ticket -----------------------------------------------------------------

@bp.route("/tickets/", methods=["GET", "POST"])
@code_lookup_rate_limit
def lookup():
    """Find a ticket by typing its code."""
    form = TicketLookupForm()
    if form.validate_on_submit():
        code = codes.normalize(form.code.data)
        if code is not None:
            try:
                registration.get_ticket_by_code(code)
            except registration.TicketNotFound:
                code = None
        if code is not None:
            return redirect(ticket_url(code))
        form.code.errors.append(str(registration.TicketNotFound.message))
        return render_template("tickets/lookup.html", form=form), 404
    return render_template("tickets/lookup.html", form=form), 400 if form.errors else 200


def _ticket_page(ticket, code, change_form=None, party_form=None, cancel_form=None,
                 status=200):
    event = ticket.event
    if change_form is None:
        change_form = ticket_choices_form(TicketChoicesForm, event, formdata=None)
        for choice in ticket.choices:
            change_form[session_field_name(choice.session_id)].data = str(choice.workshop_id)
    now = clock.now()
    workshops = _workshops_by_id(event)
    positions = registration.waitlist_positions(ticket)
    alarm = ticket_calendar.parse_alarm(request.args.get("alarm"))
    calendar_url = url_for("tickets.calendar", code=codes.display(code), _external=True,
                           alarm=None if alarm == "none" else alarm)
    return render_template(
        "tickets/ticket.html", ticket=ticket, event=event, code=code,
        display_code=codes.display(code), workshops=workshops,
        choices=sorted(ticket.choices,
                       key=lambda c: (workshops[c.workshop_id].session.starts_at, c.session_id)),
        positions=positions, notices=ticket_calendar.ticket_notices(ticket, positions),
        alarm=alarm, calendar_url=calendar_url, webcal_url=webcal(calendar_url),
        feed_url=url_for("tickets.feed", code=codes.display(code)),
        changeable=registration.is_changeable(ticket, now),
        change_form=change_form, party_form=party_form or PartyForm(formdata=None),
        cancel_form=cancel_form or CancelTicketForm(formdata=None),
        organizer=_is_organizer_of(event), action=ActionForm(),
        field_name=session_field_name), status


@bp.get("/tickets/<code>")
@code_lookup_rate_limit
def ticket(code):
    """The ticket: its code, QR code, workshops, and the forms to change or cancel it."""
    ticket, code = _load_ticket(code)
    return _ticket_page(ticket, code)


@bp.post("/tickets/<code>/change")
@code_lookup_rate_limit
def change(code):
    """Change the ticket's workshops."""
    ticket, code = _load_ticket(code)
    form = ticket_choices_form(TicketChoicesForm, ticket.event)
    if form.validate_on_submit():
        try:
            registration.change_choices(ticket, chosen_workshop_ids(form, ticket.event),
                                        now=clock.now())
        except DomainError as error:
            flash(error.describe(), "error")
            return _ticket_page(ticket, code, change_form=form, status=error.status)
        flash(_("Your workshops are changed."), "success")
        return redirect(ticket_url(code))
    return _ticket_page(ticket, code, change_form=form, status=400)


@bp.post("/tickets/<code>/party")
@code_lookup_rate_limit
def reduce_party(code):
    """Make the party smaller."""
    ticket, code = _load_ticket(code)
    form = PartyForm()
    if form.validate_on_submit():
        try:
            registration.reduce_party(ticket, form.party.data, now=clock.now())
        except DomainError as error:
            form.party.errors = [error.describe()]
            return _ticket_page(ticket, code, party_form=form, status=error.status)
        flash(_("The number of people is changed. Thank you for freeing the seats."), "success")
        return redirect(ticket_url(code))
    return _ticket_page(ticket, code, party_form=form, status=400)


@bp.post("/tickets/<code>/cancel")
@code_lookup_rate_limit
def cancel(code):
    """Cancel the ticket, then say plainly that it is done."""
    ticket, code = _load_ticket(code)
    form = CancelTicketForm()
    if not form.validate_on_submit():
        return _ticket_page(ticket, code, cancel_form=form, status=400)
    registration.cancel(ticket, now=clock.now())
    # Leave the code's URL: the screen that stays on a shared computer (and the
    # last entry of its history) holds no code, and reloading it posts nothing.
    return redirect(url_for("tickets.cancelled", slug=ticket.event.slug), code=303)


@bp.get("/events/<slug>/ticket-cancelled")
def cancelled(slug):
    """The closing screen after a cancellation: nothing is left to do."""
    event = event_service.get_public_event(slug)
    branding.show_as(event.organization)
    return render_template("tickets/cancelled.html", event=event)


@bp.post("/tickets/<code>/checkin")
@code_lookup_rate_limit
def check_in(code):
    """An organizer of the event checks the ticket in (or undoes it) at the door."""
    ticket, code = _load_ticket(code)
    if not _is_organizer_of(ticket.event):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    undo = request.form.get("undo") == "1"
    try:
        registration.check_in(ticket, checked_in=not undo, now=clock.now())
    except registration.AlreadyCheckedIn as already:
        flash(already_checked_in_message(already, ticket.event.timezone), "warning")
        return redirect(ticket_url(code))
    if undo:
        flash(_("The check-in is undone."), "info")
    else:
        flash(checked_in_message(ticket), "success")
    return redirect(ticket_url(code))


@bp.get("/tickets/<code>/qr.svg")
@code_lookup_rate_limit
def qr(code):
    """A QR code of the ticket's URL, to scan at the door with any phone camera."""
    import qrcode.image.svg  # imported here: most workers never draw a QR code

    _ticket, code = _load_ticket(code)
    image = qrcode.make(ticket_url(code, _external=True),
                        image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


@bp.get("/tickets/<code>/ticket.ics")
@code_lookup_rate_limit
def calendar(code):
    """The ticket's calendar, as it stands now; ``?alarm=day|2h`` adds a reminder.

    A cancelled ticket answers 410 Gone with a calendar that cancels its entries,
    until the purge deletes it (then 404, like any unknown code).
    """
    ticket, code = _load_ticket(code)
    body = ticket_calendar.ticket_calendar(
        ticket, ticket_url=ticket_url(code, _external=True),
        alarm=ticket_calendar.parse_alarm(request.args.get("alarm")), now=clock.now())
    response = Response(body, status=410 if ticket.status == TicketStatus.CANCELLED else 200,
                        mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = content_disposition("inline",
                                                                  ticket.event.slug + ".ics")
    return response


@bp.get("/tickets/<code>/feed.atom")
@code_lookup_rate_limit
def feed(code):
    """The ticket's notices as a private Atom feed (410 once the ticket is cancelled)."""
    ticket, code = _load_ticket(code)
    notices = ticket_calendar.ticket_notices(ticket, registration.waitlist_positions(ticket))
    body = ticket_calendar.ticket_feed(
        ticket, notices, feed_url=url_for("tickets.feed", code=codes.display(code),
                                          _external=True),
        ticket_url=ticket_url(code, _external=True), language=str(get_locale()),
        now=clock.now())
    response = Response(body, status=410 if ticket.status == TicketStatus.CANCELLED else 200)
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    return response


# The door -------------------------------------------------------------------

def _checkin_page(event, door_form=None, status=200):
    return render_template("tickets/checkin.html", event=event,
                           counts=registration.event_counts(event), walk_in_form=WalkInForm(),
                           door_form=door_form or DoorCheckInForm(formdata=None)), status


@bp.get("/manage/events/<slug>/checkin")
@permission_required(Permission.CHECK_IN)
def checkin_page(slug):
    """Counts per session and per workshop, the walk-in counter and the door tools."""
    return _checkin_page(event_service.get_event_for(current_user, slug, Permission.CHECK_IN,
                                                     now=clock.now()))


@bp.post("/manage/events/<slug>/checkin")
@permission_required(Permission.CHECK_IN)
def door_check_in(slug):
    """Check a ticket in by its code or its door-list tag, and stay on the check-in page."""
    event = event_service.get_event_for(current_user, slug, Permission.CHECK_IN, now=clock.now())
    form = DoorCheckInForm()
    if not form.validate_on_submit():
        return _checkin_page(event, form, 400)
    try:
        ticket = registration.find_at_the_door(event, form.ticket.data)
    except DomainError as error:
        form.ticket.errors = [error.describe()]
        return _checkin_page(event, form, error.status)
    try:
        ticket = registration.check_in(ticket, now=clock.now())
    except registration.AlreadyCheckedIn as already:
        flash(already_checked_in_message(already, event.timezone), "warning")
    except DomainError as error:
        form.ticket.errors = [error.describe()]
        return _checkin_page(event, form, error.status)
    else:
        flash(checked_in_message(ticket), "success")
    return redirect(url_for("tickets.checkin_page", slug=event.slug), code=303)


@bp.post("/manage/events/<slug>/walk-ins")
@permission_required(Permission.CHECK_IN)
@idempotent_form
def walk_ins(slug):
    """Count people who came without a ticket."""
    event = event_service.get_event_for(current_user, slug, Permission.CHECK_IN, now=clock.now())
    form = WalkInForm()
    if not form.validate_on_submit() or form.delta.data not in (-1, 1, 5):
        abort(400)
    try:
        registration.add_walk_ins(event, form.delta.data)
    except DomainError as error:
        flash(error.describe(), "error")
    return redirect(url_for("tickets.checkin_page", slug=event.slug))


@bp.get("/manage/events/<slug>/door-list")
@permission_required(Permission.CHECK_IN)
def door_list(slug):
    """A printable list of check-in tags, party sizes and workshops; never a code."""
    event = event_service.get_event_for(current_user, slug, Permission.CHECK_IN, now=clock.now())
    return render_template("tickets/door_list.html", event=event,
                           entries=registration.door_list(event))
