"""Issue 14, repeated actions: a repeat answers with the first result, never a second record.

Also the protocol items that registration carries: 405 with Allow, the OpenAPI
ranges, rate limits that survive an unreachable Redis.
"""

import json
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cryptoparty.core import idempotency
from cryptoparty.core.extensions import db
from cryptoparty.events.models import Workshop
from cryptoparty.registration import services as reg
from cryptoparty.registration.api import MAX_PARTY, MAX_WORKSHOPS
from cryptoparty.registration.api_docs import openapi_description
from cryptoparty.registration.models import Ticket, TicketChoice
from tests.conftest import NOW
from tests.registration.test_views import CODE_IN_URL, form_for
from tests.volunteers.test_views import page, signed_up, workshop

TICKETS = "/api/v1/events/cryptoparty/tickets"
HIDDEN_KEY = re.compile(r'name="idempotency_key"[^>]*value="([^"]+)"')


def counts():
    db.session.expire_all()
    return (db.session.scalar(select(func.count(Ticket.id))),
            db.session.scalar(select(func.count(TicketChoice.id))),
            db.session.scalar(select(func.sum(Workshop.seats_taken))))


# --------------------------------------------------------------------------- registration form

def test_the_same_registration_form_posted_twice_gives_one_ticket(client, make_event):
    event = make_event()
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    key = HIDDEN_KEY.search(html).group(1)
    data = dict(form_for(event, ("tails",), party=2), idempotency_key=key)
    data["csrf_token"] = client.csrf_token()
    first = client.post(f"/events/{event.slug}/register", data=data)
    assert first.status_code == 302
    after_first = counts()
    assert after_first == (1, 1, 2)
    second = client.post(f"/events/{event.slug}/register?lang=en", data=data)
    assert second.status_code == 302
    # The same ticket: the repeat shows the code of the first, and takes nothing.
    assert CODE_IN_URL.search(second.headers["Location"]).group(1) == \
        CODE_IN_URL.search(first.headers["Location"]).group(1)
    assert counts() == after_first
    shown = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "already been sent" in shown


def test_each_form_shown_carries_a_new_key(client, make_event):
    event = make_event()
    keys = {HIDDEN_KEY.search(client.get(f"/events/{event.slug}/register")
                              .get_data(as_text=True)).group(1) for _ in range(3)}
    assert len(keys) == 3


def test_the_key_is_stored_hashed_with_nothing_personal_and_expires(client, make_event, app):
    event = make_event()
    key = idempotency.new_key()
    result = reg.register(event, [event.workshops[1].id], 1, now=NOW, idempotency_key=key)
    row = db.session.scalar(select(idempotency.IdempotencyKey))
    assert key not in (row.key_hash, row.sealed, row.request_hash)
    assert result.code not in (row.sealed or "")
    assert idempotency.unseal(key, row.sealed) == result.code
    assert row.expires_at == NOW + idempotency.FORM_TTL
    assert row.object_id == result.ticket_id
    # After its time, the key is gone (the next stored key or the purge drop it).
    from cryptoparty.privacy import retention
    retention.purge(NOW + idempotency.FORM_TTL + timedelta(minutes=1))
    assert db.session.scalar(select(func.count()).select_from(idempotency.IdempotencyKey)) == 0


# --------------------------------------------------------------------------- API

