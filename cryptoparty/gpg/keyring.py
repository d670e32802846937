"""OpenPGP through GnuPG: the organization's key, signed announcements, encrypted contacts.

This module knows nothing about Flask. A :class:`Keyring` wraps one GnuPG home
directory (``instance/gnupg`` in the application) through python-gnupg; the
application keeps one per process. Every call into gpg runs under the keyring's
lock (a thread lock, plus an ``flock`` on a file of the home so that several
worker processes sharing the home take turns too): python-gnupg is known to
truncate output when several threads sign at once, and the validation of an
imported key must not interleave with another import.

Choices made for a server that has no terminal and no pinentry:

* every gpg call runs with ``--pinentry-mode loopback``; a passphrase, if any, is
  handed over a pipe, never on the command line nor in a file;
* the home's ``gpg-agent.conf`` is written by this module (and rewritten, with the
  agent restarted, when it differs): it allows loopback pinentry, and it turns
  the agent's passphrase cache off (``default-cache-ttl 0``, ``max-cache-ttl 0``,
  ``ignore-cache-for-signing``) so that a wrong passphrase is refused even right
  after a right one;
* gpg reads no ``gpg.conf`` (``--no-options``): its behaviour here does not
  depend on a file somebody may have edited;
* gpg-agent listens on Unix sockets inside the home, and a socket path may hold at
  most 107 bytes. When the home's path is too long for that, the keyring talks to
  gpg through a short symbolic link to the home under ``/tmp``
  (``/tmp/gnupg-<uid>-<hash of the path>``), which is what gpg then sees as its
  home. The link is stable, so that every process of the application shares one
  agent; it is refused if somebody else owns it.

python-gnupg logs the first bytes of imported key material at DEBUG level; this
module drops the DEBUG records of the ``gnupg`` logger so that secret keys and
volunteers' contacts never reach a log.

Errors are subclasses of :class:`OpenPGPError`, each with a fixed English
``message`` (extractable with the ``N_`` marker), ``params`` to fill it in, an HTTP
``status`` for the views and a ``detail`` (gpg's own words) for the logs only.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by the first keyring that runs gpg, not at start
    import gnupg

try:  # pragma: no cover - fcntl exists wherever gpg-agent does
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

__all__ = [
    "MAX_KEY_BYTES", "MAX_MESSAGE_BYTES", "REVOCATION_REASONS",
    "Keyring", "KeyInfo", "VerifiedText",
    "OpenPGPError", "GnuPGUnavailable", "InvalidFingerprint", "InvalidUserID", "InvalidText",
    "KeyNotFound", "KeyGenerationFailed", "TooLarge", "KeyTooLarge", "MessageTooLarge",
    "NotAKey", "NotASecretKey", "UnexpectedSecretKey", "MultipleKeys", "WeakKey", "CannotSign",
    "CannotEncrypt",
    "WrongPassphrase", "SigningFailed", "BadSignature", "WrongSigner", "EncryptionFailed",
    "DecryptionFailed", "RevocationFailed",
    "normalize_fingerprint", "fingerprint_groups", "normalize_text", "wkd_hash",
]

#: The largest key block accepted by the imports (armored or binary).
MAX_KEY_BYTES = 64 * 1024
#: The largest text accepted for signing, verification, encryption and decryption.
MAX_MESSAGE_BYTES = 512 * 1024
#: Revocation reasons accepted by :meth:`Keyring.revoke_key`, with their OpenPGP codes.
REVOCATION_REASONS = {"unspecified": 0, "compromised": 1, "superseded": 2, "retired": 3}

_SOCKET_PATH_MAX = 107                 # sun_path is 108 bytes with its final NUL
_LONGEST_SOCKET = "/S.gpg-agent.browser"
_LOCK_FILE = ".cryptoparty.lock"
_AGENT_CONF_HEAD = "# Written by cryptoparty (gpg/keyring.py); rewritten when it differs.\n"
_GPG_TIMEOUT = 120


def N_(message: str) -> str:
    """Mark a message for extraction by Babel without translating it here."""
    return message


class _DropDebug(logging.Filter):
    def filter(self, record):
        return record.levelno > logging.DEBUG


logging.getLogger("gnupg").addFilter(_DropDebug())
log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- errors

class OpenPGPError(Exception):
    """An OpenPGP operation was refused or failed; the keyring is unchanged."""

    status = 400
    message = N_("The OpenPGP operation failed.")

    def __init__(self, message: str | None = None, *, detail: str | None = None, **params):
        if message is not None:
            self.message = message
        self.params = params
        self.detail = detail
        super().__init__(self.describe())

    def describe(self) -> str:
        """The English message with its parameters filled in."""
        try:
            return self.message % self.params if self.params else self.message
        except (KeyError, TypeError, ValueError):
            return self.message


class GnuPGUnavailable(OpenPGPError):
    status = 500
    message = N_("GnuPG is not available on this server.")


class InvalidFingerprint(OpenPGPError):
    message = N_("This is not an OpenPGP fingerprint: 40 hexadecimal digits are expected.")


class InvalidUserID(OpenPGPError):
    message = N_("The key needs a name and a valid e-mail address, without < > or line breaks.")


class InvalidText(OpenPGPError):
    message = N_("The text cannot be signed: it is empty or holds NUL characters.")


class KeyNotFound(OpenPGPError):
    status = 404
    message = N_("There is no key %(fingerprint)s in the keyring.")


class KeyGenerationFailed(OpenPGPError):
    status = 500
    message = N_("GnuPG could not generate the key.")


class TooLarge(OpenPGPError):
    status = 413
    message = N_("This is too large: at most %(limit)d bytes are accepted.")


class KeyTooLarge(TooLarge):
    message = N_("This key is too large: at most %(limit)d bytes are accepted.")


class MessageTooLarge(TooLarge):
    message = N_("This text is too large: at most %(limit)d bytes are accepted.")


class NotAKey(OpenPGPError):
    message = N_("This is not an OpenPGP key. Paste or upload an armored key block "
                 "(it starts with -----BEGIN PGP).")


class NotASecretKey(OpenPGPError):
    message = N_("This is a public key; a secret key is needed to sign here. Export it with "
                 "gpg --armor --export-secret-keys, or register the public key and sign offline.")


class UnexpectedSecretKey(OpenPGPError):
    message = N_("This is a secret key. Give only the public key (gpg --armor --export): "
                 "the secret key must stay on your own machine.")


class MultipleKeys(OpenPGPError):
    message = N_("This block holds %(count)d keys; exactly one is expected.")


class WeakKey(OpenPGPError):
    message = N_("This key is too weak (%(algorithm)s, %(bits)d bits): use Ed25519 or RSA of "
                 "at least 2048 bits.")


class CannotSign(OpenPGPError):
    message = N_("This key cannot sign: %(reason)s.")


class CannotEncrypt(OpenPGPError):
    message = N_("This key cannot encrypt: %(reason)s.")


class WrongPassphrase(OpenPGPError):
    message = N_("The passphrase does not unlock the key.")


class SigningFailed(OpenPGPError):
    status = 500
    message = N_("GnuPG could not sign the text.")


class BadSignature(OpenPGPError):
    message = N_("The signature is not valid: %(reason)s.")


class WrongSigner(OpenPGPError):
    message = N_("The text is signed by key %(signer)s, not by the expected key %(expected)s.")


class EncryptionFailed(OpenPGPError):
    message = N_("The text could not be encrypted to this key: %(reason)s.")


class DecryptionFailed(OpenPGPError):
    message = N_("The message could not be decrypted: %(reason)s.")


class RevocationFailed(OpenPGPError):
    message = N_("The key could not be revoked: %(reason)s.")


# --------------------------------------------------------------------------- values

@dataclass(frozen=True)
class KeyInfo:
    """What the keyring knows about one key (its primary fingerprint)."""

    fingerprint: str
    uids: tuple[str, ...]
    created: datetime
    expires: datetime | None
    revoked: bool
    can_sign: bool
    has_secret: bool
    expired: bool = False
    can_encrypt: bool = False
    algorithm: str = ""

    @property
    def emails(self) -> tuple[str, ...]:
        """The e-mail addresses of the user IDs, lowercased."""
        found = (_UID_EMAIL_RE.search(uid) for uid in self.uids)
        return tuple(m.group(1).lower() for m in found if m)


@dataclass(frozen=True)
class VerifiedText:
    """A clearsigned text whose signature checked out.

    ``text`` is what the signature protects (see :func:`normalize_text`),
    ``fingerprint`` the signer's primary key, ``signing_key`` the (sub)key that
    made the signature, ``signed_at`` the signature's time (UTC) and ``armored``
    the clearsigned block itself with nothing around it, ready to be published.
    """

    text: str
    fingerprint: str
    signed_at: datetime
    signing_key: str = ""
    armored: str = ""


# --------------------------------------------------------------------------- helpers

_FPR_RE = re.compile(r"^(?:[0-9A-F]{40}|[0-9A-F]{64})$")
_EMAIL_RE = re.compile(r"^[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+\.[^\s@<>()\[\],;:\"]+$")
_UID_EMAIL_RE = re.compile(r"<([^<>\s]+@[^<>\s]+)>\s*$")
_EXPIRE_RE = re.compile(r"^(?:0|never|none|\d+[dwmy]?|\d{4}-\d{2}-\d{2})$")
_ZBASE32 = "ybndrfg8ejkmcpqxot1uwisza345h769"
_ALGORITHMS = {"1": "RSA", "2": "RSA", "3": "RSA", "16": "ElGamal", "17": "DSA", "18": "ECDH",
               "19": "ECDSA", "22": "EdDSA"}


def normalize_fingerprint(fingerprint: str) -> str:
    """Return the fingerprint as 40 (or 64) upper-case hex digits, or raise InvalidFingerprint."""
    if not isinstance(fingerprint, str):
        raise InvalidFingerprint()
    fpr = re.sub(r"\s+", "", fingerprint).upper()
    if fpr.startswith("0X"):
        fpr = fpr[2:]
    if not _FPR_RE.match(fpr):
        raise InvalidFingerprint()
    return fpr


def fingerprint_groups(fpr: str) -> str:
    """Return the fingerprint in groups of four hex digits, for display."""
    fpr = normalize_fingerprint(fpr)
    return " ".join(fpr[i:i + 4] for i in range(0, len(fpr), 4))


def normalize_text(text: str | bytes) -> str:
    """Return the text exactly as clearsign() signs it and verify_clearsigned() returns it.

    Line endings become ``\\n``; spaces and tabs at the end of each line are
    removed (an OpenPGP cleartext signature does not cover them, so they are not
    kept either); blank lines at the end are dropped; the text ends with one
    ``\\n``. Nothing else changes: no Unicode normalization, no re-wrapping.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidText(N_("The text is not valid UTF-8.")) from None
    if "\x00" in text:
        raise InvalidText()
    lines = [line.rstrip(" \t") for line in text.replace("\r\n", "\n").replace("\r", "\n")
             .split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        raise InvalidText()
    return "\n".join(lines) + "\n"


def wkd_hash(local_part: str) -> str:
    """Return the Web Key Directory hash of an address's local part (z-base-32 of its SHA-1)."""
    lowered = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in local_part)
    # SHA-1 is what the Web Key Directory draft specifies for this name, not a security hash.
    digest = hashlib.sha1(lowered.encode("utf-8"), usedforsecurity=False).digest()
    bits = int.from_bytes(digest, "big")
    # 160 bits are exactly 32 groups of 5 bits: no padding.
    return "".join(_ZBASE32[(bits >> (155 - 5 * i)) & 31] for i in range(32))


