"""The contacts key: a volunteer's contact is readable off the server only.

The organization's signing key (secret on the server) signs announcements; the
contacts are encrypted to a separate contacts key, whose public part only is on
the server. The back office either registers a public key made elsewhere, or
generates a pair once in a throwaway home and hands the secret over.
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select

from cryptoparty.core.extensions import db
from cryptoparty.core.openpgp import get_keyring
from cryptoparty.gpg.keyring import Keyring
from cryptoparty.volunteers.models import Volunteer
from tests.volunteers.fixtures import volunteer_program

CONTACT = "signal: +33 6 12 34 56 78, zoe-contacts@example.net"
TOKEN_PATH = re.compile(r"/volunteers/([^/?#]+)$")


@pytest.fixture
def signing_org_event(organizer_client, make_event, org_fingerprint):
    """An event of an organization with a signing key (secret on the server), no contacts key."""
    org = organizer_client.organization
    org.key_fingerprint = org_fingerprint
    db.session.commit()
    return make_event(org, program=volunteer_program())


@pytest.fixture
def throwaway_home():
    home = tempfile.mkdtemp(prefix="cpck")
    yield home
    subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True,
                   check=False)
    shutil.rmtree(home, ignore_errors=True)


def gpg(home, *args, data: bytes | str = b"", check=True) -> subprocess.CompletedProcess:
    if isinstance(data, str):
        data = data.encode()
    return subprocess.run(["gpg", "--homedir", str(home), "--batch", "--pinentry-mode",
                           "loopback", "--passphrase", "", *args], input=data,
                          capture_output=True, check=check)


def sign_up_with_contact(client, contact=CONTACT):
    response = client.post_form("/events/cryptoparty/volunteer", {
        "pseudonym": "Zoé", "contact": contact})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def test_the_signing_key_alone_does_not_offer_the_contact_field(client, signing_org_event):
    html = client.get("/events/cryptoparty/volunteer?lang=en").get_data(as_text=True)
    assert 'name="contact"' not in html
    assert "has no OpenPGP key yet" in html


def test_the_page_explains_each_tool_in_both_languages(organizer_client, signing_org_event):
    for lang, words in (("en", ("Kleopatra", "Thunderbird", "gpg --quick-generate-key",
                                "deletes the temporary folder")),
                        ("fr", ("Kleopatra", "Thunderbird", "gpg --quick-generate-key",
                                "supprime le dossier temporaire"))):
        response = organizer_client.get(f"/manage/orgs/bib/key/contacts?lang={lang}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        for word in words:
            assert word in html, (lang, word)
    key_page = organizer_client.get("/manage/orgs/bib/key?lang=en").get_data(as_text=True)
    assert "/manage/orgs/bib/key/contacts" in key_page


def test_a_generated_contacts_key_is_handed_over_and_the_server_cannot_decrypt(
        app, client, organizer_client, signing_org_event, gnupg_home, throwaway_home):
    response = organizer_client.post_form("/manage/orgs/bib/key/contacts/generate", {
        "name": "Bibliothèque contacts", "email": "contacts@example.org", "understood": "y"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    secret_key = response.get_data(as_text=True)
    assert "-----BEGIN PGP PRIVATE KEY BLOCK-----" in secret_key

    org = organizer_client.organization
    db.session.refresh(org)
    fingerprint = org.contacts_key_fingerprint
    assert fingerprint and fingerprint != org.key_fingerprint
    keyring = get_keyring(app)
    assert keyring.key_info(fingerprint).can_encrypt
    assert not keyring.holds_secret_key(fingerprint)
    # No copy of the secret key anywhere in the server's GnuPG home or instance.
    marker = secret_key.splitlines()[3].encode()
    for folder in (Path(gnupg_home), Path(app.instance_path)):
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_socket():
                assert marker not in path.read_bytes(), path

    # The form now offers the contact; a volunteer leaves one.
    html = client.get("/events/cryptoparty/volunteer?lang=en").get_data(as_text=True)
    assert 'name="contact"' in html
    sign_up_with_contact(client)
    volunteer = db.session.scalar(select(Volunteer))
    assert volunteer.contact_fingerprint == fingerprint
    asc = organizer_client.get(f"/manage/volunteers/{volunteer.id}/contact.asc")
    assert asc.status_code == 200
    contact_file = Path(throwaway_home) / "contact.asc"
    contact_file.write_bytes(asc.data)

    # The server's own GnuPG home cannot read it...
    refused = gpg(gnupg_home, "--decrypt", str(contact_file), check=False)
    assert refused.returncode != 0 and CONTACT.encode() not in refused.stdout
    # ...the handed-over secret key can, with stock gpg in a throwaway home...
    gpg(throwaway_home, "--import", data=secret_key)
    assert gpg(throwaway_home, "--decrypt", str(contact_file)).stdout.decode() == CONTACT
    # ...and with Sequoia's sq, when it is installed.
    if shutil.which("sq"):
        key_file = Path(throwaway_home) / "contacts-key.asc"
        key_file.write_text(secret_key)
        plain = subprocess.run(["sq", "decrypt", "--recipient-key", str(key_file),
                                str(contact_file)], capture_output=True, check=True,
                               env={**os.environ, "HOME": throwaway_home}).stdout
        assert plain.decode() == CONTACT


def test_a_public_key_made_elsewhere_is_registered(
        app, organizer_client, signing_org_event, throwaway_home):
    with Keyring(throwaway_home) as own:
        fingerprint = own.generate_key("Contacts", "contacts@example.net")
        public = own.export_public_key(fingerprint)
        secret = gpg(throwaway_home, "--armor", "--export-secret-keys", fingerprint).stdout
    refused = organizer_client.post_form("/manage/orgs/bib/key/contacts/register",
                                         {"contacts-key_text": secret.decode()})
    assert refused.status_code == 400
    db.session.refresh(organizer_client.organization)
    assert organizer_client.organization.contacts_key_fingerprint is None

    done = organizer_client.post_form("/manage/orgs/bib/key/contacts/register",
                                      {"contacts-key_text": public})
    assert done.status_code == 302
    db.session.refresh(organizer_client.organization)
    assert organizer_client.organization.contacts_key_fingerprint == fingerprint
    assert not get_keyring(app).holds_secret_key(fingerprint)


def test_the_signing_key_cannot_be_registered_as_contacts_key(
        app, organizer_client, signing_org_event, org_fingerprint):
    public = get_keyring(app).export_public_key(org_fingerprint)
    refused = organizer_client.post_form("/manage/orgs/bib/key/contacts/register?lang=en",
                                         {"contacts-key_text": public})
    assert refused.status_code == 400
    assert "never be on the server" in refused.get_data(as_text=True)
    db.session.refresh(organizer_client.organization)
    assert organizer_client.organization.contacts_key_fingerprint is None


def test_contacts_encrypted_to_the_old_key_stay_downloadable(
        app, client, organizer_client, signing_org_event, org_fingerprint):
    org = organizer_client.organization
    org.contacts_key_fingerprint = org_fingerprint  # as a contact stored before the split
    db.session.commit()
    sign_up_with_contact(client)
    organizer_client.post_form("/manage/orgs/bib/key/contacts/generate", {
        "name": "Contacts", "email": "contacts@example.org", "understood": "y"})
    db.session.refresh(org)
    assert org.contacts_key_fingerprint != org_fingerprint
    volunteer = db.session.scalar(select(Volunteer))
    assert volunteer.contact_fingerprint == org_fingerprint
    response = organizer_client.get(f"/manage/volunteers/{volunteer.id}/contact.asc")
    assert response.status_code == 200
    assert b"-----BEGIN PGP MESSAGE-----" in response.data


def test_generating_needs_the_acknowledgement(organizer_client, signing_org_event):
    response = organizer_client.post_form("/manage/orgs/bib/key/contacts/generate", {
        "name": "Contacts", "email": "contacts@example.org"})
    assert response.status_code == 400
    db.session.refresh(organizer_client.organization)
    assert organizer_client.organization.contacts_key_fingerprint is None


def test_the_volunteers_page_offers_in_browser_reading_without_a_name_on_the_key_field(
        app, client, organizer_client, signing_org_event, org_fingerprint):
    from cryptoparty.core.resources import STATIC

    if not (STATIC / "vendor" / "openpgp" / "openpgp.min.mjs").is_file():
        pytest.skip("OpenPGP.js is not vendored: make vendor (needs npm)")
    org = organizer_client.organization
    org.contacts_key_fingerprint = org_fingerprint
    db.session.commit()
    sign_up_with_contact(client)
    html = organizer_client.get("/manage/events/cryptoparty/volunteers?lang=en").get_data(
        as_text=True)
    panel = html[html.index('id="read-contacts"'):]
    panel = panel[:panel.index("</form>")]
    assert " hidden" in panel[:200]  # shown by the script only: without it, the downloads
    assert 'type="file"' in panel
    form = panel.split("<form", 1)[1]
    assert 'name="' not in form  # nothing of the key could ever be submitted
    assert '/static/js/read-contacts.mjs' in html and "data-contact" in html
    assert "http" not in html.split("read-contacts.mjs")[0].rsplit("<script", 1)[1]
