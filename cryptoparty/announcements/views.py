"""The organization's OpenPGP key and the event announcements, public and back office.

Public: ``/orgs/<slug>/key.asc``, the Web Key Directory under
``/.well-known/openpgpkey/`` (direct method for the site's own domain, advanced
method for a library's domain that points ``openpgpkey.<domain>`` here),
``/events/<slug>/announcement.txt.asc`` and the page that explains how to check it.
Back office: ``/manage/orgs/<slug>/key`` and ``/manage/events/<slug>/announcements``.
"""

import logging

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
from flask_login import current_user
from sqlalchemy import select

from cryptoparty.accounts import audit, branding, roles
from cryptoparty.accounts.guard import permission_required
from cryptoparty.accounts.models import AuditAction, Organization
from cryptoparty.accounts.roles import Permission
from cryptoparty.announcements import keys as key_service
from cryptoparty.announcements import services as announcement_service
from cryptoparty.announcements.forms import (
    AnnouncementTextForm,
    ContactsKeyForm,
    GenerateKeyForm,
    KeyUploadForm,
    RevokeKeyForm,
    SignedUploadForm,
)
from cryptoparty.announcements.models import CHANNEL_LIMITS, CHANNELS
from cryptoparty.core import clock
from cryptoparty.core.errors import DomainError, render_error
from cryptoparty.core.extensions import db
from cryptoparty.core.forms import CreatingActionForm
from cryptoparty.core.idempotency import idempotent_form
from cryptoparty.core.log_masking import error_name
from cryptoparty.core.openpgp import describe_openpgp_error, get_keyring, passphrase
from cryptoparty.core.urls import public_base_url
from cryptoparty.core.validation import content_disposition
from cryptoparty.events import pages as event_pages
from cryptoparty.events import services as event_service
from cryptoparty.gpg import keyring as openpgp

bp = Blueprint("openpgp", __name__)
manage_bp = Blueprint("manage_openpgp", __name__, url_prefix="/manage")
log = logging.getLogger(__name__)

WKD_HASH_LENGTH = 32
ZBASE32 = set("ybndrfg8ejkmcpqxot1uwisza345h769")


def _keyring():
    return get_keyring(current_app)


def _public_url() -> str:
    return public_base_url() + "/"


# Template helpers (also for the organization pages of feeds/views.py) -----------

@bp.app_template_filter("fingerprint")
def fingerprint_filter(value):
    """A fingerprint in groups of four hex digits ("" for none)."""
    if not value:
        return ""
    try:
        return openpgp.fingerprint_groups(value)
    except openpgp.InvalidFingerprint:
        return value


def _event_page_part(event, now) -> dict:
    """An event's pages show its signed announcement, and warn when the event changed since."""
    try:
        signed = announcement_service.signed_announcement(event)
    except DomainError:
        return {"signed_announcement": None, "announcement_stale": False}
    return {"signed_announcement": signed,
            "announcement_stale": announcement_service.is_stale(signed, event)}


event_pages.add_part(bp, event_pages.PUBLIC_EVENT, _event_page_part)
event_pages.add_part(bp, event_pages.MANAGE_EVENT, _event_page_part)


@bp.app_errorhandler(openpgp.OpenPGPError)
def openpgp_error(error):
    """An OpenPGP refusal as an error page, in the reader's language."""
    if error.status >= 500:
        # gpg's own words (error.detail) may name a key's user ID: the class is enough.
        log.error("OpenPGP failure %s in %s", error_name(error), request.endpoint)
    return render_error(error.status, describe_openpgp_error(error))


# Public: the key and the Web Key Directory --------------------------------------

def _organization(slug: str) -> Organization:
    organization = db.session.scalar(select(Organization).filter_by(slug=slug))
    if organization is None:
        abort(404)
    return organization


