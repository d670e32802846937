"""Static files as browsers get them (issue 19).

Every ``url_for('static', ...)`` carries ``?v=<hash of the bytes served>``, and a URL
that carries it is cached for a year: a changed file gets a new URL. A stylesheet is
served minified (rcssmin); the repository keeps its readable source, and WeasyPrint
(kits, reports, the printed record) reads that source from disk, never this copy.
"""

import hashlib
import io
import os
from typing import NamedTuple

from flask import current_app, request, send_file
from werkzeug.security import safe_join

STATIC_MAX_AGE = 365 * 24 * 3600


class Served(NamedTuple):
    changed: int        # the source's st_mtime_ns: a newer file is read again
    version: str        # the first 10 hex digits of the served bytes' SHA-256
    body: bytes | None  # what is sent when it differs from the file (a minified stylesheet)


_served: dict[str, Served] = {}


def init_app(app):
    """Version the static URLs, cache versioned ones for a year, minify stylesheets."""
    app.url_defaults(_static_version)
    app.get_send_file_max_age = lambda filename, _default=app.get_send_file_max_age: (
        STATIC_MAX_AGE if request.args.get("v") else _default(filename))
    app.view_functions["static"] = _send_static


def served(path: str) -> Served | None:
    """What the static route sends for a file, or None when there is no such file."""
    try:
        changed = os.stat(path).st_mtime_ns
    except (OSError, TypeError):
        return None
    known = _served.get(path)
    if known is None or known.changed != changed:
        with open(path, "rb") as file:
            data = file.read()
        body = minify_css(data) if path.endswith(".css") else None
        version = hashlib.sha256(body if body is not None else data).hexdigest()[:10]
        known = Served(changed, version, body)
        _served[path] = known
    return known


def minify_css(source: bytes) -> bytes:
    """A stylesheet without its comments and spaces: the same rules, fewer bytes."""
    import rcssmin  # only a worker that serves a stylesheet loads it

    return rcssmin.cssmin(source.decode("utf-8")).encode("utf-8")


def _static_version(endpoint, values):
    if endpoint != "static" or "v" in values or not values.get("filename"):
        return
    known = served(safe_join(current_app.static_folder, values["filename"]))
    if known is not None:
        values["v"] = known.version


def _send_static(filename):
    path = safe_join(current_app.static_folder, filename)
    known = served(path) if path and os.path.isfile(path) else None
    if known is None or known.body is None:
        return current_app.send_static_file(filename)
    return send_file(io.BytesIO(known.body), mimetype="text/css", etag=known.version,
                     last_modified=known.changed / 1e9, conditional=True,
                     max_age=current_app.get_send_file_max_age(filename))
