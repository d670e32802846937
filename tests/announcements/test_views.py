"""The key, the Web Key Directory and the signed announcement over HTTP; the back office."""

import io
import shutil

import pytest
from sqlalchemy import func, select

from cryptoparty.announcements import keys
from cryptoparty.announcements import services as announcements
from cryptoparty.announcements.models import Announcement, OrganizationKey
from cryptoparty.core.extensions import db
from cryptoparty.core.openpgp import get_keyring
from cryptoparty.events import services as events
from cryptoparty.gpg.keyring import wkd_hash
from tests.announcements.fixtures import (
    ORG_EMAIL,
    ORG_NAME,
    export_secret,
    flip_one_byte,
    outside_keyring,
    verify_with_only,
)
from tests.conftest import login

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="needs GnuPG")

SERVER_PASSPHRASE = "phrase du serveur"


@pytest.fixture
def app_config():
    return {"GNUPG_PASSPHRASE": SERVER_PASSPHRASE}


def key_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(OrganizationKey))


def generate(client, **data):
    form = {"name": ORG_NAME, "email": ORG_EMAIL}
    form.update(data)
    return client.post_form("/manage/orgs/bib/key/generate", form)


def signed_through_the_back_office(client, make_event):
    """An event of the logged-in organizer's organization, signed from the back office."""
    make_event(organization=client.organization)
    assert generate(client).status_code == 302
    assert client.post_form("/manage/events/cryptoparty/announcements/draft").status_code == 302
    assert client.post_form("/manage/events/cryptoparty/announcements/sign").status_code == 302


def test_the_served_announcement_verifies_with_the_key_fetched_from_key_asc(
        organizer_client, make_event):
    client = organizer_client
    signed_through_the_back_office(client, make_event)
    client.post_form("/logout")

    key = client.get("/orgs/bib/key.asc")
    assert key.status_code == 200 and key.mimetype == "application/pgp-keys"
    served = client.get("/events/cryptoparty/announcement.txt.asc")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert served.data.startswith(b"-----BEGIN PGP SIGNED MESSAGE-----")

    good = verify_with_only(key.data, served.data)
    assert good.returncode == 0 and b"Good signature" in good.stderr
    bad = verify_with_only(key.data, flip_one_byte(served.data))
    assert bad.returncode != 0 and b"BAD signature" in bad.stderr


def test_the_served_announcement_verifies_with_the_key_fetched_through_wkd(
        organizer_client, make_event):
    client = organizer_client
    signed_through_the_back_office(client, make_event)
    local, domain = ORG_EMAIL.split("@")
    url = f"/.well-known/openpgpkey/hu/{wkd_hash(local)}?l={local}"

    found = client.get(url, base_url=f"https://{domain}")
    assert found.status_code == 200 and found.mimetype == "application/octet-stream"
    assert not found.data.startswith(b"-----")            # binary, as WKD requires
    served = client.get("/events/cryptoparty/announcement.txt.asc").data
    good = verify_with_only(found.data, served)
    assert good.returncode == 0 and b"Good signature" in good.stderr
    assert verify_with_only(found.data, flip_one_byte(served)).returncode != 0

    # Another domain's address, or an unknown one, is not ours to answer.
    assert client.get(url, base_url="https://example.net").status_code == 404
    assert client.get(f"/.well-known/openpgpkey/hu/{wkd_hash('nobody')}",
                      base_url=f"https://{domain}").status_code == 404
    assert client.get("/.well-known/openpgpkey/hu/not-a-hash",
                      base_url=f"https://{domain}").status_code == 404
    # The advanced method, for a library whose openpgpkey.<domain> points here.
    advanced = client.get(f"/.well-known/openpgpkey/{domain}/hu/{wkd_hash(local)}?l={local}")
    assert advanced.status_code == 200 and advanced.data == found.data
    policy = client.get("/.well-known/openpgpkey/policy")
    assert policy.status_code == 200 and policy.data == b""
    assert client.get(f"/.well-known/openpgpkey/{domain}/policy").status_code == 200


def test_key_asc_is_404_without_a_key(client, make_org):
    make_org()
    assert client.get("/orgs/bib/key.asc").status_code == 404
    assert client.get("/orgs/nowhere/key.asc").status_code == 404


def test_no_signed_announcement_is_404(client, make_event):
    make_event()
    assert client.get("/events/cryptoparty/announcement.txt.asc").status_code == 404
    assert client.get("/events/cryptoparty/announcement").status_code == 404


