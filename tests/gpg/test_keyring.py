"""The OpenPGP service: keys, clearsigned announcements, encrypted contacts.

No Flask here. Every GnuPG home is a short directory under /tmp (gpg-agent's
socket paths are limited to 107 bytes) and its agent is stopped afterwards.
Signatures are checked with stock ``gpg --verify`` in a separate home that holds
only the exported public key, as a person at a CryptoParty would do.
"""

import ast
import hashlib
import inspect
import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cryptoparty.gpg import keyring as openpgp
from cryptoparty.gpg.keyring import (
    MAX_KEY_BYTES,
    BadSignature,
    CannotSign,
    DecryptionFailed,
    EncryptionFailed,
    InvalidFingerprint,
    InvalidUserID,
    KeyNotFound,
    Keyring,
    KeyTooLarge,
    MultipleKeys,
    NotAKey,
    NotASecretKey,
    OpenPGPError,
    RevocationFailed,
    UnexpectedSecretKey,
    WrongPassphrase,
    WrongSigner,
    fingerprint_groups,
    normalize_text,
    wkd_hash,
)

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="needs GnuPG")

PASSPHRASE = "c0rrect horse batterie agrafée "   # non-ASCII, trailing space on purpose
OTHER_PASSPHRASE = "autre phrase"
S2K = 65536   # a small work factor for gpg-agent's passphrase hashing: fast tests
ORG_NAME = "Bibliothèque de l'INSA"
ORG_EMAIL = "annonces@example.org"

ANNOUNCEMENT = """\
CryptoParty à la bibliothèque de l'INSA Rennes — jeudi 17 mars, 20 h 30

Programme :
- 20:45 Tor Browser : naviguer sans être pisté·e
- 20:45 Signal, et pourquoi pas SMS
-- ateliers de 45 minutes --
-----BEGIN PGP SIGNATURE-----   (ceci n'est pas une signature)
From here on, everyone is welcome.   \t
Entrée libre, sans inscription obligatoire. Ωμέγα ✓
"""


# --------------------------------------------------------------------------- helpers

def _kill_agent(home):
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"],
                   stdin=subprocess.DEVNULL, capture_output=True, check=False)


def gpg(home, *args, input=None, passphrase=None):
    """Run stock gpg in ``home``; return the CompletedProcess (stdout bytes, stderr text)."""
    cmd = ["gpg", "--homedir", str(home), "--batch", "--no-tty", "--status-fd", "2"]
    if passphrase is not None:
        cmd += ["--pinentry-mode", "loopback", "--passphrase", passphrase]
    if isinstance(input, str):
        input = input.encode("utf-8")
    proc = subprocess.run(cmd + list(args), input=input, capture_output=True, check=False)
    proc.stderr = proc.stderr.decode("utf-8", "replace")
    return proc


