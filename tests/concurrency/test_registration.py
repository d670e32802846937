"""Real servers under real concurrency, and what they leave behind.

Each test starts gunicorn (with the project's own ``gunicorn.conf.py``) on a
free port, against a SQLite file or PostgreSQL, and fires requests from many
threads at once, each with its own HTTP connection, released together by a
barrier. Readiness is a bounded poll of the server's URL, not a sleep.
"""

import re
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, text

from cryptoparty.core.extensions import db
from cryptoparty.events.models import Workshop
from cryptoparty.registration import codes
from cryptoparty.registration.models import Ticket, TicketChoice
from tests.live_server import GunicornServer

pytestmark = pytest.mark.slow

SECRET = "test-secret"  # the in-process app's too: both compute the same code hashes
REGISTRATIONS = 200
PROBE_AGENT = "PrivacyProbe/9.7 (distinctive-agent-x1y2z3)"
PROBE_ADDRESS = "198.51.100.173"


@pytest.fixture
def now():
    """The real clock: the servers run without ``FIXED_NOW``."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@pytest.fixture
def start_servers(app, tmp_path):
    """Start ``n`` servers sharing the test app's database; stopped after the test."""
    started = []

    def start(n=1):
        db.session.commit()
        url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://",
                                                            "postgresql://")
        for i in range(n):
            # --preload: the app is imported once, not once per worker.
            server = GunicornServer(tmp_path, name=f"server{i}", threads=8,
                                    extra_args=("--preload",), env={
                                        "DATABASE_URL": url, "CRYPTOPARTY_SECRET_KEY": SECRET,
                                        "CRYPTOPARTY_PROXY_HOPS": "1"})
            # The instance folder is shared: the privacy test searches it afterwards.
            started.append(server.start())
        return started[-n:]

    yield start
    for server in started:
        server.stop()


def fire(requests_to_send):
    """Send every ``(method, url, json, headers)`` at once, one connection per thread."""
    barrier = threading.Barrier(len(requests_to_send))
    results = [None] * len(requests_to_send)

    def send(i, method, url, body, headers):
        with requests.Session() as session:
            barrier.wait(timeout=30)
            try:
                response = session.request(method, url, json=body, headers=headers, timeout=60)
                results[i] = (response.status_code, response.json())
            except Exception as error:  # reported below, with the others
                results[i] = (None, repr(error))

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in
               enumerate(requests_to_send)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def fresh_session():
    db.session.rollback()
    db.session.expire_all()


def tails_of(event):
    return next(w for w in event.workshops if w.slug == "tails")


@pytest.mark.parametrize("servers", [
    pytest.param(1, id="one-server"),
    pytest.param(2, id="two-servers"),
])
def test_concurrent_registrations_never_overbook_then_promote_in_order(
        backend, make_event, start_servers, servers):
    if backend == "sqlite" and servers == 2:
        pytest.skip("two servers are a PostgreSQL deployment; SQLite runs one server")
    event = make_event()
    tails_id = tails_of(event).id
    running = start_servers(servers)
    sent = [("POST", f"{running[i % servers].url}/api/v1/events/{event.slug}/tickets",
             {"workshops": [tails_id], "party": 1}, {}) for i in range(REGISTRATIONS)]
    results = fire(sent)

    assert all(status == 201 for status, _ in results), [r for r in results if r[0] != 201][:3]
    statuses = [body["status"] for _, body in results]
    assert statuses.count("confirmed") == 8
    assert statuses.count("waitlisted") == REGISTRATIONS - 8
    fresh_session()
    assert db.session.scalar(select(Workshop.seats_taken).where(Workshop.id == tails_id)) == 8
    confirmed_people = db.session.scalar(
        select(db.func.sum(Ticket.party)).join(TicketChoice)
        .where(TicketChoice.workshop_id == tails_id, TicketChoice.status == "confirmed"))
    assert confirmed_people == 8

    # Cancellations promote the waitlist in the order it was formed.
    by_hash = {codes.hash_code(codes.normalize(body["code"]), SECRET): body["code"]
               for _, body in results}
    queue = [by_hash[h] for h in db.session.scalars(
        select(Ticket.code_hash).join(TicketChoice)
        .where(TicketChoice.workshop_id == tails_id, TicketChoice.status == "waitlisted")
        .order_by(TicketChoice.id))]
    assert len(queue) == REGISTRATIONS - 8
    holders = [body["code"] for _, body in results if body["status"] == "confirmed"]
    for i, code in enumerate(holders[:3]):
        response = requests.delete(f"{running[i % servers].url}/api/v1/tickets/{code}",
                                   timeout=10)
        assert response.status_code == 200
    after = [requests.get(f"{running[0].url}/api/v1/tickets/{code}", timeout=10).json()
             ["status"] for code in queue[:5]]
    assert after == ["confirmed", "confirmed", "confirmed", "waitlisted", "waitlisted"]
    fresh_session()
    assert db.session.scalar(select(Workshop.seats_taken).where(Workshop.id == tails_id)) == 8


