"""Organizer accounts: password length, login rate limit, second factor, session life."""

from datetime import timedelta, timezone

import pyotp
import pytest

from cryptoparty.accounts import services as organizers
from cryptoparty.accounts.models import Organizer
from cryptoparty.core.errors import WeakPassword
from cryptoparty.core.extensions import db
from tests.conftest import NOW, PASSWORD, login


def _code(secret, at=NOW):
    return pyotp.TOTP(secret).at(at.replace(tzinfo=timezone.utc))


def _session_cookie(client, app):
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return cookie.value if cookie else None


def _restore_session_cookie(client, app, value):
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], value)


def test_passwords_shorter_than_twelve_characters_are_refused(app, make_org):
    with pytest.raises(WeakPassword):
        organizers.create_organizer("bob", "elevenchars")
    assert organizers.create_organizer("bob", "twelve chars")


def test_create_organizer_command_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(args=["create-organizer", "bob", "--password", "short"])
    assert result.exit_code != 0
    assert db.session.scalar(db.select(Organizer).filter_by(login="bob")) is None


class TestLoginRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True}

    def test_the_eleventh_attempt_in_a_minute_is_refused(self, client, make_organizer):
        make_organizer()
        token = client.csrf_token()
        statuses = [client.post("/login", data={"csrf_token": token, "login": "alice",
                                                "password": "wrong password!"}).status_code
                    for _ in range(11)]
        assert statuses[:10] == [400] * 10
        assert statuses[10] == 429
        # Even the right password waits: guessing is slowed down for everyone at that address.
        response = client.post("/login", data={"csrf_token": token, "login": "alice",
                                               "password": PASSWORD})
        assert response.status_code == 429

    def test_the_code_step_is_rate_limited_too(self, app, client, make_organizer):
        organizer = make_organizer()
        organizer.totp_secret = pyotp.random_base32()
        db.session.commit()
        response = client.post_form("/login", {"login": "alice", "password": PASSWORD})
        assert response.headers["Location"].startswith("/login/code")
        token = client.csrf_token()
        statuses = [client.post("/login/code", data={"csrf_token": token, "code": "000000"}
                                ).status_code for _ in range(11)]
        assert 429 in statuses and statuses[0] == 400


def test_a_cookie_from_before_login_carries_no_session(app, client, make_organizer, make_org):
    make_organizer(organizations=[make_org()])
    client.get("/login")
    before = _session_cookie(client, app)
    assert before is not None  # the login form's CSRF token lives there
    login(client, "alice")
    after = _session_cookie(client, app)
    assert after != before
    assert client.get("/manage/").status_code == 200
    _restore_session_cookie(client, app, before)
    assert client.get("/manage/").status_code == 302


