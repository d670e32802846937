"""The public showcase: figures of past events, per year and organization, after the purge."""

from datetime import timedelta

import pytest

from cryptoparty.feedback import services as feedback
from cryptoparty.figures.showcase import showcase
from cryptoparty.privacy import retention
from cryptoparty.registration import services as registration


def past_event_with_figures(make_event, now):
    """An event 30 days ago: 3 tickets (one of 2 people), 2 checked in, feedback, a quote."""
    event = make_event(starts_in=timedelta(days=-30), registration_opens_at=now - timedelta(
        days=40), registration_closes_at=now - timedelta(days=30), max_party=4)
    # Register "in the past": the services take the time they are given.
    then = event.starts_at - timedelta(days=1)
    tails, signal = event.workshops[1].id, event.workshops[2].id
    first = registration.register(event, [tails, signal], 2, now=then)
    registration.register(event, [tails], 1, now=then)
    registration.check_in(registration.get_ticket_by_code(first.code))
    during = event.ends_at + timedelta(hours=1)
    feedback.give_feedback(event, now=during, rating=5, comment="Enfin compris Tor !")
    entry = feedback.give_feedback(event, now=during, rating=3, comment="Trop court.")
    feedback.give_feedback(event, now=during, rating=4)
    feedback.set_quoted(feedback.get_feedback(event, entry.id), True)
    return event


def test_showcase_survives_the_purge(client, make_event, now):
    event = past_event_with_figures(make_event, now)
    before = showcase(now)
    retention.purge(now + timedelta(days=60))
    after = showcase(now + timedelta(days=60))
    assert len(after) == 1
    row = after[0]
    assert (row.year, row.organization, row.events) == (event.starts_at.year,
                                                        event.organization.name, 1)
    assert (row.registered, row.attendees) == (3, 2)
    assert row.workshops == 4
    assert row.fill_rate == pytest.approx((3 + 2) / (20 + 8 + 20 + 12))
    assert row.average_rating == pytest.approx(4.0)
    assert row.quotes == ["Trop court."]
    assert (before[0].registered, before[0].attendees) == (row.registered, row.attendees)


