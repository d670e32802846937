"""Anonymous feedback: when it may be given, what is refused, moderation and summary."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cryptoparty.core.errors import WorkshopNotFound
from cryptoparty.core.extensions import db
from cryptoparty.feedback import services as fb
from cryptoparty.feedback.models import Feedback


def count():
    return db.session.scalar(select(func.count()).select_from(Feedback))


@pytest.fixture
def past_event(make_event):
    return make_event(starts_in=timedelta(days=-1))


def test_feedback_stores_the_day_only_and_no_ticket(past_event, now):
    entry = fb.give_feedback(past_event, now=now + timedelta(hours=5, minutes=3), rating=4,
                             useful="Tor", missing="Du temps", comment="Merci")
    assert entry.created_on == (now + timedelta(hours=5)).date()
    columns = set(Feedback.__table__.columns.keys())
    assert not columns & {"ticket_id", "created_at", "ip", "user_agent", "name", "email"}


@pytest.mark.parametrize("rating", [0, 6, -1, "6", "abc", "4.5", 3.5])
def test_rating_out_of_range_is_refused(past_event, now, rating):
    with pytest.raises(fb.InvalidRating):
        fb.give_feedback(past_event, now=now, rating=rating)
    assert count() == 0


def test_too_long_comment_is_refused_whole(past_event, now):
    with pytest.raises(fb.FeedbackTooLong) as error:
        fb.give_feedback(past_event, now=now, rating=5, comment="x" * 100_000)
    assert "2000" in error.value.describe()
    assert count() == 0


def test_feedback_before_the_event_is_refused(make_event, now):
    event = make_event()  # in ten days
    with pytest.raises(fb.FeedbackNotOpen):
        fb.give_feedback(event, now=now, rating=5)
    assert count() == 0


def test_feedback_opens_when_the_event_starts(make_event, now):
    event = make_event(starts_in=timedelta(0))
    assert fb.give_feedback(event, now=now, rating=5).id


@pytest.mark.parametrize("status", ["cancelled", "draft"])
def test_no_feedback_on_an_event_that_did_not_take_place(make_event, now, status):
    event = make_event(status=status, starts_in=timedelta(days=-1),
                       registration_opens_at=now - timedelta(days=5))
    with pytest.raises(fb.FeedbackClosed):
        fb.give_feedback(event, now=now, rating=5)


def test_empty_feedback_is_refused(past_event, now):
    with pytest.raises(fb.EmptyFeedback):
        fb.give_feedback(past_event, now=now, rating="", comment="   ")


def test_workshop_of_another_event_is_refused(past_event, make_event, now):
    other = make_event(past_event.organization, slug="other", starts_in=timedelta(days=-1))
    with pytest.raises(WorkshopNotFound):
        fb.give_feedback(past_event, now=now, workshop=other.workshops[0], rating=3)
    with pytest.raises(WorkshopNotFound):
        fb.workshop_of(past_event, "nope")


def test_notes_skip_empty_ones_and_refuse_long_ones(make_event, now):
    cafe = make_event(kind="cafe_vie_privee", starts_in=timedelta(days=-1))
    assert fb.feedback_kind_for(cafe) == "note"
    notes = fb.leave_notes(cafe, ["Rien à cacher ?", "", "  ", "Le modèle de menace"], now=now)
    assert [n.comment for n in notes] == ["Rien à cacher ?", "Le modèle de menace"]
    assert all(n.kind == "note" and n.rating is None for n in notes)
    with pytest.raises(fb.FeedbackTooLong):
        fb.leave_notes(cafe, ["ok", "x" * 281], now=now)
    with pytest.raises(fb.EmptyFeedback):
        fb.leave_notes(cafe, ["", ""], now=now)
    assert count() == 2


def test_summary_leaves_hidden_entries_out_and_keeps_chosen_quotes(past_event, now):
    tails = next(w for w in past_event.workshops if w.slug == "tails")
    good = fb.give_feedback(past_event, now=now, rating=5, comment="Enfin compris Tor")
    fb.give_feedback(past_event, now=now, workshop=tails, rating=3, missing="Des clés USB")
    spam = fb.give_feedback(past_event, now=now, rating=1, comment="spam spam")
    fb.set_quoted(good, True)
    fb.set_quoted(spam, True)
    fb.set_hidden(spam, True)
    assert spam.quoted is False
    summary = fb.summarize_feedback(past_event)
    assert summary.responses == 2
    assert summary.average == 4.0
    assert summary.ratings == {1: 0, 2: 0, 3: 1, 4: 0, 5: 1}
    assert summary.quotes == ["Enfin compris Tor"]
    assert [(w.title, w.average) for w in summary.per_workshop] == [("Tails", 3.0)]
    fb.set_hidden(spam, False)
    assert fb.summarize_feedback(past_event).responses == 3


def test_a_bare_rating_cannot_be_quoted(past_event, now):
    entry = fb.give_feedback(past_event, now=now, rating=4)
    with pytest.raises(fb.DomainError):
        fb.set_quoted(entry, True)
