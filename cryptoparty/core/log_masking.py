"""Log lines that never carry a ticket code or a volunteer's private token.

A ticket code or a volunteer token in a URL is a bearer secret: whoever reads
the access log could use it. ``mask_secrets`` replaces the path segment that
follows ``/tickets/`` or ``/volunteers/`` with ``…``; ``MaskSecretsFilter``
applies it to every log record of the application, of werkzeug's development
server and of gunicorn (``GunicornLogger``, named in ``gunicorn.conf.py``).
"""

import functools
import logging
import re
import traceback

MASK = "…"
# A secret-bearing prefix, then one path segment (up to /, ?, #, space or quote).
_SECRET_SEGMENT = re.compile(r"(/(?:tickets|volunteers)/)[^/?#\s\"']+")

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


def mask_secrets(text: str) -> str:
    """``/tickets/7KQ2-M9XD-...`` → ``/tickets/…`` (and the same for ``/volunteers/``)."""
    return _SECRET_SEGMENT.sub(r"\1" + MASK, text)


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
        try:
            # Merge the arguments first: "/tickets/%s" only becomes a secret once filled in.
            message = record.getMessage()
        except (TypeError, ValueError):
            message = None
        if message is not None:
            masked = mask_addresses(mask_secrets(message))
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

    return GunicornLogger


def __getattr__(name):
    # gunicorn is imported only by the server that asks for its logger class.
    if name == "GunicornLogger":
        return _gunicorn_logger_class()
    raise AttributeError(name)
