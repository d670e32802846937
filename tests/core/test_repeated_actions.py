"""Every creating form, posted twice with the same key, creates once (issue 14).

``CREATING`` has a row for each POST route that creates something: who posts
it, what it posts, and what to observe (a count of rows, or the value that a
second creation would change). ``NOT_CREATING`` names every other POST or
DELETE route with the reason it needs no key. A route added to the URL map
without a row in either table fails ``test_every_post_route_is_declared``.

For each creating form: the same form posted twice (same hidden key) changes
what is observed once, and the repeat leads where the first post led; the
same form posted without its key (or with an empty one) changes nothing and
says why. The concurrent case (two real requests at once) is in
tests/concurrency/test_repeated_forms.py.
"""

import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from cryptoparty.core.extensions import db
from tests.conftest import NOW, login
from tests.events.test_views_manage import EVENT_FORM, workshop_form
from tests.privacy.world import World, build_path, build_world, url_values

ADMIN_PASSWORD = "an administrator's long password"
JOIN_PASSWORD = "a new colleague's long password"
MISSING_EN = "arrived without its one-time key"


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _models():
    from cryptoparty.accounts.models import (
        AuditEntry,
        Organization,
        Organizer,
        StaffInvitation,
    )
    from cryptoparty.announcements.models import Announcement, OrganizationKey
    from cryptoparty.events.models import Event, EventSession, Workshop
    from cryptoparty.feedback.models import Feedback
    from cryptoparty.kits.models import OrganizationRecipe
    from cryptoparty.registration.models import EventFigures, Ticket
    from cryptoparty.volunteers.models import Claim, Proposal, Volunteer
    return {m.__name__: m for m in (
        AuditEntry, Organization, Organizer, StaffInvitation, Announcement, OrganizationKey,
        Event, EventSession, Workshop, Feedback, OrganizationRecipe, EventFigures, Ticket,
        Claim, Proposal, Volunteer)}


def rows(name: str) -> Callable:
    return lambda world, extra: count(_models()[name])


def _event():
    from cryptoparty.events.models import Event
    return db.session.scalar(select(Event).filter_by(slug="cryptoparty"))


def _local(moment, tz) -> str:
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(tz)).strftime(
        "%Y-%m-%dT%H:%M")


def _free_workshop_id(world, extra) -> str:
    from cryptoparty.volunteers import services as volunteers
    from cryptoparty.volunteers.models import Claim
    claimed = list(db.session.scalars(select(Claim)))
    sessions = {c.workshop.session_id for c in claimed}
    return str(next(w.id for w in volunteers.open_workshops(_event())
                    if w.session_id not in sessions))


def _registration(world, extra) -> dict:
    from cryptoparty.registration.forms import session_field_name
    event = _event()
    data = {session_field_name(s.id): str(s.workshops[-1].id) for s in event.sessions}
    return dict(data, party="1")


def _walk_ins(world, extra):
    from cryptoparty.registration.models import EventFigures
    db.session.expire_all()
    figures = db.session.get(EventFigures, _event().id)
    return figures.walk_ins if figures else 0


def _new_session(world, extra) -> dict:
    event = _event()
    first = event.sessions[0]
    return {"label": "Tard", "starts_at": _local(first.starts_at, event.timezone),
            "ends_at": _local(first.ends_at, event.timezone)}


def _workshop(world, extra) -> dict:
    return workshop_form(world.session_ids[0], title="Threat models")


def _recipe(world, extra) -> dict:
    from cryptoparty.core.resources import ROOT
    text = (ROOT / "cryptoparty" / "kits" / "catalogue_recipes" / "signal.toml").read_text()
    return {"source": text.replace('key = "signal"', 'key = "signal-twice"', 1)}


def _feedback_time(app, client, world, extra):
    app.config["FIXED_NOW"] = _event().starts_at + timedelta(hours=1)


def _accept(world, extra) -> dict:
    prefix = f"proposal{world.ids['proposal_id']}-"
    return {prefix + "session_id": str(world.session_ids[-1]), prefix + "capacity": "12",
            prefix + "room": "B12"}


def _outside_public_key(app, client, world, extra):
    from tests.announcements.fixtures import outside_keyring
    with outside_keyring() as own:
        extra["public"] = own.export_public_key(own.generate_key("Contacts", "c@example.org"))


def _signing(app, client, world, extra):
    assert client.post_form(f"/manage/orgs/{world.org_slug}/key/generate", {
        "name": "Bibliothèque", "email": "annonces@example.org"}).status_code == 302
    assert client.post_form("/manage/events/cryptoparty/announcements/draft").status_code == 302


