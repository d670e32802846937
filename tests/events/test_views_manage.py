"""The back office: events, sessions and workshops, and who may touch them."""

import pytest
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from cryptoparty.events.models import Event, EventSession, Workshop
from tests.conftest import login

EVENT_FORM = {
    "kind": "cryptoparty", "title": "CryptoParty de printemps", "slug": "", "description": "",
    "venue": "Médiathèque", "address": "", "starts_at": "2026-04-10T19:00",
    "ends_at": "2026-04-10T23:00", "registration_opens_at": "", "registration_closes_at": "",
    "max_party": "4", "retention_days": "7", "volunteer_withdraw_hours": "24",
}


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def workshop_form(session_id, **overrides):
    data = {"session_id": str(session_id), "format": "workshop", "title": "Tor Browser",
            "summary": "", "topics": "tor", "level": "beginner", "room": "Salle 1",
            "capacity": "20", "materials": ""}
    data.update(overrides)
    return data


def test_create_event_in_local_time(organizer_client):
    response = organizer_client.post_form("/manage/events/new", EVENT_FORM)
    assert response.status_code == 302
    event = db.session.scalar(select(Event))
    assert event.slug == "cryptoparty-de-printemps" and event.status == "draft"
    assert event.starts_at.hour == 17  # 19:00 in Paris in April is 17:00 UTC


@pytest.mark.parametrize("field, value, message", [
    ("ends_at", "2026-04-10T18:00", "The end must come after the start."),
    ("starts_at", "not a date", "Not a valid datetime value."),
    ("title", "x" * 201, "Field cannot be longer than 200 characters."),
    ("title", "", "This field is required."),
    ("max_party", "0", "Number must be between 1 and 20."),
    ("slug", "Pas Un Slug", "Use lowercase letters, digits and hyphens only."),
])
def test_bad_event_input_is_explained_and_nothing_written(organizer_client, field, value,
                                                          message):
    data = dict(EVENT_FORM, **{field: value})
    response = organizer_client.post_form("/manage/events/new?lang=en", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Event) == 0


def test_missing_csrf_token_writes_nothing(organizer_client):
    response = organizer_client.post("/manage/events/new", data=EVENT_FORM)
    assert response.status_code == 400
    assert count(Event) == 0


def test_session_outside_the_event_is_refused(organizer_client, make_event):
    event = make_event(organization=organizer_client.organization, program=[])
    response = organizer_client.post_form(
        f"/manage/events/{event.slug}/sessions/new?lang=en",
        {"label": "Bien trop tard", "starts_at": "2030-01-01T10:00",
         "ends_at": "2030-01-01T11:00"})
    assert response.status_code == 400
    assert "The session must lie within the event" in response.get_data(as_text=True)
    assert count(EventSession) == 0


def test_session_ending_before_it_starts_is_refused(organizer_client, make_event):
    event = make_event(organization=organizer_client.organization, program=[])
    response = organizer_client.post_form(
        f"/manage/events/{event.slug}/sessions/new?lang=en",
        {"label": "À l'envers", "starts_at": "2026-03-11T15:00", "ends_at": "2026-03-11T14:00"})
    assert response.status_code == 400
    assert "The end must come after the start." in response.get_data(as_text=True)
    assert count(EventSession) == 0


@pytest.mark.parametrize("capacity, message", [
    ("0", "The capacity must be between 1 and 10000."),
    ("-3", "The capacity must be between 1 and 10000."),
    ("1000000000", "The capacity must be between 1 and 10000."),
    ("douze", "Not a valid integer value."),
    ("", "Give the number of seats."),
])
def test_bad_capacity_is_explained(organizer_client, make_event, capacity, message):
    event = make_event(organization=organizer_client.organization)
    before = count(Workshop)
    response = organizer_client.post_form(
        f"/manage/events/{event.slug}/workshops/new?lang=en",
        workshop_form(event.sessions[0].id, capacity=capacity))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Workshop) == before


def test_overlong_workshop_summary_is_refused(organizer_client, make_event):
    event = make_event(organization=organizer_client.organization)
    before = count(Workshop)
    response = organizer_client.post_form(
        f"/manage/events/{event.slug}/workshops/new?lang=en",
        workshop_form(event.sessions[0].id, summary="y" * 2001))
    assert response.status_code == 400
    assert "Field cannot be longer than 2000 characters." in response.get_data(as_text=True)
    assert count(Workshop) == before


