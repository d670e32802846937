"""Optional second factor for organizers: time-based one-time codes (TOTP, RFC 6238).

Enrolment happens in two steps so that nobody locks themselves out: a secret
is proposed (``new_secret``), shown as a QR code, and only stored once the
organizer types a code their app computed from it (``enable``). Disabling
needs a current code too. Codes are checked with one step of tolerance on
each side (±30 s) for clocks that drift a little.
"""

import io
import secrets

import pyotp
from flask_babel import lazy_gettext as _l

from cryptoparty.core.database import atomic
from cryptoparty.core.errors import DomainError

ISSUER = "cryptoparty"
VALID_WINDOW = 1


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

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def code_is_valid(secret: str | None, code: str | None, now) -> bool:
    """Whether ``code`` is the current one-time code of ``secret`` at ``now`` (naive UTC)."""
    if not secret or not code:
        return False
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return False
    from datetime import timezone

    return pyotp.TOTP(secret).verify(code, for_time=now.replace(tzinfo=timezone.utc),
                                     valid_window=VALID_WINDOW)


def enable(organizer, secret: str, code: str, now) -> None:
    """Store ``secret`` as the organizer's second factor once ``code`` proves their app has it.

    The session token changes, so sessions opened with the password alone end.
    """
    if organizer.totp_secret:
        raise TwoFactorAlreadyEnabled()
    if not code_is_valid(secret, code, now):
        raise InvalidOneTimeCode()
    with atomic():
        organizer.totp_secret = secret
        organizer.session_token = secrets.token_hex(16)


def disable(organizer, code: str, now) -> None:
    """Remove the organizer's second factor; a current code is required."""
    if not organizer.totp_secret:
        raise TwoFactorNotEnabled()
    if not code_is_valid(organizer.totp_secret, code, now):
        raise InvalidOneTimeCode()
    with atomic():
        organizer.totp_secret = None


def check(organizer, code: str, now) -> None:
    """Raise ``InvalidOneTimeCode`` unless ``code`` is the organizer's current code."""
    if not code_is_valid(organizer.totp_secret, code, now):
        raise InvalidOneTimeCode()
