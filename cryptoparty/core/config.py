"""Default configuration.

Overridden, in this order, by ``instance/config.py`` and by environment
variables ``CRYPTOPARTY_<KEY>`` (values parsed as JSON where possible, so
``CRYPTOPARTY_RATELIMIT_ENABLED=false`` is a boolean). ``DATABASE_URL`` and
``REDIS_URL`` are read as well, as hosting platforms set them.
"""

# Overridden by instance/config.py; create_app generates one there on first run.
SECRET_KEY = None

# Filled in by create_app: sqlite:///<repo>/instance/cryptoparty.sqlite3
SQLALCHEMY_DATABASE_URI = None
# hide_parameters: a database error's message never carries the values of its
# statement (a pseudonym, a key, a comment), so no log line can repeat them.
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}

# Register Flask-Migrate's `flask db` commands (they load Alembic); gunicorn.conf.py
# turns this off in the web workers, which never migrate.
MIGRATIONS_CLI = True
BABEL_DEFAULT_LOCALE = "fr"
BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
LANGUAGES = ("fr", "en")

# The session holds an organizer's login, and for anyone a form's CSRF token and
# flash messages: nothing about the person. Pages without a form set no cookie.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The session cookie lasts until the browser closes, and its signature is
# refused after this many seconds whatever the browser does.
PERMANENT_SESSION_LIFETIME = 8 * 3600

# Served over HTTPS (directly, or behind a proxy that sets X-Forwarded-Proto)?
# Then the session cookie is Secure and named "__Host-session" (Path=/, no
# Domain: the browser will not let another host or path set it). Plain HTTP
# (development, or an onion service) cannot use that prefix, so it is off by
# default; set CRYPTOPARTY_HTTPS=true in production.
HTTPS = False
# Reverse proxies in front of gunicorn whose X-Forwarded-* headers are trusted
# (client address for rate limits, scheme for HSTS); 0 when exposed directly.
PROXY_HOPS = 0
# The .onion host name of the same platform (Tor onion service); when set, an
# Onion-Location header tells Tor Browser about it. E.g. "abc...xyz.onion".
ONION_ADDRESS = None
# Our Referrer-Policy is no-referrer, so browsers send no Referer to compare
# with the host: the CSRF token (and SameSite=Lax) are the protection.
WTF_CSRF_SSL_STRICT = False
REMEMBER_COOKIE_DURATION = 0
WTF_CSRF_TIME_LIMIT = 8 * 3600

# Rate limits (Flask-Limiter). Storage is memory unless REDIS_URL is set.
RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = False
# Redis unreachable (REDIS_URL set): keep serving on per-process limits, with one
# warning in the log, and go back to the shared limits when Redis answers again.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
RATELIMIT_SWALLOW_ERRORS = True
# A Redis that drops packets instead of refusing them would otherwise hold each
# request until the kernel gives up: two seconds, then the per-process limits.
RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
# Per client (keyed hash of the address): registrations, and ticket-code misses
# (see registration/codes.py for why 300 guesses an hour make guessing hopeless).
RATELIMIT_REGISTRATION = "20/minute;200/hour"
RATELIMIT_CODE_LOOKUP = "30/minute;300/hour"

# How long a write waits for another process's lock on SQLite before the request
# is answered 503 with Retry-After (nothing written).
SQLITE_BUSY_TIMEOUT_MS = 30000

# Domain limits that forms and services share.
MAX_WORKSHOP_CAPACITY = 10_000
MAX_PARTY_SIZE = 20

# The public base URL, e.g. "https://cryptoparty.example.org": every absolute link
# (posters, kits, announcements, feeds, QR codes, the API) starts with it. None: the
# address each request came to, and http://127.0.0.1:5000 for commands (core/urls.py).
PUBLIC_URL = None

# OpenPGP (issue 4). The keyring lives in instance/gnupg unless GNUPG_HOME says
# otherwise; GNUPG_PASSPHRASE (env CRYPTOPARTY_GNUPG_PASSPHRASE) unlocks the
# organizations' secret keys, None for keys without a passphrase.
GNUPG_PASSPHRASE = None
# gpg-agent's passphrase-hashing work factor; None keeps GnuPG's default (tests lower it).
GNUPG_S2K_COUNT = None
# The domain whose addresses the Web Key Directory's direct method answers for
# (/.well-known/openpgpkey/hu/...); None: the host the request came to.
WKD_DOMAIN = None

# The largest request body accepted (uploads of keys and signed texts): larger
# ones get a 413 error page before anything is read.
MAX_CONTENT_LENGTH = 1024 * 1024

# Argon2id costs for organizer passwords; None keeps argon2-cffi's defaults
# (memory-hard: 64 MiB, 3 passes). Only the test suite lowers them.
ARGON2_PARAMETERS = None
