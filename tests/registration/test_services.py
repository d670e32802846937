"""Registration rules: windows, capacity, waitlist promotion, changes, check-in."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cryptoparty.core.errors import EventNotFound
from cryptoparty.core.extensions import db
from cryptoparty.events.models import Workshop
from cryptoparty.registration import services as reg
from cryptoparty.registration.models import Ticket, TicketChoice


@pytest.fixture
def event(make_event):
    return make_event()


def ws(event, slug):
    return next(w for w in event.workshops if w.slug == slug)


def ids(event, *slugs):
    return [ws(event, s).id for s in slugs]


def seats(event, slug):
    return db.session.scalar(select(Workshop.seats_taken).where(Workshop.id == ws(event, slug).id))


def counts():
    return (db.session.scalar(select(func.count(Ticket.id))),
            db.session.scalar(select(func.count(TicketChoice.id))))


def statuses(ticket):
    db.session.refresh(ticket)
    return {c.workshop.slug: c.status for c in ticket.choices}


def test_register_confirms_and_stores_only_a_hash(event, now):
    result = reg.register(event, ids(event, "tails", "signal"), 2, now=now)
    assert result.status == "confirmed"
    assert [c.status for c in result.choices] == ["confirmed", "confirmed"]
    ticket = db.session.get(Ticket, result.ticket_id)
    assert ticket.party == 2 and ticket.created_on == now.date()
    assert result.code not in ticket.code_hash
    assert seats(event, "tails") == 2 and seats(event, "signal") == 2
    assert reg.get_ticket_by_code(result.code.lower()).id == ticket.id


def test_full_workshop_waitlists_and_never_overbooks(event, now):
    tails = ids(event, "tails")
    outcomes = [reg.register(event, tails, 3, now=now).status for _ in range(4)]
    assert outcomes == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert seats(event, "tails") == 6
    # Two seats left: a party of 2 fits, a party of 1 after it does not.
    assert reg.register(event, tails, 2, now=now).status == "confirmed"
    assert reg.register(event, tails, 1, now=now).status == "waitlisted"
    assert seats(event, "tails") == 8


def test_cancel_promotes_oldest_waitlisted_that_fits(event, now):
    tails = ids(event, "tails")
    confirmed = [reg.register(event, tails, 4, now=now) for _ in range(2)]
    big = reg.register(event, tails, 3, now=now)      # head of the waitlist
    small1 = reg.register(event, tails, 1, now=now)
    small2 = reg.register(event, tails, 1, now=now)
    assert {big.status, small1.status, small2.status} == {"waitlisted"}
    ticket = reg.get_ticket_by_code(confirmed[0].code)
    assert reg.waitlist_positions(reg.get_ticket_by_code(small2.code)) == {tails[0]: 3}
    reg.reduce_party(ticket, 2, now=now)  # frees 2 seats: the 3 does not fit, both 1s do
    assert reg.get_ticket_by_code(big.code).overall_status == "waitlisted"
    assert reg.get_ticket_by_code(small1.code).overall_status == "confirmed"
    assert reg.get_ticket_by_code(small2.code).overall_status == "confirmed"
    assert reg.waitlist_positions(reg.get_ticket_by_code(big.code)) == {tails[0]: 1}
    reg.cancel(reg.get_ticket_by_code(confirmed[0].code), now=now)  # frees 2 more: still < 3
    assert reg.get_ticket_by_code(big.code).overall_status == "waitlisted"
    reg.cancel(reg.get_ticket_by_code(small1.code), now=now)        # 3 free now
    assert reg.get_ticket_by_code(big.code).overall_status == "confirmed"
    assert seats(event, "tails") == 4 + 3 + 1


def test_promotion_follows_registration_order(event, now):
    tails = ids(event, "tails")
    holders = [reg.register(event, tails, 1, now=now) for _ in range(8)]
    waiting = [reg.register(event, tails, 1, now=now) for _ in range(3)]
    reg.cancel(reg.get_ticket_by_code(holders[5].code), now=now)
    assert [reg.get_ticket_by_code(w.code).overall_status for w in waiting] == [
        "confirmed", "waitlisted", "waitlisted"]
    reg.cancel(reg.get_ticket_by_code(holders[0].code), now=now)
    assert [reg.get_ticket_by_code(w.code).overall_status for w in waiting] == [
        "confirmed", "confirmed", "waitlisted"]
    assert seats(event, "tails") == 8


def test_cancel_is_idempotent_and_frees_every_seat(event, now):
    result = reg.register(event, ids(event, "tails", "signal"), 3, now=now)
    ticket = reg.get_ticket_by_code(result.code)
    reg.cancel(ticket, now=now)
    reg.cancel(reg.get_ticket_by_code(result.code), now=now)
    assert seats(event, "tails") == 0 and seats(event, "signal") == 0
    assert reg.get_ticket_by_code(result.code).overall_status == "cancelled"
    with pytest.raises(reg.TicketCancelled):
        reg.change_choices(reg.get_ticket_by_code(result.code), ids(event, "signal"), now=now)


def test_swap_to_a_full_workshop_keeps_the_old_seat(event, now):
    for _ in range(8):
        reg.register(event, ids(event, "tails"), 1, now=now)
    mine = reg.register(event, ids(event, "tor-browser"), 1, now=now)
    with pytest.raises(reg.WorkshopFull):
        reg.change_choices(reg.get_ticket_by_code(mine.code), ids(event, "tails"), now=now)
    ticket = reg.get_ticket_by_code(mine.code)
    assert statuses(ticket) == {"tor-browser": "confirmed"}
    assert seats(event, "tor-browser") == 1 and seats(event, "tails") == 8


def test_swap_moves_the_seat_and_promotes_behind(event, now):
    for _ in range(7):
        reg.register(event, ids(event, "tails"), 1, now=now)
    mine = reg.register(event, ids(event, "tails"), 1, now=now)
    waiting = reg.register(event, ids(event, "tails"), 1, now=now)
    reg.change_choices(reg.get_ticket_by_code(mine.code), ids(event, "tor-browser", "signal"),
                       now=now)
    assert statuses(reg.get_ticket_by_code(mine.code)) == {"tor-browser": "confirmed",
                                                          "signal": "confirmed"}
    assert reg.get_ticket_by_code(waiting.code).overall_status == "confirmed"
    assert seats(event, "tails") == 8 and seats(event, "tor-browser") == 1


def test_unchanged_choice_keeps_its_waitlist_place(event, now):
    for _ in range(8):
        reg.register(event, ids(event, "tails"), 1, now=now)
    first = reg.register(event, ids(event, "tails"), 1, now=now)
    reg.register(event, ids(event, "tails"), 1, now=now)
    reg.change_choices(reg.get_ticket_by_code(first.code), ids(event, "tails", "signal"), now=now)
    ticket = reg.get_ticket_by_code(first.code)
    assert reg.waitlist_positions(ticket) == {ws(event, "tails").id: 1}


@pytest.mark.parametrize("workshops, error", [
    ([], reg.NoWorkshopChosen),
    ([999999], reg.UnknownWorkshop),
    (["1"], reg.UnknownWorkshop),
    ([True], reg.UnknownWorkshop),
    ("two-of-session-1", reg.TwoWorkshopsInOneSession),
    ("same-twice", reg.TwoWorkshopsInOneSession),
    ("other-event", reg.UnknownWorkshop),
])
def test_bad_choices_write_nothing(event, make_event, make_org, now, workshops, error):
    if workshops == "two-of-session-1":
        workshops = ids(event, "tor-browser", "tails")
    elif workshops == "same-twice":
        workshops = ids(event, "tails", "tails")
    elif workshops == "other-event":
        other = make_event(organization=make_org(slug="autre", name="Autre"), slug="autre")
        workshops = [other.workshops[0].id]
    before = counts()
    with pytest.raises(error):
        reg.register(event, workshops, 1, now=now)
    assert counts() == before
    assert seats(event, "tails") == 0


@pytest.mark.parametrize("party", [0, -1, 10**9, "2", 2.0, None, True, 5])
def test_bad_party_writes_nothing(event, now, party):
    with pytest.raises(reg.InvalidParty):
        reg.register(event, ids(event, "tails"), party, now=now)
    assert counts() == (0, 0)


@pytest.mark.parametrize("fields, status, error", [
    ({}, "cancelled", reg.EventCancelled),
    ({}, "archived", reg.EventOver),
    ({}, "draft", EventNotFound),
    ({"registration_opens_at": "tomorrow"}, "published", reg.RegistrationNotOpen),
    ({"registration_closes_at": "yesterday"}, "published", reg.RegistrationClosed),
    ({"starts_in": "past"}, "published", reg.EventOver),
])
def test_closed_registration_says_why(make_event, now, fields, status, error):
    kwargs = {}
    if fields.get("registration_opens_at"):
        kwargs["registration_opens_at"] = now + timedelta(days=1)
    if fields.get("registration_closes_at"):
        kwargs["registration_opens_at"] = now - timedelta(days=3)
        kwargs["registration_closes_at"] = now - timedelta(days=1)
    if fields.get("starts_in"):
        kwargs.update(starts_in=timedelta(days=-2), registration_opens_at=now - timedelta(days=9),
                      registration_closes_at=None)
    event = make_event(status=status, **kwargs)
    with pytest.raises(error):
        reg.register(event, [event.workshops[0].id], 1, now=now)
    assert counts() == (0, 0)


def test_registration_open_until_start_when_no_closing_time(make_event, now):
    event = make_event(registration_opens_at=None, registration_closes_at=None)
    assert reg.registration_state(event, now) == "open"
    assert reg.registration_state(event, event.starts_at) == "closed"
    assert reg.registration_state(event, event.ends_at) == "over"


@pytest.mark.parametrize("typed", ["", "nope", "ABCD-EFGH-JKMN-PQRS", "x" * 500])
def test_unknown_or_malformed_code_is_not_found(event, typed):
    with pytest.raises(reg.TicketNotFound):
        reg.get_ticket_by_code(typed)


def test_reduce_party_refuses_growth_and_zero(event, now):
    result = reg.register(event, ids(event, "tails"), 2, now=now)
    for party in (2, 3, 0, "1"):
        with pytest.raises(reg.PartyNotSmaller):
            reg.reduce_party(reg.get_ticket_by_code(result.code), party, now=now)
    assert seats(event, "tails") == 2


def test_changes_close_when_event_starts(event, now):
    result = reg.register(event, ids(event, "tails"), 2, now=now)
    later = event.starts_at + timedelta(minutes=5)
    with pytest.raises(reg.ChangesClosed):
        reg.reduce_party(reg.get_ticket_by_code(result.code), 1, now=later)
    reg.cancel(reg.get_ticket_by_code(result.code), now=later)  # still possible at the door
    assert seats(event, "tails") == 0


def test_check_in_walk_ins_and_counts(event, now):
    a = reg.register(event, ids(event, "tails", "signal"), 2, now=now)
    reg.register(event, ids(event, "tails"), 3, now=now)
    for _ in range(3):
        reg.register(event, ids(event, "tails"), 1, now=now)
    reg.register(event, ids(event, "tails"), 2, now=now)  # waitlisted
    reg.check_in(reg.get_ticket_by_code(a.code))
    assert reg.add_walk_ins(event, 3) == 3
    assert reg.add_walk_ins(event, -1) == 2
    with pytest.raises(reg.InvalidWalkIns):
        reg.add_walk_ins(event, -5)
    counts_ = reg.event_counts(event)
    session1 = counts_.sessions[0]
    tails = next(w for w in session1.workshops if w.workshop.slug == "tails")
    assert (tails.confirmed, tails.waitlisted, tails.checked_in) == (8, 2, 2)
    assert tails.fill_rate == 1.0
    assert (counts_.tickets, counts_.people, counts_.checked_in, counts_.walk_ins) == (6, 10, 2, 2)
    door = reg.door_list(event)
    assert len(door) == 6
    entry = next(e for e in door if e.checked_in)
    assert entry.party == 2 and [c[1] for c in entry.choices] == ["Tails", "Signal"]
    assert entry.tag == reg.get_ticket_by_code(a.code).check_tag


def test_cancelled_ticket_cannot_be_checked_in(event, now):
    result = reg.register(event, ids(event, "tails"), 1, now=now)
    reg.cancel(reg.get_ticket_by_code(result.code), now=now)
    with pytest.raises(reg.TicketCancelled):
        reg.check_in(reg.get_ticket_by_code(result.code))


def test_raising_capacity_promotes_the_waitlist(event, now):
    from cryptoparty.events import services as event_service

    tails = ids(event, "tails")
    for _ in range(8):
        reg.register(event, tails, 1, now=now)
    waiting = [reg.register(event, tails, 1, now=now) for _ in range(3)]
    event_service.update_workshop(ws(event, "tails"), capacity=10, now=now)
    assert [reg.get_ticket_by_code(w.code).overall_status for w in waiting] == [
        "confirmed", "confirmed", "waitlisted"]
    assert seats(event, "tails") == 10


def test_changing_to_no_workshop_at_all_is_refused_and_keeps_the_seats(event, now):
    mine = reg.register(event, ids(event, "tails", "signal"), 2, now=now)
    with pytest.raises(reg.NoWorkshopChosen):
        reg.change_choices(reg.get_ticket_by_code(mine.code), [], now=now)
    assert statuses(reg.get_ticket_by_code(mine.code)) == {"tails": "confirmed",
                                                          "signal": "confirmed"}
    assert seats(event, "tails") == 2 and seats(event, "signal") == 2