def test_event_page_shows_the_fingerprint_and_the_signed_announcement(
        organizer_client, make_event):
    client = organizer_client
    signed_through_the_back_office(client, make_event)
    fpr = client.organization.key_fingerprint
    grouped = " ".join(fpr[i:i + 4] for i in range(0, 40, 4))
    page = client.get("/events/cryptoparty/?lang=fr").get_data(as_text=True)
    assert grouped in page
    assert "/events/cryptoparty/announcement.txt.asc" in page and "/orgs/bib/key.asc" in page
    explained = client.get("/events/cryptoparty/announcement?lang=fr").get_data(as_text=True)
    assert "gpg --locate-keys annonces@example.org" in explained
    assert "gpg --verify announcement.txt.asc" in explained
    english = client.get("/events/cryptoparty/announcement?lang=en").get_data(as_text=True)
    assert "How to check it" in english and "Comment la vérifier" in explained


def test_staleness_is_shown_on_the_back_office_and_the_announcement_page(
        organizer_client, make_event, now):
    client = organizer_client
    signed_through_the_back_office(client, make_event)
    fresh = client.get("/events/cryptoparty/announcement?lang=en").get_data(as_text=True)
    assert "no longer matches the event" not in fresh

    event = events.get_public_event("cryptoparty")
    events.update_event(event, now=now, venue="Une autre salle")
    stale = client.get("/events/cryptoparty/announcement?lang=en").get_data(as_text=True)
    assert "This signed text no longer matches the event." in stale
    back_office = client.get("/manage/events/cryptoparty/announcements?lang=en")
    assert "The signed announcement no longer matches the event." in back_office.get_data(
        as_text=True)
    event_page = client.get("/manage/events/cryptoparty/?lang=en").get_data(as_text=True)
    assert "The signed announcement no longer matches the event." in event_page


def test_a_short_post_over_its_limit_is_refused_and_not_saved(organizer_client, make_event):
    client = organizer_client
    make_event(organization=client.organization)
    client.post_form("/manage/events/cryptoparty/announcements/draft")
    before = db.session.scalar(select(Announcement.body).filter_by(channel="microblog"))
    response = client.post_form("/manage/events/cryptoparty/announcements/microblog?lang=en",
                                {"microblog-text": "x" * 281})
    assert response.status_code == 400
    assert "This text has 281 characters; at most 280 fit in this channel." in \
        response.get_data(as_text=True)
    assert db.session.scalar(select(Announcement.body).filter_by(channel="microblog")) == before
    ok = client.post_form("/manage/events/cryptoparty/announcements/microblog",
                          {"microblog-text": "Ce soir, CryptoParty !"})
    assert ok.status_code == 302
    assert db.session.scalar(select(Announcement.body).filter_by(channel="microblog")) == \
        "Ce soir, CryptoParty !\n"


def upload_key(client, kind, data: bytes, lang="en"):
    prefix = "secret" if kind == "import" else "public"
    return client.post_form(f"/manage/orgs/bib/key/{kind}?lang={lang}", {
        f"{prefix}-key_file": (io.BytesIO(data), "key.asc"),
    }, content_type="multipart/form-data")


def test_not_a_key_is_refused_with_a_clear_message(organizer_client):
    response = upload_key(organizer_client, "import", b"Bonjour, je suis une clef.")
    assert response.status_code == 400
    assert "This is not an OpenPGP key." in response.get_data(as_text=True)
    french = upload_key(organizer_client, "import", b"Bonjour, je suis une clef.", lang="fr")
    assert "Ce n’est pas une clé OpenPGP." in french.get_data(as_text=True)
    assert key_rows() == 0


def test_a_public_key_where_a_secret_one_is_expected(organizer_client):
    with outside_keyring() as own:
        fpr = own.generate_key(ORG_NAME, ORG_EMAIL)
        public = own.export_public_key(fpr).encode()
    response = upload_key(organizer_client, "import", public)
    assert response.status_code == 400
    assert "This is a public key; a secret key is needed to sign here." in \
        response.get_data(as_text=True)
    assert key_rows() == 0 and organizer_client.organization.key_fingerprint is None


def test_a_ten_megabyte_upload_gets_413(organizer_client):
    response = upload_key(organizer_client, "import", b"A" * (10 * 1024 * 1024))
    assert response.status_code == 413
    assert "This is too large" in response.get_data(as_text=True)
    assert key_rows() == 0


def test_a_key_with_another_passphrase_than_the_servers_is_refused(organizer_client):
    with outside_keyring() as own:
        fpr = own.generate_key(ORG_NAME, ORG_EMAIL, passphrase="ma phrase à moi")
        secret = export_secret(own, fpr, "ma phrase à moi")
    response = upload_key(organizer_client, "import", secret)
    assert response.status_code == 400
    assert "The passphrase does not unlock the key." in response.get_data(as_text=True)
    assert key_rows() == 0