def test_logout_makes_a_copy_of_the_cookie_useless(app, client, make_organizer, make_org):
    make_organizer(organizations=[make_org()])
    login(client, "alice")
    stolen = _session_cookie(client, app)
    assert client.post_form("/logout").status_code == 302
    _restore_session_cookie(client, app, stolen)
    response = client.get("/manage/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_session_cookie_holds_no_hash_of_the_address(app, client, make_organizer, make_org):
    from flask.sessions import SecureCookieSessionInterface

    make_organizer(organizations=[make_org()])
    client.get("/login")
    login(client, "alice")
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    data = serializer.loads(_session_cookie(client, app))
    assert data.get("_id", "") == ""
    assert client.get("/manage/", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 200


def _enrol(client):
    page = client.get("/manage/account/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    secret = page.get_data(as_text=True).split('class="totp-secret">')[1].split("<")[0]
    qr = client.get("/manage/account/two-factor/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert b"<svg" in qr.data and b"style=" not in qr.data
    return secret


def test_enrolment_needs_a_valid_code_then_login_asks_for_one(app, organizer_client):
    client = organizer_client
    secret = _enrol(client)
    valid_now = {_code(secret, NOW + timedelta(seconds=30 * step)) for step in (-1, 0, 1)}
    wrong = next(code for code in ("123456", "654321", "111111") if code not in valid_now)
    refused = client.post_form("/manage/account/two-factor/enable?lang=en", {"code": wrong})
    assert refused.status_code == 400
    assert "not valid" in refused.get_data(as_text=True)
    assert db.session.get(Organizer, client.organizer.id).totp_secret is None

    response = client.post_form("/manage/account/two-factor/enable", {"code": _code(secret)})
    assert response.status_code == 302
    assert db.session.get(Organizer, client.organizer.id).totp_secret == secret
    assert client.get("/manage/").status_code == 200  # still logged in after enabling

    client.post_form("/logout")
    # Half a minute later: the code used to enable is spent, the next one is fresh.
    later = app.config["FIXED_NOW"] = NOW + timedelta(seconds=30)
    response = client.post_form("/login", {"login": "alice", "password": PASSWORD})
    assert response.headers["Location"].startswith("/login/code")
    assert client.get("/manage/").status_code == 302  # the password alone is not enough
    wrong = client.post_form("/login/code", {"code": _code(secret, NOW - timedelta(minutes=5))})
    assert wrong.status_code == 400
    right = client.post_form("/login/code", {"code": _code(secret, later)})
    assert right.status_code == 302
    assert client.get("/manage/").status_code == 200


def test_the_code_step_expires(app, client, make_organizer, make_org):
    organizer = make_organizer(organizations=[make_org()])
    secret = organizer.totp_secret = pyotp.random_base32()
    db.session.commit()
    client.post_form("/login", {"login": "alice", "password": PASSWORD})
    later = NOW + timedelta(minutes=6)
    app.config["FIXED_NOW"] = later
    response = client.post_form("/login/code", {"code": _code(secret, later)})
    assert response.status_code == 302
    assert "/login/code" not in response.headers["Location"]
    assert client.get("/manage/").status_code == 302


def test_the_code_step_without_a_password_step_goes_back_to_login(client):
    response = client.get("/login/code")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_disabling_needs_a_current_code(app, organizer_client):
    client = organizer_client
    secret = _enrol(client)
    client.post_form("/manage/account/two-factor/enable", {"code": _code(secret)})
    valid_now = {_code(secret, NOW + timedelta(seconds=30 * step)) for step in (-1, 0, 1)}
    wrong = next(code for code in ("000000", "999999", "111111") if code not in valid_now)
    assert client.post_form("/manage/account/two-factor/disable",
                            {"code": wrong, "password": PASSWORD}).status_code == 400
    assert db.session.get(Organizer, client.organizer.id).totp_secret == secret
    later = app.config["FIXED_NOW"] = NOW + timedelta(seconds=30)
    assert client.post_form("/manage/account/two-factor/disable",
                            {"code": _code(secret, later), "password": PASSWORD}
                            ).status_code == 302
    assert db.session.get(Organizer, client.organizer.id).totp_secret is None


# A one-time code is good once -------------------------------------------------

def _organizer_with_totp(make_organizer, make_org):
    organizer = make_organizer(organizations=[make_org()])
    secret = organizer.totp_secret = pyotp.random_base32()
    db.session.commit()
    return organizer, secret


def _log_in_with_code(client, code):
    response = client.post_form("/login", {"login": "alice", "password": PASSWORD})
    assert response.headers["Location"].startswith("/login/code")
    return client.post_form("/login/code?lang=en", {"code": code})


def test_a_replayed_code_is_refused(app, make_organizer, make_org):
    _organizer, secret = _organizer_with_totp(make_organizer, make_org)
    code = _code(secret)
    assert _log_in_with_code(app.test_client(), code).status_code == 302
    replay = _log_in_with_code(app.test_client(), code)
    assert replay.status_code == 400 and "not valid" in replay.get_data(as_text=True)
    # An older code still inside the window is refused too; the next step's is accepted.
    assert _log_in_with_code(app.test_client(),
                             _code(secret, NOW - timedelta(seconds=30))).status_code == 400
    assert _log_in_with_code(app.test_client(),
                             _code(secret, NOW + timedelta(seconds=30))).status_code == 302


def test_a_replayed_code_is_refused_by_another_worker(app, backend, tmp_path, gnupg_home,
                                                      make_organizer, make_org):
    """Two app instances (two workers) on one database agree: the second use fails."""
    from cryptoparty import create_app
    from tests.conftest import Client, make_test_config

    _organizer, secret = _organizer_with_totp(make_organizer, make_org)
    code = _code(secret)
    other = create_app(make_test_config(backend, tmp_path, gnupg_home))
    other.test_client_class = Client
    try:
        assert _log_in_with_code(app.test_client(), code).status_code == 302
        with other.app_context():
            replay = _log_in_with_code(other.test_client(), code)
            db.session.remove()
        assert replay.status_code == 400
    finally:
        with other.app_context():
            db.engine.dispose()


def test_turning_the_second_factor_off_needs_the_password_and_ends_other_sessions(
        app, make_organizer, make_org):
    organizer, secret = _organizer_with_totp(make_organizer, make_org)
    here, elsewhere = app.test_client(), app.test_client()
    assert _log_in_with_code(elsewhere, _code(secret)).status_code == 302
    later = app.config["FIXED_NOW"] = NOW + timedelta(seconds=30)
    assert _log_in_with_code(here, _code(secret, later)).status_code == 302
    token = db.session.get(Organizer, organizer.id).session_token
    page = here.get("/manage/account/?lang=en").get_data(as_text=True)
    assert 'name="password"' in page

    later = app.config["FIXED_NOW"] = NOW + timedelta(seconds=60)
    no_password = here.post_form("/manage/account/two-factor/disable",
                                 {"code": _code(secret, later)})
    assert no_password.status_code == 400
    wrong = here.post_form("/manage/account/two-factor/disable",
                           {"code": _code(secret, later), "password": "not the password"})
    assert wrong.status_code == 400
    assert db.session.get(Organizer, organizer.id).totp_secret == secret
    done = here.post_form("/manage/account/two-factor/disable",
                          {"code": _code(secret, later), "password": PASSWORD})
    assert done.status_code == 302
    refreshed = db.session.get(Organizer, organizer.id)
    assert refreshed.totp_secret is None and refreshed.session_token != token
    assert here.get("/manage/").status_code == 200  # this session goes on
    assert elsewhere.get("/manage/").status_code == 302  # the other one ended


def test_the_code_that_turned_the_factor_on_cannot_log_in(app, organizer_client):
    client = organizer_client
    secret = _enrol(client)
    code = _code(secret)
    assert client.post_form("/manage/account/two-factor/enable", {"code": code}
                            ).status_code == 302
    client.post_form("/logout")
    assert _log_in_with_code(client, code).status_code == 400
