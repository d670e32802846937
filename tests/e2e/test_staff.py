"""An owner invites a colleague as "door"; the colleague signs up, checks a ticket in, and
reaches no other page of the back office. Also: an organization's colours on its pages."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import log_in
from tests.e2e.test_organizer import _add_session, _add_workshop

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright for Python is not installed: pip install -e '.[test]'").expect

ORG = "biblinsa"
EVENT = "permanence-du-jour"
DOOR_LOGIN, DOOR_PASSWORD = "porte-du-jour", "une porte bien gardée"
# The back-office pages a door account may open: its dashboard, its own account, and the
# check-in page and door list of the event of the day.
DOOR_MAY_OPEN = {"manage.dashboard", "account.index", "account.qr", "tickets.checkin_page",
                 "tickets.door_list"}


def _today_in_paris() -> date:
    # The demo organization's time zone: the event's day is its day there.
    return datetime.now(ZoneInfo("Europe/Paris")).date()


def _back_office_routes():
    """Every GET page of the back office, from the application's URL map.

    A back-office page is one that the authorization matrix sends an anonymous visitor
    to log in for (every route under /manage, and the kits), except the login's own
    second step.
    """
    from cryptoparty import create_app
    from tests.privacy.test_authorization_matrix import MATRIX, ROLES

    app = create_app({"TESTING": True, "SECRET_KEY": "url-map-only",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    anonymous = ROLES.index("anonymous")
    rules = [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods
             and MATRIX.get(f"GET {rule.endpoint}", ("?",))[anonymous] == "login"
             and rule.endpoint != "auth.login_code"]
    assert {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods
            and rule.rule.startswith("/manage")} <= {rule.endpoint for rule in rules}
    return app, sorted(rules, key=lambda rule: rule.rule)


def _path(app, rule, values):
    from werkzeug.routing.converters import AnyConverter

    filled = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter):
            filled[name] = sorted(converter.items)[0]
        elif name == "slug":
            filled[name] = ORG if rule.rule.startswith("/manage/orgs/") else values["event"]
        elif name == "workshop_slug":
            filled[name] = values["workshop_slug"]
        elif name in values:
            filled[name] = values[name]
        else:
            filled[name] = 1  # the demo's first session, workshop, volunteer, link...
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **filled)


def test_a_door_colleague_signs_up_checks_in_on_the_day_and_sees_nothing_else(
        page, new_page, live_server, screenshot):
    today = _today_in_paris().isoformat()
    yesterday = (_today_in_paris() - timedelta(days=1)).isoformat()

    # The owner plans an event for today and publishes it.
    log_in(page)
    page.get_by_role("link", name="New event").first.click()
    page.get_by_label("Kind").select_option("cryptoparty")
    page.get_by_label("Title").fill("Permanence du jour")
    page.get_by_label("Web address").fill(EVENT)
    page.get_by_label("Description").fill("Une permanence pour installer Signal et Tor.")
    page.get_by_label("Venue").fill("Bibliothèque de l'INSA")
    # A moment is a date (the label points at it), then a time (issue 17's forms).
    page.locator("#starts_at").fill(str(today))
    page.locator("#starts_at-time").fill("00:05")
    page.locator("#ends_at").fill(str(today))
    page.locator("#ends_at-time").fill("23:55")
    page.get_by_label("Registration opens").fill(f"{yesterday}T09:00")
    page.get_by_label("Registration closes").fill(f"{today}T23:50")
    page.get_by_role("button", name="Create the draft").click()
    expect(page).to_have_url(re.compile(f"/manage/events/{EVENT}/"))
    _add_session(page, "Toute la journée", f"{today}T00:05", f"{today}T23:55")
    _add_workshop(page, "Toute la journée", "Signal pas à pas", 10, "Salle A")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash--success")).to_contain_text("The event is published")

    # Someone gets a ticket.
    visitor = new_page(java_script_enabled=False)
    visitor.goto(f"/events/{EVENT}/register?lang=en")
    visitor.get_by_role("radio", name=re.compile("Signal pas à pas")).check()
    visitor.get_by_role("button", name="Get my ticket").click()
    code = visitor.locator(".ticket__code").inner_text().strip()
    tag = visitor.locator(".ticket__tag").inner_text().strip()

    # The owner makes a one-time link for a "door" colleague, from the back office.
    page.goto("/manage/?lang=en")
    page.get_by_role("link", name="Staff", exact=True).first.click()
    expect(page).to_have_url(re.compile(f"/manage/orgs/{ORG}/staff"))
    invite = page.locator("form[action*='/staff/invite']")
    invite.get_by_label("Role").select_option("door")
    invite.get_by_role("button", name="Make the link").click()
    link = page.locator(".one-time-link").inner_text().strip()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/join/[A-Za-z0-9_-]+", link), link
    screenshot(page, "40-staff-link")

    # The colleague opens it in a browser of their own (JavaScript off) and signs up.
    door = new_page(java_script_enabled=False)
    door.goto(link + "?lang=en")
    expect(door.get_by_role("heading", level=1)).to_contain_text("Join the staff of")
    expect(door.locator("main")).to_contain_text("Door")
    expect(door.locator("main")).to_contain_text("Second factor (optional)")
    screenshot(door, "41-join")
    door.get_by_label("Login").fill(DOOR_LOGIN)
    door.get_by_label("Password", exact=True).fill(DOOR_PASSWORD)
    door.get_by_label("The same password again").fill(DOOR_PASSWORD)
    door.get_by_role("button", name="Create my account").click()
    expect(door.locator(".flash--success")).to_contain_text("Your account is ready")
    # The link is spent.
    assert door.request.get(link).status == 404
    log_in(door, DOOR_LOGIN, DOOR_PASSWORD)

    # On the event's day, the check-in page: the ticket's tag checks it in.
    door.goto("/manage/?lang=en")
    door.get_by_role("link", name="Permanence du jour").click()
    expect(door).to_have_url(re.compile(f"/manage/events/{EVENT}/checkin"))
    door.get_by_label("Ticket code or check-in tag").fill(tag)
    door.get_by_role("button", name="Check in", exact=True).click()
    expect(door.locator(".flash--success")).to_contain_text(f"tag {tag}")
    screenshot(door, "42-door-checkin")
    expect(door.locator(".door-stat__num").first).to_have_text("1")

    # Every other page of the back office answers 403 or 404.
    app, rules = _back_office_routes()
    from cryptoparty.events.services import slugify

    values = {"event": EVENT, "code": code, "workshop_slug": slugify("Signal pas à pas")}
    checked = []
    for rule in rules:
        path = _path(app, rule, values)
        allowed = rule.endpoint in DOOR_MAY_OPEN and (
            "slug" not in rule.arguments or f"/events/{EVENT}/" in path)
        response = door.request.get(live_server(path), max_redirects=0)
        if allowed:
            assert response.status == 200, (path, response.status)
        else:
            assert response.status in (403, 404), (rule.endpoint, path, response.status)
            checked.append(path)
        # The same pages of a demo event of another day are closed too.
        if rule.endpoint in ("tickets.checkin_page", "tickets.door_list"):
            other = path.replace(f"/events/{EVENT}/", "/events/cryptoparty/")
            assert door.request.get(live_server(other), max_redirects=0).status == 403, other
            checked.append(other)
    assert len(checked) >= 30, checked  # the whole back office, not a sample
    door.goto(f"/manage/orgs/{ORG}/staff?lang=en")
    expect(door.get_by_role("heading", level=1)).to_be_visible()
    screenshot(door, "43-door-refused")


LOGO = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 64" width="240" height="64">'
        b'<title>Bibliotheque</title><rect width="64" height="64" rx="12" fill="#7a1f5c"/>'
        b'<circle cx="32" cy="32" r="14" fill="#fff8ee"/>'
        b'<text x="76" y="42" font-size="26" font-family="sans-serif" fill="#7a1f5c">BiblINSA'
        b'</text></svg>')
PRIMARY, BACKGROUND = "#7a1f5c", "#fff8ee"


def _settings(page, primary: str, background: str, logo: bytes | None = None):
    page.goto(f"/manage/orgs/{ORG}/settings?lang=en")
    page.get_by_label("Brand colour (#rrggbb)").fill(primary)
    page.get_by_label("Background colour (#rrggbb)").fill(background)
    if logo is not None:
        page.get_by_label(re.compile("^Logo")).set_input_files(
            files=[{"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": logo}])
    else:
        remove = page.get_by_label("Remove the logo")
        if remove.count():
            remove.check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash--success")).to_contain_text("The settings are saved")


def _rgb(color: str) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_the_organization_colours_and_logo_on_its_public_pages(page, new_page, screenshot):
    log_in(page)
    _settings(page, PRIMARY, BACKGROUND, LOGO)
    try:
        visitor = new_page(java_script_enabled=False)
        visitor.goto("/events/cryptoparty/register?lang=en")
        visitor.get_by_role("radio").first.check()
        visitor.get_by_role("button", name="Get my ticket").click()
        ticket = visitor.url
        pages = {"50-org-page": f"/orgs/{ORG}/?lang=en", "51-event": "/events/cryptoparty/?lang=en",
                 "52-register": "/events/cryptoparty/register?lang=en", "53-ticket": ticket,
                 "54-volunteer": "/events/cryptoparty/volunteer?lang=en",
                 "55-embed": f"/embed/orgs/{ORG}?lang=en"}
        for name, url in pages.items():
            visitor.goto(url)
            body = visitor.locator("body")
            expect(body).to_have_css("background-color", _rgb(BACKGROUND))
            if not name.endswith("embed"):
                expect(visitor.locator(".site-header")).to_have_css("background-color",
                                                                    _rgb(PRIMARY))
                expect(visitor.locator(".org-mark img")).to_be_visible()
                assert visitor.locator(".org-mark img").evaluate("i => i.naturalWidth") > 0
            else:
                expect(visitor.locator(".embed-button").first).to_have_css(
                    "background-color", _rgb(PRIMARY))
            screenshot(visitor, name)
        # Pages of no single organization keep the default look.
        for url in ("/?lang=en", "/privacy?lang=en"):
            visitor.goto(url)
            expect(visitor.locator(".site-header")).to_have_css("background-color",
                                                                _rgb("#0f4c5c"))
            expect(visitor.locator(".org-mark")).to_have_count(0)
        screenshot(visitor, "56-home-default")
    finally:
        _settings(page, "", "")  # the demo's default look for the tests that follow