@bp.get("/orgs/<slug>/key.asc")
def public_key(slug):
    """The organization's public keys, armored: the current one first."""
    try:
        block = key_service.public_key_block(_organization(slug), _keyring())
    except key_service.NoKey:
        abort(404)
    response = Response(block, mimetype="application/pgp-keys")
    response.headers["Content-Disposition"] = content_disposition("inline", slug + ".asc")
    return response


def _wkd_response(domain: str, hashed: str):
    if len(hashed) != WKD_HASH_LENGTH or not set(hashed) <= ZBASE32:
        abort(404)
    found = key_service.wkd_keys(_keyring(), domain, hashed)
    if found is None:
        abort(404)
    response = Response(found, mimetype="application/octet-stream")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _policy():
    response = Response(b"", mimetype="text/plain")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _site_domain() -> str:
    return (current_app.config.get("WKD_DOMAIN") or request.host.rsplit(":", 1)[0]).lower()


@bp.get("/.well-known/openpgpkey/hu/<hashed>")
def wkd_direct(hashed):
    """WKD direct method: the key of ``<local>@<this site's domain>`` (binary)."""
    return _wkd_response(_site_domain(), hashed)


@bp.get("/.well-known/openpgpkey/policy")
def wkd_policy():
    """WKD policy file (empty: no options)."""
    return _policy()


@bp.get("/.well-known/openpgpkey/<domain>/hu/<hashed>")
def wkd_advanced(domain, hashed):
    """WKD advanced method, for a domain whose ``openpgpkey.`` host points here."""
    return _wkd_response(domain, hashed)


@bp.get("/.well-known/openpgpkey/<domain>/policy")
def wkd_advanced_policy(domain):
    """WKD policy file of the advanced method."""
    return _policy()


# Public: the signed announcement ---------------------------------------------------

@bp.get("/events/<slug>/announcement.txt.asc")
def signed_text(slug):
    """The clearsigned announcement, as published."""
    event = event_service.get_public_event(slug)
    announcement = announcement_service.signed_announcement(event)
    return Response(announcement.signed_text, mimetype="text/plain",
                    headers={"Content-Type": "text/plain; charset=utf-8"})


@bp.get("/events/<slug>/announcement")
def announcement_page(slug):
    """The signed announcement, how to check it, and whether it still matches the event."""
    event = event_service.get_public_event(slug)
    branding.show_as(event.organization)
    announcement = announcement_service.signed_announcement(event)
    key = key_service.key_of(event.organization, announcement.fingerprint)
    return render_template("openpgp/announcement.html", event=event, announcement=announcement,
                           key=key, stale=announcement_service.is_stale(announcement, event))


# Back office ------------------------------------------------------------------

@manage_bp.before_request
@permission_required(Permission.EVENTS, Permission.KEYS)
def require_login():
    """Every back-office page here needs an account that plans events or holds the keys."""


def _my_organization(slug: str) -> Organization:
    """The organization whose keys the logged-in owner manages (404 outside, 403 other roles)."""
    organization = db.session.scalar(select(Organization).filter_by(slug=slug))
    if organization is None:
        abort(404)
    roles.require(current_user, organization, Permission.KEYS)
    return organization


def _audit_key_change(organization, fingerprint: str) -> None:
    audit.record(current_user, organization, AuditAction.KEYS_CHANGED, fingerprint, clock.now())


def _uploaded(file_field, text_field) -> bytes | str:
    """The uploaded file's content, else the pasted text ("" if neither)."""
    storage = file_field.data
    if storage and getattr(storage, "filename", ""):
        # The Keyring refuses anything above its limit; read no more than that.
        return storage.stream.read(openpgp.MAX_MESSAGE_BYTES + 1)
    return text_field.data or ""


def _error_message(error) -> str:
    if isinstance(error, openpgp.OpenPGPError):
        if error.status >= 500:
            log.error("OpenPGP failure %s in %s", error_name(error), request.endpoint)
        return describe_openpgp_error(error)
    return error.describe()


