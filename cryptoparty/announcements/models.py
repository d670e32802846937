"""An organization's OpenPGP keys and the announcements of its events.

The keys themselves live in the GnuPG home (``services.openpgp``); these rows
say which key belongs to which organization, which one is current, and which
were rotated out or revoked. ``Organization.key_fingerprint`` mirrors the
current key, so that other parts of the app need not know about this table.
"""

from cryptoparty.core import clock
from cryptoparty.core.extensions import db

CHANNELS = ("full", "mastodon", "microblog", "newsletter", "html")
#: The longest text each channel accepts, in characters (Mastodon and microblogs
#: count a link as 23 characters; counting it in full is stricter, never wrong).
CHANNEL_LIMITS = {"full": 20_000, "mastodon": 500, "microblog": 280, "newsletter": 20_000,
                  "html": 40_000}


class OrganizationKey(db.Model):
    """One OpenPGP key of an organization: current, rotated out, or revoked."""

    __tablename__ = "organization_keys"
    __table_args__ = (
        db.UniqueConstraint("organization_id", "fingerprint", name="uq_organization_keys_fpr"),
    )

    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(db.ForeignKey("organizations.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    fingerprint = db.Column(db.String(64), nullable=False)
    user_id = db.Column(db.String(300), nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=clock.now)
    revoked_at = db.Column(db.DateTime, nullable=True)
    is_current = db.Column(db.Boolean, nullable=False, default=False)
    # False when the organization signs offline: only its public key is here.
    has_secret = db.Column(db.Boolean, nullable=False, default=True)

    organization = db.relationship("Organization")

    @property
    def email(self) -> str:
        """The address of the key's user ID ("" if none)."""
        start, end = self.user_id.rfind("<"), self.user_id.rfind(">")
        return self.user_id[start + 1:end].strip().lower() if 0 <= start < end else ""

    @property
    def status(self) -> str:
        """``current``, ``revoked`` or ``previous``."""
        if self.revoked_at is not None:
            return "revoked"
        return "current" if self.is_current else "previous"

    def __repr__(self):
        return f"<OrganizationKey {self.fingerprint}>"


class Announcement(db.Model):
    """The text of an event's announcement for one channel, and its signature.

    ``body`` is the editable draft; ``event_digest`` is the digest of the
    event's public data it was drafted from. Signing copies the body into
    ``signed_text`` (the clearsigned block) and the draft's digest into
    ``signed_digest``: when the event's digest no longer matches it, the signed
    announcement is stale.
    """

    __tablename__ = "announcements"
    __table_args__ = (
        db.UniqueConstraint("event_id", "channel", name="uq_announcements_event_channel"),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("events.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    channel = db.Column(db.String(20), nullable=False)
    body = db.Column(db.Text, nullable=False, default="")
    event_digest = db.Column(db.String(64), nullable=False, default="")
    edited = db.Column(db.Boolean, nullable=False, default=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=clock.now)
    signed_text = db.Column(db.Text, nullable=True)
    fingerprint = db.Column(db.String(64), nullable=True)
    signed_at = db.Column(db.DateTime, nullable=True)
    signed_digest = db.Column(db.String(64), nullable=True)

    event = db.relationship("Event")

    @property
    def limit(self) -> int:
        """The longest text this channel accepts."""
        return CHANNEL_LIMITS[self.channel]

    @property
    def is_signed(self) -> bool:
        """Whether a signed text is published."""
        return bool(self.signed_text)

    def __repr__(self):
        return f"<Announcement {self.channel} of event {self.event_id}>"
