"""An organization's own workshop recipes, beside the shipped catalogue.

``data`` holds the recipe as ``validate_recipe`` accepted it (the raw TOML
tables, as JSON); ``source`` keeps the TOML text the organizer wrote, with its
comments, so that editing it again shows what they typed.
"""

from cryptoparty.core import clock
from cryptoparty.core.extensions import db


class OrganizationRecipe(db.Model):
    """A recipe that belongs to one organization; its key is unique within it."""

    __tablename__ = "organization_recipes"
    __table_args__ = (
        db.UniqueConstraint("organization_id", "key", name="uq_organization_recipes_org_key"),
    )

    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(db.ForeignKey("organizations.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    key = db.Column(db.String(80), nullable=False)
    data = db.Column(db.JSON, nullable=False)
    source = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=clock.now)
    updated_at = db.Column(db.DateTime, nullable=False, default=clock.now)

    organization = db.relationship("Organization")

    def __repr__(self):
        return f"<OrganizationRecipe {self.key}>"
