"""The one source of the platform's public address, and identifiers that never change with it.

``public_base_url()``: the ``PUBLIC_URL`` setting when it is set, else the address
the request came to, else (a command, no request) ``DEFAULT_PUBLIC_URL``. Posters,
kits, announcements, feeds, QR codes and the API all build their absolute links
with ``public_url_for``, so the same rule holds everywhere.

``stable_uuid(kind, id)``: the identity of a thing in feeds and calendars (Atom
``atom:id``, iCalendar ``UID``). It depends on neither the host nor the scheme of
the request, so an event read over the onion service and over the clear web is
one entry and one calendar event. It is a name-based UUID under a namespace
derived (one-way) from the instance's secret key: stable for the deployment,
revealing nothing.
"""

import hashlib
import hmac
import uuid

from flask import current_app, has_request_context, request, url_for

DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"


def public_base_url() -> str:
    """The public base URL, without a trailing slash."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return DEFAULT_PUBLIC_URL


def public_url_for(endpoint: str, **values) -> str:
    """``url_for`` as an absolute URL on the public base URL (never ``_external``)."""
    values.pop("_external", None)
    return public_base_url() + url_for(endpoint, **values)


def stable_uuid(kind: str, identifier) -> str:
    """A ``urn:uuid:`` that names one thing of this deployment whatever the host."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    seed = hmac.new(secret, b"cryptoparty stable identifiers", hashlib.sha256).digest()
    namespace = uuid.UUID(bytes=seed[:16])
    return uuid.uuid5(namespace, f"{kind}/{identifier}").urn


def stable_uid(kind: str, identifier) -> str:
    """An iCalendar UID (RFC 7986 recommends a UUID) for one thing of this deployment."""
    return stable_uuid(kind, identifier).removeprefix("urn:uuid:")
