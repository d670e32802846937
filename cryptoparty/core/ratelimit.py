"""The few places where the application must look at who is asking.

The client address is needed for one thing only: rate limiting. It is turned
into a keyed hash at once and the hash is what Flask-Limiter keys on, in
memory or in Redis with a TTL. The key rotates every day, so yesterday's hashes
cannot be linked to today's, and nothing here is ever written to a file.

Redis unreachable while ``REDIS_URL`` is set (core/config.py): Flask-Limiter logs
one warning and counts in this process's memory instead, so pages and
registration keep working under the same limits per process; it asks Redis
again after 1, 2, 4... 32 seconds and goes back to the shared counters once
Redis answers (tests/registration/test_faults.py).
"""

import hashlib
import hmac
from datetime import datetime, timezone

from flask import current_app, request


def daily_key(secret: str | bytes, day: str) -> bytes:
    """Derive the rate-limit key of a given day (YYYY-MM-DD) from the app secret."""
    if isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(secret, b"rate-limit:" + day.encode(), hashlib.sha256).digest()


def client_fingerprint() -> str:
    """Keyed hash of the client address, valid for today only."""
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    key = daily_key(current_app.config["SECRET_KEY"], day)
    address = (request.remote_addr or "").encode()
    return hmac.new(key, address, hashlib.sha256).hexdigest()[:32]
