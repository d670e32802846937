"""Outgoing HTTP for federation, with an SSRF guard, timeouts and a size limit.

Every URL is checked before it is requested: http(s) only, and, unless
``allow_private`` (the FEDERATION_ALLOW_PRIVATE setting, for tests), every
address its host resolves to must be a public one: no private, loopback,
link-local, multicast, reserved or unspecified address. Redirects are not
followed. A response larger than ``MAX_BYTES`` is refused.
"""

import ipaddress
import socket
import time
from urllib.parse import urlsplit

import requests

from cryptoparty.core import validation

MAX_BYTES = 1024 * 1024
TIMEOUT = (5, 10)  # connect, read (seconds)
DEADLINE = 15  # seconds for a whole response, however slowly it drips
ACTIVITY_TYPES = ('application/activity+json, application/ld+json; '
                  'profile="https://www.w3.org/ns/activitystreams"')
USER_AGENT = "cryptoparty-federation"


class FetchError(Exception):
    """The URL was refused, did not answer in time, or answered with something unusable."""


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse URLs that are not http(s) or whose host is not a public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("not an http(s) URL")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError("the host does not resolve") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            raise FetchError("the host is not a public address")


def _read_limited(response) -> bytes:
    length = response.headers.get("Content-Length")
    if length and length.isascii() and length.isdigit() and int(length) > MAX_BYTES:
        raise FetchError("the response is too large")
    chunks, size = [], 0
    deadline = time.monotonic() + DEADLINE
    while True:
        # read1: what has arrived (up to 64 KiB), so that the deadline is checked as it drips.
        chunk = response.raw.read1(65536, decode_content=True)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_BYTES:
            raise FetchError("the response is too large")
        if time.monotonic() > deadline:
            raise FetchError("the response is too slow")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch_json(url: str, *, allow_private: bool, sign=None) -> dict:
    """GET an ActivityStreams document; ``sign(url)`` gives signature headers, if any."""
    check_url(url, allow_private=allow_private)
    headers = {"Accept": ACTIVITY_TYPES, "User-Agent": USER_AGENT}
    if sign is not None:
        headers.update(sign(url))
    try:
        with requests.get(url, headers=headers,
                          timeout=TIMEOUT, stream=True, allow_redirects=False) as response:
            if response.status_code != 200:
                raise FetchError(f"answered {response.status_code}")
            body = _read_limited(response)
    except requests.RequestException as error:
        raise FetchError("the request failed") from error
    try:
        document = validation.load_json(body)
    except ValueError as error:
        raise FetchError("not JSON") from error
    if not isinstance(document, dict):
        raise FetchError("not a JSON object")
    return document


def post(url: str, body: bytes, headers: dict, *, allow_private: bool) -> int:
    """POST a signed activity; the status code the inbox answered."""
    check_url(url, allow_private=allow_private)
    try:
        with requests.post(url, data=body, headers={**headers, "User-Agent": USER_AGENT},
                           timeout=TIMEOUT, stream=True, allow_redirects=False) as response:
            return response.status_code
    except requests.RequestException as error:
        raise FetchError("the request failed") from error