def test_the_api_honours_idempotency_key(client, make_event):
    event = make_event()
    body = {"workshops": [event.workshops[1].id], "party": 2}
    headers = {"Idempotency-Key": "retry-0123456789abcdef"}
    first = client.post(TICKETS, json=body, headers=headers)
    second = client.post(TICKETS, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["code"] == second.get_json()["code"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert counts() == (1, 1, 2)
    other = client.post(TICKETS + "?lang=en", json=dict(body, party=1), headers=headers)
    assert other.status_code == 422
    assert counts() == (1, 1, 2)
    bad = client.post(TICKETS, json=body, headers={"Idempotency-Key": "x\x01"})
    assert bad.status_code == 400
    assert counts() == (1, 1, 2)


# --------------------------------------------------------------------------- check-in

def _register(event, party=3):
    return reg.register(event, [event.workshops[1].id], party, now=NOW)


def test_second_check_in_by_an_organizer_says_already_checked_in(
        organizer_client, make_event, app):
    event = make_event(organization=organizer_client.organization)
    code = _register(event).code
    app.config["FIXED_NOW"] = NOW.replace(hour=19, minute=47, second=12)
    first = organizer_client.post_form(f"/tickets/{code}/checkin?lang=en")
    assert "Checked in: 3 people" in organizer_client.get(
        first.headers["Location"]).get_data(as_text=True)
    app.config["FIXED_NOW"] = NOW.replace(hour=20, minute=5)
    second = organizer_client.post_form(f"/tickets/{code}/checkin?lang=en")
    shown = organizer_client.get(second.headers["Location"]).get_data(as_text=True)
    # 19:47 UTC is 20:47 in Paris in March.
    assert "Already checked in (at 8:47\u202fPM)" in shown
    assert "flash--warning" in shown
    assert "Checked in: 3 people" not in shown


def test_second_check_in_by_a_volunteer_says_already_checked_in(
        client, app, volunteer_event, now):
    from cryptoparty.volunteers import services as service

    zoe = signed_up(client)
    tails = workshop(volunteer_event, "tails")
    service.assign_volunteer(service.get_volunteer_by_token(zoe), tails.id, now=now)
    code = reg.register(volunteer_event, [tails.id], 2, now=now).code
    app.config["FIXED_NOW"] = now.replace(hour=19, minute=47)
    assert client.post_form(f"/volunteers/{zoe}/checkin?lang=en", {"code": code}).status_code == 302
    response = client.post_form(f"/volunteers/{zoe}/checkin?lang=en", {"code": code})
    assert response.status_code == 409
    assert "Already checked in (at 8:47\u202fPM)" in response.get_data(as_text=True)
    assert "Checked in: 2" not in page(client, f"/volunteers/{zoe}?lang=en")[1]


def test_undo_then_check_in_again_is_a_first_check_in(app, make_event):
    event = make_event()
    ticket = reg.get_ticket_by_code(_register(event).code)
    reg.check_in(ticket, now=NOW)
    with pytest.raises(reg.AlreadyCheckedIn):
        reg.check_in(ticket, now=NOW)
    reg.check_in(ticket, checked_in=False, now=NOW)
    assert reg.check_in(ticket, now=NOW).checked_in


# --------------------------------------------------------------------------- protocol

@pytest.mark.parametrize("method, url, allowed", [
    ("put", "/api/v1/events", {"GET", "HEAD", "OPTIONS"}),
    ("delete", "/api/v1/events/cryptoparty/tickets", {"POST", "OPTIONS"}),
    ("put", "/events/cryptoparty/register", {"GET", "HEAD", "POST", "OPTIONS"}),
    ("post", "/feed.atom", {"GET", "HEAD", "OPTIONS"}),
])
def test_405_carries_an_allow_header(client, make_event, method, url, allowed):
    make_event()
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


def test_openapi_states_the_enforced_ranges():
    schemas = openapi_description()["components"]["schemas"]
    body = schemas["Registration"]["properties"]
    assert body["workshops"]["maxItems"] == MAX_WORKSHOPS
    assert body["workshops"]["items"]["minimum"] == 1
    assert body["workshops"]["items"]["maximum"] == 2**63 - 1
    assert body["party"]["minimum"] == 1 and body["party"]["maximum"] == MAX_PARTY
    text = json.dumps(schemas)
    assert '"id": {"type": "integer", "minimum": 1' in text
    post = openapi_description()["paths"]["/api/v1/events/{slug}/tickets"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])


def test_unreachable_redis_keeps_registration_working(backend, tmp_path, gnupg_home, caplog):
    from cryptoparty import create_app
    from tests.conftest import Client, make_test_config

    if backend != "sqlite":
        pytest.skip("the rate-limit storage does not depend on the database")
    app = create_app(make_test_config(backend, tmp_path, gnupg_home, RATELIMIT_ENABLED=True,
                                      RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0"))
    app.test_client_class = Client
    with app.app_context():
        db.create_all()
        from cryptoparty.accounts import services as organizers
        from cryptoparty.events import services as events

        org = organizers.create_organization("bib", "Bibliothèque")
        start = NOW + timedelta(days=3)
        event = events.create_event(org, now=NOW, slug="cryptoparty", title="CP",
                                    kind="cryptoparty", venue="B", starts_at=start,
                                    ends_at=start + timedelta(hours=3))
        session = events.add_session(event, label="S", starts_at=start,
                                     ends_at=start + timedelta(hours=1), now=NOW)
        ws = events.add_workshop(session, now=NOW, title="Tor", capacity=10)
        events.change_status(event, "publish", now=NOW)
        client = app.test_client()
        with caplog.at_level(logging.WARNING):
            for _ in range(3):
                response = client.post(TICKETS, json={"workshops": [ws.id]})
                assert response.status_code == 201
            assert client.get("/events/cryptoparty/register").status_code == 200
        db.session.remove()
        db.engine.dispose()


# --------------------------------------------------------------------------- expired form

def test_a_registration_posted_after_the_session_expired_comes_back_filled_in(
        client, make_event):
    event = make_event()
    data = form_for(event, ("tails",), party=3)
    data["csrf_token"] = "expired-or-from-a-lost-session"
    before = counts()
    response = client.post(f"/events/{event.slug}/register?lang=en", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The form had expired" in html
    tails = next(w for w in event.workshops if w.slug == "tails")
    assert re.search(rf'value="{tails.id}"[^>]*checked|checked[^>]*value="{tails.id}"', html)
    assert 'value="3"' in html
    fresh = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    assert fresh != data["csrf_token"]
    assert counts() == before
    # Sent again with the fresh token (and the new form's key), it registers.
    data["csrf_token"] = fresh
    data["idempotency_key"] = HIDDEN_KEY.search(html).group(1)
    assert client.post(f"/events/{event.slug}/register", data=data).status_code == 302


# --------------------------------------------------------------------------- faults

@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_config", [{"SQLITE_BUSY_TIMEOUT_MS": 50}], indirect=True)
def test_sqlite_locked_beyond_the_busy_timeout_is_503_with_retry_after(
        client, make_event, backend, app):
    import sqlite3

    if backend != "sqlite":
        pytest.skip("SQLite's database-level lock")
    event = make_event()
    before = counts()
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        response = client.post(TICKETS + "?lang=en",
                               json={"workshops": [event.workshops[1].id]})
        page = client.post_form(f"/events/{event.slug}/register?lang=en",
                                form_for(event, ("tails",)))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Try again in a moment" in response.get_json()["error"]["message"]
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "Try again in a moment" in page.get_data(as_text=True)
    assert counts() == before


def test_a_read_only_kit_cache_still_serves_the_poster_and_logs_once(
        client, make_event, app, tmp_path, caplog):
    make_event()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    app.config["KIT_CACHE_DIR"] = str(blocker / "kits")
    with caplog.at_level(logging.WARNING):
        first = client.get("/events/cryptoparty/poster.pdf")
        second = client.get("/events/cryptoparty/poster.pdf?size=a3")
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    assert second.status_code == 200
    assert sum("cannot be written" in r.getMessage() for r in caplog.records) == 1


# --------------------------------------------------------------------------- every creating form

def _key_of(client, url) -> str:
    return HIDDEN_KEY.search(client.get(url).get_data(as_text=True)).group(1)


def _rows(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _twice(client, url, data, csrf=True) -> tuple:
    data = dict(data, idempotency_key=_key_of(client, url))
    if csrf:
        data["csrf_token"] = client.csrf_token()
    first = client.post(url, data=data)
    second = client.post(url + "?lang=en", data=data)
    return first, second


def test_creating_an_event_twice_with_the_same_form_creates_one(organizer_client):
    from cryptoparty.events.models import Event
    from tests.events.test_views_manage import EVENT_FORM

    first, second = _twice(organizer_client, "/manage/events/new", EVENT_FORM)
    assert first.status_code == 302 and second.status_code == 303
    assert second.location.split("?")[0] == first.location.split("?")[0]
    assert _rows(Event) == 1


def test_adding_a_session_and_a_workshop_twice_creates_one_each(organizer_client, make_event):
    from cryptoparty.events.models import EventSession
    from tests.events.test_views_manage import workshop_form

    event = make_event(organization=organizer_client.organization)
    sessions, workshops = _rows(EventSession), _rows(Workshop)
    _twice(organizer_client, f"/manage/events/{event.slug}/sessions/new",
           {"label": "Tard", "starts_at": "2026-03-11T23:00", "ends_at": "2026-03-11T23:30"})
    _twice(organizer_client, f"/manage/events/{event.slug}/workshops/new",
           workshop_form(event.sessions[0].id, title="Threat models"))
    assert _rows(EventSession) <= sessions + 1 and _rows(Workshop) == workshops + 1


def test_signing_up_as_a_volunteer_twice_creates_one(client, volunteer_event):
    from cryptoparty.volunteers.models import Volunteer

    first, second = _twice(client, "/events/cryptoparty/volunteer", {"pseudonym": "Zoé"})
    assert first.status_code == 302 and second.status_code == 303
    # The repeat leads to the same private link (it was sealed under the form's key).
    assert second.location == first.location
    assert _rows(Volunteer) == 1


def test_giving_feedback_twice_with_the_same_form_counts_once(client, make_event, app):
    from cryptoparty.feedback.models import Feedback

    make_event(starts_in=timedelta(hours=-2))
    first, second = _twice(client, "/events/cryptoparty/feedback",
                           {"rating": "4", "comment": "Merci"}, csrf=False)
    assert first.status_code == 303 and second.status_code == 303
    assert _rows(Feedback) == 1


def test_a_refused_post_frees_its_key(organizer_client):
    from cryptoparty.events.models import Event
    from tests.events.test_views_manage import EVENT_FORM

    key = _key_of(organizer_client, "/manage/events/new")
    token = organizer_client.csrf_token()
    bad = organizer_client.post("/manage/events/new", data=dict(
        EVENT_FORM, title="", idempotency_key=key, csrf_token=token))
    assert bad.status_code == 400
    good = organizer_client.post("/manage/events/new", data=dict(
        EVENT_FORM, idempotency_key=key, csrf_token=token))
    assert good.status_code == 302 and _rows(Event) == 1
