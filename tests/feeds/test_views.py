"""iCalendar and Atom feeds, and the Mastodon share page."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import feedparser
import icalendar
import pytest
import vobject

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def event(make_event):
    # Starts 2026-03-11 12:00 UTC = 13:00 in Paris; two sessions of two hours.
    return make_event(address="1 rue de la Paix, Rennes")


def test_event_calendar_round_trips_with_its_time_zone(client, event):
    response = client.get("/events/cryptoparty.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    body = response.get_data()
    cal = icalendar.Calendar.from_ical(body)
    assert cal.to_ical() == body  # round trip
    vevents = cal.walk("VEVENT")
    summaries = [str(v["SUMMARY"]) for v in vevents]
    assert summaries == ["CryptoParty — Session 1", "Tor Browser", "Tails",
                         "CryptoParty — Session 2", "Signal", "KeePassXC"]
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    tails = vevents[2]
    assert tails["DTSTART"].params["TZID"] == "Europe/Paris"
    assert tails["DTSTART"].dt == datetime(2026, 3, 11, 13, 0, tzinfo=PARIS)
    assert tails["DTEND"].dt.astimezone(timezone.utc) == datetime(2026, 3, 11, 14, 0,
                                                                  tzinfo=timezone.utc)
    assert str(tails["URL"]) == "http://localhost/events/cryptoparty/#tails"
    assert len({str(v["UID"]) for v in vevents}) == 6


def test_event_calendar_parses_in_a_second_parser(client, event):
    body = client.get("/events/cryptoparty.ics").get_data(as_text=True)
    cal = vobject.readOne(body)
    starts = [v.dtstart.value for v in cal.vevent_list]
    assert starts[0] == datetime(2026, 3, 11, 12, 0, tzinfo=timezone.utc)
    assert all(s.utcoffset() == timedelta(hours=1) for s in starts)  # CET in March
    assert cal.vevent_list[1].location.value.startswith("Bibliothèque")


def test_summer_time_is_carried_by_the_zone(client, make_event, now):
    make_event(slug="summer", starts_in=timedelta(days=120))  # late June: CEST
    cal = icalendar.Calendar.from_ical(client.get("/events/summer.ics").get_data())
    start = cal.walk("VEVENT")[0]["DTSTART"].dt
    assert start.utcoffset() == timedelta(hours=2)
    assert start.astimezone(timezone.utc).replace(tzinfo=None) == now + timedelta(days=120)


def test_cancelled_event_stays_in_calendars_as_cancelled(client, make_event):
    make_event(status="cancelled")
    cal = icalendar.Calendar.from_ical(client.get("/events/cryptoparty.ics").get_data())
    assert {str(v["STATUS"]) for v in cal.walk("VEVENT")} == {"CANCELLED"}


def test_draft_has_no_calendar(client, make_event):
    make_event(status="draft")
    assert client.get("/events/cryptoparty.ics").status_code == 404


def test_organization_calendar_has_one_entry_per_public_event(client, make_event, make_org):
    org = make_org()
    make_event(org, slug="one", title="Première")
    make_event(org, slug="two", title="Seconde", starts_in=timedelta(days=20))
    make_event(org, slug="draft", title="Brouillon", status="draft")
    body = client.get("/orgs/bib/events.ics").get_data()
    cal = icalendar.Calendar.from_ical(body)
    assert [str(v["SUMMARY"]) for v in cal.walk("VEVENT")] == ["Première", "Seconde"]
    assert [v.summary.value for v in vobject.readOne(body.decode()).vevent_list] == \
        ["Première", "Seconde"]
    assert client.get("/orgs/nope/events.ics").status_code == 404


def test_atom_feed_lists_upcoming_events_with_their_times(client, make_event, make_org, now):
    org = make_org()
    make_event(org, slug="soon", title="Bientôt")
    make_event(org, slug="later", title="Plus tard", starts_in=timedelta(days=30))
    make_event(org, slug="past", title="Passé", starts_in=timedelta(days=-3),
               registration_opens_at=now - timedelta(days=9))
    make_event(org, slug="draft", title="Brouillon", status="draft")
    response = client.get("/feed.atom?lang=en")
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert [e.title for e in feed.entries] == ["Bientôt", "Plus tard"]
    first = feed.entries[0]
    assert first.link == "http://localhost/events/soon/"
    assert first.updated.endswith("+00:00")
    assert "Wednesday, March 11, 2026" in first.summary and "1:00" in first.summary


def test_organization_atom_feed(client, make_event, make_org):
    make_event(make_org(), slug="ours", title="Chez nous")
    make_event(make_org(slug="other", name="Autre"), slug="theirs", title="Ailleurs")
    feed = feedparser.parse(client.get("/orgs/bib/feed.atom").get_data())
    assert not feed.bozo
    assert feed.feed.title == "Bibliothèque municipale"
    assert [e.title for e in feed.entries] == ["Chez nous"]


def test_pages_advertise_their_feeds(client, event):
    index = client.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in index
    page = client.get("/events/cryptoparty/").get_data(as_text=True)
    assert 'href="/events/cryptoparty.ics"' in page
    assert 'href="/events/cryptoparty/share"' in page


@pytest.mark.parametrize("typed", ["mastodon.social", "https://mastodon.social/",
                                   "@alice@mastodon.social", " Mastodon.Social "])
def test_share_redirects_to_the_chosen_instance(client, event, typed):
    response = client.get("/events/cryptoparty/share", query_string={"instance": typed})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("https://mastodon.social/share?text=CryptoParty")
    assert "http%3A%2F%2Flocalhost%2Fevents%2Fcryptoparty%2F" in location


@pytest.mark.parametrize("typed", ["", "localhost", "127.0.0.1", "evil.com/phish",
                                   "javascript:alert(1)", "a b.org", "x.org:8080"])
def test_share_refuses_what_is_not_an_instance(client, event, typed):
    response = client.get("/events/cryptoparty/share",
                          query_string={"instance": typed, "lang": "en"})
    assert response.status_code == 400
    assert "Type the address of your Mastodon instance" in response.get_data(as_text=True)


def test_share_page_has_no_script_and_allows_the_one_redirect(client, event):
    response = client.get("/events/cryptoparty/share")
    assert response.status_code == 200
    assert "<script" not in response.get_data(as_text=True)
    assert "form-action 'self' https:" in response.headers["Content-Security-Policy"]
