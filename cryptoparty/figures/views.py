"""Back office after the evening: figures, CSV, the report PDF and feedback moderation."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from cryptoparty.accounts import audit
from cryptoparty.accounts.guard import permission_required
from cryptoparty.accounts.models import AuditAction
from cryptoparty.accounts.roles import Permission
from cryptoparty.core import clock
from cryptoparty.core.forms import ActionForm
from cryptoparty.core.validation import content_disposition
from cryptoparty.events import pages as event_pages
from cryptoparty.events import services as event_service
from cryptoparty.feedback import services as feedback_service
from cryptoparty.figures import report as report_service
from cryptoparty.figures import services as figures_service

bp = Blueprint("figures", __name__, url_prefix="/manage")

CHARTS = ("attendance", "fill", "ratings", "history")


@bp.before_request
@permission_required(Permission.FIGURES, Permission.EVENTS)
def require_login():
    """Every page here needs an account that reads figures or plans events."""


def _archived_event_part(event, now) -> dict:
    """An archived event's public page shows the figures that outlive its tickets."""
    return {"report": figures_service.event_figures(event, now)}


event_pages.add_part(bp, event_pages.ARCHIVED_EVENT, _archived_event_part)


@bp.app_template_filter("decimal1")
def decimal1(value) -> str:
    """A number with one decimal, in the reader's language (4.5 or 4,5)."""
    return format_decimal(value, format="0.0")


@bp.app_template_filter("percent")
def percent(value) -> str:
    """A share from 0 to 1 as a whole percentage in the reader's language."""
    return format_percent(value)


def _history_label(row, day: bool = False) -> str:
    return format_date(row.starts_at, "d MMM y" if day else "MMM y")


def _report(slug):
    event = event_service.get_event_for(current_user, slug, Permission.FIGURES)
    return event, figures_service.event_figures(event, clock.now())


@bp.get("/events/<slug>/figures")
def figures(slug):
    """The event's figures: attendance, fill per workshop, feedback, history."""
    event, report = _report(slug)
    history = figures_service.organization_history(event, clock.now())
    return render_template("figures/figures.html", event=event, report=report,
                           history=history)


@bp.get("/events/<slug>/charts/<any(attendance, fill, ratings, history):name>.svg")
def chart(slug, name):
    """One chart of the figures page, as a static SVG image (no script)."""
    event, report = _report(slug)
    if name == "attendance":
        svg = report_service.attendance_chart(report)
    elif name == "fill":
        svg = report_service.fill_chart(report)
    elif name == "ratings":
        svg = report_service.ratings_chart(report)
    else:
        svg = report_service.history_chart(
            figures_service.organization_history(event, clock.now()), _history_label)
    response = Response('<?xml version="1.0" encoding="utf-8"?>\n' + svg,
                        mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/events/<slug>/figures.csv")
def figures_csv(slug):
    """The aggregates as CSV (one row for the event, one per workshop)."""
    event, report = _report(slug)
    audit.record(current_user, event.organization, AuditAction.FIGURES_EXPORTED,
                 f"{event.slug}-figures.csv", clock.now())
    response = Response(figures_service.figures_csv(report), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition(
        "attachment", event.slug + "-figures.csv")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/events/<slug>/report.pdf")
def report_pdf(slug):
    """The report for the library's board, as PDF."""
    event, report = _report(slug)
    history = figures_service.organization_history(event, clock.now())
    audit.record(current_user, event.organization, AuditAction.FIGURES_EXPORTED,
                 f"{event.slug}-report.pdf", clock.now())
    pdf = report_service.render_report_pdf(
        report, history, generated_on=format_date(clock.now().date(), "long"),
        date_format=_history_label)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(
        "inline", event.slug + "-report.pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Moderation -----------------------------------------------------------------

@bp.get("/events/<slug>/feedback")
def feedback(slug):
    """Every feedback entry of the event, to hide or quote."""
    event = event_service.get_event_for(current_user, slug)
    return render_template("figures/feedback.html", event=event,
                           entries=feedback_service.feedback_of(event), action=ActionForm(),
                           summary=feedback_service.summarize_feedback(event))


@bp.post("/events/<slug>/feedback/<int:feedback_id>/<any(hide, show, quote, unquote):action>")
def moderate(slug, feedback_id, action):
    """Hide or show an entry; choose it as a quote for the report, or not."""
    event = event_service.get_event_for(current_user, slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    entry = feedback_service.get_feedback(event, feedback_id)
    if action in ("hide", "show"):
        feedback_service.set_hidden(entry, action == "hide")
    else:
        feedback_service.set_quoted(entry, action == "quote")
    messages = {"hide": _("The entry is hidden: it no longer counts in the figures."),
                "show": _("The entry is visible again."),
                "quote": _("The entry will be quoted in the report."),
                "unquote": _("The entry is no longer quoted.")}
    flash(messages[action], "success")
    return redirect(url_for("figures.feedback", slug=event.slug, _anchor=f"entry-{entry.id}"))
