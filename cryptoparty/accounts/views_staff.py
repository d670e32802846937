"""Staff, organization settings, the audit trail, one-time links and the instance administration.

Every page here goes through ``accounts.roles.require`` (``Permission.STAFF`` or
``Permission.SETTINGS``: owners), except the one-time link itself (its token is
the credential) and the organization's public logo and colours.
"""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from markupsafe import Markup
from sqlalchemy import select

from cryptoparty.accounts import audit, branding, roles, settings, staff, two_factor
from cryptoparty.accounts import services as accounts
from cryptoparty.accounts.forms import (
    InviteForm,
    JoinForm,
    NewOrganizationForm,
    ResetForm,
    RoleForm,
    SettingsForm,
)
from cryptoparty.accounts.guard import permission_required
from cryptoparty.accounts.models import InvitationPurpose, Organization
from cryptoparty.accounts.roles import Permission
from cryptoparty.core import clock
from cryptoparty.core.errors import DomainError, WeakPassword
from cryptoparty.core.extensions import db, limiter
from cryptoparty.core.forms import ActionForm, CreatingActionForm
from cryptoparty.core.idempotency import idempotent_form

bp = Blueprint("staff", __name__)


@bp.after_request
def _never_cache(response):
    # One-time links are shown once; staff pages are nobody's cache's business.
    if request.endpoint not in ("staff.logo", "staff.brand_css"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _organization(slug: str, permission: Permission) -> Organization:
    organization = db.session.scalar(select(Organization).filter_by(slug=slug))
    if organization is None:
        abort(404)
    roles.require(current_user, organization, permission)
    return organization


def _link_page(organization, issued, *, who=None):
    url = url_for("staff.join", token=issued.token, _external=True, lang=None)
    qr = two_factor.qr_svg(url).decode()
    # Drawn here by qrcode from our own URL: nothing a visitor typed.
    qr = Markup(qr[qr.index("<svg"):])  # noqa: S704  # nosec B704
    return render_template("staff/link.html", organization=organization, url=url, qr=qr,
                           invitation=issued.invitation, who=who,
                           role_labels=roles.ROLE_LABELS)


# Staff ---------------------------------------------------------------------------------------

def _staff_page(organization, status=200, invite=None):
    now = clock.now()
    members = staff.staff_of(organization)
    role_forms = {m.organizer.id: RoleForm(prefix=f"m{m.organizer.id}", role=m.role.value,
                                           can_read_contacts=m.can_read_contacts)
                  for m in members}
    return render_template("staff/index.html", organization=organization, members=members,
                           role_forms=role_forms, invite=invite or InviteForm(),
                           pending=staff.pending_invitations(organization, now),
                           action=ActionForm(), creating=CreatingActionForm(),
                           role_labels=roles.ROLE_LABELS,
                           role_descriptions=roles.ROLE_DESCRIPTIONS), status


@bp.get("/manage/orgs/<slug>/staff")
@permission_required(Permission.STAFF)
def index(slug):
    """The organization's staff, their roles, pending links, and the invitation form."""
    return _staff_page(_organization(slug, Permission.STAFF))


@bp.post("/manage/orgs/<slug>/staff/invite")
@permission_required(Permission.STAFF)
@idempotent_form(repeat_to=lambda slug: ("staff.index", {"slug": slug}))
def invite(slug):
    """Make a one-time link for a new colleague, shown once."""
    organization = _organization(slug, Permission.STAFF)
    form = InviteForm()
    if not form.validate_on_submit():
        return _staff_page(organization, 400, invite=form)
    try:
        issued = staff.invite(current_user, organization, form.role.data, clock.now(),
                              can_read_contacts=form.can_read_contacts.data)
    except DomainError as error:
        form.role.errors = [error.describe()]
        return _staff_page(organization, error.status, invite=form)
    return _link_page(organization, issued)


@bp.post("/manage/orgs/<slug>/staff/<int:organizer_id>/role")
@permission_required(Permission.STAFF)
def change_role(slug, organizer_id):
    """Give a colleague another role."""
    organization = _organization(slug, Permission.STAFF)
    form = RoleForm(prefix=f"m{organizer_id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        staff.change_role(current_user, organization, organizer_id, form.role.data, clock.now(),
                          can_read_contacts=form.can_read_contacts.data)
    except DomainError as error:
        flash(error.describe(), "error")
        return _staff_page(organization, error.status)
    flash(_("The role is changed."), "success")
    return redirect(url_for("staff.index", slug=slug))


@bp.post("/manage/orgs/<slug>/staff/<int:organizer_id>/reset")
@permission_required(Permission.STAFF)
@idempotent_form(repeat_to=lambda slug, organizer_id: ("staff.index", {"slug": slug}))
def reset(slug, organizer_id):
    """A new one-time link for a colleague; their password and sessions end now."""
    organization = _organization(slug, Permission.STAFF)
    if not CreatingActionForm().validate_on_submit():
        abort(400)
    try:
        issued = staff.reset(current_user, organization, organizer_id, clock.now())
    except DomainError as error:
        flash(error.describe(), "error")
        return _staff_page(organization, error.status)
    return _link_page(organization, issued, who=issued.invitation.organizer)


@bp.post("/manage/orgs/<slug>/staff/<int:organizer_id>/remove")
@permission_required(Permission.STAFF)
def remove(slug, organizer_id):
    """Remove a colleague from the organization; their sessions end at once."""
    organization = _organization(slug, Permission.STAFF)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        staff.remove(current_user, organization, organizer_id, clock.now())
    except DomainError as error:
        flash(error.describe(), "error")
        return _staff_page(organization, error.status)
    flash(_("The account is removed from the organization."), "success")
    return redirect(url_for("staff.index", slug=slug))


@bp.post("/manage/orgs/<slug>/staff/links/<int:invitation_id>/revoke")
@permission_required(Permission.STAFF)
def revoke_link(slug, invitation_id):
    """Withdraw a link that was not used yet."""
    organization = _organization(slug, Permission.STAFF)
    if not ActionForm().validate_on_submit():
        abort(400)
    staff.revoke_invitation(organization, invitation_id, clock.now())
    flash(_("The link no longer works."), "success")
    return redirect(url_for("staff.index", slug=slug))


@bp.get("/manage/orgs/<slug>/audit")
@permission_required(Permission.STAFF)
def audit_trail(slug):
    """Sensitive staff actions: who, what, when (to the minute), on what."""
    organization = _organization(slug, Permission.STAFF)
    return render_template("staff/audit.html", organization=organization,
                           entries=audit.entries(organization))


# Settings ------------------------------------------------------------------------------------

@bp.route("/manage/orgs/<slug>/settings", methods=["GET", "POST"])
@permission_required(Permission.SETTINGS)
def settings_page(slug):
    """Name, addresses, language, retention, contact, logo, colours, embedding origins."""
    organization = _organization(slug, Permission.SETTINGS)
    form = SettingsForm(obj=organization) if request.method == "GET" else SettingsForm()
    if form.validate_on_submit():
        storage = form.logo.data
        logo = None
        if storage and getattr(storage, "filename", ""):
            logo = storage.stream.read(settings.LOGO_MAX_BYTES + 1)
        try:
            settings.update_settings(
                current_user, organization, clock.now(), name=form.name.data,
                address=form.address.data, city=form.city.data, website=form.website.data,
                default_locale=form.default_locale.data,
                default_retention_days=form.default_retention_days.data,
                contact_email=form.contact_email.data, color_primary=form.color_primary.data,
                color_background=form.color_background.data,
                embed_origins=form.embed_origins.data,
                audit_retention_days=form.audit_retention_days.data, logo=logo,
                remove_logo=form.remove_logo.data)
        except DomainError as error:
            target = {settings.InvalidLogo: form.logo, settings.InvalidOrigin: form.embed_origins,
                      settings.TooManyOrigins: form.embed_origins,
                      settings.InvalidColor: form.color_primary,
                      settings.LowContrast: form.color_background}.get(type(error))
            if target is not None:
                target.errors = list(target.errors) + [error.describe()]
            else:
                form.form_errors.append(error.describe())
        else:
            flash(_("The settings are saved."), "success")
            return redirect(url_for("staff.settings_page", slug=slug))
    return render_template("staff/settings.html", organization=organization, form=form), \
        400 if form.errors or form.form_errors else 200


@bp.get("/orgs/<slug>/logo")
def logo(slug):
    """The organization's logo (public), served so that an SVG can run nothing."""
    organization = db.session.scalar(select(Organization).filter_by(slug=slug))
    if organization is None or not organization.logo:
        abort(404)
    response = Response(organization.logo, mimetype=organization.logo_type)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/orgs/<slug>/brand.css")
def brand_css(slug):
    """The organization's colours as CSS custom properties (its public pages link it)."""
    organization = db.session.scalar(select(Organization).filter_by(slug=slug))
    if organization is None:
        abort(404)
    response = Response(branding.stylesheet(organization), mimetype="text/css")
    current = request.args.get("v") == branding.version(organization)
    max_age = branding.STYLESHEET_MAX_AGE if current else branding.STALE_STYLESHEET_MAX_AGE
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


@bp.app_context_processor
def _page_brand():
    # Every template: the brand of the page's organization (accounts/branding.py), or None.
    return {"page_brand": branding.current()}


# The one-time link ---------------------------------------------------------------------------

def _join_secret(invitation) -> str:
    """The TOTP secret proposed on this link's page, kept in the signed session cookie.

    Only stored on the account if the colleague types a code computed from it.
    """
    pending = session.get("totp_join")
    if not isinstance(pending, dict) or pending.get("invitation") != invitation.id:
        pending = session["totp_join"] = {"invitation": invitation.id,
                                          "secret": two_factor.new_secret()}
    return pending["secret"]


@bp.route("/join/<token>", methods=["GET", "POST"])
@limiter.limit("20/minute;100/hour", methods=["POST"])
@idempotent_form
def join(token):
    """A colleague chooses a login and a password (or a new password, for a reset),
    and may turn the second factor (TOTP) on at once."""
    now = clock.now()
    try:
        invitation = staff.find_invitation(token, now)
    except staff.InvalidInvitation as error:
        return render_template("staff/join_invalid.html", message=error.describe()), 404
    is_reset = invitation.purpose == InvitationPurpose.RESET
    form = ResetForm() if is_reset else JoinForm()
    secret = _join_secret(invitation)
    if form.validate_on_submit():
        try:
            organizer = staff.accept(
                token, now, password=form.password.data,
                login="" if is_reset else form.login.data,
                display_name="" if is_reset else (form.display_name.data or ""),
                totp_secret=secret, totp_code=(form.code.data or "").strip() or None)
        except staff.InvalidInvitation as error:
            return render_template("staff/join_invalid.html", message=error.describe()), 404
        except two_factor.InvalidOneTimeCode as error:
            form.code.errors = list(form.code.errors) + [error.describe()]
        except DomainError as error:
            target = form.password if is_reset or isinstance(error, WeakPassword) \
                else form.login
            target.errors = list(target.errors) + [error.describe()]
        else:
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            if organizer.totp_secret:
                flash(_("Your account is ready, %(login)s, with its second factor: log in with "
                        "your new password, then a code from your app.",
                        login=organizer.login), "success")
            else:
                flash(_("Your account is ready, %(login)s: log in with your new password.",
                        login=organizer.login), "success")
            return redirect(url_for("auth.login"))
    uri = two_factor.provisioning_uri(
        invitation.organizer.login if is_reset else invitation.organization.slug, secret)
    qr = two_factor.qr_svg(uri).decode()
    # Drawn here by qrcode from a secret we made: nothing a visitor typed.
    qr = Markup(qr[qr.index("<svg"):])  # noqa: S704  # nosec B704
    return render_template("staff/join.html", form=form, invitation=invitation,
                           is_reset=is_reset, role_labels=roles.ROLE_LABELS,
                           role_descriptions=roles.ROLE_DESCRIPTIONS, secret=secret,
                           totp_qr=qr), \
        400 if form.errors else 200


# Instance administration ---------------------------------------------------------------------

@bp.route("/manage/admin", methods=["GET", "POST"])
@login_required
@idempotent_form(repeat_to=lambda: ("staff.admin", {}))
def admin():
    """An instance administrator creates organizations and their first owner's link."""
    if not current_user.is_admin:
        abort(403)
    form = NewOrganizationForm()
    if form.validate_on_submit():
        try:
            organization = accounts.create_organization(form.slug.data, form.name.data)
            issued = staff.invite_first_owner(organization, clock.now())
        except DomainError as error:
            form.slug.errors = list(form.slug.errors) + [error.describe()]
        else:
            return _link_page(organization, issued)
    organizations = db.session.scalars(select(Organization).order_by(Organization.name))
    return render_template("staff/admin.html", form=form, organizations=list(organizations)), \
        400 if form.errors else 200


@bp.app_template_filter("audit_label")
def audit_label(action: str) -> str:
    """Human label of an audit trail action."""
    labels = {"published": _("published"), "cancelled": _("cancelled"),
              "contact_read": _("downloaded a contact"),
              "figures_exported": _("exported figures"), "keys_changed": _("changed keys"),
              "invited": _("invited"), "role_changed": _("changed a role"),
              "removed": _("removed"), "reset": _("reset a password"),
              "settings_changed": _("changed the settings")}
    return labels.get(action, action)
