"""The organization's key: generate, import, register, rotate, revoke, publish."""

import shutil

import pytest
from sqlalchemy import func, select

from cryptoparty.announcements import keys
from cryptoparty.announcements.models import OrganizationKey
from cryptoparty.core.extensions import db
from cryptoparty.gpg.keyring import (
    KeyTooLarge,
    NotAKey,
    NotASecretKey,
    RevocationFailed,
    WrongPassphrase,
    wkd_hash,
)
from tests.announcements.fixtures import (
    ORG_EMAIL,
    ORG_NAME,
    export_secret,
    gnupg_home,
    gpg,
    listed_keys,
    outside_keyring,
)

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="needs GnuPG")


def key_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(OrganizationKey))


def test_generate_makes_the_current_key_and_mirrors_it_on_the_organization(
        make_org, keyring, now):
    org = make_org()
    key = keys.generate_key(org, keyring, name=ORG_NAME, email=ORG_EMAIL, now=now)
    assert key.is_current and key.has_secret
    assert org.key_fingerprint == key.fingerprint
    assert key.user_id == f"{ORG_NAME} <{ORG_EMAIL}>"
    assert key.email == ORG_EMAIL
    info = keyring.key_info(key.fingerprint)
    assert info.algorithm == "ed25519" and info.can_sign
    assert keys.current_key(org).id == key.id


def test_a_second_key_needs_rotation_and_the_old_one_stays_published(make_org, keyring, now):
    org = make_org()
    first = keys.generate_key(org, keyring, name=ORG_NAME, email=ORG_EMAIL, now=now)
    with pytest.raises(keys.KeyAlreadyExists):
        keys.generate_key(org, keyring, name=ORG_NAME, email=ORG_EMAIL, now=now)
    assert key_rows() == 1

    second = keys.generate_key(org, keyring, name=ORG_NAME, email=ORG_EMAIL, now=now,
                               rotate=True)
    assert org.key_fingerprint == second.fingerprint
    assert [k.fingerprint for k in keys.keys_of(org)] == [second.fingerprint, first.fingerprint]
    assert first.status == "previous" and second.status == "current"
    published = listed_keys(keys.public_key_block(org, keyring).encode())
    assert {line[4] for line in published} == {first.fingerprint[-16:], second.fingerprint[-16:]}


def test_import_secret_key(make_org, keyring, now):
    org = make_org()
    with outside_keyring() as own:
        fpr = own.generate_key(ORG_NAME, ORG_EMAIL)
        secret = export_secret(own, fpr)
    key = keys.import_secret_key(org, keyring, secret, now=now)
    assert key.fingerprint == fpr and key.has_secret and org.key_fingerprint == fpr


@pytest.mark.parametrize("upload, error", [
    (b"hello, this is not a key", NotAKey),
    (b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnonsense\n-----END PGP PUBLIC KEY BLOCK-----\n",
     NotAKey),
    (b"x" * (10 * 1024 * 1024), KeyTooLarge),
])
def test_what_is_not_a_key_is_refused_and_nothing_is_written(make_org, keyring, now, upload,
                                                             error):
    org = make_org()
    before = keyring.fingerprints()
    with pytest.raises(error):
        keys.import_secret_key(org, keyring, upload, now=now)
    assert key_rows() == 0 and org.key_fingerprint is None
    assert keyring.fingerprints() == before


def test_a_public_key_where_a_secret_one_is_expected_is_refused(make_org, keyring, now):
    org = make_org()
    with outside_keyring() as own:
        fpr = own.generate_key(ORG_NAME, ORG_EMAIL)
        public = own.export_public_key(fpr)
    with pytest.raises(NotASecretKey) as refused:
        keys.import_secret_key(org, keyring, public, now=now)
    assert "public key" in refused.value.describe()
    assert key_rows() == 0 and org.key_fingerprint is None
    assert fpr not in keyring.fingerprints()


def test_a_wrong_passphrase_is_refused_and_nothing_is_written(make_org, keyring, now):
    org = make_org()
    with outside_keyring() as own:
        fpr = own.generate_key(ORG_NAME, ORG_EMAIL, passphrase="la bonne phrase")
        secret = export_secret(own, fpr, "la bonne phrase")
    with pytest.raises(WrongPassphrase):
        keys.import_secret_key(org, keyring, secret, now=now, passphrase="une autre phrase")
    assert key_rows() == 0 and fpr not in keyring.fingerprints()
    key = keys.import_secret_key(org, keyring, secret, now=now, passphrase="la bonne phrase")
    assert key.fingerprint == fpr


