"""Staff accounts made from the back office, without e-mail: invitations, roles, resets, removal.

An owner creates an invitation for a role and gets a one-time link, valid
7 days, shown once (with a QR code) to hand over in person; only the keyed hash
of its token is stored. The colleague opens it and chooses a login and a
password, and may set up a second factor (TOTP) at once. A reset is the same
kind of link for an existing account: the old password and every session die
when it is made, and again when it is used.
An organization always keeps at least one owner: the membership rows of the
organization are locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
write transactions are serialised by ``BEGIN IMMEDIATE``) before the count of
owners is checked, so two owners editing at once end in one consistent state.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from cryptoparty.accounts import audit, two_factor
from cryptoparty.accounts.models import (
    AuditAction,
    InvitationPurpose,
    Organization,
    Organizer,
    Role,
    StaffInvitation,
    memberships,
)
from cryptoparty.accounts.services import hash_password
from cryptoparty.core.database import atomic
from cryptoparty.core.errors import DomainError, DuplicateSlug, Forbidden, NotFound
from cryptoparty.core.extensions import db
from cryptoparty.core.security import keyed_hash

INVITATION_LIFETIME = timedelta(days=7)
TOKEN_BYTES = 24
_PURPOSE = b"staff-invitation"
LOGIN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


class InvalidInvitation(DomainError):
    status = 404
    message = _l("This link is not valid: it was already used, it has expired, or it was "
                 "never made. Ask an owner of the organization for a new one.")


class LastOwner(DomainError):
    status = 409
    message = _l("An organization always keeps at least one owner: make someone else owner "
                 "first.")


class StaffNotFound(NotFound):
    message = _l("There is no such staff account in this organization.")


class InvalidLogin(DomainError):
    message = _l("A login has 3 to 64 characters: lowercase letters, digits, dots, dashes or "
                 "underscores.")


class UnknownRole(DomainError):
    message = _l("Choose one of the roles.")


@dataclass
class IssuedLink:
    """A one-time link's token (shown once, never stored) and its record."""

    token: str
    invitation: StaffInvitation


def token_hash(token: str) -> str:
    """The keyed hash under which an invitation's token is stored."""
    return keyed_hash(_PURPOSE, token)


