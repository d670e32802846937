"""The back office: an organizer plans the events of their organizations."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from cryptoparty.accounts import audit, roles
from cryptoparty.accounts.models import AuditAction, Organization, Role
from cryptoparty.accounts.roles import Permission
from cryptoparty.core import clock, validation
from cryptoparty.core.errors import DomainError, EventArchived, RegistrationOpensAfterStart
from cryptoparty.core.extensions import db
from cryptoparty.core.forms import ActionForm, CreatingActionForm, first_error
from cryptoparty.core.i18n import local_date, to_local_naive, to_utc
from cryptoparty.core.idempotency import idempotent_form
from cryptoparty.events import pages
from cryptoparty.events import services as event_service
from cryptoparty.events.forms import DuplicateForm, EventForm, SessionForm, WorkshopForm

bp = Blueprint("manage", __name__, url_prefix="/manage")

EVENT_TIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")



@bp.before_request
@login_required
def require_login():
    """Every back-office page needs an organizer."""


def _event_data(form: EventForm, tz: str) -> dict:
    data = {name: form[name].data for name in event_service.EVENT_FIELDS
            if name in form and name != "timezone"}
    for name in EVENT_TIME_FIELDS:
        if data.get(name) is not None:
            data[name] = to_utc(data[name], tz)
    for name in ("description", "address", "accessibility_notes", "online_url", "price"):
        data[name] = data.get(name) or ""
    data["is_free"] = not form.paid.data
    if data["is_free"]:
        data["price"] = ""
    for name, default in (("audience", "all"), ("attendance_mode", "onsite"),
                          ("schedule_status", "scheduled")):
        data[name] = data.get(name) or default
    return data


def _fill_times(form, obj, names, tz):
    for name in names:
        value = getattr(obj, name)
        form[name].data = to_local_naive(value, tz) if value else None


def _field_error(form, error: DomainError, field: str | None = None):
    """Show a domain error next to the field it concerns, or above the form."""
    if field and field in form:
        form[field].errors = list(form[field].errors) + [error.describe()]
    else:
        flash(error.describe(), "error")


@bp.get("/")
def dashboard():
    """The account's organizations, each with what its role lets it reach."""
    now = clock.now()
    events = event_service.events_of(current_user)
    role_by_org = roles.roles_of(current_user)
    # A door account sees the events of the day only (their door), nothing else.
    today = {e.id for e in events if roles.is_event_day(e, now)}
    return render_template("manage/dashboard.html", events=events, today=today,
                           organizations=current_user.organizations, roles=role_by_org,
                           Role=Role, holds=roles.holds, Permission=Permission,
                           role_labels=roles.ROLE_LABELS)


@bp.route("/events/new", methods=["GET", "POST"])
@idempotent_form
def new_event():
    """Create an event for one of the organizer's organizations."""
    organizations = {o.slug: o for o in roles.organizations_with(current_user,
                                                                Permission.EVENTS)}
    org_slug = request.args.get("org") or next(iter(organizations), None)
    organization = organizations.get(org_slug)
    if organization is None:
        # A member whose role does not plan events is refused; anyone else finds nothing.
        abort(403 if current_user.organizations else 404)
    form = EventForm()
    if request.method == "GET":
        form.retention_days.data = organization.default_retention_days
    if form.validate_on_submit():
        try:
            event = event_service.create_event(
                organization, now=clock.now(), slug=form.slug.data or None,
                timezone=organization.timezone, **_event_data(form, organization.timezone))
        except DomainError as error:
            _field_error(form, error, "slug" if error.status == 409 else "ends_at")
        else:
            flash(_("The event is created as a draft. Add its sessions and workshops, then "
                    "publish it."), "success")
            return redirect(url_for("manage.event", slug=event.slug))
    return render_template("manage/event_form.html", form=form, organization=organization,
                           event=None), 400 if form.errors else 200


@bp.route("/events/<slug>/", methods=["GET", "POST"])
def event(slug):
    """Edit an event; its sessions and workshops are listed below."""
    event = event_service.get_event_for(current_user, slug)
    form = EventForm(obj=event) if request.method == "GET" else EventForm()
    if request.method == "GET":
        _fill_times(form, event, EVENT_TIME_FIELDS, event.timezone)
        form.accessibility.data = event.accessibility_list
        form.paid.data = not event.is_free
    del form.slug
    if form.validate_on_submit():
        try:
            event_service.update_event(
                event, now=clock.now(),
                move_registration_window=form.move_registration_window.data,
                move_program=form.move_program.data,
                **_event_data(form, event.timezone))
        except DomainError as error:
            _field_error(form, error, "registration_opens_at"
                         if isinstance(error, RegistrationOpensAfterStart) else "starts_at")
        else:
            flash(_("The event is saved."), "success")
            return redirect(url_for("manage.event", slug=event.slug))
    return render_template("manage/event.html", event=event, form=form, action=ActionForm(),
                           creating=CreatingActionForm(), duplicate=DuplicateForm(),
                           can_reopen=event_service.can_reopen(event, clock.now()),
                           **pages.context(pages.MANAGE_EVENT, event, clock.now())), \
        400 if form.errors else 200


