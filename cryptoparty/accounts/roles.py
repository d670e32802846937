"""Roles and permissions: the ONE authorization function of the back office.

Every back-office view of every area asks :func:`require` (directly, through a
service such as ``events.services.get_event_for``, or through the view decorator
``accounts.guard.permission_required``), and the authorization matrix test
(tests/privacy/test_authorization_matrix.py) holds it to the table below.

- owner: everything, including staff, keys, organization settings and the audit trail;
- organizer: events, sessions, workshops, volunteers, announcements, kits, feedback,
  figures, the door, the record of processing; volunteers' contacts only if an owner
  chose so;
- door: the check-in page and the door list of the events of the day, nothing else;
- board: figures, reports and the record of processing, read-only.

Someone who is not a member of the organization gets a "not found" (the
organization's objects do not exist for them); a member whose role does not hold
the permission gets ``Forbidden`` (403).
"""

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cryptoparty.accounts.models import Organization, Organizer, Role, memberships
from cryptoparty.core.errors import Forbidden, NotFound
from cryptoparty.core.extensions import db
from cryptoparty.core.i18n import to_local_naive


class Permission(StrEnum):
    STAFF = "staff"                # invite, change roles, reset, remove; the audit trail
    KEYS = "keys"                  # the organization's OpenPGP keys
    SETTINGS = "settings"          # name, logo, colours, retention, embedding origins
    EVENTS = "events"              # events, sessions, workshops, volunteers, announcements,
    #                                kits, catalogue, feedback moderation
    FIGURES = "figures"            # figures, CSV, report
    CHECK_IN = "check_in"          # check-in page, door list, walk-ins, checking a ticket in
    RECORD = "record"              # the record of processing
    CONTACTS = "contacts"          # reading a volunteer's contact


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ORGANIZER: frozenset({Permission.EVENTS, Permission.FIGURES, Permission.CHECK_IN,
                               Permission.RECORD}),
    Role.DOOR: frozenset({Permission.CHECK_IN}),
    Role.BOARD: frozenset({Permission.FIGURES, Permission.RECORD}),
}


ROLE_LABELS = {
    Role.OWNER: _l("Owner"),
    Role.ORGANIZER: _l("Organizer"),
    Role.DOOR: _l("Door"),
    Role.BOARD: _l("Board (read-only)"),
}
ROLE_DESCRIPTIONS = {
    Role.OWNER: _l("Everything, including staff, keys and the organization's settings."),
    Role.ORGANIZER: _l("Events, sessions, workshops, volunteers, announcements, kits, "
                       "feedback and figures."),
    Role.DOOR: _l("The check-in page and the door list of the events of the day, nothing "
                  "else."),
    Role.BOARD: _l("Figures, reports and the record of processing, read-only."),
}


class NotEventDay(Forbidden):
    """A door account only reaches the door of the events of the day."""

    message = _l("A door account reaches the door of an event on the event's day only.")


def membership(organizer: Organizer, organization: Organization):
    """The (role, can_read_contacts) of the organizer in the organization, or None."""
    if organizer is None or organization is None or not getattr(organizer, "id", None):
        return None
    row = db.session.execute(
        select(memberships.c.role, memberships.c.can_read_contacts)
        .where(memberships.c.organizer_id == organizer.id,
               memberships.c.organization_id == organization.id)).first()
    return (Role(row.role), bool(row.can_read_contacts)) if row else None


def role_of(organizer: Organizer, organization: Organization) -> Role | None:
    """The organizer's role in the organization, or None if not a member."""
    found = membership(organizer, organization)
    return found[0] if found else None


def holds(role: Role, permission: Permission, can_read_contacts: bool = False) -> bool:
    """Whether a role holds a permission (the table above, plus the contacts choice)."""
    if permission is Permission.CONTACTS and role is Role.ORGANIZER:
        return can_read_contacts
    return permission in ROLE_PERMISSIONS[role]


def is_event_day(event, now: datetime) -> bool:
    """Whether ``now`` falls on a day of the event, in the event's time zone."""
    today = to_local_naive(now, event.timezone).date()
    first = to_local_naive(event.starts_at, event.timezone).date()
    last = to_local_naive(event.ends_at, event.timezone).date()
    return first <= today <= last


def require(organizer: Organizer, organization: Organization, permission: Permission, *,
            event=None, now: datetime | None = None, not_found=NotFound) -> Role:
    """The organizer's role if it holds ``permission`` in ``organization``; raise otherwise.

    Not a member: ``not_found`` (404). A member without the permission: ``Forbidden``
    (403). A door account asking for the door of ``event``: only on the event's day(s)
    (``now`` is then required).
    """
    found = membership(organizer, organization)
    if found is None:
        raise not_found()
    role, can_read_contacts = found
    if not holds(role, permission, can_read_contacts):
        raise Forbidden()
    if role is Role.DOOR and permission is Permission.CHECK_IN:
        if event is None or now is None or not is_event_day(event, now):
            raise NotEventDay()
    return role


def allows(organizer: Organizer, organization: Organization, permission: Permission, **kwargs
           ) -> bool:
    """Whether :func:`require` would let the organizer through."""
    try:
        require(organizer, organization, permission, **kwargs)
    except (NotFound, Forbidden):
        return False
    return True


def organizations_with(organizer: Organizer, permission: Permission) -> list[Organization]:
    """The organizer's organizations in which they hold ``permission``."""
    found = []
    for organization in organizer.organizations:
        member = membership(organizer, organization)
        if member and holds(member[0], permission, member[1]):
            found.append(organization)
    return found


def roles_of(organizer: Organizer) -> dict[int, Role]:
    """The organizer's role in each of their organizations, by organization id."""
    rows = db.session.execute(select(memberships.c.organization_id, memberships.c.role)
                              .where(memberships.c.organizer_id == organizer.id))
    return {row.organization_id: Role(row.role) for row in rows}
