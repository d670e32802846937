"""Log lines that never carry a ticket code, a volunteer's private token or a staff link.

A ticket code or a volunteer token in a URL is a bearer secret: whoever reads
the access log could use it. The rule is the route's, not the code's shape:
in a path that leads (once percent-decoded and with repeated slashes merged, as
the router reads it) to ``/tickets/``, ``/volunteers/`` or ``/join/`` (a staff
invitation or reset), everything after that
prefix is masked up to the query (``?``), the fragment (``#``) or the end,
except a trailing segment that names one of those routes' pages (``/qr.svg``,
``/claims``...), which stays readable. A code typed with spaces, tabs, encoded
characters or after a double slash is masked whole.

``mask_path`` and ``mask_request_line`` apply the rule to the structured parts
of gunicorn's access log (``GunicornLogger.atoms``) and werkzeug's request
lines; ``mask_secrets`` applies it to free text, where a path ends at a quote,
`` HTTP/`` or the end of the line. ``MaskSecretsFilter`` puts both on every log
record of the application, of werkzeug's development server and of gunicorn
(``GunicornLogger``, named in ``gunicorn.conf.py``).
"""

import functools
import logging
import re
import traceback
from urllib.parse import unquote

MASK = "…"
# The routes whose next segment is a bearer secret (``<code>``, ``<token>`` in the
# URL map; tests/privacy/test_log_masking.py checks that the map agrees).
CAPABILITY_PREFIXES = ("tickets", "volunteers", "join")
# The pages under a capability URL, kept readable after the mask.
_ROUTE_SUFFIX = re.compile(
    r"/(?:cancel|change|checkin|party|qr\.svg|ticket\.ics|feed\.atom|claims(?:/\d+/withdraw)?"
    r"|proposals(?:/\d+/withdraw)?|workshops/\d+/kit\.pdf)$")
_PREFIXES = "|".join(CAPABILITY_PREFIXES)
_PREFIX_IN_PATH = re.compile(rf"/(?:{_PREFIXES})/")
# In free text: a prefix (slashes repeated or percent-encoded), then a secret that
# runs to ?, #, a quote, " HTTP/" or the line's end (an empty one, before a status
# code or " HTTP/", is left alone).
_SECRET_IN_TEXT = re.compile(
    rf"((?:/|%(?:25)*2F)+(?:{_PREFIXES})(?:/|%(?:25)*2F)+)"
    r"((?!\s*$|\s+\d{3}\b|\sHTTP/)[^?#\"'/\n][^?#\"'\n]*?)(?=\sHTTP/|[?#\"'\n]|$)",
    re.IGNORECASE)

# Query parameters whose value is a bearer secret: the ticket lookup form sends
# ``GET /tickets/?code=...`` (a browser's GET form), and a code or token typed
# into any other query is masked the same way. Matched on the name as the
# router reads it (percent-decoded, any case).
CAPABILITY_QUERY_PARAMETERS = ("code", "token", "ticket")
# In free text and in a query string: ?name=value, &name=value or ;name=value.
_PARAMETER_IN_TEXT = re.compile(r"(?<=[?&;])([^=&;#\s\"'?]{1,60})=([^&;#\s\"']*)")

# Loggers whose records may hold a request path.
MASKED_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "flask.app",
                  "sqlalchemy.engine", "sqlalchemy.pool", "gnupg", "cryptoparty")


# Client addresses, which servers put in their own messages (werkzeug's request
# line, gunicorn's "Invalid request from ip=..."): IPv4, and IPv6 written with
# "::" or with at least four groups (a time such as 12:30:45 has three).
_ADDRESS = re.compile(
    r"(?<![\w.:])(?:"
    r"(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\w)"  # IPv4, maybe followed by :port
    r"|(?:(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}"
    r"|(?:[0-9a-f]{1,4}:){1,7}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?"
    r"|::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*))(?!\w|[.:]\w)"
    r")", re.IGNORECASE)
ADDRESS_MASK = "[address]"

# gunicorn's "Invalid request from ip=...: Invalid HTTP Version: 'MN16 F8SQ HTTP/1.1'"
# quotes a piece of a request line it could not parse, which may be any part of a
# code typed with spaces: what it quotes is withheld.
_INVALID_REQUEST = re.compile(r"^(Invalid request from .*?: [^']*)'.*'", re.DOTALL)


def _masked_rest(rest: str) -> str:
    suffix = _ROUTE_SUFFIX.search(rest)
    return MASK + (suffix.group(0) if suffix and suffix.start() > 0 else "")


def _secret_in_text(match) -> str:
    return match.group(1) + _masked_rest(match.group(2))


def _is_capability_parameter(name: str) -> bool:
    return unquote(unquote(name.replace("+", " "))).strip().lower() \
        in CAPABILITY_QUERY_PARAMETERS


def _parameter_in_text(match) -> str:
    name, value = match.group(1), match.group(2)
    if value and _is_capability_parameter(name):
        return f"{name}={MASK}"
    return match.group(0)


def mask_query(query: str | None) -> str | None:
    """``code=7KQ2-M9XD-...&lang=fr`` → ``code=…&lang=fr`` (with or without its ``?``)."""
    if not query:
        return query
    if query.startswith("?"):
        return _PARAMETER_IN_TEXT.sub(_parameter_in_text, query)
    return _PARAMETER_IN_TEXT.sub(_parameter_in_text, "?" + query)[1:]


