"""The public feedback form, its short URL, rate limit, and the organizers' moderation."""

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from cryptoparty.feedback.models import Feedback


def keyed(data: dict) -> dict:
    """The form's fields with the hidden key a shown feedback form carries."""
    return {**data, "idempotency_key": secrets.token_urlsafe(24)}


def count():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Feedback))


@pytest.fixture
def past_event(make_event):
    return make_event(starts_in=timedelta(hours=-3))


def test_short_url_leads_to_the_form(client, past_event):
    response = client.get("/f/cryptoparty")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/events/cryptoparty/feedback")


def test_feedback_is_written_without_cookie_or_ticket(client, past_event):
    page = client.get("/events/cryptoparty/feedback?lang=en")
    assert page.status_code == 200
    assert "How was the evening?" in page.get_data(as_text=True)
    response = client.post("/events/cryptoparty/feedback", data=keyed({
        "rating": "4", "useful": "Tor", "missing": "", "comment": "Merci !"}))
    assert response.status_code == 303
    assert "Set-Cookie" not in response.headers
    entry = db.session.scalar(select(Feedback))
    assert (entry.rating, entry.useful, entry.comment, entry.workshop_id) == (4, "Tor",
                                                                            "Merci !", None)


def test_feedback_on_a_workshop(client, past_event):
    response = client.post("/events/cryptoparty/feedback/tails", data=keyed({"rating": "5"}))
    assert response.status_code == 303
    assert db.session.scalar(select(Feedback)).workshop.slug == "tails"
    assert client.post("/events/cryptoparty/feedback/nope",
                       data=keyed({"rating": "5"})).status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"rating": "0"}, "The rating must be a whole number from 1 to 5."),
    ({"rating": "6"}, "The rating must be a whole number from 1 to 5."),
    ({"rating": "4", "comment": "x" * 100_000}, "at most 2000 characters"),
    ({"rating": "", "comment": ""}, "Give a rating or write a few words."),
])
def test_bad_feedback_is_refused_with_a_message(client, past_event, data, message):
    response = client.post("/events/cryptoparty/feedback?lang=en", data=keyed(data))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count() == 0


def test_feedback_before_the_event_is_refused(client, make_event):
    make_event()  # in ten days
    for response in (client.get("/events/cryptoparty/feedback?lang=en"),
                     client.post("/events/cryptoparty/feedback?lang=en",
                                 data=keyed({"rating": "5"}))):
        assert response.status_code == 409
        assert "Feedback opens when the event starts" in response.get_data(as_text=True)
    assert count() == 0


def test_feedback_in_french_by_default(client, past_event):
    response = client.post("/events/cryptoparty/feedback", data=keyed({"rating": "9"}))
    assert "La note doit être un nombre entier de 1 à 5." in response.get_data(as_text=True)


def test_cafe_takes_several_notes(client, make_event):
    make_event(kind="cafe_vie_privee", starts_in=timedelta(hours=-1))
    page = client.get("/events/cryptoparty/feedback?lang=en").get_data(as_text=True)
    assert "Leave a note" in page
    response = client.post("/events/cryptoparty/feedback", data=keyed({
        "notes-0": "Qui voit mes photos ?", "notes-1": "", "notes-2": "Plus souvent !"}))
    assert response.status_code == 303
    assert sorted(e.comment for e in db.session.scalars(select(Feedback))) == \
        ["Plus souvent !", "Qui voit mes photos ?"]


def test_event_page_links_to_feedback_once_started(client, past_event):
    page = client.get("/events/cryptoparty/").get_data(as_text=True)
    assert 'href="/events/cryptoparty/feedback"' in page


def test_event_page_has_no_feedback_link_before(client, make_event):
    make_event()
    assert "/feedback" not in client.get("/events/cryptoparty/").get_data(as_text=True)


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "FEEDBACK_RATE_LIMIT": "3/minute"}

    def test_feedback_is_rate_limited(self, client, past_event):
        codes = [client.post("/events/cryptoparty/feedback",
                             data=keyed({"rating": "5"})).status_code for _ in range(4)]
        assert codes == [303, 303, 303, 429]
        assert count() == 3


def test_organizer_hides_and_quotes(organizer_client, make_event, now):
    from cryptoparty.feedback import services as fb

    event = make_event(organizer_client.organization, starts_in=timedelta(hours=-3))
    good = fb.give_feedback(event, now=now, rating=5, comment="Lumineux")
    bad = fb.give_feedback(event, now=now, rating=1, comment="Publicité")
    page = organizer_client.get("/manage/events/cryptoparty/feedback?lang=en")
    assert page.status_code == 200 and "Publicité" in page.get_data(as_text=True)
    base = "/manage/events/cryptoparty/feedback"
    assert organizer_client.post_form(f"{base}/{bad.id}/hide").status_code == 302
    assert organizer_client.post_form(f"{base}/{good.id}/quote").status_code == 302
    db.session.expire_all()
    assert db.session.get(Feedback, bad.id).hidden
    assert db.session.get(Feedback, good.id).quoted
    figures_page = organizer_client.get("/manage/events/cryptoparty/figures?lang=en")
    text = figures_page.get_data(as_text=True)
    assert "Lumineux" in text and "Publicité" not in text
    assert organizer_client.post(f"{base}/{good.id}/unquote").status_code == 400  # no CSRF


def test_other_organizations_cannot_moderate(organizer_client, make_event, make_org, now):
    from cryptoparty.feedback import services as fb

    other = make_org(slug="other", name="Autre")
    event = make_event(other, slug="theirs", starts_in=timedelta(hours=-3))
    entry = fb.give_feedback(event, now=now, rating=2, comment="x")
    assert organizer_client.get("/manage/events/theirs/feedback").status_code == 404
    assert organizer_client.post_form(
        f"/manage/events/theirs/feedback/{entry.id}/hide").status_code == 404
    assert organizer_client.get("/manage/events/theirs/report.pdf").status_code == 404
