"""Invariant 3 under load, with the real server: no address, no user agent, no code left behind.

Starts gunicorn with the repository's ``gunicorn.conf.py`` on a free port,
against an instance folder (and its SQLite database) of its own, sends 500
registrations through the JSON API from distinctive ``X-Forwarded-For``
addresses, user agents and referrers, looks some tickets up by their code,
stops the server, then searches the database dump, every file under the
instance folder and every log for any of them.
"""

import json
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.live_server import GunicornServer

pytestmark = pytest.mark.slow

REGISTRATIONS = 500


def _address(i: int) -> str:
    # Half IPv4 from TEST-NET-2, half IPv6 from the documentation prefix.
    return f"198.51.{i // 200}.{i % 200 + 17}" if i % 2 else f"2001:db8:c0de::{i + 4096:x}"


@pytest.fixture
def served(tmp_path):
    """gunicorn with gunicorn.conf.py and the demo data, its logs in tmp_path."""
    server = GunicornServer(tmp_path, ready_path="/api/v1/events",
                            env={"CRYPTOPARTY_PROXY_HOPS": "1"})
    server.flask("init-db")
    server.flask("demo")
    with server:
        yield server


def _register(base_url, workshop_ids, i):
    needle = uuid.uuid4().hex[:12]
    agent = f"NeedleBrowser/{i}.0 (agent-{needle})"
    referrer = f"https://referrer-{needle}.example/page"
    response = requests.post(
        f"{base_url}/api/v1/events/cryptoparty/tickets",
        json={"workshops": [workshop_ids[i % len(workshop_ids)]], "party": 1},
        headers={"X-Forwarded-For": _address(i), "User-Agent": agent, "Referer": referrer},
        timeout=30)
    assert response.status_code == 201, response.text
    code = response.json()["code"]
    if i % 10 == 0:
        # Look the ticket up too: its code is then in URLs that the server logs.
        for path in (f"/tickets/{code}", f"/api/v1/tickets/{code}", f"/tickets/{code}/qr.svg"):
            assert requests.get(base_url + path, timeout=30, headers={
                "X-Forwarded-For": _address(i), "User-Agent": agent,
                "Referer": referrer}).status_code == 200
    return code, agent, referrer


def _database_text(instance: Path) -> str:
    connection = sqlite3.connect(instance / "cryptoparty.sqlite3")
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


def test_no_address_agent_referrer_or_code_is_left_anywhere(served, tmp_path):
    server = served
    base_url, instance = server.url, server.instance
    event = requests.get(f"{base_url}/api/v1/events/cryptoparty", timeout=30).json()
    workshop_ids = [w["id"] for s in event["sessions"] for w in s["workshops"]]
    # The demo data brings tickets of its own (the coming evening's registrations).
    tickets_before = _database_text(instance).count('INSERT INTO "tickets"')
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: _register(base_url, workshop_ids, i),
                                range(REGISTRATIONS)))
    server.stop()

    codes = {code for code, _, _ in results}
    assert len(codes) == REGISTRATIONS
    needles = set(codes) | {code.replace("-", "") for code in codes}
    needles |= {agent for _, agent, _ in results} | {agent.split("(")[1].rstrip(")")
                                                    for _, agent, _ in results}
    needles |= {referrer for _, _, referrer in results}
    needles |= {_address(i) for i in range(REGISTRATIONS)}

    places = {"database dump": _database_text(instance)}
    for path in sorted(instance.rglob("*")) + sorted(tmp_path.glob("*.log")):
        if path.is_file() and not path.is_socket():
            places[str(path)] = path.read_bytes().decode("utf-8", "replace")
    # The database really holds the tickets and the logs really hold the requests.
    assert places["database dump"].count('INSERT INTO "tickets"') == (tickets_before
                                                                      + REGISTRATIONS)
    access_log = places[str(server.access_log)]
    assert access_log.count("POST /api/v1/events/cryptoparty/tickets") == REGISTRATIONS
    assert access_log.count("/tickets/…") >= 3 * REGISTRATIONS // 10

    for where, text in places.items():
        found = sorted(needle for needle in needles if needle in text)
        assert not found, f"{where} holds {found[:5]}"
    # The addresses are not even hashed where anyone could compare them.
    assert "198.51." not in json.dumps(places)