def mask_secrets(text: str) -> str:
    """``/tickets/7KQ2-M9XD-...`` → ``/tickets/…`` (and the same for ``/volunteers/``);
    ``?code=7KQ2-...`` → ``?code=…`` in any query."""
    return _PARAMETER_IN_TEXT.sub(_parameter_in_text,
                                  _SECRET_IN_TEXT.sub(_secret_in_text, text))


def _as_routed(path: str) -> str:
    """The path as the router reads it: percent-decoded (repeatedly), repeated slashes merged."""
    for _ in range(4):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    return re.sub(r"/{2,}", "/", path)


def mask_path(path: str | None) -> str | None:
    """A request path (no query) with everything after a capability prefix masked."""
    if not path:
        return path
    routed = _as_routed(path)
    match = _PREFIX_IN_PATH.search(routed)
    if match is None:
        return mask_secrets(path)
    rest = routed[match.end():]
    if not rest:
        return routed
    return routed[:match.end()] + _masked_rest(rest)


def mask_request_line(line: str | None) -> str | None:
    """``GET /tickets//7KQ2%20M9XD?x=1 HTTP/1.1`` → ``GET /tickets/…?x=1 HTTP/1.1``."""
    if not line:
        return line
    method, space, rest = line.partition(" ")
    if not space:
        return mask_secrets(line)
    version_at = rest.rfind(" HTTP/")
    target, version = (rest[:version_at], rest[version_at:]) if version_at >= 0 else (rest, "")
    cut = min((i for i in (target.find("?"), target.find("#")) if i >= 0), default=len(target))
    return f"{method} {mask_path(target[:cut])}{mask_query(target[cut:])}{version}"


def _exception_chain(error: BaseException):
    """The error, then its causes and contexts (each once), outermost first."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def error_name(error: BaseException) -> str:
    """``sqlalchemy.exc.IntegrityError``: the class of an error, never its message."""
    cls = type(error)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def safe_traceback(exc_info) -> str:
    """A traceback with its frames (file, line, function) and the errors' classes only.

    An exception's message may quote what a person typed (a database error
    repeats the value that broke a constraint, ``int()`` the text it could not
    read, gpg the user ID of a key), and so may the source line of a frame
    that is a template: neither is written. The frames are enough to find the
    bug; the values stay with the person who typed them.
    """
    _type, error, tb = exc_info
    if error is None:
        return ""
    lines = []
    for depth, link in enumerate(_exception_chain(error)):
        if depth:
            lines.append("  caused by:")
        lines.append("Traceback (most recent call last), values withheld:")
        frames = traceback.extract_tb(tb if depth == 0 else link.__traceback__)
        lines.extend(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}'
                     for frame in frames)
        lines.append(error_name(link))
    return "\n".join(lines)


def _mask_address(match) -> str:
    address = match.group(0)
    # The machine's own loopback (the dev server's "Running on", a local proxy) is no one's.
    if address.startswith("127.") or address == "::1":
        return address
    return ADDRESS_MASK


def mask_addresses(text: str) -> str:
    """``10.1.2.3 - - "GET /"`` → ``[address] - - "GET /"`` (IPv4 and IPv6; loopback kept)."""
    return _ADDRESS.sub(_mask_address, text)


class MaskSecretsFilter(logging.Filter):
    """A logging filter that masks secrets and client addresses in the message.

    A record that carries an exception keeps its traceback's frames and the
    exception's class, without the exception's message (``safe_traceback``).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = safe_traceback(record.exc_info)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = None
        if (record.name == "werkzeug" and isinstance(record.args, tuple) and record.args
                and isinstance(record.args[0], str) and '"%s"' in str(record.msg)):
            # The development server's request line: masked by its structure.
            record.args = (mask_request_line(record.args[0]), *record.args[1:])
        try:
            # Merge the arguments first: "/tickets/%s" only becomes a secret once filled in.
            message = record.getMessage()
        except (TypeError, ValueError):
            message = None
        if message is not None:
            masked = mask_addresses(mask_secrets(_INVALID_REQUEST.sub(r"\1'" + MASK + "'",
                                                                      message)))
            if masked != message:
                record.msg, record.args = masked, ()
        return True


_FILTER = MaskSecretsFilter()


def install(app=None):
    """Put the masking filter on the app's logger and the servers' loggers (idempotent)."""
    names = list(MASKED_LOGGERS)
    if app is not None:
        names.append(app.logger.name)
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    # Handlers already on the root logger see the records propagated from any
    # other logger (a service's own ``logging.getLogger(__name__)``, say).
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


@functools.cache
def _gunicorn_logger_class():
    from gunicorn.glogging import Logger

    class GunicornLogger(Logger):
        """gunicorn's logger with ticket codes and volunteer tokens masked."""

        def setup(self, cfg):
            super().setup(cfg)
            for logger in (self.access_log, self.error_log):
                if _FILTER not in logger.filters:
                    logger.addFilter(_FILTER)

        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            # The path and the request line, masked by their structure.
            atoms["U"] = mask_path(atoms.get("U"))
            atoms["r"] = mask_request_line(atoms.get("r"))
            atoms["q"] = mask_query(atoms.get("q"))
            for key in ("{raw_uri}e", "{path_info}e", "{request_uri}e"):
                if isinstance(atoms.get(key), str):
                    atoms[key] = mask_request_line("- " + atoms[key])[2:]
            return atoms

    return GunicornLogger


def __getattr__(name):
    # gunicorn is imported only by the server that asks for its logger class.
    if name == "GunicornLogger":
        return _gunicorn_logger_class()
    raise AttributeError(name)
