"""Federation tables: the actor of each organization, its followers, the delivery queue.

No column holds a follower's actor id: a follow is stored as the inbox that
delivery needs (the server's shared inbox when it has one) and a keyed hash
(HMAC-SHA256) of the actor id, enough to find the row again on ``Undo``.
"""


from cryptoparty.core import clock
from cryptoparty.core.extensions import db


class FederationActor(db.Model):
    """An organization's ActivityPub actor: its switch and its RSA key pair."""

    __tablename__ = "federation_actors"

    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(db.ForeignKey("organizations.id", ondelete="CASCADE"),
                                unique=True, nullable=False)
    federation_enabled = db.Column(db.Boolean, nullable=False, default=False)
    public_key_pem = db.Column(db.Text, nullable=True)
    # The PKCS#8 private key, encrypted (Fernet) with a key derived from SECRET_KEY.
    private_key_encrypted = db.Column(db.Text, nullable=True)
    # Deliveries given up after three days of retries.
    deliveries_dropped = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime, nullable=False, default=clock.now)

    organization = db.relationship("Organization")

    def __repr__(self):
        return f"<FederationActor {self.organization_id}>"


class FederationFollower(db.Model):
    """One follow: where to deliver, and a keyed hash of who follows."""

    __tablename__ = "federation_followers"
    __table_args__ = (
        db.UniqueConstraint("actor_id", "follower_hash", name="uq_federation_followers_hash"),
    )

    id = db.Column(db.Integer, primary_key=True)
    actor_id = db.Column(db.ForeignKey("federation_actors.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    follower_hash = db.Column(db.String(64), nullable=False)
    inbox_url = db.Column(db.String(500), nullable=False)
    # The day of the follow, no finer.
    created_on = db.Column(db.Date, nullable=False)


class FederationDelivery(db.Model):
    """A queued delivery of one activity to one inbox, retried with backoff."""

    __tablename__ = "federation_deliveries"

    id = db.Column(db.Integer, primary_key=True)
    actor_id = db.Column(db.ForeignKey("federation_actors.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    inbox_url = db.Column(db.String(500), nullable=False)
    # The activity as sent (JSON), or, for an event's Create/Update/Delete, empty
    # until the worker renders it from the event at delivery time.
    activity = db.Column(db.Text, nullable=True)
    activity_type = db.Column(db.String(20), nullable=False)
    activity_uuid = db.Column(db.String(36), nullable=False)
    event_id = db.Column(db.ForeignKey("events.id", ondelete="CASCADE"), nullable=True,
                         index=True)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(db.DateTime, nullable=False, index=True)
    created_at = db.Column(db.DateTime, nullable=False)
    last_status = db.Column(db.Integer, nullable=True)
