"""Two servers on loopback: a bovine follower follows @biblinsa on a real gunicorn.

cryptoparty runs under gunicorn with the demo data (``biblinsa`` federates) and
``CRYPTOPARTY_FEDERATION_ALLOW_PRIVATE=true``; ``flask federation worker``
runs beside it as in ``make run``. The follower (tests/federation/follower.py,
all bovine) finds the actor by WebFinger, follows, and must receive a signed
``Accept``, then a ``Create`` when an event is published and an ``Update``
when it is cancelled, each accepted by bovine's signature checker and by httpsig's. The worker
is restarted with a job pending and delivers it. Unfollowing removes the row,
and no trace of the follower's actor id is left in the database or the logs.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from cryptoparty.core.resources import ROOT
from tests.federation.follower import BovineFollower
from tests.live_server import BIN, GunicornServer

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent("""
    import sys
    from datetime import datetime, timedelta, timezone
    from sqlalchemy import select
    from cryptoparty import create_app
    from cryptoparty.events.models import Event
    from cryptoparty.accounts.models import Organization
    from cryptoparty.core.extensions import db
    from cryptoparty.events import services as events
    action = sys.argv[1]
    app = create_app()
    with app.app_context():
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        if action == "publish":
            org = db.session.scalar(select(Organization).filter_by(slug="biblinsa"))
            start = now + timedelta(days=20)
            event = events.create_event(org, now=now, slug="loopback-party",
                                        title="Loopback party", kind="cryptoparty",
                                        venue="Salle 1", starts_at=start,
                                        ends_at=start + timedelta(hours=3))
        else:
            event = db.session.scalar(select(Event).filter_by(slug="loopback-party"))
        events.change_status(event, action, now=now)
""")


def _event(server, action):
    subprocess.run([sys.executable, "-c", SCRIPT, action], cwd=ROOT, env=server.env,
                   check=True, capture_output=True, text=True)


class Worker:
    def __init__(self, server, log_path):
        self.server, self.log_path, self.process = server, log_path, None

    def start(self):
        out = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(BIN / "flask"), "--app", "cryptoparty", "federation", "worker",
             "--max-sleep", "0.3"], cwd=ROOT, env=self.server.env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _db(server):
    return sqlite3.connect(server.instance / "cryptoparty.sqlite3")


def _count(server, table):
    with _db(server) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def world(tmp_path):
    server = GunicornServer(tmp_path, ready_path="/privacy",
                            env={"CRYPTOPARTY_FEDERATION_ALLOW_PRIVATE": "true"})
    server.flask("init-db")
    server.flask("demo")
    follower = BovineFollower().start()
    worker = Worker(server, tmp_path / "worker.log")
    with server:
        try:
            yield server, follower, worker
        finally:
            worker.stop()
            follower.close()


def test_a_bovine_follower_gets_accept_create_and_update(world, tmp_path):
    server, follower, worker = world
    handle = f"biblinsa@127.0.0.1:{server.port}"
    actor = follower.lookup(server.url, handle)
    assert actor == server("/ap/orgs/biblinsa")

    follow = follower.follow_activity(actor)
    assert follower.send(actor, follow) == 202
    assert _count(server, "federation_followers") == 1
    # Our server fetched the follower's key with a GET signed by the organization.
    assert follower.actor_fetches and all(f == actor for f in follower.actor_fetches)

    worker.start()
    (accept, signer, httpsig_ok), = follower.wait_for("Accept")
    assert signer == actor, "bovine's checker refused the Accept's signature"
    assert httpsig_ok, "httpsig refused the Accept's signature"
    assert accept["object"]["id"] == follow["id"]

    _event(server, "publish")
    (create, signer, httpsig_ok), = follower.wait_for("Create")
    assert signer == actor and httpsig_ok
    assert create["object"]["type"] == "Event"
    assert create["object"]["externalParticipationUrl"] == \
        server("/events/loopback-party/register")

    # The worker stops with a job pending; restarted, it delivers it.
    worker.stop()
    _event(server, "cancel")
    assert _count(server, "federation_deliveries") == 1
    worker.start()
    (update, signer, httpsig_ok), = follower.wait_for("Update")
    assert signer == actor and httpsig_ok
    assert update["object"]["ical:status"] == "CANCELLED"
    assert all(s == actor and ok for _, s, ok in follower.received)

    undo = {"@context": "https://www.w3.org/ns/activitystreams", "id": follow["id"] + "/undo",
            "type": "Undo", "actor": follower.id, "object": follow}
    assert follower.send(actor, undo) == 202
    assert _count(server, "federation_followers") == 0

    worker.stop()
    server.stop()
    with _db(server) as connection:
        dump = "\n".join(connection.iterdump())
    texts = {"database dump": dump, "worker log": (tmp_path / "worker.log").read_text(),
             "server logs": server.logs()}
    for where, text in texts.items():
        assert follower.id not in text, where
        assert "/users/follower" not in text, where


def test_a_follower_server_that_is_down_gets_retries(world):
    server, follower, worker = world
    actor = server("/ap/orgs/biblinsa")
    assert follower.send(actor, follower.follow_activity(actor)) == 202
    follower.stop()  # the follower's server goes down before the Accept is sent
    worker.start()
    import time
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with _db(server) as connection:
            attempts = connection.execute(
                "SELECT attempts FROM federation_deliveries").fetchone()
        if attempts and attempts[0] >= 1:
            break
        time.sleep(0.3)
    assert attempts and attempts[0] == 1
    with _db(server) as connection:
        due = connection.execute("SELECT next_attempt_at, created_at FROM "
                                 "federation_deliveries").fetchone()
    assert due[0] > due[1]  # scheduled later (backoff), not hammered
