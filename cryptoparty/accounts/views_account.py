"""The organizer's own account: the optional second factor (TOTP).

The secret proposed during enrolment waits in the signed session cookie until
the organizer confirms it with a code; it is only stored once confirmed.
"""

from flask import Blueprint, Response, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from cryptoparty.accounts import roles, two_factor
from cryptoparty.accounts.forms import DisableTwoFactorForm, OneTimeCodeForm
from cryptoparty.accounts.roles import Permission
from cryptoparty.core import clock
from cryptoparty.core.errors import InvalidCredentials

bp = Blueprint("account", __name__, url_prefix="/manage/account")


@bp.before_request
@login_required
def require_login():
    """Only a logged-in organizer reaches their account."""


@bp.after_request
def _never_cache(response):
    # The enrolment page shows a secret.
    response.headers["Cache-Control"] = "no-store"
    return response


def _record_organizations():
    """The organizations whose record of processing this account may read."""
    return roles.organizations_with(current_user, Permission.RECORD)


def _pending_secret() -> str:
    secret = session.get("totp_pending")
    if not secret:
        secret = session["totp_pending"] = two_factor.new_secret()
    return secret


@bp.get("/")
def index():
    """Second factor: its state, and the enrolment or the way to turn it off."""
    form = DisableTwoFactorForm() if current_user.totp_secret else OneTimeCodeForm()
    secret = None if current_user.totp_secret else _pending_secret()
    return render_template("account/index.html", form=form, secret=secret,
                           record_organizations=_record_organizations())


@bp.get("/two-factor/qr.svg")
def qr():
    """The QR code of the secret being enrolled, drawn here (no third party sees it)."""
    if current_user.totp_secret or not session.get("totp_pending"):
        return Response(status=404)
    uri = two_factor.provisioning_uri(current_user.login, session["totp_pending"])
    return Response(two_factor.qr_svg(uri), mimetype="image/svg+xml")


@bp.post("/two-factor/enable")
def enable():
    """Turn the second factor on, once a code proves the app holds the secret."""
    form = OneTimeCodeForm()
    secret = session.get("totp_pending")
    if form.validate_on_submit() and secret:
        try:
            two_factor.enable(current_user, secret, form.code.data, clock.now())
        except two_factor.TwoFactorAlreadyEnabled as error:
            flash(error.describe(), "info")
            return redirect(url_for("account.index"))
        except two_factor.InvalidOneTimeCode as error:
            form.code.errors.append(error.describe())
        else:
            session.pop("totp_pending", None)
            # Enabling rotated the session token: carry on in a fresh session.
            login_user(current_user._get_current_object())
            flash(_("The second factor is on: from now on, logging in asks for a code."),
                  "success")
            return redirect(url_for("account.index"))
    return render_template("account/index.html", form=form,
                           secret=None if current_user.totp_secret else _pending_secret(),
                           record_organizations=_record_organizations()), 400


@bp.post("/two-factor/disable")
def disable():
    """Turn the second factor off: the password and a current code are required."""
    form = DisableTwoFactorForm()
    if form.validate_on_submit():
        try:
            two_factor.disable(current_user, form.password.data, form.code.data, clock.now())
        except two_factor.TwoFactorNotEnabled as error:
            flash(error.describe(), "info")
            return redirect(url_for("account.index"))
        except InvalidCredentials as error:
            form.password.errors.append(error.describe())
        except two_factor.InvalidOneTimeCode as error:
            form.code.errors.append(error.describe())
        else:
            # Every other session of the account ended with the old token; this one goes on.
            login_user(current_user._get_current_object())
            flash(_("The second factor is off."), "info")
            return redirect(url_for("account.index"))
    return render_template("account/index.html", form=form, secret=None,
                           record_organizations=_record_organizations()), 400
