"""Kit downloads and the workshop catalogue in the back office."""

import html
import io
import subprocess
from importlib import resources

import pytest
from pypdf import PdfReader

from cryptoparty.core.extensions import db
from cryptoparty.events.models import Workshop
from cryptoparty.kits import catalogue
from cryptoparty.kits import services as kits
from cryptoparty.kits.models import OrganizationRecipe
from tests.conftest import login


@pytest.fixture
def app_config(tmp_path):
    return {"KIT_CACHE_DIR": str(tmp_path / "kits")}


def pdf_text(data: bytes) -> str:
    """The PDF's text, on one line (titles and addresses may wrap)."""
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=data, check=True,
                          capture_output=True).stdout.decode()
    return " ".join(text.split()).replace("/ ", "/")


# Access ----------------------------------------------------------------------------

def test_anyone_gets_the_poster_but_not_the_kits(client, make_event):
    event = make_event()
    poster = client.get(f"/events/{event.slug}/poster.pdf")
    assert poster.status_code == 200
    assert poster.mimetype == "application/pdf"
    assert poster.data.startswith(b"%PDF")
    assert "http://localhost/events/cryptoparty/register" in pdf_text(poster.data)

    for url in (f"/events/{event.slug}/kit.pdf",
                f"/events/{event.slug}/workshops/tails/kit.pdf"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_a_draft_has_no_public_poster(client, make_event):
    event = make_event(status="draft")
    assert client.get(f"/events/{event.slug}/poster.pdf").status_code == 404


def test_an_organizer_of_another_organization_gets_404(client, make_org, make_organizer,
                                                       make_event):
    event = make_event()
    other = make_org(slug="other", name="Autre bibliothèque")
    make_organizer(login="bob", organizations=[other])
    login(client, "bob")
    assert client.get(f"/events/{event.slug}/kit.pdf").status_code == 404
    assert client.get(f"/events/{event.slug}/workshops/tails/kit.pdf").status_code == 404
    assert client.get("/events/nope/kit.pdf").status_code == 404


def test_the_hook_for_volunteers_refuses_strangers(app, make_event, organizer_client):
    event = make_event(organization=organizer_client.organization)
    from cryptoparty.kits.views import may_download_workshop_kit
    workshop = event.workshops[0]
    assert may_download_workshop_kit(organizer_client.organizer, workshop)
    assert not may_download_workshop_kit(None, workshop)
    assert not may_download_workshop_kit(object(), workshop)


# Downloads --------------------------------------------------------------------------

def test_organizer_downloads_the_kit_then_reads_it_from_the_cache(organizer_client, make_event,
                                                                  monkeypatch):
    client = organizer_client
    event = make_event(organization=client.organization)
    first = client.get(f"/events/{event.slug}/kit.pdf?lang=en")
    assert first.status_code == 200
    assert first.mimetype == "application/pdf"
    assert "private" in first.headers["Cache-Control"]
    text = pdf_text(first.data)
    for title in ("Tor Browser", "Tails", "Signal", "KeePassXC", "Contents"):
        assert title in text

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(kits, "render_pdf", no_rendering)
    second = client.get(f"/events/{event.slug}/kit.pdf?lang=en")
    assert second.status_code == 200
    assert second.data == first.data
    etag = second.headers["ETag"]
    again = client.get(f"/events/{event.slug}/kit.pdf?lang=en",
                       headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_workshop_kit_and_paper_sizes(organizer_client, make_event):
    client = organizer_client
    event = make_event(organization=client.organization)
    response = client.get(f"/events/{event.slug}/workshops/tails/kit.pdf?paper=letter")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    text = pdf_text(response.data)
    assert "Tails" in text and "Signal" not in text

    assert client.get(f"/events/{event.slug}/kit.pdf?paper=a5").status_code == 400
    assert client.get(f"/events/{event.slug}/poster.pdf?size=a0").status_code == 400
    assert client.get(f"/events/{event.slug}/workshops/nope/kit.pdf").status_code == 404


def test_poster_in_a3_and_in_both_languages(client, make_event):
    event = make_event()
    a3 = client.get(f"/events/{event.slug}/poster.pdf?size=a3")
    box = PdfReader(io.BytesIO(a3.data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 1191)
    assert "Inscrivez-vous" in pdf_text(client.get(
        f"/events/{event.slug}/poster.pdf?lang=fr").data)
    english = pdf_text(client.get(f"/events/{event.slug}/poster.pdf?lang=en").data)
    assert "Register without giving your name" in english
    # The language parameter does not leak into the printed addresses.
    assert "lang=" not in english


def test_a_changed_workshop_title_gives_a_new_kit(organizer_client, make_event, now):
    from cryptoparty.events import services as events

    client = organizer_client
    event = make_event(organization=client.organization)
    before = client.get(f"/events/{event.slug}/workshops/tails/kit.pdf").data
    workshop = db.session.query(Workshop).filter_by(slug="tails").one()
    events.update_workshop(workshop, now=now, title="Tails, le système amnésique")
    after = client.get(f"/events/{event.slug}/workshops/tails/kit.pdf").data
    assert after != before
    assert "Tails, le système amnésique" in pdf_text(after)


# The catalogue ------------------------------------------------------------------------

def test_catalogue_lists_the_recipes_in_the_reader_language(organizer_client):
    page = organizer_client.get("/manage/catalogue?lang=en").get_data(as_text=True)
    for recipe in catalogue.load_recipes().values():
        assert recipe.en.title in html.unescape(page)
    page = organizer_client.get("/manage/catalogue/tor-browser?lang=fr").get_data(as_text=True)
    assert catalogue.get_recipe("tor-browser").fr.title in html.unescape(page)
    assert organizer_client.get("/manage/catalogue/nope").status_code == 404


def test_catalogue_needs_a_login(client):
    assert client.get("/manage/catalogue").status_code == 302


def test_a_workshop_made_from_a_recipe_is_prefilled_in_the_organization_language(
        organizer_client, make_event):
    client = organizer_client
    event = make_event(organization=client.organization)
    recipe = catalogue.get_recipe("tor-browser")
    url = f"/manage/events/{event.slug}/workshops/from-catalogue/tor-browser"
    form = client.get(url + "?lang=en").get_data(as_text=True)
    assert recipe.fr.title in html.unescape(form)  # the organization speaks French

    session_id = event.sessions[1].id
    response = client.post_form(url, {
        "session_id": session_id, "format": "workshop", "title": recipe.fr.title,
        "summary": recipe.fr.summary, "topics": "tor", "level": "beginner",
        "room": "Salle 9", "capacity": 12, "materials": "Un projecteur"})
    assert response.status_code == 302, response.get_data(as_text=True)
    made = db.session.query(Workshop).filter_by(room="Salle 9").one()
    assert made.recipe_key == "tor-browser" and made.session_id == session_id


def _toml(key="atelier-maison"):
    source = (resources.files("cryptoparty.kits") / "catalogue_recipes" / "signal.toml").read_text(
        encoding="utf-8")
    return source.replace('key = "signal"', f'key = "{key}"', 1)


def test_an_organization_adds_its_own_recipe_and_uses_it(organizer_client, make_event, now):
    client = organizer_client
    org = client.organization
    response = client.post_form(f"/manage/orgs/{org.slug}/recipes/new", {"source": _toml()})
    assert response.status_code == 302, response.get_data(as_text=True)
    record = db.session.query(OrganizationRecipe).one()
    assert record.key == "atelier-maison" and record.data["fr"]["title"]
    assert "atelier-maison" in client.get(f"/manage/catalogue?org={org.slug}").get_data(
        as_text=True)

    # Its workshops print its plan and handout.
    event = make_event(organization=org, program=[("S", [dict(
        title="Maison", capacity=10, recipe_key="atelier-maison")])])
    job = kits.workshop_kit_job(event, event.workshops[0], locale="en",
                                public_url="http://localhost", now=now)
    assert job.context["sessions"][0]["workshops"][0]["recipe"]["key"] == "atelier-maison"

    # Uploaded as a file, replacing it.
    upload = (io.BytesIO(_toml().replace("Signal", "Signal (maison)").encode()), "r.toml")
    response = client.post_form(f"/manage/orgs/{org.slug}/recipes/atelier-maison/edit",
                                {"upload": upload}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert "Signal (maison)" in db.session.query(OrganizationRecipe).one().source

    response = client.post_form(f"/manage/orgs/{org.slug}/recipes/atelier-maison/delete")
    assert response.status_code == 302
    assert db.session.query(OrganizationRecipe).count() == 0


@pytest.mark.parametrize("source, message", [
    ("not = [valid", "TOML"),
    ('key = "x"', "missing field"),
    (None, "already used by the catalogue"),
])
def test_a_bad_recipe_is_refused_with_a_clear_message(organizer_client, source, message):
    org = organizer_client.organization
    if source is None:
        source = _toml(key="signal")
    response = organizer_client.post_form(f"/manage/orgs/{org.slug}/recipes/new?lang=en",
                                          {"source": source})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.query(OrganizationRecipe).count() == 0


def test_another_organization_recipes_are_out_of_reach(organizer_client, make_org):
    other = make_org(slug="other", name="Autre")
    assert organizer_client.get(f"/manage/orgs/{other.slug}/recipes/new").status_code == 404
    assert organizer_client.get(
        f"/manage/orgs/{organizer_client.organization.slug}/recipes/nope/edit").status_code == 404
