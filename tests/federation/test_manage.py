"""The back-office panel: the switch and the figures, for the organization's organizers only."""

from cryptoparty.federation import services


def test_an_organizer_turns_federation_on_and_off(organizer_client, client):
    org = organizer_client.organization
    page = organizer_client.get("/manage/orgs/bib/federation?lang=en")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "@bib@localhost" in text and "Turn federation on" in text
    assert organizer_client.get("/ap/orgs/bib").status_code == 404

    token = organizer_client.csrf_token()
    response = organizer_client.post("/manage/orgs/bib/federation",
                                     data={"enabled": "1", "csrf_token": token})
    assert response.status_code == 302
    assert services.get_actor(org).federation_enabled
    assert organizer_client.get("/ap/orgs/bib").status_code == 200
    text = organizer_client.get("/manage/orgs/bib/federation?lang=en").get_data(as_text=True)
    assert "Turn federation off" in text and "Followers" in text

    organizer_client.post_form("/manage/orgs/bib/federation", {"enabled": "0"})
    assert organizer_client.get("/ap/orgs/bib").status_code == 404


def test_the_switch_needs_the_csrf_token(organizer_client):
    response = organizer_client.post("/manage/orgs/bib/federation", data={"enabled": "1"})
    assert response.status_code == 400
    assert services.get_actor(organizer_client.organization) is None


def test_only_the_organizations_organizers(organizer_client, make_org, client):
    make_org("other", "Other")
    assert organizer_client.get("/manage/orgs/other/federation").status_code == 404
    assert organizer_client.post_form("/manage/orgs/other/federation",
                                      {"enabled": "1"}).status_code == 404
    anonymous = client.application.test_client()
    assert anonymous.get("/manage/orgs/bib/federation").status_code in (302, 401)


def test_the_dashboard_links_to_the_panel(organizer_client):
    page = organizer_client.get("/manage/").get_data(as_text=True)
    assert "/manage/orgs/bib/federation" in page


def test_the_panel_in_french(organizer_client):
    text = organizer_client.get("/manage/orgs/bib/federation?lang=fr").get_data(as_text=True)
    assert "Activer la fédération" in text and "Envois abandonnés après 3 jours" in text
