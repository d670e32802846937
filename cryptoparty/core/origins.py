"""The one rule for the web origins allowed to embed an organization's pages.

Both places where an owner types them (the organization's settings and the
embed page of the back office) go through :func:`parse_origins`, and the
embeds put exactly its result in their ``Content-Security-Policy:
frame-ancestors``. The rule:

- **A bare origin**: a scheme, a host name and an optional port; no user name
  or password, no path (one trailing ``/`` is forgiven and dropped), no query,
  no fragment, no wildcard, nothing a CSP would read as a keyword or as the
  start of another directive (quotes, ``;``, spaces are separators).
- **https is required.** A host is a DNS name (letters, digits and dashes,
  at least two labels, the last one not all digits): no bare IP address.
- **The one exception is the visitor's own machine**: ``http://localhost`` and
  ``http://127.0.0.1`` (any port; https is accepted for them too). A browser
  treats them as a secure context and they are nobody else's site, so a
  library can try its website on a laptop before publishing it.
- **Normalised**: lowercase, the scheme's default port (443, 80) dropped,
  duplicates dropped, in the order typed; at most ``MAX_ORIGINS``.
"""

import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from cryptoparty.core.errors import DomainError

MAX_ORIGINS = 20
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
DEFAULT_PORTS = {"https": 443, "http": 80}
_DNS_NAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
                       r"[a-z][a-z0-9-]{0,61}[a-z0-9]$")
# What urlsplit would otherwise let through in a netloc: no CSP syntax, no escapes.
_ORIGIN_CHARS = re.compile(r"^[a-z0-9.:/\[\]-]+$")


class InvalidOrigin(DomainError):
    message = _l("“%(origin)s” is not a bare https:// origin (scheme, host and optional port, "
                 "no path), such as https://www.example.org; http:// is accepted only for "
                 "localhost and 127.0.0.1.")


class TooManyOrigins(DomainError):
    message = _l("At most %(maximum)d websites may show the embeds.")


def normalise_origin(typed: str) -> str:
    """The normalised origin of one typed value, or ``InvalidOrigin``."""
    text = (typed or "").strip().lower()
    if text.endswith("/") and text.count("/") == 3:
        text = text[:-1]
    if not _ORIGIN_CHARS.match(text):
        raise InvalidOrigin(origin=typed[:100])
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        raise InvalidOrigin(origin=typed[:100]) from None
    host = parts.hostname or ""
    loopback = host in LOOPBACK_HOSTS
    bare = (parts.scheme in ("https", "http") and text == f"{parts.scheme}://{parts.netloc}"
            and "@" not in parts.netloc and (loopback or _DNS_NAME.match(host))
            and (parts.scheme == "https" or loopback) and port != 0)
    if not bare:
        raise InvalidOrigin(origin=typed[:100])
    if port is None or port == DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def parse_origins(text: str) -> list[str]:
    """The origins typed one a line (or separated by spaces), checked and normalised."""
    origins = []
    for typed in (text or "").split():
        origin = normalise_origin(typed)
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise TooManyOrigins(maximum=MAX_ORIGINS)
    return origins
