"""Volunteers (facilitators), their claims on workshops and their workshop proposals.

A volunteer exists for one event only, under a pseudonym. Their contact is
stored only as an OpenPGP message encrypted to the organization's key; their
private link is stored only as a hash. See ``services.volunteers`` for the rules.
"""

from enum import StrEnum

from cryptoparty.core.database import one_of
from cryptoparty.core.extensions import db
from cryptoparty.events.models import WorkshopFormat, WorkshopLevel


class ClaimStatus(StrEnum):
    """A volunteer's claim on a workshop: proposed by them, then answered."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


# The claims that hold their workshop.
ACTIVE_CLAIM_STATUSES = (ClaimStatus.PROPOSED, ClaimStatus.CONFIRMED)


class ProposalStatus(StrEnum):
    """A workshop a volunteer proposes: accepted becomes a workshop of the program."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

MIN_PROPOSAL_MINUTES = 5
MAX_PROPOSAL_MINUTES = 480


class Volunteer(db.Model):
    """A facilitator of one event, known by a pseudonym and a private link."""

    __tablename__ = "volunteers"
    __table_args__ = (
        db.UniqueConstraint("event_id", "pseudonym", name="uq_volunteers_event_pseudonym"),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("events.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    pseudonym = db.Column(db.String(60), nullable=False)
    # Codes from services.volunteers.SKILLS, comma-separated, then free text.
    skills = db.Column(db.String(300), nullable=False, default="")
    other_skills = db.Column(db.String(200), nullable=False, default="")
    # An armored OpenPGP message to the organization's key; never the plain text.
    contact_ciphertext = db.Column(db.Text, nullable=True)
    contact_fingerprint = db.Column(db.String(64), nullable=True)
    # The volunteer's own public key (armored), already validated.
    public_key = db.Column(db.Text, nullable=True)
    public_key_fingerprint = db.Column(db.String(64), nullable=True)
    token_hash = db.Column(db.String(64), unique=True, nullable=False)
    # The day only, like tickets.
    created_on = db.Column(db.Date, nullable=False)

    event = db.relationship("Event")
    claims = db.relationship("Claim", back_populates="volunteer", cascade="all, delete-orphan",
                             order_by="Claim.id")
    proposals = db.relationship("Proposal", back_populates="volunteer",
                                cascade="all, delete-orphan", order_by="Proposal.id")

    @property
    def skill_codes(self) -> list[str]:
        """The skills ticked from the fixed list."""
        return [s for s in self.skills.split(",") if s]

    @property
    def active_claims(self):
        """Claims that hold a workshop (proposed or confirmed)."""
        return [c for c in self.claims if c.is_active]

    def __repr__(self):
        return f"<Volunteer {self.pseudonym}>"


class Claim(db.Model):
    """A volunteer on a workshop: proposed by them, then confirmed or declined.

    ``active_session_id`` is the workshop's session while the claim is active
    and NULL otherwise: the unique constraint on it keeps a volunteer to one
    workshop per session, even under concurrent requests (NULLs never collide).
    """

    __tablename__ = "claims"
    __table_args__ = (
        db.UniqueConstraint("volunteer_id", "active_session_id",
                            name="uq_claims_volunteer_active_session"),
        one_of("status", ClaimStatus, name="status_known"),
    )

    id = db.Column(db.Integer, primary_key=True)
    volunteer_id = db.Column(db.ForeignKey("volunteers.id", ondelete="CASCADE"), nullable=False,
                             index=True)
    workshop_id = db.Column(db.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False,
                            index=True)
    active_session_id = db.Column(db.ForeignKey("event_sessions.id", ondelete="CASCADE"),
                                  nullable=True)
    status = db.Column(db.String(20), nullable=False, default=ClaimStatus.PROPOSED)
    created_on = db.Column(db.Date, nullable=False)

    volunteer = db.relationship("Volunteer", back_populates="claims")
    workshop = db.relationship("Workshop", backref=db.backref("facilitator_claims",
                                                              order_by="Claim.id",
                                                              viewonly=True))

    @property
    def is_active(self) -> bool:
        """Whether the claim holds its workshop."""
        return self.status in ACTIVE_CLAIM_STATUSES

    def __repr__(self):
        return f"<Claim {self.volunteer_id}→{self.workshop_id} {self.status}>"


class Proposal(db.Model):
    """A workshop a volunteer offers to run; the organizer may turn it into a workshop."""

    __tablename__ = "proposals"
    __table_args__ = (
        db.CheckConstraint(f"duration_minutes >= {MIN_PROPOSAL_MINUTES} AND "
                           f"duration_minutes <= {MAX_PROPOSAL_MINUTES}",
                           name="duration_in_range"),
        one_of("format", WorkshopFormat, name="format_known"),
        one_of("level", WorkshopLevel, name="level_known"),
        one_of("status", ProposalStatus, name="status_known"),
    )

    id = db.Column(db.Integer, primary_key=True)
    volunteer_id = db.Column(db.ForeignKey("volunteers.id", ondelete="CASCADE"), nullable=False,
                             index=True)
    event_id = db.Column(db.ForeignKey("events.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    title = db.Column(db.String(200), nullable=False)
    summary = db.Column(db.Text, nullable=False, default="")
    format = db.Column(db.String(20), nullable=False, default=WorkshopFormat.WORKSHOP)
    duration_minutes = db.Column(db.Integer, nullable=False)
    level = db.Column(db.String(20), nullable=False, default=WorkshopLevel.BEGINNER)
    needs = db.Column(db.Text, nullable=False, default="")
    status = db.Column(db.String(20), nullable=False, default=ProposalStatus.PROPOSED)
    workshop_id = db.Column(db.ForeignKey("workshops.id", ondelete="SET NULL"), nullable=True)
    created_on = db.Column(db.Date, nullable=False)

    volunteer = db.relationship("Volunteer", back_populates="proposals")
    workshop = db.relationship("Workshop")

    def __repr__(self):
        return f"<Proposal {self.title}>"
