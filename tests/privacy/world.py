"""A demo-shaped world for the privacy tests: the demo data, a ticket, a volunteer link.

``build_world(app, now)`` loads the demo (organization ``biblinsa``, its
organizer ``demo``, events ``cryptoparty``, ``install-party``, ``cafe-vie-privee``),
registers one ticket and signs one volunteer up for ``cryptoparty``, and adds a
second organization with its own organizer and event.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from cryptoparty.core.extensions import db


@dataclass
class World:
    event_slug: str
    other_event_slug: str
    org_slug: str
    other_org_slug: str
    ticket_code: str
    volunteer_token: str
    workshop_ids: list
    session_ids: list
    organizer_login: str
    organizer_password: str
    other_login: str
    other_password: str
    ids: dict
    # Colleagues of the demo owner, one per other role: login → password.
    staff: dict


def build_world(now) -> World:
    """Create the world in the current app context (see the module docstring)."""
    from cryptoparty.accounts import services as organizers
    from cryptoparty.accounts.models import Organization
    from cryptoparty.core.resources import ROOT
    from cryptoparty.events import services as events
    from cryptoparty.events.demo import (
        DEMO_DOOR_LOGIN,
        DEMO_DOOR_PASSWORD,
        DEMO_LOGIN,
        DEMO_ORG,
        DEMO_PASSWORD,
        load_demo,
    )
    from cryptoparty.events.models import Event
    from cryptoparty.feedback import services as feedback
    from cryptoparty.kits import recipes
    from cryptoparty.registration import services as registration
    from cryptoparty.volunteers import services as volunteers

    load_demo(today=now.date(), now=now)
    from cryptoparty.federation.services import federate_by_default
    event = db.session.scalar(select(Event).filter_by(slug="cryptoparty"))
    federate_by_default(event.organization, now=now)  # as `flask demo` does
    first, second = event.sessions[0], event.sessions[1]
    ticket = registration.register(event, [first.workshops[0].id, second.workshops[0].id], 1,
                                   now=now)
    volunteer, token = volunteers.sign_up(event, pseudonym="Ada", now=now)
    open_workshop = volunteers.open_workshops(event)[0]
    claim = volunteers.claim_workshop(volunteer, open_workshop.id, now=now)
    proposal = volunteers.propose_workshop(volunteer, title="Threat models", duration_minutes=45,
                                           now=now)
    entry = feedback.give_feedback(event, now=event.starts_at + timedelta(hours=1), rating=5,
                                   comment="Very clear.")
    recipe = recipes.save_recipe(event.organization,
                                 (ROOT / "cryptoparty" / "kits" / "catalogue_recipes"
                                  / "signal.toml").read_text()
                                 .replace('key = "signal"', 'key = "signal-bib"', 1), now=now)
    ids = {"claim_id": claim.id, "proposal_id": proposal.id, "feedback_id": entry.id,
           "volunteer_id": volunteer.id, "key": recipe.key,
           "workshop_slug": open_workshop.slug}

    demo_org = db.session.scalar(select(Organization).filter_by(slug=DEMO_ORG))
    staff_password = "a colleague's long password"
    colleague = organizers.create_organizer("orga", staff_password)
    organizers.add_member(demo_org, colleague, role="organizer")
    board = organizers.create_organizer("bureau", staff_password)
    organizers.add_member(demo_org, board, role="board")
    ids["organizer_id"] = board.id
    ids["invitation_id"] = 1

    other_org = organizers.create_organization("autre", "Médiathèque voisine")
    other_password = "another long password"
    organizers.create_organizer("bob", other_password, organizations=[other_org])
    start = now + timedelta(days=20)
    other = events.create_event(other_org, now=now, slug="autre-soiree", title="Café",
                                kind="cafe_vie_privee", venue="Médiathèque",
                                starts_at=start, ends_at=start + timedelta(hours=2),
                                registration_opens_at=now - timedelta(days=1),
                                registration_closes_at=start)
    session = events.add_session(other, label="Soirée", starts_at=start,
                                 ends_at=start + timedelta(hours=2), now=now)
    events.add_workshop(session, now=now, title="Signal", capacity=10)
    events.change_status(other, "publish", now=now)
    db.session.commit()
    return World(event_slug=event.slug, other_event_slug=other.slug, org_slug=DEMO_ORG,
                 other_org_slug=other_org.slug, ticket_code=ticket.code,
                 volunteer_token=token,
                 workshop_ids=[w.id for w in event.workshops],
                 session_ids=[s.id for s in event.sessions],
                 organizer_login=DEMO_LOGIN, organizer_password=DEMO_PASSWORD,
                 other_login="bob", other_password=other_password, ids=ids,
                 staff={"orga": staff_password, DEMO_DOOR_LOGIN: DEMO_DOOR_PASSWORD,
                        "bureau": staff_password})


def url_values(rule, world: World, ids: dict | None = None) -> dict:
    """Values for the arguments of a URL rule, taken from the world (or ``ids``)."""
    from werkzeug.routing.converters import AnyConverter

    ids = {**world.ids, **(ids or {})}
    values = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif name in ids:
            values[name] = ids[name]
        elif name == "slug":
            orgs = rule.rule.startswith(("/orgs/", "/manage/orgs/", "/ap/orgs/", "/embed/orgs/"))
            values[name] = world.org_slug if orgs else world.event_slug
        elif name == "org":
            values[name] = world.org_slug
        elif name == "code":
            values[name] = world.ticket_code
        elif name == "token":
            values[name] = world.volunteer_token
        elif name == "filename":
            values[name] = "css/site.css"
        elif name == "key":
            values[name] = "tor-browser"
        elif name == "channel":
            from cryptoparty.announcements.models import CHANNELS

            values[name] = CHANNELS[0]
        elif name == "workshop_slug":
            values[name] = "tails"
        elif name == "session_id":
            values[name] = world.session_ids[0]
        elif name == "workshop_id":
            values[name] = world.workshop_ids[0]
        else:
            values[name] = 1
    return values


def build_path(app, rule, values) -> str:
    """The path of ``rule`` with ``values`` filled in."""
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)
