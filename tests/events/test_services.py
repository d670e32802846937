"""Planning rules of the events service, without HTTP."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cryptoparty.core.errors import (
    CapacityBelowTaken,
    DuplicateSlug,
    EndsBeforeStart,
    EventNotFound,
    InvalidCapacity,
    InvalidTransition,
    SessionNoLongerInside,
    SessionOutsideEvent,
)
from cryptoparty.core.extensions import db
from cryptoparty.events import services as events
from cryptoparty.events.models import Event, EventSession, Workshop


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_slugify_strips_accents():
    assert events.slugify("Café vie privée !") == "cafe-vie-privee"
    assert events.slugify("!!!") == "event"


def test_create_event_derives_a_unique_slug(make_org, now):
    org = make_org()
    times = dict(starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=3))
    first = events.create_event(org, now=now, title="Café vie privée", venue="x", **times)
    second = events.create_event(org, now=now, title="Café vie privée", venue="x", **times)
    assert (first.slug, second.slug) == ("cafe-vie-privee", "cafe-vie-privee-2")
    assert first.status == "draft"


def test_explicit_duplicate_slug_is_refused(make_event, make_org, now):
    event = make_event()
    with pytest.raises(DuplicateSlug):
        events.create_event(event.organization, now=now, slug=event.slug, title="x", venue="x",
                            starts_at=now, ends_at=now + timedelta(hours=1))
    assert count(Event) == 1


def test_event_must_end_after_it_starts(make_org, now):
    with pytest.raises(EndsBeforeStart):
        events.create_event(make_org(), now=now, title="x", venue="x", starts_at=now,
                            ends_at=now)
    assert count(Event) == 0


def test_session_must_lie_within_the_event(make_event, now):
    event = make_event(program=[])
    with pytest.raises(SessionOutsideEvent):
        events.add_session(event, label="Trop tôt", starts_at=event.starts_at - timedelta(hours=1),
                           ends_at=event.starts_at + timedelta(hours=1), now=now)
    with pytest.raises(EndsBeforeStart):
        events.add_session(event, label="À l'envers", starts_at=event.ends_at,
                           ends_at=event.starts_at, now=now)
    assert count(EventSession) == 0


def test_moving_the_event_away_from_its_sessions_is_refused(make_event, now):
    event = make_event()
    with pytest.raises(SessionNoLongerInside):
        events.update_event(event, now=now, starts_at=event.starts_at + timedelta(days=1),
                            ends_at=event.ends_at + timedelta(days=1))
    db.session.expire_all()
    assert db.session.get(Event, event.id).starts_at == event.starts_at


@pytest.mark.parametrize("capacity", [0, -1, 10**9])
def test_capacity_is_positive_and_bounded(make_event, now, capacity):
    event = make_event()
    before = count(Workshop)
    with pytest.raises(InvalidCapacity):
        events.add_workshop(event.sessions[0], now=now, title="x", capacity=capacity)
    assert count(Workshop) == before


def test_capacity_cannot_drop_below_seats_taken(make_event, now):
    workshop = make_event().workshops[1]
    workshop.seats_taken = 5
    db.session.commit()
    with pytest.raises(CapacityBelowTaken):
        events.update_workshop(workshop, now=now, capacity=4)
    events.update_workshop(workshop, now=now, capacity=5)
    assert workshop.capacity == 5


def test_status_transitions(make_event, now):
    event = make_event(status="draft")
    events.change_status(event, "publish", now=now)
    events.change_status(event, "cancel", now=now)
    with pytest.raises(InvalidTransition):
        events.change_status(event, "publish", now=now)
    assert event.status == "cancelled"


def test_duplicate_copies_the_program_to_a_new_date(make_event, now):
    event = make_event()
    next_year = event.starts_at + timedelta(days=364)
    copy = events.duplicate_event(event, starts_at=next_year, now=now)
    assert copy.status == "draft" and copy.slug != event.slug
    assert copy.ends_at - copy.starts_at == event.ends_at - event.starts_at
    assert [s.label for s in copy.sessions] == [s.label for s in event.sessions]
    assert [w.title for w in copy.workshops] == [w.title for w in event.workshops]
    assert all(w.seats_taken == 0 and w.event_id == copy.id for w in copy.workshops)
    assert copy.sessions[0].starts_at - copy.starts_at == \
        event.sessions[0].starts_at - event.starts_at


def test_upcoming_events_excludes_drafts_cancelled_and_past(make_event, make_org, now):
    org = make_org()
    make_event(org, slug="a")
    make_event(org, slug="b", status="draft")
    make_event(org, slug="c", status="cancelled")
    make_event(org, slug="d", starts_in=timedelta(days=-3))
    assert [e.slug for e in events.upcoming_events(now)] == ["a"]


def test_organizers_only_reach_their_own_events(make_event, make_org, make_organizer):
    mine, theirs = make_org("mine", "Mine"), make_org("theirs", "Theirs")
    make_event(theirs, slug="their-event")
    alice = make_organizer("alice", organizations=[mine])
    with pytest.raises(EventNotFound):
        events.get_event_for(alice, "their-event")
    assert events.events_of(alice) == []
