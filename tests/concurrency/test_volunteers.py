"""Volunteers claiming at the same moment, against a real gunicorn server.

Several volunteers, each with their own HTTP connection and CSRF cookie, are
released together by a barrier and claim the same workshop: exactly one wins,
the others get a 409, and the facilitator counter says 1. The same holds for
one volunteer claiming two workshops of one session at once. Runs on SQLite
and, when TEST_DATABASE_URL is set, on PostgreSQL.
"""

import re
import secrets
import threading
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from cryptoparty.events.models import Workshop
from cryptoparty.volunteers import services as service
from cryptoparty.volunteers.models import Claim
from tests.live_server import GunicornServer

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RACERS = 12

pytestmark = pytest.mark.slow


@pytest.fixture
def server(app, tmp_path, gnupg_home):
    """A gunicorn server (4 workers × 4 threads) on the test app's database."""
    db.session.commit()
    db.engine.dispose()
    with GunicornServer(tmp_path, workers=4, threads=4, extra_args=("--preload",), env={
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "CRYPTOPARTY_SECRET_KEY": app.config["SECRET_KEY"],
            "CRYPTOPARTY_GNUPG_HOME": gnupg_home}) as running:
        yield running.url


@pytest.fixture
def race_event(app, make_event, now):
    """An event that is upcoming by the real clock (the server does not use FIXED_NOW)."""
    real_now = datetime.now(timezone.utc).replace(tzinfo=None)
    program = [
        ("Session 1", [dict(title="Tor Browser", slug="tor-browser", capacity=20,
                            needs_facilitator=True),
                       dict(title="Tails", slug="tails", capacity=8, needs_facilitator=True),
                       dict(title="Smartphones", slug="smartphones", capacity=10,
                            needs_facilitator=True)]),
        ("Session 2", [dict(title="Signal", slug="signal", capacity=20,
                            needs_facilitator=True)]),
    ]
    return make_event(program=program, starts_in=(real_now - now) + timedelta(days=10))


def _volunteer(base, event, real_now, pseudonym):
    volunteer, token = service.sign_up(event, pseudonym=pseudonym, now=real_now)
    return token


def _prepared_session(base, token):
    """An HTTP session holding the private page's CSRF cookie and token."""
    http = requests.Session()
    html = http.get(f"{base}/volunteers/{token}", timeout=30).text
    return http, CSRF_RE.search(html).group(1)


def _race(base, attempts):
    """POST all the (token, workshop id) claims at once; return their status codes."""
    prepared = [(_prepared_session(base, token), token, workshop_id)
                for token, workshop_id in attempts]
    barrier = threading.Barrier(len(prepared))
    statuses = [None] * len(prepared)

    def claim(i, http, csrf, token, workshop_id):
        barrier.wait(timeout=60)
        response = http.post(f"{base}/volunteers/{token}/claims",
                             data={"csrf_token": csrf, "workshop_id": str(workshop_id),
                                   # a key of its own: each claim is another click
                                   "idempotency_key": secrets.token_urlsafe(24)},
                             allow_redirects=False, timeout=60)
        statuses[i] = response.status_code

    threads = [threading.Thread(target=claim, args=(i, http, csrf, token, workshop_id))
               for i, ((http, csrf), token, workshop_id) in enumerate(prepared)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def _active_claims(workshop_id):
    return db.session.scalar(select(func.count()).select_from(Claim).where(
        Claim.workshop_id == workshop_id, Claim.status.in_(("proposed", "confirmed"))))


def test_volunteers_claiming_the_same_workshop_at_once_exactly_one_wins(app, race_event,
                                                                        server):
    real_now = datetime.now(timezone.utc).replace(tzinfo=None)
    ids = {w.slug: w.id for w in race_event.workshops}
    for round_, slug in enumerate(("tor-browser", "signal")):
        tokens = [_volunteer(server, race_event, real_now, f"v{round_}-{i}")
                  for i in range(RACERS)]
        statuses = _race(server, [(token, ids[slug]) for token in tokens])
        assert sorted(statuses) == [302] + [409] * (RACERS - 1), statuses
        db.session.expire_all()
        assert _active_claims(ids[slug]) == 1
        assert db.session.get(Workshop, ids[slug]).facilitators == 1


def test_one_volunteer_claiming_two_workshops_of_a_session_at_once_gets_one(app, race_event,
                                                                            server):
    real_now = datetime.now(timezone.utc).replace(tzinfo=None)
    ids = {w.slug: w.id for w in race_event.workshops}
    token = _volunteer(server, race_event, real_now, "double")
    attempts = [(token, ids["tails"]), (token, ids["smartphones"])] * 3
    statuses = _race(server, attempts)
    assert sorted(statuses) == [302] + [409] * 5, statuses
    db.session.expire_all()
    assert _active_claims(ids["tails"]) + _active_claims(ids["smartphones"]) == 1
    assert db.session.get(Workshop, ids["tails"]).facilitators \
        + db.session.get(Workshop, ids["smartphones"]).facilitators == 1