def test_full_planning_flow(organizer_client, now):
    client = organizer_client
    client.post_form("/manage/events/new", dict(EVENT_FORM, slug="printemps"))
    response = client.post_form("/manage/events/printemps/sessions/new", {
        "label": "Ateliers", "starts_at": "2026-04-10T20:45", "ends_at": "2026-04-10T21:45"})
    assert response.status_code == 302
    session = db.session.scalar(select(EventSession))
    response = client.post_form("/manage/events/printemps/workshops/new",
                                workshop_form(session.id, title="Tails", capacity="8"))
    assert response.status_code == 302
    assert client.get("/events/printemps/").status_code == 404  # still a draft
    client.post_form("/manage/events/printemps/publish")
    page = client.get("/events/printemps/").get_data(as_text=True)
    assert "Tails" in page and "20:45" in page
    client.post_form("/manage/events/printemps/cancel")
    assert "Cet événement est annulé." in client.get("/events/printemps/").get_data(as_text=True)


def test_edit_and_delete_a_workshop(organizer_client, make_event):
    event = make_event(organization=organizer_client.organization)
    workshop = event.workshops[0]
    response = organizer_client.post_form(
        f"/manage/workshops/{workshop.id}/edit",
        workshop_form(workshop.session_id, title="Tor, pour de vrai", capacity="25"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Workshop, workshop.id).title == "Tor, pour de vrai"
    before = count(Workshop)
    organizer_client.post_form(f"/manage/workshops/{workshop.id}/delete")
    assert count(Workshop) == before - 1


def test_duplicate_an_event_for_next_year(organizer_client, make_event):
    event = make_event(organization=organizer_client.organization)
    response = organizer_client.post_form(f"/manage/events/{event.slug}/duplicate",
                                          {"starts_at": "2027-03-11T19:00"})
    assert response.status_code == 302
    assert count(Event) == 2
    copy = db.session.scalar(select(Event).where(Event.id != event.id))
    assert copy.status == "draft" and len(copy.workshops) == len(event.workshops)


def edit_urls(event):
    session, workshop = event.sessions[0], event.workshops[0]
    return [
        ("get", f"/manage/events/{event.slug}/"),
        ("post", f"/manage/events/{event.slug}/"),
        ("post", f"/manage/events/{event.slug}/publish"),
        ("post", f"/manage/events/{event.slug}/cancel"),
        ("post", f"/manage/events/{event.slug}/duplicate"),
        ("get", f"/manage/events/{event.slug}/sessions/new"),
        ("post", f"/manage/events/{event.slug}/sessions/new"),
        ("get", f"/manage/sessions/{session.id}/edit"),
        ("post", f"/manage/sessions/{session.id}/edit"),
        ("post", f"/manage/sessions/{session.id}/delete"),
        ("get", f"/manage/events/{event.slug}/workshops/new"),
        ("post", f"/manage/events/{event.slug}/workshops/new"),
        ("get", f"/manage/workshops/{workshop.id}/edit"),
        ("post", f"/manage/workshops/{workshop.id}/edit"),
        ("post", f"/manage/workshops/{workshop.id}/delete"),
    ]


def test_organizer_of_another_organization_gets_404_everywhere(
        client, make_event, make_org, make_organizer):
    theirs = make_org("theirs", "Their library")
    event = make_event(organization=theirs, status="draft")
    make_organizer("mallory", organizations=[make_org("mine", "My library")])
    login(client, "mallory")
    token = client.csrf_token()
    for method, url in edit_urls(event):
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token, "title": "pwned",
                                              "starts_at": "2027-01-01T10:00"})
        assert response.status_code in (403, 404), (method, url, response.status_code)
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "draft"
    assert count(Event) == 1


def test_dashboard_lists_only_my_events(organizer_client, make_event, make_org):
    make_event(organization=organizer_client.organization, slug="mine", title="Ma soirée")
    make_event(organization=make_org("other", "Other"), slug="other", title="Leur soirée")
    page = organizer_client.get("/manage/").get_data(as_text=True)
    assert "Ma soirée" in page and "Leur soirée" not in page


def test_back_office_pages_render(organizer_client, make_event):
    event = make_event(organization=organizer_client.organization)
    for url in ("/manage/", "/manage/events/new", f"/manage/events/{event.slug}/",
                f"/manage/events/{event.slug}/sessions/new",
                f"/manage/events/{event.slug}/workshops/new",
                f"/manage/sessions/{event.sessions[0].id}/edit",
                f"/manage/workshops/{event.workshops[0].id}/edit"):
        for lang in ("fr", "en"):
            assert organizer_client.get(f"{url}?lang={lang}").status_code == 200, url


def test_editing_an_event_prefills_local_times(organizer_client, make_event):
    event = make_event(organization=organizer_client.organization)
    page = organizer_client.get(f"/manage/events/{event.slug}/").get_data(as_text=True)
    assert 'value="2026-03-11T13:00"' in page  # 12:00 UTC shown as 13:00 in Paris