def _utf8(s: str) -> str:
    """Undo python-gnupg's Latin-1 decoding of gpg's UTF-8 output."""
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s.encode("latin-1", "replace").decode("utf-8", "replace")


def _as_bytes(data, limit: int, too_large: type[TooLarge]) -> bytes:
    if isinstance(data, str):
        # Check the length before encoding a huge string.
        if len(data) > limit:
            raise too_large(limit=limit)
        data = data.encode("utf-8")
    elif not isinstance(data, (bytes, bytearray)):
        raise TypeError("str or bytes expected")
    if len(data) > limit:
        raise too_large(limit=limit)
    return bytes(data)


def _key_parameters(name: str, email: str, passphrase: str | None, expire: str):
    """The user ID, expiry and passphrase of a key to generate, checked."""
    name = (name or "").strip()
    email = (email or "").strip()
    # A user ID starting with "-" would be read by gpg as an option.
    if (not name or name.startswith("-") or len(name) > 200 or any(c in name for c in "<>")
            or any(ord(c) < 32 or ord(c) == 127 for c in name)
            or len(email) > 254 or not _EMAIL_RE.match(email)):
        raise InvalidUserID()
    expire = str(expire).strip().lower()
    if not _EXPIRE_RE.match(expire):
        raise ValueError(f"invalid expiry: {expire!r} (e.g. '3y', '0', '2030-01-01')")
    return f"{name} <{email}>", expire, _check_passphrase(passphrase)


