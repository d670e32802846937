"""OpenPGP through GnuPG, without Flask: the keyring, armor, fingerprints, WKD.

One :class:`~cryptoparty.gpg.keyring.Keyring` wraps a GnuPG home; every gpg
call of the application goes through it. Errors are :class:`OpenPGPError`\\ s;
the areas that use this package turn them into messages for people.
"""