def _role(role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise UnknownRole() from None


def _issue(organization: Organization, purpose: InvitationPurpose, role: Role, now: datetime, *,
           organizer: Organizer | None = None, can_read_contacts: bool = False) -> IssuedLink:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = StaffInvitation(token_hash=token_hash(token), purpose=purpose.value,
                                 organization_id=organization.id, role=role.value,
                                 can_read_contacts=can_read_contacts,
                                 organizer_id=organizer.id if organizer else None,
                                 created_at=now, expires_at=now + INVITATION_LIFETIME)
    db.session.add(invitation)
    return IssuedLink(token=token, invitation=invitation)


def invite(actor: Organizer, organization: Organization, role, now: datetime, *,
           can_read_contacts: bool = False) -> IssuedLink:
    """A one-time link for a new colleague with ``role``; recorded in the audit trail."""
    role = _role(role)
    with atomic():
        issued = _issue(organization, InvitationPurpose.INVITE, role, now,
                        can_read_contacts=can_read_contacts and role is Role.ORGANIZER)
        audit.record(actor, organization, AuditAction.INVITED, role.value, now)
    return issued


def invite_first_owner(organization: Organization, now: datetime) -> IssuedLink:
    """The instance administrator's invitation of an organization's first owner."""
    with atomic():
        return _issue(organization, InvitationPurpose.INVITE, Role.OWNER, now)


def find_invitation(token: str, now: datetime) -> StaffInvitation:
    """The unused, unexpired invitation of this token, or ``InvalidInvitation``."""
    if not token or len(token) > 100:
        raise InvalidInvitation()
    invitation = db.session.scalar(select(StaffInvitation).filter_by(
        token_hash=token_hash(token)))
    if invitation is None or invitation.used_at is not None or now >= invitation.expires_at:
        raise InvalidInvitation()
    return invitation


def _use(invitation: StaffInvitation, now: datetime) -> None:
    # Conditional: of two uses of the same link at once, only one changes anything.
    result = db.session.execute(
        update(StaffInvitation)
        .where(StaffInvitation.id == invitation.id, StaffInvitation.used_at.is_(None),
               StaffInvitation.expires_at > now)
        .values(used_at=now))
    if result.rowcount != 1:
        raise InvalidInvitation()


def _check_login(login: str) -> str:
    login = (login or "").strip().lower()
    if not 3 <= len(login) <= 64 or not set(login) <= LOGIN_CHARS:
        raise InvalidLogin()
    return login


def accept(token: str, now: datetime, *, login: str = "", password: str,
           display_name: str = "", totp_secret: str | None = None,
           totp_code: str | None = None) -> Organizer:
    """Use a link: a new account (invitation) or a new password (reset). Once only.

    With ``totp_code`` (optional), the account gets ``totp_secret`` as its second
    factor, once the code proves the colleague's app holds it; a wrong code raises
    ``two_factor.InvalidOneTimeCode`` and the link stays unused. Without it, the
    account has no second factor (a reset removes the old one).
    """
    invitation = find_invitation(token, now)
    step = None
    if totp_code:
        step = two_factor.matching_step(totp_secret, totp_code, now)
        if step is None:
            raise two_factor.InvalidOneTimeCode()
    password_hash = hash_password(password)
    with atomic():
        _use(invitation, now)
        if invitation.purpose == InvitationPurpose.RESET:
            organizer = invitation.organizer
            if organizer is None:
                raise InvalidInvitation()
            organizer.password_hash = password_hash
            organizer.totp_secret = totp_secret if step is not None else None
            organizer.totp_last_step = step
            organizer.session_token = secrets.token_hex(16)
            return organizer
        login = _check_login(login)
        if db.session.scalar(select(Organizer.id).filter_by(login=login)):
            raise DuplicateSlug(slug=login)
        organizer = Organizer(login=login, display_name=(display_name or login)[:100],
                              password_hash=password_hash, created_at=now,
                              session_token=secrets.token_hex(16),
                              totp_secret=totp_secret if step is not None else None,
                              totp_last_step=step)
        db.session.add(organizer)
        db.session.flush()
        db.session.execute(memberships.insert().values(
            organizer_id=organizer.id, organization_id=invitation.organization_id,
            role=invitation.role, can_read_contacts=invitation.can_read_contacts))
    db.session.expire(organizer, ["organizations"])
    return organizer


@dataclass
class StaffMember:
    organizer: Organizer
    role: Role
    can_read_contacts: bool


def staff_of(organization: Organization) -> list[StaffMember]:
    """The organization's staff, by login."""
    rows = db.session.execute(
        select(Organizer, memberships.c.role, memberships.c.can_read_contacts)
        .join(memberships, memberships.c.organizer_id == Organizer.id)
        .where(memberships.c.organization_id == organization.id)
        .order_by(Organizer.login))
    return [StaffMember(row[0], Role(row[1]), bool(row[2])) for row in rows]


def pending_invitations(organization: Organization, now: datetime) -> list[StaffInvitation]:
    """Links not used yet and not expired (shown without their token, which is not stored)."""
    return list(db.session.scalars(
        select(StaffInvitation)
        .where(StaffInvitation.organization_id == organization.id,
               StaffInvitation.used_at.is_(None), StaffInvitation.expires_at > now)
        .order_by(StaffInvitation.created_at)))


def _lock_members(organization: Organization) -> dict[int, str]:
    """Lock the organization's membership rows for this transaction; role by organizer id."""
    rows = db.session.execute(
        select(memberships.c.organizer_id, memberships.c.role)
        .where(memberships.c.organization_id == organization.id)
        .with_for_update())
    return {row.organizer_id: row.role for row in rows}


def _member(organization: Organization, organizer_id: int) -> Organizer:
    organizer = db.session.get(Organizer, organizer_id)
    if organizer is None:
        raise StaffNotFound()
    return organizer


def _owners_left(members: dict[int, str], without: int) -> int:
    return sum(1 for oid, role in members.items() if role == Role.OWNER and oid != without)


def change_role(actor: Organizer, organization: Organization, organizer_id: int, role, now,
                *, can_read_contacts: bool = False) -> Role:
    """Give a member another role (and, for an organizer, the contacts permission or not)."""
    role = _role(role)
    with atomic():
        members = _lock_members(organization)
        if organizer_id not in members:
            raise StaffNotFound()
        if members[organizer_id] == Role.OWNER and role is not Role.OWNER \
                and not _owners_left(members, organizer_id):
            raise LastOwner()
        db.session.execute(
            update(memberships)
            .where(memberships.c.organization_id == organization.id,
                   memberships.c.organizer_id == organizer_id)
            .values(role=role.value,
                    can_read_contacts=bool(can_read_contacts and role is Role.ORGANIZER)))
        target = _member(organization, organizer_id)
        audit.record(actor, organization, AuditAction.ROLE_CHANGED,
                     f"{target.login} → {role.value}", now)
    return role


def reset(actor: Organizer, organization: Organization, organizer_id: int, now) -> IssuedLink:
    """A new one-time link for a member; the old password and every session die now."""
    with atomic():
        members = _lock_members(organization)
        if organizer_id not in members:
            raise StaffNotFound()
        target = _member(organization, organizer_id)
        if target.id == actor.id:
            raise Forbidden()
        # Nobody can log in with the old password any more, and open sessions end.
        target.password_hash = "!reset"
        target.session_token = secrets.token_hex(16)
        issued = _issue(organization, InvitationPurpose.RESET, Role(members[organizer_id]),
                        now, organizer=target)
        audit.record(actor, organization, AuditAction.RESET, target.login, now)
    return issued


def remove(actor: Organizer, organization: Organization, organizer_id: int, now) -> None:
    """Remove a member; an account left in no organization is deleted. Sessions die at once."""
    with atomic():
        members = _lock_members(organization)
        if organizer_id not in members:
            raise StaffNotFound()
        if members[organizer_id] == Role.OWNER and not _owners_left(members, organizer_id):
            raise LastOwner()
        target = _member(organization, organizer_id)
        login = target.login
        db.session.execute(delete(memberships).where(
            memberships.c.organization_id == organization.id,
            memberships.c.organizer_id == organizer_id))
        db.session.execute(delete(StaffInvitation).where(
            StaffInvitation.organizer_id == organizer_id,
            StaffInvitation.organization_id == organization.id))
        others = db.session.scalar(select(func.count()).select_from(memberships).where(
            memberships.c.organizer_id == organizer_id))
        if others or target.is_admin:
            target.session_token = secrets.token_hex(16)
        else:
            db.session.delete(target)
        audit.record(actor, organization, AuditAction.REMOVED, login, now)
    db.session.expire_all()


def revoke_invitation(organization: Organization, invitation_id: int, now) -> None:
    """Withdraw an unused link."""
    with atomic():
        db.session.execute(update(StaffInvitation).where(
            StaffInvitation.id == invitation_id,
            StaffInvitation.organization_id == organization.id,
            StaffInvitation.used_at.is_(None)).values(used_at=now))
