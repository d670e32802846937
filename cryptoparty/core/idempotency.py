"""Idempotency keys: a repeated submission answers with what the first one created.

A creating form carries a random nonce in a hidden field (``new_key()``); the API
takes the client's ``Idempotency-Key`` header. The first request that succeeds
stores, in the same transaction as what it created:

- the keyed hash of the key (``key_hash``), never the key itself;
- the id of the created object;
- optionally a short secret that only the holder of the key can read back
  (``sealed``: the ticket code, XORed with a pad derived from the key and the
  instance secret, so the server alone cannot recover it from the table);
- a fingerprint of what was asked (``request_hash``): the same key with another
  request is refused, not silently answered with the first result;
- when it expires (``expires_at``). Expired rows are deleted whenever a key is
  stored, so none outlives its time-to-live by long.

Nothing in a row is personal: a random key's hash, an id, a sealed code, a date.
Callers must look a key up and store it inside the same ``atomic()`` block that
serialises their writes (the event lock for registration), so that two
concurrent repeats cannot both create.
"""

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from cryptoparty.core.errors import DomainError
from cryptoparty.core.extensions import db
from cryptoparty.core.security import keyed_hash

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{16,128}$")
# A form's key lives as long as its CSRF token can be accepted: after that the
# form itself is refused, so a repeat can never create a second record.
FORM_TTL = timedelta(hours=8)
API_TTL = timedelta(hours=24)


class InvalidIdempotencyKey(DomainError):
    message = _l("The idempotency key must be 16 to 128 letters, digits or “_.:-”.")


class IdempotencyKeyReused(DomainError):
    status = 422
    message = _l("This idempotency key was already used for a different request.")


class IdempotencyKey(db.Model):
    """A key already used, for a short time (see the module's docstring)."""

    __tablename__ = "idempotency_keys"

    key_hash = db.Column(db.String(64), primary_key=True)
    scope = db.Column(db.String(40), nullable=False)
    object_id = db.Column(db.Integer, nullable=False)
    sealed = db.Column(db.String(400), nullable=True)
    request_hash = db.Column(db.String(64), nullable=False)
    expires_at = db.Column(db.DateTime, nullable=False, index=True)


def new_key() -> str:
    """A fresh random key for a form's hidden field."""
    return secrets.token_urlsafe(24)


def check_key(key) -> str | None:
    """The key if well formed, None if absent, ``InvalidIdempotencyKey`` otherwise."""
    if key in (None, ""):
        return None
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise InvalidIdempotencyKey()
    return key


def _hash(scope: str, key: str) -> str:
    return keyed_hash(b"idempotency-key-v1", f"{scope}\n{key}")


def fingerprint(*parts) -> str:
    """A fingerprint of a request's meaningful content."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _pad(key: str, length: int) -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    derived = hmac.new(secret, b"idempotency-seal-v1", hashlib.sha256).digest()
    pad = b""
    block = 0
    while len(pad) < length:
        pad += hmac.new(derived, f"{block}\n{key}".encode(), hashlib.sha512).digest()
        block += 1
    return pad[:length]


def seal(key: str, text: str) -> str:
    """``text`` (at most 64 bytes per block) readable again only with ``key``."""
    data = text.encode()
    return base64.b64encode(bytes(a ^ b for a, b in zip(data, _pad(key, len(data)),
                                                        strict=True))).decode()


def unseal(key: str, sealed: str) -> str:
    """The text sealed under ``key``."""
    data = base64.b64decode(sealed)
    return bytes(a ^ b for a, b in zip(data, _pad(key, len(data)), strict=True)).decode()


def find(scope: str, key: str, request_hash: str, now: datetime, *,
         strict: bool = True) -> IdempotencyKey | None:
    """The live record of ``key`` in ``scope``.

    ``strict``: the same key with another request raises ``IdempotencyKeyReused``
    (the API). A form is not strict: its repeat shows what the first one created.
    """
    row = db.session.get(IdempotencyKey, _hash(scope, key))
    if row is None or row.expires_at <= now:
        return None
    if strict and not hmac.compare_digest(row.request_hash, request_hash):
        raise IdempotencyKeyReused()
    return row


def remember(scope: str, key: str, request_hash: str, object_id: int, now: datetime,
             ttl: timedelta, secret: str | None = None) -> None:
    """Store the key's record (inside the caller's transaction) and drop expired ones."""
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    hashed = _hash(scope, key)
    stale = db.session.get(IdempotencyKey, hashed)
    if stale is not None:
        db.session.delete(stale)
        db.session.flush()
    db.session.add(IdempotencyKey(
        key_hash=hashed, scope=scope, object_id=object_id, request_hash=request_hash,
        sealed=seal(key, secret) if secret is not None else None, expires_at=now + ttl))


def purge(now: datetime) -> int:
    """Delete expired keys; how many went."""
    ids = list(db.session.scalars(select(IdempotencyKey.key_hash)
                                  .where(IdempotencyKey.expires_at <= now)))
    if ids:
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.key_hash.in_(ids)))
    return len(ids)


# --------------------------------------------------------------------------- any creating form

FIELD = "idempotency_key"

MISSING = _l("This form arrived without its one-time key (an old page, or a page changed by a "
             "browser extension), so nothing was created. The form below has a new key: check "
             "it and send it again.")


class StillBeingSent(DomainError):
    status = 409
    message = _l("This form is being sent already: wait a moment, then reload the page.")


class MissingIdempotencyKey(DomainError):
    message = _l("This form arrived without its one-time key (an old page, or a page changed "
                 "by a browser extension), so nothing was done. Reload the page, then send "
                 "the form again.")


class _Refused(Exception):
    """Internal: roll the view's writes back (a form without its key that created)."""


