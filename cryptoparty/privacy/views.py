"""/privacy (what is stored, for everyone) and the record of processing activities.

Printable HTML for the organization's data protection officer, and the same
as a PDF through WeasyPrint. Both come from ``cryptoparty.privacy.inventory``.
"""

from flask import Blueprint, Response, abort, render_template
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from cryptoparty.accounts import roles
from cryptoparty.accounts.guard import permission_required
from cryptoparty.accounts.models import Organization
from cryptoparty.accounts.roles import Permission
from cryptoparty.core import clock
from cryptoparty.core.extensions import db
from cryptoparty.core.resources import ROOT
from cryptoparty.core.validation import content_disposition
from cryptoparty.privacy import inventory

bp = Blueprint("records", __name__, url_prefix="/manage/orgs")
page_bp = Blueprint("privacy", __name__)


@bp.before_request
@permission_required(Permission.RECORD)
def require_login():
    """Only staff who read the record reach it."""


def _organization(slug: str) -> Organization:
    organization = db.session.scalar(select(Organization).filter_by(slug=slug))
    if organization is None:
        abort(404)
    roles.require(current_user, organization, Permission.RECORD)
    return organization


def _local_files_fetcher():
    """A WeasyPrint fetcher that reads our stylesheet and nothing from the network."""
    from pathlib import Path
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher

    static = (ROOT / "static").resolve()

    class LocalFiles(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file" or \
                    not Path(unquote(parts.path)).resolve().is_relative_to(static):
                raise ValueError(f"the record only reads files under static/: {url[:80]}")
            return super().fetch(url, headers)

    return LocalFiles(allowed_protocols={"file"})


def _render(organization, for_print: bool) -> str:
    return render_template("records/record.html", organization=organization,
                           inventory=inventory, activities=list(inventory.ACTIVITIES.values()),
                           locale=str(get_locale()), today=clock.now().date(),
                           for_print=for_print)


@bp.get("/<slug>/record-of-processing")
def record(slug):
    """The record of processing activities, as a printable page."""
    return _render(_organization(slug), for_print=False)


@bp.get("/<slug>/record-of-processing.pdf")
def record_pdf(slug):
    """The same record as a PDF (WeasyPrint, local files only)."""
    from weasyprint import HTML

    organization = _organization(slug)
    html = _render(organization, for_print=True)
    pdf = HTML(string=html, base_url=str(ROOT), url_fetcher=_local_files_fetcher()).write_pdf()
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        content_disposition("attachment", "record-of-processing-" + organization.slug + ".pdf"))
    return response


@page_bp.get("/privacy")
def page():
    """What the platform stores and never stores (``cryptoparty.privacy.inventory``)."""
    from flask_babel import get_locale

    contacts = db.session.scalars(select(Organization).where(Organization.contact_email != "")
                                  .order_by(Organization.name))
    return render_template("public/privacy.html", inventory=inventory,
                           activities=list(inventory.ACTIVITIES.values()),
                           locale=str(get_locale())[:2], contacts=list(contacts))
