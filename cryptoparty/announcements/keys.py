"""An organization's OpenPGP signing key: generate, import, register, rotate, revoke.

Every operation runs gpg first (through the given ``Keyring``, which validates
in a throwaway home before touching the real one) and records the result in the
database afterwards, in one transaction. A refused key raises an
``OpenPGPError`` (see ``services.openpgp``) and writes nothing.

Rotation: generating, importing or registering a key while the organization
already has one makes the new key current; the old one stays in the keyring
and in ``organization_keys`` as a previous key, still published, so that the
announcements it signed keep verifying. Revocation marks a key revoked; its
public key, which then carries the revocation signature, is published too, so
that people who imported it learn it is revoked.

What is published (``/orgs/<slug>/key.asc`` and the Web Key Directory): every key
of the organization, the current one first, then the previous ones and the
revoked ones, newest first. GnuPG imports them all and signs or verifies with
the one that is valid.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cryptoparty.accounts.models import Organization
from cryptoparty.announcements.models import OrganizationKey
from cryptoparty.core.database import atomic
from cryptoparty.core.errors import DomainError, NotFound
from cryptoparty.core.extensions import db
from cryptoparty.gpg import keyring as openpgp

DEFAULT_LOCAL_PART = "annonces"


class KeyAlreadyExists(DomainError):
    status = 409
    message = _l("The organization already has a signing key. Generating another one replaces "
                 "it (rotation): confirm that you want to.")


class NoKey(DomainError):
    status = 409
    message = _l("The organization has no signing key yet. Generate or import one first.")


class UnknownKey(NotFound):
    message = _l("This key does not belong to the organization.")


class KeyAlreadyRevoked(DomainError):
    status = 409
    message = _l("This key is already revoked.")


def keys_of(organization: Organization) -> list[OrganizationKey]:
    """The organization's keys: the current one first, then the others, newest first."""
    keys = db.session.scalars(select(OrganizationKey).filter_by(organization_id=organization.id)
                              .order_by(OrganizationKey.created_at.desc(),
                                        OrganizationKey.id.desc()))
    return sorted(keys, key=lambda k: not k.is_current)


def current_key(organization: Organization) -> OrganizationKey | None:
    """The key the organization signs with now, or None."""
    return db.session.scalar(select(OrganizationKey).filter_by(
        organization_id=organization.id, is_current=True))


def key_of(organization: Organization, fingerprint: str) -> OrganizationKey:
    """One of the organization's keys, by fingerprint, or ``UnknownKey``."""
    try:
        fpr = openpgp.normalize_fingerprint(fingerprint)
    except openpgp.InvalidFingerprint:
        raise UnknownKey() from None
    key = db.session.scalar(select(OrganizationKey).filter_by(
        organization_id=organization.id, fingerprint=fpr))
    if key is None:
        raise UnknownKey()
    return key


def default_email(public_url: str) -> str:
    """``annonces@<the site's domain>``, or ``annonces@example.org`` for a local address."""
    from urllib.parse import urlsplit

    host = (urlsplit(public_url).hostname or "").lower()
    if "." not in host or host.replace(".", "").isdigit():
        host = "example.org"
    return f"{DEFAULT_LOCAL_PART}@{host}"


def _install(organization: Organization, keyring: openpgp.Keyring, fpr: str, *,
             has_secret: bool, now: datetime) -> OrganizationKey:
    """Record ``fpr`` as the organization's current key, the previous one kept."""
    info = keyring.key_info(fpr)
    with atomic():
        for key in db.session.scalars(select(OrganizationKey).filter_by(
                organization_id=organization.id, is_current=True)):
            key.is_current = False
        key = db.session.scalar(select(OrganizationKey).filter_by(
            organization_id=organization.id, fingerprint=fpr))
        if key is None:
            key = OrganizationKey(organization_id=organization.id, fingerprint=fpr)
            db.session.add(key)
        key.user_id = (info.uids[0] if info.uids else "")[:300]
        key.created_at = info.created.replace(tzinfo=None) if info.created else now
        key.revoked_at = None
        key.is_current = True
        key.has_secret = has_secret
        organization.key_fingerprint = fpr
        db.session.flush()
    return key


class ContactsKeyHasSecret(DomainError):
    message = _l("This keyring holds the secret part of that key: a contacts key's secret must "
                 "never be on the server. Register a key made on your own computer.")


def register_contacts_key(organization: Organization, keyring: openpgp.Keyring,
                          armored) -> str:
    """Register the public part of the organization's contacts key; return its fingerprint.

    Volunteers' contacts are then encrypted to it. A secret part in the upload is
    refused, and so is a key whose secret part this keyring already holds (the
    signing key, say): whoever can read the server must not read the contacts.
    """
    fpr = keyring.import_encryption_key(armored)
    if keyring.holds_secret_key(fpr):
        raise ContactsKeyHasSecret()
    with atomic():
        organization.contacts_key_fingerprint = fpr
    return fpr