def _database_dump(app) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return "\n".join(connection.iterdump())
        finally:
            connection.close()
    lines = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for row in connection.execute(text(f'SELECT * FROM "{table.name}"')):
                lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)


def test_nothing_personal_is_kept(app, backend, make_event, start_servers, tmp_path, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    event = make_event()
    tails_id, signal_id = tails_of(event).id, event.workshops[2].id
    server = start_servers(1)[0]
    headers = {"User-Agent": PROBE_AGENT, "X-Forwarded-For": PROBE_ADDRESS}
    issued = []

    # Through the API, at once...
    results = fire([("POST", f"{server.url}/api/v1/events/{event.slug}/tickets",
                     {"workshops": [tails_id, signal_id], "party": 1}, headers)
                    for _ in range(12)])
    issued += [body["code"] for status, body in results if status == 201]
    assert len(issued) == 12
    # ...and through the HTML form, as a person would.
    with requests.Session() as browser:
        browser.headers.update(headers)
        page = browser.get(f"{server.url}/events/{event.slug}/register", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page).group(1)
        response = browser.post(
            f"{server.url}/events/{event.slug}/register", timeout=10,
            data={"csrf_token": token, "idempotency_key": key, "party": "2",
                  f"session_{event.sessions[0].id}": str(tails_id)})
        assert response.status_code == 200 and "/tickets/" in response.url
        issued.append(re.search(r"/tickets/([0-9A-Z-]{19})", response.url).group(1))
        for code in issued[:4]:
            for path in ("", "/qr.svg", "/ticket.ics"):
                assert browser.get(f"{server.url}/tickets/{code}{path}",
                                   timeout=10).status_code == 200
        assert browser.delete(f"{server.url}/api/v1/tickets/{issued[0]}",
                              timeout=10).status_code == 200
        assert browser.get(f"{server.url}/tickets/ZZZZ-ZZZZ-ZZZZ-ZZZZ",
                           timeout=10).status_code == 404

    # The same from the in-process app, whose log records pytest captures.
    client = app.test_client()
    response = client.post(f"/api/v1/events/{event.slug}/tickets",
                           json={"workshops": [tails_id], "party": 1},
                           headers=headers, environ_base={"REMOTE_ADDR": PROBE_ADDRESS})
    issued.append(response.get_json()["code"])
    client.get(f"/tickets/{issued[-1]}", headers=headers)
    app.logger.warning("Exception on /tickets/%s [GET]", issued[-1])
    server.stop()

    secrets_ = [PROBE_AGENT, "distinctive-agent", PROBE_ADDRESS]
    for code in issued:
        canonical = codes.normalize(code)
        secrets_ += [code, canonical, canonical.lower(), code.lower()]

    def leaks(haystack: str):
        return [s for s in secrets_ if s in haystack]

    fresh_session()
    dump = _database_dump(app)
    assert "tickets" in dump.lower() and len(dump) > 1000
    assert leaks(dump) == []
    assert server.instance.is_dir()
    written = [p for p in server.instance.rglob("*") if p.is_file()]
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        # The raw database files too (the WAL holds what the dump may not show).
        database_file = Path(url.removeprefix("sqlite:///"))
        written += [p for p in database_file.parent.glob(database_file.name + "*")]
        assert written
    for path in written:
        assert leaks(path.read_bytes().decode("latin-1")) == [], path
    logs = server.logs()
    assert "/tickets/…" in logs and "/api/v1/tickets/…" in logs  # requests were logged
    assert leaks(logs) == []
    assert "/tickets/…" in caplog.text
    assert leaks(caplog.text) == []


@pytest.fixture
def app_config():
    """The in-process app on the real clock too."""
    return {"FIXED_NOW": None}
