"""Guards at the edge of every request: URL integers, JSON bodies, values a database refuses.

- ``<int:...>`` in a route accepts only what fits a 64-bit column: a larger number
  is a 404 (no such page), never an ``OverflowError`` in the database driver; a text
  segment (``<slug>``) with a control character matches no route either.
- JSON bodies nested deeper than ``validation.MAX_JSON_DEPTH`` are refused as
  malformed (a 400 through ``request.get_json``), before Python's parser could
  exhaust its recursion.
- SQLite locked by another process beyond its busy timeout, or the connection to
  the database lost in the middle of a request (a PostgreSQL server restarted, a
  backend terminated): a 503 with ``Retry-After`` and a page that says to try
  again in a moment; the transaction is rolled back, nothing is written. A
  connection lost *between* requests is never seen: the pool tests each one
  before handing it out (``pool_pre_ping``, core/config.py; not on SQLite, a
  file with no server to lose) and replaces it.
- Whatever still slips through to the database (a value its driver or server
  refuses: a NUL on PostgreSQL, an integer beyond 64 bits) is rolled back and
  answered with a 400, never a 500: nothing was written.
"""

import logging

from flask.json.provider import DefaultJSONProvider
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.routing import IntegerConverter, UnicodeConverter

from cryptoparty.core import validation

log = logging.getLogger(__name__)
# Seconds after which a request refused because the database was busy may be retried.
BUSY_RETRY_AFTER = 5


class Int64Converter(IntegerConverter):
    """``<int:id>``, bounded to ``1..2**63 - 1`` unless the route says otherwise."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits,
                         min=validation.INT64_MIN if min is None and signed else min,
                         max=validation.INT64_MAX if max is None else max, signed=signed)


class TextConverter(UnicodeConverter):
    """``<slug>``, ``<code>``...: a path segment with a control character matches no route (404).

    No database is asked about a NUL (PostgreSQL refuses it), on any path.
    """

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]")


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing documents nested too deep as malformed (ValueError).

    What it writes (API answers, ``|tojson``, so JSON-LD) carries no control
    character but tab and line feed, whatever was stored (``validation.safe_output``).
    """

    def dumps(self, obj, **kwargs):
        return super().dumps(validation.safe_output(obj), **kwargs)

    def loads(self, s, **kwargs):
        return validation.load_json(s, **kwargs)


def init_app(app):
    """Install the converter (before any route is added), the JSON provider and the handler."""
    app.url_map.converters["int"] = Int64Converter
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter
    app.json_provider_class = BoundedJSONProvider
    app.json = BoundedJSONProvider(app)
    # Templates' |tojson (JSON-LD) too, even if the environment was made before.
    app.jinja_env.policies["json.dumps_function"] = app.json.dumps

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def value_refused_by_database(error):
        from cryptoparty.core.errors import render_error
        from cryptoparty.core.extensions import db

        db.session.rollback()
        log.warning("a value was refused by the database: %s", type(error).__name__)
        return render_error(400, str(validation.InvalidValue().describe()))

    @app.errorhandler(OperationalError)
    def database_busy_or_lost(error):
        from flask import current_app

        from cryptoparty.core.errors import render_error
        from cryptoparty.core.extensions import db

        db.session.rollback()
        if getattr(error, "connection_invalidated", False):
            # SQLAlchemy recognised a disconnection and dropped the connection:
            # the pool's next checkout gets a new one.
            log.warning("the connection to the database was lost mid-request: answered 503")
        elif "database is locked" in str(getattr(error, "orig", error)):
            log.warning("the database stayed locked beyond its busy timeout: answered 503")
        else:
            raise error
        body, status = render_error(503, str(validation.DatabaseBusy().describe()))
        response = current_app.make_response((body, status))
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response