def _signed_offline(app, client, world, extra):
    from cryptoparty.announcements.models import Announcement
    from tests.announcements.fixtures import outside_keyring
    with outside_keyring() as own:
        fpr = own.generate_key("Bibliothèque", "annonces@example.org")
        assert client.post_form(f"/manage/orgs/{world.org_slug}/key/register", {
            "public-key_text": own.export_public_key(fpr)}).status_code == 302
        assert client.post_form("/manage/events/cryptoparty/announcements/draft") \
            .status_code == 302
        body = db.session.scalar(select(Announcement.body).filter_by(channel="full"))
        extra["signed"] = own.clearsign(body, fpr)


def _signed_text(world, extra):
    from cryptoparty.announcements.models import Announcement
    db.session.expire_all()
    return (count(Announcement),
            tuple(db.session.scalars(select(Announcement.signed_text)
                                     .order_by(Announcement.id))))


def _contacts_fingerprint(world, extra):
    from cryptoparty.accounts.models import Organization
    db.session.expire_all()
    return db.session.scalar(select(Organization.contacts_key_fingerprint)
                             .filter_by(slug=world.org_slug))


def _join_link(app, client, world, extra):
    from cryptoparty.accounts import staff
    from cryptoparty.accounts.models import Organization, Organizer
    from cryptoparty.events.demo import DEMO_LOGIN
    owner = db.session.scalar(select(Organizer).filter_by(login=DEMO_LOGIN))
    org = db.session.scalar(select(Organization).filter_by(slug=world.org_slug))
    extra["token"] = staff.invite(owner, org, "organizer", NOW).token
    db.session.commit()


def _admin(app, client, world, extra):
    from cryptoparty.accounts import services as organizers
    organizers.create_organizer("root", ADMIN_PASSWORD, is_admin=True)
    db.session.commit()


def _series_with_an_empty_date(app, client, world, extra):
    """The world's event becomes a date of a series whose other date has no program."""
    from cryptoparty.events.models import Event, EventSeries
    event = db.session.scalar(select(Event).filter_by(slug="cryptoparty"))
    series = EventSeries(organization_id=event.organization_id, slug="cafe",
                         title="Café", rrule="FREQ=WEEKLY;COUNT=2")
    db.session.add(series)
    db.session.flush()
    later = Event(organization_id=event.organization_id, slug="cryptoparty-later",
                  title=event.title, kind=event.kind, venue=event.venue,
                  timezone=event.timezone, series_id=series.id, status=event.status,
                  starts_at=event.starts_at + timedelta(days=7),
                  ends_at=event.ends_at + timedelta(days=7))
    event.series_id = series.id
    db.session.add(later)
    db.session.commit()


@dataclass
class Creating:
    observe: Callable  # (world, extra) -> a value that a second creation would change
    data: Callable = lambda world, extra: {}  # (world, extra) -> the form's fields
    who: str = "owner"  # owner, anonymous, admin
    values: Callable = lambda world, extra: {}  # URL values other than the world's
    setup: Callable | None = None  # (app, client, world, extra), before observing


