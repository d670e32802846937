"""An attendee with JavaScript off registers, keeps the code, comes back, changes, cancels."""

import re

import pytest

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright for Python is not installed: pip install -e '.[test]'").expect

CODE_RE = re.compile(r"^[0-9A-Z]{4}(?:[- ][0-9A-Z]{4}){3,}$")


def _choice(page, title: str):
    """The radio button of a workshop, found by its visible title."""
    return page.get_by_role("radio", name=re.compile(re.escape(title)))


def test_attendee_without_javascript_registers_comes_back_changes_and_cancels(
        nojs_page, live_server, screenshot):
    page = nojs_page

    # The program, then the registration form, reached by following the links.
    page.goto("/?lang=en")
    screenshot(page, "01-home")
    page.get_by_role("link", name="CryptoParty à la bibliothèque de l'INSA").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CryptoParty")
    screenshot(page, "02-event")
    page.get_by_role("link", name="Register", exact=True).click()
    expect(page).to_have_url(re.compile(r"/events/cryptoparty/register"))
    assert page.locator("input[type=email], input[type=tel], input[name*=name]").count() == 0
    screenshot(page, "03-register")

    _choice(page, "Pourquoi protéger sa vie privée en ligne").check()
    _choice(page, "Naviguer avec Tor Browser").check()
    _choice(page, "Orbot : Tor sur Android").check()
    page.get_by_label("Number of people").fill("2")
    page.get_by_role("button", name="Get my ticket").click()

    # The ticket: its code, grouped for copying, and its QR code.
    expect(page).to_have_url(re.compile(r"/tickets/[0-9A-Z-]+"))
    code = page.locator(".ticket__code").inner_text().strip()
    assert CODE_RE.match(code), code
    expect(page.locator(".ticket__choices")).to_contain_text("Naviguer avec Tor Browser")
    expect(page.locator(".ticket__choices")).to_contain_text("Orbot")
    qr = page.request.get(page.locator("img.ticket__qr").get_attribute("src"))
    assert qr.ok and qr.headers["content-type"].startswith("image/svg+xml")
    screenshot(page, "04-ticket")

    # Later, from another browser (nothing remembered): the code alone finds the ticket.
    page.context.clear_cookies()
    page.goto("/tickets/?lang=en")
    page.get_by_label("Ticket code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Open the ticket").click()
    expect(page.locator(".ticket__code")).to_have_text(code)
    screenshot(page, "05-ticket-lookup")

    # Change the second-session workshop.
    change = page.locator("section.ticket__manage").filter(
        has=page.get_by_role("heading", name="Change my workshops"))
    _choice(change, "Des moteurs de recherche qui ne pistent pas").check()
    change.get_by_role("button", name="Change my workshops").click()
    expect(page.locator(".flash--success")).to_contain_text("Your workshops are changed")
    choices = page.locator(".ticket__choices")
    expect(choices).to_contain_text("Des moteurs de recherche qui ne pistent pas")
    expect(choices).not_to_contain_text("Orbot")
    expect(choices).to_contain_text("Naviguer avec Tor Browser")

    # Cancel: the box must be ticked first.
    cancel = page.locator("section.danger-zone")
    cancel.get_by_role("button", name="Cancel my ticket").click()
    expect(page.locator(".ticket__code")).to_have_text(code)  # refused, ticket still there
    page.locator("section.danger-zone").get_by_label(
        "Yes, cancel this ticket and free its seats").check()
    page.locator("section.danger-zone").get_by_role("button", name="Cancel my ticket").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your ticket is cancelled")
    assert code not in page.url  # the screen left on a shared computer holds no code
    screenshot(page, "06-cancelled")

    page.goto(f"/tickets/{code}?lang=en")
    expect(page.locator(".notice--cancelled")).to_contain_text("This ticket is cancelled")
