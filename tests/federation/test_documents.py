"""Discovery and documents: WebFinger, host-meta, NodeInfo, the actor, the outbox, the Event."""

import pytest

from cryptoparty.core.extensions import db
from cryptoparty.federation import documents, services
from tests.federation.helpers import assert_expands_without_loss

AP = {"Accept": "application/activity+json"}
LD = {"Accept": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}


def test_webfinger_finds_the_actor(client, fed_org):
    response = client.get("/.well-known/webfinger?resource=acct:bib@localhost")
    assert response.status_code == 200
    assert response.content_type.startswith("application/jrd+json")
    jrd = response.json
    assert jrd["subject"] == "acct:bib@localhost"
    self_link = next(link for link in jrd["links"] if link["rel"] == "self")
    assert self_link == {"rel": "self", "type": "application/activity+json",
                         "href": "http://localhost/ap/orgs/bib"}
    # The actor URL is a resource too.
    assert client.get("/.well-known/webfinger?resource=http://localhost/ap/orgs/bib") \
        .json["subject"] == "acct:bib@localhost"


@pytest.mark.parametrize("resource", ["acct:bib@elsewhere.example", "acct:nobody@localhost",
                                      "mailto:bib@localhost", "acct:"])
def test_webfinger_unknown_resources_are_404(client, fed_org, resource):
    assert client.get(f"/.well-known/webfinger?resource={resource}").status_code == 404


def test_webfinger_without_resource_is_400(client, fed_org):
    assert client.get("/.well-known/webfinger").status_code == 400


def test_host_meta_and_nodeinfo(client, fed_org, make_event, make_org, now):
    make_event(organization=fed_org)
    make_event(organization=make_org("other", "Other"), slug="other-party")  # not federated
    host_meta = client.get("/.well-known/host-meta")
    assert host_meta.status_code == 200
    assert "application/xrd+xml" in host_meta.content_type
    assert 'template="http://localhost/.well-known/webfinger?resource={uri}"' in \
        host_meta.get_data(as_text=True)
    links = client.get("/.well-known/nodeinfo").json["links"]
    assert links == [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                      "href": "http://localhost/nodeinfo/2.1"}]
    info = client.get("/nodeinfo/2.1").json
    assert info["version"] == "2.1"
    assert info["software"]["name"] == "cryptoparty" and info["software"]["version"]
    assert info["protocols"] == ["activitypub"]
    assert info["openRegistrations"] is False
    assert info["usage"] == {"users": {"total": 1}, "localPosts": 1}


