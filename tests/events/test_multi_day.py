"""Multi-day events in the forms: Saturday 16 May 10:00 to Sunday 17 May 18:00 in Paris.

Each moment is typed as a date and a time; an end whose date is left empty falls
on the start's day. Sessions lie on any day of the event, with their date, and
never outside it.
"""

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from cryptoparty.core.extensions import db
from cryptoparty.events import services as events
from cryptoparty.events.models import Event

# Paris is on summer time in May (UTC+2): 10:00 local is 08:00 UTC.
SATURDAY_10 = datetime(2026, 5, 16, 8, 0)
SUNDAY_18 = datetime(2026, 5, 17, 16, 0)

WEEKEND = {
    "kind": "cryptoparty", "title": "Week-end vie privée", "slug": "", "description": "",
    "venue": "Médiathèque", "address": "",
    "starts_at-date": "2026-05-16", "starts_at-time": "10:00",
    "ends_at-date": "2026-05-17", "ends_at-time": "18:00",
    "registration_opens_at": "", "registration_closes_at": "",
    "max_party": "4", "retention_days": "7", "volunteer_withdraw_hours": "24",
}


def the_event():
    db.session.expire_all()
    return db.session.scalar(select(Event))


def create_weekend(organizer_client, **overrides):
    response = organizer_client.post_form("/manage/events/new", dict(WEEKEND, **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    return the_event()


def add_session(organizer_client, event, **fields):
    data = {"label": "Ateliers", "starts_at-date": "", "starts_at-time": "",
            "ends_at-date": "", "ends_at-time": ""}
    data.update(fields)
    return organizer_client.post_form(f"/manage/events/{event.slug}/sessions/new", data)


def test_saturday_morning_to_sunday_evening(organizer_client):
    event = create_weekend(organizer_client)
    assert (event.starts_at, event.ends_at) == (SATURDAY_10, SUNDAY_18)
    # The edit form shows both dates back.
    page = organizer_client.get(f"/manage/events/{event.slug}/").get_data(as_text=True)
    assert 'name="starts_at-date" required type="date" value="2026-05-16"' in page
    assert 'name="ends_at-date" type="date" value="2026-05-17"' in page
    assert 'name="ends_at-time" required type="time" value="18:00"' in page


def test_an_end_without_a_date_is_on_the_start_day(organizer_client):
    event = create_weekend(organizer_client, **{"ends_at-date": "", "ends_at-time": "13:00"})
    assert (event.starts_at, event.ends_at) == (SATURDAY_10, SATURDAY_10 + timedelta(hours=3))


def test_an_end_without_a_date_before_the_start_is_refused(organizer_client):
    response = organizer_client.post_form(
        "/manage/events/new?lang=en",
        dict(WEEKEND, **{"ends_at-date": "", "ends_at-time": "09:00"}))
    assert response.status_code == 400
    assert "The end must come after the start." in response.get_data(as_text=True)
    assert the_event() is None


def test_unreadable_dates_and_times_say_so(organizer_client):
    for fields, message in (
            ({"starts_at-date": "2026-02-30"}, "This date cannot be read"),
            ({"starts_at-time": "25:61"}, "This time cannot be read"),
            ({"starts_at-time": ""}, "Give the time as well."),
            ({"starts_at-date": ""}, "Give the date as well.")):
        response = organizer_client.post_form("/manage/events/new?lang=en",
                                              dict(WEEKEND, **fields))
        assert response.status_code == 400, fields
        assert message in response.get_data(as_text=True), fields
    assert the_event() is None


def test_sessions_on_either_day_and_never_outside(organizer_client):
    event = create_weekend(organizer_client)
    response = add_session(organizer_client, event, label="Samedi",
                           **{"starts_at-date": "2026-05-16", "starts_at-time": "10:00",
                              "ends_at-time": "12:00"})
    assert response.status_code == 302
    # A new session's form is prefilled with its date and time: after the last session.
    page = organizer_client.get(f"/manage/events/{event.slug}/sessions/new").get_data(
        as_text=True)
    assert 'name="starts_at-date" required type="date" value="2026-05-16"' in page
    assert 'name="starts_at-time" required type="time" value="12:00"' in page
    response = add_session(organizer_client, event, label="Dimanche",
                           **{"starts_at-date": "2026-05-17", "starts_at-time": "16:00",
                              "ends_at-time": "18:00"})
    assert response.status_code == 302
    for label, day, start, end in (("Trop tard", "2026-05-17", "17:00", "19:00"),
                                   ("Lundi", "2026-05-18", "10:00", "11:00"),
                                   ("Vendredi", "2026-05-15", "10:00", "11:00")):
        response = add_session(organizer_client, event, label=label,
                               **{"starts_at-date": day, "starts_at-time": start,
                                  "ends_at-time": end})
        assert response.status_code == 400, label
    event = the_event()
    assert [(s.label, s.starts_at, s.ends_at) for s in event.sessions] == [
        ("Samedi", SATURDAY_10, SATURDAY_10 + timedelta(hours=2)),
        ("Dimanche", SUNDAY_18 - timedelta(hours=2), SUNDAY_18)]


def test_displays_show_both_days(organizer_client, client, now):
    event = create_weekend(organizer_client)
    add_session(organizer_client, event, label="Dimanche",
                **{"starts_at-date": "2026-05-17", "starts_at-time": "14:00",
                   "ends_at-time": "16:00"})
    events.change_status(the_event(), "publish", now=now)
    page = client.get(f"/events/{event.slug}/?lang=en").get_data(as_text=True)
    assert "Saturday, May 16, 2026" in page and "Sunday, May 17, 2026" in page
    manage = organizer_client.get(f"/manage/events/{event.slug}/?lang=en").get_data(as_text=True)
    assert re.search(r"<h3>May 17, 2026, 2:00\W+4:00\WPM · Dimanche", manage)  # its day


def test_duplicate_keeps_the_weekend(organizer_client):
    event = create_weekend(organizer_client)
    add_session(organizer_client, event, label="Dimanche",
                **{"starts_at-date": "2026-05-17", "starts_at-time": "16:00",
                   "ends_at-time": "18:00"})
    response = organizer_client.post_form(
        f"/manage/events/{event.slug}/duplicate",
        {"starts_at-date": "2026-06-13", "starts_at-time": "10:00"})
    assert response.status_code == 302
    copy = db.session.scalar(select(Event).where(Event.id != event.id))
    assert (copy.starts_at, copy.ends_at) == (SATURDAY_10 + timedelta(days=28),
                                              SUNDAY_18 + timedelta(days=28))
    assert copy.sessions[0].starts_at == SUNDAY_18 + timedelta(days=28, hours=-2)


def test_moving_the_weekend_moves_its_sessions(organizer_client, now):
    event = create_weekend(organizer_client)
    add_session(organizer_client, event, label="Dimanche",
                **{"starts_at-date": "2026-05-17", "starts_at-time": "16:00",
                   "ends_at-time": "18:00"})
    events.change_status(the_event(), "publish", now=now)
    moved = dict(WEEKEND, **{"starts_at-date": "2026-05-23", "ends_at-date": "2026-05-24"})
    del moved["slug"]
    # Without the box, the sessions would fall outside: refused, and said so.
    response = organizer_client.post_form(f"/manage/events/{event.slug}/?lang=en", moved)
    assert response.status_code == 400
    assert the_event().starts_at == SATURDAY_10
    response = organizer_client.post_form(f"/manage/events/{event.slug}/",
                                          dict(moved, move_program="y"))
    assert response.status_code == 302
    event = the_event()
    assert event.starts_at == SATURDAY_10 + timedelta(days=7)
    (session,) = event.sessions
    assert session.starts_at == SUNDAY_18 + timedelta(days=7, hours=-2)
    assert session.moved_from == SUNDAY_18 - timedelta(hours=2)  # ticket holders are told
