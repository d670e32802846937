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