def test_register_only_the_public_key_to_sign_offline(make_org, keyring, now):
    org = make_org()
    with outside_keyring() as own:
        fpr = own.generate_key(ORG_NAME, ORG_EMAIL)
        public = own.export_public_key(fpr)
    key = keys.register_public_key(org, keyring, public, now=now)
    assert key.is_current and not key.has_secret
    assert org.key_fingerprint == fpr
    assert fpr not in keyring.fingerprints(secret=True)


def test_revoke_the_current_key(make_org, keyring, now):
    org = make_org()
    key = keys.generate_key(org, keyring, name=ORG_NAME, email=ORG_EMAIL, now=now)
    keys.revoke_key(org, keyring, key.fingerprint, now=now, reason="compromised")
    assert key.revoked_at == now and not key.is_current and key.status == "revoked"
    assert org.key_fingerprint is None and keys.current_key(org) is None
    with pytest.raises(keys.KeyAlreadyRevoked):
        keys.revoke_key(org, keyring, key.fingerprint, now=now)
    # Still published, now with its revocation: whoever imported it learns it is revoked.
    [published] = listed_keys(keys.public_key_block(org, keyring).encode())
    assert published[1] == "r"


def test_another_organizations_key_cannot_be_revoked(make_org, keyring, now):
    mine, theirs = make_org(), make_org(slug="other", name="Other")
    key = keys.generate_key(theirs, keyring, name="Other", email="other@example.org", now=now)
    with pytest.raises(keys.UnknownKey):
        keys.revoke_key(mine, keyring, key.fingerprint, now=now)
    assert keyring.key_info(key.fingerprint).revoked is False


def test_no_key_no_block(make_org, keyring):
    with pytest.raises(keys.NoKey):
        keys.public_key_block(make_org(), keyring)


def test_web_key_directory_lookup_by_domain_and_hashed_local_part(make_org, keyring, now):
    org = make_org()
    key = keys.generate_key(org, keyring, name=ORG_NAME, email="Annonces-WKD@example.org",
                            now=now)
    found = keys.wkd_keys(keyring, "example.org", wkd_hash("annonces-wkd"))
    assert found is not None and not found.startswith(b"-----")
    with gnupg_home() as home:
        gpg(home, "--import", input=found)
        listing = gpg(home, "--with-colons", "--list-keys").stdout.decode()
    assert key.fingerprint in listing
    assert keys.wkd_keys(keyring, "example.net", wkd_hash("annonces-wkd")) is None
    assert keys.wkd_keys(keyring, "example.org", wkd_hash("personne")) is None


def test_default_email_is_on_the_sites_domain():
    assert keys.default_email("https://cryptoparty.example.net/") == \
        "annonces@cryptoparty.example.net"
    assert keys.default_email("http://127.0.0.1:5000") == "annonces@example.org"
    assert keys.default_email("http://localhost:5000") == "annonces@example.org"


def test_a_key_signed_offline_is_revoked_offline_then_imported(make_org, keyring, now):
    org = make_org()
    with outside_keyring() as own, outside_keyring() as stranger:
        fpr = own.generate_key(ORG_NAME, ORG_EMAIL)
        other = stranger.generate_key("Quelqu'un", "quelquun@example.org")
        keys.register_public_key(org, keyring, own.export_public_key(fpr), now=now)
        # The server holds no secret key to make a revocation with.
        with pytest.raises(RevocationFailed):
            keys.revoke_key(org, keyring, fpr, now=now)
        # Somebody else's revocation does not revoke this key.
        with pytest.raises(RevocationFailed):
            keys.import_revocation(org, keyring, fpr, stranger.revoke_key(other), now=now)
        assert keys.current_key(org).revoked_at is None
        assert not keyring.key_info(fpr).revoked
        assert other not in keyring.fingerprints()

        certificate = own.revoke_key(fpr, reason="compromised")
    key = keys.import_revocation(org, keyring, fpr, certificate, now=now)
    assert key.revoked_at == now and org.key_fingerprint is None
    assert keyring.key_info(fpr).revoked
