"""Issue 14, faults: the database connection cut under the app, Redis unreachable.

- PostgreSQL: a connection terminated by the server between two requests is
  replaced before the next one uses it (``pool_pre_ping``); a connection cut in
  the middle of a request answers a clean 503 with ``Retry-After``, writes
  nothing, and the request after it succeeds.
- Redis unreachable while ``REDIS_URL`` is set: pages and registration keep
  working on per-process limits, with one warning in the log however many
  requests come, and the shared limits come back with Redis.
"""

import logging
import os
import socket
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy import event as sa_event

from cryptoparty import normalize_database_url
from cryptoparty.core.extensions import db
from cryptoparty.events.models import Workshop
from cryptoparty.registration.models import Ticket, TicketChoice
from tests.conftest import NOW, TEST_DATABASE_URL, postgresql_url
from tests.registration.test_views import form_for

TICKETS = "/api/v1/events/cryptoparty/tickets"
APPLICATION_NAME = f"cptest-cut-{uuid.uuid4().hex[:12]}"


def counts():
    db.session.expire_all()
    result = (db.session.scalar(select(func.count(Ticket.id))),
              db.session.scalar(select(func.count(TicketChoice.id))),
              db.session.scalar(select(func.sum(Workshop.seats_taken))))
    db.session.commit()
    return result


# --------------------------------------------------------------------------- PostgreSQL

@pytest.fixture
def app_config(backend):
    if backend != "postgresql":
        return {}
    # The app's connections carry a name of their own, so that another
    # connection can find and terminate them (and no other helper's).
    return {"SQLALCHEMY_DATABASE_URI": f"{postgresql_url()}&application_name={APPLICATION_NAME}"}


@pytest.fixture
def admin(backend):
    """A connection of its own, as a database administrator would hold."""
    if backend != "postgresql":
        pytest.skip("a PostgreSQL server terminating the app's connections")
    engine = create_engine(normalize_database_url(TEST_DATABASE_URL))
    yield engine
    engine.dispose()


def terminate(admin, pid=None) -> int:
    """Terminate the app's connections (or one of them), waiting until they are gone."""
    where = "pid = :pid" if pid else "application_name = :name AND pid <> pg_backend_pid()"
    with admin.begin() as conn:
        return len(conn.execute(text(
            f"SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE {where}"),
            {"pid": pid, "name": APPLICATION_NAME}).all())


def test_a_postgresql_connection_cut_between_two_requests_is_replaced(
        backend, app, client, make_event, admin):
    event = make_event()
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    assert client.get(f"/events/{event.slug}/").status_code == 200
    assert terminate(admin) >= 1  # the pooled connection the next request would take
    page = client.get(f"/events/{event.slug}/")
    assert page.status_code == 200
    response = client.post(TICKETS, json={"workshops": [event.workshops[0].id]})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert counts()[0] == 1


def test_a_postgresql_connection_cut_mid_request_is_a_clean_503(
        backend, app, client, make_event, admin, caplog):
    event = make_event()
    workshop_id = event.workshops[0].id
    before = counts()
    cut = {"armed": True, "done": False}

    def cut_the_first_write(conn, cursor, statement, parameters, context, executemany):
        # The connection dies in the middle of the registration's transaction:
        # after its reads, at its first write.
        # (On PostgreSQL the API's registration writes with CTEs: "WITH ... INSERT".)
        if cut["armed"] and statement.lstrip().upper().startswith(("INSERT", "UPDATE", "WITH")):
            cut["armed"] = False
            cut["done"] = terminate(admin, pid=conn.connection.dbapi_connection.info.backend_pid)

    sa_event.listen(db.engine, "before_cursor_execute", cut_the_first_write)
    try:
        with caplog.at_level(logging.WARNING):
            response = client.post(TICKETS + "?lang=en", json={"workshops": [workshop_id]})
            first_cut = cut["done"]
            cut.update(armed=True, done=False)
            form = client.post_form(f"/events/{event.slug}/register?lang=en",
                                    form_for(event, ("tails",)))
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", cut_the_first_write)
    assert first_cut and cut["done"]
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.is_json and response.headers["Retry-After"]
    assert "Try again in a moment" in response.json["error"]["message"]
    assert form.status_code == 503 and form.headers["Retry-After"]
    assert "Try again in a moment" in form.get_data(as_text=True)
    assert counts() == before  # nothing written
    assert "connection to the database was lost" in caplog.text
    # The next request gets a fresh connection and succeeds.
    again = client.post(TICKETS, json={"workshops": [workshop_id]})
    assert again.status_code == 201, again.get_data(as_text=True)
    assert counts()[0] == before[0] + 1



# --------------------------------------------------------------------------- Redis

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
REGISTRATION_LIMIT = 4  # a minute, for this test


