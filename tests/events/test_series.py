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
