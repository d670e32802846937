"""The one clock of the application: naive UTC, frozen by ``FIXED_NOW``.

Views and commands read it once per request or command and hand ``now`` to the
services, which never read the wall clock themselves (docs/development.md).
"""

from datetime import datetime, timezone

from flask import current_app, has_app_context


def now() -> datetime:
    """Naive UTC now; ``FIXED_NOW`` in the configuration freezes it (tests, demos)."""
    if has_app_context():
        fixed = current_app.config.get("FIXED_NOW")
        if fixed is not None:
            return fixed
    return datetime.now(timezone.utc).replace(tzinfo=None)