class SwitchableProxy:
    """A TCP relay to Redis that can be cut (every connection closed and refused) and restored."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.up, self.sockets = target, True, set()
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            _shut(sock)

    def cut(self):
        self.up = False
        with self.lock:
            for sock in self.sockets:
                _shut(sock)
            self.sockets.clear()

    def restore(self):
        self.up = True

    def close(self):
        self.cut()
        self.server.close()


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class ShiftedTime:
    """``time`` as Flask-Limiter's extension sees it, moved forward on demand.

    Flask-Limiter asks a dead storage again after 1, 2, 4... 32 seconds; the test
    moves this clock instead of waiting.
    """

    def __init__(self):
        self.offset = 0.0

    def time(self):
        return time.time() + self.offset

    def __getattr__(self, name):
        return getattr(time, name)


@pytest.fixture
def limiter_state():
    """Flask-Limiter's extension object lives as long as the process: start and end clean."""
    from cryptoparty.core.extensions import limiter

    limiter._storage_dead = False
    yield limiter
    limiter._storage_dead = False


@pytest.mark.redis
@pytest.mark.skipif(not TEST_REDIS_URL, reason="Redis not configured: set TEST_REDIS_URL "
                                               "(e.g. redis://127.0.0.1:6379/15)")
def test_redis_lost_then_back_one_warning_local_limits_then_shared_again(
        backend, tmp_path, gnupg_home, caplog, monkeypatch, limiter_state):
    import flask_limiter._extension
    import redis

    from cryptoparty import create_app
    from tests.conftest import Client, make_test_config

    if backend != "sqlite":
        pytest.skip("the rate-limit storage does not depend on the database")
    target = redis.Redis.from_url(TEST_REDIS_URL)
    host, port = target.connection_pool.connection_kwargs["host"], \
        target.connection_pool.connection_kwargs["port"]
    database = target.connection_pool.connection_kwargs.get("db", 0)
    prefix = f"cptest-{uuid.uuid4().hex}"
    proxy = SwitchableProxy((host, port))
    clock = ShiftedTime()
    monkeypatch.setattr(flask_limiter._extension, "time", clock)
    app = create_app(make_test_config(
        backend, tmp_path, gnupg_home, RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{proxy.port}/{database}",
        RATELIMIT_KEY_PREFIX=prefix, RATELIMIT_REGISTRATION=f"{REGISTRATION_LIMIT}/minute"))
    app.test_client_class = Client

    def shared_count() -> int:
        """Registrations counted in Redis under this test's prefix."""
        return sum(int(target.get(key) or 0) for key in target.scan_iter(f"*{prefix}*")
                   if "registration" in key.decode())

    def register():
        return client.post(TICKETS, json={"workshops": [ws.id]}).status_code

    try:
        with app.app_context():
            db.create_all()
            ws = _published_workshop()
            client = app.test_client()
            # Redis up: the shared counter counts.
            assert [register(), register()] == [201, 201]
            assert shared_count() == 2

            # Redis gone: pages and registration keep working, on this process's limits.
            proxy.cut()
            with caplog.at_level(logging.INFO):
                caplog.clear()
                pages = [client.get(path).status_code for path in
                         ("/", "/events/cryptoparty/", "/events/cryptoparty/register") * 5]
                statuses = [register() for _ in range(REGISTRATION_LIMIT + 2)]
                clock.offset += 5  # Flask-Limiter asks Redis again, in vain
                statuses += [register() for _ in range(2)]
                pages += [client.get("/events/cryptoparty/").status_code for _ in range(10)]
            assert set(pages) == {200}
            assert statuses[:REGISTRATION_LIMIT] == [201] * REGISTRATION_LIMIT
            assert set(statuses[REGISTRATION_LIMIT:]) == {429}, statuses  # the limit holds
            warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
            assert len(warnings) == 1, [r.getMessage() for r in warnings]
            assert "unreachable" in warnings[0].getMessage()
            assert shared_count() == 2

            # Redis back: the shared limits come back (and its counter, not the local one).
            proxy.restore()
            clock.offset += 3600
            caplog.clear()
            with caplog.at_level(logging.INFO):
                assert register() == 201  # the shared budget: 2 of 4 used, in Redis
            assert "recovered" in caplog.text
            assert shared_count() == 3
            assert register() == 201
            assert shared_count() == REGISTRATION_LIMIT
            assert register() == 429  # the shared budget is spent
            db.session.remove()
            db.engine.dispose()
    finally:
        proxy.close()
        for key in target.scan_iter(f"*{prefix}*"):
            target.delete(key)


def _published_workshop():
    from cryptoparty.accounts import services as organizers
    from cryptoparty.events import services as events

    org = organizers.create_organization("bib", "Bibliothèque")
    start = NOW + timedelta(days=3)
    event = events.create_event(org, now=NOW, slug="cryptoparty", title="CP", kind="cryptoparty",
                                venue="B", starts_at=start, ends_at=start + timedelta(hours=3))
    session = events.add_session(event, label="S", starts_at=start,
                                 ends_at=start + timedelta(hours=1), now=NOW)
    workshop = events.add_workshop(session, now=NOW, title="Tor", capacity=100)
    events.change_status(event, "publish", now=NOW)
    return workshop
