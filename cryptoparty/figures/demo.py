"""Demo activity that only an evening leaves behind: registrations, figures, feedback.

Loaded by ``flask demo`` after ``events.demo`` (this area sits above registration and
feedback): the upcoming CryptoParty gets 160 registered people, and the previous
edition its figures (70 registered, 60 there) and a few feedback notes, so that the
figures page, the feedback page and the report's comparison show something from
``make run``. Idempotent: an event that already has tickets or figures is left alone.
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from cryptoparty.core.database import atomic
from cryptoparty.core.extensions import db
from cryptoparty.events.demo import PAST_EDITION
from cryptoparty.events.models import Event
from cryptoparty.feedback.models import Feedback
from cryptoparty.registration import services as registration
from cryptoparty.registration.models import EventFigures, Ticket

#: Confirmed people per workshop of the previous edition (the talk took everyone).
PAST_FILL = {"conference": 70, "tor-browser": 15, "signal": 15, "keepassxc": 12, "tails": 8}
PAST_FEEDBACK = [
    (None, 5, "La conférence, très claire.", "Plus de temps pour les questions.", ""),
    ("tor-browser", 5, "Enfin compris ce que fait Tor.", "", "Merci aux bénévoles !"),
    ("signal", 4, "Les numéros de sécurité.", "Un atelier pour iPhone.", ""),
    ("keepassxc", 4, "", "Une fiche à emporter.", "J'ai changé tous mes mots de passe."),
    ("tails", 3, "", "Plus de clés USB disponibles.", "Trop court pour tout installer."),
]


def _past_figures(event: Event) -> None:
    by_slug = {w.slug: w for w in event.workshops}
    with atomic():
        db.session.add(EventFigures(
            event_id=event.id, walk_ins=5, registered=70, tickets=41, waitlisted=0,
            checked_in=55, purged_on=(event.ends_at + timedelta(days=7)).date(),
            workshops={str(w.id): {"slug": w.slug, "title": w.title,
                                   "session": w.session.label, "capacity": w.capacity,
                                   "confirmed": PAST_FILL.get(w.slug, 0), "waitlisted": 0}
                       for w in by_slug.values()}))
        for slug, rating, useful, missing, comment in PAST_FEEDBACK:
            workshop = by_slug.get(slug) if slug else None
            db.session.add(Feedback(
                event_id=event.id, workshop_id=workshop.id if workshop else None,
                kind="feedback", rating=rating, useful=useful, missing=missing,
                comment=comment, created_on=event.ends_at.date()))


def _registrations(event: Event, now: datetime) -> None:
    """160 people on 64 tickets: the talk and the meal, then a workshop of each session."""
    sessions = [s for s in event.sessions if s.workshops]
    for n in range(64):
        chosen = [s.workshops[n % len(s.workshops)].id for s in sessions]
        registration.register(event, chosen, 2 if n % 2 else 3, now=now)


def load_demo_activity(now: datetime) -> list[str]:
    """Add the demo's registrations, figures and feedback where missing; say what was made."""
    made = []
    past = db.session.scalar(select(Event).filter_by(slug=PAST_EDITION))
    if past is not None and db.session.get(EventFigures, past.id) is None:
        _past_figures(past)
        made.append(f"{PAST_EDITION} figures and feedback")
    upcoming = db.session.scalar(select(Event).filter_by(slug="cryptoparty"))
    if upcoming is not None and upcoming.status == "published" and not db.session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.event_id == upcoming.id)):
        _registrations(upcoming, now)
        made.append("cryptoparty registrations")
    return made
