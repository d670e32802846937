"""A volunteer answers the call under a pseudonym, claims a workshop, and the organizer confirms."""

import re

import pytest

from tests.e2e.conftest import log_in

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright for Python is not installed: pip install -e '.[test]'").expect


def test_volunteer_signs_up_and_claims_a_workshop(nojs_page, page, live_server, screenshot):
    volunteer = nojs_page
    volunteer.goto("/events/cryptoparty/?lang=en")
    volunteer.goto("/events/cryptoparty/volunteer?lang=en")
    screenshot(volunteer, "30-volunteer-call")
    volunteer.get_by_label("Pseudonym").fill("tux-rennes")
    volunteer.get_by_role("button", name="Sign up as a volunteer").click()
    expect(volunteer).to_have_url(re.compile(r"/volunteers/[^/?]+"))
    private_url = volunteer.url
    expect(volunteer.locator(".flash--success")).to_contain_text("tux-rennes")

    offer = volunteer.locator("li.workshop").filter(
        has=volunteer.get_by_role("heading", name="Tails sur une clé USB"))
    offer.get_by_role("button", name="I will facilitate it").click()
    expect(volunteer.locator(".flash--success")).to_contain_text("Tails sur une clé USB")
    mine = volunteer.locator("table").filter(has_text="Tails sur une clé USB")
    expect(mine).to_be_visible()
    screenshot(volunteer, "31-volunteer-private")

    # The organizer confirms the claim in the back office.
    log_in(page)
    page.goto("/manage/events/cryptoparty/volunteers?lang=en")
    row = page.locator("tr").filter(has_text="tux-rennes").filter(has_text="Tails")
    row.get_by_role("button", name="Confirm").click()
    screenshot(page, "32-manage-volunteers")

    # The volunteer comes back with the private link alone and finds the workshop's kit.
    volunteer.context.clear_cookies()
    volunteer.goto(private_url)
    mine = volunteer.locator("table").filter(has_text="Tails sur une clé USB")
    kit = mine.get_by_role("link", name="Printable kit (PDF)")
    expect(kit).to_be_visible()
    # A whole workshop kit is rendered on first download: seconds, more on a busy machine.
    pdf = volunteer.request.get(kit.get_attribute("href"), timeout=240_000)
    assert pdf.status == 200
    assert pdf.body().startswith(b"%PDF")

    # The public program names the facilitator by pseudonym.
    volunteer.goto("/events/cryptoparty/?lang=en")
    expect(volunteer.locator("main")).to_contain_text("tux-rennes")