CREATING = {
    "POST tickets.register": Creating(rows("Ticket"), _registration, who="anonymous"),
    "POST tickets.walk_ins": Creating(_walk_ins, lambda w, e: {"delta": "1"}),
    "POST manage.new_event": Creating(rows("Event"), lambda w, e: EVENT_FORM),
    "POST manage.duplicate": Creating(rows("Event"),
                                      lambda w, e: {"starts_at": "2027-03-11T19:00"}),
    "POST manage.new_session": Creating(rows("EventSession"), _new_session),
    "POST manage.copy_program": Creating(rows("EventSession"), setup=_series_with_an_empty_date),
    "POST manage.new_workshop": Creating(rows("Workshop"), _workshop),
    "POST manage.new_series": Creating(rows("Event"), lambda w, e: {
        "kind": "cafe_vie_privee", "title": "Café", "description": "", "venue": "Salle",
        "address": "", "starts_at": "2026-03-07T10:30", "ends_at": "2026-03-07T12:00",
        "rrule": "FREQ=MONTHLY;BYDAY=1SA;COUNT=3", "publish": "y"}),
    "POST catalogue.new_workshop": Creating(rows("Workshop"), _workshop),
    "POST catalogue.new_recipe": Creating(rows("OrganizationRecipe"), _recipe),
    "POST feedback.give": Creating(rows("Feedback"), lambda w, e: {"rating": "4",
                                                                  "comment": "Merci"},
                                   who="anonymous", setup=_feedback_time,
                                   values=lambda w, e: {"workshop_slug": None}),
    "POST volunteers.call": Creating(rows("Volunteer"), lambda w, e: {"pseudonym": "Zoé"},
                                     who="anonymous"),
    "POST volunteers.claim": Creating(rows("Claim"),
                                      lambda w, e: {"workshop_id": _free_workshop_id(w, e)},
                                      who="anonymous"),
    "POST volunteers.propose": Creating(rows("Proposal"), lambda w, e: {
        "title": "Mots de passe", "summary": "", "format": "workshop",
        "duration_minutes": "45", "level": "beginner", "needs": ""}, who="anonymous"),
    "POST manage_volunteers.assign": Creating(rows("Claim"), lambda w, e: {
        "volunteer_id": str(w.ids["volunteer_id"]), "workshop_id": _free_workshop_id(w, e)}),
    "POST manage_volunteers.accept_proposal": Creating(rows("Workshop"), _accept),
    "POST manage_openpgp.generate": Creating(rows("OrganizationKey"), lambda w, e: {
        "name": "Bibliothèque", "email": "annonces@example.org"}),
    "POST manage_openpgp.upload": Creating(
        rows("OrganizationKey"), lambda w, e: {"public-key_text": e["public"]},
        values=lambda w, e: {"kind": "register"}, setup=_outside_public_key),
    "POST manage_openpgp.generate_contacts_key": Creating(_contacts_fingerprint, lambda w, e: {
        "name": "Contacts", "email": "contacts@example.org", "understood": "y"}),
    "POST manage_openpgp.register_contacts_key": Creating(
        rows("AuditEntry"), lambda w, e: {"contacts-key_text": e["public"]},
        setup=_outside_public_key),
    "POST manage_openpgp.draft": Creating(rows("Announcement")),
    "POST manage_openpgp.sign": Creating(_signed_text, setup=_signing),
    "POST manage_openpgp.upload_signed": Creating(
        _signed_text, lambda w, e: {"signed_text": e["signed"]}, setup=_signed_offline),
    "POST staff.invite": Creating(rows("StaffInvitation"), lambda w, e: {"role": "organizer"}),
    "POST staff.reset": Creating(rows("StaffInvitation")),
    "POST staff.join": Creating(rows("Organizer"), lambda w, e: {
        "login": "nouvelle", "display_name": "", "password": JOIN_PASSWORD,
        "confirm": JOIN_PASSWORD}, who="anonymous", setup=_join_link,
        values=lambda w, e: {"token": e["token"]}),
    "POST staff.admin": Creating(rows("Organization"), lambda w, e: {
        "slug": "mediatheque", "name": "Médiathèque"}, who="admin", setup=_admin),
}

# The API creates through its Idempotency-Key header (tests/registration/test_repeats.py).
API_CREATING = {"POST api.create_ticket"}

NOT_CREATING = {
    "DELETE api.cancel_ticket": "cancels a ticket: a repeat finds it cancelled",
    "POST account.disable": "turns two-factor login off (an update)",
    "POST account.enable": "turns two-factor login on (an update of the account)",
    "POST auth.login": "opens a session, stores no row of its own",
    "POST auth.login_code": "second step of the login",
    "POST auth.logout": "ends the session",
    "POST catalogue.delete_recipe": "deletes",
    "POST catalogue.edit_recipe": "edits an existing recipe",
    "POST federation.inbox": "server-to-server ActivityPub, not a form; activities carry ids",
    "POST feeds.manage_embed": "replaces the list of embedding websites (an update)",
    "POST figures.moderate": "hides/shows/quotes a comment (an update)",
    "POST manage.change_status": "publish/cancel/archive: a repeat finds the new status",
    "POST manage.delete_session": "deletes",
    "POST manage.delete_workshop": "deletes",
    "POST manage.edit_session": "edits",
    "POST manage.edit_workshop": "edits",
    "POST manage.event": "edits the event",
    "POST manage_federation.switch": "turns federation on or off (an update)",
    "POST manage_openpgp.revoke": "revokes a key: a repeat finds it revoked",
    "POST manage_openpgp.save": "saves the text of an existing draft (an update)",
    "POST manage_volunteers.decide_claim": "confirms or declines a claim (an update)",
    "POST manage_volunteers.decline_proposal": "declines a proposal (an update)",
    "POST staff.change_role": "changes a role (an update)",
    "POST staff.remove": "removes a member: a repeat finds them gone",
    "POST staff.revoke_link": "withdraws a link: a repeat finds it withdrawn",
    "POST staff.settings_page": "edits the organization's settings",
    "POST tickets.cancel": "cancels a ticket: a repeat finds it cancelled",
    "POST tickets.change": "changes the workshops of a ticket (an update)",
    "POST tickets.check_in": "a second check-in says 'already checked in' (issue 14)",
    "POST tickets.door_check_in": "a second check-in says 'already checked in' (issue 14)",
    "POST tickets.lookup": "looks a ticket up",
    "POST tickets.reduce_party": "lowers the party size (an update)",
    "POST volunteers.check_in": "a second check-in says 'already checked in' (issue 14)",
    "POST volunteers.withdraw_claim": "withdraws: a repeat finds it withdrawn",
    "POST volunteers.withdraw_proposal": "withdraws: a repeat finds it withdrawn",
}


