"""Organizer sessions and the HTTP headers every response carries."""

from flask import current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from cryptoparty.extensions import db, login_manager

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])


def init_app(app):
    """Install the login loader, the proxy fix and the security headers."""
    login_manager.login_view = "auth.login"
    # Flask-Login's session protection would put a hash of the client's address
    # and user agent in the cookie, and log out anyone whose address changes
    # (every Tor circuit). Sessions are revoked through Organizer.session_token
    # instead (password change, logout, second factor enabled).
    login_manager.session_protection = None
    login_manager._session_identifier_generator = _no_client_identifier
    hops = int(app.config.get("PROXY_HOPS", 0))
    if hops:
        # Behind a reverse proxy: trust exactly that many X-Forwarded-* hops.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.after_request(_security_headers)


def _no_client_identifier():
    return ""


@login_manager.user_loader
def load_organizer(identity: str):
    """Find the organizer of a session; a changed session token logs them out."""
    from cryptoparty.models import Organizer

    organizer_id, _, token = identity.partition(":")
    if not organizer_id.isdigit():
        return None
    organizer = db.session.get(Organizer, int(organizer_id))
    if organizer is None or organizer.session_token != token:
        return None
    return organizer


@login_manager.unauthorized_handler
def _unauthorized():
    from flask import flash, redirect, url_for
    from flask_babel import gettext

    flash(gettext("Please log in to reach the back office."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy",
                       "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    onion = current_app.config.get("ONION_ADDRESS")
    if onion:
        headers.setdefault("Onion-Location", f"http://{onion}{request.full_path.rstrip('?')}")
    return response
