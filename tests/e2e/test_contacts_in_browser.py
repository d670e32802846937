"""An organizer reads a volunteer's contact in the browser; the secret key never leaves it.

The organization gets a contacts key generated once by the server (its secret
part handed over as a download), a volunteer leaves a contact with JavaScript
off, and the organizer chooses the downloaded key file on the volunteers page:
OpenPGP.js, served from the app's own origin, decrypts the contact. No request
of the organizer's browser carries the key.
"""

import re

import pytest

from cryptoparty.core.resources import STATIC
from tests.e2e.conftest import log_in

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright for Python is not installed: pip install -e '.[test]'").expect

CONTACT = "matrix: @zoe-e2e:example.org"


@pytest.mark.skipif(not (STATIC / "vendor" / "openpgp" / "openpgp.min.mjs").is_file(),
                    reason="OpenPGP.js is not vendored: make vendor (needs npm)")
def test_contact_is_read_in_the_browser_without_sending_the_key(page, nojs_page, live_server,
                                                               tmp_path, screenshot):
    sent = []
    page.on("request", lambda request: sent.append((request.url, request.post_data or "")))
    log_in(page)
    page.goto("/manage/orgs/biblinsa/key/contacts?lang=en")
    page.get_by_label("I understand").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Generate and download the secret key").click()
    key_file = tmp_path / "contacts-key.asc"
    download.value.save_as(key_file)
    secret = key_file.read_text()
    assert "-----BEGIN PGP PRIVATE KEY BLOCK-----" in secret

    volunteer = nojs_page
    volunteer.goto("/events/cryptoparty/volunteer?lang=en")
    volunteer.get_by_label("Pseudonym").fill("zoe-e2e")
    volunteer.get_by_label("A way to reach you (optional)").fill(CONTACT)
    volunteer.get_by_role("button", name="Sign up as a volunteer").click()
    expect(volunteer).to_have_url(re.compile(r"/volunteers/[^/?]+"))

    page.goto("/manage/events/cryptoparty/volunteers?lang=en")
    panel = page.locator("#read-contacts")
    expect(panel).to_be_visible()
    page.get_by_label("Secret contacts key (file)").set_input_files(str(key_file))
    page.get_by_role("button", name="Decrypt the contacts in this browser").click()
    row = page.locator("tr").filter(has_text="zoe-e2e")
    expect(row.locator("output")).to_have_text(CONTACT)
    expect(panel.locator("[data-status]")).to_contain_text("Contacts read:")
    screenshot(page, "33-contacts-read-in-browser")

    # The key went nowhere: no URL or body of any request holds a line of it.
    key_lines = [line for line in secret.splitlines()[2:-2] if len(line) > 20]
    assert key_lines
    for url, body in sent:
        assert not any(line in url or line in body for line in key_lines), url
    assert any("/static/vendor/openpgp/openpgp.min.mjs" in url for url, _ in sent)
