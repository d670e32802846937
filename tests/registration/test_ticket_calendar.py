"""Ticket calendars that stay true: cancellation, new times, promotion, reminders, khal."""

import shutil
import subprocess  # nosec B404: khal and calcurse, with fixed arguments
from datetime import timedelta, timezone

import feedparser
import pytest
from icalendar import Calendar

from cryptoparty.core.extensions import db
from cryptoparty.core.log_masking import mask_secrets
from cryptoparty.events import services as events
from cryptoparty.registration import services as registration
from tests.registration.test_views import register


def fetch(client, code, alarm=None, status=200):
    url = f"/tickets/{code}/ticket.ics" + (f"?alarm={alarm}" if alarm else "")
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    return response.get_data()


def entries(body):
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_calendar_is_the_ticket_with_rooms_and_local_times(client, make_event):
    event = make_event(program=[("Session 1", [dict(title="Tails", slug="tails", capacity=8,
                                                    room="Salle 2")])])
    code = register(client, event, ("tails",))
    (entry,) = entries(fetch(client, code))
    assert str(entry["status"]) == "CONFIRMED"
    assert str(entry["location"]).startswith("Salle 2")
    assert entry["dtstart"].params["TZID"] == "Europe/Paris"
    assert not entry.walk("VALARM")


@pytest.mark.parametrize("alarm, trigger", [("day", timedelta(days=-1)),
                                            ("2h", timedelta(hours=-2)),
                                            ("none", None), ("tomorrow-ish", None)])
def test_chosen_reminder(client, make_event, alarm, trigger):
    event = make_event()
    code = register(client, event, ("tails",))
    (entry,) = entries(fetch(client, code, alarm))
    alarms = entry.walk("VALARM")
    if trigger is None:
        assert alarms == []
    else:
        assert [a.decoded("trigger") for a in alarms] == [trigger]


def test_event_cancelled_then_fetched_again(client, make_event, now):
    event = make_event()
    code = register(client, event, ("tails", "signal"))
    assert {str(e["status"]) for e in entries(fetch(client, code, "day"))} == {"CONFIRMED"}
    events.change_status(event, "cancel", now=now)
    again = entries(fetch(client, code, "day"))
    assert len(again) == 2
    assert {str(e["status"]) for e in again} == {"CANCELLED"}
    assert all(e.walk("VALARM") == [] for e in again)
    page = client.get(f"/tickets/{code}?lang=en").get_data(as_text=True)
    assert "This event is cancelled." in page
    feed = feedparser.parse(client.get(f"/tickets/{code}/feed.atom?lang=en").get_data())
    assert [e.title for e in feed.entries] == ["The event is cancelled: it will not take place."]


def test_waitlisted_choice_is_promoted(client, make_event, now):
    event = make_event(max_party=8)
    first = register(client, event, ("tails",), party=8)
    waiting = register(client, event, ("tails",))
    (entry,) = entries(fetch(client, waiting))
    assert str(entry["status"]) == "TENTATIVE"
    registration.cancel(registration.get_ticket_by_code(first), now=now)
    (entry,) = entries(fetch(client, waiting))
    assert str(entry["status"]) == "CONFIRMED"
    assert "(waiting list)" not in str(entry["summary"])


def test_new_time_after_a_change(client, make_event, now):
    event = make_event()
    code = register(client, event, ("tails",))
    session = event.sessions[0]
    later = session.starts_at + timedelta(minutes=30)
    events.update_session(session, label=session.label, starts_at=later,
                          ends_at=session.ends_at, now=now)
    (entry,) = entries(fetch(client, code))
    assert entry.decoded("dtstart") == later.replace(tzinfo=timezone.utc)
    page = client.get(f"/tickets/{code}?lang=en").get_data(as_text=True)
    assert "New time for “Tails”" in page
    feed = feedparser.parse(client.get(f"/tickets/{code}/feed.atom?lang=en").get_data())
    assert any("New time for “Tails”" in e.title for e in feed.entries)


def test_cancelled_ticket_is_gone_then_not_found(client, make_event, now):
    event = make_event()
    code = register(client, event, ("tails", "signal"))
    registration.cancel(registration.get_ticket_by_code(code), now=now)
    cancelled = entries(fetch(client, code, status=410))
    assert len(cancelled) == len(event.sessions)
    assert {str(e["status"]) for e in cancelled} == {"CANCELLED"}
    assert client.get(f"/tickets/{code}/feed.atom").status_code == 410
    db.session.delete(registration.get_ticket_by_code(code))  # what the purge does
    db.session.commit()
    assert client.get(f"/tickets/{code}/ticket.ics").status_code == 404


