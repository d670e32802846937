"""Organizer accounts and organizations.

Passwords are hashed with Argon2id (memory-hard), through argon2-cffi, with
its default cost; hashes are upgraded at login when the parameters change.
"""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cryptoparty.accounts.models import Organization, Organizer, memberships
from cryptoparty.core.database import atomic
from cryptoparty.core.errors import DuplicateSlug, InvalidCredentials, WeakPassword
from cryptoparty.core.extensions import db

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# Verified against when the login is unknown, so both cases take the same time.
# Computed on the first login, not at import (an Argon2 hash takes a while).
_DUMMY_HASH: str | None = None


def configure_password_hashing(parameters: dict | None) -> None:
    """Use other Argon2 costs (``ARGON2_PARAMETERS``); None keeps argon2-cffi's defaults.

    Only the test suite lowers them, to keep hundreds of logins fast.
    """
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(**parameters) if parameters else PasswordHasher()
    _DUMMY_HASH = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
    return _DUMMY_HASH


def hash_password(password: str) -> str:
    """Argon2id hash of a password that meets the length rule."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(minimum=MIN_PASSWORD_LENGTH)
    return _hasher.hash(password)


def create_organization(slug, name, *, city="", address="", website="",
                        default_locale="fr", timezone="Europe/Paris") -> Organization:
    """Create a library or collective."""
    with atomic():
        if db.session.scalar(db.select(Organization.id).filter_by(slug=slug)):
            raise DuplicateSlug(slug=slug)
        organization = Organization(slug=slug, name=name, city=city, address=address,
                                    website=website, default_locale=default_locale,
                                    timezone=timezone)
        db.session.add(organization)
    return organization


def create_organizer(login, password, *, display_name="", organizations=(),
                     is_admin=False) -> Organizer:
    """Create a staff account, owner of the given organizations (an instance admin if asked)."""
    password_hash = hash_password(password)
    with atomic():
        if db.session.scalar(db.select(Organizer.id).filter_by(login=login)):
            raise DuplicateSlug(slug=login)
        organizer = Organizer(login=login, display_name=display_name or login,
                              password_hash=password_hash, is_admin=bool(is_admin),
                              session_token=secrets.token_hex(16))
        organizer.organizations.extend(organizations)
        db.session.add(organizer)
    return organizer


def add_member(organization: Organization, organizer: Organizer, role: str = "owner") -> None:
    """Make an organizer a member of an organization, with a role (owner by default)."""
    with atomic():
        if not organizer.is_member_of(organization):
            db.session.execute(memberships.insert().values(
                organizer_id=organizer.id, organization_id=organization.id, role=str(role)))
    db.session.expire(organizer, ["organizations"])


def verify_password(organizer: Organizer, password: str | None) -> None:
    """Raise ``InvalidCredentials`` unless ``password`` is the organizer's (a confirmation)."""
    try:
        _hasher.verify(organizer.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials() from None


def authenticate(login: str, password: str) -> Organizer:
    """The organizer with this login and password, or ``InvalidCredentials``."""
    dummy = _dummy_hash()  # made by the first login, known or not, so both take the same time
    organizer = db.session.scalar(db.select(Organizer).filter_by(login=login))
    try:
        _hasher.verify(organizer.password_hash if organizer else dummy, password)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials() from None
    if organizer is None:
        raise InvalidCredentials()
    if _hasher.check_needs_rehash(organizer.password_hash):
        with atomic():
            organizer.password_hash = _hasher.hash(password)
    return organizer


def set_password(organizer: Organizer, password: str) -> None:
    """Change the password and end every other session of the account."""
    password_hash = hash_password(password)
    with atomic():
        organizer.password_hash = password_hash
        organizer.session_token = secrets.token_hex(16)
