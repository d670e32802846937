"""Organizer login and logout."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from cryptoparty.extensions import limiter
from cryptoparty.forms import ActionForm, LoginForm
from cryptoparty.services import organizers
from cryptoparty.services.errors import InvalidCredentials

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
            login_user(organizer)
            flash(_("Welcome, %(name)s.", name=organizer.display_name), "success")
            return redirect(_safe_next(request.args.get("next")))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """End the organizer's session."""
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("manage.dashboard"))
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("public.index"))