def _key_page(organization, status=200, **forms):
    forms.setdefault("generate", GenerateKeyForm(name=organization.name))
    forms.setdefault("import_form", KeyUploadForm(prefix="secret"))
    forms.setdefault("register", KeyUploadForm(prefix="public"))
    keys = key_service.keys_of(organization)
    revoke_forms = {k.fingerprint: RevokeKeyForm(fingerprint=k.fingerprint, prefix=k.fingerprint)
                    for k in keys if k.revoked_at is None}
    if not forms["generate"].email.data:
        forms["generate"].email.data = key_service.default_email(_public_url())
    return render_template("openpgp/manage_key.html", organization=organization, keys=keys,
                           current=key_service.current_key(organization),
                           revoke_forms=revoke_forms, **forms), status


@manage_bp.get("/orgs/<slug>/key")
def key(slug):
    """The organization's keys, and the forms to generate, import, register or revoke one."""
    return _key_page(_my_organization(slug))


# The contacts key: its secret part never stays on the server ---------------------

def _contacts_key_page(organization, status=200, generate=None, register=None):
    keyring = _keyring()
    fingerprint = organization.contacts_key_fingerprint
    info = None
    if fingerprint:
        try:
            info = keyring.key_info(fingerprint)
        except openpgp.OpenPGPError:
            info = None
    if generate is None:
        generate = ContactsKeyForm(name=f"{organization.name} – contacts")
        if not generate.email.data:
            generate.email.data = key_service.default_email(_public_url()).replace(
                key_service.DEFAULT_LOCAL_PART + "@", "contacts@")
    return render_template("openpgp/contacts_key.html", organization=organization,
                           fingerprint=fingerprint, info=info, generate=generate,
                           register=register or KeyUploadForm(prefix="contacts")), status


@manage_bp.get("/orgs/<slug>/key/contacts")
def contacts_key(slug):
    """The contacts key: how to make one off the server, and the form to register it."""
    return _contacts_key_page(_my_organization(slug))


@manage_bp.post("/orgs/<slug>/key/contacts/register")
@idempotent_form
def register_contacts_key(slug):
    """Register the public part of a contacts key made on the organizers' own computer."""
    organization = _my_organization(slug)
    form = KeyUploadForm(prefix="contacts")
    if not form.validate_on_submit():
        return _contacts_key_page(organization, 400, register=form)
    data = _uploaded(form.key_file, form.key_text)
    if not data or not data.strip():
        form.form_errors.append(_("Choose a file or paste the key."))
        return _contacts_key_page(organization, 400, register=form)
    try:
        fpr = key_service.register_contacts_key(organization, _keyring(), data)
    except (DomainError, openpgp.OpenPGPError) as error:
        form.form_errors.append(_error_message(error))
        return _contacts_key_page(organization, error.status, register=form)
    _audit_key_change(organization, fpr)
    flash(_("The contacts key %(fingerprint)s is registered: volunteers can now leave a "
            "contact, encrypted to it.", fingerprint=openpgp.fingerprint_groups(fpr)),
          "success")
    return redirect(url_for("manage_openpgp.contacts_key", slug=slug))


