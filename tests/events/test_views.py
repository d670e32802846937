"""The public pages: the list of upcoming events and an event's program."""

from datetime import timedelta

import pytest


def test_index_lists_published_upcoming_events_only(client, make_event, make_org):
    org = make_org()
    make_event(org, slug="open", title="Soirée publiée")
    make_event(org, slug="brouillon", title="Soirée brouillon", status="draft")
    make_event(org, slug="annulee", title="Soirée annulée", status="cancelled")
    page = client.get("/").get_data(as_text=True)
    assert "Soirée publiée" in page
    assert "Soirée brouillon" not in page
    assert "Soirée annulée" not in page


def test_past_events_are_not_listed(client, make_event, now):
    from datetime import timedelta
    make_event(slug="old", title="Ancienne soirée", starts_in=timedelta(days=-2),
               registration_opens_at=now - timedelta(days=9))
    assert "Ancienne soirée" not in client.get("/").get_data(as_text=True)


def test_event_page_shows_program_grouped_by_session(client, make_event):
    make_event()
    response = client.get("/events/cryptoparty/")
    # The program as people read it (the head's JSON-LD names the workshops too).
    page = response.get_data(as_text=True).split("<main", 1)[1]
    assert response.status_code == 200
    assert page.index("Session 1") < page.index("Tor Browser") < page.index("Session 2") \
        < page.index("Signal")
    assert "8 places restantes" in page  # tails, in French by default


def test_draft_event_page_is_404(client, make_event):
    make_event(status="draft")
    assert client.get("/events/cryptoparty/").status_code == 404


def test_cancelled_event_page_says_so(client, make_event):
    make_event(status="cancelled")
    response = client.get("/events/cryptoparty/?lang=en")
    assert response.status_code == 200
    assert "This event is cancelled." in response.get_data(as_text=True)


def test_archived_event_page_shows_the_figures_that_remain(client, make_event, now):
    from cryptoparty.events import services as events
    from cryptoparty.registration import services as registration

    event = make_event(starts_in=-timedelta(days=2))
    registration.register(event, [event.workshops[0].id], 3,
                          now=now - timedelta(days=2, hours=12))
    events.change_status(event, "archive", now=now)
    response = client.get("/events/cryptoparty/?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "only these figures remain" in page
    assert "<dt>Registered</dt><dd>3</dd>" in page


def test_unknown_event_is_404_in_site_style(client):
    response = client.get("/events/nope/?lang=en")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "This page does not exist" in page
    assert 'class="site-header"' in page


@pytest.mark.parametrize("lang, expected", [("fr", "Programme"), ("en", "Program")])
def test_both_languages_render(client, make_event, lang, expected):
    make_event()
    page = client.get(f"/events/cryptoparty/?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert expected in page


def test_accept_language_selects_english(client, make_event):
    make_event()
    page = client.get("/events/cryptoparty/",
                      headers={"Accept-Language": "en-US,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_lang_choice_is_carried_by_links_not_cookies(client, make_event):
    make_event()
    response = client.get("/?lang=en")
    page = response.get_data(as_text=True)
    assert 'href="/events/cryptoparty/?lang=en"' in page
    assert "Set-Cookie" not in response.headers


def test_dates_are_in_the_locale_format(client, make_event):
    make_event()  # 2026-03-11 12:00 UTC = 13:00 in Paris
    fr = client.get("/events/cryptoparty/?lang=fr").get_data(as_text=True)
    en = client.get("/events/cryptoparty/?lang=en").get_data(as_text=True)
    assert "mercredi 11 mars 2026" in fr and "13:00" in fr
    assert "Wednesday, March 11, 2026" in en and "1:00" in en


def test_public_pages_load_nothing_from_another_origin(client, make_event):
    make_event()
    for url in ("/", "/events/cryptoparty/", "/privacy", "/login"):
        page = client.get(url).get_data(as_text=True)
        # Only data blocks (schema.org JSON-LD), which browsers never run.
        assert page.count("<script") == page.count('<script type="application/ld+json">')
        assert 'src="http' not in page and "href=\"http" not in page.replace(
            'href="http://localhost', "")
