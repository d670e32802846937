"""An archived event's program is closed; a new session starts where the program stands."""

from datetime import timedelta

import pytest

from cryptoparty.core.errors import EventArchived
from cryptoparty.events import services as events


def test_archived_event_offers_no_add_and_refuses_one(organizer_client, make_event, now):
    event = make_event(organization=organizer_client.organization, status="archived",
                       starts_in=timedelta(days=-30))
    page = organizer_client.get(f"/manage/events/{event.slug}/?lang=en").get_data(as_text=True)
    for offer in ("Add a session", "Add a workshop", "Add from the catalogue",
                  "Add the first workshop"):
        assert offer not in page
    for url in (f"/manage/events/{event.slug}/sessions/new",
                f"/manage/events/{event.slug}/workshops/new"):
        response = organizer_client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/manage/events/{event.slug}/")
    with pytest.raises(EventArchived):
        events.add_session(event, label="Encore", starts_at=event.starts_at,
                           ends_at=event.ends_at, now=now)
    with pytest.raises(EventArchived):
        events.add_workshop(event.sessions[0], now=now, title="Encore", capacity=5)
    published = make_event(organization=organizer_client.organization, slug="next")
    page = organizer_client.get(f"/manage/events/{published.slug}/?lang=en").get_data(as_text=True)
    assert "Add a session" in page and "Add a workshop" in page


def test_session_form_starts_after_the_last_session(organizer_client, make_event):
    event = make_event(organization=organizer_client.organization, program=[])
    html = organizer_client.get(f"/manage/events/{event.slug}/sessions/new") \
        .get_data(as_text=True)
    start = event.starts_at + timedelta(hours=1)  # NOW + 10 days, 13:00 in Paris (UTC+1)
    # The date is prefilled with the time (two inputs: the date, then the time).
    assert f'name="starts_at-date" required type="date" value="{start:%Y-%m-%d}"' in html
    assert f'name="starts_at-time" required type="time" value="{start:%H:%M}"' in html
    end = start + timedelta(hours=1)
    assert f'name="ends_at-time" required type="time" value="{end:%H:%M}"' in html


def test_next_session_times_follow_the_program_and_stay_inside(make_event):
    event = make_event(program=[("S1", [])], hours=4)  # one session filling the whole event
    assert events.next_session_times(event) == (event.starts_at,
                                                event.starts_at + timedelta(hours=1))
    event = make_event(event.organization, slug="two", program=[("S1", []), ("S2", [])],
                       hours=1)
    start, end = events.next_session_times(event)
    assert start == event.starts_at and end == event.ends_at
