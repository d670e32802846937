"""A library PC is shared: nothing that shows a ticket code or a private link stays behind."""

import re

import pytest

from tests.conftest import NOW, login
from tests.privacy.world import build_path, build_world, url_values


@pytest.fixture
def world(app):
    return build_world(NOW)


def _secret_bearing_responses(app, world):
    """Every GET page, as anonymous and as the organizer, with the world's values."""
    anonymous, organizer = app.test_client(), app.test_client()
    login(organizer, world.organizer_login, world.organizer_password)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = build_path(app, rule, url_values(rule, world))
        for client in (anonymous, organizer):
            yield path, client.get(path)


def test_every_page_showing_a_code_or_a_private_link_is_never_stored(app, world):
    secrets = (world.ticket_code, world.ticket_code.replace("-", ""), world.volunteer_token)
    showing = []
    for path, response in _secret_bearing_responses(app, world):
        body = response.get_data(as_text=True) if response.mimetype.startswith(
            ("text/", "application/json", "image/svg")) else ""
        if any(secret in body for secret in secrets) or \
                any(secret in path for secret in secrets):
            showing.append(path)
            assert "no-store" in response.headers.get("Cache-Control", ""), path
    assert f"/tickets/{world.ticket_code}" in showing
    assert f"/volunteers/{world.volunteer_token}" in showing


def test_code_fields_are_not_remembered_by_the_browser(app, world, client):
    for path in ("/tickets/", f"/tickets/{world.ticket_code}",
                 f"/events/{world.event_slug}/register"):
        body = client.get(path).get_data(as_text=True)
        for form in re.findall(r"<form\b[^>]*method=\"post\"[^>]*>", body):
            assert 'autocomplete="off"' in form, (path, form)
        for field in re.findall(r"<input\b[^>]*name=\"code\"[^>]*>", body):
            assert 'autocomplete="off"' in field, (path, field)


def test_ticket_page_offers_to_print_and_cancel_ends_on_a_closing_screen(app, world, client):
    page = client.get(f"/tickets/{world.ticket_code}?lang=en").get_data(as_text=True)
    assert "print" in page.lower()
    response = client.post_form(f"/tickets/{world.ticket_code}/cancel?lang=en",
                                {"confirm": "y"}, follow_redirects=True)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "you can close this page" in text
    assert world.ticket_code not in text
    assert "no-store" in response.headers["Cache-Control"]
