"""Anonymous feedback: given after the event has started, moderated by its organizers.

Rules:

- feedback opens when the event starts and only for an event that took place
  (published or archived, not cancelled or draft);
- a ``feedback`` entry has a rating from 1 to 5 and/or some text (what was
  useful, what was missing, a comment), each within its maximum length;
- a ``note`` is a post-it of a Café vie privée: one short text, no rating;
  several notes can be left at once;
- nothing links an entry to a ticket or a person: only the day is stored;
- a hidden entry is left out of every summary and of the report; a quoted
  entry is shown as a quote in the report (hidden wins over quoted).
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cryptoparty.core.database import atomic
from cryptoparty.core.errors import DomainError, NotFound, WorkshopNotFound
from cryptoparty.core.extensions import db
from cryptoparty.events.models import Event, EventKind, EventStatus, Workshop
from cryptoparty.feedback.models import (
    MAX_COMMENT,
    MAX_MISSING,
    MAX_NOTE,
    MAX_USEFUL,
    Feedback,
)

MAX_NOTES_AT_ONCE = 5


class FeedbackNotOpen(DomainError):
    status = 409
    message = _l("Feedback opens when the event starts: come back after the evening.")


class FeedbackClosed(DomainError):
    status = 409
    message = _l("This event did not take place: there is nothing to give feedback on.")


class InvalidRating(DomainError):
    message = _l("The rating must be a whole number from 1 to 5.")


class FeedbackTooLong(DomainError):
    status = 400
    message = _l("“%(field)s” is too long: at most %(maximum)d characters.")


class EmptyFeedback(DomainError):
    message = _l("Give a rating or write a few words.")


class FeedbackNotFound(NotFound):
    message = _l("There is no such feedback.")


FIELD_LABELS = {
    "useful": _l("What was useful"),
    "missing": _l("What was missing"),
    "comment": _l("Comment"),
    "note": _l("Note"),
}


def feedback_kind_for(event: Event) -> str:
    """``note`` for a Café vie privée (post-its), ``feedback`` for every other kind."""
    return "note" if event.kind == EventKind.CAFE_VIE_PRIVEE else "feedback"


def check_feedback_open(event: Event, now: datetime) -> None:
    """Raise unless feedback on this event may be given at ``now``."""
    if event.status not in (EventStatus.PUBLISHED, EventStatus.ARCHIVED):
        raise FeedbackClosed()
    if now < event.starts_at:
        raise FeedbackNotOpen()


def workshop_of(event: Event, workshop_slug: str | None) -> Workshop | None:
    """The event's workshop with this slug (None for the event as a whole)."""
    if not workshop_slug:
        return None
    workshop = db.session.scalar(select(Workshop).filter_by(event_id=event.id,
                                                            slug=workshop_slug))
    if workshop is None:
        raise WorkshopNotFound()
    return workshop


def _clean(value: str | None, name: str, maximum: int) -> str:
    text = (value or "").strip().replace("\r\n", "\n")
    if len(text) > maximum:
        raise FeedbackTooLong(field=str(FIELD_LABELS[name]), maximum=maximum)
    return text