def test_ticket_page_offers_the_subscription(client, make_event):
    event = make_event()
    code = register(client, event, ("tails",))
    page = client.get(f"/tickets/{code}?alarm=2h&lang=en").get_data(as_text=True)
    assert f'href="webcal://localhost/tickets/{code}/ticket.ics?alarm=2h' in page
    assert f"http://localhost/tickets/{code}/ticket.ics?alarm=2h" in page
    assert f'href="/tickets/{code}/feed.atom' in page
    assert "Set-Cookie" not in client.get(f"/tickets/{code}/ticket.ics").headers


def test_feed_tells_the_waitlist_position(client, make_event):
    event = make_event(max_party=8)
    register(client, event, ("tails",), party=8)
    code = register(client, event, ("tails",))
    feed = feedparser.parse(client.get(f"/tickets/{code}/feed.atom?lang=en").get_data())
    assert feed.bozo == 0
    assert [e.title for e in feed.entries] == [
        "“Tails”: you are number 1 on the waiting list."]


def test_calendar_and_feed_urls_are_masked_in_logs():
    for path in ("/tickets/ABCD-EFGH-JKMN-PQRS/ticket.ics?alarm=day",
                 "/tickets/ABCD-EFGH-JKMN-PQRS/feed.atom"):
        assert "ABCD" not in mask_secrets(f'"GET {path} HTTP/1.1" 200')


# Real calendar programs (Debian packages) --------------------------------------

KHAL_CONFIG = """[calendars]
[[tickets]]
path = {path}
type = calendar
[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
[default]
default_calendar = tickets
"""


def _khal(tmp_path):
    if shutil.which("khal") is None:
        pytest.skip("khal is not installed (Debian package khal)")
    (tmp_path / "cal").mkdir(exist_ok=True)
    config = tmp_path / "khal.conf"
    config.write_text(KHAL_CONFIG.format(path=tmp_path / "cal"))

    def run(*args):
        return subprocess.run(["khal", "-c", str(config), *args], check=True,  # nosec B603
                              capture_output=True, text=True, timeout=60).stdout
    return run


def _khal_import(khal, tmp_path, body):
    path = tmp_path / "ticket.ics"
    path.write_bytes(body)
    khal("import", "--batch", "-a", "tickets", str(path))
    return khal("list", "--format", "{status}{title} {alarm-symbol}", "2026-03-10", "5d")


def test_khal_follows_the_ticket(client, make_event, now, tmp_path):
    khal = _khal(tmp_path)
    event = make_event(max_party=8)
    first = register(client, event, ("tails",), party=8)
    code = register(client, event, ("tails", "signal"))
    listing = _khal_import(khal, tmp_path, fetch(client, code, "day"))
    assert "TENTATIVE Tails — CryptoParty" in listing
    assert "Signal — CryptoParty" in listing and "⏰" in listing
    registration.cancel(registration.get_ticket_by_code(first), now=now)
    listing = _khal_import(khal, tmp_path, fetch(client, code, "day"))
    assert "TENTATIVE" not in listing and "Tails — CryptoParty" in listing
    events.change_status(event, "cancel", now=now)
    listing = _khal_import(khal, tmp_path, fetch(client, code, "day"))
    assert listing.count("CANCELLED") == 2


def test_calcurse_imports_the_ticket(client, make_event, tmp_path):
    if shutil.which("calcurse") is None:
        pytest.skip("calcurse is not installed (Debian package calcurse)")
    event = make_event()
    code = register(client, event, ("tails", "signal"))
    path = tmp_path / "ticket.ics"
    path.write_bytes(fetch(client, code, "2h"))
    home = tmp_path / "calcurse"
    home.mkdir()
    report = subprocess.run(["calcurse", "-D", str(home), "-i", str(path)],  # nosec B603
                            check=True, capture_output=True, text=True, timeout=60).stdout
    assert "2 apps" in report and "0 skipped" in report
    stored = (home / "apts").read_text()
    # "!" marks an appointment with a reminder (our VALARM).
    assert stored.count("!Tails — CryptoParty") == 1 and "!Signal — CryptoParty" in stored
