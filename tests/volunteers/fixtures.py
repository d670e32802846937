"""Fixtures shared by the volunteer tests: an organization key, a volunteer's key, an event.

Loaded for every test through ``pytest_plugins`` in ``tests/conftest.py``.
"""

import tempfile
from datetime import timedelta

import pytest

from cryptoparty.gpg.keyring import Keyring


@pytest.fixture(scope="session")
def org_fingerprint(gnupg_home):
    """An organization key (signing + encryption subkey) in the app's test keyring."""
    keyring = Keyring(gnupg_home)
    return keyring.generate_key("Bibliothèque municipale", "benevoles@example.org")


@pytest.fixture(scope="session")
def volunteer_key():
    """(armored public key, fingerprint) of a volunteer's own key, made in its own home."""
    home = tempfile.mkdtemp(prefix="cpvk")
    with Keyring(home) as keyring:
        fingerprint = keyring.generate_key("Volunteer", "volunteer@example.net")
        yield keyring.export_public_key(fingerprint), fingerprint, keyring


def volunteer_program():
    """Two sessions; tor, tails and signal look for a facilitator, keepassxc does not."""
    return [
        ("Session 1", [dict(title="Tor Browser", slug="tor-browser", capacity=20,
                            needs_facilitator=True, topics="tor, browser"),
                       dict(title="Tails", slug="tails", capacity=8, format="install",
                            needs_facilitator=True)]),
        ("Session 2", [dict(title="Signal", slug="signal", capacity=20, needs_facilitator=True),
                       dict(title="KeePassXC", slug="keepassxc", capacity=12,
                            needs_facilitator=False)]),
    ]


@pytest.fixture
def volunteer_event(app, make_event, make_org, org_fingerprint):
    """A published event of an organization that has a key; ``.workshop(slug)`` finds one."""
    from cryptoparty.core.extensions import db

    org = make_org()
    org.key_fingerprint = org_fingerprint
    # The existing tests decrypt with this key's secret; test_contacts_key.py checks a
    # contacts key whose secret is not on the server.
    org.contacts_key_fingerprint = org_fingerprint
    db.session.commit()
    event = make_event(org, program=volunteer_program(), starts_in=timedelta(days=10))
    return event


def workshop(event, slug):
    """The event's workshop with this slug."""
    return next(w for w in event.workshops if w.slug == slug)