def test_actor_document(client, fed_org):
    response = client.get("/ap/orgs/bib")
    assert response.status_code == 200
    assert response.content_type.startswith("application/activity+json")
    actor = response.json
    assert actor["type"] == "Organization"
    assert actor["id"] == "http://localhost/ap/orgs/bib"
    assert actor["preferredUsername"] == "bib"
    assert actor["name"] == "Bibliothèque municipale"
    assert actor["url"] == "http://localhost/orgs/bib/"
    assert actor["inbox"] == "http://localhost/ap/orgs/bib/inbox"
    assert actor["outbox"] == "http://localhost/ap/orgs/bib/outbox"
    assert actor["followers"] == "http://localhost/ap/orgs/bib/followers"
    key = actor["publicKey"]
    assert key["id"] == actor["id"] + "#main-key" and key["owner"] == actor["id"]
    assert key["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    # The key is made once and kept; its private part is stored encrypted.
    assert client.get("/ap/orgs/bib").json["publicKey"] == key
    fed_actor = services.get_actor(fed_org)
    assert "PRIVATE KEY" not in fed_actor.private_key_encrypted
    expanded = assert_expands_without_loss(actor)
    assert expanded[0]["@type"] == ["https://www.w3.org/ns/activitystreams#Organization"]


@pytest.mark.parametrize("headers", [AP, LD])
def test_organization_page_is_content_negotiated(client, fed_org, headers):
    as_json = client.get("/orgs/bib/", headers=headers)
    assert as_json.status_code == 200
    assert as_json.json["id"] == "http://localhost/ap/orgs/bib"
    html = client.get("/orgs/bib/", headers={"Accept": "text/html"})
    assert html.content_type.startswith("text/html")
    assert "Accept" in html.headers["Vary"]


def test_everything_is_404_while_federation_is_off(client, make_org, make_event, now):
    org = make_org()
    make_event(organization=org)
    paths = ["/ap/orgs/bib", "/ap/orgs/bib/outbox", "/ap/orgs/bib/followers",
             "/ap/events/cryptoparty", "/.well-known/webfinger?resource=acct:bib@localhost"]
    for path in paths:
        assert client.get(path).status_code == 404, path
    assert client.post("/ap/orgs/bib/inbox", data=b"{}").status_code == 404
    # The HTML page stays; asking it for ActivityStreams finds no actor.
    assert client.get("/orgs/bib/").status_code == 200
    assert client.get("/orgs/bib/", headers=AP).status_code == 404
    services.set_federation(org, True, now=now)
    for path in paths:
        assert client.get(path).status_code == 200, path
    services.set_federation(org, False, now=now)
    assert client.get("/ap/orgs/bib").status_code == 404


def test_outbox_has_one_create_per_public_event(client, fed_org, make_event):
    make_event(organization=fed_org, slug="published-one")
    make_event(organization=fed_org, slug="cancelled-one", status="cancelled")
    make_event(organization=fed_org, slug="draft-one", status="draft")
    outbox = client.get("/ap/orgs/bib/outbox").json
    assert outbox["type"] == "OrderedCollection"
    assert outbox["totalItems"] == 2
    slugs = sorted(item["object"]["url"] for item in outbox["orderedItems"])
    assert slugs == ["http://localhost/events/cancelled-one/",
                     "http://localhost/events/published-one/"]
    assert {item["type"] for item in outbox["orderedItems"]} == {"Create"}
    assert all(item["actor"] == "http://localhost/ap/orgs/bib" for item in outbox["orderedItems"])
    assert_expands_without_loss(outbox)


def test_event_object_as_mobilizon_publishes_it(client, fed_org, make_event):
    make_event(organization=fed_org, description="Bring your laptop.\n\n<script>alert(1)</script>",
               program=[("Session 1", [dict(title="Tor <b>Browser</b>", capacity=20,
                                            topics="tor, vie privée")])],
               address="1 rue de la Paix")
    event = client.get("/ap/events/cryptoparty").json
    negotiated = client.get("/events/cryptoparty/", headers=AP).json
    assert negotiated == event
    assert event["type"] == "Event"
    assert event["name"] == "CryptoParty"
    assert event["url"] == "http://localhost/events/cryptoparty/"
    assert event["attributedTo"] == "http://localhost/ap/orgs/bib"
    # 2026-03-11 12:00 UTC is 13:00 in Paris (winter time).
    assert event["startTime"] == "2026-03-11T13:00:00+01:00"
    assert event["endTime"] == "2026-03-11T17:00:00+01:00"
    assert "<script>" not in event["content"] and "&lt;script&gt;" in event["content"]
    assert "<b>" not in event["content"] and "Tor &lt;b&gt;Browser&lt;/b&gt;" in event["content"]
    assert event["content"].startswith("<p>Bring your laptop.</p>")
    assert event["location"]["type"] == "Place"
    assert event["location"]["address"]["type"] == "PostalAddress"
    assert event["location"]["address"]["streetAddress"] == "1 rue de la Paix"
    assert {t["name"] for t in event["tag"]} == {"#Tor", "#ViePrivée"}
    assert event["joinMode"] == "external"
    assert event["externalParticipationUrl"] == "http://localhost/events/cryptoparty/register"
    assert event["anonymousParticipationEnabled"] is True
    assert event["ical:status"] == "CONFIRMED"
    expanded = assert_expands_without_loss(event)[0]
    mz = "https://joinmobilizon.org/ns#"
    assert expanded[mz + "joinMode"][0]["@value"] == "external"
    assert expanded[mz + "externalParticipationUrl"][0]["@value"] == \
        "http://localhost/events/cryptoparty/register"
    assert expanded["https://www.w3.org/ns/activitystreams#startTime"][0]["@value"] == \
        "2026-03-11T13:00:00+01:00"


def test_cancelled_event_says_so_and_drafts_are_not_served(client, fed_org, make_event):
    make_event(organization=fed_org, status="cancelled")
    assert client.get("/ap/events/cryptoparty").json["ical:status"] == "CANCELLED"
    make_event(organization=fed_org, slug="secret", status="draft")
    assert client.get("/ap/events/secret").status_code == 404


def test_followers_collection_shows_a_count_and_no_item(client, fed_org):
    followers = client.get("/ap/orgs/bib/followers").json
    assert followers == {"@context": documents.AS, "id": "http://localhost/ap/orgs/bib/followers",
                         "type": "OrderedCollection", "totalItems": 0}


def test_a_signed_announcement_is_linked(client, fed_org, make_event, now):
    from cryptoparty.announcements.models import Announcement
    from cryptoparty.core.extensions import db

    event = make_event(organization=fed_org)
    assert "attachment" not in client.get("/ap/events/cryptoparty").json
    db.session.add(Announcement(event_id=event.id, channel="full", body="Hello",
                                signed_text="-----BEGIN PGP SIGNED MESSAGE-----\n...",
                                updated_at=now))
    db.session.commit()
    document = client.get("/ap/events/cryptoparty").json
    assert document["attachment"] == [{
        "type": "Link", "mediaType": "text/plain",
        "href": "http://localhost/events/cryptoparty/announcement.txt.asc",
        "name": "Announcement signed with OpenPGP (clearsigned text)"}]
    assert_expands_without_loss(document)
    outbox = client.get("/ap/orgs/bib/outbox").json
    assert outbox["orderedItems"][0]["object"]["attachment"] == document["attachment"]


def test_the_actor_shows_the_organization_logo_as_its_icon(client, fed_org):
    assert "icon" not in client.get("/ap/orgs/bib").json
    fed_org.logo, fed_org.logo_type = b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"
    db.session.commit()
    actor = client.get("/ap/orgs/bib").json
    assert actor["icon"] == {"type": "Image", "mediaType": "image/svg+xml",
                             "url": "http://localhost/orgs/bib/logo"}
    assert client.get("/orgs/bib/logo").status_code == 200
    assert_expands_without_loss(actor)
