"""The purge, with an injected clock: exactly the tickets and contacts of due events go."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from cryptoparty.events.models import Event
from cryptoparty.privacy import retention
from cryptoparty.registration import services as registration
from cryptoparty.registration.models import EventFigures, Ticket, TicketChoice
from cryptoparty.volunteers import services as volunteers
from cryptoparty.volunteers.models import Volunteer


def _count(model, **where):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def _choices_of(event_id):
    return db.session.scalar(select(func.count(TicketChoice.id)).join(Ticket)
                             .where(Ticket.event_id == event_id))


@pytest.fixture
def two_events(app, make_event, make_org, now):
    """Event ``soon`` (ends in 10 days, kept 7 days) and ``later`` (ends in 40 days)."""
    org = make_org()
    soon = make_event(organization=org, slug="soon", retention_days=7)
    later = make_event(organization=org, slug="later", starts_in=timedelta(days=40),
                       retention_days=7)
    for event in (soon, later):
        first, second = event.sessions
        for party in (1, 2, 3):
            registration.register(event, [first.workshops[0].id, second.workshops[0].id],
                                  party, now=now)
        volunteer, _token = volunteers.sign_up(event, pseudonym=f"Ada-{event.slug}", now=now)
        volunteer.contact_ciphertext = "-----BEGIN PGP MESSAGE-----\nsecret\n"
        volunteer.contact_fingerprint = "F" * 40
        db.session.commit()
    ticket = db.session.scalars(select(Ticket).filter_by(event_id=soon.id)).first()
    registration.check_in(ticket)
    registration.add_walk_ins(soon, 4)
    return soon, later


def test_nothing_is_purged_before_the_retention_period_ends(two_events):
    soon, _later = two_events
    just_before = soon.ends_at + timedelta(days=7) - timedelta(seconds=1)
    report = retention.purge(just_before)
    assert report.events == []
    assert _count(Ticket) == 6 and _count(TicketChoice) == 12
    assert db.session.get(Event, soon.id).status == "published"


def test_the_purge_removes_what_it_must_and_keeps_the_figures(app, two_events):
    soon, later = two_events
    soon_id, later_id = soon.id, later.id
    due = soon.ends_at + timedelta(days=7)

    report = retention.purge(due)

    assert [e.slug for e in report.events] == ["soon"]
    assert report.events[0].tickets == 3 and report.events[0].choices == 6
    assert report.events[0].volunteer_contacts == 1 and report.events[0].archived
    assert _count(Ticket, event_id=soon_id) == 0 and _choices_of(soon_id) == 0
    contact = db.session.scalar(select(Volunteer.contact_ciphertext).filter_by(event_id=soon_id))
    assert contact is None
    # The pseudonym stays, for the archived program.
    assert db.session.scalar(select(Volunteer.pseudonym).filter_by(event_id=soon_id)) == "Ada-soon"
    assert db.session.get(Event, soon_id).status == "archived"
    figures = db.session.get(EventFigures, soon_id)
    assert (figures.registered, figures.checked_in, figures.walk_ins) == (6, 1, 4)
    assert figures.purged_on == due.date()

    # The other event is untouched.
    assert _count(Ticket, event_id=later_id) == 3 and _choices_of(later_id) == 6
    assert db.session.scalar(select(Volunteer.contact_ciphertext)
                             .filter_by(event_id=later_id)) is not None
    assert db.session.get(Event, later_id).status == "published"
    assert db.session.get(EventFigures, later_id) is None


def test_the_purge_is_idempotent(app, two_events):
    soon, _later = two_events
    due = soon.ends_at + timedelta(days=7)
    retention.purge(due)
    again = retention.purge(due + timedelta(days=1))
    assert again.events == []
    figures = db.session.get(EventFigures, soon.id)
    assert (figures.registered, figures.checked_in, figures.walk_ins) == (6, 1, 4)
    assert figures.purged_on == due.date()  # the first snapshot, not a second one of zeros


def test_an_event_is_purged_in_one_transaction(app, two_events, monkeypatch):
    soon, _later = two_events

    def broken(event, now):
        raise RuntimeError("disk full")

    monkeypatch.setattr(volunteers, "purge_volunteer_contacts", broken)
    with pytest.raises(RuntimeError):
        retention.purge(soon.ends_at + timedelta(days=7))
    db.session.rollback()
    assert _count(Ticket, event_id=soon.id) == 3
    assert db.session.get(Event, soon.id).status == "published"
    assert db.session.get(EventFigures, soon.id).registered is None  # no snapshot either


def test_the_archived_page_shows_figures_only(app, client, two_events):
    soon, _later = two_events
    retention.purge(soon.ends_at + timedelta(days=7))
    page = client.get("/events/soon/?lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "only these figures remain" in text
    assert "/events/soon/register" not in text and "seats left" not in text
    assert "<dd>6</dd>" in text and "<dd>5</dd>" in text  # registered, came (1 + 4 walk-ins)
    assert 'name="party"' not in client.get("/events/soon/register").get_data(as_text=True)
    workshop = soon.sessions[0].workshops[0].id
    refused = client.post("/api/v1/events/soon/tickets", json={"workshops": [workshop]})
    assert 400 <= refused.status_code < 500


def test_purge_command_takes_an_iso_date(app, two_events):
    soon, _later = two_events
    runner = app.test_cli_runner()
    result = runner.invoke(args=["purge", "--now", "2000-01-01"])
    assert result.exit_code == 0, result.output
    assert "0 event(s)" in result.output
    due = (soon.ends_at + timedelta(days=8)).date().isoformat()
    result = runner.invoke(args=["purge", "--now", due])
    assert result.exit_code == 0, result.output
    assert "soon: 3 ticket(s)" in result.output
    assert _count(Ticket, event_id=soon.id) == 0
    assert runner.invoke(args=["purge", "--now", "yesterday"]).exit_code != 0


# The check-in minute (issue 14): for the door while the event runs, then no finer than the day.

def _check_in_times(event_id):
    db.session.expire_all()
    return [t.checked_in_at for t in db.session.scalars(
        select(Ticket).filter_by(event_id=event_id).where(Ticket.checked_in.is_(True)))]


def test_the_check_in_minute_is_kept_while_the_event_runs_then_cleared(app, two_events):
    soon, later = two_events
    soon_id, later_id = soon.id, later.id
    during = soon.starts_at + timedelta(minutes=107, seconds=42)
    ticket = db.session.scalars(select(Ticket).filter_by(event_id=soon_id)
                                .where(Ticket.checked_in.is_(False))).first()
    registration.check_in(ticket, now=during)
    other = db.session.scalars(select(Ticket).filter_by(event_id=later_id)).first()
    registration.check_in(other, now=during)
    assert during.replace(second=0) in _check_in_times(soon_id)  # to the minute, no finer
    # A second scan during the event says when the first one was.
    with pytest.raises(registration.AlreadyCheckedIn) as already:
        registration.check_in(db.session.get(Ticket, ticket.id), now=during)
    assert already.value.at == during.replace(second=0)

    # A purge while the event runs keeps it; the first purge after its end clears it,
    # long before the tickets themselves are due, and leaves the other event's alone.
    assert retention.purge(soon.ends_at - timedelta(minutes=1)).check_in_times == 0
    assert during.replace(second=0) in _check_in_times(soon_id)
    report = retention.purge(soon.ends_at)
    assert report.check_in_times == 1 and report.events == []
    assert _check_in_times(soon_id) and set(_check_in_times(soon_id)) == {None}
    assert _check_in_times(later_id) == [during.replace(second=0)]
    assert _count(Ticket, event_id=soon_id) == 3  # the tickets stay until they are due
    # The door still refuses a second check-in, without a time.
    with pytest.raises(registration.AlreadyCheckedIn) as already:
        registration.check_in(db.session.get(Ticket, ticket.id), now=soon.ends_at)
    assert already.value.at is None


def test_a_check_in_recorded_after_the_event_keeps_no_time(app, two_events):
    soon, _later = two_events
    ticket = db.session.scalars(select(Ticket).filter_by(event_id=soon.id)
                                .where(Ticket.checked_in.is_(False))).first()
    registration.check_in(ticket, now=soon.ends_at + timedelta(hours=1))
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.checked_in and ticket.checked_in_at is None


def test_the_second_scan_after_the_event_says_already_checked_in_without_a_time(
        app, two_events):
    from cryptoparty.registration.views import already_checked_in_message

    soon, _later = two_events
    ticket = db.session.scalars(select(Ticket).filter_by(event_id=soon.id)
                                .where(Ticket.checked_in.is_(True))).first()
    retention.purge(soon.ends_at)
    with app.test_request_context("/?lang=en"), pytest.raises(
            registration.AlreadyCheckedIn) as already:
        registration.check_in(db.session.get(Ticket, ticket.id), now=soon.ends_at)
    with app.test_request_context("/?lang=en"):
        message = already_checked_in_message(already.value, "Europe/Paris")
    assert message.startswith("Already checked in: ") and "(at" not in message


def test_due_events_are_chosen_in_sql_emptied_ones_left_out(app, two_events):
    soon, later = two_events
    soon_id = soon.id
    due = later.ends_at + timedelta(days=7)
    # An organizer archives "later" by hand before its purge: it still holds tickets
    # and a contact, so the purge must still find it although it is archived.
    later.status = "archived"
    db.session.commit()
    assert [e.slug for e in retention.due_events(due)] == ["soon", "later"]
    retention.purge(due)
    # Both emptied (archived, no ticket, no contact): the next purge loads neither.
    assert retention.due_events(due + timedelta(days=1)) == []
    assert _count(Ticket) == 0 and db.session.get(Event, soon_id).status == "archived"


# The purge mark (issue 19: growth): an emptied event is skipped, unless its end moves.

def test_a_purged_event_is_marked_and_not_a_candidate_again(app, two_events):
    soon, later = two_events
    soon_id, later_id = soon.id, later.id
    due = soon.ends_at + timedelta(days=7)
    retention.purge(due)
    db.session.expire_all()
    assert db.session.get(Event, soon_id).purged_at == due
    assert db.session.get(Event, later_id).purged_at is None
    # Not a candidate again, on any later run, and its snapshot is the first one.
    for days in (1, 30, 400):
        assert soon_id not in [e.id for e in retention.due_events(due + timedelta(days=days))]
    assert retention.purge(due + timedelta(days=1)).events == []
    assert db.session.get(EventFigures, soon_id).purged_on == due.date()


def test_an_ended_event_holding_nothing_is_marked_without_a_snapshot(
        app, make_event, make_org, now):
    """A draft that never took a ticket, an archive emptied before the mark existed."""
    org = make_org()
    draft = make_event(organization=org, slug="draft", status="draft",
                       starts_in=timedelta(days=-30))
    old = make_event(organization=org, slug="old", status="archived",
                     starts_in=timedelta(days=-30))
    recent = make_event(organization=org, slug="recent", status="draft",
                        starts_in=timedelta(days=-1))  # ended, retention not over yet
    ids = draft.id, old.id, recent.id
    updated = draft.updated_at

    report = retention.purge(now)

    assert report.events == [] and report.events_marked == 2
    db.session.expire_all()
    draft, old, recent = (db.session.get(Event, i) for i in ids)
    assert draft.purged_at == now and old.purged_at == now and recent.purged_at is None
    assert draft.status == "draft" and draft.updated_at == updated  # bookkeeping only
    assert db.session.get(EventFigures, draft.id) is None  # no figures for an evening not held
    assert retention.purge(now + timedelta(days=1)).events_marked == 0
    assert retention.purge(now + timedelta(days=7)).events_marked == 1  # "recent", now due


def test_an_event_that_takes_tickets_again_after_its_purge_is_purged_again(
        app, make_event, now):
    """Unpublished with its tickets, purged as a draft, then moved to a new date."""
    from cryptoparty.events import services as events

    event = make_event(slug="moved")
    event_id = event.id
    first, second = event.sessions
    choice = [first.workshops[0].id, second.workshops[0].id]
    registration.register(event, choice, 2, now=now)
    events.change_status(event, "unpublish", now=now)
    due = event.ends_at + timedelta(days=7)
    assert retention.mark_empty_events(due) == 0  # a draft holding a ticket is not "empty"
    report = retention.purge(due)
    assert [e.slug for e in report.events] == ["moved"] and report.events[0].tickets == 1
    event = db.session.get(Event, event_id)
    assert event.status == "draft" and event.purged_at == due

    # An edit that leaves the end where it is keeps the mark.
    events.update_event(event, now=due, title="CryptoParty (past)")
    assert db.session.get(Event, event_id).purged_at == due
    # Moved after its purge: the mark goes with the old end, the new tickets and contact
    # are the purge's again once the new date's retention is over.
    later = due + timedelta(days=30)
    shift = later + timedelta(days=10) - event.starts_at
    events.update_event(event, now=due, starts_at=event.starts_at + shift,
                        ends_at=event.ends_at + shift, move_registration_window=True,
                        move_program=True)
    event = db.session.get(Event, event_id)
    assert event.purged_at is None
    events.change_status(event, "publish", now=later)
    registration.register(event, choice, 1, now=later)
    volunteer, _token = volunteers.sign_up(event, pseudonym="Grace", now=later)
    volunteer.contact_ciphertext = "-----BEGIN PGP MESSAGE-----\nsecret\n"
    db.session.commit()
    assert _count(Ticket, event_id=event_id) == 1

    again = event.ends_at + timedelta(days=7)
    assert [e.slug for e in retention.due_events(again)] == ["moved"]
    report = retention.purge(again)
    assert report.events[0].tickets == 1 and report.events[0].volunteer_contacts == 1
    assert _count(Ticket, event_id=event_id) == 0
    assert db.session.get(Event, event_id).purged_at == again
    assert retention.due_events(again + timedelta(days=1)) == []


def _vm_steps(work) -> int:
    """How many SQLite virtual-machine instructions ``work()`` ran, on every connection.

    A count of the work the database did (rows and index entries visited), which,
    unlike a wall clock, does not move with the machine's load.
    """
    from sqlalchemy import event as sa_event

    steps, touched = [0], []

    def tick():
        steps[0] += 1
        return 0

    def hook(conn, _cursor, _statement, _parameters, _context, _executemany):
        raw = conn.connection.driver_connection
        raw.set_progress_handler(tick, 1)
        touched.append(raw)

    sa_event.listen(db.engine, "before_cursor_execute", hook)
    try:
        work()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", hook)
        for raw in touched:
            raw.set_progress_handler(None, 1)
    return steps[0]


def test_the_purge_does_not_grow_with_the_archive(app, backend, two_events, now):
    """The daily purge skips the emptied archive: 20 or 420 past events, the same work."""
    from sqlalchemy import insert

    if backend != "sqlite":
        pytest.skip("counts SQLite's virtual-machine instructions")
    soon, _later = two_events
    organization_id = soon.organization_id

    def archive(count, first):
        # Past events as the purge left them: archived, no ticket, no contact.
        db.session.execute(insert(Event), [
            {"organization_id": organization_id, "slug": f"past-{i}", "title": f"Past {i}",
             "status": "archived", "starts_at": now - timedelta(days=30 + i),
             "ends_at": now - timedelta(days=30 + i) + timedelta(hours=3)}
            for i in range(first, first + count)])
        db.session.commit()
        retention.purge(now)  # the first run after them (it marks what it finds empty)

    archive(20, 0)
    small = _vm_steps(lambda: retention.purge(now))
    archive(400, 20)
    large = _vm_steps(lambda: retention.purge(now))
    assert small > 0
    assert large <= small * 1.05, (small, large)
