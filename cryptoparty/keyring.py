"""The application's OpenPGP keyring: one :class:`Keyring` per process and app.

The keyring lives in ``app.config["GNUPG_HOME"]`` (``instance/gnupg`` by default).
It is created on first use and cached on ``app.extensions["keyring"]``; the
Keyring serialises its own gpg calls, across threads and worker processes.
"""

import threading

from cryptoparty.services.openpgp import Keyring

_create_lock = threading.Lock()


def get_keyring(app) -> Keyring:
    """The app's keyring, created on first use."""
    keyring = app.extensions.get("keyring")
    if keyring is None:
        with _create_lock:
            keyring = app.extensions.get("keyring")
            if keyring is None:
                keyring = Keyring(app.config["GNUPG_HOME"],
                                  s2k_count=app.config.get("GNUPG_S2K_COUNT"))
                app.extensions["keyring"] = keyring
    return keyring
