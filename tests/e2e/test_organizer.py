"""An organizer plans an evening in the back office, publishes it, and checks a ticket in."""

import re
import subprocess
import tempfile
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import log_in

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright for Python is not installed: pip install -e '.[test]'").expect


def _day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def _moment(page, field, value):
    """A moment is typed as a date (the field's label points at it), then a time."""
    day, time = value.split("T")
    page.locator(f"#{field}").fill(day)
    page.locator(f"#{field}-time").fill(time)


def _add_session(page, label, starts, ends):
    page.get_by_role("link", name="Add a session").first.click()
    page.get_by_label("Label").fill(label)
    _moment(page, "starts_at", starts)
    _moment(page, "ends_at", ends)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash--success")).to_contain_text("The session is added")


def _add_workshop(page, session, title, capacity, room):
    page.get_by_role("link", name="Add a workshop").first.click()
    page.get_by_label("Session").select_option(label=session)
    page.get_by_label("Format").select_option("workshop")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Summary").fill(f"{title}: a hands-on workshop for beginners.")
    page.get_by_label("Room").fill(room)
    page.get_by_label("Capacity").fill(str(capacity))
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash--success")).to_contain_text("The workshop is added")


def _assert_gpg_verifies(public_key: bytes, signed: bytes):
    """Stock gpg, in a throwaway home, verifies the clearsigned text with the published key."""
    with tempfile.TemporaryDirectory(prefix="cpgv") as home:
        gpg = ["gpg", "--homedir", home, "--batch", "--quiet"]
        subprocess.run(gpg + ["--import"], input=public_key, check=True, capture_output=True)
        done = subprocess.run(gpg + ["--verify"], input=signed, capture_output=True)
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def test_organizer_creates_publishes_signs_prints_and_checks_in(page, new_page, live_server,
                                                                 screenshot):
    log_in(page)
    screenshot(page, "10-dashboard")

    # A new evening, as a draft.
    page.get_by_role("link", name="New event").first.click()
    page.get_by_label("Kind").select_option("cafe_vie_privee")
    page.get_by_label("Title").fill("Café vie privée de printemps")
    page.get_by_label("Web address").fill("cafe-printemps")
    page.get_by_label("Description").fill("Parler de vie privée autour d'un café.")
    page.get_by_label("Venue").fill("Médiathèque des Champs Libres")
    page.get_by_label("Starts", exact=True).fill(_day(20))
    page.locator("#starts_at-time").fill("18:00")
    # The end's date left empty: the same day as the start.
    page.locator("#ends_at-time").fill("21:00")
    page.get_by_label("Registration opens").fill(f"{_day(-1)}T09:00")
    page.get_by_label("Registration closes").fill(f"{_day(20)}T17:00")
    screenshot(page, "11-new-event")
    page.get_by_role("button", name="Create the draft").click()
    expect(page).to_have_url(re.compile(r"/manage/events/cafe-printemps/"))
    expect(page.locator(".status")).to_have_text(re.compile("draft", re.I))

    # Two sessions, a workshop in each.
    _add_session(page, "First round", f"{_day(20)}T18:00", f"{_day(20)}T19:20")
    _add_session(page, "Second round", f"{_day(20)}T19:30", f"{_day(20)}T21:00")
    _add_workshop(page, "First round", "Signal pas à pas", 10, "Salle A")
    _add_workshop(page, "Second round", "Mots de passe solides", 2, "Salle B")
    screenshot(page, "12-manage-event")

    # Not public while a draft.
    assert page.request.get(live_server("/events/cafe-printemps/")).status == 404

    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash--success")).to_contain_text("The event is published")
    expect(page.locator(".status")).to_have_text(re.compile("published", re.I))

    # Sign the announcement with the organization's OpenPGP key (the demo made one).
    page.get_by_role("link", name="Announcements and signature").click()
    page.get_by_role("button", name="Sign and publish the full announcement").click()
    expect(page.locator(".flash--success")).to_be_visible()
    screenshot(page, "15-announcements")
    signed = page.request.get(live_server("/events/cafe-printemps/announcement.txt.asc"))
    assert signed.status == 200
    assert signed.text().startswith("-----BEGIN PGP SIGNED MESSAGE-----")
    assert "Café vie privée de printemps" in signed.text()
    key = page.request.get(live_server("/orgs/biblinsa/key.asc"))
    assert key.status == 200
    _assert_gpg_verifies(key.body(), signed.body())

    # Download the whole kit from the event's back-office page.
    page.goto("/manage/events/cafe-printemps/?lang=en")
    # Fetched with the page's session rather than opened: Chromium would show it in its
    # PDF viewer (an extension, another origin). Rendered on first download: seconds.
    kit_link = page.get_by_role("link", name="The whole kit (PDF, A4)")
    kit = page.request.get(kit_link.get_attribute("href"), timeout=240_000)
    assert kit.status == 200
    assert kit.headers["content-type"] == "application/pdf"
    assert kit.body().startswith(b"%PDF")

    # The public sees it, with its program.
    visitor = new_page(java_script_enabled=False)
    visitor.goto("/events/cafe-printemps/?lang=en")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Café vie privée de printemps")
    expect(visitor.locator("main")).to_contain_text("Signal pas à pas")
    expect(visitor.locator("main")).to_contain_text("Mots de passe solides")

    # Someone registers for two people...
    visitor.get_by_role("link", name="Register", exact=True).click()
    visitor.get_by_role("radio", name=re.compile("Signal pas à pas")).check()
    visitor.get_by_label("Number of people").fill("2")
    visitor.get_by_role("button", name="Get my ticket").click()
    code = visitor.locator(".ticket__code").inner_text().strip()
    tag = visitor.locator(".ticket__tag").inner_text().strip()

    # ... and the organizer checks them in at the door from the ticket's URL (the QR code).
    page.goto(f"/tickets/{code}?lang=en")
    screenshot(page, "13-door-ticket")
    page.get_by_role("button", name="Check in 2 people").click()
    expect(page.locator(".flash--success")).to_contain_text(f"tag {tag}")
    expect(page.locator(".door-box")).to_contain_text("Already checked in")

    page.goto("/manage/events/cafe-printemps/checkin?lang=en")
    expect(page.locator("main")).to_contain_text("Signal pas à pas")
    screenshot(page, "14-checkin")
    page.goto("/manage/events/cafe-printemps/door-list?lang=en")
    expect(page.locator("main")).to_contain_text(tag)
    expect(page.locator("main")).not_to_contain_text(code)