def _check_passphrase(passphrase: str | None) -> str | None:
    """Return None for no passphrase; refuse one that cannot travel over gpg's pipe."""
    if passphrase is None or passphrase == "":
        return None
    if not isinstance(passphrase, str):
        raise TypeError("the passphrase must be a str")
    if any(c in passphrase for c in "\r\n\x00"):
        raise WrongPassphrase(N_("A passphrase cannot contain line breaks."))
    return passphrase


def _pw_for_gnupg(passphrase: str | None) -> str | None:
    # python-gnupg writes the passphrase in its (Latin-1) encoding; hand it a str
    # whose Latin-1 bytes are the UTF-8 bytes of the passphrase, as gpg expects.
    return None if passphrase is None else passphrase.encode("utf-8").decode("latin-1")


def _statuses(stderr: str) -> list[tuple[str, str]]:
    out = []
    for line in (stderr or "").splitlines():
        if line.startswith("[GNUPG:] "):
            keyword, _, value = line[9:].partition(" ")
            out.append((keyword, value.strip()))
    return out


def _error_codes(statuses) -> set[int]:
    codes = set()
    for keyword, value in statuses:
        if keyword in ("FAILURE", "ERROR"):
            last = value.split()[-1] if value.split() else ""
            if last.isdigit():
                codes.add(int(last) & 0xFFFF)
    return codes


def _gpg_words(stderr: str) -> str:
    """gpg's human-readable complaints, for an exception's detail."""
    lines = [line for line in (stderr or "").splitlines()
             if line.startswith("gpg:") or line.startswith("gpg-agent")]
    return "\n".join(lines[-5:])


def _timestamp(value) -> datetime | None:
    if value in (None, "", "0"):
        return None
    value = str(value)
    if "T" in value:
        return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(int(value), tz=timezone.utc)


_BAD_PASSPHRASE = 11
_NO_SECKEY = 17
_UNUSABLE_SECKEY = 54


def _short_tmp() -> str:
    # A short parent for throwaway GnuPG homes (gpg-agent's socket path must stay
    # under 108 bytes); the homes themselves are made by mkdtemp, private (0700).
    for candidate in ("/tmp", tempfile.gettempdir()):  # nosec B108
        if os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
            return candidate
    return tempfile.gettempdir()  # pragma: no cover


def _too_long_for_sockets(path: str) -> bool:
    return len(os.fsencode(path)) + len(_LONGEST_SOCKET) > _SOCKET_PATH_MAX


def _make_private_dir(path: str) -> None:
    os.makedirs(path, mode=0o700, exist_ok=True)
    if stat.S_IMODE(os.stat(path).st_mode) != 0o700:
        os.chmod(path, 0o700)


def _socket_alias(home: str) -> str:
    """A short path that leads to ``home``, for gpg-agent's sockets (see the module doc)."""
    digest = hashlib.sha256(os.fsencode(home)).hexdigest()[:16]
    link = os.path.join(_short_tmp(), f"gnupg-{os.getuid()}-{digest}")
    for _ in range(2):
        try:
            os.symlink(home, link)
            return link
        except FileExistsError:
            st = os.lstat(link)
            if stat.S_ISLNK(st.st_mode) and st.st_uid == os.getuid():
                if os.readlink(link) == home:
                    return link
                os.unlink(link)  # ours, but stale: replace it
                continue
            break
    raise OpenPGPError(N_("The GnuPG home's path is too long for gpg-agent's sockets and the "
                          "short link %(link)s belongs to somebody else."), link=link)


def _agent_conf(s2k_count: int | None) -> str:
    lines = [
        "allow-loopback-pinentry",
        "default-cache-ttl 0",
        "max-cache-ttl 0",
        "ignore-cache-for-signing",
    ]
    if s2k_count:
        lines.append(f"s2k-count {int(s2k_count)}")
    return _AGENT_CONF_HEAD + "\n".join(lines) + "\n"


def _gpgconf_for(gpgbinary: str) -> str:
    if os.sep in gpgbinary:
        candidate = os.path.join(os.path.dirname(gpgbinary), "gpgconf")
        if os.path.exists(candidate):
            return candidate
    return shutil.which("gpgconf") or "gpgconf"


class _Run:
    """The outcome of a gpg command run by :meth:`Keyring._run`."""

    def __init__(self, returncode: int, stdout: bytes, stderr: str):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.statuses = _statuses(stderr)

    def status(self, keyword: str) -> list[str]:
        return [value for k, value in self.statuses if k == keyword]


# --------------------------------------------------------------------------- keyring

