"""The read API: shape of the JSON, drafts hidden, JSON errors."""

from datetime import datetime


def test_events_lists_published_upcoming_only(client, make_event, make_org):
    org = make_org()
    make_event(org, slug="public")
    make_event(org, slug="draft", status="draft")
    make_event(org, slug="cancelled", status="cancelled")
    body = client.get("/api/v1/events").get_json()
    assert [e["slug"] for e in body["events"]] == ["public"]


def test_event_shape(client, make_event):
    make_event()
    response = client.get("/api/v1/events/cryptoparty")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert [s["label"] for s in body["sessions"]] == ["Session 1", "Session 2"]
    session = body["sessions"][0]
    assert datetime.fromisoformat(session["start"]) < datetime.fromisoformat(session["end"])
    assert datetime.fromisoformat(session["start"]).utcoffset() is not None
    workshop = session["workshops"][1]
    assert set(workshop) >= {"id", "slug", "title", "format", "capacity", "seats_left"}
    assert (workshop["slug"], workshop["format"], workshop["capacity"],
            workshop["seats_left"]) == ("tails", "install", 8, 8)
    assert isinstance(workshop["id"], int)


def test_draft_is_404_in_json(client, make_event):
    make_event(status="draft")
    response = client.get("/api/v1/events/cryptoparty")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_unknown_api_route_answers_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/json"


def test_api_sets_no_cookie(client, make_event):
    make_event()
    response = client.get("/api/v1/events/cryptoparty")
    assert "Set-Cookie" not in response.headers
