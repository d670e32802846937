"""Fixtures of the announcements tests: the app's keyring, and stock GnuPG in throwaway homes,
as a person checking an announcement would use it.

Loaded for every test through ``pytest_plugins`` in ``tests/conftest.py``; the helpers are
imported by the tests that use them.
"""

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager

import pytest

from cryptoparty.core.openpgp import get_keyring
from cryptoparty.gpg.keyring import Keyring

ORG_NAME = "Bibliothèque de l'INSA"
ORG_EMAIL = "annonces@example.org"


@pytest.fixture
def keyring(app):
    """The app's own keyring (the organization keys live in it)."""
    return get_keyring(app)


@contextmanager
def gnupg_home():
    """A fresh, short GnuPG home; its agent is stopped and the home removed afterwards."""
    home = tempfile.mkdtemp(prefix="cpg")
    try:
        yield home
    finally:
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"],
                       capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)


def gpg(home, *args, input=None):
    """Run stock gpg in ``home``; return the CompletedProcess (bytes)."""
    return subprocess.run(["gpg", "--homedir", home, "--batch", "--no-tty", *args],
                          input=input, capture_output=True, check=False, timeout=60)


def verify_with_only(public_key: bytes, signed: bytes) -> subprocess.CompletedProcess:
    """``gpg --verify`` in a home that holds only ``public_key`` (armored or binary)."""
    with gnupg_home() as home:
        imported = gpg(home, "--import", input=public_key)
        assert imported.returncode == 0, imported.stderr.decode()
        path = os.path.join(home, "announcement.txt.asc")
        with open(path, "wb") as f:
            f.write(signed)
        return gpg(home, "--verify", path)


def listed_keys(public_key: bytes) -> list[list[str]]:
    """The ``pub`` lines (colon format) of the keys in a key block."""
    with gnupg_home() as home:
        gpg(home, "--import", input=public_key)
        out = gpg(home, "--with-colons", "--list-keys").stdout.decode()
    return [line.split(":") for line in out.splitlines() if line.startswith("pub:")]


@contextmanager
def outside_keyring():
    """A Keyring of somebody's own machine (not the server's)."""
    with gnupg_home() as home:
        keyring = Keyring(home, s2k_count=65536)
        try:
            yield keyring
        finally:
            keyring.close()


def export_secret(keyring: Keyring, fingerprint: str, passphrase: str | None = None) -> bytes:
    """The armored secret key, as ``gpg --armor --export-secret-keys`` gives it."""
    args = ["--pinentry-mode", "loopback", "--passphrase", passphrase or "",
            "--armor", "--export-secret-keys", fingerprint]
    out = gpg(keyring.gpg_home, *args)
    assert b"PRIVATE KEY BLOCK" in out.stdout, out.stderr.decode()
    return out.stdout


def flip_one_byte(signed: bytes, word: bytes = b"CryptoParty") -> bytes:
    """The signed text with one byte of its body changed."""
    start = signed.index(b"\n\n") + 2       # after the armor headers
    at = signed.index(word, start)
    return signed[:at] + bytes([signed[at] ^ 0x20]) + signed[at + 1:]
