"""Calling an event off: a confirmation that says whom it touches, and a way back until it starts.
"""

from datetime import timedelta

import pytest

from cryptoparty.core.errors import InvalidTransition
from cryptoparty.core.extensions import db
from cryptoparty.events import services as events
from cryptoparty.events.models import Event
from cryptoparty.registration import services as reg
from cryptoparty.volunteers import services as volunteers


def _ids(event, *slugs):
    return [w.id for w in event.workshops if w.slug in slugs]


@pytest.fixture
def busy_event(organizer_client, make_event, now):
    event = make_event(organization=organizer_client.organization,
                       program=[("S1", [dict(title="Tor", slug="tor", capacity=20,
                                             needs_facilitator=True)]),
                                ("S2", [dict(title="Signal", slug="signal", capacity=20)])])
    reg.register(event, _ids(event, "tor", "signal"), 2, now=now)
    reg.register(event, _ids(event, "tor"), 3, now=now)
    cancelled = reg.register(event, _ids(event, "signal"), 1, now=now)
    reg.cancel(reg.get_ticket_by_code(cancelled.code), now=now)
    volunteer, _token = volunteers.sign_up(event, pseudonym="Ada", now=now)
    volunteers.claim_workshop(volunteer, _ids(event, "tor")[0], now=now)
    return event


def test_impact_counts_active_tickets_people_and_facilitators(busy_event):
    assert events.cancellation_impact(busy_event) == {"tickets": 2, "people": 5,
                                                      "facilitators": 1}


def test_event_page_offers_a_clear_link_not_a_one_click_cancel(organizer_client, busy_event):
    page = organizer_client.get(f"/manage/events/{busy_event.slug}/").get_data(as_text=True)
    assert "Déprogrammer l’événement…" in page
    assert f'href="/manage/events/{busy_event.slug}/call-off"' in page
    assert f'action="/manage/events/{busy_event.slug}/cancel"' not in page
    assert "Annuler l’événement" not in page


def test_confirmation_page_says_whom_it_touches_and_cancels_only_when_confirmed(
        organizer_client, busy_event):
    url = f"/manage/events/{busy_event.slug}/call-off"
    page = organizer_client.get(url).get_data(as_text=True)
    assert "2 billets sont actifs" in page
    assert "5 personnes" in page
    assert "1 animateur·ice s’est proposé·e pour un atelier" in page
    assert "reprogrammer" in page
    db.session.expire_all()
    assert db.session.get(Event, busy_event.id).status == "published"  # a GET changes nothing
    english = organizer_client.get(url + "?lang=en").get_data(as_text=True)
    assert "2 tickets are active" in english and "(5 people)" in english
    response = organizer_client.post_form(f"/manage/events/{busy_event.slug}/cancel")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, busy_event.id).status == "cancelled"


def test_reopen_until_the_event_starts(organizer_client, busy_event):
    organizer_client.post_form(f"/manage/events/{busy_event.slug}/cancel")
    page = organizer_client.get(f"/manage/events/{busy_event.slug}/").get_data(as_text=True)
    assert "Reprogrammer l’événement" in page
    # A cancelled event has no call-off page any more: back to the event.
    assert organizer_client.get(f"/manage/events/{busy_event.slug}/call-off").status_code == 302
    response = organizer_client.post_form(f"/manage/events/{busy_event.slug}/reopen")
    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, busy_event.id)
    assert event.status == "published"
    assert "Cet événement est annulé" not in organizer_client.get(
        f"/events/{event.slug}/").get_data(as_text=True)


def test_no_reopening_once_the_event_has_started(make_event, now):
    event = make_event(status="cancelled", starts_in=timedelta(days=1))
    assert events.can_reopen(event, now)
    later = event.starts_at + timedelta(minutes=1)
    assert not events.can_reopen(event, later)
    with pytest.raises(InvalidTransition):
        events.change_status(event, "reopen", now=later)
    assert event.status == "cancelled"


def test_reopen_refused_in_the_back_office_after_the_start(organizer_client, make_event):
    event = make_event(organization=organizer_client.organization, status="cancelled",
                       starts_in=timedelta(hours=-1))
    page = organizer_client.get(f"/manage/events/{event.slug}/").get_data(as_text=True)
    assert "Reprogrammer" not in page
    response = organizer_client.post_form(f"/manage/events/{event.slug}/reopen")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "cancelled"


def test_only_published_or_draft_events_can_be_reopened(make_event, now):
    event = make_event()
    with pytest.raises(InvalidTransition):
        events.change_status(event, "reopen", now=now)
