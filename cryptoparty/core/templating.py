"""Jinja filters and globals shared by every template."""

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from cryptoparty.core import i18n


def init_app(app):
    """Register filters and the template context."""
    app.add_template_filter(i18n.local_datetime, "datetime")
    app.add_template_filter(i18n.local_date, "date")
    app.add_template_filter(i18n.local_time, "time")
    app.add_template_filter(format_label, "label")
    app.context_processor(_context)


# Translated one at a time, when shown: a page calls the filter dozens of times and
# translating the whole table on each call was a fifth of the event page's time.
LABELS = {
    "cryptoparty": _l("CryptoParty"), "cafe_vie_privee": _l("Privacy café"),
    "install_party": _l("Install party"), "conference": _l("Conference"),
    "workshop": _l("Workshop"), "talk": _l("Talk"), "discussion": _l("Discussion"),
    "install": _l("Install session"), "meal": _l("Meal"),
    "beginner": _l("Beginner"), "intermediate": _l("Intermediate"),
    "advanced": _l("Advanced"),
    "draft": _l("Draft"), "published": _l("Published"), "cancelled": _l("Cancelled"),
    "archived": _l("Archived"),
    "all": _l("Everyone"), "teens": _l("Teenagers"), "adults": _l("Adults"),
    "seniors": _l("Seniors"), "professionals": _l("Professionals"),
    "step_free": _l("Step-free access"), "accessible_toilets": _l("Accessible toilets"),
    "induction_loop": _l("Induction loop"), "sign_language": _l("Sign language interpretation"),
    "quiet_room": _l("Quiet room"),
}


def format_label(value: str) -> str:
    """Human label of a coded value (event kind, workshop format, level, status)."""
    label = LABELS.get(value)
    return str(label) if label is not None else value


def _switch_language_url(lang: str) -> str:
    if request.endpoint is None:
        return url_for("public.index", lang=lang)
    args = dict(request.view_args or {})
    args.update({k: v for k, v in request.args.items() if k != "lang"})
    args["lang"] = lang
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
