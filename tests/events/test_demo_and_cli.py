"""The demo data and the command line."""

from datetime import date, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from cryptoparty.accounts.models import Organization
from cryptoparty.core.extensions import db
from cryptoparty.events.demo import PAST_EDITION, load_demo
from cryptoparty.events.models import Event, Workshop


def test_demo_has_the_shape_of_the_insa_evening(app, now):
    load_demo(today=date(2026, 3, 1), now=now)
    assert db.session.scalar(select(Organization.slug)) == "biblinsa"
    event = db.session.scalar(select(Event).filter_by(slug="cryptoparty"))
    formats = [w.format for w in event.workshops]
    assert formats.count("talk") == 1 and formats.count("meal") == 1
    talk = next(w for w in event.workshops if w.format == "talk")
    assert talk.capacity == 160
    workshop_sessions = [s for s in event.sessions
                         if all(w.format in ("workshop", "install") for w in s.workshops)]
    paris = ZoneInfo("Europe/Paris")
    starts = [s.starts_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(paris).time()
              for s in workshop_sessions]
    assert starts == [time(20, 45), time(22, 0)]
    assert sum(len(s.workshops) for s in workshop_sessions) == 9
    tails = next(w for w in event.workshops if w.slug == "tails")
    assert tails.capacity == 8
    slugs = set(db.session.scalars(select(Event.slug)))
    assert slugs == {"cryptoparty", "install-party", "cafe-vie-privee", PAST_EDITION}
    upcoming = [e for e in db.session.scalars(select(Event)) if e.slug != PAST_EDITION]
    assert all(e.status == "published" for e in upcoming)
    assert all(e.starts_at.date() > date(2026, 3, 1) for e in upcoming)


def test_demo_shows_the_previous_edition_and_the_comparison(app, now):
    from cryptoparty.figures import services as figures
    from cryptoparty.figures.demo import load_demo_activity

    load_demo(today=date(2026, 3, 1), now=now)
    assert load_demo_activity(now=now)
    past = db.session.scalar(select(Event).filter_by(slug=PAST_EDITION))
    assert past.status == "archived" and past.ends_at < now
    talk = [w for w in past.workshops if w.format == "talk"]
    assert len(talk) == 1 and talk[0].capacity == 70
    assert len([w for w in past.workshops if w.format != "talk"]) == 4
    report = figures.event_figures(past, now)
    assert report.registered == 70 and report.attendance == 60
    assert report.feedback.rated >= 3
    event = db.session.scalar(select(Event).filter_by(slug="cryptoparty"))
    history = figures.organization_history(event, now)
    assert [(row.slug, row.registered) for row in history] == [(PAST_EDITION, 70),
                                                               ("cryptoparty", 160)]
    assert load_demo_activity(now=now) == []  # idempotent


def test_demo_is_idempotent(app, now):
    load_demo(today=date(2026, 3, 1), now=now)
    count = db.session.scalar(select(func.count()).select_from(Workshop))
    created = load_demo(today=date(2026, 3, 1), now=now)
    assert created["events"] == [] and not created["organization"]
    assert db.session.scalar(select(func.count()).select_from(Workshop)) == count


def test_cli_create_organizer_and_demo(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-organizer", "bob", "--org", "mediatheque",
                                 "--org-name", "Médiathèque", "--password", "a long password!"])
    assert result.exit_code == 0, result.output
    short = runner.invoke(args=["create-organizer", "eve", "--password", "short"])
    assert short.exit_code != 0 and "12" in short.output
    result = runner.invoke(args=["demo"])
    assert "demo-cryptoparty" in result.output
