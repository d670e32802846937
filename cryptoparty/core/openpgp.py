"""The application's OpenPGP keyring: one :class:`Keyring` per process and app.

The keyring lives in ``app.config["GNUPG_HOME"]`` (``instance/gnupg`` by default).
It is created on first use and cached on ``app.extensions["keyring"]``; the
Keyring serialises its own gpg calls, across threads and worker processes.
"""

import threading

from cryptoparty.gpg.keyring import Keyring

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


def passphrase(app) -> str | None:
    """The passphrase of the organizations' secret keys (``GNUPG_PASSPHRASE``), or None."""
    return app.config.get("GNUPG_PASSPHRASE") or None


def describe_openpgp_error(error) -> str:
    """An OpenPGPError's message in the current language, its parameters translated too.

    The messages of ``services.openpgp`` are marked with ``N_`` and translated
    here, at display; a parameter such as ``reason`` is itself such a message.
    """
    from flask_babel import gettext

    params = {key: gettext(value) if isinstance(value, str) and value else value
              for key, value in (error.params or {}).items()}
    text = gettext(error.message)
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):
        return error.describe()
