"""The HTTP headers every response carries, the session cookie and the proxy fix."""

import hashlib
import hmac
from pathlib import Path

from flask import current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from cryptoparty.core.extensions import login_manager

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])
# An SVG image (charts, QR codes) is a document of its own: no script, nothing
# fetched, only the <style> element that chart libraries embed.
SVG_CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; "
                               "frame-ancestors 'none'")
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "browsing-topics", "camera", "display-capture", "geolocation",
    "gyroscope", "magnetometer", "microphone", "payment", "usb"))
HSTS = "max-age=63072000; includeSubDomains"
# Every response's headers but the CSP (which depends on the response), in order.
_FIXED_HEADERS = (
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)
SECURE_SESSION_COOKIE_NAME = "__Host-session"


def init_app(app):
    """Install the login loader, the proxy fix and the security headers."""
    login_manager.login_view = "auth.login"
    # Flask-Login's session protection would put a hash of the client's address
    # and user agent in the cookie, and log out anyone whose address changes
    # (every Tor circuit). Sessions are revoked through Organizer.session_token
    # instead (password change, logout, second factor enabled).
    login_manager.session_protection = None
    login_manager._session_identifier_generator = _no_client_identifier
    configure_session_cookie(app.config)
    app.session_interface = CookieSessionInterface()
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        # Behind a reverse proxy: trust exactly that many X-Forwarded-* hops.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.after_request(_security_headers)


def configure_session_cookie(config) -> None:
    """Over HTTPS, a Secure ``__Host-`` session cookie; over plain HTTP, the default name.

    Browsers refuse a ``__Host-`` cookie that is not Secure, has a Domain or
    a Path other than ``/``, so the prefix is only used when it can work.
    """
    if config.get("HTTPS"):
        config["SESSION_COOKIE_SECURE"] = True
        config["PREFERRED_URL_SCHEME"] = "https"
    if config.get("SESSION_COOKIE_SECURE"):
        config["SESSION_COOKIE_NAME"] = SECURE_SESSION_COOKIE_NAME
        config["SESSION_COOKIE_PATH"] = "/"
        config["SESSION_COOKIE_DOMAIN"] = None


def _no_client_identifier():
    return ""


def _security_headers(response):
    headers = response.headers
    # The server writes the Date header (gunicorn always does, werkzeug's server
    # when the answer has none); werkzeug's ``make_conditional`` (ETag answers,
    # ``send_file``) adds one of its own, which gunicorn then sent a second time.
    headers.pop("Date", None)
    # A view may have set any of these itself (an embed's CSP): one pass over the
    # headers, then only the missing ones are added (issue 19: every response).
    present = {name.lower() for name, _value in headers}
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy",
                    SVG_CONTENT_SECURITY_POLICY if response.mimetype == "image/svg+xml"
                    else CONTENT_SECURITY_POLICY)
    for name, value in _FIXED_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if "x-frame-options" not in present \
            and "frame-ancestors 'none'" in headers["Content-Security-Policy"]:
        # An embed that its organization lets other sites frame says so in its CSP
        # (frame-ancestors with their origins); X-Frame-Options cannot list origins.
        headers.add("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    onion = current_app.config.get("ONION_ADDRESS")
    if onion and not request.host.endswith(".onion"):
        headers.setdefault("Onion-Location", f"http://{onion}{request.full_path.rstrip('?')}")
    return response


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building its signer for a request with no cookie.

    Most requests are anonymous visits that carry no cookie; Flask builds the
    ``itsdangerous`` signer on every request before it looks (issue 19).
    """

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def keyed_hash(purpose: bytes, value: str, secret: str | bytes | None = None) -> str:
    """Hex HMAC-SHA256 of ``value`` under a key derived from ``SECRET_KEY`` for ``purpose``.

    Ticket codes and volunteers' links are stored this way (DESIGN.md, invariant 2):
    a stolen database alone does not let anyone test a guessed code offline, and each
    purpose has a key of its own so that no hash doubles as another use of the secret.
    ``secret`` defaults to the application's ``SECRET_KEY``.
    """
    if secret is None:
        secret = current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode()
    key = hmac.new(secret, purpose, hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def instance_folder(*parts: str, setting: str | None = None) -> Path:
    """A folder of the instance (``setting`` in the configuration overrides it)."""
    configured = current_app.config.get(setting) if setting else None
    return Path(configured) if configured else Path(current_app.instance_path, *parts)


def static_folder() -> Path:
    """The folder of the static files (CSS, fonts) that PDFs embed."""
    return Path(current_app.static_folder)
