"""Optional second factor for organizers: time-based one-time codes (TOTP, RFC 6238).

Enrolment happens in two steps so that nobody locks themselves out: a secret
is proposed (``new_secret``), shown as a QR code, and only stored once the
organizer types a code their app computed from it (``enable``). Disabling
needs the password and a current code. Codes are checked with one step of
tolerance on each side (±30 s) for clocks that drift a little.

A code is good once: the time step of the last code accepted is stored on the
account (``totp_last_step``) by a conditional UPDATE that only moves forward,
so a replayed code, or a code older than the last one, is refused, also when
two workers receive the same code at the same moment.
"""

import hmac
import io
import secrets
from datetime import timezone

import pyotp
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, update

from cryptoparty.accounts.models import Organizer
from cryptoparty.accounts.services import verify_password
from cryptoparty.core.database import atomic
from cryptoparty.core.errors import DomainError
from cryptoparty.core.extensions import db

ISSUER = "cryptoparty"
VALID_WINDOW = 1
STEP_SECONDS = 30


class InvalidOneTimeCode(DomainError):
    message = _l("This code is not valid. Type the six digits your app shows now.")


class TwoFactorAlreadyEnabled(DomainError):
    status = 409
    message = _l("The second factor is already enabled.")


class TwoFactorNotEnabled(DomainError):
    status = 409
    message = _l("The second factor is not enabled.")


def new_secret() -> str:
    """A fresh random TOTP secret (base32, 160 bits)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(login: str, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER)


def qr_svg(uri: str) -> bytes:
    """The QR code of a provisioning URI, as a standalone SVG (no style attribute)."""
    import qrcode.image.svg  # imported on first use: most workers never draw one

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def matching_step(secret: str | None, code: str | None, now) -> int | None:
    """The time step whose code ``code`` is, within ±``VALID_WINDOW`` of ``now``; else None."""
    if not secret or not code:
        return None
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.replace(tzinfo=timezone.utc).timestamp()) // STEP_SECONDS
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def code_is_valid(secret: str | None, code: str | None, now) -> bool:
    """Whether ``code`` is a current one-time code of ``secret`` at ``now`` (naive UTC)."""
    return matching_step(secret, code, now) is not None


def _use_step(organizer, step: int) -> None:
    """Record ``step`` as used, or raise ``InvalidOneTimeCode`` if it (or a later one) was.

    Runs inside the caller's transaction; the UPDATE's WHERE makes it atomic
    between workers: of two requests with the same code, one changes the row.
    """
    done = db.session.execute(
        update(Organizer)
        .where(Organizer.id == organizer.id,
               or_(Organizer.totp_last_step.is_(None), Organizer.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise InvalidOneTimeCode()
    db.session.refresh(organizer)


def enable(organizer, secret: str, code: str, now) -> None:
    """Store ``secret`` as the organizer's second factor once ``code`` proves their app has it.

    The session token changes, so sessions opened with the password alone end.
    """
    if organizer.totp_secret:
        raise TwoFactorAlreadyEnabled()
    step = matching_step(secret, code, now)
    if step is None:
        raise InvalidOneTimeCode()
    with atomic():
        organizer.totp_secret = secret
        organizer.totp_last_step = step
        organizer.session_token = secrets.token_hex(16)


def disable(organizer, password: str, code: str, now) -> None:
    """Remove the organizer's second factor: the password and a current code are required.

    The session token changes, so every other session of the account ends (the
    view logs the current one in again with the new token).
    """
    if not organizer.totp_secret:
        raise TwoFactorNotEnabled()
    verify_password(organizer, password)
    step = matching_step(organizer.totp_secret, code, now)
    if step is None:
        raise InvalidOneTimeCode()
    with atomic():
        _use_step(organizer, step)
        organizer.totp_secret = None
        organizer.totp_last_step = None
        organizer.session_token = secrets.token_hex(16)


def check(organizer, code: str, now) -> None:
    """Accept ``code`` once as the organizer's current code, or raise ``InvalidOneTimeCode``."""
    step = matching_step(organizer.totp_secret, code, now)
    if step is None:
        raise InvalidOneTimeCode()
    with atomic():
        _use_step(organizer, step)
