"""Organizer login (password, then a one-time code when enabled) and logout.

The Flask session is a signed cookie: it is cleared at login, so that nothing
from before (a cookie planted or captured earlier) carries an authenticated
session, and the account's session token rotates at logout, so that a copy of
the logged-in cookie stops working too (see ``load_organizer``).
"""

import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from cryptoparty.accounts import services as organizers
from cryptoparty.accounts import two_factor
from cryptoparty.accounts.forms import LoginForm, OneTimeCodeForm
from cryptoparty.accounts.models import Organizer
from cryptoparty.core import clock, validation
from cryptoparty.core.database import atomic
from cryptoparty.core.errors import InvalidCredentials
from cryptoparty.core.extensions import db, limiter, login_manager
from cryptoparty.core.forms import ActionForm

# How long the second step of a login may wait for its one-time code.
PENDING_LOGIN_LIFETIME = timedelta(minutes=5)

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect to another origin.
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return url_for("manage.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute;50/hour", methods=["POST"])
def login():
    """Organizer login form."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            organizer = organizers.authenticate(form.login.data, form.password.data)
        except InvalidCredentials as error:
            form.password.errors.append(error.describe())
        else:
            # A fresh session at login: nothing from before survives (fixation).
            session.clear()
            if organizer.totp_secret:
                # The password is right; the session only remembers that, for a few minutes.
                session["pending_login"] = organizer.get_id()
                session["pending_since"] = clock.now().isoformat()
                return redirect(url_for("auth.login_code", next=request.args.get("next")))
            return _complete_login(organizer)
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def _complete_login(organizer):
    session.clear()
    login_user(organizer)
    flash(_("Welcome, %(name)s.", name=organizer.display_name), "success")
    return redirect(_safe_next(request.args.get("next")))


def _pending_organizer():

    identity, since = session.get("pending_login"), session.get("pending_since")
    if not identity or not since:
        return None
    try:
        started = datetime.fromisoformat(since)
    except (TypeError, ValueError):
        return None
    if not started <= clock.now() < started + PENDING_LOGIN_LIFETIME:
        return None
    return load_organizer(identity)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("10/minute;50/hour", methods=["POST"])
def login_code():
    """Second step of a login: the one-time code of an organizer who enabled it."""
    organizer = _pending_organizer()
    if organizer is None:
        session.pop("pending_login", None)
        session.pop("pending_since", None)
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login", next=request.args.get("next")))
    form = OneTimeCodeForm()
    if form.validate_on_submit():
        try:
            two_factor.check(organizer, form.code.data, clock.now())
        except two_factor.InvalidOneTimeCode as error:
            form.code.errors.append(error.describe())
        else:
            return _complete_login(organizer)
    status = 400 if form.errors else 200
    return render_template("auth/login_code.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """End the organizer's session."""
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("manage.dashboard"))
    organizer = current_user._get_current_object()
    logout_user()
    session.clear()
    # Every cookie of this account dies with this one, copies included.
    with atomic():
        organizer.session_token = secrets.token_hex(16)
    flash(_("You are logged out."), "info")
    return redirect(url_for("public.index"))


@login_manager.user_loader
def load_organizer(identity: str):
    """Find the organizer of a session; a changed session token logs them out."""
    organizer_id, _, token = identity.partition(":")
    organizer_id = validation.parse_id(organizer_id)
    if organizer_id is None:
        return None
    organizer = db.session.get(Organizer, organizer_id)
    if organizer is None or organizer.session_token != token:
        return None
    return organizer


@login_manager.unauthorized_handler
def _unauthorized():
    flash(_("Please log in to reach the back office."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
