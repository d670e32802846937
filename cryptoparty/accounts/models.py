"""Organizations (libraries, collectives) and the organizers who run them."""


from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table

from cryptoparty.core import clock
from cryptoparty.core.extensions import db

memberships = Table(
    "memberships",
    db.metadata,
    Column("organizer_id", ForeignKey("organizers.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"),
           primary_key=True),
)


class Organization(db.Model):
    """A library or collective that organizes events."""

    __tablename__ = "organizations"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(64), unique=True, nullable=False)
    name = db.Column(db.String(200), nullable=False)
    address = db.Column(db.String(300), nullable=False, default="")
    city = db.Column(db.String(100), nullable=False, default="")
    website = db.Column(db.String(300), nullable=False, default="")
    default_locale = db.Column(db.String(5), nullable=False, default="fr")
    timezone = db.Column(db.String(64), nullable=False, default="Europe/Paris")
    key_fingerprint = db.Column(db.String(40), nullable=True)
    # Origins (https://host[:port]) allowed to show its embeds in a frame, one per line.
    embed_origins = db.Column(db.Text, nullable=False, default="", server_default="")

    members = db.relationship("Organizer", secondary=memberships, back_populates="organizations")
    events = db.relationship("Event", back_populates="organization",
                             order_by="Event.starts_at")

    @property
    def embed_origin_list(self) -> list[str]:
        """The origins allowed to frame its embeds."""
        return [o for o in (self.embed_origins or "").split() if o]

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
    locale = db.Column(db.String(5), nullable=True)
    # Changes when the password changes, so that old sessions stop working.
    session_token = db.Column(db.String(64), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=clock.now)

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
