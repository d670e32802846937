"""Embeds for the library's own website: framable only by the origins it allows."""

import re

import pytest

from cryptoparty.core.errors import DomainError
from cryptoparty.feeds import services as feeds


def frame_ancestors(response) -> str:
    match = re.search(r"frame-ancestors ([^;]+)", response.headers["Content-Security-Policy"])
    return match.group(1)


def test_embeds_refuse_every_frame_by_default(client, make_event):
    event = make_event()
    for url in (f"/embed/orgs/{event.organization.slug}", "/embed/events/cryptoparty"):
        response = client.get(url)
        assert response.status_code == 200
        assert frame_ancestors(response) == "'none'"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_embeds_list_exactly_the_allowed_origins(client, make_event):
    event = make_event()
    feeds.set_embed_origins(event.organization,
                            "https://www.bib.example\nhttps://agenda.ville.example:8443/\n"
                            "https://www.bib.example")
    for url in (f"/embed/orgs/{event.organization.slug}", "/embed/events/cryptoparty"):
        response = client.get(url)
        assert frame_ancestors(response) == \
            "https://www.bib.example https://agenda.ville.example:8443"
        assert "X-Frame-Options" not in response.headers
        assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    # Every other page keeps refusing frames.
    for url in ("/", "/events/cryptoparty/", f"/orgs/{event.organization.slug}/", "/privacy"):
        response = client.get(url)
        assert frame_ancestors(response) == "'none'"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_embed_is_script_free_and_opens_full_pages_in_a_new_tab(client, make_event):
    event = make_event()
    page = client.get(f"/embed/orgs/{event.organization.slug}").get_data(as_text=True)
    assert "<script" not in page
    links = re.findall(r"<a [^>]*>", page)
    assert links and all('target="_blank"' in a and 'rel="noopener"' in a for a in links)
    assert "Tor Browser" in page and "/events/cryptoparty/" in page
    assert not re.search(r'(?:src|href)="(?!http://localhost/|/)', page)


@pytest.mark.parametrize("typed", ["http://www.bib.example", "https://www.bib.example/agenda",
                                   "https://*.bib.example", "www.bib.example", "javascript:x",
                                   "https://bib.example;script-src *", "'self'"])
def test_an_origin_must_be_a_bare_https_origin(make_org, typed):
    org = make_org()
    with pytest.raises(DomainError) as error:
        feeds.set_embed_origins(org, typed)
    assert error.value.status == 400
    assert org.embed_origins == ""


def test_back_office_gives_the_snippets_and_saves_origins(organizer_client, make_event):
    event = make_event(organizer_client.organization)
    slug = event.organization.slug
    page = organizer_client.get(f"/manage/orgs/{slug}/embed?lang=en").get_data(as_text=True)
    assert f"&lt;iframe src=&#34;http://localhost/embed/orgs/{slug}&#34;" in page \
        or f'&lt;iframe src="http://localhost/embed/orgs/{slug}"' in page
    assert "&lt;section class=" in page  # the HTML fragment, to copy
    response = organizer_client.post_form(f"/manage/orgs/{slug}/embed",
                                          {"origins": "https://www.bib.example"})
    assert response.status_code == 302
    assert frame_ancestors(organizer_client.get(f"/embed/orgs/{slug}")) == \
        "https://www.bib.example"
    response = organizer_client.post_form(f"/manage/orgs/{slug}/embed",
                                          {"origins": "http://www.bib.example"})
    assert response.status_code == 400
    assert frame_ancestors(organizer_client.get(f"/embed/orgs/{slug}")) == \
        "https://www.bib.example"


def test_fragment_is_plain_html(client, make_event):
    event = make_event()
    response = client.get(f"/embed/orgs/{event.organization.slug}/fragment.html")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert text.lstrip().startswith("<section") and "<script" not in text
    assert "http://localhost/events/cryptoparty/" in text
