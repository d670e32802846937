"""Series: one event per date of an RRULE, each edited or cancelled on its own."""

from datetime import datetime, timedelta

import feedparser
import pytest

from cryptoparty.core.errors import DomainError
from cryptoparty.events import series as series_service
from cryptoparty.events import services as events

extruct = pytest.importorskip("extruct", reason="extruct is in the test extra")

FIRST = datetime(2026, 3, 7, 10, 30)  # a Saturday, local time in Paris


def make_series(org, now, rule="FREQ=WEEKLY;COUNT=10", publish=True):
    return series_service.create_series(
        org, rule=rule, first_start=FIRST, duration=timedelta(hours=1, minutes=30), now=now,
        publish=publish, kind="cafe_vie_privee", title="Café vie privée", venue="Médiathèque",
        description="Un café pour parler de vie privée.")


def jsonld(client, url, kind):
    page = client.get(url)
    assert page.status_code == 200
    data = extruct.extract(page.get_data(as_text=True), base_url="http://localhost" + url,
                           syntaxes=["json-ld"], uniform=True)["json-ld"]
    return [d for d in data if d.get("@type") == kind]


def test_first_saturdays_until_june_keep_local_time(make_org, now):
    series = make_series(make_org(), now, "FREQ=MONTHLY;BYDAY=1SA;UNTIL=20260630")
    starts = [e.starts_at for e in series.events]
    # 7 March (winter, 09:30 UTC), then April, May, June (summer, 08:30 UTC).
    assert starts == [datetime(2026, 3, 7, 9, 30), datetime(2026, 4, 4, 8, 30),
                      datetime(2026, 5, 2, 8, 30), datetime(2026, 6, 6, 8, 30)]
    assert all(e.status == "published" and e.series_id == series.id for e in series.events)


@pytest.mark.parametrize("rule, message", [
    ("FREQ=DAILY", "more than 100"),
    ("FREQ=DAILY;COUNT=101", "more than 100"),
    ("FREQ=WEEKLY;UNTIL=20250101", "no date"),
    ("FREQ=SOMETIMES", "cannot be read"),
    ("", "cannot be read"),
    ("FREQ=DAILY;COUNT=2\nDTSTART:20990101T000000", "cannot be read"),
])
def test_refused_rules_say_why(app, make_org, now, rule, message):
    from flask_babel import force_locale
    from sqlalchemy import func, select

    from cryptoparty.core.extensions import db
    from cryptoparty.events.models import Event, EventSeries

    org = make_org()
    with pytest.raises(DomainError) as error:
        make_series(org, now, rule)
    assert error.value.status == 400
    with app.test_request_context(), force_locale("en"):
        assert message in error.value.describe()
    assert db.session.scalar(select(func.count(Event.id))) == 0
    assert db.session.scalar(select(func.count(EventSeries.id))) == 0


def test_ten_dates_one_cancelled_one_moved_feed_and_jsonld_agree(client, make_org, now):
    series = make_series(make_org(), now)
    dates = series.events
    assert len(dates) == 10
    events.change_status(dates[3], "cancel", now=now)
    moved = dates[5]
    events.update_event(moved, now=now, starts_at=moved.starts_at + timedelta(days=1),
                        ends_at=moved.ends_at + timedelta(days=1), schedule_status="rescheduled")
    (data,) = jsonld(client, f"/series/{series.slug}/", "EventSeries")
    subs = data["subEvent"]
    assert len(subs) == 10
    assert subs[3]["eventStatus"] == "https://schema.org/EventCancelled"
    assert subs[5]["eventStatus"] == "https://schema.org/EventRescheduled"
    assert subs[5]["startDate"] == "2026-04-12T10:30:00+02:00"  # Sunday instead of Saturday
    assert subs[0]["startDate"] == "2026-03-07T10:30:00+01:00"
    feed = feedparser.parse(client.get(f"/series/{series.slug}/feed.atom?lang=en").get_data())
    assert feed.bozo == 0
    by_url = {e.link: e for e in feed.entries}
    assert set(by_url) == {s["url"] for s in subs}
    assert "Cancelled" in by_url[subs[3]["url"]].summary
    assert "April 12, 2026" in by_url[subs[5]["url"]].summary
    # Each date's page points to its series.
    (event,) = jsonld(client, f"/events/{dates[0].slug}/", "Event")
    assert event["superEvent"]["@type"] == "EventSeries"


