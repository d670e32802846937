"""Ticket codes: made to be copied by hand, checked by hash, never stored.

A code is 80 random bits written as 16 characters of Crockford's base 32
(``0-9`` and ``A-Z`` without ``I``, ``L``, ``O`` and ``U``), shown in four
groups: ``7KQ2-M9XD-4TRB-HW0E``. The alphabet has no two characters that look
alike, and what people type is normalised before anything else: case,
spaces, dashes and dots are ignored, and ``O`` reads as ``0``, ``I`` and ``L``
as ``1`` (the letters someone may type for the digits they saw).

What is stored is ``HMAC-SHA256(key, code)`` where the key is derived from the
application's ``SECRET_KEY``. A plain SHA-256 would already be hard to invert
(80 bits of entropy), but the keyed hash means that a stolen copy of the
database alone does not even let anyone *test* a guessed code offline; the
price is that changing ``SECRET_KEY`` invalidates every ticket, which the
deployment guide says (the key lives in ``instance/secret_key``).

Why guessing is hopeless. There are 2**80 ≈ 1.2e24 codes. Code lookups are
rate-limited (``RATELIMIT_CODE_LOOKUP``, by default 30 misses per minute and
300 per hour per client address, counted on a keyed hash of the address):
300 × 24 × 365 ≈ 2.6e6 guesses per address and per year. Even with 10,000
live tickets at once, one guess succeeds with probability 10^4 / 1.2e24 ≈
8e-21; a year of guessing from one address succeeds with probability ≈ 2e-14,
and a botnet of a million addresses guessing for a whole year still ≈ 2e-8.
The short check-in tag printed on tickets and door lists (25 bits of the
hash) tells nothing about the code: the hash is one-way and keyed.
"""

import base64
import hashlib
import re
import secrets

from cryptoparty.core.security import keyed_hash

CODE_BITS = 80
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
CODE_LENGTH = CODE_BITS // 5  # 16 characters
GROUP = 4
TAG_LENGTH = 5  # 25 bits: about 1 chance in 1,700 of two equal tags among 200 tickets

_FROM_RFC4648 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)
# Look-alikes people may type, and separators they may add.
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None, ".": None,
                        "_": None, "\t": None, "\u00a0": None, "\u2010": None,
                        "\u2011": None, "\u2013": None, "\u2014": None})
_CANONICAL = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")


def new_code() -> str:
    """A fresh random code in canonical form (16 characters, no dashes)."""
    raw = base64.b32encode(secrets.token_bytes(CODE_BITS // 8)).decode("ascii")
    return raw.translate(_FROM_RFC4648)


def normalize(typed: str) -> str | None:
    """The canonical form of what someone typed, or None if it cannot be a code."""
    if not isinstance(typed, str) or len(typed) > 64:
        return None
    code = typed.strip().upper().translate(_TYPED)
    return code if _CANONICAL.match(code) else None


def display(code: str) -> str:
    """The code in groups of four, as printed and as used in URLs."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def hash_code(code: str, secret: str | bytes | None = None) -> str:
    """The stored fingerprint of a canonical code (hex HMAC-SHA256)."""
    return keyed_hash(b"ticket-code-v1", code, secret)


def check_tag(code_hash: str) -> str:
    """A short tag for the door list, derived from the stored hash (not from the code)."""
    digest = hashlib.sha256(b"check-tag:" + code_hash.encode("ascii")).digest()
    return base64.b32encode(digest).decode("ascii").translate(_FROM_RFC4648)[:TAG_LENGTH]
