"""Anonymous feedback on an event or one of its workshops.

Feedback is never linked to a ticket or to anyone: it holds the day it was
given (no finer), what the person chose to write, and two flags the organizers
set: ``hidden`` (left out of every page and of the report) and ``quoted``
(chosen to be quoted in the report).
"""

from cryptoparty.core.extensions import db

FEEDBACK_KINDS = ("feedback", "note")
MAX_USEFUL = 1000
MAX_MISSING = 1000
MAX_COMMENT = 2000
MAX_NOTE = 280


class Feedback(db.Model):
    """One person's rating and comments, or one post-it note of a Café vie privée."""

    __tablename__ = "feedback"
    __table_args__ = (
        db.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)",
                           name="rating_range"),
        db.Index("ix_feedback_event_kind", "event_id", "kind"),
    )

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("events.id", ondelete="CASCADE"), nullable=False)
    workshop_id = db.Column(db.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=True,
                            index=True)
    kind = db.Column(db.String(20), nullable=False, default="feedback")
    rating = db.Column(db.Integer, nullable=True)
    useful = db.Column(db.String(MAX_USEFUL), nullable=False, default="")
    missing = db.Column(db.String(MAX_MISSING), nullable=False, default="")
    comment = db.Column(db.String(MAX_COMMENT), nullable=False, default="")
    hidden = db.Column(db.Boolean, nullable=False, default=False)
    quoted = db.Column(db.Boolean, nullable=False, default=False)
    # The day only: a finer time could help link feedback to a person at the door.
    created_on = db.Column(db.Date, nullable=False)

    event = db.relationship("Event")
    workshop = db.relationship("Workshop")

    @property
    def quote_text(self) -> str:
        """The text quoted in the report: the comment, else what was useful, else missing."""
        return self.comment or self.useful or self.missing

    @property
    def has_text(self) -> bool:
        """Whether the person wrote anything (as opposed to a bare rating)."""
        return bool(self.comment or self.useful or self.missing)

    def __repr__(self):
        return f"<Feedback {self.id} {self.kind}>"
