"""The JSON ticket API: register, read, cancel; JSON bodies only, JSON errors."""

import pytest
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from cryptoparty.events.models import Workshop
from cryptoparty.registration import codes
from cryptoparty.registration.models import Ticket, TicketChoice

URL = "/api/v1/events/cryptoparty/tickets"


def ws(event, slug):
    return next(w for w in event.workshops if w.slug == slug)


def counts():
    return (db.session.scalar(select(func.count(Ticket.id))),
            db.session.scalar(select(func.count(TicketChoice.id))),
            db.session.scalar(select(func.sum(Workshop.seats_taken))))


def test_register_answers_201_with_code_status_and_choices(client, make_event):
    event = make_event()
    tails, signal = ws(event, "tails").id, ws(event, "signal").id
    response = client.post(URL, json={"workshops": [tails, signal], "party": 2})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"code", "status", "choices"}
    assert codes.normalize(body["code"]) is not None
    assert body["status"] == "confirmed"
    assert body["choices"] == [{"workshop": tails, "status": "confirmed"},
                               {"workshop": signal, "status": "confirmed"}]
    assert response.headers["Cache-Control"] == "no-store"


def test_get_and_delete_ticket(client, make_event):
    event = make_event(max_party=8)
    tails = ws(event, "tails").id
    code = client.post(URL, json={"workshops": [tails], "party": 8}).get_json()["code"]
    waiting = client.post(URL, json={"workshops": [tails], "party": 1}).get_json()
    assert waiting["status"] == "waitlisted"
    body = client.get(f"/api/v1/tickets/{code.lower()}").get_json()
    assert body["status"] == "confirmed" and body["party"] == 8
    assert body["choices"] == [{"workshop": tails, "status": "confirmed"}]
    response = client.delete(f"/api/v1/tickets/{code}")
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    promoted = client.get(f"/api/v1/tickets/{waiting['code']}").get_json()
    assert promoted["status"] == "confirmed"
    assert client.delete(f"/api/v1/tickets/{code}").status_code == 200  # idempotent


@pytest.mark.parametrize("code", ["nope", "ABCD-EFGH-JKMN-PQRS", "%00"])
def test_unknown_or_malformed_code_is_json_404(client, make_event, code):
    make_event()
    for method in (client.get, client.delete):
        response = method(f"/api/v1/tickets/{code}?lang=en")
        assert response.status_code == 404
        message = response.get_json()["error"]["message"]
        if code == "%00":  # a control character in a path matches no route (issue 14)
            assert response.get_json()["error"]["status"] == 404
        else:
            assert "no ticket with this code" in message


@pytest.mark.parametrize("body, status, message", [
    ({"workshops": ["tails"], "party": 1}, 400, "not part of this event"),
    ({"workshops": [999999], "party": 1}, 400, "not part of this event"),
    ({"workshops": "{tails}", "party": 1}, 400, "at least one workshop"),
    ({"workshops": [], "party": 1}, 400, "at least one workshop"),
    ({"party": 1}, 400, "at least one workshop"),
    ({"workshops": ["{tails}", "{tor}"], "party": 1}, 400, "one workshop per session"),
    ({"workshops": ["{tails}", "{tails}"], "party": 1}, 400, "one workshop per session"),
    ({"workshops": ["{other}"], "party": 1}, 400, "not part of this event"),
    ({"workshops": ["{tails}"], "party": 0}, 400, "between 1 and 4"),
    ({"workshops": ["{tails}"], "party": -1}, 400, "between 1 and 4"),
    ({"workshops": ["{tails}"], "party": 10**9}, 400, "between 1 and 4"),
    ({"workshops": ["{tails}"], "party": "two"}, 400, "between 1 and 4"),
    ({"workshops": ["{tails}"], "party": 1.5}, 400, "between 1 and 4"),
    ({"workshops": ["{tails}"], "party": None}, 400, "between 1 and 4"),
    ([1, 2], 400, "must be a JSON object"),
])
def test_bad_input_is_4xx_json_and_writes_nothing(client, make_event, make_org, body, status,
                                                  message):
    event = make_event()
    other = make_event(organization=make_org(slug="autre", name="Autre"), slug="autre")
    ids = {"{tails}": ws(event, "tails").id, "{tor}": ws(event, "tor-browser").id,
           "{other}": other.workshops[0].id}
    if isinstance(body, dict):
        body = dict(body)
        if isinstance(body.get("workshops"), list):
            body["workshops"] = [ids.get(w, w) for w in body["workshops"]]
        elif isinstance(body.get("workshops"), str):
            body["workshops"] = str(ids[body["workshops"]])
    before = counts()
    response = client.post(URL + "?lang=en", json=body)
    assert response.status_code == status
    assert message in response.get_json()["error"]["message"]
    assert counts() == before


@pytest.mark.parametrize("kwargs", [
    {"data": "workshops=1&party=1", "content_type": "application/x-www-form-urlencoded"},
    {"data": "not json at all", "content_type": "text/plain"},
    {"data": b"", "content_type": None},
])
def test_body_that_is_not_json_is_415(client, make_event, kwargs):
    make_event()
    response = client.post(URL + "?lang=en", **kwargs)
    assert response.status_code == 415
    assert response.get_json()["error"]["status"] == 415
    assert "Content-Type: application/json" in response.get_json()["error"]["message"]
    assert counts() == (0, 0, 0)


def test_malformed_json_is_400(client, make_event):
    make_event()
    response = client.post(URL + "?lang=en", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "must be a JSON object" in response.get_json()["error"]["message"]
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("status, expected", [("cancelled", 409), ("draft", 404)])
def test_closed_event_is_json_error(client, make_event, status, expected):
    event = make_event(status=status)
    response = client.post(URL + "?lang=en", json={"workshops": [event.workshops[0].id]})
    assert response.status_code == expected
    assert response.get_json()["error"]["message"]
    assert counts() == (0, 0, 0)


def test_unknown_event_is_json_404(client):
    response = client.post("/api/v1/events/nope/tickets", json={"workshops": [1], "party": 1})
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_registration_holds_the_write_lock_for_its_writes_only(client, make_event, backend):
    """Issue 19: registrations of one event queue on a lock, held for as little as can be.

    On SQLite the reads (the event, its workshops) take no transaction and the
    write lock (``BEGIN IMMEDIATE``) is taken just before the first write; on
    PostgreSQL the event's row lock is taken by the statement that inserts the
    ticket, in the one transaction of the request.
    """
    from sqlalchemy import event as sa_event

    event = make_event()
    tails = ws(event, "tails").id
    db.session.commit()  # the test's own read, so that only the request's statements count
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()).upper())

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.post(URL, json={"workshops": [tails]})
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert "FROM EVENTS" in statements[0], statements
    first_write = next(i for i, s in enumerate(statements)
                       if s.startswith(("INSERT", "UPDATE", "WITH")))
    assert all(s.startswith(("SELECT", "BEGIN IMMEDIATE"))
               for s in statements[:first_write]), statements
    if backend == "sqlite":
        assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]
        assert statements[first_write - 1] == "BEGIN IMMEDIATE", statements
    else:
        assert "FOR NO KEY UPDATE" in statements[first_write], statements
