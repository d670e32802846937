"""Rate limits per client hold across gunicorn workers (README: 10 login attempts a minute).

Flask-Limiter's memory storage is per process: with several workers a client
would get each limit once per worker. ``gunicorn.conf.py`` therefore runs one
worker without shared storage (or refuses several asked for explicitly), and
with Redis the workers share their counters.
"""

import os
import re
import subprocess
import uuid

import pytest
import requests

from cryptoparty.core.resources import ROOT
from tests.live_server import GunicornServer

pytestmark = pytest.mark.slow

LOGIN_LIMIT = 10  # per minute, README and accounts/views.py
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _login_attempts(server, attempts: int) -> list[int]:
    """The statuses of ``attempts`` wrong logins from one client, each on a new connection."""
    statuses = []
    for i in range(attempts):
        with requests.Session() as browser:
            page = browser.get(server("/login"), timeout=30).text
            token = CSRF_RE.search(page).group(1)
            statuses.append(browser.post(server("/login"), timeout=60, headers={
                "Connection": "close"}, data={"csrf_token": token, "login": f"nobody{i}",
                                              "password": "wrong password"}).status_code)
    return statuses


def _limited_server(tmp_path, **env) -> GunicornServer:
    server = GunicornServer(tmp_path, ready_path="/login", env={
        "CRYPTOPARTY_RATELIMIT_ENABLED": "true",
        # Fast password hashing is not the point here; the limit is.
        "CRYPTOPARTY_ARGON2_PARAMETERS": '{"time_cost": 1, "memory_cost": 1024, "parallelism": 1}',
        **env})
    server.flask("init-db")
    return server


@pytest.mark.redis
@pytest.mark.skipif(not TEST_REDIS_URL, reason="Redis not configured: set TEST_REDIS_URL "
                                               "(e.g. redis://127.0.0.1:6379/15)")
def test_two_workers_sharing_redis_allow_the_documented_login_attempts(tmp_path):
    server = _limited_server(tmp_path, REDIS_URL=TEST_REDIS_URL,
                             CRYPTOPARTY_RATELIMIT_KEY_PREFIX=f"cptest-{uuid.uuid4().hex}")
    with server:
        statuses = _login_attempts(server, 2 * LOGIN_LIMIT + 2)
    assert server.logs().count("Booting worker") == 2
    assert sum(status != 429 for status in statuses) == LOGIN_LIMIT, statuses
    assert statuses[-1] == 429


def test_several_workers_without_shared_storage_are_refused(tmp_path):
    server = _limited_server(tmp_path, CRYPTOPARTY_WORKERS="2")
    result = subprocess.run(server._command, cwd=ROOT, env=server.env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert "refusing to start 2 workers" in result.stderr and "REDIS_URL" in result.stderr


def test_without_redis_the_default_is_one_worker_and_the_limit_holds(tmp_path):
    server = _limited_server(tmp_path)
    del server.env["CRYPTOPARTY_WORKERS"]  # the default of `make serve`
    with server:
        statuses = _login_attempts(server, LOGIN_LIMIT + 3)
    logs = server.logs()
    assert logs.count("Booting worker") == 1
    assert "one worker with" in logs
    assert sum(status != 429 for status in statuses) == LOGIN_LIMIT, statuses
