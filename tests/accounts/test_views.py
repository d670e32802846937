"""Organizer login and logout."""

from tests.conftest import PASSWORD, login


def test_login_then_logout(client, make_organizer, make_org):
    make_organizer(organizations=[make_org()])
    login(client, "alice")
    assert client.get("/manage/").status_code == 200
    response = client.post_form("/logout")
    assert response.status_code == 302
    assert client.get("/manage/").status_code == 302  # back to the login page


def test_wrong_password_is_refused_with_a_message(client, make_organizer):
    make_organizer()
    response = client.post_form("/login?lang=en", {"login": "alice", "password": "nope" * 4})
    assert response.status_code == 400
    assert "Unknown login or wrong password." in response.get_data(as_text=True)
    assert client.get("/manage/").status_code == 302


def test_unknown_login_gets_the_same_message(client):
    response = client.post_form("/login?lang=en", {"login": "nobody", "password": PASSWORD})
    assert "Unknown login or wrong password." in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, make_organizer):
    make_organizer()
    response = client.post("/login", data={"login": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/manage/").status_code == 302


def test_back_office_needs_login(client):
    response = client.get("/manage/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_next_parameter_never_leaves_the_site(client, make_organizer):
    make_organizer()
    token = client.csrf_token()
    response = client.post("/login?next=//evil.example/x",
                           data={"login": "alice", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/manage/"


def test_password_hash_is_argon2id(app, make_organizer):
    organizer = make_organizer()
    assert organizer.password_hash.startswith("$argon2id$")
    assert PASSWORD not in organizer.password_hash


def test_session_token_change_ends_other_sessions(app, client, make_organizer, make_org):
    from cryptoparty.accounts.services import set_password

    organizer = make_organizer(organizations=[make_org()])
    login(client, "alice")
    set_password(organizer, "another long password")
    assert client.get("/manage/").status_code == 302