@bp.post("/events/<slug>/<any(publish, cancel, archive, unpublish, reopen):action>")
def change_status(slug, action):
    """Publish, cancel, archive, unpublish or reopen an event."""
    event = event_service.get_event_for(current_user, slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    now = clock.now()
    try:
        event_service.change_status(event, action, now=now)
    except DomainError as error:
        flash(error.describe(), "error")
        return redirect(url_for("manage.event", slug=event.slug))
    if action in ("publish", "cancel", "reopen"):
        audit.record(current_user, event.organization,
                     AuditAction.CANCELLED if action == "cancel" else AuditAction.PUBLISHED,
                     event.slug, now)
    messages = {"publish": _("The event is published."),
                "cancel": _("The event is called off. Its page says so; you can reopen it "
                            "until it starts."),
                "archive": _("The event is archived."),
                "unpublish": _("The event is back to draft."),
                "reopen": _("The event is reopened and published again.")}
    flash(messages[action], "success")
    return redirect(url_for("manage.event", slug=event.slug))


@bp.get("/events/<slug>/call-off")
def confirm_cancel(slug):
    """Ask before calling an event off: say whom it touches and that it can be undone."""
    event = event_service.get_event_for(current_user, slug)
    if event.status not in ("draft", "published"):
        return redirect(url_for("manage.event", slug=event.slug))
    return render_template("manage/cancel_event.html", event=event, action=ActionForm(),
                           impact=event_service.cancellation_impact(event))


@bp.post("/events/<slug>/duplicate")
@idempotent_form
def duplicate(slug):
    """Copy an event, its sessions and workshops, to a new date."""
    event = event_service.get_event_for(current_user, slug)
    form = DuplicateForm()
    if not form.validate_on_submit():
        # A clear 400 (a date out of range says which range is accepted).
        raise DomainError(first_error(form) or _("Give the date and time of the new event."))
    copy = event_service.duplicate_event(event, starts_at=to_utc(form.starts_at.data,
                                                                 event.timezone), now=clock.now())
    flash(_("This is the copy, as a draft. Check it, then publish it."), "success")
    return redirect(url_for("manage.event", slug=copy.slug))


@bp.post("/events/<slug>/copy-program")
@idempotent_form
def copy_program(slug):
    """Give this date's program to the other dates of its series that have none yet."""
    from cryptoparty.events import series as series_service

    event = event_service.get_event_for(current_user, slug)
    if not CreatingActionForm().validate_on_submit():
        abort(400)
    try:
        count = series_service.copy_program_to_series(event, now=clock.now())
    except DomainError as error:
        flash(error.describe(), "error")
    else:
        flash(ngettext("The program is copied to %(num)d other date.",
                       "The program is copied to %(num)d other dates.", count), "success")
    return redirect(url_for("manage.event", slug=event.slug))


# Sessions -----------------------------------------------------------------

def _archived(event):
    flash(EventArchived().describe(), "error")
    return redirect(url_for("manage.event", slug=event.slug))


def _session_times(form, tz):
    return dict(label=form.label.data, starts_at=to_utc(form.starts_at.data, tz),
                ends_at=to_utc(form.ends_at.data, tz))


@bp.route("/events/<slug>/sessions/new", methods=["GET", "POST"])
@idempotent_form
def new_session(slug):
    """Add a time slot to an event; the form starts where the program stands."""
    event = event_service.get_event_for(current_user, slug)
    if event.status == "archived":
        return _archived(event)
    form = SessionForm()
    if request.method == "GET":
        starts_at, ends_at = event_service.next_session_times(event)
        form.starts_at.data = to_local_naive(starts_at, event.timezone)
        form.ends_at.data = to_local_naive(ends_at, event.timezone)
    if form.validate_on_submit():
        try:
            event_service.add_session(event, now=clock.now(),
                                      **_session_times(form, event.timezone))
        except DomainError as error:
            _field_error(form, error, "starts_at")
        else:
            flash(_("The session is added."), "success")
            return redirect(url_for("manage.event", slug=event.slug))
    return render_template("manage/session_form.html", form=form, event=event,
                           session=None), 400 if form.errors else 200


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def edit_session(session_id):
    """Rename or move a time slot."""
    session = event_service.get_session_for(current_user, session_id)
    event = session.event
    form = SessionForm(obj=session) if request.method == "GET" else SessionForm()
    if request.method == "GET":
        _fill_times(form, session, ("starts_at", "ends_at"), event.timezone)
    if form.validate_on_submit():
        try:
            event_service.update_session(session, now=clock.now(),
                                         **_session_times(form, event.timezone))
        except DomainError as error:
            _field_error(form, error, "starts_at")
        else:
            flash(_("The session is saved."), "success")
            return redirect(url_for("manage.event", slug=event.slug))
    return render_template("manage/session_form.html", form=form, event=event, session=session,
                           action=ActionForm()), 400 if form.errors else 200


@bp.post("/sessions/<int:session_id>/delete")
def delete_session(session_id):
    """Delete a time slot nobody registered for."""
    session = event_service.get_session_for(current_user, session_id)
    slug = session.event.slug
    if not ActionForm().validate_on_submit():
        abort(400)
    event_service.delete_session(session, now=clock.now())
    flash(_("The session is deleted."), "success")
    return redirect(url_for("manage.event", slug=slug))


# Workshops ----------------------------------------------------------------

def _workshop_form(event, **kwargs) -> WorkshopForm:
    form = WorkshopForm(**kwargs)
    form.session_id.choices = [SelectChoice(s.id, s.label) for s in event.sessions]
    return form


def _workshop_data(form) -> dict:
    return {name: form[name].data for name in event_service.WORKSHOP_FIELDS
            if name in form and name != "recipe_key"}


def _session_of(event, session_id):
    for session in event.sessions:
        if session.id == session_id:
            return session
    abort(400)


@bp.route("/events/<slug>/workshops/new", methods=["GET", "POST"])
@idempotent_form
def new_workshop(slug):
    """Add a workshop to one of the event's sessions."""
    event = event_service.get_event_for(current_user, slug)
    if event.status == "archived":
        return _archived(event)
    if not event.sessions:
        flash(_("Add a session first: every workshop belongs to a time slot."), "info")
        return redirect(url_for("manage.new_session", slug=event.slug))
    form = _workshop_form(event)
    if request.method == "GET" and validation.parse_id(request.args.get("session")):
        form.session_id.data = validation.parse_id(request.args["session"])
    if form.validate_on_submit():
        try:
            event_service.add_workshop(_session_of(event, form.session_id.data), now=clock.now(),
                                       **_workshop_data(form))
        except DomainError as error:
            _field_error(form, error, "capacity")
        else:
            flash(_("The workshop is added."), "success")
            return redirect(url_for("manage.event", slug=event.slug))
    return render_template("manage/workshop_form.html", form=form, event=event,
                           workshop=None), 400 if form.errors else 200


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
def edit_workshop(workshop_id):
    """Change a workshop."""
    workshop = event_service.get_workshop_for(current_user, workshop_id)
    event = workshop.session.event
    form = _workshop_form(event, obj=workshop) if request.method == "GET" \
        else _workshop_form(event)
    if request.method == "GET":
        form.session_id.data = workshop.session_id
    if form.validate_on_submit():
        try:
            event_service.update_workshop(workshop, now=clock.now(),
                                          session=_session_of(event, form.session_id.data),
                                          **_workshop_data(form))
        except DomainError as error:
            _field_error(form, error, "capacity")
        else:
            flash(_("The workshop is saved."), "success")
            return redirect(url_for("manage.event", slug=event.slug))
    return render_template("manage/workshop_form.html", form=form, event=event,
                           workshop=workshop, action=ActionForm()), 400 if form.errors else 200


@bp.post("/workshops/<int:workshop_id>/delete")
def delete_workshop(workshop_id):
    """Delete a workshop nobody registered for."""
    workshop = event_service.get_workshop_for(current_user, workshop_id)
    slug = workshop.session.event.slug
    if not ActionForm().validate_on_submit():
        abort(400)
    event_service.delete_workshop(workshop, now=clock.now())
    flash(_("The workshop is deleted."), "success")
    return redirect(url_for("manage.event", slug=slug))


# Series -------------------------------------------------------------------

@bp.route("/orgs/<org>/series/new", methods=["GET", "POST"])
@idempotent_form
def new_series(org):
    """Create a recurring event: one event per date of the rule."""
    from cryptoparty.events import series as series_service
    from cryptoparty.events.forms import SeriesForm

    organization = db.session.scalar(select(Organization).filter_by(slug=org))
    if organization is None:
        abort(404)
    roles.require(current_user, organization, Permission.EVENTS)
    form = SeriesForm()
    templates = {e.slug: e for e in event_service.events_with_program(organization)}
    form.template.choices = [("", _("No program: empty dates"))] + [
        (slug, f"{e.title} ({local_date(e.starts_at, e.timezone, 'medium')})")
        for slug, e in templates.items()]
    if form.validate_on_submit():
        start = form.starts_at.data
        try:
            series = series_service.create_series(
                organization, rule=form.rrule.data, first_start=start,
                duration=form.ends_at.data - start, now=clock.now(),
                template=templates.get(form.template.data),
                publish=form.publish.data, kind=form.kind.data, title=form.title.data,
                description=form.description.data or "", venue=form.venue.data,
                address=form.address.data or "")
        except series_service.ProgramDoesNotFit as error:
            _field_error(form, error, "template")
        except DomainError as error:
            _field_error(form, error, "rrule")
        else:
            flash(ngettext("The series is created: %(num)d date.",
                           "The series is created: %(num)d dates.", len(series.events)),
                  "success")
            return redirect(url_for("manage.dashboard"))
    return render_template("manage/series_form.html", form=form, organization=organization,
                           tz=organization.timezone), 400 if form.errors else 200
