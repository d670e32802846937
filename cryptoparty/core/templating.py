"""Jinja filters and globals shared by every template."""

import hashlib
import os

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from werkzeug.security import safe_join

from cryptoparty.core import i18n, validation
from cryptoparty.core.urls import public_url_for


def init_app(app):
    """Register filters and the template context."""
    # Whatever was stored before the input rules existed, no control character
    # reaches a page, a PDF or a text template (issue 14; validation.safe_output).
    app.jinja_env.finalize = validation.safe_output
    app.add_template_filter(i18n.local_datetime, "datetime")
    app.add_template_filter(i18n.local_date, "date")
    app.add_template_filter(i18n.local_time, "time")
    app.add_template_filter(i18n.local_range, "when")
    app.add_template_filter(event_spans_days, "spans_days")
    app.context_processor(_context)
    app.add_template_global(public_url_for, "public_url_for")
    app.add_template_global(page_url, "page_url")
    # Static files: ?v=<hash of the file> in every url_for('static', ...), and a year of
    # caching for a URL that carries it (a changed file gets a new URL). Issue 19.
    app.url_defaults(_static_version)
    app.get_send_file_max_age = lambda filename, _default=app.get_send_file_max_age: (
        STATIC_MAX_AGE if request.args.get("v") else _default(filename))


STATIC_MAX_AGE = 365 * 24 * 3600
_static_hashes: dict[str, tuple[int, str]] = {}


def _static_version(endpoint, values):
    if endpoint != "static" or "v" in values or not values.get("filename"):
        return
    path = safe_join(current_app.static_folder, values["filename"])
    try:
        changed = os.stat(path).st_mtime_ns
    except (OSError, TypeError):
        return
    known = _static_hashes.get(path)
    if known is None or known[0] != changed:
        with open(path, "rb") as file:
            known = (changed, hashlib.sha256(file.read()).hexdigest()[:10])
        _static_hashes[path] = known
    values["v"] = known[1]


def _switch_language_url(lang: str) -> str:
    if request.endpoint is None:
        return url_for("public.index", lang=lang)
    args = dict(request.view_args or {})
    args.update({k: v for k, v in request.args.items() if k != "lang"})
    args["lang"] = lang
    return url_for(request.endpoint, **args)


def page_url(number: int, param: str = "page") -> str:
    """This page's URL with ``?<param>=number`` (dropped for page 1), other arguments kept."""
    args = {k: v for k, v in request.args.items() if k != param}
    if number > 1:
        args[param] = number
    args.update(request.view_args or {})
    return url_for(request.endpoint, **args)


def webcal(url: str) -> str:
    """The same calendar address for apps that subscribe: ``webcal://host/...``."""
    return "webcal://" + url.split("://", 1)[-1]


def _context():
    return {"current_locale": str(get_locale()), "switch_language_url": _switch_language_url,
            "webcal": webcal}


def render_page(template: str, **context) -> str:
    """Render an HTML template of ``templates/`` with the app's filters (PDFs, fragments)."""
    return render_template(template, **context)


def render_text(template: str, **context) -> str:
    """Render a plain-text template: block tags leave no blank line (``trim_blocks``).

    The environment is made once per app; it shares the app's loader, filters and
    gettext.
    """
    env = current_app.extensions.get("text_jinja")
    if env is None:
        env = current_app.jinja_env.overlay(trim_blocks=True, lstrip_blocks=True)
        current_app.extensions["text_jinja"] = env
    return env.get_template(template).render(**context)


def event_spans_days(event) -> bool:
    """Whether an event runs over several local days (its sessions then show their date)."""
    def get(name):
        return event.get(name) if isinstance(event, dict) else getattr(event, name, None)
    return i18n.spans_several_days(get("starts_at"), get("ends_at"), get("timezone"))