def generate_contacts_key(organization: Organization, keyring: openpgp.Keyring, *, name: str,
                          email: str) -> tuple[str, str]:
    """Generate a contacts key and register its public part; return (fpr, armored secret key).

    The pair is made in a throwaway GnuPG home that is deleted before this
    returns: the secret key exists only in the value returned, which the view
    hands over once as a download and keeps nowhere.
    """
    fpr, secret = keyring.generate_key_to_hand_over(name, email)
    with atomic():
        organization.contacts_key_fingerprint = fpr
    return fpr, secret


def generate_key(organization: Organization, keyring: openpgp.Keyring, *, name: str,
                 email: str, now: datetime, passphrase: str | None = None,
                 rotate: bool = False) -> OrganizationKey:
    """Generate an Ed25519 key for the organization and make it current.

    With a current key already there, ``rotate`` must be true (``KeyAlreadyExists``
    otherwise): the old key is kept as a previous key.
    """
    if current_key(organization) is not None and not rotate:
        raise KeyAlreadyExists()
    fpr = keyring.generate_key(name, email, passphrase=passphrase)
    return _install(organization, keyring, fpr, has_secret=True, now=now)


def import_secret_key(organization: Organization, keyring: openpgp.Keyring, armored,
                      *, now: datetime, passphrase: str | None = None) -> OrganizationKey:
    """Import an armored secret key (checked: one key, able to sign with ``passphrase``)."""
    fpr = keyring.import_secret_key(armored, passphrase=passphrase)
    return _install(organization, keyring, fpr, has_secret=True, now=now)


def register_public_key(organization: Organization, keyring: openpgp.Keyring, armored,
                        *, now: datetime) -> OrganizationKey:
    """Register only the public key: the organization signs offline and uploads the result."""
    fpr = keyring.import_public_key(armored)
    return _install(organization, keyring, fpr, has_secret=False, now=now)


def revoke_key(organization: Organization, keyring: openpgp.Keyring, fingerprint: str, *,
               now: datetime, reason: str = "unspecified", description: str = "",
               passphrase: str | None = None) -> OrganizationKey:
    """Revoke one of the organization's keys; if it was current, the organization has none."""
    key = key_of(organization, fingerprint)
    if key.revoked_at is not None:
        raise KeyAlreadyRevoked()
    keyring.revoke_key(key.fingerprint, passphrase=passphrase, reason=reason,
                       description=description)
    with atomic():
        key.revoked_at = now
        if key.is_current:
            key.is_current = False
            organization.key_fingerprint = None
    return key


def import_revocation(organization: Organization, keyring: openpgp.Keyring, fingerprint: str,
                      armored, *, now: datetime) -> OrganizationKey:
    """Record a revocation made offline (a certificate, or the revoked public key)."""
    key = key_of(organization, fingerprint)
    if key.revoked_at is not None:
        raise KeyAlreadyRevoked()
    keyring.import_revocation(key.fingerprint, armored)
    with atomic():
        key.revoked_at = now
        if key.is_current:
            key.is_current = False
            organization.key_fingerprint = None
    return key


def published_keys(organization: Organization) -> list[OrganizationKey]:
    """The keys published for the organization, in the order they are served."""
    return keys_of(organization)


def public_key_block(organization: Organization, keyring: openpgp.Keyring) -> str:
    """The armored public keys of the organization (see the module doc), or ``NoKey``."""
    blocks = []
    for key in published_keys(organization):
        try:
            blocks.append(keyring.export_public_key(key.fingerprint))
        except openpgp.KeyNotFound:
            continue  # the keyring lost it (restored from an old backup?): skip, do not fail
    if not blocks:
        raise NoKey()
    return "".join(block if block.endswith("\n") else block + "\n" for block in blocks)


def wkd_keys(keyring: openpgp.Keyring, domain: str, hashed_local_part: str) -> bytes | None:
    """The binary keys the Web Key Directory serves for ``<local>@<domain>``, or None.

    Every organization key whose address is on ``domain`` and whose local part
    hashes to ``hashed_local_part`` (z-base-32 of SHA-1, see ``openpgp.wkd_hash``),
    current keys first; each exported with only that address's user ID.
    """
    domain = domain.lower().rstrip(".")
    found = []
    for key in db.session.scalars(select(OrganizationKey).order_by(
            OrganizationKey.is_current.desc(), OrganizationKey.created_at.desc())):
        local, _, key_domain = key.email.rpartition("@")
        if key_domain == domain and local and openpgp.wkd_hash(local) == hashed_local_part:
            try:
                found.append(keyring.export_public_key_binary(key.fingerprint, email=key.email))
            except openpgp.KeyNotFound:
                continue
    return b"".join(found) or None
