"""Jinja filters and globals shared by every template."""

from flask import request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from cryptoparty import i18n


def init_app(app):
    """Register filters and the template context."""
    app.add_template_filter(i18n.local_datetime, "datetime")
    app.add_template_filter(i18n.local_date, "date")
    app.add_template_filter(i18n.local_time, "time")
    app.add_template_filter(format_label, "label")
    app.context_processor(_context)


def format_label(value: str) -> str:
    """Human label of a coded value (event kind, workshop format, level, status)."""
    labels = {
        "cryptoparty": _("CryptoParty"), "cafe_vie_privee": _("Privacy café"),
        "install_party": _("Install party"), "conference": _("Conference"),
        "workshop": _("Workshop"), "talk": _("Talk"), "discussion": _("Discussion"),
        "install": _("Install session"), "meal": _("Meal"),
        "beginner": _("Beginner"), "intermediate": _("Intermediate"),
        "advanced": _("Advanced"),
        "draft": _("Draft"), "published": _("Published"), "cancelled": _("Cancelled"),
        "archived": _("Archived"),
    }
    return labels.get(value, value)


def _switch_language_url(lang: str) -> str:
    if request.endpoint is None:
        return url_for("public.index", lang=lang)
    args = dict(request.view_args or {})
    args.update({k: v for k, v in request.args.items() if k != "lang"})
    args["lang"] = lang
    return url_for(request.endpoint, **args)


def _context():
    return {"current_locale": str(get_locale()), "switch_language_url": _switch_language_url}
