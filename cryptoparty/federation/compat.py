"""The one place where federation imports the rest of the application.

After the reshape into areas these become ``cryptoparty.core.extensions``,
``cryptoparty.core.database``, ``cryptoparty.accounts.models``,
``cryptoparty.events.models`` and ``cryptoparty.core.errors``.
"""

from cryptoparty.database import atomic  # noqa: F401
from cryptoparty.extensions import csrf, db, limiter  # noqa: F401
from cryptoparty.models import Announcement, Event, Organization  # noqa: F401
from cryptoparty.services.announcements import SIGNED_CHANNEL  # noqa: F401
from cryptoparty.services.errors import DomainError, NotFound  # noqa: F401
from cryptoparty.views import utcnow  # noqa: F401  (the views clock; honours FIXED_NOW)
