"""The look of an organization's public pages: its two colours and its logo, in one place.

A public page that belongs to one organization (its page, its events and
series, registration, tickets, the call for facilitators, feedback, signed
announcements, the embeds) says so in its view with ``show_as(organization)``,
which also makes the organization's language the page's default. Every
template then finds ``page_brand`` (a :class:`Brand`, or None, given by a
context processor of ``accounts.views_staff``): ``base.html``
and the embed link the organization's stylesheet and show its logo. Pages of
no single organization (the home page, the directory, the privacy page, the
back office) keep the default look.

No inline style: the colours are CSS custom properties in a stylesheet served
from this origin (``/orgs/<slug>/brand.css``), so the Content-Security-Policy
stays ``default-src 'self'``. Its URL carries a version (a hash of the
colours): a URL with the current version is cached for a day, and a change of
colours gives pages a new URL. The colours were checked (``#rrggbb`` and WCAG AA
contrast, ``accounts.settings``) before they were saved.
"""

import hashlib
from dataclasses import dataclass

from flask import g, url_for

STYLESHEET_MAX_AGE = 24 * 3600  # a URL with the current version
STALE_STYLESHEET_MAX_AGE = 300  # an older or missing version


@dataclass(frozen=True)
class Brand:
    """What a page shows of its organization's identity."""

    name: str
    slug: str
    stylesheet: str | None  # URL of the colours, None when it has the default ones
    logo: str | None  # URL of the logo, None without one
    home: str  # URL of the organization's public page


def version(organization) -> str:
    """A short hash of the colours: part of the stylesheet's URL."""
    colours = f"{organization.color_primary or ''}|{organization.color_background or ''}"
    return hashlib.sha256(colours.encode()).hexdigest()[:10]


def stylesheet(organization) -> str:
    """The organization's colours as CSS custom properties (``static/css/*.css`` use them)."""
    rules = []
    if organization.color_primary:
        rules.append(f"--brand: {organization.color_primary};")
        rules.append(f"--brand-dark: {organization.color_primary};")
    if organization.color_background:
        rules.append(f"--paper: {organization.color_background};")
    return ":root { " + " ".join(rules) + " }\n"


def brand_of(organization) -> Brand:
    """The :class:`Brand` of an organization (within a request: it builds URLs)."""
    styled = bool(organization.color_primary or organization.color_background)
    return Brand(
        name=organization.name, slug=organization.slug,
        stylesheet=url_for("staff.brand_css", slug=organization.slug, v=version(organization),
                           lang=None) if styled else None,
        logo=url_for("staff.logo", slug=organization.slug, lang=None)
        if organization.logo_type else None,
        home=url_for("feeds.organization", slug=organization.slug))


def show_as(organization) -> None:
    """This request's page belongs to ``organization``: its language, colours and logo."""
    g.organization_locale = organization.default_locale
    g.brand_organization = organization


def current() -> Brand | None:
    """The brand of the page being rendered, if it belongs to one organization."""
    organization = g.get("brand_organization")
    return brand_of(organization) if organization is not None else None

