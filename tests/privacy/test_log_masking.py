"""One masking rule, by the route: every URL shape that reaches a ticket or a volunteer page.

The rule is checked three ways: on the helpers themselves, against the URL map
(every route that takes a ``<code>`` or a ``<token>`` is covered), and through
the real ``gunicorn.conf.py``, whose access and error logs must hold no code
whatever shape the URL was sent in.
"""

import logging
import re
import socket

import pytest
import requests

from cryptoparty.core.log_masking import (
    _PREFIX_IN_PATH,
    _ROUTE_SUFFIX,
    MASK,
    mask_path,
    mask_request_line,
    mask_secrets,
)
from tests.live_server import GunicornServer

CODE = "7KQ2-M9XD-4TRB-HW0E"
GROUPS = CODE.split("-")


@pytest.mark.parametrize("path", [
    f"/tickets/{CODE}", f"/tickets//{CODE}", f"//tickets/{CODE}", f"/tickets/{CODE}/",
    f"/tickets/{CODE}/qr.svg", f"/tickets/{CODE}/extra/segments",
    "/tickets/" + " ".join(GROUPS), "/tickets/" + "\t".join(GROUPS),
    "/tickets/" + "%20".join(GROUPS), "/tickets/" + "%09".join(GROUPS),
    f"/tickets/%37{CODE[1:]}", f"/tickets%2F{CODE}", f"/tickets%252F{CODE}",
    f"/api/v1/tickets//{CODE}", f"/volunteers//{CODE}", f"/volunteers/{CODE}/claims/3/withdraw",
    f"/tickets/ {CODE}",
])
def test_every_shape_of_a_capability_path_is_masked(path):
    for masked in (mask_path(path), mask_request_line(f"GET {path}?lang=en HTTP/1.1"),
                   mask_secrets(f'"GET {path}" 200 12 3ms')):
        assert not any(group in masked for group in GROUPS), masked
        assert MASK in masked


def test_the_query_and_the_route_page_stay_readable():
    assert mask_request_line(f"GET /tickets//{CODE}/qr.svg?lang=en HTTP/1.1") == \
        "GET /tickets/…/qr.svg?lang=en HTTP/1.1"
    assert mask_path(f"/volunteers/{CODE}/claims") == "/volunteers/…/claims"
    assert mask_path("/events/cryptoparty/register") == "/events/cryptoparty/register"


def test_every_route_with_a_code_or_token_is_covered(app):
    """The masked prefixes and the readable pages are the URL map's, not a guess."""
    capability = [rule.rule for rule in app.url_map.iter_rules()
                  if re.search(r"<(?:[a-z]+:)?(?:code|token)>", rule.rule)]
    assert capability
    for rule in capability:
        before, after = re.split(r"<(?:[a-z]+:)?(?:code|token)>", rule, maxsplit=1)
        assert _PREFIX_IN_PATH.search(before) and _PREFIX_IN_PATH.search(before).end() == \
            len(before), rule
        page = re.sub(r"<int:[a-z_]+>", "1", after)
        assert page == "" or _ROUTE_SUFFIX.search("x" + page).group(0) == page, rule


def test_werkzeug_request_lines_are_masked_by_their_structure(app, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("werkzeug").info('127.0.0.1 - - [x] "%s" %s %s',
                                       "GET /tickets//" + " ".join(GROUPS) + " HTTP/1.1",
                                       308, "-")
    assert not any(group in caplog.text for group in GROUPS)
    assert "GET /tickets/… HTTP/1.1" in caplog.text


# Through the real server ------------------------------------------------------

def _raw_get(server, target: bytes) -> bytes:
    """Send a request line as is (spaces, tabs, '#'), which no HTTP library would."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Connection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.slow
def test_gunicorn_logs_hold_no_code_in_any_url_shape(tmp_path):
    server = GunicornServer(tmp_path, ready_path="/api/v1/events", workers=1, threads=2)
    server.flask("init-db")
    server.flask("demo")
    with server:
        event = requests.get(server("/api/v1/events/cryptoparty"), timeout=30).json()
        workshop = event["sessions"][0]["workshops"][0]["id"]
        code = requests.post(server("/api/v1/events/cryptoparty/tickets"), timeout=30,
                             json={"workshops": [workshop], "party": 1}).json()["code"]
        groups = code.split("-")
        token = "VoluNteerT0ken-" + groups[0].lower() * 3
        answers = {}
        for target in [
            f"/tickets/{code}", f"/tickets//{code}", f"//tickets/{code}", f"/tickets/{code}/",
            f"/tickets/{code}/qr.svg", f"/tickets//{code}/qr.svg?lang=en",
            f"/tickets/{code}/extra/segments", f"/tickets/{code}#fragment",
            "/tickets/" + "%20".join(groups), "/tickets/" + "%09".join(groups),
            "/tickets/" + "%2D".join(groups), f"/tickets%2F{code}",
            f"/api/v1/tickets/{code}", f"/api/v1/tickets//{code}",
            f"/volunteers/{token}", f"/volunteers//{token}", f"/volunteers/{token}/claims",
            "/tickets/" + " ".join(groups), "/tickets/" + "\t".join(groups),
            f"/tickets/?code={code}", "/tickets/?lang=fr&code=" + "%20".join(groups),
        ]:
            answers[target] = _raw_get(server, target.encode()).split(b"\r\n", 1)[0]
        # The app really answers these shapes (the ticket page, its redirect, its QR code).
        assert b" 200 " in answers[f"/tickets/{code}"]
        assert b" 308 " in answers[f"/tickets//{code}"]
        assert b" 200 " in answers["/tickets/" + "%20".join(groups)]
        # One Date header, the server's (werkzeug's make_conditional added a second).
        for target in (b"/events/cryptoparty/", b"/static/css/pages.css"):
            head = _raw_get(server, target).split(b"\r\n\r\n", 1)[0].lower()
            assert head.count(b"\r\ndate:") == 1, (target, head)
    logs = server.logs()
    assert logs.count("/tickets/…") >= 10 and "/volunteers/…" in logs
    for needle in [code, token, *groups, code.replace("-", "")]:
        assert needle not in logs, (needle, [line for line in logs.splitlines()
                                             if needle in line])
