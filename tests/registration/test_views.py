"""The registration form, the ticket pages, check-in at the door, logs and rate limits."""

import logging
import os
import re
import uuid
from datetime import timedelta, timezone

import pytest
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from cryptoparty.core.log_masking import mask_secrets
from cryptoparty.events.models import Workshop
from cryptoparty.registration import codes
from cryptoparty.registration import services as reg
from cryptoparty.registration.models import Ticket, TicketChoice
from tests.conftest import login

CODE_IN_URL = re.compile(r"/tickets/([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})")


def ws(event, slug):
    return next(w for w in event.workshops if w.slug == slug)


def form_for(event, picks, party=1):
    data = {f"session_{ws(event, s).session_id}": str(ws(event, s).id) for s in picks}
    data["party"] = str(party)
    return data


def register(client, event, picks=("tails",), party=1):
    response = client.post_form(f"/events/{event.slug}/register", form_for(event, picks, party))
    assert response.status_code == 302, response.get_data(as_text=True)
    return CODE_IN_URL.search(response.headers["Location"]).group(1)


def counts():
    return (db.session.scalar(select(func.count(Ticket.id))),
            db.session.scalar(select(func.count(TicketChoice.id))))


def test_public_event_page_invites_to_register(client, make_event):
    make_event()
    page = client.get("/events/cryptoparty/?lang=en").get_data(as_text=True)
    assert 'href="/events/cryptoparty/register?lang=en"' in page


