"""Describing events as the world reads them: new fields, and schema.org JSON-LD (extruct)."""

import pytest

from cryptoparty.core.errors import DomainError
from cryptoparty.events import services as events

extruct = pytest.importorskip("extruct", reason="extruct is in the test extra")


def schema_events(client, url):
    response = client.get(url)
    assert response.status_code == 200
    data = extruct.extract(response.get_data(as_text=True), base_url="http://localhost" + url,
                           syntaxes=["json-ld"], uniform=True)["json-ld"]
    return [item for item in data if item.get("@type") == "Event"]


def test_one_event_with_offsets_status_and_workshops(client, make_event):
    event = make_event(accessibility=["step_free", "induction_loop"], audience="adults",
                       minimum_age=16)
    found = schema_events(client, "/events/cryptoparty/")
    assert len(found) == 1
    data = found[0]
    # 2026-03-11 12:00 UTC is 13:00 in Paris (winter time, +01:00).
    assert data["startDate"] == "2026-03-11T13:00:00+01:00"
    assert data["endDate"] == "2026-03-11T17:00:00+01:00"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"]["@type"] == "Place"
    assert data["location"]["address"]["@type"] == "PostalAddress"
    assert [f["name"] for f in data["location"]["amenityFeature"]] == [
        "Step-free access", "Induction loop"]
    assert data["isAccessibleForFree"] is True
    assert data["offers"]["price"] == "0"
    assert data["audience"] == {"@type": "PeopleAudience", "audienceType": "adults",
                                "suggestedMinAge": 16}
    assert data["inLanguage"] == event.organization.default_locale
    assert data["organizer"]["name"] == event.organization.name
    assert [s["name"] for s in data["subEvent"]] == ["Tor Browser", "Tails", "Signal",
                                                     "KeePassXC"]
    assert data["subEvent"][2]["startDate"] == "2026-03-11T15:00:00+01:00"


def test_cancelled_and_moved_online_statuses(client, make_event, now):
    cancelled = make_event(status="cancelled")
    assert schema_events(client, "/events/cryptoparty/")[0]["eventStatus"] == \
        "https://schema.org/EventCancelled"
    other = make_event(cancelled.organization, slug="en-ligne")
    events.update_event(other, now=now, schedule_status="moved_online",
                        attendance_mode="online", online_url="https://visio.example.org/cp")
    data = schema_events(client, "/events/en-ligne/")[0]
    assert data["eventStatus"] == "https://schema.org/EventMovedOnline"
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation",
                                "url": "https://visio.example.org/cp"}


def test_summer_offset(client, make_event, now):
    from datetime import timedelta

    make_event(starts_in=timedelta(days=120))  # mid-July: +02:00 in Paris
    data = schema_events(client, "/events/cryptoparty/")[0]
    assert data["startDate"].endswith("+02:00")


def test_no_personal_data_in_jsonld(client, make_event):
    import json

    make_event()
    page = client.get("/events/cryptoparty/").get_data(as_text=True)
    block = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    data = json.loads(block)
    text = json.dumps(data)
    for key in ("email", "telephone", "performer", "attendee", "funder"):
        assert key not in text


def test_jsonld_cannot_close_its_script(client, make_event, now):
    event = make_event()
    events.update_event(event, now=now, description="</script><script>alert(1)</script>")
    page = client.get("/events/cryptoparty/").get_data(as_text=True)
    assert "<script>alert" not in page


def test_online_link_must_be_https(make_event, now):
    event = make_event()
    with pytest.raises(DomainError) as error:
        events.update_event(event, now=now, attendance_mode="mixed",
                            online_url="http://visio.example.org/")
    assert error.value.status == 400
    with pytest.raises(DomainError):
        events.update_event(event, now=now, attendance_mode="online", online_url="")
    with pytest.raises(DomainError):
        events.update_event(event, now=now, accessibility=["elevator"])
    assert event.attendance_mode == "onsite"


def test_event_page_shows_the_new_fields(client, make_event, now):
    event = make_event()
    events.update_event(event, now=now, accessibility=["quiet_room"],
                        accessibility_notes="Entrée par la rue de côté.", audience="seniors",
                        minimum_age=12, attendance_mode="mixed",
                        online_url="https://visio.example.org/cp", is_free=False,
                        price="2 € (café compris)")
    page = client.get("/events/cryptoparty/?lang=en").get_data(as_text=True)
    for text in ("Quiet room", "Entrée par la rue de côté.", "Seniors", "from 12 years old",
                 'href="https://visio.example.org/cp"', "2 € (café compris)"):
        assert text in page