def test_back_office_creates_a_series(organizer_client):
    data = {"kind": "cafe_vie_privee", "title": "Café", "description": "", "venue": "Salle",
            "address": "", "starts_at": "2026-03-07T10:30", "ends_at": "2026-03-07T12:00",
            "rrule": "FREQ=MONTHLY;BYDAY=1SA;COUNT=3", "publish": "y"}
    response = organizer_client.post_form(
        f"/manage/orgs/{organizer_client.organization.slug}/series/new", data)
    assert response.status_code == 302
    assert organizer_client.get("/series/cafe/").status_code == 200
    response = organizer_client.post_form(
        f"/manage/orgs/{organizer_client.organization.slug}/series/new",
        dict(data, rrule="FREQ=DAILY", title="Autre"))
    assert response.status_code == 400
    assert "100" in response.get_data(as_text=True)


# The template program ------------------------------------------------------------

def _local_program(event):
    from cryptoparty.core.i18n import to_local_naive

    return [(s.label, to_local_naive(s.starts_at, event.timezone).time(),
             to_local_naive(s.ends_at, event.timezone).time(),
             [(w.slug, w.title, w.capacity, w.seats_taken) for w in s.workshops])
            for s in event.sessions]


def make_template(make_event, org):
    # 11 March, 13:00 to 17:00 in Paris: two sessions of two workshops.
    return make_event(organization=org, slug="modele", status="draft")


def test_each_date_gets_the_template_program_at_the_same_local_times(make_org, make_event,
                                                                         now):
    org = make_org()
    template = make_template(make_event, org)
    series = series_service.create_series(
        org, rule="FREQ=WEEKLY;COUNT=6", first_start=datetime(2026, 3, 14, 13, 0),
        duration=timedelta(hours=4), now=now, template=template, publish=True,
        kind="cryptoparty", title="CryptoParty du samedi", venue="Médiathèque")
    expected = _local_program(template)
    assert len(expected) == 2 and expected[0][3][0][3] == 0
    # Six Saturdays, across the change to summer time on 29 March: still 13:00 and 15:00.
    assert [_local_program(e) for e in series.events] == [expected] * 6
    assert len({s.id for e in series.events for s in e.sessions}) == 12
    assert template.sessions and template.series_id is None  # the template is not touched


def test_dates_are_then_edited_moved_and_cancelled_one_by_one(make_org, make_event, now):
    org = make_org()
    series = series_service.create_series(
        org, rule="FREQ=WEEKLY;COUNT=4", first_start=datetime(2026, 3, 14, 13, 0),
        duration=timedelta(hours=4), now=now, template=make_template(make_event, org),
        publish=True, kind="cryptoparty", title="Samedi", venue="Médiathèque")
    first, second, third, fourth = series.events
    untouched = _local_program(fourth)
    events.update_workshop(second.workshops[0], now=now, title="Tor, encore", capacity=5)
    events.change_status(third, "cancel", now=now)
    events.update_event(first, now=now, move_program=True,
                        starts_at=first.starts_at + timedelta(days=1),
                        ends_at=first.ends_at + timedelta(days=1))
    assert second.workshops[0].title == "Tor, encore"
    assert [w.title for w in first.workshops] == [w.title for w in fourth.workshops]
    assert first.workshops[0].title == "Tor Browser"
    assert first.sessions[0].starts_at == datetime(2026, 3, 15, 12, 0)  # Sunday, 13:00 local
    assert (second.status, third.status, fourth.status) == ("published", "cancelled",
                                                            "published")
    assert _local_program(fourth) == untouched


