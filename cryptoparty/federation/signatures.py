"""HTTP Signatures (draft-cavage-http-signatures, rsa-sha256) as Mastodon uses them.

The signing string, the RSA operations and the Digest come from ``bovine``'s
crypto helpers (``HttpSignature``, ``CryptographicSecret``,
``CryptographicIdentifier``, ``validate_digest``); keys are made and stored
with ``cryptography``. Nothing here talks to Flask or the network: the caller
hands in the headers, the body, ``now`` and a function that finds keys.
``bovine`` (which brings aiohttp, pydantic and pyld) is imported by the functions
that sign or verify, not at import: a web worker that never federates stays lean
(issue 19, worker memory; ``tests/core/test_import_weight.py``).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:
    from bovine.crypto.signature import Signature
    from bovine.crypto.types import CryptographicIdentifier

MAX_CLOCK_SKEW = timedelta(hours=12)
REQUIRED_POST_FIELDS = ("(request-target)", "host", "date", "digest")


class SignatureError(Exception):
    """The request is unsigned, wrongly signed, stale or its digest does not match."""


# Keys ------------------------------------------------------------------------

def generate_key_pair() -> tuple[str, str]:
    """A new 2048-bit RSA key pair as (public PEM, private PKCS#8 PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return public_pem, private_pem


def _fernet(secret: str | bytes) -> Fernet:
    if isinstance(secret, str):
        secret = secret.encode()
    key = HKDF(algorithm=SHA256(), length=32, salt=None,
               info=b"cryptoparty federation private keys").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_private_key(private_pem: str, secret: str | bytes) -> str:
    """The private key encrypted at rest with a key derived from the app's secret."""
    return _fernet(secret).encrypt(private_pem.encode()).decode()


def decrypt_private_key(token: str, secret: str | bytes) -> str:
    """The private key PEM; ``SignatureError`` if the secret changed."""
    try:
        return _fernet(secret).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SignatureError("the private key cannot be decrypted with this secret") from error


# Signing ---------------------------------------------------------------------

def http_date(now: datetime) -> str:
    """``now`` (naive UTC) as an HTTP Date header."""
    return format_datetime(now.replace(tzinfo=timezone.utc), usegmt=True)


def sign_post(url: str, body: bytes, *, key_id: str, private_pem: str, now: datetime,
              content_type: str = "application/activity+json") -> dict:
    """Headers for a signed POST of ``body`` to ``url``: Host, Date, Digest, Signature."""
    from bovine.crypto.helper import content_digest_sha256
    from bovine.crypto.http_signature import HttpSignature
    from bovine.crypto.types import CryptographicSecret

    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    host = parts.netloc
    date = http_date(now)
    digest = content_digest_sha256(body, prefix="SHA-256")
    helper = (HttpSignature()
              .with_field("(request-target)", f"post {target}")
              .with_field("host", host)
              .with_field("date", date)
              .with_field("digest", digest))
    signature = helper.sign_for_http_draft(CryptographicSecret.from_pem(key_id, private_pem))
    return {"Host": host, "Date": date, "Digest": digest, "Content-Type": content_type,
            "Signature": signature}


def sign_get(url: str, *, key_id: str, private_pem: str, now: datetime) -> dict:
    """Headers for a signed GET (``(request-target) host date``), for servers that
    only answer signed fetches (Mastodon's authorized fetch, GoToSocial)."""
    from bovine.crypto.http_signature import HttpSignature
    from bovine.crypto.types import CryptographicSecret

    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    date = http_date(now)
    helper = (HttpSignature()
              .with_field("(request-target)", f"get {target}")
              .with_field("host", parts.netloc)
              .with_field("date", date))
    signature = helper.sign_for_http_draft(CryptographicSecret.from_pem(key_id, private_pem))
    return {"Host": parts.netloc, "Date": date, "Signature": signature}


# Verifying -------------------------------------------------------------------

@dataclass(frozen=True)
class RemoteKey:
    """A remote actor's public key, and where that actor's mail goes."""

    key_id: str
    owner: str
    public_pem: str
    inbox: str | None = None
    shared_inbox: str | None = None

    def identifier(self) -> CryptographicIdentifier:
        from bovine.crypto.types import CryptographicIdentifier

        public_key = serialization.load_pem_public_key(self.public_pem.encode())
        return CryptographicIdentifier(self.owner, public_key)


def parse_signature_header(value: str) -> Signature:
    """The parsed ``Signature`` header; ``SignatureError`` when it is not one."""
    from bovine.crypto.signature import Signature

    try:
        parsed = Signature.from_signature_header(value)
    except (KeyError, ValueError, IndexError) as error:
        raise SignatureError("malformed Signature header") from error
    if parsed.algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError("unsupported algorithm")
    return parsed


def verify_post(method: str, path: str, headers: dict, body: bytes, *, now: datetime,
                find_key) -> RemoteKey:
    """Check a signed request; return the key (and so its owner) that signed it.

    ``headers`` maps lower-case names to values. ``find_key(key_id, refresh)``
    returns a ``RemoteKey`` or None; it is asked again with ``refresh=True``
    once when the signature does not verify (the actor may have a new key).
    Raises ``SignatureError`` on any failure.
    """
    from bovine.crypto.digest import validate_digest
    from bovine.crypto.http_signature import HttpSignature

    if "signature" not in headers:
        raise SignatureError("unsigned request")
    parsed = parse_signature_header(headers["signature"])
    fields = parsed.fields
    for required in REQUIRED_POST_FIELDS:
        if required not in fields:
            raise SignatureError(f"the signature does not cover {required}")
    try:
        date = parsedate_to_datetime(headers["date"])
    except (KeyError, TypeError, ValueError) as error:
        raise SignatureError("missing or malformed Date") from error
    if date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    if abs(date - now.replace(tzinfo=timezone.utc)) > MAX_CLOCK_SKEW:
        raise SignatureError("stale or future Date")
    if not validate_digest({"digest": headers.get("digest", "")}, body):
        raise SignatureError("the Digest does not match the body")

    helper = HttpSignature()
    for name in fields:
        if name == "(request-target)":
            helper.with_field(name, f"{method.lower()} {path}")
        elif name in ("(created)", "(expires)"):
            helper.with_field(name, getattr(parsed, name.strip("()")))
        elif name in headers:
            helper.with_field(name, headers[name])
        else:
            raise SignatureError("a signed header is missing")

    for refresh in (False, True):
        key = find_key(parsed.key_id, refresh)
        if key is None:
            raise SignatureError("the signer's key cannot be fetched")
        if helper.verify_with_identity(key.identifier(), parsed.signature):
            return key
    raise SignatureError("the signature does not verify")


def keyed_hash(secret: str | bytes, value: str) -> str:
    """HMAC-SHA256 of ``value`` under a key derived from the app's secret (hex)."""
    import hmac

    if isinstance(secret, str):
        secret = secret.encode()
    key = hashlib.sha256(b"cryptoparty federation follower|" + secret).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
