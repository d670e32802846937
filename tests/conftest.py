"""Shared fixtures: the app on SQLite (always) and PostgreSQL (when available).

Every test that uses ``app`` runs once per database backend. SQLite gets a
fresh file per test; PostgreSQL (``TEST_DATABASE_URL``) gets its schema once
per run and its tables emptied after each test.
"""

import contextvars
import os
import re
import secrets
import shutil
import tempfile
from datetime import datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from cryptoparty import create_app
from cryptoparty.core.extensions import db
from cryptoparty.core.i18n_catalog import compile_catalogs

NOW = datetime(2026, 3, 1, 12, 0)  # naive UTC, like every stored datetime
PASSWORD = "correct horse battery"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
# Each test run gets its own PostgreSQL schema, so that runs in parallel (and
# the tables of a real deployment) never meet.
PG_SCHEMA = f"cptest_{os.getpid()}"
# Each area's own fixtures and factories (make_org, make_event, ...), one module per area.
pytest_plugins = [
    "tests.accounts.fixtures",
    "tests.events.fixtures",
    "tests.announcements.fixtures",
    "tests.volunteers.fixtures",
]

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

compile_catalogs()


class Client(FlaskClient):
    """A test client that can fetch a CSRF token for the forms it posts.

    Each request runs in a fresh context, as in production: the app context
    the fixtures hold (for factories and assertions) is not shared with it,
    so ``g`` and the database session are the request's own.
    """

    def open(self, *args, **kwargs):
        # End the test's own transaction on both sides of the request: the
        # request sees what the test wrote, and the test then sees what the
        # request wrote instead of an old snapshot.
        _end_test_transaction()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            _end_test_transaction()


    def csrf_token(self) -> str:
        """A valid CSRF token for this client's session."""
        page = self.get("/login").get_data(as_text=True)
        return CSRF_RE.search(page).group(1)

    def post_form(self, url, data=None, **kwargs):
        """POST a form with a valid CSRF token added, and a fresh idempotency key (as
        the hidden field of every creating form carries; pass ``""`` to leave it out)."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        data.setdefault("idempotency_key", secrets.token_urlsafe(24))
        return self.post(url, data=data, **kwargs)


def _end_test_transaction():
    from flask import has_app_context
    if has_app_context():
        db.session.commit()


def postgresql_url() -> str:
    """TEST_DATABASE_URL pointed at this run's own schema (also usable by subprocesses)."""
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    return f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{PG_SCHEMA}"


def _create_pg_schema():
    from sqlalchemy import create_engine

    from cryptoparty import normalize_database_url
    engine = create_engine(normalize_database_url(TEST_DATABASE_URL))
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    engine.dispose()


def pytest_sessionfinish(session):
    """Drop this run's PostgreSQL schema."""
    if TEST_DATABASE_URL and _pg_schema_ready:
        from sqlalchemy import create_engine

        from cryptoparty import normalize_database_url
        engine = create_engine(normalize_database_url(TEST_DATABASE_URL))
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        engine.dispose()


def _backend_params():
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not TEST_DATABASE_URL,
                               reason="PostgreSQL not configured: set TEST_DATABASE_URL "
                                      "(.ci/run does when 127.0.0.1:5432 answers)"),
        ]),
    ]


@pytest.fixture(scope="session")
def gnupg_home():
    """A short GnuPG home path: gpg-agent's socket path must stay under 108 bytes."""
    path = tempfile.mkdtemp(prefix="cpgpg")
    yield path
    os.system(f"gpgconf --homedir {path} --kill all >/dev/null 2>&1")
    shutil.rmtree(path, ignore_errors=True)


_pg_schema_ready = False


@pytest.fixture(params=_backend_params())
def backend(request):
    """The database backend of this test run: "sqlite" or "postgresql"."""
    return request.param


def make_test_config(backend, tmp_path, gnupg_home, **overrides):
    """Configuration for a test app on the given backend."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        url = postgresql_url()
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_ENABLED": False,
        "GNUPG_HOME": gnupg_home,
        "GNUPG_S2K_COUNT": 65536,  # fast passphrase hashing in gpg-agent
        "PUBLIC_URL": "http://localhost",
        "SERVER_NAME": None,
        "FIXED_NOW": NOW,
        # Argon2id still, at a cost that keeps hundreds of logins fast.
        "ARGON2_PARAMETERS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config():
    """Extra configuration for the ``app`` fixture; override it in a module to change it."""
    return {}


@pytest.fixture
def app(backend, tmp_path, gnupg_home, app_config):
    """The application with an empty schema on the chosen backend."""
    global _pg_schema_ready
    app = create_app(make_test_config(backend, tmp_path, gnupg_home, **app_config))
    app.test_client_class = Client
    with app.app_context():
        if backend == "postgresql":
            if not _pg_schema_ready:
                _create_pg_schema()
                db.create_all()
                _pg_schema_ready = True
        else:
            db.create_all()
        yield app
        db.session.remove()
        if backend == "postgresql":
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client (CSRF enabled, as in production)."""
    return app.test_client()


@pytest.fixture
def now():
    """The fixed clock handed to services."""
    return NOW


def login(client, login_name, password=PASSWORD):
    """Log a test client in through the real form."""
    response = client.post_form("/login", {"login": login_name, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def pytest_terminal_summary(terminalreporter):
    """One line per reason for skipped tests, with how many it skipped."""
    reasons = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.section("skipped, by reason")
        for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
            terminalreporter.write_line(f"{count:5d}  {reason}")