def test_import_a_secret_key_protected_by_the_servers_passphrase(organizer_client, make_event):
    with outside_keyring() as own:
        fpr = own.generate_key(ORG_NAME, ORG_EMAIL, passphrase=SERVER_PASSPHRASE)
        secret = export_secret(own, fpr, SERVER_PASSPHRASE)
    assert upload_key(organizer_client, "import", secret).status_code == 302
    assert organizer_client.organization.key_fingerprint == fpr
    make_event(organization=organizer_client.organization)
    signed = organizer_client.post_form("/manage/events/cryptoparty/announcements/sign")
    assert signed.status_code == 302
    assert announcements.signed_announcement(events.get_public_event("cryptoparty")).fingerprint \
        == fpr


def test_offline_signature_by_another_key_is_refused_then_the_right_one_published(
        organizer_client, make_event):
    client = organizer_client
    make_event(organization=client.organization)
    with outside_keyring() as own, outside_keyring() as stranger:
        fpr = own.generate_key(ORG_NAME, ORG_EMAIL)
        other = stranger.generate_key("Quelqu'un", "quelquun@example.org")
        assert upload_key(client, "register", own.export_public_key(fpr).encode()) \
            .status_code == 302
        client.post_form("/manage/events/cryptoparty/announcements/draft")
        body = db.session.scalar(select(Announcement.body).filter_by(channel="full"))
        # The server cannot sign for an organization that signs offline.
        refused = client.post_form("/manage/events/cryptoparty/announcements/sign?lang=en")
        assert refused.status_code == 409
        assert "signs offline" in refused.get_data(as_text=True)

        forged = stranger.clearsign(body, other)
        wrong = client.post_form("/manage/events/cryptoparty/announcements/upload?lang=en",
                                 {"signed_text": forged})
        assert wrong.status_code == 400
        page = wrong.get_data(as_text=True)
        assert "The signature is not valid" in page or "not by the expected key" in page
        assert client.get("/events/cryptoparty/announcement.txt.asc").status_code == 404

        signed = own.clearsign(body, fpr)
        ok = client.post_form("/manage/events/cryptoparty/announcements/upload", {
            "signed_file": (io.BytesIO(signed.encode()), "announcement.txt.asc"),
        }, content_type="multipart/form-data")
        assert ok.status_code == 302
    served = client.get("/events/cryptoparty/announcement.txt.asc").data
    good = verify_with_only(client.get("/orgs/bib/key.asc").data, served)
    assert good.returncode == 0


def test_rotation_and_revocation_from_the_back_office(organizer_client):
    client = organizer_client
    assert generate(client).status_code == 302
    first = client.organization.key_fingerprint
    again = generate(client)
    assert again.status_code == 409 and key_rows() == 1
    assert generate(client, rotate="y").status_code == 302
    second = client.organization.key_fingerprint
    assert second != first and key_rows() == 2
    page = client.get("/manage/orgs/bib/key?lang=en").get_data(as_text=True)
    assert "previous" in page and "current" in page

    revoked = client.post_form("/manage/orgs/bib/key/revoke", {
        "key": first, f"{first}-fingerprint": first, f"{first}-reason": "superseded",
        f"{first}-confirm": "y"})
    assert revoked.status_code == 302
    assert get_keyring(client.application).key_info(first).revoked
    assert client.organization.key_fingerprint == second
    assert keys.key_of(client.organization, first).revoked_at is not None


def test_another_organizations_back_office_is_not_reachable(client, make_org, make_organizer):
    mine, theirs = make_org(), make_org(slug="autre", name="Autre")
    make_organizer(organizations=[mine])
    login(client, "alice")
    assert client.get("/manage/orgs/autre/key").status_code == 404
    assert client.post_form("/manage/orgs/autre/key/generate",
                            {"name": "X", "email": "x@example.org"}).status_code == 404
    assert theirs.key_fingerprint is None


def test_back_office_pages_need_a_login(client, make_event):
    make_event()
    assert client.get("/manage/orgs/bib/key").status_code == 302
    assert client.get("/manage/events/cryptoparty/announcements").status_code == 302


def test_cli_generate_key_and_sign(app, make_event):
    make_event()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["generate-key", "bib", "--email", ORG_EMAIL])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["generate-key", "bib"])
    assert again.exit_code != 0 and "--rotate" in again.output
    signed = runner.invoke(args=["sign", "cryptoparty"])
    assert signed.exit_code == 0, signed.output
    assert "/events/cryptoparty/announcement.txt.asc" in signed.output
    assert runner.invoke(args=["sign", "nothing"]).exit_code != 0
