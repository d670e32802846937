"""The directory of upcoming events and the organizations' pages."""

from datetime import timedelta


def test_index_filters_by_city_and_kind(client, make_event, make_org):
    rennes = make_org(slug="rennes", name="Bibliothèque de Rennes", city="Rennes")
    brest = make_org(slug="brest", name="Médiathèque de Brest", city="Brest")
    make_event(rennes, slug="r-party", title="Fête Rennes")
    make_event(rennes, slug="r-cafe", title="Café Rennes", kind="cafe_vie_privee")
    make_event(brest, slug="b-party", title="Fête Brest")

    page = client.get("/").get_data(as_text=True)
    assert all(t in page for t in ("Fête Rennes", "Café Rennes", "Fête Brest"))
    assert '<option value="Brest">' in page and '<option value="Rennes">' in page

    page = client.get("/?city=Rennes").get_data(as_text=True)
    assert "Fête Rennes" in page and "Café Rennes" in page and "Fête Brest" not in page
    assert '<option value="Rennes" selected>' in page

    page = client.get("/?city=Rennes&kind=cafe_vie_privee").get_data(as_text=True)
    assert "Café Rennes" in page and "Fête Rennes" not in page

    page = client.get("/?kind=cryptoparty&lang=en").get_data(as_text=True)
    assert "Fête Rennes" in page and "Fête Brest" in page and "Café Rennes" not in page
    assert 'name="lang" value="en"' in page  # the choice of language survives the filter


def test_unknown_filter_values_are_ignored(client, make_event):
    make_event()
    response = client.get("/?city=Atlantis&kind=rave")
    assert response.status_code == 200
    assert "CryptoParty" in response.get_data(as_text=True)


def test_no_match_says_so(client, make_event, make_org):
    make_event(make_org(city="Rennes"))
    page = client.get("/?kind=conference&lang=en").get_data(as_text=True)
    assert "No upcoming event matches these filters." in page


def test_organization_page_shows_events_fingerprint_and_feeds(client, make_event, make_org, now):
    from cryptoparty.core.extensions import db

    org = make_org(city="Rennes")
    org.key_fingerprint = "0123456789ABCDEF0123456789ABCDEF01234567"
    db.session.commit()
    make_event(org, slug="next", title="La prochaine")
    make_event(org, slug="old", title="L'ancienne", starts_in=timedelta(days=-30),
               registration_opens_at=now - timedelta(days=40))
    make_event(org, slug="draft", title="Le brouillon", status="draft")
    response = client.get("/orgs/bib/?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "La prochaine" in page and "L&#39;ancienne" in page and "Le brouillon" not in page
    assert page.index("La prochaine") < page.index("Past events")
    assert "0123 4567 89AB CDEF 0123  4567" not in page
    assert "0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123 4567" in page
    assert 'href="/orgs/bib/events.ics"' in page and 'href="/orgs/bib/feed.atom"' in page
    assert "<script" not in page


def test_organization_without_key_says_so(client, make_org):
    make_org()
    page = client.get("/orgs/bib/?lang=en").get_data(as_text=True)
    assert "has not published a signing key yet" in page


def test_unknown_organization_is_404(client):
    assert client.get("/orgs/nope/").status_code == 404


def test_directory_pages_link_to_each_other_without_script(client, make_event, make_org,
                                                           monkeypatch):
    from cryptoparty.core import pagination

    monkeypatch.setattr(pagination, "PER_PAGE", 2)
    rennes = make_org(slug="rennes", name="Bibliothèque de Rennes", city="Rennes")
    for day in (3, 1, 2):
        make_event(rennes, slug=f"e{day}", title=f"Soirée du jour {day}",
                   starts_in=timedelta(days=day))
    page = client.get("/?city=Rennes&lang=en").get_data(as_text=True)
    assert "Soirée du jour 1" in page and "Soirée du jour 2" in page
    assert "Soirée du jour 3" not in page
    assert 'rel="next" href="/?city=Rennes&amp;lang=en&amp;page=2#upcoming"' in page
    assert 'rel="prev"' not in page and "Page 1" in page and "<script" not in page

    second = client.get("/?city=Rennes&lang=en&page=2").get_data(as_text=True)
    assert "Soirée du jour 3" in second and "Soirée du jour 1" not in second
    assert 'rel="prev" href="/?city=Rennes&amp;lang=en#upcoming"' in second
    assert 'rel="next"' not in second

    french = client.get("/?city=Rennes&page=2&lang=fr").get_data(as_text=True)
    assert "Page précédente" in french and "Page 2" in french

    beyond = client.get("/?page=9&lang=en")
    assert beyond.status_code == 200
    assert "No upcoming event on this page." in beyond.get_data(as_text=True)
    assert client.get("/?page=x").status_code == 200  # not a number: page 1


def test_organization_page_pages_its_past_events(client, make_event, make_org, now,
                                                 monkeypatch):
    from cryptoparty.core import pagination

    monkeypatch.setattr(pagination, "PER_PAGE", 2)
    org = make_org(city="Rennes")
    for days in (30, 20, 10):
        make_event(org, slug=f"old-{days}", title=f"Il y a {days} jours",
                   starts_in=timedelta(days=-days),
                   registration_opens_at=now - timedelta(days=days + 10))
    page = client.get("/orgs/bib/?lang=en").get_data(as_text=True)
    assert "Il y a 10 jours" in page and "Il y a 20 jours" in page
    assert "Il y a 30 jours" not in page
    assert 'rel="next" href="/orgs/bib/?lang=en&amp;page=2#past-head"' in page
    second = client.get("/orgs/bib/?lang=en&page=2").get_data(as_text=True)
    assert "Il y a 30 jours" in second and "Il y a 10 jours" not in second
    assert 'rel="prev" href="/orgs/bib/?lang=en#past-head"' in second


def test_directory_cities_are_kept_a_minute_per_worker(app, client, make_event, make_org, now):
    make_event(make_org(slug="rennes", name="Rennes", city="Rennes"), slug="r")
    assert '<option value="Rennes">' in client.get("/").get_data(as_text=True)
    make_event(make_org(slug="brest", name="Brest", city="Brest"), slug="b",
               title="Soirée à Brest")
    page = client.get("/").get_data(as_text=True)
    assert "Soirée à Brest" in page  # the event itself is listed at once...
    assert '<option value="Brest">' not in page  # ...its city joins the filter later
    app.config["FIXED_NOW"] = now + timedelta(seconds=61)
    assert '<option value="Brest">' in client.get("/").get_data(as_text=True)
    app.config["DIRECTORY_CITIES_SECONDS"] = 0  # no cache: always read
    make_event(make_org(slug="caen", name="Caen", city="Caen"), slug="c")
    assert '<option value="Caen">' in client.get("/").get_data(as_text=True)
