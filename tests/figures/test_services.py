"""Figures of an event: live from tickets, then from the snapshot once tickets are purged."""

import csv
import io
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select

from cryptoparty.core.extensions import db
from cryptoparty.feedback import services as feedback_service
from cryptoparty.figures import services as figures
from cryptoparty.registration.models import EventFigures, Ticket, TicketChoice


def add_ticket(event, picks, *, party=1, checked_in=False, status="active", now=None):
    """A ticket made directly in the database; ``picks`` is [(workshop slug, status)]."""
    by_slug = {w.slug: w for w in event.workshops}
    ticket = Ticket(event_id=event.id, code_hash=secrets.token_hex(32), party=party,
                    status=status, checked_in=checked_in,
                    created_on=(now or event.starts_at).date())
    for slug, choice_status in picks:
        workshop = by_slug[slug]
        ticket.choices.append(TicketChoice(session_id=workshop.session_id,
                                           workshop_id=workshop.id, status=choice_status))
    db.session.add(ticket)
    db.session.commit()
    return ticket


def set_walk_ins(event, n):
    row = db.session.get(EventFigures, event.id) or EventFigures(event_id=event.id)
    row.walk_ins = n
    db.session.add(row)
    db.session.commit()


def populate(event):
    """12 people registered (one party of 3), 5 checked in, 2 waiting for Tails."""
    add_ticket(event, [("tor-browser", "confirmed"), ("signal", "confirmed")], party=3,
               checked_in=True)
    add_ticket(event, [("tails", "confirmed"), ("keepassxc", "confirmed")], party=2,
               checked_in=True)
    for _ in range(5):
        add_ticket(event, [("tails", "confirmed")])
    add_ticket(event, [("tails", "waitlisted"), ("signal", "confirmed")], party=2)
    add_ticket(event, [("tor-browser", "confirmed")], status="cancelled")
    set_walk_ins(event, 4)


def test_live_figures_count_people_not_tickets(make_event, now):
    event = make_event(starts_in=timedelta(days=-1))
    populate(event)
    report = figures.event_figures(event, now)
    assert report.source == "live"
    assert (report.registered, report.tickets, report.waitlisted) == (12, 8, 2)
    assert (report.checked_in, report.walk_ins, report.attendance) == (5, 4, 9)
    assert report.no_shows == 7
    tails = next(w for w in report.workshops if w.slug == "tails")
    assert (tails.confirmed, tails.waitlisted, tails.capacity) == (7, 2, 8)
    assert tails.fill_rate == 7 / 8


def test_no_shows_are_unknown_before_the_event(make_event, now):
    event = make_event()  # in ten days
    populate(event)
    report = figures.event_figures(event, now)
    assert report.no_shows is None and report.show_rate is None
    assert report.registered == 12


def test_figures_and_feedback_survive_the_purge(make_event, now):
    event = make_event(starts_in=timedelta(days=-10))
    populate(event)
    tails = next(w for w in event.workshops if w.slug == "tails")
    feedback_service.give_feedback(event, now=now, rating=5, comment="Très clair")
    feedback_service.give_feedback(event, now=now, workshop=tails, rating=3)
    before = figures.event_figures(event, now)

    purge_day = now + timedelta(days=1)
    figures.snapshot_figures(event, purge_day)
    db.session.execute(delete(Ticket).where(Ticket.event_id == event.id))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0

    after = figures.event_figures(event, purge_day)
    assert after.source == "snapshot"
    assert after.purged_on == purge_day.date()
    for name in ("registered", "tickets", "waitlisted", "checked_in", "walk_ins",
                 "attendance", "no_shows"):
        assert getattr(after, name) == getattr(before, name), name
    assert [(w.slug, w.confirmed, w.waitlisted) for w in after.workshops] == \
        [(w.slug, w.confirmed, w.waitlisted) for w in before.workshops]
    assert after.feedback.average == 4.0
    # Walk-ins counted after the snapshot still count.
    set_walk_ins(event, 6)
    assert figures.event_figures(event, purge_day).attendance == 11


def test_snapshot_joins_the_callers_transaction(make_event, now):
    from cryptoparty.core.database import atomic

    event = make_event(starts_in=timedelta(days=-10))
    populate(event)
    try:
        with atomic():
            figures.snapshot_figures(event, now)
            raise RuntimeError("the purge failed half-way")
    except RuntimeError:
        pass
    row = db.session.get(EventFigures, event.id)
    assert row.registered is None  # rolled back with the purge
    assert figures.event_figures(event, now).source == "live"


def test_history_compares_with_earlier_events_of_the_organization(make_event, make_org, now):
    org = make_org()
    old = make_event(org, slug="old", starts_in=timedelta(days=-60),
                     registration_opens_at=now - timedelta(days=90))
    add_ticket(old, [("tor-browser", "confirmed")], party=2, checked_in=True)
    other_org = make_org(slug="other", name="Autre")
    make_event(other_org, slug="elsewhere", starts_in=timedelta(days=-30),
               registration_opens_at=now - timedelta(days=90))
    make_event(org, slug="cancelled", status="cancelled", starts_in=timedelta(days=-20),
               registration_opens_at=now - timedelta(days=90))
    event = make_event(org, slug="current", starts_in=timedelta(days=-1))
    add_ticket(event, [("tor-browser", "confirmed")], party=4)
    rows = figures.organization_history(event, now)
    assert [r.slug for r in rows] == ["old", "current"]
    assert [(r.registered, r.attendance, r.current) for r in rows] == [(2, 2, False),
                                                                     (4, 0, True)]


def test_csv_has_the_event_then_each_workshop(make_event, now):
    event = make_event(starts_in=timedelta(days=-1), title="=HYPERLINK(evil)")
    populate(event)
    rows = list(csv.DictReader(io.StringIO(figures.figures_csv(
        figures.event_figures(event, now)))))
    assert rows[0]["scope"] == "event" and rows[0]["attendance"] == "9"
    assert rows[0]["title"] == "'=HYPERLINK(evil)"
    assert [r["slug"] for r in rows[1:]] == ["tor-browser", "tails", "signal", "keepassxc"]
    assert rows[2]["fill_rate"] == "0.88" and rows[2]["registered"] == "7"