@manage_bp.post("/orgs/<slug>/key/contacts/generate")
@idempotent_form(repeat_to=lambda slug: ("manage_openpgp.contacts_key", {"slug": slug}))
def generate_contacts_key(slug):
    """Generate a contacts key once and hand its secret part over as a download.

    The pair is made in a throwaway GnuPG home deleted before the answer; the
    secret key is in this response only (no-store), never in the server's keyring.
    """
    organization = _my_organization(slug)
    form = ContactsKeyForm()
    if not form.validate_on_submit():
        return _contacts_key_page(organization, 400, generate=form)
    try:
        fpr, secret = key_service.generate_contacts_key(organization, _keyring(),
                                                        name=form.name.data, email=form.email.data)
    except (DomainError, openpgp.OpenPGPError) as error:
        form.form_errors.append(_error_message(error))
        return _contacts_key_page(organization, error.status, generate=form)
    _audit_key_change(organization, fpr)
    filename = f"contacts-key-{organization.slug}-{fpr[-16:]}-SECRET.asc"
    return Response(secret, mimetype="application/pgp-keys", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


@manage_bp.post("/orgs/<slug>/key/generate")
@idempotent_form
def generate(slug):
    """Generate a new key (rotating the current one when asked)."""
    organization = _my_organization(slug)
    form = GenerateKeyForm()
    if not form.validate_on_submit():
        return _key_page(organization, 400, generate=form)
    try:
        new = key_service.generate_key(organization, _keyring(), name=form.name.data,
                                       email=form.email.data, now=clock.now(),
                                       passphrase=passphrase(current_app),
                                       rotate=form.rotate.data)
    except (DomainError, openpgp.OpenPGPError) as error:
        form.form_errors.append(_error_message(error))
        return _key_page(organization, error.status, generate=form)
    _audit_key_change(organization, new.fingerprint)
    flash(_("The key %(fingerprint)s is generated; it now signs the announcements.",
            fingerprint=openpgp.fingerprint_groups(new.fingerprint)), "success")
    return redirect(url_for("manage_openpgp.key", slug=slug))


@manage_bp.post("/orgs/<slug>/key/<any(import, register):kind>")
@idempotent_form
def upload(slug, kind):
    """Import a secret key, or register a public key (signing offline)."""
    organization = _my_organization(slug)
    form = KeyUploadForm(prefix="secret" if kind == "import" else "public")
    name = "import_form" if kind == "import" else "register"
    if not form.validate_on_submit():
        return _key_page(organization, 400, **{name: form})
    data = _uploaded(form.key_file, form.key_text)
    if not data or not (data.strip() if isinstance(data, (str, bytes)) else data):
        form.form_errors.append(_("Choose a file or paste the key."))
        return _key_page(organization, 400, **{name: form})
    try:
        if kind == "import":
            new = key_service.import_secret_key(organization, _keyring(), data, now=clock.now(),
                                                passphrase=passphrase(current_app))
        else:
            new = key_service.register_public_key(organization, _keyring(), data, now=clock.now())
    except (DomainError, openpgp.OpenPGPError) as error:
        form.form_errors.append(_error_message(error))
        return _key_page(organization, error.status, **{name: form})
    _audit_key_change(organization, new.fingerprint)
    flash(_("The key %(fingerprint)s is now the organization's key.",
            fingerprint=openpgp.fingerprint_groups(new.fingerprint)), "success")
    return redirect(url_for("manage_openpgp.key", slug=slug))


@manage_bp.post("/orgs/<slug>/key/revoke")
def revoke(slug):
    """Revoke one of the organization's keys."""
    organization = _my_organization(slug)
    prefix = request.form.get("key", "")
    form = RevokeKeyForm(prefix=prefix)
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm the revocation."), "error")
        return redirect(url_for("manage_openpgp.key", slug=slug))
    try:
        if form.certificate.data and form.certificate.data.strip():
            key_service.import_revocation(organization, _keyring(), form.fingerprint.data,
                                          form.certificate.data, now=clock.now())
        else:
            key_service.revoke_key(organization, _keyring(), form.fingerprint.data,
                                   now=clock.now(), reason=form.reason.data,
                                   passphrase=passphrase(current_app))
    except (DomainError, openpgp.OpenPGPError) as error:
        flash(_error_message(error), "error")
        return redirect(url_for("manage_openpgp.key", slug=slug))
    _audit_key_change(organization, form.fingerprint.data)
    flash(_("The key is revoked. Its revocation is published with the organization's keys."),
          "success")
    return redirect(url_for("manage_openpgp.key", slug=slug))


def _announcements_page(event, status=200, forms=None, upload=None):
    rows = announcement_service.announcements_of(event)
    forms = dict(forms or {})
    for channel, row in rows.items():
        forms.setdefault(channel, AnnouncementTextForm(prefix=channel, text=row.body))
    signed = rows.get(announcement_service.SIGNED_CHANNEL)
    return render_template(
        "openpgp/manage_announcements.html", event=event, rows=rows, forms=forms,
        channels=CHANNELS, limits=CHANNEL_LIMITS, action=CreatingActionForm(),
        upload=upload or SignedUploadForm(), key=key_service.current_key(event.organization),
        signed=signed if signed and signed.signed_text else None,
        stale=bool(signed and announcement_service.is_stale(signed, event)),
        draft_stale={c: announcement_service.draft_is_stale(r, event) for c, r in rows.items()},
    ), status


@manage_bp.get("/events/<slug>/announcements")
def announcements(slug):
    """The announcement of each channel, to draft, edit, sign and publish."""
    event = event_service.get_event_for(current_user, slug)
    return _announcements_page(event)


@manage_bp.post("/events/<slug>/announcements/draft")
@idempotent_form
def draft(slug):
    """Draft again from the event (one channel, or all of them)."""
    event = event_service.get_event_for(current_user, slug)
    if not CreatingActionForm().validate_on_submit():
        abort(400)
    channel = request.form.get("channel") or None
    if channel is not None and channel not in CHANNELS:
        abort(404)
    announcement_service.draft(event, public_url=_public_url(), now=clock.now(),
                               channels=[channel] if channel else CHANNELS)
    flash(_("Drafted from the event's current data."), "success")
    return redirect(url_for("manage_openpgp.announcements", slug=slug,
                            _anchor=f"channel-{channel}" if channel else None))


@manage_bp.post("/events/<slug>/announcements/<channel>")
def save(slug, channel):
    """Save the edited text of a channel."""
    event = event_service.get_event_for(current_user, slug)
    if channel not in CHANNELS:
        abort(404)
    form = AnnouncementTextForm(prefix=channel)
    if not form.validate_on_submit():
        abort(400)
    try:
        announcement_service.save_text(event, channel, form.text.data, now=clock.now())
    except DomainError as error:
        form.text.errors = [error.describe()]
        return _announcements_page(event, error.status, forms={channel: form})
    flash(_("The text is saved."), "success")
    return redirect(url_for("manage_openpgp.announcements", slug=slug,
                            _anchor=f"channel-{channel}"))


@manage_bp.post("/events/<slug>/announcements/sign")
@idempotent_form
def sign(slug):
    """Sign the full announcement on the server and publish it."""
    event = event_service.get_event_for(current_user, slug)
    if not CreatingActionForm().validate_on_submit():
        abort(400)
    try:
        announcement_service.sign(event, _keyring(), public_url=_public_url(), now=clock.now(),
                                  passphrase=passphrase(current_app))
    except (DomainError, openpgp.OpenPGPError) as error:
        flash(_error_message(error), "error")
        return _announcements_page(event, error.status)
    flash(_("The announcement is signed and published."), "success")
    return redirect(url_for("manage_openpgp.announcements", slug=slug))


@manage_bp.post("/events/<slug>/announcements/upload")
@idempotent_form
def upload_signed(slug):
    """Publish a text signed offline, once its signature checks out."""
    event = event_service.get_event_for(current_user, slug)
    form = SignedUploadForm()
    if not form.validate_on_submit():
        return _announcements_page(event, 400, upload=form)
    data = _uploaded(form.signed_file, form.signed_text)
    if not data or not data.strip():
        form.form_errors.append(_("Choose a file or paste the signed text."))
        return _announcements_page(event, 400, upload=form)
    try:
        announcement_service.publish_offline(event, _keyring(), data, now=clock.now())
    except (DomainError, openpgp.OpenPGPError) as error:
        form.form_errors.append(_error_message(error))
        return _announcements_page(event, error.status, upload=form)
    flash(_("The signature checks out: the announcement is published."), "success")
    return redirect(url_for("manage_openpgp.announcements", slug=slug))