class Keyring:
    """One GnuPG home, used through python-gnupg under a lock.

    ``gnupghome`` is created with mode 0700 (and set to 0700 if it exists).
    ``s2k_count`` lowers the work factor of gpg-agent's passphrase hashing; leave it
    alone in production, tests use it so that protected keys are fast to use.
    """

    def __init__(self, gnupghome, *, gpgbinary: str = "gpg", s2k_count: int | None = None):
        self.home = os.path.abspath(os.fspath(gnupghome))
        _make_private_dir(self.home)
        self.gpg_home = _socket_alias(self.home) if _too_long_for_sockets(self.home) else self.home
        self.gpgbinary = gpgbinary
        self._gpgconf = _gpgconf_for(gpgbinary)
        self._s2k_count = s2k_count
        self._env = dict(os.environ, LC_ALL="C", LANGUAGE="C")
        self._env.pop("GNUPGHOME", None)
        self._lock = threading.RLock()
        self._depth = 0
        self._lock_fd = None
        self._write_agent_conf(self.gpg_home, restart=True)
        self._gpg = self._new_gpg(self.gpg_home)

    def __repr__(self):
        return f"<Keyring {self.home}>"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        """Stop this home's gpg-agent (it starts again on demand)."""
        self._kill_agent(self.gpg_home)

    # ------------------------------------------------------------------ plumbing

    def _gpg_options(self) -> list[str]:
        return ["--no-options", "--pinentry-mode", "loopback", "--display-charset", "utf-8",
                "--utf8-strings", "--no-auto-key-retrieve", "--no-auto-key-locate"]

    def _new_gpg(self, home: str) -> gnupg.GPG:
        import gnupg

        try:
            return gnupg.GPG(gpgbinary=self.gpgbinary, gnupghome=home, env=self._env,
                             options=self._gpg_options())
        except (OSError, ValueError) as exc:
            raise GnuPGUnavailable(detail=str(exc)) from exc

    def _write_agent_conf(self, home: str, restart: bool) -> None:
        path = os.path.join(home, "gpg-agent.conf")
        wanted = _agent_conf(self._s2k_count)
        try:
            with open(path, encoding="utf-8") as f:
                if f.read() == wanted:
                    return
        except FileNotFoundError:
            pass
        tmp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(wanted)
        os.replace(tmp, path)
        if restart:
            self._kill_agent(home)  # a running agent would keep its old settings

    def _kill_agent(self, home: str) -> None:
        if not os.path.exists(os.path.join(home, "S.gpg-agent")):
            return
        try:
            subprocess.run([self._gpgconf, "--homedir", home, "--kill", "gpg-agent"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=self._env, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):  # pragma: no cover
            log.warning("could not stop gpg-agent of %s", home)

    @contextlib.contextmanager
    def _locked(self):
        """Hold the thread lock and, across processes, an flock on the home."""
        with self._lock:
            outermost = self._depth == 0
            if outermost and fcntl is not None:
                self._lock_fd = os.open(os.path.join(self.home, _LOCK_FILE),
                                        os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if outermost and self._lock_fd is not None:
                    os.close(self._lock_fd)  # releases the flock
                    self._lock_fd = None

    def _run(self, args: list[str], *, home: str | None = None, input: bytes = b"",
             passphrase: str | None = None, use_passphrase: bool = False,
             command_input: bytes | None = None, batch: bool = True) -> _Run:
        """Run gpg for what python-gnupg does not offer; the passphrase goes through a pipe."""
        cmd = [self.gpgbinary, "--homedir", home or self.gpg_home, "--no-tty", "--status-fd", "2",
               "--with-colons", *self._gpg_options()]
        if batch:
            cmd.append("--batch")
        pass_fds = ()
        read_fd = None
        if passphrase is not None or use_passphrase:
            read_fd, write_fd = os.pipe()
            with os.fdopen(write_fd, "wb") as w:
                w.write((passphrase or "").encode("utf-8") + b"\n")
            cmd += ["--passphrase-fd", str(read_fd)]
            pass_fds = (read_fd,)
        if command_input is not None:
            cmd += ["--command-fd", "0"]
            input = command_input
        cmd += args
        try:
            proc = subprocess.run(cmd, input=input, capture_output=True, env=self._env,
                                  pass_fds=pass_fds, timeout=_GPG_TIMEOUT, check=False)
        except OSError as exc:
            raise GnuPGUnavailable(detail=str(exc)) from exc
        except subprocess.TimeoutExpired as exc:
            raise OpenPGPError(N_("GnuPG did not answer in time."), detail=str(exc)) from exc
        finally:
            if read_fd is not None:
                os.close(read_fd)
        return _Run(proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"))

    @contextlib.contextmanager
    def _scratch(self):
        """A throwaway GnuPG home (short path, same agent settings), removed afterwards."""
        home = tempfile.mkdtemp(prefix="gpg", dir=_short_tmp())
        try:
            self._write_agent_conf(home, restart=False)
            yield home, self._new_gpg(home)
        finally:
            self._kill_agent(home)
            shutil.rmtree(home, ignore_errors=True)

    def _listing(self, gpg: gnupg.GPG, fpr: str | None = None, secret: bool = False) -> list[dict]:
        keys = gpg.list_keys(secret=secret, keys=[fpr] if fpr else None)
        if fpr:
            keys = [k for k in keys if k.get("fingerprint") == fpr]
        return list(keys)

    def _info(self, fpr: str, gpg: gnupg.GPG | None = None) -> KeyInfo:
        gpg = gpg or self._gpg
        public = self._listing(gpg, fpr)
        if not public:
            raise KeyNotFound(fingerprint=fpr)
        pub = public[0]
        secret = self._listing(gpg, fpr, secret=True)
        validity = pub.get("trust", "")
        cap = pub.get("cap", "")
        expires = _timestamp(pub.get("expires"))
        revoked = validity == "r"
        expired = validity == "e" or (expires is not None and expires <= datetime.now(timezone.utc))
        has_secret = False
        if secret:
            sec = secret[0]
            if "s" in sec.get("cap", "") and sec.get("token", "") != "#":
                has_secret = True
            for sub in (sec.get("subkey_info") or {}).values():
                if "s" in sub.get("cap", "") and sub.get("token", "") != "#":
                    has_secret = True
        return KeyInfo(
            fingerprint=pub["fingerprint"],
            uids=tuple(_utf8(uid) for uid in pub.get("uids", [])),
            created=_timestamp(pub.get("date")),
            expires=expires,
            revoked=revoked,
            can_sign="S" in cap and not revoked and not expired,
            has_secret=has_secret,
            expired=expired,
            can_encrypt="E" in cap and not revoked and not expired,
            algorithm=pub.get("curve") or _ALGORITHMS.get(pub.get("algo", ""), pub.get("algo", "")),
        )

    # ------------------------------------------------------------------ keys

    def fingerprints(self, secret: bool = False) -> list[str]:
        """Return the primary fingerprints in the keyring (with a secret key if ``secret``)."""
        with self._locked():
            return [k["fingerprint"] for k in self._listing(self._gpg, secret=secret)]

    def key_info(self, fingerprint: str) -> KeyInfo:
        """Return what the keyring knows about a key, or raise KeyNotFound."""
        fpr = normalize_fingerprint(fingerprint)
        with self._locked():
            return self._info(fpr)

    def generate_key(self, name: str, email: str, passphrase: str | None = None,
                     expire: str = "3y") -> str:
        """Generate an Ed25519 signing key with a Cv25519 encryption subkey; return its fpr."""
        uid, expire, passphrase = _key_parameters(name, email, passphrase, expire)
        with self._locked():
            return self._generate(uid, expire, passphrase)

    def _generate(self, uid: str, expire: str, passphrase: str | None,
                  home: str | None = None) -> str:
        # --yes: a new key may carry the user ID of an older one (key rotation).
        made = self._run(["--yes", "--quick-generate-key", uid, "ed25519", "sign", expire],
                         passphrase=passphrase, use_passphrase=True, home=home)
        created = made.status("KEY_CREATED")
        if made.returncode != 0 or not created:
            raise KeyGenerationFailed(detail=_gpg_words(made.stderr))
        fpr = created[-1].split()[-1]
        sub = self._run(["--quick-add-key", fpr, "cv25519", "encr", expire],
                        passphrase=passphrase, use_passphrase=True, home=home)
        if sub.returncode != 0 or not sub.status("KEY_CREATED"):
            self._run(["--yes", "--delete-secret-and-public-key", fpr], home=home)
            raise KeyGenerationFailed(detail=_gpg_words(sub.stderr))
        return fpr

    def generate_key_to_hand_over(self, name: str, email: str, passphrase: str | None = None,
                                  expire: str = "3y") -> tuple[str, str]:
        """Generate a key pair whose secret part never enters this keyring.

        The pair is made in a throwaway GnuPG home; only its public part is
        imported here, and the home (secret part included) is deleted before
        this returns. Returns (fingerprint, armored secret key) for the caller
        to hand over once.
        """
        uid, expire, passphrase = _key_parameters(name, email, passphrase, expire)
        with self._locked():
            with self._scratch() as (home, gpg):
                fpr = self._generate(uid, expire, passphrase, home=home)
                secret = self._run(["--armor", "--export-secret-keys", fpr], home=home,
                                   passphrase=passphrase, use_passphrase=True)
                public = gpg.export_keys(fpr, armor=True, minimal=True)
            armored = secret.stdout.decode("ascii", "replace")
            if secret.returncode != 0 or "BEGIN PGP PRIVATE KEY BLOCK" not in armored:
                raise KeyGenerationFailed(detail=_gpg_words(secret.stderr))
            self._import_checked(public.encode(), fpr, want_secret=False)
        return fpr, armored

    def import_encryption_key(self, armored: str | bytes) -> str:
        """Validate and import one public key able to encrypt, refusing any secret part."""
        exported, fpr = self.check_public_key(armored, usage="encrypt")
        with self._locked():
            return self._import_checked(exported.encode(), fpr, want_secret=False)

    def holds_secret_key(self, fingerprint: str) -> bool:
        """Whether this keyring holds any secret part (primary or subkey) of the key."""
        fpr = normalize_fingerprint(fingerprint)
        with self._locked():
            return bool(self._listing(self._gpg, fpr, secret=True))

    def _delete(self, fpr: str) -> None:
        self._run(["--yes", "--delete-secret-and-public-key", fpr])

    def import_secret_key(self, armored: str | bytes, passphrase: str | None = None) -> str:
        """Validate and import one secret signing key; return its fingerprint."""
        data = _as_bytes(armored, MAX_KEY_BYTES, KeyTooLarge)
        passphrase = _check_passphrase(passphrase)
        with self._locked():
            with self._scratch() as (home, gpg):
                fpr, info = self._validate_import(gpg, data, want_secret=True)
                self._test_sign(gpg, fpr, passphrase)
            return self._import_checked(data, fpr, want_secret=True)

    def import_public_key(self, armored: str | bytes) -> str:
        """Validate and import one public signing key (to sign offline); return its fpr."""
        data = _as_bytes(armored, MAX_KEY_BYTES, KeyTooLarge)
        with self._locked():
            with self._scratch() as (home, gpg):
                fpr, info = self._validate_import(gpg, data, want_secret=False)
            return self._import_checked(data, fpr, want_secret=False)

    def check_public_key(self, armored: str | bytes, *, usage: str = "encrypt") -> tuple[str, str]:
        """Validate one public key without importing it; return (minimal armored export, fpr).

        The same rule as every import (:meth:`_validate_import`): exactly one key, no
        secret part, neither revoked nor expired, usable for ``usage`` ("sign" or
        "encrypt"), not a weak RSA/DSA key. Used for volunteers' own keys.
        """
        data = _as_bytes(armored, MAX_KEY_BYTES, KeyTooLarge)
        with self._locked():
            with self._scratch() as (home, gpg):
                fpr, _info = self._validate_import(gpg, data, want_secret=False, usage=usage)
                exported = gpg.export_keys(fpr, armor=True, minimal=True)
        if "-----BEGIN PGP PUBLIC KEY BLOCK-----" not in exported:
            raise NotAKey()
        return exported, fpr

    def _validate_import(self, gpg: gnupg.GPG, data: bytes, want_secret: bool,
                         usage: str = "sign"):
        """Import into a throwaway home and check what came in; raise on anything unwanted.

        The one key-validation rule of the application (organization keys and
        volunteers' keys alike): one key, the expected secret part or none, neither
        revoked nor expired, able to sign (or to encrypt, for ``usage="encrypt"``),
        and not RSA/DSA under 2048 bits.
        """
        result = gpg.import_keys(data)
        public = self._listing(gpg)
        secret = self._listing(gpg, secret=True)
        if not want_secret and (secret or result.sec_read):
            raise UnexpectedSecretKey()
        if not public:
            raise NotAKey(detail=_gpg_words(result.stderr))
        if len(public) > 1:
            raise MultipleKeys(count=len(public))
        fpr = public[0]["fingerprint"]
        if want_secret and not secret:
            raise NotASecretKey()
        info = self._info(fpr, gpg)
        unusable = CannotEncrypt if usage == "encrypt" else CannotSign
        if info.revoked:
            raise unusable(reason=N_("it has been revoked"))
        if info.expired:
            raise unusable(reason=N_("it has expired"))
        if usage == "encrypt" and not info.can_encrypt:
            raise unusable(reason=N_("it has no usable encryption key"))
        if usage == "sign" and not info.can_sign:
            raise unusable(reason=N_("it has no usable signing (sub)key"))
        algo = public[0].get("algo", "")
        bits = int(public[0].get("length") or 0)
        if algo in ("1", "2", "3", "17") and bits < 2048:
            raise WeakKey(algorithm=_ALGORITHMS[algo], bits=bits)
        if want_secret and not info.has_secret:
            raise CannotSign(reason=N_("the secret part of its signing key is missing "
                                       "(exported with --export-secret-subkeys?)"))
        return fpr, info

    def _test_sign(self, gpg: gnupg.GPG, fpr: str, passphrase: str | None) -> None:
        result = gpg.sign(b"cryptoparty: checking the key\n", keyid=None, clearsign=True,
                          passphrase=_pw_for_gnupg(passphrase), extra_args=["--local-user", fpr])
        self._raise_for_sign(result, passphrase)

    def _raise_for_sign(self, result, passphrase: str | None) -> None:
        statuses = _statuses(result.stderr)
        if any(k == "SIG_CREATED" for k, _ in statuses):
            return
        codes = _error_codes(statuses)
        detail = _gpg_words(result.stderr)
        if _BAD_PASSPHRASE in codes:
            raise WrongPassphrase(detail=detail)
        if passphrase is None and any(k == "NEED_PASSPHRASE" for k, _ in statuses):
            raise WrongPassphrase(N_("The key is protected by a passphrase, and none was given."),
                                  detail=detail)
        keywords = {k for k, _ in statuses}
        if "KEYEXPIRED" in keywords or "SIGEXPIRED" in keywords:
            raise CannotSign(reason=N_("it has expired"), detail=detail)
        if "KEYREVOKED" in keywords:
            raise CannotSign(reason=N_("it has been revoked"), detail=detail)
        if "INV_SGNR" in keywords or codes & {_NO_SECKEY, _UNUSABLE_SECKEY}:
            raise CannotSign(reason=N_("its secret signing key is not usable here"), detail=detail)
        raise SigningFailed(detail=detail)

    def _import_checked(self, data: bytes, fpr: str, want_secret: bool) -> str:
        result = self._gpg.import_keys(data)
        if fpr not in result.fingerprints:
            raise OpenPGPError(N_("GnuPG refused to import the key."),
                               detail=_gpg_words(result.stderr))
        if want_secret and not self._info(fpr).has_secret:
            raise OpenPGPError(N_("GnuPG refused to import the secret key."),
                               detail=_gpg_words(result.stderr))
        return fpr

    def export_public_key(self, fingerprint: str, minimal: bool = True) -> str:
        """Return the armored public key (only its latest self-signatures if ``minimal``)."""
        fpr = normalize_fingerprint(fingerprint)
        with self._locked():
            self._info(fpr)
            armored = self._gpg.export_keys(fpr, armor=True, minimal=minimal)
        if "-----BEGIN PGP PUBLIC KEY BLOCK-----" not in armored:
            raise KeyNotFound(fingerprint=fpr)
        return armored

    def export_public_key_binary(self, fingerprint: str, email: str | None = None) -> bytes:
        """Return the binary, minimal public key, keeping only the user ID of ``email`` if given.

        This is what the Web Key Directory serves.
        """
        fpr = normalize_fingerprint(fingerprint)
        args = ["--export", "--export-options", "export-minimal"]
        if email:
            email = email.strip().lower()
            if not _EMAIL_RE.match(email):
                raise InvalidUserID()
            args += ["--export-filter", f"keep-uid=mbox={email}"]
        with self._locked():
            info = self._info(fpr)
            if email and email not in info.emails:
                raise KeyNotFound(N_("The key %(fingerprint)s has no user ID with the address "
                                     "%(email)s."), fingerprint=fpr, email=email)
            run = self._run(args + [fpr])
        if run.returncode != 0 or not run.stdout:
            raise KeyNotFound(fingerprint=fpr, detail=_gpg_words(run.stderr))
        return run.stdout

    # ------------------------------------------------------------------ signatures

    def clearsign(self, text: str, fingerprint: str, passphrase: str | None = None) -> str:
        """Clearsign ``text`` with the key ``fingerprint``; return the armored signed text.

        What is signed is ``normalize_text(text)``: ``\\n`` line endings, no spaces or
        tabs at line ends (the cleartext signature framework ignores them, so they
        are removed rather than left unprotected), no blank lines at the end. The
        text is UTF-8; gpg dash-escapes lines that start with ``-`` (and ``From ``)
        as ``- -...``, which the ``verify`` side undoes.

        The result is a complete ``-----BEGIN PGP SIGNED MESSAGE-----`` block: anyone
        checks it with stock GnuPG, after fetching the organization's public key::

            gpg --locate-keys annonces@example.org     # or: gpg --import key.asc
            gpg --verify announcement.txt.asc

        ``gpg --verify`` then says "Good signature" and shows the key's fingerprint,
        to be compared with the one the organization publishes. Before returning,
        the signature is checked here as well: only a complete, valid signature by
        this key over exactly this text is ever returned, whatever the number of
        threads signing at once. Raises KeyNotFound, CannotSign, WrongPassphrase or
        SigningFailed.
        """
        fpr = normalize_fingerprint(fingerprint)
        body = normalize_text(text)
        data = _as_bytes(body, MAX_MESSAGE_BYTES, MessageTooLarge)
        passphrase = _check_passphrase(passphrase)
        with self._locked():
            info = self._info(fpr)
            if info.revoked:
                raise CannotSign(reason=N_("it has been revoked"))
            if info.expired:
                raise CannotSign(reason=N_("it has expired"))
            if not info.has_secret:
                raise CannotSign(reason=N_("its secret key is not on this server; sign the text "
                                           "offline and upload the signed text"))
            result = self._gpg.sign(data, keyid=None, clearsign=True,
                                    passphrase=_pw_for_gnupg(passphrase),
                                    extra_args=["--local-user", fpr])
            self._raise_for_sign(result, passphrase)
            try:
                armored = result.data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise SigningFailed(detail="output is not UTF-8") from exc
            try:
                checked = self._verify(armored, fpr)
            except OpenPGPError as exc:
                raise SigningFailed(detail=f"self-check failed: {exc.describe()}") from exc
            if checked.text != body:
                raise SigningFailed(detail="self-check: the signed text differs from the input")
            return checked.armored

    def verify_clearsigned(self, armored: str | bytes, expected_fingerprint: str) -> VerifiedText:
        """Check a clearsigned text against the key ``expected_fingerprint``; return what it signs.

        ``armored`` must be one ``-----BEGIN PGP SIGNED MESSAGE-----`` block and
        nothing else (surrounding whitespace aside): text outside the block would
        not be covered by the signature yet would be shown, so it is refused.
        The only armor headers allowed are ``Hash:``; every text line that starts
        with ``-`` must be dash-escaped.

        The signature is checked by gpg against this keyring. It must be good (the
        text unchanged since signing), made by the expected key (given by its
        primary fingerprint; a signature by one of its subkeys counts), and that
        key neither expired nor revoked now. All signatures in the block must be good.
        The text returned is the one gpg considered signed, after
        :func:`normalize_text`, and it must agree with the text read from the block
        (dash-escaping undone). This is the check ``gpg --verify`` performs, plus
        the signer check that a person does by comparing fingerprints.

        Raises MessageTooLarge, KeyNotFound, BadSignature (with the reason) or
        WrongSigner.
        """
        fpr = normalize_fingerprint(expected_fingerprint)
        with self._locked():
            self._info(fpr)
            return self._verify(armored, fpr)

    def _verify(self, armored: str | bytes, fpr: str) -> VerifiedText:
        data = _as_bytes(armored, MAX_MESSAGE_BYTES, MessageTooLarge)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BadSignature(reason=N_("the text is not UTF-8")) from None
        block, parsed = _parse_clearsigned(text)
        result = self._gpg.decrypt(block.encode("utf-8"))
        statuses = _statuses(result.stderr)
        keywords = [k for k, _ in statuses]
        detail = _gpg_words(result.stderr)
        if "BADSIG" in keywords:
            raise BadSignature(reason=N_("the text was changed after it was signed"), detail=detail)
        if "NO_PUBKEY" in keywords or ("ERRSIG" in keywords and "VALIDSIG" not in keywords):
            signer = "?"
            for k, v in statuses:
                if k in ("NO_PUBKEY", "ERRSIG") and v:
                    parts = v.split()
                    signer = parts[6] if len(parts) > 6 and parts[6] != "-" else parts[0]
            if "NO_PUBKEY" in keywords:
                raise WrongSigner(signer=signer, expected=fpr, detail=detail)
            raise BadSignature(reason=N_("gpg could not check it"), detail=detail)
        if "EXPKEYSIG" in keywords:
            raise BadSignature(reason=N_("the signing key has expired"), detail=detail)
        if "REVKEYSIG" in keywords:
            raise BadSignature(reason=N_("the signing key has been revoked"), detail=detail)
        if "EXPSIG" in keywords:
            raise BadSignature(reason=N_("the signature has expired"), detail=detail)
        valid = [v.split() for k, v in statuses if k == "VALIDSIG"]
        goods = keywords.count("GOODSIG")
        newsigs = keywords.count("NEWSIG")
        if not valid or goods != len(valid) or (newsigs and newsigs != len(valid)):
            raise BadSignature(reason=N_("no valid signature was found"), detail=detail)
        mine = [v for v in valid if fpr in (v[0], v[9] if len(v) > 9 else v[0])]
        if not mine:
            other = valid[0][9] if len(valid[0]) > 9 else valid[0][0]
            raise WrongSigner(signer=other, expected=fpr, detail=detail)
        sig = mine[0]
        try:
            signed = normalize_text(result.data.decode("utf-8"))
        except (UnicodeDecodeError, InvalidText):
            raise BadSignature(reason=N_("the signed text is not UTF-8 text")) from None
        if signed != parsed:
            raise BadSignature(reason=N_("the signed text is ambiguous"), detail=detail)
        return VerifiedText(text=signed, fingerprint=sig[9] if len(sig) > 9 else sig[0],
                            signed_at=_timestamp(sig[2]), signing_key=sig[0], armored=block)

    # ------------------------------------------------------------------ encryption

    def encrypt(self, text: str, fingerprint: str) -> str:
        """Encrypt ``text`` (UTF-8) to the key ``fingerprint``, trusting it; return armored."""
        fpr = normalize_fingerprint(fingerprint)
        data = _as_bytes(text, MAX_MESSAGE_BYTES, MessageTooLarge)
        with self._locked():
            info = self._info(fpr)
            if not info.can_encrypt:
                raise EncryptionFailed(reason=N_("it has no usable encryption subkey (expired or "
                                                 "revoked?)"))
            result = self._gpg.encrypt(data, [fpr], always_trust=True, armor=True,
                                       extra_args=["--no-encrypt-to"])
        armored = result.data.decode("ascii", "replace") if result.data else ""
        if not result.ok or "-----END PGP MESSAGE-----" not in armored:
            raise EncryptionFailed(reason=N_("GnuPG refused"), detail=_gpg_words(result.stderr))
        return armored

    def decrypt(self, armored: str | bytes, passphrase: str | None = None) -> str:
        """Decrypt an armored message with a secret key of this keyring; return the UTF-8 text."""
        data = _as_bytes(armored, MAX_MESSAGE_BYTES, MessageTooLarge)
        passphrase = _check_passphrase(passphrase)
        with self._locked():
            result = self._gpg.decrypt(data, passphrase=_pw_for_gnupg(passphrase))
        statuses = _statuses(result.stderr)
        keywords = {k for k, _ in statuses}
        detail = _gpg_words(result.stderr)
        if not result.ok:
            if _BAD_PASSPHRASE in _error_codes(statuses):
                raise WrongPassphrase(detail=detail)
            if passphrase is None and "NEED_PASSPHRASE" in keywords and "NO_SECKEY" not in keywords:
                raise WrongPassphrase(N_("The key is protected by a passphrase, and none was "
                                         "given."), detail=detail)
            if "NO_SECKEY" in keywords:
                raise DecryptionFailed(reason=N_("it is not encrypted to a key of this keyring"),
                                       detail=detail)
            if "NODATA" in keywords:
                raise DecryptionFailed(reason=N_("it is not an OpenPGP message"), detail=detail)
            raise DecryptionFailed(reason=N_("GnuPG refused"), detail=detail)
        try:
            return result.data.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionFailed(reason=N_("the content is not UTF-8 text")) from None

    # ------------------------------------------------------------------ revocation

    def revoke_key(self, fingerprint: str, passphrase: str | None = None,
                   reason: str = "unspecified", description: str = "") -> str:
        """Revoke the key in this keyring; return the armored revocation certificate.

        With the secret key, gpg makes a certificate with the given ``reason`` (one
        of :data:`REVOCATION_REASONS`) and ``description``; without it, the
        certificate gpg stored at generation (``openpgp-revocs.d/<FPR>.rev``, reason
        "unspecified") is used if present. Publish the public key again afterwards.
        """
        fpr = normalize_fingerprint(fingerprint)
        if reason not in REVOCATION_REASONS:
            raise ValueError(f"reason must be one of {sorted(REVOCATION_REASONS)}")
        passphrase = _check_passphrase(passphrase)
        with self._locked():
            info = self._info(fpr)
            if info.revoked:
                raise RevocationFailed(reason=N_("it is already revoked"))
            if info.has_secret or self._listing(self._gpg, fpr, secret=True):
                certificate = self._make_revocation(fpr, passphrase, reason, description)
            else:
                certificate = self._stored_revocation(fpr)
            result = self._gpg.import_keys(certificate.encode("ascii"))
            if not self._info(fpr).revoked:
                raise RevocationFailed(reason=N_("GnuPG did not accept the certificate"),
                                       detail=_gpg_words(result.stderr))
            return certificate

    def _make_revocation(self, fpr, passphrase, reason, description) -> str:
        lines = [line.strip() for line in (description or "").splitlines() if line.strip()]
        answers = ["y", str(REVOCATION_REASONS[reason]), *lines, "", "y", ""]
        # gpg --gen-revoke refuses --batch; --command-fd answers its questions instead.
        run = self._run(["--armor", "--gen-revoke", fpr], passphrase=passphrase,
                        use_passphrase=True, batch=False,
                        command_input="\n".join(answers).encode("utf-8"))
        certificate = run.stdout.decode("ascii", "replace")
        if run.returncode != 0 or "-----END PGP PUBLIC KEY BLOCK-----" not in certificate:
            detail = _gpg_words(run.stderr)
            if "passphrase" in detail.lower() or _BAD_PASSPHRASE in _error_codes(run.statuses):
                if passphrase is None:
                    raise WrongPassphrase(N_("The key is protected by a passphrase, and none was "
                                             "given."), detail=detail)
                raise WrongPassphrase(detail=detail)
            raise RevocationFailed(reason=N_("GnuPG refused"), detail=detail)
        return certificate

    def import_revocation(self, fingerprint: str, armored: str | bytes) -> None:
        """Import a revocation made elsewhere for the key ``fingerprint`` of this keyring.

        ``armored`` is a revocation certificate, or the revoked public key as
        ``gpg --armor --export`` gives it after ``gpg --gen-revoke`` (or
        ``--quick-revoke-uid``...) on the machine that holds the secret key. It is
        checked in a throwaway home first: it must revoke this very key and bring
        no other key. Raises KeyNotFound, KeyTooLarge, RevocationFailed.
        """
        fpr = normalize_fingerprint(fingerprint)
        data = _as_bytes(armored, MAX_KEY_BYTES, KeyTooLarge)
        with self._locked():
            if self._info(fpr).revoked:
                raise RevocationFailed(reason=N_("it is already revoked"))
            current = self._run(["--export", "--export-options", "export-minimal", fpr])
            with self._scratch() as (home, gpg):
                gpg.import_keys(current.stdout)
                gpg.import_keys(data)
                listed = [k["fingerprint"] for k in self._listing(gpg)]
                if listed != [fpr] or self._listing(gpg, secret=True):
                    raise RevocationFailed(reason=N_("it does not hold a revocation of this key "
                                                     "alone"))
                if not self._info(fpr, gpg).revoked:
                    raise RevocationFailed(reason=N_("it does not revoke this key"))
            result = self._gpg.import_keys(data)
            if not self._info(fpr).revoked:
                raise RevocationFailed(reason=N_("GnuPG did not accept the certificate"),
                                       detail=_gpg_words(result.stderr))

    def _stored_revocation(self, fpr: str) -> str:
        path = os.path.join(self.home, "openpgp-revocs.d", f"{fpr}.rev")
        try:
            with open(path, "rb") as f:
                stored = f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            stored = ""
        # gpg protects the stored certificate with a ':' before its armor line.
        found = re.search(r"^:?(-----BEGIN PGP PUBLIC KEY BLOCK-----\n.*?"
                          r"^-----END PGP PUBLIC KEY BLOCK-----)", stored.replace("\r\n", "\n"),
                          flags=re.M | re.S)
        if not found:
            raise RevocationFailed(reason=N_("its secret key is not on this server; revoke it on "
                                             "your own machine and import the revoked key"))
        return found.group(1) + "\n"


def _parse_clearsigned(text: str) -> tuple[str, str]:
    """Split a clearsigned block strictly; return (the block, its text normalized)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n \t").split("\n")

    def bad(reason):
        return BadSignature(reason=reason)

    if not lines or lines[0].rstrip() != "-----BEGIN PGP SIGNED MESSAGE-----":
        raise bad(N_("it is not a clearsigned text (-----BEGIN PGP SIGNED MESSAGE----- "
                     "must come first, with nothing before it)"))
    i = 1
    while i < len(lines) and lines[i].strip():
        if not re.match(r"^Hash: [A-Za-z0-9, ]+$", lines[i].rstrip()):
            raise bad(N_("it has an unexpected armor header"))
        i += 1
    if i >= len(lines):
        raise bad(N_("the block is incomplete"))
    i += 1  # the blank line after the headers
    body = []
    while i < len(lines) and lines[i].rstrip() != "-----BEGIN PGP SIGNATURE-----":
        line = lines[i]
        if line.startswith("- "):
            line = line[2:]
        elif line.startswith("-"):
            raise bad(N_("a line that starts with a dash is not dash-escaped"))
        body.append(line)
        i += 1
    if i >= len(lines):
        raise bad(N_("the signature is missing"))
    end = None
    for j in range(i + 1, len(lines)):
        if lines[j].rstrip() == "-----END PGP SIGNATURE-----":
            end = j
            break
        if lines[j].startswith("-----"):
            raise bad(N_("the signature block is malformed"))
    if end is None:
        raise bad(N_("the signature is incomplete"))
    if any(line.strip() for line in lines[end + 1:]):
        raise bad(N_("there is text after the signature, which the signature does not cover"))
    try:
        parsed = normalize_text("\n".join(body))
    except InvalidText:
        raise bad(N_("the signed text is empty")) from None
    block = "\n".join(line.rstrip(" \t") if k < i else line
                      for k, line in enumerate(lines[:end + 1])) + "\n"
    return block, parsed