def test_register_form_asks_nothing_personal_and_is_not_cached(client, make_event):
    make_event()
    response = client.get("/events/cryptoparty/register?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert 'autocomplete="off"' in page
    inputs = set(re.findall(r'<input[^>]*name="([^"]+)"', page))
    # idempotency_key: a random nonce of the form, nothing about the person (issue 14).
    assert inputs == {"csrf_token", "idempotency_key", "party"} | {
        n for n in inputs if n.startswith("session_")}
    assert "Tails" in page and "Session 2" in page
    assert not re.search(r"e-?mail\"|name=\"(name|email|phone)", page)


def test_register_then_ticket_page_shows_code_qr_and_choices(client, make_event):
    event = make_event()
    code = register(client, event, ("tails", "signal"), party=2)
    response = client.get(f"/tickets/{code}?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert code in page and "Whoever holds this code holds the ticket." in page
    assert f"/tickets/{code}/qr.svg" in page
    assert "Confirmed" in page and "Tails" in page and "Signal" in page
    ticket = reg.get_ticket_by_code(code)
    assert ticket.check_tag in page
    assert db.session.scalar(select(Workshop.seats_taken).where(Workshop.slug == "tails")) == 2


def test_code_typed_loosely_still_finds_the_ticket(client, make_event):
    event = make_event()
    code = register(client, event)
    sloppy = code.lower().replace("-", " ")
    response = client.post_form("/tickets/", {"code": sloppy})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tickets/{code}")
    assert client.get(f"/tickets/{code.replace('-', '').lower()}").status_code == 200


@pytest.mark.parametrize("code", ["nope", "ABCD-EFGH-JKMN-PQRS", "x" * 300])
def test_unknown_or_malformed_code_is_a_clear_404(client, make_event, code):
    make_event()
    response = client.get(f"/tickets/{code}?lang=en")
    assert response.status_code == 404
    assert "There is no ticket with this code." in response.get_data(as_text=True)


def test_qr_code_is_an_svg_of_the_ticket_url(client, make_event):
    event = make_event()
    code = register(client, event)
    response = client.get(f"/tickets/{code}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).lstrip().startswith(("<?xml", "<svg"))
    assert response.headers["Cache-Control"] == "no-store"


def test_ics_carries_the_ticket_url(client, make_event):
    from icalendar import Calendar

    event = make_event()
    code = register(client, event, ("tails", "signal"))
    response = client.get(f"/tickets/{code}/ticket.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.get_data())
    entries = [c for c in calendar.walk("VEVENT")]
    assert len(entries) == 2
    assert all(str(e["url"]).endswith(f"/tickets/{code}") for e in entries)
    assert entries[0].decoded("dtstart") == \
        event.sessions[0].starts_at.replace(tzinfo=timezone.utc)


def test_full_workshop_puts_on_waitlist_with_position(client, make_event):
    event = make_event()
    for _ in range(4):
        register(client, event, party=2)
    code = register(client, event, party=1)
    page = client.get(f"/tickets/{code}?lang=en").get_data(as_text=True)
    assert "Waiting list: number 1" in page
    assert "come back to this page" in page


@pytest.mark.parametrize("data, message", [
    ({"party": "0"}, "Between 1 and 4 people."),
    ({"party": "-1"}, "Between 1 and 4 people."),
    ({"party": "1000000000"}, "Between 1 and 4 people."),
    ({"party": "deux"}, "Not a valid integer value."),
    ({"party": ""}, "Give the number of people."),
    ({"party": "1"}, "Choose at least one workshop."),
    ({"party": "1", "session_{s1}": "999999"}, "Not a valid choice."),
    ({"party": "1", "session_{s1}": "{signal}"}, "Not a valid choice."),
])
def test_bad_registration_form_answers_400_and_writes_nothing(client, make_event, data,
                                                              message):
    event = make_event()
    fields = {"s1": event.sessions[0].id, "signal": ws(event, "signal").id}
    data = {k.format(**fields): v.format(**fields) for k, v in data.items()}
    response = client.post_form("/events/cryptoparty/register?lang=en", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts() == (0, 0)


@pytest.mark.parametrize("status, fields, message", [
    ("cancelled", {}, "This event is cancelled: registration is closed."),
    ("published", {"starts_in": timedelta(days=-1)}, "This event has already taken place."),
    ("published", {"opens_in": timedelta(days=2)}, "Registration is not open yet."),
    ("published", {"closed": True}, "Registration is closed."),
])
def test_closed_registration_says_why_and_writes_nothing(client, make_event, now, status,
                                                         fields, message):
    kwargs = {}
    if "starts_in" in fields:
        kwargs = dict(starts_in=fields["starts_in"], hours=2,
                      registration_opens_at=now - timedelta(days=5), registration_closes_at=None)
    if "opens_in" in fields:
        kwargs = dict(registration_opens_at=now + fields["opens_in"])
    if "closed" in fields:
        kwargs = dict(registration_opens_at=now - timedelta(days=5),
                      registration_closes_at=now - timedelta(hours=1))
    event = make_event(status=status, **kwargs)
    page = client.get("/events/cryptoparty/register?lang=en")
    assert message in page.get_data(as_text=True)
    response = client.post_form("/events/cryptoparty/register?lang=en", form_for(event, ["tails"]))
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    assert counts() == (0, 0)


def test_draft_event_has_no_registration(client, make_event):
    make_event(status="draft")
    assert client.get("/events/cryptoparty/register").status_code == 404


def test_change_cancel_and_done_page(client, make_event):
    event = make_event()
    code = register(client, event, ("tails",), party=3)
    data = form_for(event, ["tor-browser", "keepassxc"])
    del data["party"]
    response = client.post_form(f"/tickets/{code}/change", data)
    assert response.status_code == 302
    ticket = reg.get_ticket_by_code(code)
    assert {c.workshop.slug for c in ticket.choices} == {"tor-browser", "keepassxc"}
    assert client.post_form(f"/tickets/{code}/party", {"party": "1"}).status_code == 302
    assert client.post_form(f"/tickets/{code}/party", {"party": "5"}).status_code == 400
    assert client.post_form(f"/tickets/{code}/cancel", {}).status_code == 400  # unconfirmed
    response = client.post_form(f"/tickets/{code}/cancel?lang=en", {"confirm": "y"},
                                follow_redirects=True)
    page = response.get_data(as_text=True)
    assert code not in page  # the closing screen's URL and links hold no code
    assert response.status_code == 200
    assert "you can close this page" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(select(func.sum(Workshop.seats_taken))) == 0
    page = client.get(f"/tickets/{code}?lang=en").get_data(as_text=True)
    assert "This ticket is cancelled." in page


def test_swap_to_full_workshop_keeps_seat_and_says_so(client, make_event):
    event = make_event()
    for _ in range(8):
        register(client, event)
    code = register(client, event, ("tor-browser",))
    data = form_for(event, ["tails"])
    del data["party"]
    response = client.post_form(f"/tickets/{code}/change?lang=en", data)
    assert response.status_code == 409
    assert "is full: nothing was changed" in response.get_data(as_text=True)
    assert reg.get_ticket_by_code(code).choices[0].workshop.slug == "tor-browser"


def test_organizer_checks_in_from_the_ticket_url(organizer_client, make_event, app):
    event = make_event(organization=organizer_client.organization)
    attendee = app.test_client()
    code = register(attendee, event, party=2)
    # The attendee sees no check-in button and may not post one.
    assert "Check in 2 people" not in attendee.get(f"/tickets/{code}?lang=en").get_data(
        as_text=True)
    assert attendee.post_form(f"/tickets/{code}/checkin", {}).status_code == 403
    page = organizer_client.get(f"/tickets/{code}?lang=en").get_data(as_text=True)
    assert "Check in 2 people" in page
    assert organizer_client.post_form(f"/tickets/{code}/checkin", {}).status_code == 302
    assert reg.get_ticket_by_code(code).checked_in
    checkin = organizer_client.get("/manage/events/cryptoparty/checkin?lang=en")
    page = checkin.get_data(as_text=True)
    assert checkin.status_code == 200
    assert "2 checked in of 2 expected" in page


def test_organizer_of_another_organization_cannot_check_in(client, make_event, make_org,
                                                            make_organizer):
    event = make_event()
    other = make_org(slug="autre", name="Autre")
    make_organizer(login="bob", organizations=[other])
    code = register(client, event)
    login(client, "bob")
    assert client.post_form(f"/tickets/{code}/checkin", {}).status_code == 403
    assert client.get("/manage/events/cryptoparty/checkin").status_code == 404


def test_walk_in_counter(organizer_client, make_event):
    make_event(organization=organizer_client.organization)
    url = "/manage/events/cryptoparty/walk-ins"
    for delta in ("1", "5", "-1"):
        assert organizer_client.post_form(url, {"delta": delta}).status_code == 302
    assert organizer_client.post_form(url, {"delta": "1000"}).status_code == 400
    page = organizer_client.get("/manage/events/cryptoparty/checkin?lang=en").get_data(
        as_text=True)
    assert re.search(r'door-stat__num">5</span> people without a ticket', page)


def test_door_list_shows_tags_never_codes(organizer_client, make_event, app):
    event = make_event(organization=organizer_client.organization)
    attendee = app.test_client()
    issued = [register(attendee, event, ("tails", "signal"), party=2) for _ in range(3)]
    response = organizer_client.get("/manage/events/cryptoparty/door-list?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for code in issued:
        assert reg.get_ticket_by_code(code).check_tag in page
        assert code not in page and codes.normalize(code) not in page
    assert "Signal" in page


def test_back_office_event_page_links_to_check_in(organizer_client, make_event):
    make_event(organization=organizer_client.organization)
    page = organizer_client.get("/manage/events/cryptoparty/?lang=en").get_data(as_text=True)
    assert "/manage/events/cryptoparty/checkin" in page
    assert "/manage/events/cryptoparty/door-list" in page


def test_check_in_pages_need_login(client, make_event):
    make_event()
    assert client.get("/manage/events/cryptoparty/checkin").status_code == 302
    assert client.get("/manage/events/cryptoparty/door-list").status_code == 302


# Logs -----------------------------------------------------------------------

@pytest.mark.parametrize("line, masked", [
    ("GET /tickets/ABCD-EFGH-JKMN-PQRS HTTP/1.1", "GET /tickets/… HTTP/1.1"),
    ("/tickets/abcd/qr.svg?lang=fr", "/tickets/…/qr.svg?lang=fr"),
    ("DELETE /api/v1/tickets/ABCD-EFGH", "DELETE /api/v1/tickets/…"),
    ("/volunteers/s3cr3t-t0ken", "/volunteers/…"),
    ("POST /events/x/register", "POST /events/x/register"),
    ("GET /tickets/ 200", "GET /tickets/ 200"),
])
def test_mask_secrets(line, masked):
    assert mask_secrets(line) == masked


def test_logs_never_hold_a_code(client, make_event, caplog, app):
    event = make_event()
    caplog.set_level(logging.DEBUG)
    code = register(client, event)
    # What werkzeug's development server and the app would log for this request.
    logging.getLogger("werkzeug").info('%s - - "%s" %s', "-", f"GET /tickets/{code} HTTP/1.1",
                                       200)
    app.logger.error("Exception on /tickets/%s [GET]", code)
    app.logger.warning(f"Exception on /tickets/{code}/qr.svg [GET]")
    client.get(f"/tickets/{code}")
    text = caplog.text
    assert "/tickets/…" in text
    assert code not in text and codes.normalize(code) not in text


# Rate limits ----------------------------------------------------------------

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.fixture(params=[
    pytest.param("memory://", id="memory"),
    pytest.param(TEST_REDIS_URL or "redis://", id="redis", marks=[
        pytest.mark.redis,
        pytest.mark.skipif(not TEST_REDIS_URL, reason="Redis not configured: set TEST_REDIS_URL "
                                                      "(e.g. redis://127.0.0.1:6379/15)")]),
])
def limiter_storage(request):
    """Where Flask-Limiter counts: memory, or Redis when TEST_REDIS_URL is set.

    Redis outlives the test: the counters of this run carry their own key
    prefix (Flask-Limiter keeps the first prefix it is given for the process)
    and are deleted before each test.
    """
    if request.param.startswith("redis"):
        import redis

        connection = redis.Redis.from_url(request.param)
        stale = list(connection.scan_iter(f"*{RATE_LIMIT_PREFIX}*"))
        if stale:
            connection.delete(*stale)
        connection.close()
    return request.param


RATE_LIMIT_PREFIX = f"cryptoparty-test-{uuid.uuid4().hex}"


class TestRateLimits:
    @pytest.fixture
    def app_config(self, limiter_storage):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": limiter_storage,
                "RATELIMIT_KEY_PREFIX": RATE_LIMIT_PREFIX,
                "RATELIMIT_CODE_LOOKUP": "5/minute", "RATELIMIT_REGISTRATION": "3/minute"}

    def test_code_guessing_is_limited_but_not_the_holder(self, client, make_event):
        event = make_event()
        code = register(client, event)
        for _ in range(10):  # the holder's own lookups never count
            assert client.get(f"/tickets/{code}").status_code == 200
        statuses = [client.get(f"/tickets/{codes.display(codes.new_code())}").status_code
                    for _ in range(7)]
        assert statuses[:5] == [404] * 5
        assert statuses[5:] == [429, 429]
        assert client.get("/api/v1/tickets/AAAA-AAAA-AAAA-AAAA").status_code == 429

    def test_registration_is_limited(self, client, make_event):
        event = make_event()
        for _ in range(3):
            register(client, event)
        response = client.post_form("/events/cryptoparty/register", form_for(event, ["signal"]))
        assert response.status_code == 429
        assert counts()[0] == 3


def test_unconfirmed_cancel_sums_the_error_up_at_the_top_with_a_link(client, make_event):
    event = make_event()
    code = register(client, event, ("tails",))
    response = client.post_form(f"/tickets/{code}/cancel?lang=en", {})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = page.index('class="error-summary"')
    assert page.index("<h1") < summary < page.index("ticket__card") < page.index('id="cancel-head"')
    assert 'href="#confirm"' in page[summary:page.index("</div>", summary)]
    assert reg.get_ticket_by_code(code).status == "active"
