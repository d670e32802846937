"""Jinja filters and globals shared by every template."""

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from cryptoparty.core import i18n, static_files, validation
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
    app.add_template_filter(jsonld, "jsonld")
    app.context_processor(_context)
    app.add_template_global(public_url_for, "public_url_for")
    app.add_template_global(page_url, "page_url")
    static_files.init_app(app)


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


def jsonld(data) -> Markup:
    """JSON for a ``<script type="application/ld+json">``: compact, UTF-8 as is (issue 19).

    The app's JSON provider, as ``|tojson``: no control character whatever was stored
    (``validation.safe_output``). Jinja's ``htmlsafe_json_dumps`` escapes ``<``, ``>``,
    ``&`` and ``'``, so that a description holding ``</script>`` cannot close the script.
    """
    return htmlsafe_json_dumps(data, dumps=current_app.json.dumps, separators=(",", ":"),
                               ensure_ascii=False, sort_keys=True)


def event_spans_days(event) -> bool:
    """Whether an event runs over several local days (its sessions then show their date)."""
    def get(name):
        return event.get(name) if isinstance(event, dict) else getattr(event, name, None)
    return i18n.spans_several_days(get("starts_at"), get("ends_at"), get("timezone"))
