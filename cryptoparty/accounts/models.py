"""Organizations (libraries, collectives), the staff who run them, their roles and audit trail."""

from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, String, Table, text

from cryptoparty.core import clock
from cryptoparty.core.extensions import db


class Role(StrEnum):
    """What a member of an organization may do there (see ``accounts.roles``)."""

    OWNER = "owner"
    ORGANIZER = "organizer"
    DOOR = "door"
    BOARD = "board"


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


memberships = Table(
    "memberships",
    db.metadata,
    Column("organizer_id", ForeignKey("organizers.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"),
           primary_key=True),
    # Existing memberships (and those made by `flask create-organizer`) are owners.
    Column("role", String(16), nullable=False, default=Role.OWNER.value,
           server_default=Role.OWNER.value),
    # Whether an organizer (not an owner: owners always may) may read volunteers' contacts.
    Column("can_read_contacts", Boolean, nullable=False, default=False,
           server_default=text("false")),
    CheckConstraint(_in("role", Role), name="membership_role_known"),
)


class Organization(db.Model):
    """A library or collective that organizes events."""

    __tablename__ = "organizations"
    __table_args__ = (
        db.CheckConstraint("default_retention_days >= 0", name="default_retention_positive"),
        db.CheckConstraint("audit_retention_days >= 1", name="audit_retention_positive"),
    )

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(64), unique=True, nullable=False)
    name = db.Column(db.String(200), nullable=False)
    address = db.Column(db.String(300), nullable=False, default="")
    city = db.Column(db.String(100), nullable=False, default="")
    website = db.Column(db.String(300), nullable=False, default="")
    default_locale = db.Column(db.String(5), nullable=False, default="fr")
    timezone = db.Column(db.String(64), nullable=False, default="Europe/Paris")
    key_fingerprint = db.Column(db.String(40), nullable=True)
    # The contacts key: volunteers' contacts are encrypted to it. Only its public part
    # is on the server; its secret part stays with the people who read contacts.
    contacts_key_fingerprint = db.Column(db.String(40), nullable=True)
    # Settings an owner changes in the back office (issue 16).
    default_retention_days = db.Column(db.Integer, nullable=False, default=7, server_default="7")
    contact_email = db.Column(db.String(254), nullable=False, default="", server_default="")
    logo = db.Column(db.LargeBinary, nullable=True)
    logo_type = db.Column(db.String(32), nullable=True)
    color_primary = db.Column(db.String(7), nullable=True)
    color_background = db.Column(db.String(7), nullable=True)
    # Bare https:// origins allowed to embed the organization's pages, one per line.
    embed_origins = db.Column(db.Text, nullable=False, default="", server_default="")
    audit_retention_days = db.Column(db.Integer, nullable=False, default=365,
                                     server_default="365")

    members = db.relationship("Organizer", secondary=memberships, back_populates="organizations")
    events = db.relationship("Event", back_populates="organization",
                             order_by="Event.starts_at")

    @property
    def allowed_embed_origins(self) -> list[str]:
        """The origins allowed to embed its pages, as a list."""
        return [line for line in (self.embed_origins or "").split() if line]

    def __repr__(self):
        return f"<Organization {self.slug}>"


class Organizer(UserMixin, db.Model):
    """A staff account: the only kind of account that holds a password."""

    __tablename__ = "organizers"

    id = db.Column(db.Integer, primary_key=True)
    login = db.Column(db.String(64), unique=True, nullable=False)
    display_name = db.Column(db.String(100), nullable=False, default="")
    password_hash = db.Column(String(200), nullable=False)
    totp_secret = db.Column(db.String(64), nullable=True)
    # The time step (Unix time // 30) of the last one-time code accepted: a code is
    # good once, even when two workers receive it at the same moment.
    totp_last_step = db.Column(db.BigInteger, nullable=True)
    locale = db.Column(db.String(5), nullable=True)
    # Changes when the password changes, so that old sessions stop working.
    session_token = db.Column(db.String(64), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=clock.now)
    # An instance administrator creates organizations and their first owner's invitation.
    is_admin = db.Column(db.Boolean, nullable=False, default=False, server_default=text("false"))

    organizations = db.relationship("Organization", secondary=memberships,
                                    back_populates="members", order_by="Organization.name")

    def get_id(self):
        """Flask-Login identity: the id and the session token together."""
        return f"{self.id}:{self.session_token}"

    def is_member_of(self, organization) -> bool:
        """Whether this organizer belongs to the organization."""
        return any(o.id == organization.id for o in self.organizations)

    def __repr__(self):
        return f"<Organizer {self.login}>"


class InvitationPurpose(StrEnum):
    """A one-time link makes a new account, or sets a new password on an existing one."""

    INVITE = "invite"
    RESET = "reset"


class StaffInvitation(db.Model):
    """A one-time link handed over in person: only its keyed hash is stored."""

    __tablename__ = "staff_invitations"
    __table_args__ = (
        db.CheckConstraint(_in("role", Role), name="invitation_role_known"),
        db.CheckConstraint(_in("purpose", InvitationPurpose), name="invitation_purpose_known"),
        db.CheckConstraint("expires_at > created_at", name="invitation_expires_after"),
    )

    id = db.Column(db.Integer, primary_key=True)
    token_hash = db.Column(db.String(64), unique=True, nullable=False)
    purpose = db.Column(db.String(16), nullable=False)
    organization_id = db.Column(db.ForeignKey("organizations.id", ondelete="CASCADE"),
                                nullable=False)
    role = db.Column(db.String(16), nullable=False)
    can_read_contacts = db.Column(db.Boolean, nullable=False, default=False)
    # For a reset: the account whose password the link sets.
    organizer_id = db.Column(db.ForeignKey("organizers.id", ondelete="CASCADE"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False)
    expires_at = db.Column(db.DateTime, nullable=False)
    used_at = db.Column(db.DateTime, nullable=True)

    organization = db.relationship("Organization")
    organizer = db.relationship("Organizer")


class AuditAction(StrEnum):
    """The sensitive staff actions the audit trail records."""

    PUBLISHED = "published"
    CANCELLED = "cancelled"
    CONTACT_READ = "contact_read"
    FIGURES_EXPORTED = "figures_exported"
    KEYS_CHANGED = "keys_changed"
    INVITED = "invited"
    ROLE_CHANGED = "role_changed"
    REMOVED = "removed"
    RESET = "reset"
    SETTINGS_CHANGED = "settings_changed"


class AuditEntry(db.Model):
    """Who (a staff login) did what, when (to the minute), on which object; nobody else's data."""

    __tablename__ = "audit_entries"
    __table_args__ = (db.CheckConstraint(_in("action", AuditAction), name="audit_action_known"),)

    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(db.ForeignKey("organizations.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    actor_login = db.Column(db.String(64), nullable=False)
    action = db.Column(db.String(32), nullable=False)
    # What the action was on: an event's slug, a staff login, a key's fingerprint.
    object_label = db.Column(db.String(200), nullable=False, default="")
    at = db.Column(db.DateTime, nullable=False, index=True)