def test_back_office_form_saves_the_fields(organizer_client, make_event, app):
    from tests.events.test_views_manage import EVENT_FORM

    data = dict(EVENT_FORM, accessibility=["step_free", "sign_language"],
                accessibility_notes="Rampe.", audience="teens", minimum_age="13",
                attendance_mode="mixed", online_url="https://visio.example.org/x",
                schedule_status="scheduled")
    response = organizer_client.post_form("/manage/events/new", data)
    assert response.status_code == 302
    from sqlalchemy import select

    from cryptoparty.core.extensions import db
    from cryptoparty.events.models import Event

    event = db.session.scalar(select(Event))
    assert event.accessibility_list == ["step_free", "sign_language"]
    assert (event.audience, event.minimum_age, event.attendance_mode, event.is_free) == \
        ("teens", 13, "mixed", True)
    bad = dict(data, online_url="http://visio.example.org/x", title="Autre")
    response = organizer_client.post_form("/manage/events/new", bad)
    assert response.status_code == 400
    assert "https://" in response.get_data(as_text=True)


# The shape agendas and search engines rely on, as a JSON schema.
OFFSET_DATE = {"type": "string",
               "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$"}
SCHEMA_URL = {"type": "string", "pattern": "^https://schema.org/"}
PLACE = {"type": "object", "required": ["@type", "name", "address"],
         "properties": {"@type": {"const": "Place"},
                        "address": {"type": "object", "required": ["@type"],
                                    "properties": {"@type": {"const": "PostalAddress"}}}}}
VIRTUAL = {"type": "object", "required": ["@type", "url"],
           "properties": {"@type": {"const": "VirtualLocation"},
                          "url": {"type": "string", "pattern": "^https://"}}}
EVENT_SCHEMA = {
    "type": "object",
    "required": ["@context", "@type", "name", "description", "startDate", "endDate",
                 "eventStatus", "eventAttendanceMode", "location", "organizer",
                 "isAccessibleForFree", "inLanguage", "audience", "offers", "subEvent"],
    "properties": {
        "@type": {"const": "Event"},
        "startDate": OFFSET_DATE, "endDate": OFFSET_DATE,
        "eventStatus": SCHEMA_URL, "eventAttendanceMode": SCHEMA_URL,
        "location": {"anyOf": [PLACE, VIRTUAL, {"type": "array",
                                                "items": {"anyOf": [PLACE, VIRTUAL]}}]},
        "organizer": {"type": "object", "required": ["@type", "name"],
                      "properties": {"@type": {"const": "Organization"}}},
        "isAccessibleForFree": {"type": "boolean"},
        "audience": {"type": "object", "required": ["@type", "audienceType"]},
        "offers": {"type": "object", "required": ["@type", "url"]},
        "subEvent": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["@type", "name", "startDate", "endDate", "location"],
            "properties": {"startDate": OFFSET_DATE, "endDate": OFFSET_DATE}}},
    },
}


@pytest.mark.parametrize("mode, url", [("onsite", ""), ("online", "https://visio.example.org/a"),
                                       ("mixed", "https://visio.example.org/a")])
def test_jsonld_matches_the_json_schema(client, make_event, now, mode, url):
    import json

    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")
    event = make_event()
    events.update_event(event, now=now, attendance_mode=mode, online_url=url)
    page = client.get("/events/cryptoparty/").get_data(as_text=True)
    block = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    jsonschema.validate(json.loads(block), EVENT_SCHEMA)


def test_a_workshop_says_what_differs_from_its_event(client, make_event):
    """Its room (the venue is the event's) and no status while the event is as scheduled
    (issue 19: each repetition is sent for every workshop)."""
    event = make_event()
    data = schema_events(client, "/events/cryptoparty/")[0]
    workshops = [w for s in event.sessions for w in s.workshops]
    assert [s["location"] for s in data["subEvent"]] == [w.room or event.venue for w in workshops]
    assert all("eventStatus" not in s for s in data["subEvent"])
    assert data["location"]["address"]["streetAddress"]  # the venue's address, said once


def test_the_workshops_of_a_cancelled_event_say_so(client, make_event):
    make_event(status="cancelled")
    data = schema_events(client, "/events/cryptoparty/")[0]
    assert {s["eventStatus"] for s in data["subEvent"]} == {"https://schema.org/EventCancelled"}