def _rating(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        rating = int(value)
    except (TypeError, ValueError):
        raise InvalidRating() from None
    if not 1 <= rating <= 5 or str(rating) != str(value).strip():
        raise InvalidRating()
    return rating


def give_feedback(event: Event, *, now: datetime, workshop: Workshop | None = None,
                  rating=None, useful: str = "", missing: str = "",
                  comment: str = "") -> Feedback:
    """Record one person's rating and comments; everything is checked before writing."""
    check_feedback_open(event, now)
    if workshop is not None and workshop.event_id != event.id:
        raise WorkshopNotFound()
    entry = Feedback(event_id=event.id, workshop_id=workshop.id if workshop else None,
                     kind="feedback", rating=_rating(rating),
                     useful=_clean(useful, "useful", MAX_USEFUL),
                     missing=_clean(missing, "missing", MAX_MISSING),
                     comment=_clean(comment, "comment", MAX_COMMENT),
                     created_on=now.date())
    if entry.rating is None and not entry.has_text:
        raise EmptyFeedback()
    with atomic():
        db.session.add(entry)
    return entry


def leave_notes(event: Event, notes: list[str], *, now: datetime,
                workshop: Workshop | None = None) -> list[Feedback]:
    """Record the post-it notes of a Café vie privée (empty ones are skipped)."""
    check_feedback_open(event, now)
    if workshop is not None and workshop.event_id != event.id:
        raise WorkshopNotFound()
    texts = [_clean(n, "note", MAX_NOTE) for n in notes[:MAX_NOTES_AT_ONCE]]
    if len(notes) > MAX_NOTES_AT_ONCE and any((n or "").strip()
                                               for n in notes[MAX_NOTES_AT_ONCE:]):
        raise FeedbackTooLong(field=str(FIELD_LABELS["note"]), maximum=MAX_NOTE)
    texts = [t for t in texts if t]
    if not texts:
        raise EmptyFeedback()
    entries = [Feedback(event_id=event.id, workshop_id=workshop.id if workshop else None,
                        kind="note", comment=text, created_on=now.date()) for text in texts]
    with atomic():
        db.session.add_all(entries)
    return entries


# Moderation -----------------------------------------------------------------

def feedback_of(event: Event, *, include_hidden: bool = True) -> list[Feedback]:
    """The event's feedback, newest first (for its organizers)."""
    query = select(Feedback).where(Feedback.event_id == event.id)
    if not include_hidden:
        query = query.where(Feedback.hidden.is_(False))
    return list(db.session.scalars(query.order_by(Feedback.created_on.desc(),
                                                  Feedback.id.desc())))


def get_feedback(event: Event, feedback_id: int) -> Feedback:
    """One entry of the event's feedback, or ``FeedbackNotFound``."""
    entry = db.session.get(Feedback, feedback_id)
    if entry is None or entry.event_id != event.id:
        raise FeedbackNotFound()
    return entry


def set_hidden(entry: Feedback, hidden: bool) -> Feedback:
    """Hide an entry from every summary and the report, or show it again."""
    with atomic():
        entry.hidden = hidden
        if hidden:
            entry.quoted = False
    return entry


def set_quoted(entry: Feedback, quoted: bool) -> Feedback:
    """Choose an entry's text as a quote for the report, or stop quoting it."""
    if quoted and (entry.hidden or not entry.has_text):
        raise DomainError(_l("Only a visible entry with some text can be quoted."))
    with atomic():
        entry.quoted = quoted
    return entry


# Summary --------------------------------------------------------------------

@dataclass
class WorkshopFeedback:
    """Ratings of one workshop."""

    workshop_id: int
    title: str
    count: int = 0
    rating_sum: int = 0
    rated: int = 0

    @property
    def average(self) -> float | None:
        """Mean rating, or None when nobody rated it."""
        return self.rating_sum / self.rated if self.rated else None


@dataclass
class FeedbackSummary:
    """What the visible feedback of an event says, in figures and chosen quotes."""

    responses: int = 0
    notes: int = 0
    ratings: dict[int, int] = field(default_factory=lambda: {n: 0 for n in range(1, 6)})
    per_workshop: list[WorkshopFeedback] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)

    @property
    def rated(self) -> int:
        """How many entries carry a rating."""
        return sum(self.ratings.values())

    @property
    def average(self) -> float | None:
        """Mean rating over the whole event, or None."""
        if not self.rated:
            return None
        return sum(n * c for n, c in self.ratings.items()) / self.rated


def summarize_feedback(event: Event) -> FeedbackSummary:
    """Counts, rating distribution, per-workshop averages and quotes of the visible feedback."""
    summary = FeedbackSummary()
    per_workshop: dict[int, WorkshopFeedback] = {}
    titles = {w.id: w.title for w in event.workshops}
    entries = feedback_of(event, include_hidden=False)
    for entry in sorted(entries, key=lambda e: e.id):
        if entry.kind == "note":
            summary.notes += 1
        else:
            summary.responses += 1
        if entry.rating:
            summary.ratings[entry.rating] += 1
        if entry.workshop_id is not None:
            stats = per_workshop.setdefault(entry.workshop_id, WorkshopFeedback(
                entry.workshop_id, titles.get(entry.workshop_id, "")))
            stats.count += 1
            if entry.rating:
                stats.rated += 1
                stats.rating_sum += entry.rating
        if entry.quoted and entry.has_text:
            summary.quotes.append(entry.quote_text)
    order = {w.id: i for i, w in enumerate(event.workshops)}
    summary.per_workshop = sorted(per_workshop.values(),
                                  key=lambda s: order.get(s.workshop_id, len(order)))
    return summary