def _writing_routes(app) -> dict:
    routes = {}
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            routes.setdefault(f"{method} {rule.endpoint}", rule)
    return routes


def test_every_post_route_is_declared(app):
    routes = _writing_routes(app)
    declared = CREATING.keys() | API_CREATING | NOT_CREATING.keys()
    missing = sorted(routes.keys() - declared)
    assert not missing, ("say whether these routes create something (CREATING, with a key) "
                         f"or not (NOT_CREATING, with the reason): {missing}")
    gone = sorted(declared - routes.keys())
    assert not gone, f"these routes no longer exist: {gone}"
    assert not CREATING.keys() & NOT_CREATING.keys()


def test_every_creating_form_uses_the_one_mechanism(app):
    """The forms go through ``idempotent_form`` (registration through its service's key)."""
    unguarded = [name for name in CREATING if name != "POST tickets.register"
                 and not getattr(app.view_functions[name.split()[1]], "idempotent_form", False)]
    assert not unguarded


@pytest.fixture
def app_config():
    return {"GNUPG_PASSPHRASE": "phrase du serveur"}


def _prepared(app, name):
    """The world, a client logged in as the row says, the row's extras and the path."""
    if "openpgp" in name and shutil.which("gpg") is None:
        pytest.skip("needs GnuPG")
    row = CREATING[name]
    world: World = build_world(NOW)
    extra: dict = {}
    client = app.test_client()
    if row.who == "owner":
        login(client, world.organizer_login, world.organizer_password)
    if row.setup is not None:
        row.setup(app, client, world, extra)
    if row.who == "admin":
        login(client, "root", ADMIN_PASSWORD)
    rule = _writing_routes(app)[name]
    values = {k: v for k, v in {**url_values(rule, world), **row.values(world, extra)}.items()
              if v is not None and k in rule.arguments}
    path = build_path(app, rule, values)
    return row, world, extra, client, path


def _form(client, row, world, extra, **fields) -> dict:
    data = {"csrf_token": client.csrf_token(), **row.data(world, extra), **fields}
    return data


@pytest.mark.parametrize("name", sorted(CREATING))
def test_a_creating_form_posted_twice_with_its_key_acts_once(app, name):
    row, world, extra, client, path = _prepared(app, name)
    before = row.observe(world, extra)
    data = _form(client, row, world, extra, idempotency_key=secrets.token_urlsafe(24))
    # A double click: both posts leave with the cookie the page was shown with.
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(cookie_name)
    first = client.post(path, data=data)
    assert first.status_code in (200, 302, 303), first.get_data(as_text=True)[:2000]
    after_first = row.observe(world, extra)
    assert after_first != before, f"{name}: the first post created nothing"
    if cookie is not None:
        client.set_cookie(cookie_name, cookie.value, domain=cookie.domain, path=cookie.path)
    second = client.post(path, data=data)
    assert row.observe(world, extra) == after_first, f"{name}: the repeat acted again"
    # The repeat leads where the first post led (or, for a page shown once, back to
    # where it can be found), and creates nothing.
    assert second.status_code in (302, 303)
    if first.status_code in (302, 303):
        assert second.location.split("?")[0] == first.location.split("?")[0]


@pytest.mark.parametrize("name", sorted(CREATING))
def test_a_creating_form_without_its_key_creates_nothing_and_says_why(app, name):
    row, world, extra, client, path = _prepared(app, name)
    before = row.observe(world, extra)
    for key in (None, "", "short", "x" * 129):  # absent, empty, malformed
        data = _form(client, row, world, extra)
        if key is not None:
            data["idempotency_key"] = key
        response = client.post(path + ("&" if "?" in path else "?") + "lang=en", data=data)
        assert response.status_code == 400, (key, response.status_code)
        assert MISSING_EN in response.get_data(as_text=True), key
        assert row.observe(world, extra) == before, key