def _reserve(scope: str, key: str, now: datetime) -> IdempotencyKey | None:
    """Insert the key's reservation, or return the row a previous post left.

    Called inside the write transaction that runs the view. A concurrent post
    of the same key waits here until the first one ends (SQLite: ``BEGIN
    IMMEDIATE`` holds the write lock; PostgreSQL: the unique key's insert waits
    for the other transaction), then reads what the first one stored.
    """
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    hashed = _hash(scope, key)
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    inserted = db.session.execute(
        insert(IdempotencyKey).values(key_hash=hashed, scope="form", object_id=0,
                                      request_hash="", expires_at=now + FORM_TTL)
        .on_conflict_do_nothing(index_elements=["key_hash"])
        .returning(IdempotencyKey.key_hash)).first()
    if inserted is not None:
        return None
    return db.session.scalars(select(IdempotencyKey).where(IdempotencyKey.key_hash == hashed)
                              .execution_options(populate_existing=True)).one()


def idempotent_form(view=None, *, repeat_to=None):
    """A creating view: the same form (its hidden ``idempotency_key``) posted twice acts once.

    The view runs inside one write transaction that first reserves the key, so
    a repeat, even a simultaneous one, waits for the first post and then is
    sent where the first one led (kept sealed, as it may be a private link)
    with a sentence saying so. A view whose success is a page, not a redirect
    (a link shown once, a download), names with ``repeat_to(**view_args)``
    where a repeat is sent instead. A refused post (a 4xx form) frees the key.

    A post without a well-formed key creates nothing: the form's
    ``IdempotencyKeyField`` refuses it (the form comes back, filled in, with a
    new key and ``MISSING`` above it); should the view act anyway, its writes
    are rolled back and the answer is a 400 saying why.
    """
    if view is None:
        return lambda wrapped: idempotent_form(wrapped, repeat_to=repeat_to)

    import functools

    from flask import flash, redirect, request, session, url_for
    from flask_babel import gettext
    from werkzeug.exceptions import BadRequest

    from cryptoparty.core import clock
    from cryptoparty.core.database import atomic

    def is_done(response) -> str | None:
        if response.status_code in (301, 302, 303) and response.location:
            return response.location
        if repeat_to is not None and response.status_code == 200:
            endpoint, values = repeat_to(**(request.view_args or {}))
            return url_for(endpoint, **values)
        return None

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "POST":
            return view(*args, **kwargs)
        try:
            key = check_key(request.form.get(FIELD))
        except InvalidIdempotencyKey:
            key = None
        if key is None:
            flashes = len(session.get("_flashes", []))
            try:
                with atomic():
                    try:
                        response = current_app.make_response(view(*args, **kwargs))
                    except BadRequest as error:
                        raise MissingIdempotencyKey() from error
                    if is_done(response) is not None:
                        raise _Refused()
            except _Refused:
                if "_flashes" in session:
                    session["_flashes"] = session["_flashes"][:flashes]
                raise MissingIdempotencyKey() from None
            return response
        scope = f"form:{request.endpoint}:{sorted((request.view_args or {}).items())}"
        scope = hashlib.sha256(scope.encode()).hexdigest()[:40]
        now = clock.now()
        with atomic():
            row = _reserve(scope, key, now)
            if row is None:
                response = current_app.make_response(view(*args, **kwargs))
                done = is_done(response)
                reserved = db.session.get(IdempotencyKey, _hash(scope, key))
                if done is None:
                    db.session.delete(reserved)
                else:
                    reserved.sealed = seal(key, done[:300])
                return response
        if row.sealed:
            # Say why, in the flash of a session the person already has (a page
            # without a session, such as feedback, must not gain a cookie here).
            if request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]):
                flash(gettext("This form had already been sent: here is what it "
                              "created. Nothing was created twice."), "info")
            return redirect(unseal(key, row.sealed), code=303)
        raise StillBeingSent()

    wrapper.idempotent_form = True
    return wrapper
