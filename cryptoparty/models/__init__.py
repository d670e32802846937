"""SQLAlchemy models, one module per part of the domain.

Importing this package registers every table on ``db.metadata``, which
Alembic's autogenerate and the test fixtures rely on.
"""

from cryptoparty.models.organizations import Organization, Organizer, memberships  # noqa: F401
from cryptoparty.models.events import Event, EventSession, Workshop  # noqa: F401
from cryptoparty.models.tickets import EventFigures, Ticket, TicketChoice  # noqa: F401
from cryptoparty.models.feedback import Feedback  # noqa: F401
from cryptoparty.models.recipes import OrganizationRecipe  # noqa: F401
from cryptoparty.models.volunteers import Claim, Proposal, Volunteer  # noqa: F401
from cryptoparty.models.announcements import Announcement, OrganizationKey  # noqa: F401
from cryptoparty.federation.models import (  # noqa: F401,E402
    FederationActor, FederationDelivery, FederationFollower,
)