def snapshot(keyring):
    """What an import could change: keys listed, the keybox, the agent's private keys."""
    home = Path(keyring.home)
    private = home / "private-keys-v1.d"
    files = {}
    for path in [home / "pubring.kbx", *(sorted(private.iterdir()) if private.exists() else [])]:
        if path.exists():
            files[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return keyring.fingerprints(), keyring.fingerprints(secret=True), files


@pytest.fixture
def make_home():
    """A factory of throwaway GnuPG homes with short paths; their agents are stopped after."""
    made = []

    def make():
        home = tempfile.mkdtemp(prefix="gpg", dir="/tmp")
        made.append(home)
        return home

    yield make
    for home in made:
        _kill_agent(home)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def make_keyring(make_home):
    keyrings = []

    def make(**kwargs):
        kwargs.setdefault("s2k_count", S2K)
        keyring = Keyring(make_home(), **kwargs)
        keyrings.append(keyring)
        return keyring

    yield make
    for keyring in keyrings:
        keyring.close()


@pytest.fixture
def keyring(make_keyring):
    return make_keyring()


@pytest.fixture
def org(keyring):
    """The organization's keyring and the fingerprint of its passphrase-protected key."""
    fpr = keyring.generate_key(ORG_NAME, ORG_EMAIL, passphrase=PASSPHRASE)
    return keyring, fpr


@pytest.fixture
def other(make_keyring):
    """Another party's keyring (its own machine) and key."""
    keyring = make_keyring()
    fpr = keyring.generate_key("Collectif Autre", "contact@autre.example.net",
                               passphrase=OTHER_PASSPHRASE)
    return keyring, fpr


@pytest.fixture
def verifier(make_home):
    """A stock GnuPG home holding only the public key it is given."""
    def make(public_key):
        home = make_home()
        result = gpg(home, "--import", input=public_key)
        assert result.returncode == 0, result.stderr
        return home
    return make


def export_secret(keyring, fpr, passphrase):
    result = gpg(keyring.gpg_home, "--armor", "--export-secret-keys", fpr, passphrase=passphrase)
    assert result.returncode == 0 and b"PRIVATE KEY BLOCK" in result.stdout, result.stderr
    return result.stdout.decode("ascii")


def stock_verify(home, signed: str, tmp_path):
    path = tmp_path / f"announcement-{hashlib.sha1(signed.encode()).hexdigest()[:8]}.txt.asc"
    path.write_bytes(signed.encode("utf-8"))
    return gpg(home, "--verify", str(path))


# --------------------------------------------------------------------------- the home

def test_home_is_created_private_and_its_mode_is_fixed(make_home):
    base = make_home()
    home = os.path.join(base, "instance", "gnupg")
    keyring = Keyring(home, s2k_count=S2K)
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    os.chmod(home, 0o755)
    Keyring(home, s2k_count=S2K).close()
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    conf = Path(home, "gpg-agent.conf").read_text()
    assert "allow-loopback-pinentry" in conf and "default-cache-ttl 0" in conf
    keyring.close()


def test_a_home_path_too_long_for_sockets_still_works(make_home, tmp_path):
    base = make_home()
    home = os.path.join(base, *(["a-rather-long-directory-name"] * 5), "gnupg")
    assert len(home) > 120
    keyring = Keyring(home, s2k_count=S2K)
    try:
        assert keyring.home == home
        assert len(keyring.gpg_home) < 60 and os.path.realpath(keyring.gpg_home) == home
        fpr = keyring.generate_key(ORG_NAME, ORG_EMAIL, passphrase=PASSPHRASE)
        signed = keyring.clearsign("Bonjour\n", fpr, PASSPHRASE)
        assert keyring.verify_clearsigned(signed, fpr).text == "Bonjour\n"
        assert os.path.exists(os.path.join(home, "pubring.kbx"))
        assert fpr in Keyring(home, s2k_count=S2K).fingerprints(secret=True)
    finally:
        keyring.close()
        if os.path.islink(keyring.gpg_home):
            os.unlink(keyring.gpg_home)


# --------------------------------------------------------------------------- generation

def test_generate_key_makes_a_modern_key(make_keyring):
    keyring = make_keyring(s2k_count=None)        # the production work factor
    fpr = keyring.generate_key(ORG_NAME, ORG_EMAIL, passphrase=PASSPHRASE)
    assert re.fullmatch(r"[0-9A-F]{40}", fpr)
    info = keyring.key_info(fpr)
    assert info.fingerprint == fpr
    assert info.uids == (f"{ORG_NAME} <{ORG_EMAIL}>",)
    assert info.emails == (ORG_EMAIL,)
    assert info.algorithm == "ed25519"
    assert info.can_sign and info.can_encrypt and info.has_secret
    assert not info.revoked and not info.expired
    assert timedelta(days=3 * 365 - 2) < info.expires - info.created < timedelta(days=3 * 366 + 2)
    assert abs(info.created - datetime.now(timezone.utc)) < timedelta(minutes=5)

    listing = gpg(keyring.gpg_home, "--with-colons", "--list-keys", fpr).stdout.decode()
    records = [line.split(":") for line in listing.splitlines()]
    assert [r[16] for r in records if r[0] == "pub"] == ["ed25519"]
    assert [(r[16], r[11]) for r in records if r[0] == "sub"] == [("cv25519", "e")]
    assert Path(keyring.home, "openpgp-revocs.d", f"{fpr}.rev").exists()


def test_generate_key_without_passphrase_and_for_rotation(keyring):
    first = keyring.generate_key(ORG_NAME, ORG_EMAIL)
    second = keyring.generate_key(ORG_NAME, ORG_EMAIL, expire="0")   # same user ID: a rotation
    assert first != second
    assert keyring.key_info(second).expires is None
    assert keyring.verify_clearsigned(keyring.clearsign("x", first), first).fingerprint == first
    assert set(keyring.fingerprints(secret=True)) == {first, second}


@pytest.mark.parametrize("name, email", [
    ("", ORG_EMAIL),
    ("Evil <x@y.z>", ORG_EMAIL),
    ("Line\nbreak", ORG_EMAIL),
    ("-247732", ORG_EMAIL),  # issue 14: read by gpg as an option, a 500 before
    ("--batch", ORG_EMAIL),
    (ORG_NAME, "not-an-address"),
    (ORG_NAME, "a@b"),
    (ORG_NAME, "x@y.z>\nName-Real: injected"),
])
def test_generate_key_refuses_a_bad_user_id(keyring, name, email):
    with pytest.raises(InvalidUserID):
        keyring.generate_key(name, email)
    assert keyring.fingerprints() == []


# --------------------------------------------------------------------------- signing

def test_clearsigned_text_verifies_with_stock_gpg_and_fails_once_a_byte_changes(
        org, verifier, tmp_path):
    keyring, fpr = org
    signed = keyring.clearsign(ANNOUNCEMENT, fpr, PASSPHRASE)
    assert signed.startswith("-----BEGIN PGP SIGNED MESSAGE-----\n")
    assert signed.endswith("-----END PGP SIGNATURE-----\n")

    home = verifier(keyring.export_public_key(fpr))
    listing = gpg(home, "--with-colons", "--list-keys").stdout.decode()
    assert listing.count("\npub:") + listing.startswith("pub:") == 1
    assert gpg(home, "--with-colons", "--list-secret-keys").stdout == b""

    good = stock_verify(home, signed, tmp_path)
    assert good.returncode == 0, good.stderr
    assert "[GNUPG:] GOODSIG" in good.stderr
    assert f"[GNUPG:] VALIDSIG {fpr}" in good.stderr

    raw = signed.encode("utf-8")
    body_start = raw.index(b"\n\n") + 2
    body_end = raw.index(b"-----BEGIN PGP SIGNATURE-----")
    letters = [i for i in range(body_start, body_end) if chr(raw[i]).isalpha()]
    for position in (letters[0], letters[len(letters) // 2], letters[-1]):
        tampered = bytearray(raw)
        tampered[position] ^= 0x01        # one byte, one bit
        tampered = tampered.decode("utf-8", "replace")
        bad = stock_verify(home, tampered, tmp_path)
        assert bad.returncode != 0, position
        assert "[GNUPG:] BADSIG" in bad.stderr
        with pytest.raises(BadSignature):
            keyring.verify_clearsigned(tampered, fpr)


def test_what_is_signed_is_the_normalized_text(org, verifier, tmp_path):
    keyring, fpr = org
    signed = keyring.clearsign(ANNOUNCEMENT.replace("\n", "\r\n") + "\r\n\r\n", fpr, PASSPHRASE)
    expected = normalize_text(ANNOUNCEMENT)
    assert "everyone is welcome.\n" in expected            # trailing blanks removed
    assert not any(line != line.rstrip(" \t") for line in signed.splitlines())
    assert "\r" not in signed

    verified = keyring.verify_clearsigned(signed, fpr)
    assert verified.text == expected
    assert verified.fingerprint == fpr and verified.signing_key == fpr
    assert abs(verified.signed_at - datetime.now(timezone.utc)) < timedelta(minutes=5)
    assert verified.armored == signed

    # dash-escaping is gpg's: every line of the text that starts with '-' is escaped,
    # and stock gpg gives back exactly the text.
    assert "\n- - 20:45 Tor Browser" in signed
    assert "\n- -----BEGIN PGP SIGNATURE-----   (ceci" in signed
    home = verifier(keyring.export_public_key(fpr))
    path = tmp_path / "a.txt.asc"
    path.write_text(signed, encoding="utf-8")
    out = gpg(home, "--output", "-", "--decrypt", str(path))
    assert out.returncode == 0, out.stderr
    assert normalize_text(out.stdout.decode("utf-8")) == expected


@pytest.mark.parametrize("text", [
    "-\n",
    "- \n",
    "-- \nsignature de courriel\n",
    "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\nfaux\n",
    "From the library\n>From quoted\n",
    "\n\nleading blank lines\n",
    "ünïcödé 中文 🔐 \u00a0(nbsp)\n",
    "tab\tinside and at end\t\n",
    "no final newline",
])
def test_special_texts_round_trip(org, verifier, tmp_path, text):
    keyring, fpr = org
    signed = keyring.clearsign(text, fpr, PASSPHRASE)
    assert keyring.verify_clearsigned(signed, fpr).text == normalize_text(text)
    home = verifier(keyring.export_public_key(fpr))
    assert stock_verify(home, signed, tmp_path).returncode == 0


def test_concurrent_signing_yields_only_complete_valid_signatures(org, verifier, tmp_path):
    keyring, fpr = org
    texts = [f"Annonce n°{n}\n" + f"- ligne {n} avec des accents éàü\n" * (200 + 37 * n)
             for n in range(8)]
    results, errors = [None] * 8, []
    barrier = threading.Barrier(8)

    def sign(n):
        try:
            barrier.wait()
            results[n] = keyring.clearsign(texts[n], fpr, PASSPHRASE)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sign, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    home = verifier(keyring.export_public_key(fpr))
    for n, signed in enumerate(results):
        assert signed.endswith("-----END PGP SIGNATURE-----\n")
        assert keyring.verify_clearsigned(signed, fpr).text == normalize_text(texts[n])
        result = stock_verify(home, signed, tmp_path)
        assert result.returncode == 0 and f"VALIDSIG {fpr}" in result.stderr


def test_signing_needs_the_right_passphrase_every_time(org):
    keyring, fpr = org
    with pytest.raises(WrongPassphrase):
        keyring.clearsign("x", fpr, "wrong")
    with pytest.raises(WrongPassphrase, match="none was given"):
        keyring.clearsign("x", fpr)
    assert keyring.clearsign("x", fpr, PASSPHRASE)
    # right after a success, the agent must not have cached the passphrase
    with pytest.raises(WrongPassphrase):
        keyring.clearsign("x", fpr, PASSPHRASE.strip())
    with pytest.raises(WrongPassphrase):
        keyring.clearsign("x", fpr, "line\nbreak")


def test_signing_with_an_unknown_or_malformed_key(org, keyring):
    _, fpr = org
    with pytest.raises(KeyNotFound):
        keyring.clearsign("x", "0" * 40)
    with pytest.raises(InvalidFingerprint):
        keyring.clearsign("x", "not a fingerprint")
    with pytest.raises(openpgp.InvalidText):
        keyring.clearsign(" \n\t\n", fpr, PASSPHRASE)


# --------------------------------------------------------------------------- verification

def test_offline_signature_by_the_registered_key_is_accepted(keyring, other, make_home):
    other_keyring, other_fpr = other
    assert keyring.import_public_key(other_keyring.export_public_key(other_fpr)) == other_fpr
    info = keyring.key_info(other_fpr)
    assert info.can_sign and not info.has_secret
    with pytest.raises(CannotSign, match="offline"):
        keyring.clearsign("x", other_fpr)

    # signed with stock gpg on the organizer's own machine
    signed = gpg(other_keyring.gpg_home, "--clearsign", "--local-user", other_fpr,
                 input=ANNOUNCEMENT.replace("\n", "\r\n"), passphrase=OTHER_PASSPHRASE)
    assert signed.returncode == 0, signed.stderr
    verified = keyring.verify_clearsigned(signed.stdout, other_fpr)
    assert verified.text == normalize_text(ANNOUNCEMENT)
    assert verified.fingerprint == other_fpr


def test_offline_signature_by_a_signing_subkey_counts_for_its_primary_key(keyring, other):
    other_keyring, other_fpr = other
    added = gpg(other_keyring.gpg_home, "--quick-add-key", other_fpr, "ed25519", "sign", "1y",
                passphrase=OTHER_PASSPHRASE)
    subkey = re.search(r"KEY_CREATED S ([0-9A-F]{40})", added.stderr).group(1)
    keyring.import_public_key(other_keyring.export_public_key(other_fpr))
    signed = gpg(other_keyring.gpg_home, "--clearsign", "--local-user", other_fpr,
                 input="Signé par la sous-clé\n", passphrase=OTHER_PASSPHRASE)
    verified = keyring.verify_clearsigned(signed.stdout, other_fpr)
    assert (verified.fingerprint, verified.signing_key) == (other_fpr, subkey)
    assert other_keyring.verify_clearsigned(
        other_keyring.clearsign("x", other_fpr, OTHER_PASSPHRASE), other_fpr).signing_key == subkey


def test_offline_signature_by_another_key_is_refused(org, other):
    keyring, fpr = org
    other_keyring, other_fpr = other
    signed = other_keyring.clearsign(ANNOUNCEMENT, other_fpr, OTHER_PASSPHRASE)
    # the other key is unknown here ...
    with pytest.raises(WrongSigner) as refused:
        keyring.verify_clearsigned(signed, fpr)
    assert other_fpr[-16:] in refused.value.describe()
    # ... or known, registered for somebody else
    keyring.import_public_key(other_keyring.export_public_key(other_fpr))
    with pytest.raises(WrongSigner) as refused:
        keyring.verify_clearsigned(signed, fpr)
    assert other_fpr in refused.value.describe() and fpr in refused.value.describe()


@pytest.mark.parametrize("mangle, reason", [
    (lambda s: "Entrée gratuite et bière offerte !\n" + s, "first"),
    (lambda s: s + "\nPS : apportez 50 euros.\n", "after the signature"),
    (lambda s: s + s, "after the signature"),
    (lambda s: s.replace("\n\n", "\nComment: hi\n\n", 1), "armor header"),
    (lambda s: s.replace("Programme :\n", "Programme :\n-- injected\n"), "dash-escaped"),
    (lambda s: s[:s.index("-----END PGP")], "incomplete"),
    (lambda s: s[:s.rindex("-----BEGIN PGP SIGNATURE")], "missing"),
    (lambda s: "bonjour", "first"),
])
def test_verification_refuses_anything_but_one_clean_block(org, mangle, reason):
    keyring, fpr = org
    signed = keyring.clearsign(ANNOUNCEMENT, fpr, PASSPHRASE)
    with pytest.raises(BadSignature, match=reason):
        keyring.verify_clearsigned(mangle(signed), fpr)


def test_verification_accepts_crlf_and_surrounding_whitespace(org):
    keyring, fpr = org
    signed = keyring.clearsign(ANNOUNCEMENT, fpr, PASSPHRASE)
    verified = keyring.verify_clearsigned("\r\n  " + signed.replace("\n", "\r\n") + "\r\n\r\n",
                                          fpr)
    assert verified.text == normalize_text(ANNOUNCEMENT)
    assert verified.armored == signed


def test_verification_size_limit(org):
    keyring, fpr = org
    with pytest.raises(openpgp.MessageTooLarge):
        keyring.verify_clearsigned("x" * (openpgp.MAX_MESSAGE_BYTES + 1), fpr)


# --------------------------------------------------------------------------- imports

@pytest.fixture
def other_secret(other):
    other_keyring, other_fpr = other
    return other_fpr, export_secret(other_keyring, other_fpr, OTHER_PASSPHRASE)


def test_import_secret_key_then_sign(keyring, other_secret, verifier, tmp_path):
    other_fpr, secret = other_secret
    assert keyring.import_secret_key(secret, OTHER_PASSPHRASE) == other_fpr
    info = keyring.key_info(other_fpr)
    assert info.has_secret and info.can_sign
    signed = keyring.clearsign("Annonce\n", other_fpr, OTHER_PASSPHRASE)
    home = verifier(keyring.export_public_key(other_fpr))
    assert stock_verify(home, signed, tmp_path).returncode == 0


def test_import_secret_key_as_bytes_without_passphrase(keyring, make_keyring):
    source = make_keyring()
    fpr = source.generate_key("Sans phrase", "sans@example.org")
    secret = gpg(source.gpg_home, "--export-secret-keys", fpr).stdout     # binary
    assert keyring.import_secret_key(secret) == fpr
    assert keyring.verify_clearsigned(keyring.clearsign("ok", fpr), fpr).text == "ok\n"


def _cert_only_key(home):
    """A key whose primary only certifies and whose subkey only encrypts: it cannot sign."""
    uid = "Chiffrement seul <chiffre@example.org>"
    made = gpg(home, "--quick-generate-key", uid, "ed25519", "cert", "1y", passphrase="")
    fpr = re.search(r"KEY_CREATED \w ([0-9A-F]{40})", made.stderr).group(1)
    assert gpg(home, "--quick-add-key", fpr, "cv25519", "encr", "1y",
               passphrase="").returncode == 0
    secret = gpg(home, "--armor", "--export-secret-keys", fpr, passphrase="").stdout.decode()
    public = gpg(home, "--armor", "--export", fpr).stdout.decode()
    return fpr, secret, public


@pytest.fixture(scope="module")
def refusals():
    """Key material that the imports must refuse, made once for the module."""
    homes = [tempfile.mkdtemp(prefix="gpg", dir="/tmp") for _ in range(3)]
    keyrings = []
    try:
        source = Keyring(homes[0], s2k_count=S2K)
        third = Keyring(homes[1], s2k_count=S2K)
        keyrings += [source, third]
        fpr = source.generate_key("Collectif Autre", "contact@autre.example.net",
                                  passphrase=OTHER_PASSPHRASE)
        third_fpr = third.generate_key("Troisième", "trois@example.org", passphrase="3")
        secret = export_secret(source, fpr, OTHER_PASSPHRASE)
        public = source.export_public_key(fpr)
        stubbed = gpg(source.gpg_home, "--armor", "--export-secret-subkeys", fpr,
                      passphrase=OTHER_PASSPHRASE).stdout.decode()
        _, cert_only_secret, cert_only_public = _cert_only_key(homes[2])
        yield {
            "secret": secret, "public": public,
            "two_secrets": secret + export_secret(third, third_fpr, "3"),
            "two_publics": public + third.export_public_key(third_fpr),
            "stubbed": stubbed,
            "cert_only_secret": cert_only_secret, "cert_only_public": cert_only_public,
            "signed_text": source.clearsign("pas une clé", fpr, OTHER_PASSPHRASE),
        }
    finally:
        for keyring in keyrings:
            keyring.close()
        for home in homes:
            _kill_agent(home)
            shutil.rmtree(home, ignore_errors=True)


@pytest.mark.parametrize("material, passphrase, error", [
    ("Bonjour, voici ma clé !", None, NotAKey),
    ("signed_text", None, NotAKey),
    ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n",
     None, NotAKey),
    ("public", OTHER_PASSPHRASE, NotASecretKey),
    ("ten_megabytes", None, KeyTooLarge),
    ("secret", "wrong passphrase", WrongPassphrase),
    ("secret", None, WrongPassphrase),
    ("two_secrets", OTHER_PASSPHRASE, MultipleKeys),
    ("stubbed", OTHER_PASSPHRASE, CannotSign),
    ("cert_only_secret", None, CannotSign),
])
def test_import_secret_key_refusals_leave_the_keyring_unchanged(
        org, refusals, material, passphrase, error):
    keyring, fpr = org
    if material == "ten_megabytes":
        data = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n" + "A" * (10 * 1024 * 1024)
    else:
        data = refusals.get(material, material)
    before = snapshot(keyring)
    with pytest.raises(error) as refused:
        keyring.import_secret_key(data, passphrase)
    assert isinstance(refused.value, OpenPGPError) and refused.value.describe()
    assert snapshot(keyring) == before
    assert keyring.fingerprints() == [fpr]


@pytest.mark.parametrize("material, error", [
    ("Bonjour", NotAKey),
    ("secret", UnexpectedSecretKey),
    ("two_publics", MultipleKeys),
    ("cert_only_public", CannotSign),
    ("ten_megabytes", KeyTooLarge),
])
def test_import_public_key_refusals_leave_the_keyring_unchanged(org, refusals, material, error):
    keyring, _ = org
    data = (b"\x99" * (MAX_KEY_BYTES + 1) if material == "ten_megabytes"
            else refusals.get(material, material))
    before = snapshot(keyring)
    with pytest.raises(error):
        keyring.import_public_key(data)
    assert snapshot(keyring) == before


# --------------------------------------------------------------------------- encryption

def test_encrypted_contact_decrypts_in_a_throwaway_home_with_the_secret_key(
        org, make_keyring, make_home):
    keyring, fpr = org
    contact = "Signal : +33 6 12 34 56 78 — @camille:matrix.org"
    ciphertext = keyring.encrypt(contact, fpr)
    assert ciphertext.startswith("-----BEGIN PGP MESSAGE-----")
    assert "camille" not in ciphertext

    secret = export_secret(keyring, fpr, PASSPHRASE)
    # stock gpg, as the organizer would on their own machine
    home = make_home()
    assert gpg(home, "--import", input=secret).returncode == 0
    plain = gpg(home, "--decrypt", input=ciphertext, passphrase=PASSPHRASE)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.decode("utf-8") == contact
    # and through the service, as the tests of the volunteers' pages will
    throwaway = make_keyring()
    throwaway.import_secret_key(secret, PASSPHRASE)
    assert throwaway.decrypt(ciphertext, PASSPHRASE) == contact
    with pytest.raises(WrongPassphrase):
        throwaway.decrypt(ciphertext, "wrong")
    with pytest.raises(DecryptionFailed):
        make_keyring().decrypt(ciphertext)


def test_encrypt_needs_an_encryption_subkey(keyring, make_home):
    home = make_home()
    made = gpg(home, "--quick-generate-key", "Signe seulement <signe@example.org>", "ed25519",
               "sign", "1y", passphrase="")
    fpr = re.search(r"KEY_CREATED \w ([0-9A-F]{40})", made.stderr).group(1)
    keyring.import_public_key(gpg(home, "--armor", "--export", fpr).stdout)
    with pytest.raises(EncryptionFailed):
        keyring.encrypt("contact", fpr)


# --------------------------------------------------------------------------- revocation

def test_revocation(org, verifier, tmp_path):
    keyring, fpr = org
    signed_before = keyring.clearsign("avant\n", fpr, PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        keyring.revoke_key(fpr, "wrong", reason="superseded")
    assert not keyring.key_info(fpr).revoked

    certificate = keyring.revoke_key(fpr, PASSPHRASE, reason="superseded",
                                     description="Remplacée par une nouvelle clé.")
    assert "-----BEGIN PGP PUBLIC KEY BLOCK-----" in certificate
    info = keyring.key_info(fpr)
    assert info.revoked and not info.can_sign and not info.can_encrypt
    with pytest.raises(CannotSign, match="revoked"):
        keyring.clearsign("après", fpr, PASSPHRASE)
    with pytest.raises(BadSignature, match="revoked"):
        keyring.verify_clearsigned(signed_before, fpr)
    with pytest.raises(RevocationFailed):
        keyring.revoke_key(fpr, PASSPHRASE)

    # the published key now carries the revocation, with its reason
    home = verifier(keyring.export_public_key(fpr))
    listing = gpg(home, "--with-colons", "--list-keys", fpr).stdout.decode()
    assert "\npub:r:" in listing
    assert "superseded" in stock_verify(home, signed_before, tmp_path).stderr


def test_revocation_without_the_secret_key_uses_the_stored_certificate(org):
    keyring, fpr = org
    deleted = gpg(keyring.gpg_home, "--yes", "--delete-secret-keys", fpr, passphrase=PASSPHRASE)
    assert deleted.returncode == 0, deleted.stderr
    assert not keyring.key_info(fpr).has_secret
    keyring.revoke_key(fpr)
    assert keyring.key_info(fpr).revoked


def test_revocation_of_a_foreign_public_key_is_refused(keyring, other):
    other_keyring, other_fpr = other
    keyring.import_public_key(other_keyring.export_public_key(other_fpr))
    with pytest.raises(RevocationFailed, match="own machine"):
        keyring.revoke_key(other_fpr)


# --------------------------------------------------------------------------- publishing

def test_export_public_key(org):
    keyring, fpr = org
    armored = keyring.export_public_key(fpr)
    assert armored.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert "PRIVATE" not in armored
    assert keyring.export_public_key(fpr, minimal=False).startswith("-----BEGIN PGP PUBLIC")
    with pytest.raises(KeyNotFound):
        keyring.export_public_key("A" * 40)


def test_wkd_export_keeps_only_the_user_id_of_the_address(org):
    keyring, fpr = org
    added = gpg(keyring.gpg_home, "--quick-add-uid", fpr, "Autre <autre@example.com>",
                passphrase=PASSPHRASE)
    assert added.returncode == 0, added.stderr

    def uids(binary):
        shown = gpg(keyring.gpg_home, "--with-colons", "--import-options", "show-only",
                    "--import", input=binary).stdout.decode("utf-8")
        return [line.split(":")[9] for line in shown.splitlines() if line.startswith("uid:")]

    binary = keyring.export_public_key_binary(fpr, "Annonces@Example.org")
    assert binary[:1] in (b"\x98", b"\x99", b"\xc6")          # an OpenPGP public key packet
    assert uids(binary) == [f"{ORG_NAME} <{ORG_EMAIL}>"]
    assert len(uids(keyring.export_public_key_binary(fpr))) == 2
    with pytest.raises(KeyNotFound):
        keyring.export_public_key_binary(fpr, "personne@example.org")


def test_wkd_hash():
    assert wkd_hash("Joe.Doe") == "iy9q119eutrkn8s1mk4r39qejnbu3n5q"
    assert wkd_hash("joe.doe") == "iy9q119eutrkn8s1mk4r39qejnbu3n5q"
    assert len(wkd_hash("annonces")) == 32


def test_wkd_hash_agrees_with_gnupg(org):
    keyring, fpr = org
    shown = gpg(keyring.gpg_home, "--with-wkd-hash", "--list-keys", fpr).stdout.decode("utf-8")
    assert f"{wkd_hash('annonces')}@example.org" in shown


def test_fingerprint_groups():
    fpr = "421B7B61DF7483907B4E0CAF4150B6ACE15778CC"
    grouped = "421B 7B61 DF74 8390 7B4E 0CAF 4150 B6AC E157 78CC"
    assert fingerprint_groups(fpr) == grouped
    assert fingerprint_groups(grouped.lower()) == grouped
    assert openpgp.normalize_fingerprint("0x" + fpr.lower()) == fpr
    with pytest.raises(InvalidFingerprint):
        fingerprint_groups("421B 7B61")


def test_normalize_text():
    assert normalize_text("a  \r\nb\t\r\n\r\n\n") == "a\nb\n"
    assert normalize_text("a\rb") == "a\nb\n"
    assert normalize_text("  indented\n") == "  indented\n"
    with pytest.raises(openpgp.InvalidText):
        normalize_text("a\x00b")


# --------------------------------------------------------------------------- the module

def test_errors_are_openpgp_errors_with_a_message():
    for name in openpgp.__all__:
        obj = getattr(openpgp, name)
        if inspect.isclass(obj) and issubclass(obj, Exception):
            assert issubclass(obj, OpenPGPError), name
            assert obj.message and obj.message.endswith("."), name
    error = KeyTooLarge(limit=MAX_KEY_BYTES)
    assert str(MAX_KEY_BYTES) in str(error) and error.status == 413


def test_the_module_does_not_use_flask():
    tree = ast.parse(inspect.getsource(openpgp))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "flask_babel", "cryptoparty"}
