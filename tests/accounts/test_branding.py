"""An organization's colours and logo on every one of its public pages, and only there."""

import re
from datetime import timedelta

import pytest

from cryptoparty.accounts import branding
from cryptoparty.core.extensions import db
from cryptoparty.core.security import CONTENT_SECURITY_POLICY
from cryptoparty.events import series as series_service
from cryptoparty.registration import services as registration
from tests.accounts.test_staff_services import SVG_OK

STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/orgs/([a-z0-9-]+)/brand\.css\?v=(\w+))">')


@pytest.fixture
def branded(make_org, make_event, now):
    """An organization with its own colours and logo, an event, a ticket and a series."""
    org = make_org()
    org.color_primary, org.color_background = "#7a1f5c", "#fff8ee"
    org.logo, org.logo_type = SVG_OK, "image/svg+xml"
    event = make_event(org)
    ticket = registration.register(event, [event.sessions[0].workshops[0].id], 1, now=now)
    series = series_service.create_series(
        org, rule="FREQ=WEEKLY;COUNT=3", first_start=now + timedelta(days=3),
        duration=timedelta(hours=2), now=now, publish=True, kind="cafe_vie_privee",
        title="Café vie privée", venue="Médiathèque")
    db.session.commit()
    return org, event, ticket, series


def _public_pages(org, event, ticket, series):
    return {
        "organization page": f"/orgs/{org.slug}/",
        "event page": f"/events/{event.slug}/",
        "registration": f"/events/{event.slug}/register",
        "ticket": f"/tickets/{ticket.code}",
        "call for facilitators": f"/events/{event.slug}/volunteer",
        "feedback": f"/events/{event.slug}/feedback",
        "sharing": f"/events/{event.slug}/share",
        "series page": f"/series/{series.slug}/",
        "embed of the organization": f"/embed/orgs/{org.slug}",
        "embed of the event": f"/embed/events/{event.slug}",
    }


def test_every_public_page_of_the_organization_has_its_colours_and_logo(client, branded):
    org, *_ = branded
    version = branding.version(org)
    for name, url in _public_pages(*branded).items():
        response = client.get(url)
        assert response.status_code in (200, 409), (name, response.status_code)
        page = response.get_data(as_text=True)
        found = STYLESHEET.search(page)
        assert found, f"{name} ({url}) does not link the organization's colours"
        assert found.group(2) == org.slug and found.group(3) == version, name
        if not url.startswith("/embed/"):
            assert f'src="/orgs/{org.slug}/logo"' in page, f"{name} ({url}) has no logo"
        # Nothing inline: the CSP stays as strict as everywhere else.
        assert ' style="' not in page and "<style" not in page, name
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"], name


def test_pages_of_no_single_organization_keep_the_default_look(client, branded):
    for url in ("/", "/privacy", "/showcase", "/login", "/tickets/"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert "brand.css" not in page and "/logo" not in page, url
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_an_organization_with_default_colours_links_no_stylesheet(client, make_event):
    event = make_event()
    page = client.get(f"/events/{event.slug}/").get_data(as_text=True)
    assert "brand.css" not in page and f"/orgs/{event.organization.slug}/logo" not in page


def test_the_stylesheet_holds_the_colours_and_is_cached_by_version(client, branded):
    org, event, *_ = branded
    url = STYLESHEET.search(client.get(f"/events/{event.slug}/").get_data(as_text=True)).group(1)
    response = client.get(url)
    assert response.mimetype == "text/css"
    assert response.get_data(as_text=True) == \
        ":root { --brand: #7a1f5c; --brand-dark: #7a1f5c; --paper: #fff8ee; }\n"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    stale = client.get(f"/orgs/{org.slug}/brand.css?v=old")
    assert stale.headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/orgs/nobody/brand.css").status_code == 404


def test_new_colours_reach_the_cached_event_page_at_once(client, branded):
    org, event, *_ = branded
    before = STYLESHEET.search(client.get(f"/events/{event.slug}/").get_data(as_text=True))
    org.color_primary = "#1a5fb4"
    db.session.commit()
    after = STYLESHEET.search(client.get(f"/events/{event.slug}/").get_data(as_text=True))
    assert before.group(3) != after.group(3) == branding.version(org)