def test_a_program_longer_than_the_dates_is_refused(make_org, make_event, now):
    from sqlalchemy import func, select

    from cryptoparty.core.extensions import db
    from cryptoparty.events.models import EventSeries

    org = make_org()
    template = make_template(make_event, org)
    with pytest.raises(series_service.ProgramDoesNotFit):
        series_service.create_series(
            org, rule="FREQ=WEEKLY;COUNT=3", first_start=datetime(2026, 3, 14, 13, 0),
            duration=timedelta(hours=2), now=now, template=template,
            kind="cryptoparty", title="Trop court", venue="Médiathèque")
    assert db.session.scalar(select(func.count(EventSeries.id))) == 0


def test_first_date_program_copied_to_the_dates_without_one(make_org, now):
    series = make_series(make_org(), now, rule="FREQ=WEEKLY;COUNT=4")
    first, second, third, fourth = series.events
    with pytest.raises(series_service.NoProgramToCopy):
        series_service.copy_program_to_series(first, now=now)
    session = events.add_session(first, label="Café", starts_at=first.starts_at,
                                 ends_at=first.ends_at, now=now)
    events.add_workshop(session, now=now, title="Signal", capacity=12)
    events.add_session(second, label="Déjà prévu", starts_at=second.starts_at,
                       ends_at=second.ends_at, now=now)
    events.change_status(third, "cancel", now=now)
    assert series_service.copy_program_to_series(first, now=now) == 1
    assert [s.label for s in second.sessions] == ["Déjà prévu"]  # already planned: kept
    assert third.sessions == []  # cancelled: left alone
    assert _local_program(fourth) == _local_program(first)


def test_back_office_series_with_a_template_then_copy_from_a_date(organizer_client, make_event):
    from cryptoparty.core.extensions import db
    from cryptoparty.events.models import EventSeries

    org = organizer_client.organization
    make_template(make_event, org)
    data = {"kind": "cryptoparty", "title": "Samedis", "description": "", "venue": "Salle",
            "address": "", "starts_at-date": "2026-03-14", "starts_at-time": "13:00",
            "ends_at-date": "", "ends_at-time": "17:00",
            "rrule": "FREQ=WEEKLY;COUNT=3", "template": "modele"}
    page = organizer_client.get(f"/manage/orgs/{org.slug}/series/new").get_data(as_text=True)
    assert '<option value="modele">' in page
    response = organizer_client.post_form(f"/manage/orgs/{org.slug}/series/new", data)
    assert response.status_code == 302
    series = db.session.query(EventSeries).one()
    assert [len(e.sessions) for e in series.events] == [2, 2, 2]
    # Too short for the program: said next to the choice, nothing made.
    response = organizer_client.post_form(f"/manage/orgs/{org.slug}/series/new?lang=en",
                                          dict(data, title="Court", **{"ends_at-time": "14:00"}))
    assert response.status_code == 400
    assert "does not fit in the dates" in response.get_data(as_text=True)
    # A series without a program: the first date's program goes to the others.
    response = organizer_client.post_form(f"/manage/orgs/{org.slug}/series/new",
                                          dict(data, title="Vides", template=""))
    empty = db.session.query(EventSeries).filter_by(title="Vides").one()
    first = empty.events[0]
    events.add_session(first, label="Café", starts_at=first.starts_at, ends_at=first.ends_at,
                       now=first.created_at)
    page = organizer_client.get(f"/manage/events/{first.slug}/?lang=en").get_data(as_text=True)
    assert "Copy this program to the other dates" in page
    response = organizer_client.post_form(f"/manage/events/{first.slug}/copy-program?lang=en",
                                          {})
    assert response.status_code == 302
    db.session.expire_all()
    assert [len(e.sessions) for e in empty.events] == [1, 1, 1]