def test_showcase_pages_and_pdf(client, make_event, now):
    event = past_event_with_figures(make_event, now)
    retention.purge(now + timedelta(days=60))
    page = client.get("/showcase?lang=en").get_data(as_text=True)
    assert "Trop court." in page and event.organization.name in page
    assert "<td>3</td>" in page and "8 %" in page and "4.0 (3)" in page
    org_page = client.get(f"/orgs/{event.organization.slug}/?lang=en").get_data(as_text=True)
    assert "What its evenings achieved" in org_page and "Trop court." in org_page
    response = client.get("/showcase.pdf?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(response.get_data()))
    assert len(reader.pages) == 1
    assert "Trop court." in reader.pages[0].extract_text()


def test_cancelled_and_upcoming_events_are_not_in_the_showcase(make_event, now):
    event = make_event()
    make_event(event.organization, slug="annulee", status="cancelled",
               starts_in=timedelta(days=-5), registration_opens_at=now - timedelta(days=9))
    assert showcase(now) == []


def test_organization_page_keeps_the_figures_until_they_change(client, make_event, now, app,
                                                                monkeypatch):
    from cryptoparty.figures import showcase as showcase_module

    event = past_event_with_figures(make_event, now)
    url = f"/orgs/{event.organization.slug}/?lang=en"
    computed = []
    original = showcase_module.showcase

    def counting(*args, **kwargs):
        computed.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(showcase_module, "showcase", counting)
    first = client.get(url).get_data(as_text=True)
    client.get(url)
    client.get(url)
    assert len(computed) == 1  # computed once, then served from the cache
    assert "<td>3</td>" in first
    # A new figures record (walk-ins counted at the door) shows at once.
    registration.add_walk_ins(event, 4)
    page = client.get(url).get_data(as_text=True)
    assert len(computed) == 2
    assert "<td>6</td>" in page  # 2 checked in + 4 walk-ins
    # So do the purge's snapshot, a new feedback and a newly chosen quote.
    retention.purge(now + timedelta(days=60))
    entry = feedback.give_feedback(event, now=event.ends_at + timedelta(hours=2), rating=5,
                                   comment="Merci pour Signal.")
    feedback.set_quoted(feedback.get_feedback(event, entry.id), True)
    page = client.get(url).get_data(as_text=True)
    assert "Merci pour Signal." in page and len(computed) == 3


def test_an_event_that_ends_enters_the_showcase_at_once(client, make_event, now, app):
    from cryptoparty.figures.showcase import ShowcaseCache, cached_showcase

    event = make_event(starts_in=timedelta(hours=-2), hours=4)  # ends in two hours
    cache = ShowcaseCache()
    with app.test_request_context():
        assert cached_showcase(now, event.organization, cache=cache) == []
        later = cached_showcase(now + timedelta(hours=3), event.organization, cache=cache)
    assert [row.events for row in later] == [1]


def test_showcase_after_the_purge_of_the_demo_past_edition(client, app, now):
    """Done means: after the purge, the showcase gives a board member the demo's figures."""
    from datetime import date

    from cryptoparty.events.demo import PAST_EDITION, load_demo
    from cryptoparty.figures.demo import load_demo_activity
    from cryptoparty.registration.models import Ticket

    load_demo(today=date(2026, 3, 1), now=now)
    load_demo_activity(now=now)
    retention.purge(now)
    from sqlalchemy import func, select

    from cryptoparty.core.extensions import db
    from cryptoparty.events.models import Event

    past = db.session.scalar(select(Event).filter_by(slug=PAST_EDITION))
    assert db.session.scalar(select(func.count(Ticket.id)).where(
        Ticket.event_id == past.id)) == 0
    (row,) = showcase(now)
    assert (row.year, row.events, row.registered, row.attendees) == (past.starts_at.year, 1,
                                                                     70, 60)
    assert row.workshops == 5 and row.fill_rate is not None
    assert row.average_rating == pytest.approx(4.2)
    page = client.get("/showcase?lang=en").get_data(as_text=True)
    org_page = client.get(f"/orgs/{past.organization.slug}/?lang=en").get_data(as_text=True)
    for html in (page, org_page):
        assert "<td>70</td>" in html and "<td>60</td>" in html and "4.2 (5)" in html
        assert f"{round(row.fill_rate * 100)} %" in html


def test_showcase_is_paged_by_organization_and_year(client, make_event, make_org, now,
                                                    monkeypatch):
    from cryptoparty.figures import showcase as showcase_module

    monkeypatch.setattr(showcase_module, "SHOWCASE_PER_PAGE", 2)
    for name in ("Brest", "Angers", "Caen"):
        org = make_org(slug=name.lower(), name=f"Médiathèque de {name}", city=name)
        make_event(org, slug=f"past-{name.lower()}", starts_in=timedelta(days=-30),
                   registration_opens_at=now - timedelta(days=40))
    first = showcase_module.showcase_page(now, 1)
    assert [row.organization for row in first.items] == ["Médiathèque de Angers",
                                                         "Médiathèque de Brest"]
    assert first.has_next and not first.has_previous
    second = showcase_module.showcase_page(now, 2)
    assert [row.organization for row in second.items] == ["Médiathèque de Caen"]
    assert not second.has_next and second.items[0].events == 1
    # The rows of the pages are those of the whole showcase, in the same order.
    assert [r.organization for r in first.items + second.items] == [
        r.organization for r in showcase(now)]

    page = client.get("/showcase?lang=en").get_data(as_text=True)
    assert "Médiathèque de Angers" in page and "Médiathèque de Caen" not in page
    assert 'rel="next" href="/showcase?lang=en&amp;page=2"' in page
    page = client.get("/showcase?lang=en&page=2").get_data(as_text=True)
    assert "Médiathèque de Caen" in page and 'rel="prev" href="/showcase?lang=en"' in page
