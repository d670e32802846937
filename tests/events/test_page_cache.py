"""The rendered-page cache of an event's program (events/page_cache.py, issue 19)."""

from datetime import timedelta

from sqlalchemy import update

from cryptoparty.core.extensions import db


def _page(client, url="/events/cryptoparty/?lang=en", **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200
    return response


def _entries(app):
    return len(app.extensions["page_cache"]._entries)


def _seats_line(page, slug):
    block = page[page.index(f'id="{slug}"'):]
    return block[block.index('<p><span class="seats'):block.index("</p>")]


def test_the_second_visit_is_served_from_the_cache(app, client, make_event):
    from cryptoparty.events.models import Event

    event = make_event()
    first = _page(client).get_data(as_text=True)
    assert _entries(app) == 1
    # A change the cache does not watch (a raw UPDATE, no version bump) proves the hit.
    db.session.execute(update(Event.__table__).where(Event.__table__.c.id == event.id)
                       .values(title="Changed behind the cache's back"))
    db.session.commit()
    second = _page(client).get_data(as_text=True)
    assert second == first and "Changed behind" not in second


def test_an_edit_through_the_services_shows_at_once(client, make_event, now):
    from cryptoparty.events import services as events

    event = make_event()
    assert "Nouvelle soirée" not in _page(client).get_data(as_text=True)
    events.update_event(event, now=now, title="Nouvelle soirée")
    assert "Nouvelle soirée" in _page(client).get_data(as_text=True)
    workshop = next(w for w in event.workshops if w.slug == "tails")
    events.update_workshop(workshop, now=now, title="Tails, la clé USB")
    assert "Tails, la clé USB" in _page(client).get_data(as_text=True)


def test_a_registration_changes_the_seat_count_on_the_cached_page_at_once(app, client,
                                                                          make_event):
    event = make_event()
    tails = next(w for w in event.workshops if w.slug == "tails")
    assert "8 seats left" in _seats_line(_page(client).get_data(as_text=True), "tails")
    assert "8 seats left" in _seats_line(_page(client).get_data(as_text=True), "tails")
    # Through the JSON API, by another visitor: the guarded UPDATE of seats_taken only.
    response = app.test_client().post(f"/api/v1/events/{event.slug}/tickets",
                                      json={"workshops": [tails.id], "party": 3})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert "5 seats left" in _seats_line(_page(client).get_data(as_text=True), "tails")


def test_each_language_has_its_own_page(client, make_event):
    make_event()
    for _ in range(2):
        assert "Program" in _page(client, "/events/cryptoparty/?lang=en").get_data(as_text=True)
        french = _page(client, "/events/cryptoparty/?lang=fr").get_data(as_text=True)
        assert "Programme" in french and '<html lang="fr">' in french
        by_header = _page(client, "/events/cryptoparty/",
                          headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert '<html lang="en">' in by_header
        assert 'href="/events/cryptoparty/register"' in by_header  # links carry no ?lang=


def test_repeat_visits_get_304_and_no_cookie_is_set(client, make_event):
    make_event()
    first = _page(client)
    etag = first.headers["ETag"]
    assert "Set-Cookie" not in first.headers
    again = client.get("/events/cryptoparty/?lang=en", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data()
    assert "Set-Cookie" not in again.headers
    assert _page(client).headers["ETag"] == etag


def test_visitors_with_a_session_are_not_served_the_cache(app, organizer_client, make_event):
    make_event(organization=organizer_client.organization)
    page = _page(organizer_client).get_data(as_text=True)
    assert "Log out" in page
    assert _entries(app) == 0


def test_the_page_changes_when_registration_closes(app, client, make_event, now):
    make_event(registration_closes_at=now + timedelta(hours=1))
    assert 'href="/events/cryptoparty/register?lang=en"' in _page(client).get_data(as_text=True)
    app.config["FIXED_NOW"] = now + timedelta(hours=2)
    page = _page(client).get_data(as_text=True)
    assert "Registration is closed." in page and "/register?" not in page


def test_other_query_strings_and_archived_events_are_not_cached(app, client, make_event):
    make_event()
    _page(client, "/events/cryptoparty/?lang=en&utm_source=mastodon")
    assert _entries(app) == 0
    app.config["PAGE_CACHE"] = False
    _page(client)
    assert _entries(app) == 0


def test_deleting_a_workshop_loaded_in_an_earlier_transaction_shows_at_once(client, make_event,
                                                                           now):
    from cryptoparty.events import services as events

    event = make_event()
    assert "KeePassXC" in _page(client).get_data(as_text=True)
    db.session.commit()  # every attribute expired, as in a view that read before writing
    workshop = next(w for w in event.workshops if w.title == "KeePassXC")
    db.session.commit()
    events.delete_workshop(workshop, now=now)
    assert "KeePassXC" not in _page(client).get_data(as_text=True)
