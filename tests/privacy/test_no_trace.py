"""Invariant 3 under load, with the real server: no address, no user agent, no code left behind.

Starts gunicorn with the repository's ``gunicorn.conf.py`` on a free port,
against an instance folder (and its SQLite database) of its own, sends 500
registrations through the JSON API from distinctive ``X-Forwarded-For``
addresses, user agents and referrers, looks some tickets up by their code,
stops the server, then searches the database dump, every file under the
instance folder and every log for any of them.
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from cryptoparty import ROOT

pytestmark = pytest.mark.slow

REGISTRATIONS = 500
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _address(i: int) -> str:
    # Half IPv4 from TEST-NET-2, half IPv6 from the documentation prefix.
    return f"198.51.{i // 200}.{i % 200 + 17}" if i % 2 else f"2001:db8:c0de::{i + 4096:x}"


def _wait_until_serving(url: str, server: subprocess.Popen, deadline: float) -> None:
    """Poll until the server answers (it needs a moment to import the app)."""
    while True:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited with {server.returncode}")
        try:
            requests.get(url, timeout=10)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def served(tmp_path):
    """gunicorn with gunicorn.conf.py, its logs in tmp_path; yields (base_url, paths)."""
    instance = tmp_path / "instance"
    port = _free_port()
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    env.update({
        "CRYPTOPARTY_INSTANCE_PATH": str(instance),
        "CRYPTOPARTY_RATELIMIT_ENABLED": "false",
        "CRYPTOPARTY_PROXY_HOPS": "1",
        "CRYPTOPARTY_BIND": f"127.0.0.1:{port}",
        "CRYPTOPARTY_WORKERS": "2",
        "CRYPTOPARTY_ACCESS_LOG": str(tmp_path / "access.log"),
        "CRYPTOPARTY_ERROR_LOG": str(tmp_path / "error.log"),
    })
    flask = [str(BIN / "flask"), "--app", "cryptoparty"]
    for command in (["init-db"], ["demo"]):
        subprocess.run(flask + command, env=env, cwd=ROOT, check=True, capture_output=True)
    output = open(tmp_path / "server.out", "wb")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
         # One control socket per user otherwise: parallel test runs would share it.
         "--no-control-socket", "cryptoparty:create_app()"],
        env=env, cwd=ROOT, stdout=output, stderr=output)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base_url + "/api/v1/events", server, time.monotonic() + 60)
        yield base_url, instance, server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        output.close()


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
    base_url, instance, server = served
    event = requests.get(f"{base_url}/api/v1/events/cryptoparty", timeout=30).json()
    workshop_ids = [w["id"] for s in event["sessions"] for w in s["workshops"]]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: _register(base_url, workshop_ids, i),
                                range(REGISTRATIONS)))
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)

    codes = {code for code, _, _ in results}
    assert len(codes) == REGISTRATIONS
    needles = set(codes) | {code.replace("-", "") for code in codes}
    needles |= {agent for _, agent, _ in results} | {agent.split("(")[1].rstrip(")")
                                                    for _, agent, _ in results}
    needles |= {referrer for _, _, referrer in results}
    needles |= {_address(i) for i in range(REGISTRATIONS)}

    places = {"database dump": _database_text(instance)}
    files = sorted(instance.rglob("*")) + sorted(tmp_path.glob("*.log"))
    for path in files + [tmp_path / "server.out"]:
        if path.is_file() and not path.is_socket():
            places[str(path)] = path.read_bytes().decode("utf-8", "replace")
    # The database really holds the tickets and the logs really hold the requests.
    assert places["database dump"].count('INSERT INTO "tickets"') == REGISTRATIONS
    access_log = places[str(tmp_path / "access.log")]
    assert access_log.count("POST /api/v1/events/cryptoparty/tickets") == REGISTRATIONS
    assert access_log.count("/tickets/…") >= 3 * REGISTRATIONS // 10

    for where, text in places.items():
        found = sorted(needle for needle in needles if needle in text)
        assert not found, f"{where} holds {found[:5]}"
    # The addresses are not even hashed where anyone could compare them.
    assert "198.51." not in json.dumps(places)
