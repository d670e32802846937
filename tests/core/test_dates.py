"""Issue 14, dates: one date-range formatter everywhere; a multi-day event keeps its end day."""

from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale

from cryptoparty.announcements import services as announcements
from cryptoparty.core.i18n import local_range, spans_several_days
from cryptoparty.events import services as events

# Saturday 16 May 2026 10:00 → Sunday 17 May 2026 18:00, Paris (UTC+2).
START = datetime(2026, 5, 16, 8, 0)
END = datetime(2026, 5, 17, 16, 0)
def plain(text: str) -> str:
    """Babel's narrow and thin spaces as plain ones, so the tests read simply."""
    return text.replace("\u202f", " ").replace("\u2009", " ").replace("\xa0", " ")


FULL = "Saturday, May 16, 2026, 10:00 AM – Sunday, May 17, 2026, 6:00 PM"


@pytest.fixture
def weekend(app, make_org, now):
    org = make_org()
    event = events.create_event(org, now=now, slug="weekend", title="Week-end vie privée",
                                kind="install_party", venue="Médiathèque",
                                starts_at=START, ends_at=END,
                                registration_opens_at=now - timedelta(days=1))
    events.add_session(event, label="Dimanche matin", starts_at=END - timedelta(hours=8),
                       ends_at=END - timedelta(hours=6), now=now)
    events.change_status(event, "publish", now=now)
    return event


def test_the_formatter(app):
    with app.test_request_context("/?lang=en"):
        assert plain(local_range(START, END, "Europe/Paris")) == FULL
        assert plain(local_range(START, START + timedelta(hours=8), "Europe/Paris")) == \
            "Saturday, May 16, 2026, 10:00 AM – 6:00 PM"
        assert plain(local_range(START, START + timedelta(hours=2), "Europe/Paris",
                           with_date=False)) == "10:00 AM – 12:00 PM"
        assert plain(local_range(END - timedelta(hours=8), END - timedelta(hours=6), "Europe/Paris",
                           with_date=False, multi_day=True)) == \
            "May 17, 2026, 10:00 AM – 12:00 PM"
    with app.test_request_context("/?lang=fr"), force_locale("fr"):
        assert plain(local_range(START, END, "Europe/Paris")) == \
            "samedi 16 mai 2026, 10:00 – dimanche 17 mai 2026, 18:00"
    # An evening until midnight stays one day.
    assert not spans_several_days(datetime(2026, 5, 16, 18), datetime(2026, 5, 16, 22),
                                  "Europe/Paris")
    assert spans_several_days(START, END, "Europe/Paris")


@pytest.mark.parametrize("url", ["/events/weekend/", "/", "/orgs/bib/", "/feed.atom"])
def test_a_multi_day_event_keeps_its_end_day_everywhere(client, weekend, url):
    body = plain(client.get(url + "?lang=en").get_data(as_text=True))
    assert "Sunday, May 17, 2026" in body, url


def test_sessions_of_a_multi_day_event_carry_their_date(client, weekend):
    body = plain(client.get("/events/weekend/?lang=en").get_data(as_text=True))
    assert "May 17, 2026, 10:00 AM – 12:00 PM" in body


def test_the_blog_fragment_keeps_the_end_day(app, weekend):
    with app.test_request_context("/?lang=en"):
        text = plain(announcements.draft_text(weekend, "html", "https://example.org"))
    assert "Sunday, May 17, 2026" in text or "dimanche 17 mai 2026" in text


# Edits that contradict what people rely on ----------------------------------

def test_moving_an_event_so_registration_opens_after_the_start_is_refused_then_moved(
        app, make_event, now):
    from cryptoparty.core.errors import RegistrationOpensAfterStart

    event = make_event(starts_in=timedelta(days=20), program=[],
                       registration_opens_at=now + timedelta(days=13))
    earlier = event.starts_at - timedelta(days=10)
    with pytest.raises(RegistrationOpensAfterStart):
        events.update_event(event, now=now, starts_at=earlier,
                            ends_at=event.ends_at - timedelta(days=10))
    assert event.starts_at == now + timedelta(days=20)
    opens, closes = event.registration_opens_at, event.registration_closes_at
    events.update_event(event, now=now, starts_at=earlier,
                        ends_at=event.ends_at - timedelta(days=10),
                        move_registration_window=True)
    assert event.registration_opens_at == opens - timedelta(days=10)
    assert event.registration_closes_at == closes - timedelta(days=10)


def test_the_organizer_is_told_and_offered_to_move_the_window(organizer_client, make_event, now):
    event = make_event(organization=organizer_client.organization, starts_in=timedelta(days=20),
                       program=[], registration_opens_at=now + timedelta(days=13))
    form = organizer_client.get(f"/manage/events/{event.slug}/?lang=en").get_data(as_text=True)
    assert "Move the registration window with the event" in form
    from tests.events.test_views_manage import EVENT_FORM

    data = dict(EVENT_FORM, starts_at="2026-03-11T19:00", ends_at="2026-03-11T23:00",
                registration_opens_at="2026-03-14T13:00")
    response = organizer_client.post_form(f"/manage/events/{event.slug}/?lang=en", data)
    assert response.status_code == 400
    assert "Registration would open after the event starts" in response.get_data(as_text=True)


def test_turning_co_facilitators_off_with_two_confirmed_is_refused(app, make_event, now):
    from cryptoparty.core.errors import TooManyFacilitators
    from cryptoparty.volunteers import services as volunteers

    event = make_event()
    workshop = event.workshops[0]
    events.update_workshop(workshop, now=now, allow_cofacilitators=True)
    for name in ("Zoé", "Max"):
        volunteer, _token = volunteers.sign_up(event, pseudonym=name, now=now)
        volunteers.assign_volunteer(volunteer, workshop.id, now=now)
    with pytest.raises(TooManyFacilitators) as refused:
        events.update_workshop(workshop, now=now, allow_cofacilitators=False)
    with force_locale("en"):
        assert "2 volunteers facilitate this workshop together" in refused.value.describe()
    assert workshop.allow_cofacilitators is True
